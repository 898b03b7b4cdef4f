"""What `git push heroku` sends, and what Heroku removes before the build.

A git app sends its committed tree (HEAD): uncommitted changes and untracked files stay behind,
and the caller is told which. An app outside git (or with no commit yet) sends its files minus
.git and what .gitignore ignores. `.slugignore` patterns are removed before the buildpacks run.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import os
import shutil
import subprocess
from pathlib import Path

BUILDPACK_EXCLUDES = (".git", ".venv*", ".local", ".runtimes*", "test", "__pycache__", ".pytest_cache", "export")


@dataclasses.dataclass
class SentTree:
    source_version: str | None = None    # the commit sent, when the app is in git
    left_out: list[str] = dataclasses.field(default_factory=list)   # uncommitted or untracked paths
    slugignored: list[str] = dataclasses.field(default_factory=list)


def git(app_dir: Path, *args: str) -> str | None:
    result = subprocess.run(["git", "-C", str(app_dir), *args], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def parse_porcelain(text: str) -> list[str]:
    """Paths from `git status --porcelain=v1 -z --untracked-files=all -- .` (renames: both)."""
    entries = text.split("\0")
    paths, index = [], 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # the rename's source follows as its own entry
            index += 1
    return paths


def copy_app(app_dir: Path, dest: Path) -> SentTree:
    """Copy what `git push heroku` would send into dest."""
    sent = SentTree()
    inside = (git(app_dir, "rev-parse", "--is-inside-work-tree") or "").strip() == "true"
    head = (git(app_dir, "rev-parse", "--verify", "-q", "HEAD") or "").strip() if inside else ""
    if inside and head:
        prefix = (git(app_dir, "rev-parse", "--show-prefix") or "").strip()
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "-C", git_root(app_dir), "archive", "--format=tar", f"HEAD:{prefix}"],
                                   stdout=subprocess.PIPE)
        extracted = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout)
        assert archive.stdout is not None
        archive.stdout.close()
        if archive.wait() != 0 or extracted.returncode != 0:
            raise OSError(f"git archive of {app_dir} failed")
        status = git(app_dir, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".") or ""
        sent.source_version = head
        sent.left_out = sorted(os.path.relpath(Path(git_root(app_dir), p), app_dir) for p in parse_porcelain(status))
        return sent
    listing = git(app_dir, "ls-files", "-z", "-co", "--exclude-standard") if inside else None
    if listing is None:
        def ignore(directory: str, names: list[str]) -> list[str]:  # never copy the copy into itself
            return [n for n in names if n == ".git" or Path(directory, n) in (dest, *dest.parents)]
        shutil.copytree(app_dir, dest, symlinks=True, dirs_exist_ok=True, ignore=ignore)
        return sent
    for name in filter(None, listing.split("\0")):
        source, target = app_dir / name, dest / name
        if not os.path.lexists(source) or ".git" in Path(name).parts:
            continue  # deleted in the work tree but still in the index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_dir():  # a submodule
            shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        else:
            shutil.copy2(source, target)
    return sent


def git_root(app_dir: Path) -> str:
    return (git(app_dir, "rev-parse", "--show-toplevel") or str(app_dir)).strip()


def parse_slugignore(text: str) -> list[str]:
    """Patterns, one a line; blank lines and # comments skipped. Heroku supports no negation."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def slugignored(relpath: str, patterns: list[str]) -> bool:
    """gitignore-like: a pattern with a slash is anchored at the app's root, one without matches
    a name at any depth; a trailing slash matches directories (the caller walks top-down)."""
    parts = relpath.split("/")
    for pattern in patterns:
        bare = pattern.rstrip("/")
        if "/" in bare:
            if fnmatch.fnmatchcase(relpath, bare.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(parts[-1], bare):
            return True
    return False


def apply_slugignore(build_dir: Path) -> list[str]:
    """Remove what .slugignore names from the sent tree, before the build; returns what went."""
    listing = build_dir / ".slugignore"
    if not listing.is_file():
        return []
    patterns, removed = parse_slugignore(listing.read_text(errors="replace")), []
    for directory, dirs, files in os.walk(build_dir):
        for name in sorted(dirs + files):
            path = Path(directory, name)
            rel = path.relative_to(build_dir).as_posix()
            if slugignored(rel, patterns):
                removed.append(rel)
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                    dirs.remove(name)
                else:
                    path.unlink()
    return removed


def copy_buildpack(buildpack: Path, dest: Path) -> None:
    """A per-build copy: compile writes `export` into the buildpack root, never into the repo."""
    def ignore(directory: str, names: list[str]) -> list[str]:
        at_root = Path(directory) == buildpack
        return [n for n in names if n == "__pycache__"
                or (at_root and any(fnmatch.fnmatch(n, pattern) for pattern in BUILDPACK_EXCLUDES))]
    shutil.copytree(buildpack, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)
