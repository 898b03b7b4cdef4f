"""Heroku CI through the real scripts: bin/test-compile with BUILD_DIR=/app, then bin/test.

One test-compile of test/fixtures/ci_django (Django project in src/, test requirements in
requirements-test.txt) from a copy of the session's warm tutorial build; bin/test then runs
in the same /app twice: with the GREETING config var its tests pass, without it one fails,
and bin/test's exit status says so.
"""
from __future__ import annotations

import os
import subprocess

import pytest

import localheroku as lh
from buildpack.app import profile
from integration.conftest import clone_work, copy_fixture

GREETING = {"GREETING": "hello from a config var"}


@pytest.fixture(scope="module")
def ci_build(tutorial_build, tmp_path_factory):
    """(sandbox, test-compile output); /app stays on the host until the module is done."""
    _, tutorial = tutorial_build
    root = tmp_path_factory.mktemp("ci")
    app = copy_fixture("ci_django", root / "app")
    work = clone_work(tutorial.work, root / "work")
    box = lh.prepare_build(lh.BuildRequest.of(app, work, config=GREETING, ci=True, host_env=os.environ))
    try:
        compiled = subprocess.run(box.argv("test-compile", box.build_dir, lh.CACHE_DIR, lh.ENV_DIR),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert compiled.returncode == 0, compiled.stdout[-5000:]
        yield box, work, compiled.stdout
    finally:
        lh.remove_tree(box.scratch)


def test_test_compile_builds_in_app_with_test_requirements_and_no_collectstatic(ci_build):
    box, _, output = ci_build
    assert box.build_dir == "/app"
    assert "-----> Adding test requirements from requirements-test.txt\n" in output
    assert "iniconfig" in output
    assert "Running collectstatic" not in output
    assert "Checking the Django settings for production" not in output  # CI is not production
    assert (box.build_host / ".profile.d" / profile.PROFILE_NAME).is_file()


def run_bin_test(box, work, config):
    lh.write_env_dir(work / "env", config)  # ENV_DIR is bound from here at each run
    return subprocess.run(box.argv("test", box.build_dir, lh.ENV_DIR), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def test_bin_test_passes_when_the_apps_tests_pass(ci_build):
    box, work, _ = ci_build
    ran = run_bin_test(box, work, GREETING)
    assert ran.returncode == 0, ran.stdout[-5000:]
    lines = ran.stdout.splitlines()
    assert lines[0] == "-----> Running the app's tests: python manage.py test --noinput (in src/)"
    assert "       OK" in lines
    assert lines[-1] == "-----> Tests passed"


def test_bin_test_fails_when_the_apps_tests_fail(ci_build):
    box, work, _ = ci_build
    ran = run_bin_test(box, work, {})
    assert ran.returncode == 1, ran.stdout[-5000:]
    assert "FAIL: test_config_var_is_loaded" in ran.stdout
    assert "       FAILED (failures=1)" in ran.stdout
    assert ran.stdout.splitlines()[-1] == "-----> Tests failed (exit status 1)"
