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

from typing import Optional

from buildpack import build_env, commands
from buildpack.context import Context

# Matched (re.search) against each file's full path by compileall -x.
NOT_COMPILED = r"/site-packages/(pip|setuptools)/"


class Compilation:
    """The background compileall; wait() before anything copies or measures the environment."""

    def __init__(self, job: Optional[commands.Background]) -> None:
        self._job = job

    def wait(self) -> None:
        if self._job is not None:
            self._job.result()  # a file that does not compile stays source: nothing to report
            self._job = None


def start(ctx: Context) -> Compilation:
    """Start compiling the environment's site-packages (nothing to do without one)."""
    site_packages = sorted(ctx.python_home.glob("lib/python3*/site-packages"))
    if not site_packages:
        return Compilation(None)
    # Through /app, the path the dynos import from (the build dir is linked there).
    directories = [str(ctx.app_python_home / path.relative_to(ctx.python_home)) for path in site_packages]
    argv = [str(ctx.app_python), "-I", "-m", "compileall", "-q", "-j", "0", "-x", NOT_COMPILED, *directories]
    return Compilation(commands.Background(argv, build_env.for_app(ctx), cwd=ctx.build_dir))
