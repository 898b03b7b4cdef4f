"""The reliability suite's harness: build an app in the sandbox and check the invariants.

Every case of the suite, whatever it feeds the buildpack, must end in one of two ways:
exit 0, or exit 1 with an ` !     Error:` block; never a traceback, never a hang
(each build runs under a timeout and its whole process group is killed past it), never
a canary secret anywhere the buildpack writes or prints (the log, the slug, the cache,
the export file), and the next good build on the same cache gives what a cold build gives.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import localheroku

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parent / "runner.py"
BASE_APP = REPO / "test" / "fixtures" / "reliability_base"
STACK = "heroku-24"
# A warm build takes seconds and a cold one under a minute; past this something hangs.
BUILD_TIMEOUT = 300.0
SITE_PACKAGES = Path(".heroku/python/lib/python3.12/site-packages")


@dataclasses.dataclass
class Outcome:
    returncode: Optional[int]
    output: str
    work: Path
    killed: bool = False  # SIGKILLed on purpose, at kill_when
    timed_out: bool = False


# --- The app under test: the base app plus an overlay ------------------------------------


@dataclasses.dataclass(frozen=True)
class Symlink:
    target: str


@dataclasses.dataclass(frozen=True)
class Directory:
    files: int = 0  # how many small files inside


@dataclasses.dataclass(frozen=True)
class Sparse:
    size: int  # a file of this many bytes that takes no disk space


Content = Union[str, bytes, Symlink, Directory, Sparse, None]


def make_app(dest: Path, overlay: Dict[str, Content], base: Path = BASE_APP) -> Path:
    """A copy of base with overlay applied: path -> content (None deletes the path)."""
    shutil.copytree(base, dest, symlinks=True)
    for relative, content in overlay.items():
        path = dest / relative
        if os.path.lexists(path):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        if content is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            os.symlink(content.target, path)
        elif isinstance(content, Directory):
            path.mkdir()
            for number in range(content.files):
                (path / f"f{number}.txt").write_text("x")
        elif isinstance(content, Sparse):
            with open(path, "wb") as handle:
                handle.truncate(content.size)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
            if relative.startswith("bin/"):
                path.chmod(0o755)
    return dest


# --- Running a build ---------------------------------------------------------------------


def run_build(app: Path, work: Path, *, config: Optional[Dict[str, str]] = None,
              env_entries: Sequence[dict] = (), network: bool = True, in_place: bool = True,
              shared_cache: Optional[Path] = None, kill_when: Optional[str] = None,
              timeout: float = BUILD_TIMEOUT, stack: str = STACK, build_dir_name: Optional[str] = None,
              extra_env: Optional[Dict[str, str]] = None, disk_limit_mb: Optional[int] = None) -> Outcome:
    """Build app into work (cache in work/cache) as a child process group.

    kill_when: a regex; the whole build is SIGKILLed when a line of its log matches.
    Past timeout the build is SIGKILLed too, and the outcome says it timed out.
    disk_limit_mb: the build dir's .heroku/ is a tmpfs of that size (a full disk).
    """
    work.mkdir(parents=True, exist_ok=True)
    spec = {"app": str(app), "work": str(work), "stack": stack, "config": config or {},
            "env_entries": list(env_entries), "network": network, "in_place": in_place,
            "shared_cache": str(shared_cache) if shared_cache else None, "build_dir_name": build_dir_name,
            "extra_env": extra_env, "disk_limit_mb": disk_limit_mb}
    fd, spec_path = tempfile.mkstemp(suffix=".json", dir=str(work))
    with os.fdopen(fd, "w") as handle:
        json.dump(spec, handle)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON")) or k == "PIP_CERT"}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen([sys.executable, "-u", str(RUNNER), spec_path], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    state = {"killed": False, "timed_out": False}

    def kill(reason: str) -> None:
        state[reason] = True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(timeout, kill, args=("timed_out",))
    watchdog.start()
    matcher = re.compile(kill_when) if kill_when else None
    lines: List[str] = []
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if matcher and not state["killed"] and matcher.search(line.rstrip("\n")):
                kill("killed")
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            kill("killed")
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        os.unlink(spec_path)
        if state["killed"] or state["timed_out"]:
            localheroku.recover_cache(work)  # an in-place cache goes back to work/cache as it was left
    return Outcome(None if (state["killed"] or state["timed_out"]) else process.returncode, "".join(lines),
                   work, state["killed"], state["timed_out"])


def warm_copy(source_work: Path, dest: Path) -> Path:
    """A work dir whose cache is a hard-linked copy of source's (fast; builds replace
    files in the cache, never write into them)."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(source_work / "cache"), str(dest / "cache")], check=True)
    # The lock file too would be the same inode, and a build's flock would lock both caches.
    lock = dest / "cache" / "django-buildpack" / "lock"
    if lock.exists():
        lock.unlink()
    return dest


# --- The invariants ----------------------------------------------------------------------


def assert_clean(outcome: Outcome, *phrases: str, expect: str = "any") -> None:
    """Exit 0 or an error block with exit 1; no traceback, no hang. expect: ok | error | any."""
    tail = outcome.output[-4000:]
    assert not outcome.timed_out, f"the build hung (killed at its time limit):\n{tail}"
    assert outcome.returncode in (0, 1), f"exit status {outcome.returncode}:\n{tail}"
    if outcome.returncode == 1:
        assert " !     Error: " in outcome.output, f"exit 1 without an error block:\n{tail}"
    assert "Traceback" not in outcome.output, tail
    assert "Internal error" not in outcome.output, tail
    if expect == "ok":
        assert outcome.returncode == 0, tail
    elif expect == "error":
        assert outcome.returncode == 1, tail
    for phrase in phrases:
        assert phrase in outcome.output, f"{phrase!r} not in:\n{tail}"


def places_written(work: Path) -> List[Path]:
    """Everything the buildpack writes or prints: log, slug, cache, export, release YAML."""
    return [p for p in (work / "build.log", work / "release.yml", work / "export", work / "slug", work / "cache")
            if os.path.lexists(p)]


def find_canaries(work: Path, output: str, canaries: Iterable[str]) -> List[str]:
    """Where any canary appears: the log text, or files under the places written."""
    found = []
    for canary in canaries:
        if canary in output:
            found.append(f"{canary!r} in the build output")
        places = [str(p) for p in places_written(work)]
        if places:
            grep = subprocess.run(["grep", "-r", "-l", "-a", "-F", "--", canary, *places],
                                  capture_output=True, text=True, errors="replace")
            found += [f"{canary!r} in {line}" for line in grep.stdout.splitlines()]
    return found


def signature(work: Path) -> dict:
    """What a build gives, to compare with a cold build: installed distributions, the
    interpreter, the process types."""
    site = work / "slug" / SITE_PACKAGES
    dists = sorted(p.name for p in site.glob("*.dist-info")) if site.is_dir() else []
    release = (work / "release.yml").read_text() if (work / "release.yml").is_file() else ""
    return {"dists": dists, "python": (work / "slug" / ".heroku/python/bin/python").exists(), "release": release}


def cache_generation(work: Path) -> Optional[str]:
    """The generation the cache's `current` points at (None: no usable cache)."""
    try:
        return os.readlink(work / "cache" / "django-buildpack" / "current")
    except OSError:
        return None
