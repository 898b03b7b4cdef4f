"""bin/test (buildpack.ci_test): the runner chosen, its environment, and the verdict.

The end-to-end cases use a fake slug: the fixture app copied to a temp build dir
whose .heroku/python/bin/python hands over to a python that has Django and
pytest (the dev venv's), with metadata directories saying what is "installed"
and the real .profile.d script. The real build is in test/integration.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional

import pytest

from buildpack import heroku_ci as ci_test
from buildpack.app import profile
from buildpack.errors import CiPythonMissingError

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "test" / "fixtures" / "ci_django"
GREETING = {"GREETING": "hello from a config var"}


def django_python() -> str:
    probe = subprocess.run([sys.executable, "-c", "import django, pytest"], capture_output=True)
    return sys.executable if probe.returncode == 0 else str(REPO / ".venv" / "bin" / "python")


DEV_PYTHON = django_python()


@pytest.mark.parametrize(
    "installed, project_dir, argv, directory",
    [
        ({"django"}, ".", ["python", "manage.py", "test", "--noinput"], "."),
        ({"django", "pytest"}, "src", ["python", "manage.py", "test", "--noinput"], "src"),
        ({"django", "pytest", "pytest-django"}, "src", ["python", "-m", "pytest"], "."),
        ({"django"}, None, ["python", "-m", "unittest", "discover"], "."),  # Django, but no manage.py
        ({"pytest"}, None, ["python", "-m", "pytest"], "."),
        ({"pytest"}, ".", ["python", "-m", "pytest"], "."),  # a manage.py without Django installed
        (set(), None, ["python", "-m", "unittest", "discover"], "."),
    ],
)
def test_choose_runner(installed, project_dir, argv, directory):
    runner = ci_test.choose_runner(installed, project_dir)
    assert (runner.argv, runner.directory) == (argv, directory)
    assert runner.reason


def test_installed_names_from_metadata_directories(tmp_path):
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    for name in ("Django-5.2.8.dist-info", "pytest_django-4.9.0.dist-info", "zope.interface-6.0.dist-info",
                 "legacy_pkg-1.0-py3.12.egg-info", "django", "pytest"):
        (site / name).mkdir(parents=True)
    assert ci_test.installed_names(tmp_path) == {"django", "pytest-django", "zope-interface", "legacy-pkg"}
    assert ci_test.installed_names(tmp_path / "missing") == set()


def test_runner_env_is_the_dyno_environment_with_config_vars_over_it(tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "CI": "true", "BUILDPACK_DIR": "/tmp/buildpack", "GREETING": "old",
               "HOME": "/elsewhere"}
    env = ci_test.runner_env(environ, {"GREETING": "new", "DATABASE_URL": "postgres://x"}, tmp_path)
    assert env == {"PATH": "/usr/bin:/bin", "CI": "true", "GREETING": "new", "DATABASE_URL": "postgres://x",
                   "HOME": str(tmp_path)}


def test_no_python_in_the_build_is_an_error(tmp_path):
    with pytest.raises(CiPythonMissingError) as raised:
        ci_test.main([str(tmp_path), ""], {"PATH": "/usr/bin:/bin"})
    assert raised.value.reason == "ci::python-missing"
    assert "bin/test-compile" in raised.value.body


def fake_slug(tmp_path: Path, app: Optional[Path], installed: Iterable[str]) -> Path:
    build = tmp_path / "build"
    if app is not None:
        shutil.copytree(app, build)
    else:
        build.mkdir()
    home = build / ".heroku" / "python"
    (home / "bin").mkdir(parents=True)
    python = home / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{DEV_PYTHON}" "$@"\n')
    python.chmod(0o755)
    for name in installed:
        (home / "lib" / "python3.12" / "site-packages" / f"{name}-1.0.dist-info").mkdir(parents=True)
    profile.write_profile(build)
    return build


def env_dir(tmp_path: Path, config: Dict[str, str]) -> Path:
    directory = tmp_path / "env"
    directory.mkdir()
    for name, value in config.items():
        (directory / name).write_text(value)
    return directory


ENVIRON = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "BUILDPACK_DIR": "/nowhere"}


@pytest.mark.parametrize("config, verdict", [(GREETING, 0), ({}, 1)], ids=["passing", "failing"])
def test_django_tests_decide_the_exit_status(tmp_path, capsys, config, verdict):
    build = fake_slug(tmp_path, FIXTURE, ["Django", "iniconfig"])
    status = ci_test.main([str(build), str(env_dir(tmp_path, config))], ENVIRON)
    out, _ = capsys.readouterr()
    assert status == verdict
    lines = out.splitlines()
    assert lines[0] == "-----> Running the app's tests: python manage.py test --noinput (in src/)"
    assert lines[1] == "       A Django app: Django is installed and src/manage.py was found"
    assert any(line.startswith("       Ran 4 tests in ") for line in lines)
    if verdict == 0:
        assert lines[-1] == "-----> Tests passed"
        assert "       OK" in lines
    else:
        assert lines[-1] == "-----> Tests failed (exit status 1)"
        assert "       FAIL: test_config_var_is_loaded (greetings.tests.DynoEnvironmentTests.test_config_var_is_loaded)" \
            in lines
        assert "       FAILED (failures=1)" in lines


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


PLAIN_TESTS = '''\
import os
import unittest


class Environment(unittest.TestCase):
    def test_other_buildpacks_profile_and_dot_profile(self):
        self.assertEqual(os.environ.get("FROM_OTHER_BUILDPACK"), "yes")
        self.assertEqual(os.environ.get("FROM_DOT_PROFILE"), "yes")

    def test_config_var(self):
        self.assertEqual(os.environ.get("GREETING"), "hello from a config var")
'''


@pytest.mark.parametrize(
    "installed, first_line",
    [
        (["pytest"], "-----> Running the app's tests: python -m pytest"),
        ([], "-----> Running the app's tests: python -m unittest discover"),
    ],
)
def test_apps_without_django(tmp_path, capsys, installed, first_line):
    build = fake_slug(tmp_path, None, installed)
    write(build / "tests" / "__init__.py", "")
    write(build / "tests" / "test_environment.py", PLAIN_TESTS)
    write(build / ".profile.d" / "000-other.sh", 'export FROM_OTHER_BUILDPACK="yes"\n')
    write(build / ".profile", 'export FROM_DOT_PROFILE="yes"\n')
    assert ci_test.main([str(build), str(env_dir(tmp_path, GREETING))], ENVIRON) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == first_line
    assert ("2 passed" in out) == (installed == ["pytest"])
    assert ("Ran 2 tests" in out) == (installed == [])
    assert out.splitlines()[-1] == "-----> Tests passed"


def test_pytest_without_tests_fails(tmp_path, capsys):
    # pytest exits 5 when it collects nothing: an empty test run is not a green build.
    build = fake_slug(tmp_path, None, ["pytest"])
    assert ci_test.main([str(build), ""], ENVIRON) == 5
    assert capsys.readouterr().out.splitlines()[-1] == "-----> Tests failed (exit status 5)"


def test_bin_test_runs_the_module(tmp_path):
    """The real bin/test shim reaches ci_test with BUILD_DIR ENV_DIR and exits with the verdict."""
    build = fake_slug(tmp_path, FIXTURE, ["Django", "iniconfig"])
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}
    passing = subprocess.run([str(REPO / "bin" / "test"), str(build), str(env_dir(tmp_path, GREETING))], env=env,
                             capture_output=True, text=True)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert passing.stdout.splitlines()[-1] == "-----> Tests passed"
    shutil.rmtree(tmp_path / "env")
    failing = subprocess.run([str(REPO / "bin" / "test"), str(build), str(env_dir(tmp_path, {}))], env=env,
                             capture_output=True, text=True)
    assert failing.returncode == 1
    assert failing.stdout.splitlines()[-1] == "-----> Tests failed (exit status 1)"
