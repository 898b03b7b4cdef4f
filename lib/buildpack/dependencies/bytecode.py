"""Bytecode for the installed packages, compiled while the Django steps run.

Dynos import the .pyc files written at build time instead of compiling the
packages at every boot. pip compiles what it installs, in line; uv, Poetry and
uv projects are asked not to, and this step compiles the whole environment in
one `compileall` over every core, in the background: the Django steps that run
meanwhile only read the environment. A file that is already compiled is skipped,
so after a sync only what changed is compiled.

pip and setuptools stay as source: the app does not import them at run time
(pkg_resources, which some apps and old gunicorn import, is compiled), and their
9 MB of bytecode would only make every slug bigger. A file that does not compile
(Python 2 code in some packages' test data) is skipped, as pip skips it.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Collection, List, Optional

from buildpack import build_env, commands
from buildpack.cache import Action
from buildpack.context import Context
from buildpack.dependencies.requirements import canonical_name

# Matched (re.search) against each file's full path by compileall -x.
NOT_COMPILED = r"/site-packages/(pip|setuptools)/"


class Compilation:
    """The background compileall; wait() before anything copies or measures the environment
    (the cache's saving thread waits too, hence the lock)."""

    def __init__(self, job: Optional[commands.Background]) -> None:
        self._job = job
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self._job is not None:
                self._job.result()  # a file that does not compile stays source: nothing to report
                self._job = None


def start(ctx: Context, action: Action, changed: Optional[Collection[str]] = None) -> Compilation:
    """Start compiling the environment's site-packages (in the background).

    A fresh environment is compiled whole, on every core. After a sync, `changed`
    names the distributions installed or upgraded, and only their files (from
    their RECORD) are compiled: checking 20,000 up-to-date files of a large
    environment would take longer than the Django steps it overlaps.
    """
    site_packages = sorted(ctx.python_home.glob("lib/python3*/site-packages"))
    if action == Action.REUSE or not site_packages:
        return Compilation(None)  # a reused environment was compiled when it was saved
    targets = [str(path) for path in site_packages]
    workers = "0"  # one per core
    if action == Action.SYNC and changed is not None:
        targets = changed_sources(site_packages, changed)
        workers = "1"  # a few files: workers would cost more than they save
        if not targets:
            return Compilation(None)
    # Through /app, the path the dynos import from (the build dir is linked there).
    build_home = str(ctx.python_home)
    targets = [str(ctx.app_python_home) + target[len(build_home):] for target in targets]
    argv = [str(ctx.app_python), "-I", "-m", "compileall", "-q", "-j", workers, "-x", NOT_COMPILED, *targets]
    return Compilation(commands.Background(argv, build_env.for_app(ctx), cwd=ctx.build_dir))


def changed_sources(site_packages: List[Path], changed: Collection[str]) -> List[str]:
    """The .py files the RECORDs of these distributions list (a whole package
    directory for a distribution without a RECORD, rare: not installed by a wheel)."""
    wanted = {canonical_name(name) for name in changed}
    sources: List[str] = []
    for directory in site_packages:
        for info in directory.glob("*.dist-info"):
            if canonical_name(info.name[: -len(".dist-info")].rsplit("-", 1)[0]) not in wanted:
                continue
            try:
                rows = (info / "RECORD").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return [str(path) for path in site_packages]  # not knowing what changed: everything
            for row in rows:
                path = row.split(",", 1)[0]
                if path.endswith(".py") and not path.startswith(("..", "/")):
                    sources.append(str(directory / path))
    return sources
