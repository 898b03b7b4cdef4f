"""Packages that cannot be built on a dyno, on the real output of pip and uv, recorded.

classify() is failures.classify: where these cases fall among the others is
part of what is tested.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from buildpack.dependencies import failures

OUTPUTS = Path(__file__).parent / "dependency_outputs"


def recorded(name: str) -> str:
    return (OUTPUTS / f"{name}.txt").read_text()


@pytest.mark.parametrize("sample", ["uv_mysqlclient_no_pkg_config", "pip_mysqlclient_no_library",
                                    "pip_mysqlclient_mysql_config"])
def test_mysqlclient_without_its_library_suggests_pymysql_or_apt(sample):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::mysql-client-library"
    assert failure.title == "mysqlclient needs the MySQL client library to build."
    assert "pymysql.install_as_MySQLdb()" in failure.body and "libmysqlclient-dev" in failure.body


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_psycopg2_without_pg_config_suggests_the_binary_package(installer):
    # Its build failed too: the library it lacks is the more useful of the two.
    failure = failures.classify(recorded(f"{installer}_psycopg2_pg_config"), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::pg-config"
    assert "psycopg2-binary or psycopg[binary]" in failure.body


# uv 0.12.24 and pip 26.3 on Python 3.12, recorded; only the venv, cache and Python paths renamed.
@pytest.mark.parametrize("sample, line", [
    ("uv_platform_pywin32", "pywin32==306"),
    ("pip_platform_pywin32", "pywin32==306"),
    # pypiwin32 is a wheel for any platform that requires pywin32: the line to change is its own.
    ("uv_platform_pypiwin32", "pypiwin32==223"),
    ("pip_platform_pypiwin32", "pypiwin32==223"),
])
def test_a_windows_only_package_is_named_with_the_marker_that_keeps_it_for_windows(sample, line):
    failure = failures.classify(recorded(sample), "3.12.1", {})
    assert failure is not None
    assert failure.reason == "dependencies::other-platform"
    assert failure.title == "pywin32 has no wheels for Linux (it is for Windows)."
    assert "pywin32 has wheels only for win32, win_amd64, win_arm64\n" in failure.body
    assert f"1. Remove {line} from the requirements" in failure.body
    assert f'       {line}; sys_platform == "win32"\n' in failure.body
    assert ("requires it" in failure.body) == line.startswith("pypiwin32")


def test_pip_names_no_platform_for_a_package_it_does_not_know_to_be_windows_only():
    # The same words as a misspelt name: that is still "isn't on the package index".
    failure = failures.classify(recorded("pip_not_found"), "3.12.1", {})
    assert failure is not None and failure.reason == "dependencies::package-not-found"


def test_windows_curses_from_pip_is_windows_only_too():
    text = ("ERROR: Could not find a version that satisfies the requirement windows-curses==2.4.1 (from versions: none)\n"
            "ERROR: No matching distribution found for windows-curses==2.4.1\n")
    failure = failures.classify(text, "3.12.1", {})
    assert failure is not None
    assert failure.title == "windows-curses has no wheels for Linux (it is for Windows)."
    assert "wheels only for win32, win_amd64\n" in failure.body


def test_a_pip_requirement_from_the_file_is_the_line_to_change():
    text = ("ERROR: Could not find a version that satisfies the requirement pywin32==306 "
            "(from -r requirements.txt (line 3)) (from versions: none)\n")
    failure = failures.classify(text, "3.12.1", {})
    assert failure is not None
    assert '       pywin32==306; sys_platform == "win32"\n' in failure.body and "requires it" not in failure.body


def test_a_macos_only_package_gets_the_darwin_marker():
    text = ("  cause: Because pyobjc-core==10.3 has no wheels with a matching platform tag (e.g., `manylinux_2_36_x86_64`)"
            " and you require pyobjc-core==10.3, we can conclude that your requirements are unsatisfiable.\n\n"
            "hint: Wheels are available for `pyobjc-core` (v10.3) on the following platforms: `macosx_10_9_universal2`\n")
    failure = failures.classify(text, "3.12.1", {})
    assert failure is not None
    assert failure.title == "pyobjc-core has no wheels for Linux (it is for macOS)."
    assert '       pyobjc-core==10.3; sys_platform == "darwin"\n' in failure.body


def test_linux_wheels_for_another_cpu_are_not_called_another_platform():
    text = ("  cause: Because fastlib==1.0 has no wheels with a matching platform tag (e.g., `manylinux_2_36_x86_64`)"
            " and you require fastlib==1.0, we can conclude that your requirements are unsatisfiable.\n\n"
            "hint: Wheels are available for `fastlib` (v1.0) on the following platforms: `manylinux_2_39_aarch64`\n")
    failure = failures.classify(f"error: No solution found when resolving dependencies\n{text}", "3.12.1", {})
    assert failure is not None and failure.reason == "dependencies::conflict"


# backports.zoneinfo 0.2.1 has wheels up to Python 3.8; built on 3.12 its C code fails to compile.
@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_backport_the_apps_python_does_not_need_says_to_remove_it(installer):
    failure = failures.classify(recorded(f"{installer}_build_backports_zoneinfo"), "3.12.1", {})
    assert failure is not None
    assert failure.reason == "dependencies::backport-not-needed"
    assert failure.title == "backports.zoneinfo 0.2.1 could not be built from source."
    assert "backports.zoneinfo 0.2.1 has no wheel for Python 3.12 on Linux,\n" in failure.body
    assert "zoneinfo module, which Python 3.9 and later have: on Python 3.12\n" in failure.body
    assert '       backports.zoneinfo==0.2.1; python_version < "3.9"\n' in failure.body


@pytest.mark.parametrize("sample, name, python, title", [
    # On the Python it backports to, the same failure is only a failed build.
    ("pip_build_backports_zoneinfo", "backports.zoneinfo", "3.8.18", "backports.zoneinfo 0.2.1"),
    ("uv_build_backports_zoneinfo", "backports-zoneinfo", "3.8.18", "backports-zoneinfo 0.2.1"),
    # typed-ast 1.5.5, its last release, has wheels up to Python 3.11 and does not compile on 3.13.
    ("uv_build_typed_ast", "typed-ast", "3.13.0", "typed-ast 1.5.5"),
])
def test_a_failed_build_from_source_names_the_release_and_the_ways_around_it(sample, name, python, title):
    failure = failures.classify(recorded(sample), python, {})
    assert failure is not None
    assert failure.reason == "dependencies::build-failed"
    assert failure.title == f"{title} could not be built from source."
    minor = python.rsplit(".", 1)[0]
    assert f"{title} has no wheel for Python {minor} on Linux,\n" in failure.body
    assert f"1. Pin a newer release of {name} that has\n   wheels for Python {minor}" in failure.body
    assert f"2. Use a Python version that {title} supports, if it has wheels" in failure.body
    assert "Aptfile" not in failure.body  # the output names no missing library


def test_pip_names_a_package_whose_metadata_would_not_build_and_its_cached_version():
    text = ("Collecting pywinpty==2.0.13 (from -r requirements.txt (line 1))\n"
            "  Using cached pywinpty-2.0.13.tar.gz (28 kB)\n"
            "  Preparing metadata (pyproject.toml): finished with status 'error'\n"
            "error: metadata-generation-failed\n\n"
            "× Encountered error while generating package metadata.\n"
            "╰─> pywinpty\n")
    failure = failures.classify(text, "3.12.1", {})
    assert failure is not None
    assert (failure.reason, failure.title) == ("dependencies::build-failed", "pywinpty 2.0.13 could not be built from source.")


def test_a_uv_build_that_never_ran_is_not_called_a_failed_build():
    # A build requirement not found, a pyproject.toml uv cannot read: no build backend was called.
    text = ("error: Failed to download and build `pywinpty==2.0.13`\n"
            "  cause: Failed to parse: pyproject.toml\n")
    assert failures.classify(text, "3.12.1", {}) is None



def test_a_failed_build_names_the_config_tool_it_did_not_find():
    # pycurl 7.45.2 has only a source release; its build runs curl-config (libcurl's -dev package).
    failure = failures.classify(recorded("uv_build_pycurl_no_curl_config"), "3.12.1", {})
    assert failure is not None and failure.reason == "dependencies::build-failed"
    assert "Its build looked for curl-config, which this build does not have:\n" in failure.body
    assert "   listing the -dev package that provides curl-config." in failure.body


def test_a_failed_build_names_the_c_header_it_did_not_find():
    text = ("error: Failed to build `python-ldap==3.4.4`\n"
            "  cause: Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)\n"
            "  Modules/constants.h:7:10: fatal error: lber.h: No such file or directory\n")
    failure = failures.classify(text, "3.12.1", {})
    assert failure is not None and failure.reason == "dependencies::build-failed"
    assert "Its build looked for the C header lber.h, which this build does not have:\n" in failure.body
