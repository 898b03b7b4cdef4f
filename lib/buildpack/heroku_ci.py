"""bin/test BUILD_DIR ENV_DIR: Heroku CI runs the app's tests in what bin/test-compile built.

The test runner's exit status is the verdict. The runner starts the way a dyno
boots: the config vars from ENV_DIR set, then every .profile.d/*.sh and
.profile sourced by bash, with HOME at the build dir (/app on Heroku CI). So it
finds the slug's python on PATH and gets the environment the app gets on a dyno.

Which runner (decided from what is installed, and said in the log):
- a Django app (Django installed, manage.py up to 3 levels down):
  `python manage.py test --noinput` in manage.py's directory. With
  pytest-django installed, `python -m pytest` from the root instead: those
  tests are written for pytest, and manage.py test would not find them.
- otherwise, with pytest installed: `python -m pytest` from the root;
- otherwise `python -m unittest discover` from the root, the standard library's
  runner (which, before Python 3.12, passes when it finds no test at all).
An app that needs another command sets `scripts.test` in app.json: Heroku CI
then runs that instead of bin/test.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set

from buildpack import commands, output
from buildpack.commands import STACK_PATH
from buildpack.context import Context
from buildpack.dependencies.requirements import canonical_name
from buildpack.errors import CiPythonMissingError
from buildpack.source.project_layout import find_manage_py

# $1 = the build dir (the slug's home), $2 = where to run, then the runner's argv.
# Like a dyno boot: .profile.d scripts in glob order, then .profile; never `exit`.
BOOT_SCRIPT = (
    'for f in "$1"/.profile.d/*.sh; do if [ -f "$f" ]; then . "$f"; fi; done; '
    'if [ -f "$1/.profile" ]; then . "$1/.profile"; fi; '
    'cd "$2" && shift 2 && exec "$@"'
)
# Set by bin/support/run-python-module for the buildpack's own code, not for the app.
INTERNAL_VARIABLES = ("BUILDPACK_DIR",)


@dataclass(frozen=True)
class Runner:
    argv: List[str]
    directory: str  # relative to the build dir
    reason: str


def installed_names(python_home: Path) -> Set[str]:
    """Distribution names in the runtime's site-packages, from the metadata directories' names."""
    names: Set[str] = set()
    for site_packages in sorted(python_home.glob("lib/python3*/site-packages")):
        try:
            entries = list(site_packages.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix in (".dist-info", ".egg-info"):
                # "Django-5.2.8.dist-info", "pytest_django-4.9.0.dist-info": names never hold a dash.
                names.add(canonical_name(entry.name.split("-", 1)[0]))
    return names


def choose_runner(installed: Set[str], project_dir: Optional[str]) -> Runner:
    """project_dir: where manage.py is, relative to the build dir; None when there is none."""
    if project_dir is not None and "django" in installed:
        where = "manage.py" if project_dir == "." else f"{project_dir}/manage.py"
        if "pytest-django" in installed:
            return Runner(["python", "-m", "pytest"], ".",
                          f"A Django app ({where}) with pytest-django installed: its tests are written for pytest")
        return Runner(["python", "manage.py", "test", "--noinput"], project_dir,
                      f"A Django app: Django is installed and {where} was found")
    if "pytest" in installed:
        return Runner(["python", "-m", "pytest"], ".", "Not a Django app; pytest is installed")
    return Runner(["python", "-m", "unittest", "discover"], ".",
                  "Not a Django app and pytest is not installed: the standard library's unittest")


def runner_env(environ: Mapping[str, str], config_vars: Mapping[str, str], build_dir: Path) -> Dict[str, str]:
    """The test dyno's own environment, the config vars over it (as at dyno boot), HOME at the slug."""
    env = {name: value for name, value in environ.items() if name not in INTERNAL_VARIABLES}
    env.update(config_vars)
    env["HOME"] = str(build_dir)
    return env


def main(argv: List[str], environ: Mapping[str, str], command: str = "test") -> int:
    ctx = Context.from_test_args(argv, environ)
    output.hide(ctx.config_vars)
    if not (ctx.python_home / "bin" / "python").exists():
        raise CiPythonMissingError(
            "bin/test found no Python in the build.",
            f"There is no {ctx.python_home}/bin/python: bin/test-compile has not\n"
            "run in this directory, or it failed.\n\n"
            "To fix it: check the test setup's output above; bin/test runs after\n"
            "a successful bin/test-compile with the same BUILD_DIR.",
        )
    manage_py = find_manage_py(ctx.build_dir)
    project_dir = None if manage_py is None else (manage_py.parent.relative_to(ctx.build_dir).as_posix() or ".")
    runner = choose_runner(installed_names(ctx.python_home), project_dir)
    where = "" if runner.directory == "." else f" (in {runner.directory}/)"
    output.step(f"Running the app's tests: {' '.join(runner.argv)}{where}")
    output.detail(runner.reason)
    output.detail("To run another command, set scripts.test in app.json")
    bash = shutil.which("bash", path=environ.get("PATH") or STACK_PATH) or "/bin/bash"
    boot = [bash, "-c", BOOT_SCRIPT, "bin/test", str(ctx.build_dir), str(ctx.build_dir / runner.directory)]
    result = commands.run(boot + runner.argv, runner_env(environ, ctx.config_vars, ctx.build_dir),
                          cwd=ctx.build_dir)
    if result.ok:
        output.step("Tests passed")
    else:
        output.step(f"Tests failed (exit status {result.returncode})")
    return result.returncode
