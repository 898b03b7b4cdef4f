"""Moving trees around quickly: hard links where nothing writes in place, cp -a elsewhere."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def copy_tree(source: Path, dest: Path) -> None:
    """cp -a: several times faster than shutil.copytree on a cache of many small files."""
    subprocess.run(["cp", "-a", str(source), str(dest)], check=True)


def link_tree(source: Path, dest: Path) -> None:
    """A hard-linked copy (cp -al): directories are new, files shared. Only for trees whose files
    are replaced rather than edited in place (the buildpack's cache, a slug's .heroku)."""
    subprocess.run(["cp", "-al", str(source), str(dest)], check=True)


def remove_tree(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=True)


def discard(path: Path, trash: Path) -> None:
    """Move a tree aside at once and delete it in a background process: removing a replaced slug
    and cache (tens of thousands of files) is most of a warm build's own overhead otherwise.
    The background `rm` outlives the tool, so an interrupted build leaves nothing behind either."""
    if not os.path.lexists(path):
        return
    trash.mkdir(exist_ok=True)
    os.rename(path, trash / f"{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    # At the lowest priority: the next build, often started right away, must not wait on it.
    subprocess.Popen(["nice", "-n", "19", "rm", "-rf", str(trash)], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def chown_tree(path: Path, uid: int, gid: int) -> None:
    subprocess.run(["chown", "-R", "-h", f"{uid}:{gid}", str(path)], check=True)


def folder_size(path: Path) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(path) for f in files)


def write_private(path: Path, text: str) -> None:
    """A file only its owner can read, created that way (never world-readable for an instant)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def write_env_dir(env_dir: Path, config: dict[str, str]) -> None:
    """ENV_DIR: one file per config var, readable by its owner only."""
    remove_tree(env_dir)
    env_dir.mkdir(parents=True, mode=0o700)
    os.chmod(env_dir, 0o700)
    for name, value in config.items():
        write_private(env_dir / name, value)


def read_env_dir(env_dir: Path) -> dict[str, str]:
    if not env_dir.is_dir():
        return {}
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(env_dir.iterdir()) if f.is_file()}


def slug_tarball(slug: Path, tarball: Path) -> int:
    """The slug as Heroku stores it (a gzipped tar of /app); returns its size in bytes."""
    partial = tarball.with_name(tarball.name + ".tmp")
    with partial.open("wb") as out:
        tar = subprocess.Popen(["tar", "-C", str(slug), "--numeric-owner", "-cf", "-", "."], stdout=subprocess.PIPE)
        gzip = subprocess.run(["gzip", "-1", "-n"], stdin=tar.stdout, stdout=out)
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or gzip.returncode != 0:
            raise OSError(f"packing {tarball} failed")
    os.replace(partial, tarball)
    return tarball.stat().st_size
