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


# uv 0.12.24 and pip 26.3, recorded; only the machine's venv and cache paths were renamed.
@pytest.mark.parametrize("sample, req, releases", [
    ("uv_only_versions_available", "django>=99", "Releases it has: django<=6.1.3."),
    ("uv_only_one_version_available", "solo>=2", "Releases it has: solo==1.0."),
    ("uv_only_following_versions_available", "django>5.2,<5.2.1", "Releases it has: django<=5.2 or django>=5.2.1."),
    ("pip_no_such_version_range", "Django>=99", "Releases it has: ... 5.2.16, 5.2.17, 5.2.18, 5.2.19, 5.2.20 (and newer"),
    ("pip_no_such_version", "django-extensions==99.0.0", "Releases it has: ... 3.2.1, 3.2.3, 3.2.4b1, 4.0, 4.1."),
])
def test_a_range_with_no_release_is_a_missing_version_not_a_conflict(sample, req, releases):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::version-not-found"
    assert failure.title == f"No release of the package matches {req}."
    assert releases in failure.body


def test_a_real_conflict_between_requirements_is_still_a_conflict():
    # uv's chain also says "you require", but of two requirements: not a missing version.
    failure = failures.classify(recorded("uv_conflict"), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::conflict"


@pytest.mark.parametrize("sample, title, body", [
    ("pip_missing_include", "The requirements file other.txt does not exist.", "A requirements file includes it"),
    ("uv_missing_include", "The requirements file /tmp/build_ogW7/other.txt does not exist.",
     "requirements.txt includes it (a -r or -c line)"),
])
def test_a_missing_include_names_the_file(sample, title, body):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::missing-include", title)
    assert body in failure.body and "Commit the file" in failure.body


@pytest.mark.parametrize("sample, path, where", [
    ("pip_missing_local_path", "./vendor/missing", "requirements.txt line 2 installs ./vendor/missing"),
    ("pip_missing_editable", "./missing", "A requirements line installs ./missing"),
    ("pip_missing_local_archive", "./vendor/missing-1.0.tar.gz", "installs ./vendor/missing-1.0.tar.gz"),
    ("uv_missing_local_path", "/tmp/build_Y42i/vendor/missing", "installs /tmp/build_Y42i/vendor/missing"),
    ("uv_missing_editable", "/tmp/build_w8P5/missing", "installs /tmp/build_w8P5/missing"),
])
def test_a_missing_local_path_names_it(sample, path, where):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::local-missing", f"The local package {path} is not in the app.")
    assert where in failure.body


@pytest.mark.parametrize("sample, title, body", [
    ("pip_unknown_option", "A requirements line has an option the installer does not know: --frobnicate.",
     "The line (--frobnicate yes) starts with '-'"),
    ("uv_unknown_option", "requirements.txt line 2 has an option the installer does not know.", "starts with '-'"),
    ("pip_invalid_requirement", "requirements.txt line 2 is not a valid requirement: django-environ=0.11.",
     "The installer says: = is not a valid operator. Did you mean == ?"),
    ("uv_invalid_requirement", "A line of requirements.txt is not a valid requirement: django-environ=0.11.",
     'The installer says: no such comparison operator "="'),
])
def test_an_invalid_line_names_where_it_is(sample, title, body):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::requirements-invalid", title)
    assert body in failure.body


@pytest.mark.parametrize("sample, host, why", [
    ("pip_git_unreachable", "127.0.0.1", "git could not connect: Failed to connect to 127.0.0.1 port 9 after 0 ms.\n"),
    ("uv_git_unreachable", "127.0.0.1", "git could not connect: Failed to connect to 127.0.0.1 port 9 after 0 ms.\n"),
    ("pip_git_unresolvable", "git.example.invalid", "Could not resolve host: git.example.invalid"),
    ("uv_git_unresolvable", "git.example.invalid", "Could not resolve host: git.example.invalid"),
    # "Connection refused" is one of _NETWORK's words: over ssh it used to blame the index.
    ("pip_git_ssh_unreachable", "127.0.0.1", "git could not connect: Connection refused."),
    ("uv_git_ssh_unreachable", "127.0.0.1", "git could not connect: Connection refused."),
])
def test_an_unreachable_git_host_is_named_not_the_index(sample, host, why):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::git-unreachable", f"The Git host {host} could not be reached.")
    assert why in failure.body and "index" not in failure.body


def test_a_git_host_token_is_hidden():
    text = "fatal: unable to access 'https://user:ghp_s3cret@git.example.com/org/x.git/': Could not resolve host: git.example.com"
    failure = failures.classify(text, "3.11.7", {})
    assert failure is not None
    assert failure.title == "The Git host git.example.com could not be reached."
    assert "ghp_s3cret" not in failure.body
