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
from typing import Optional

from buildpack import build_env, commands
from buildpack.cache import Action
from buildpack.context import Context

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


def start(ctx: Context, action: Action) -> Compilation:
    """Start compiling the environment's site-packages (in the background).

    A fresh environment is compiled on every core. After a sync nearly every file is
    compiled already, and compileall's workers would take each file's check as a task
    of its own (slower than the check): one process checks them and compiles the few new.
    """
    site_packages = sorted(ctx.python_home.glob("lib/python3*/site-packages"))
    if action == Action.REUSE or not site_packages:
        return Compilation(None)  # a reused environment was compiled when it was saved
    # Through /app, the path the dynos import from (the build dir is linked there).
    directories = [str(ctx.app_python_home / path.relative_to(ctx.python_home)) for path in site_packages]
    workers = "0" if action == Action.FRESH else "1"  # 0: one per core
    argv = [str(ctx.app_python), "-I", "-m", "compileall", "-q", "-j", workers, "-x", NOT_COMPILED, *directories]
    return Compilation(commands.Background(argv, build_env.for_app(ctx), cwd=ctx.build_dir))
