"""Shared builds for the integration tests.

Cold builds reach PyPI and take tens of seconds, so one build of the tutorial
app is made per test session and the tests that are not about a cold start
start from a copy of its work dir (slug, warm cache, env).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from integration.local_platform import REPO, build

FIXTURES = REPO / "test" / "fixtures"


def copy_fixture(name: str, dest: Path) -> Path:
    """A fixture app copied to dest (tests may edit their copy)."""
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def clone_work(source: Path, dest: Path) -> Path:
    """A copy of a work dir (slug, cache, env): a warm start for another build."""
    subprocess.run(["cp", "-a", str(source), str(dest)], check=True)
    return dest


def assert_clean_failure(result, *phrases: str) -> None:
    """A user error: exit 1, an error block, the phrases, no traceback."""
    assert result.returncode == 1, result.output[-3000:]
    assert " !     Error: " in result.output
    assert "Traceback" not in result.output, result.output[-3000:]
    assert "Internal error" not in result.output
    for phrase in phrases:
        assert phrase in result.output, f"{phrase!r} not in:\n{result.output[-3000:]}"


@pytest.fixture(scope="session")
def tutorial_build(tmp_path_factory):
    """The tutorial-style fixture built cold, once per session: (app copy, BuildResult)."""
    root = tmp_path_factory.mktemp("tutorial")
    app = copy_fixture("django_tutorial", root / "app")
    result = build(app, root / "work", echo=False)
    assert result.returncode == 0, result.output[-5000:]
    return app, result


@pytest.fixture
def warm_work(tutorial_build, tmp_path):
    """A private copy of the tutorial's work dir, to rebuild from a warm cache."""
    _, result = tutorial_build
    return clone_work(result.work, tmp_path / "work")


@pytest.fixture(scope="session")
def py39_build(tmp_path_factory):
    """The Python 3.9 / gunicorn 20 app built cold, once per session: (app copy, BuildResult).
    Python 3.9 is no other fixture's, so its tests share this one cold build."""
    root = tmp_path_factory.mktemp("py39")
    app = copy_fixture("django_py39_gunicorn20", root / "app")
    result = build(app, root / "work", echo=False)
    assert result.returncode == 0, result.output[-5000:]
    return app, result
