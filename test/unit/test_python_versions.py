"""Choosing the Python version: parsing, resolution, end of life, stacks."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from buildpack.python import stacks
from buildpack.python import version_files as vf
from buildpack.python import versions as pv
from buildpack.context import Context
from buildpack.errors import PythonVersionError, RuntimeStoreError, StackUnknownError

def flat(text: str) -> str:
    """Messages are wrapped near 70 columns: compare phrases whatever the line breaks."""
    return " ".join(text.split())


AVAILABLE = ["3.8.20", "3.9.23", "3.10.18", "3.11.13", "3.12.0", "3.12.7", "3.12.9", "3.12.11",
             "3.13.8", "3.14.0"]


# --- runtime.txt ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("python-3.12", (3, 12, None)),
    ("python-3.12.8", (3, 12, 8)),
    ("python-3.12.8\n", (3, 12, 8)),
    ("python-3.12.8\r\n", (3, 12, 8)),
    ("python-3.12\r\n\r\n", (3, 12, None)),
    ("\ufeffpython-3.12", (3, 12, None)),
    ("Python-3.12", (3, 12, None)),
    ("PYTHON-3.11.2", (3, 11, 2)),
    ("  python-3.10.0  \n\n\n", (3, 10, 0)),
    ("\tpython-3.13\t", (3, 13, None)),
    ("python-2.7.18", (2, 7, 18)),  # parses; resolution refuses it
])
def test_runtime_txt_accepts(text, expected):
    request = vf.parse_runtime_txt(text)
    assert (request.major, request.minor, request.patch) == expected
    assert request.source == "runtime.txt"


@pytest.mark.parametrize("text, reason, phrases", [
    ("", "python-version::empty", ["runtime.txt exists but contains nothing"]),
    ("\n  \r\n\n", "python-version::empty", ["no Python version"]),
    ("python 3.12", "python-version::malformed", ["'python 3.12'", "python-3.12"]),
    ("Python 3.12.8", "python-version::malformed", ["python-3.12.8"]),
    ("python3.12", "python-version::malformed", ["python-3.12"]),
    ("python==3.12", "python-version::malformed", ["python-3.12"]),
    ("3.12", "python-version::malformed", ["needs the 'python-' prefix", "write python-3.12"]),
    ("3.12.8", "python-version::malformed", ["write python-3.12.8"]),
    ("python-3", "python-version::malformed", ["Name the minor version too"]),
    ("python-3.x", "python-version::malformed", ["Wildcards aren't supported"]),
    ("python-3.12.*", "python-version::malformed", ["Wildcards"]),
    ("python>=3.12", "python-version::malformed", ["ranges aren't supported"]),
    ("python-3.13.0rc1", "python-version::malformed", ["Pre-releases"]),
    ("python-3.13t", "python-version::malformed", ["Free-threaded"]),
    ("pypy3.10-7.3.12", "python-version::malformed", ["PyPy"]),
    ("python-3.12.8.1", "python-version::malformed", ["isn't a Python version"]),
    ("# python-3.12", "python-version::malformed", ["can't hold comments"]),
    ("python-3.12\n# pinned for Django", "python-version::malformed", ["can't hold comments"]),
    ("python-3.11\npython-3.12", "python-version::multiple", ["'python-3.11'", "'python-3.12'"]),
    ("python-3.11 python-3.12", "python-version::multiple", ["more than one"]),
    ("\x00\x01\x02PK\x03\x04", "python-version::malformed", ["doesn't look like a text file", "\\x00"]),
])
def test_runtime_txt_rejects(text, reason, phrases):
    with pytest.raises(PythonVersionError) as caught:
        vf.parse_runtime_txt(text)
    message = flat(caught.value.title + "\n" + caught.value.body)
    assert caught.value.reason == reason
    for phrase in phrases:
        assert flat(phrase).lower() in message.lower(), message


def test_malformed_message_quotes_long_text_truncated():
    with pytest.raises(PythonVersionError) as caught:
        vf.parse_runtime_txt("python-" + "x" * 500)
    assert "xxxx'..." in caught.value.body
    assert "x" * 100 not in caught.value.body


# --- .python-version ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("3.12", (3, 12, None)),
    ("3.12.8\n", (3, 12, 8)),
    ("3.12.8\r\n", (3, 12, 8)),
    ("\ufeff3.13\n", (3, 13, None)),
    ("# the production version\n3.12\n", (3, 12, None)),
    ("\n\n  3.11  \n\n# trailing comment\n", (3, 11, None)),
    ("   # indented comment\n3.10.4", (3, 10, 4)),
])
def test_python_version_file_accepts(text, expected):
    request = vf.parse_python_version_file(text)
    assert (request.major, request.minor, request.patch) == expected
    assert request.source == ".python-version"


@pytest.mark.parametrize("text, reason, phrases", [
    ("", "python-version::empty", ["contains nothing"]),
    ("# 3.12\n\n", "python-version::empty", ["only comments"]),
    ("3.12\n3.11\n", "python-version::multiple", ["'3.12'", "'3.11'", "pyenv"]),
    ("3.12 3.11", "python-version::multiple", ["more than one"]),
    ("python-3.12", "python-version::malformed", ["write 3.12"]),
    ("python3.12", "python-version::malformed", ["write 3.12"]),
    ("3", "python-version::malformed", ["minor version"]),
    ("3.x", "python-version::malformed", ["Wildcards"]),
    ("system", "python-version::malformed", ["pyenv setting"]),
    ("3.12 # production", "python-version::malformed", ["own line"]),
    (">=3.12", "python-version::malformed", ["ranges"]),
    ("3.13t", "python-version::malformed", ["Free-threaded"]),
    ("3.14-dev", "python-version::malformed", ["Pre-releases"]),
    ("3.12\x00", "python-version::malformed", ["text file"]),
])
def test_python_version_file_rejects(text, reason, phrases):
    with pytest.raises(PythonVersionError) as caught:
        vf.parse_python_version_file(text)
    message = flat(caught.value.title + "\n" + caught.value.body)
    assert caught.value.reason == reason
    assert ".python-version" in message
    for phrase in phrases:
        assert flat(phrase).lower() in message.lower(), message


# --- Reading the files ----------------------------------------------------------------------

def write(directory: Path, name: str, content) -> None:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def test_read_requests_both_files(tmp_path):
    write(tmp_path, "runtime.txt", "python-3.11\n")
    write(tmp_path, ".python-version", "3.12\n")
    requests = vf.read_requests(tmp_path)
    assert requests.runtime_txt.version == "3.11"
    assert requests.python_version_file.version == "3.12"
    assert requests.request is requests.runtime_txt


def test_read_requests_none(tmp_path):
    write(tmp_path, "requirements.txt", "django\n")
    requests = vf.read_requests(tmp_path)
    assert requests.request is None and requests.misspelled == () and requests.elsewhere == ()


@pytest.mark.parametrize("data, version", [
    ("python-3.12".encode("utf-16"), "3.12"),  # PowerShell's `echo ... > runtime.txt`
    (b"\xef\xbb\xbfpython-3.12.8\r\n", "3.12.8"),
])
def test_read_requests_tolerates_encodings(tmp_path, data, version):
    write(tmp_path, "runtime.txt", data)
    assert vf.read_requests(tmp_path).runtime_txt.version == version


def test_read_requests_binary_junk(tmp_path):
    write(tmp_path, "runtime.txt", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")
    with pytest.raises(PythonVersionError) as caught:
        vf.read_requests(tmp_path)
    assert caught.value.reason == "python-version::malformed"
    assert "isn't UTF-8" in caught.value.body
    assert "\\x89PNG" in caught.value.body


def test_read_requests_directory(tmp_path):
    (tmp_path / ".python-version").mkdir()
    with pytest.raises(PythonVersionError) as caught:
        vf.read_requests(tmp_path)
    assert caught.value.reason == "python-version::not-a-file"
    assert ".python-version is a directory" in caught.value.title


def test_read_requests_broken_symlink(tmp_path):
    os.symlink("config/runtime.txt", tmp_path / "runtime.txt")
    with pytest.raises(PythonVersionError) as caught:
        vf.read_requests(tmp_path)
    assert caught.value.reason == "python-version::not-a-file"
    assert "'config/runtime.txt'" in caught.value.body


def test_broken_python_version_ignored_when_runtime_txt_decides(tmp_path):
    write(tmp_path, "runtime.txt", "python-3.12")
    write(tmp_path, ".python-version", "system\n")
    requests = vf.read_requests(tmp_path)
    assert requests.runtime_txt.version == "3.12"
    assert requests.ignored is not None and requests.ignored.reason == "python-version::malformed"
    titles = [title for title, _ in vf.request_warnings(requests)]
    assert titles == ["Ignoring an invalid .python-version."]


def test_broken_python_version_fails_alone(tmp_path):
    write(tmp_path, ".python-version", "system\n")
    with pytest.raises(PythonVersionError):
        vf.read_requests(tmp_path)


@pytest.mark.parametrize("names, expected", [
    (["runtime.text"], ["runtime.text"]),
    (["runtime.txt.txt"], ["runtime.txt.txt"]),
    (["Runtime.txt"], ["Runtime.txt"]),
    (["RUNTIME.TXT"], ["RUNTIME.TXT"]),
    (["runtime.txt "], ["runtime.txt "]),
    (["runtimes.txt"], ["runtimes.txt"]),
    ([".python_version"], [".python_version"]),
    (["python-version"], ["python-version"]),
    ([".python-version.txt"], [".python-version.txt"]),
    ([".pythonversion"], [".pythonversion"]),
    (["python_version.txt"], ["python_version.txt"]),
    (["runtime.txt", ".python-version", "requirements.txt", "runtime.py", "manage.py"], []),
])
def test_misspelled_names(names, expected):
    assert vf.misspelled_names(names) == expected


def test_read_requests_warns_about_misspelling_and_nested_file(tmp_path):
    write(tmp_path, "runtime.text", "python-3.12")
    (tmp_path / "backend").mkdir()
    write(tmp_path / "backend", "runtime.txt", "python-3.12")
    (tmp_path / "node_modules").mkdir()
    write(tmp_path / "node_modules", ".python-version", "3.9")
    requests = vf.read_requests(tmp_path)
    assert requests.request is None
    assert requests.misspelled == ("runtime.text",)
    assert requests.elsewhere == ("backend/runtime.txt",)
    warnings = dict(vf.request_warnings(requests))
    assert "'runtime.text'" in warnings["A Python version file may be misspelt."]
    assert "backend/runtime.txt" in warnings["A Python version file is not in the root directory."]


# --- choose() -------------------------------------------------------------------------------

def requests_for(runtime_txt=None, python_version_file=None) -> vf.Requests:
    return vf.Requests(
        runtime_txt=vf.parse_runtime_txt(runtime_txt) if runtime_txt else None,
        python_version_file=vf.parse_python_version_file(python_version_file) if python_version_file else None,
    )


@pytest.mark.parametrize("runtime_txt, python_version_file, previous, expected, source", [
    ("python-3.11", None, None, "3.11.13", "runtime.txt"),
    ("python-3.12", None, None, "3.12.11", "runtime.txt"),  # newest patch
    ("python-3.12.7", None, None, "3.12.7", "runtime.txt"),  # exact
    (None, "3.10", None, "3.10.18", ".python-version"),
    (None, "3.12.9", None, "3.12.9", ".python-version"),
    ("python-3.11", "3.12", None, "3.11.13", "runtime.txt"),  # runtime.txt wins
    (None, "3.12", "3.11.13", "3.12.11", ".python-version"),  # a file beats the previous build
    (None, None, "3.12.7", "3.12.7", "previous build"),  # sticky: exact previous version
    (None, None, "3.12.8", "3.12.11", "previous build"),  # gone: newest patch of its minor
    (None, None, None, "3.14.0", "default"),
    (None, None, "not-a-version", "3.14.0", "default"),
    (None, None, "3.7.17", "3.14.0", "default"),
])
def test_choose_precedence(runtime_txt, python_version_file, previous, expected, source):
    chosen = pv.choose(requests_for(runtime_txt, python_version_file), AVAILABLE, previous)
    assert (chosen.version, chosen.source) == (expected, source)


def test_choose_disagreement_note():
    chosen = pv.choose(requests_for("python-3.11", "3.12"), AVAILABLE)
    assert chosen.version == "3.11.13"
    assert len(chosen.notes) == 1
    title, body = chosen.notes[0]
    assert "different Python versions" in title
    assert "'python-3.11'" in body and "'3.12'" in body
    assert "runtime.txt wins" in flat(body)


def test_choose_no_note_when_files_agree():
    assert pv.choose(requests_for("python-3.12", "3.12"), AVAILABLE).notes == ()


def test_choose_previous_gone_notes_the_change():
    chosen = pv.choose(requests_for(), AVAILABLE, previous="3.12.8")
    assert chosen.version == "3.12.11"
    assert "3.12.8" in chosen.notes[0][0]


def test_choose_previous_minor_gone_uses_default():
    chosen = pv.choose(requests_for(), ["3.12.11", "3.13.8"], previous="3.9.23")
    assert (chosen.version, chosen.source) == ("3.13.8", "default")
    assert "Python 3.9 is no longer available" in chosen.notes[0][0]


def test_choose_default_minor_override():
    chosen = pv.choose(requests_for(), AVAILABLE, default_minor="3.12")
    assert (chosen.version, chosen.source) == ("3.12.11", "default")


def test_choose_ignores_unsupported_and_junk_available_entries():
    chosen = pv.choose(requests_for(), ["3.7.17", "3.12.1", "garbage", "3.12.10"])
    assert chosen.version == "3.12.10"


@pytest.mark.parametrize("runtime_txt, python_version_file, reason, phrases", [
    ("python-2.7.18", None, "python-version::unsupported", ["Python 2.7 isn't supported", "2020-01-01",
                                                            "python-3.14"]),
    ("python-3.7", None, "python-version::unsupported", ["Python 3.7 isn't supported", "3.8 and newer"]),
    (None, "3.6.15", "python-version::unsupported", ["Change .python-version to 3.14"]),
    (None, "3.15", "python-version::unknown", ["isn't available yet", "Available: 3.8, 3.9"]),
    (None, "4.0", "python-version::unknown", ["Python 4.0"]),
    ("python-3.12.8", None, "python-version::patch-unavailable",
     ["Python 3.12.8 isn't available", "Nearest available: 3.12.7, 3.12.9 (newest 3.12: 3.12.11)",
      "python-3.12"]),
    (None, "3.12.99", "python-version::patch-unavailable", ["Nearest available: 3.12.11."]),
    (None, "3.11.0", "python-version::patch-unavailable", ["Nearest available: 3.11.13."]),
])
def test_choose_errors(runtime_txt, python_version_file, reason, phrases):
    with pytest.raises(PythonVersionError) as caught:
        pv.choose(requests_for(runtime_txt, python_version_file), AVAILABLE)
    message = flat(caught.value.title + "\n" + caught.value.body)
    assert caught.value.reason == reason
    for phrase in phrases:
        assert flat(phrase) in message, message


def test_choose_minor_missing_for_this_stack():
    with pytest.raises(PythonVersionError) as caught:
        pv.choose(requests_for(None, "3.8"), ["3.9.23", "3.12.11"])
    assert caught.value.reason == "python-version::unknown"
    assert "isn't available for this stack" in caught.value.title


def test_choose_empty_store():
    with pytest.raises(RuntimeStoreError) as caught:
        pv.choose(requests_for(), [])
    assert caught.value.reason == "runtime-store::empty"


@pytest.mark.parametrize("chosen, line", [
    (pv.ChosenVersion("3.12.8", ".python-version", "3.12"), "Using Python 3.12.8 (from .python-version)"),
    (pv.ChosenVersion("3.12.8", "runtime.txt", "3.12.8"), "Using Python 3.12.8 (from runtime.txt)"),
    (pv.ChosenVersion("3.12.8", "previous build"), "Using Python 3.12.8 (as in the previous build)"),
    (pv.ChosenVersion("3.14.0", "default"), "Using Python 3.14.0 (the default: no runtime.txt or .python-version)"),
])
def test_describe(chosen, line):
    assert pv.describe(chosen) == line


# --- End of life ----------------------------------------------------------------------------

@pytest.mark.parametrize("version, today, source, title_part, body_parts", [
    ("3.9.23", date(2026, 1, 1), "runtime.txt", "reached its end of life on 2025-10-31",
     ["Python 3.9.23", "Change runtime.txt to python-3.14"]),
    ("3.8.20", date(2025, 1, 1), ".python-version", "reached its end of life on 2024-10-07",
     ["Change .python-version to 3.14"]),
    ("3.10.18", date(2026, 6, 1), "previous build", "reaches its end of life on 2026-10-31",
     ["Add a .python-version file containing 3.14"]),
    ("3.10.18", date(2026, 10, 31), "default", "reached its end of life", []),
])
def test_eol_warning(version, today, source, title_part, body_parts):
    warning = pv.eol_warning(version, today, source, newest="3.14")
    assert warning is not None
    title, body = warning
    assert title_part in title
    for part in body_parts:
        assert part in flat(body), body


@pytest.mark.parametrize("version, today", [
    ("3.12.11", date(2026, 1, 1)),
    ("3.10.18", date(2026, 4, 1)),  # more than half a year ahead
    ("3.15.0", date(2026, 1, 1)),  # not in the table
])
def test_no_eol_warning(version, today):
    assert pv.eol_warning(version, today) is None


def test_eol_warning_suggests_newest_supported_by_default():
    _, body = pv.eol_warning("3.9.1", date(2026, 1, 1), "runtime.txt")
    assert "python-3.14" in body


# --- Stacks ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stack, ubuntu", [
    ("heroku-20", "20.04"), ("heroku-22", "22.04"), ("heroku-24", "24.04"), ("heroku-26", "26.04"),
])
def test_stack_ubuntu(stack, ubuntu):
    assert stacks.stack_info(stack).ubuntu == ubuntu


def test_heroku_20_warns():
    title, body = stacks.check_stack("heroku-20", today=date(2026, 1, 1))
    assert "heroku-20" in title and "2025-04-30" in body and "heroku stack:set heroku-24" in body


@pytest.mark.parametrize("stack", ["heroku-22", "heroku-24", "heroku-26"])
def test_current_stacks_do_not_warn(stack):
    assert stacks.check_stack(stack, today=date(2026, 1, 1)) is None


@pytest.mark.parametrize("stack, reason, phrase", [
    ("heroku-99", "stack::unknown", "'heroku-99'"),
    ("", "stack::unknown", "STACK environment variable is not set"),
    ("heroku-18", "stack::unsupported", "retired"),
    ("cedar-14", "stack::unsupported", "heroku stack:set heroku-24"),
])
def test_unknown_stacks(stack, reason, phrase):
    with pytest.raises(StackUnknownError) as caught:
        stacks.check_stack(stack)
    assert caught.value.reason == reason
    assert phrase in caught.value.body


# --- The step -------------------------------------------------------------------------------

def make_context(build_dir: Path) -> Context:
    return Context(build_dir=build_dir, cache_dir=None, env_dir=None, buildpack_dir=build_dir,
                   stack="heroku-24", environ={})


def test_select_version_prints_decision_and_warnings(tmp_path, capsys):
    write(tmp_path, "runtime.txt", "python-3.9\n")
    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, ".python_version", "3.12\n")
    chosen = pv.select_version(make_context(tmp_path), AVAILABLE, None, date(2026, 1, 1))
    out, err = capsys.readouterr()
    assert chosen.version == "3.9.23"
    assert out == "-----> Using Python 3.9.23 (from runtime.txt)\n"
    assert " !     Warning: A Python version file may be misspelt." in err
    assert " !     Note: runtime.txt and .python-version name different Python versions." in err
    assert " !     Warning: Python 3.9 reached its end of life on 2025-10-31." in err
    assert " !     1. Change runtime.txt to python-3.14." in err


def test_select_version_quiet_for_a_current_version(tmp_path, capsys):
    write(tmp_path, ".python-version", "3.13\n")
    chosen = pv.select_version(make_context(tmp_path), AVAILABLE, None, date(2026, 1, 1))
    out, err = capsys.readouterr()
    assert chosen.version == "3.13.8"
    assert out == "-----> Using Python 3.13.8 (from .python-version)\n"
    assert err == ""
