"""runtime.txt and .python-version (python/version_files.py): parsing, reading, misspellings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildpack.errors import PythonVersionError
from buildpack.python import version_files as vf


def flat(text: str) -> str:
    """Messages are wrapped near 70 columns: compare phrases whatever the line breaks."""
    return " ".join(text.split())


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


def test_a_symlink_loop_in_the_apps_root_is_not_an_internal_error(tmp_path):
    (tmp_path / "loop_a").symlink_to("loop_b")
    (tmp_path / "loop_b").symlink_to("loop_a")
    (tmp_path / "runtime.txt").write_text("python-3.12\n")
    assert vf.read_requests(tmp_path).runtime_txt is not None
