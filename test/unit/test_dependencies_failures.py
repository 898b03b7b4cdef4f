"""Installer failures explained: each case on the real output of pip and uv, recorded."""
from __future__ import annotations

from pathlib import Path

import pytest

from buildpack.dependencies import failures

OUTPUTS = Path(__file__).parent / "dependency_outputs"


def recorded(name: str) -> str:
    return (OUTPUTS / f"{name}.txt").read_text()


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_requires_python_names_the_package_and_the_python_it_needs(installer):
    failure = failures.classify(recorded(f"{installer}_requires_python"), "3.9.18", {})
    assert failure is not None
    assert failure.reason == "dependencies::requires-python"
    name = "Django" if installer == "pip" else "django"
    assert failure.title == f"{name} 6.1.3 requires Python >=3.12; this app uses Python 3.9.18."


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_package_missing_from_the_index_is_called_that(installer):
    failure = failures.classify(recorded(f"{installer}_not_found"), "3.9.18", {})
    assert failure is not None
    assert failure.reason == "dependencies::package-not-found"
    assert failure.title == "The package djangoo-nonexistent-pkg isn't on the package index."
    assert "PyPI (https://pypi.org/simple) has no package called 'djangoo-nonexistent-pkg'" in failure.body


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_version_that_does_not_exist_is_not_called_a_python_problem(installer):
    failure = failures.classify(recorded(f"{installer}_no_such_version"), "3.9.18", {})
    assert failure is not None
    assert failure.reason == "dependencies::version-not-found"
    assert failure.title == "No release of the package matches django-extensions==99.0.0."


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_full_disk_is_called_a_full_disk(installer):
    failure = failures.classify(recorded(f"{installer}_no_space"), "3.9.18", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::disk-full", "The disk is full.")


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_no_network_says_the_index_is_unreachable_with_credentials_hidden(installer):
    settings = {"PIP_EXTRA_INDEX_URL": "https://user:s3cret@pkgs.example.com/simple/"}
    failure = failures.classify(recorded(f"{installer}_offline"), "3.9.18", settings)
    assert failure is not None
    assert failure.reason == "dependencies::index-unreachable"
    assert failure.title == "The package index could not be reached."
    assert "PyPI (https://pypi.org/simple) and https://****@pkgs.example.com/simple/" in failure.body
    assert "s3cret" not in failure.body


def test_an_unknown_failure_is_not_guessed():
    assert failures.classify("ERROR: something nobody has seen before", "3.12.1", {}) is None


def test_install_error_keeps_the_fix_for_an_unknown_failure():
    error = failures.install_error("installing requirements.txt with uv", "boom", "3.12.1", {}, "To fix it: x")
    assert error.reason == "dependencies::install-failed"
    assert error.body.endswith("To fix it: x")


def test_long_lines_are_shortened_for_the_log():
    line = "ERROR: Ignored the following versions that require a different python version: " + "5.0 x; " * 500
    short = failures.shorten(line)
    assert len(short) < 400 and short.endswith("more characters)")
    assert failures.shorten("short") == "short"


@pytest.mark.parametrize("installer, req", [("pip", "Django==5.2.8"), ("uv", "django==5.2.8")])
def test_a_hash_mismatch_names_the_package_and_how_to_regenerate_the_hashes(installer, req):
    failure = failures.classify(recorded(f"{installer}_hash_mismatch"), "3.12.1", {})
    assert failure is not None
    assert failure.reason == "dependencies::hash-mismatch"
    assert failure.title == f"The file downloaded for {req} does not match its hash."
    assert "pip-compile --generate-hashes" in failure.body
