"""Bytecode for the installed packages, compiled while the Django steps run.

Dynos import the .pyc files written at build time instead of compiling the
packages at every boot. pip compiles what it installs, in line; uv, Poetry and
uv projects are asked not to, and this step compiles the environment in the
background: the Django steps that run meanwhile only read the environment. The
files are dealt out to one `compileall -i LIST` per core (compileall's own -j
hands out one file at a time and took 7.5 s for the 84-package lock where two
lists take 4.5 s). After a sync only the changed distributions' files are compiled.

pip and setuptools stay as source: the app does not import them at run time
(pkg_resources, which some apps and old gunicorn import, is compiled), and their
9 MB of bytecode would only make every slug bigger. A file that does not compile
(Python 2 code in some packages' test data) is skipped, as pip skips it.
"""
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Collection, List, Optional, Sequence

from buildpack import build_env, commands
from buildpack.cache import Action
from buildpack.context import Context
from buildpack.dependencies.requirements import canonical_name

# Left as source (top-level directories of site-packages).
NOT_COMPILED = ("pip", "setuptools")
MAX_WORKERS = 8


class Compilation:
    """The background compileall processes; wait() before anything copies or measures the
    environment (the cache's saving thread waits too, hence the lock)."""

    def __init__(self, jobs: Sequence[commands.Background] = (), lists: Sequence[Path] = ()) -> None:
        self._jobs = list(jobs)
        self._lists = list(lists)
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            for job in self._jobs:
                job.result()  # a file that does not compile stays source: nothing to report
            for listing in self._lists:
                listing.unlink()
            self._jobs, self._lists = [], []


def start(ctx: Context, action: Action, changed: Optional[Collection[str]] = None) -> Compilation:
    """Start compiling the environment's site-packages (in the background).

    A fresh environment is compiled whole. After a sync, `changed` names the
    distributions installed or upgraded, and only their files (from their RECORD)
    are compiled: checking 20,000 up-to-date files of a large environment would
    take longer than the Django steps it overlaps.
    """
    site_packages = sorted(ctx.python_home.glob("lib/python3*/site-packages"))
    if action == Action.REUSE or not site_packages:
        return Compilation()  # a reused environment was compiled when it was saved
    if action == Action.SYNC and changed is not None:
        sources = changed_sources(site_packages, changed)
    else:
        sources = all_sources(site_packages)
    if not sources:
        return Compilation()
    # Through /app, the path the dynos import from (the build dir is linked there).
    build_home, app_home = str(ctx.python_home), str(ctx.app_python_home)
    sources = [app_home + source[len(build_home):] if source.startswith(build_home) else source
               for source in sources]
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, len(sources) // 50))
    jobs, lists = [], []
    for worker in range(workers):
        with tempfile.NamedTemporaryFile("w", prefix="bytecode-", suffix=".txt", delete=False) as listing:
            listing.write("\n".join(sources[worker::workers]) + "\n")  # dealt out: big and small files mix
        lists.append(Path(listing.name))
        argv = [str(ctx.app_python), "-I", "-m", "compileall", "-q", "-i", listing.name]
        jobs.append(commands.Background(argv, build_env.for_app(ctx), cwd=ctx.build_dir))
    return Compilation(jobs, lists)


def all_sources(site_packages: List[Path]) -> List[str]:
    return [source for directory in site_packages for source in python_sources(directory)]


def python_sources(site_packages: Path) -> List[str]:
    """Every .py file under site-packages but pip's and setuptools'."""
    sources: List[str] = []
    for directory, dirs, files in os.walk(site_packages):
        if directory == str(site_packages):
            dirs[:] = [name for name in dirs if name not in NOT_COMPILED]
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        sources.extend(os.path.join(directory, name) for name in files if name.endswith(".py"))
    return sources


def changed_sources(site_packages: List[Path], changed: Collection[str]) -> List[str]:
    """The .py files the RECORDs of these distributions list (the whole environment
    for a distribution without a RECORD, rare: not installed from a wheel)."""
    wanted = {canonical_name(name) for name in changed}
    sources: List[str] = []
    for directory in site_packages:
        for info in directory.glob("*.dist-info"):
            if canonical_name(info.name[: -len(".dist-info")].rsplit("-", 1)[0]) not in wanted:
                continue
            try:
                rows = (info / "RECORD").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:  # not knowing what changed: everything
                return all_sources(site_packages)
            for row in rows:
                path = row.split(",", 1)[0]
                if path.endswith(".py") and not path.startswith(("..", "/", *(f"{name}/" for name in NOT_COMPILED))):
                    sources.append(str(directory / path))
    return sources
