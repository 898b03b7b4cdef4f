"""Choosing the Python version (python/versions.py): resolution, precedence, end of life, the step."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from buildpack.context import Context
from buildpack.errors import PythonVersionError, RuntimeStoreError
from buildpack.python import version_files as vf
from buildpack.python import versions as pv


def flat(text: str) -> str:
    """Messages are wrapped near 70 columns: compare phrases whatever the line breaks."""
    return " ".join(text.split())


AVAILABLE = ["3.8.20", "3.9.23", "3.10.18", "3.11.13", "3.12.0", "3.12.7", "3.12.9", "3.12.11",
             "3.13.8", "3.14.0"]


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


# --- The step -------------------------------------------------------------------------------

def make_context(build_dir: Path) -> Context:
    return Context(build_dir=build_dir, cache_dir=None, env_dir=None, buildpack_dir=build_dir,
                   stack="heroku-24", environ={})


def test_select_version_prints_decision_and_warnings(tmp_path, capsys):
    (tmp_path / "runtime.txt").write_text("python-3.9\n", encoding="utf-8")
    (tmp_path / ".python-version").write_text("3.12\n", encoding="utf-8")
    (tmp_path / ".python_version").write_text("3.12\n", encoding="utf-8")
    chosen = pv.select_version(make_context(tmp_path), AVAILABLE, None, date(2026, 1, 1))
    out, err = capsys.readouterr()
    assert chosen.version == "3.9.23"
    assert out == "-----> Using Python 3.9.23 (from runtime.txt)\n"
    assert " !     Warning: A Python version file may be misspelt." in err
    assert " !     Note: runtime.txt and .python-version name different Python versions." in err
    assert " !     Warning: Python 3.9 reached its end of life on 2025-10-31." in err
    assert " !     1. Change runtime.txt to python-3.14." in err


def test_select_version_quiet_for_a_current_version(tmp_path, capsys):
    (tmp_path / ".python-version").write_text("3.13\n", encoding="utf-8")
    chosen = pv.select_version(make_context(tmp_path), AVAILABLE, None, date(2026, 1, 1))
    out, err = capsys.readouterr()
    assert chosen.version == "3.13.8"
    assert out == "-----> Using Python 3.13.8 (from .python-version)\n"
    assert err == ""
