"""The Python version from the package managers' files: Pipfile.lock, Pipfile, pyproject.toml."""
from __future__ import annotations

import pytest

from buildpack.errors import PythonVersionError
from buildpack.python import project_files as pf
from buildpack.python import versions as pv
from buildpack.python.version_files import Requests

AVAILABLE = ["3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
VERSIONS = [(3, 9, 18), (3, 10, 13), (3, 11, 7), (3, 12, 1), (3, 13, 0)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"_meta": {"requires": {"python_version": "3.13"}}}', pf.ToolRequest("3.13", "Pipfile.lock python_version")),
        ('{"_meta": {"requires": {"python_full_version": "3.12.1", "python_version": "3.12"}}}',
         pf.ToolRequest("3.12.1", "Pipfile.lock python_full_version")),
        ('{"_meta": {"requires": {}}}', None),
        ('{"_meta": {"requires": {"python_version": "3"}}}', None),
        ("not json", None),
    ],
)
def test_pipfile_lock(text, expected):
    assert pf.from_pipfile_lock(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[packages]\ndjango = "*"\n\n[requires]\npython_version = "3.11"\n', pf.ToolRequest("3.11", "Pipfile python_version")),
        ("[requires]\npython_full_version = '3.12.1'  # pinned\n", pf.ToolRequest("3.12.1", "Pipfile python_full_version")),
        ('[packages]\npython_version = "3.11"\n', None),
        ('[requires]\npython_version = "*"\n', None),
    ],
)
def test_pipfile(text, expected):
    assert pf.from_pipfile(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[project]\nname = "x"\nrequires-python = ">=3.11,<3.12"\n',
         pf.ToolRequest(">=3.11,<3.12", "pyproject.toml requires-python", True)),
        ('[tool.poetry.dependencies]\npython = "^3.12"\ndjango = "5.2"\n',
         pf.ToolRequest("^3.12", "pyproject.toml [tool.poetry.dependencies] python", True)),
        ('[tool.ruff]\nrequires-python = ">=3.8"\n', None),
        ('[project]\nname = "x"\n', None),
    ],
)
def test_pyproject(text, expected):
    assert pf.from_pyproject(text) == expected


@pytest.mark.parametrize(
    "spec, expected",
    [
        (">=3.11,<3.12", (3, 11, 7)),
        (">=3.12", (3, 13, 0)),
        ("^3.11", (3, 13, 0)),
        ("~3.11", (3, 11, 7)),
        ("~=3.10", (3, 13, 0)),
        ("==3.12.*", (3, 12, 1)),
        (">=3.10, !=3.13.*", (3, 12, 1)),
        (">3.12", (3, 13, 0)),
        ("<=3.11", (3, 11, 7)),
        ("<3.9", None),
    ],
)
def test_the_newest_minor_in_a_range(spec, expected):
    assert pf.newest_allowed(spec, VERSIONS, (3, 14)) == expected


def test_a_range_is_capped_at_the_default_minor():
    assert pf.newest_allowed(">=3.10", VERSIONS, (3, 12)) == (3, 12, 1)


@pytest.mark.parametrize("spec", [">=3.8 || <2", "banana", ""])
def test_an_unreadable_range_is_none(spec):
    assert pf.allows(spec, (3, 12, 1)) is None


def test_read_follows_the_order(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.10"\n')
    assert pf.read(tmp_path).source == "pyproject.toml requires-python"
    (tmp_path / "Pipfile").write_text('[requires]\npython_version = "3.11"\n')
    assert pf.read(tmp_path).source == "Pipfile python_version"
    (tmp_path / "Pipfile.lock").write_text('{"_meta": {"requires": {"python_version": "3.12"}}}')
    assert pf.read(tmp_path).source == "Pipfile.lock python_version"


def test_choose_uses_a_tool_file_when_no_version_file_names_one():
    chosen = pv.choose(Requests(tool=pf.ToolRequest(">=3.11,<3.12", "pyproject.toml requires-python", True)),
                       AVAILABLE, previous="3.12.1", default_minor="3.14")
    assert (chosen.version, chosen.source) == ("3.11.7", "pyproject.toml requires-python")
    assert pv.describe(chosen) == "Using Python 3.11.7 (from pyproject.toml requires-python '>=3.11,<3.12')"


def test_choose_resolves_a_pipfile_version_like_a_version_file():
    chosen = pv.choose(Requests(tool=pf.ToolRequest("3.13", "Pipfile python_version")), AVAILABLE)
    assert (chosen.version, chosen.source, chosen.requested) == ("3.13.0", "Pipfile python_version", "3.13")


def test_a_range_nothing_fits_is_an_error_with_the_available_versions():
    with pytest.raises(PythonVersionError) as caught:
        pv.choose(Requests(tool=pf.ToolRequest(">=3.15", "pyproject.toml requires-python", True)), AVAILABLE)
    assert caught.value.title == "No available Python fits pyproject.toml requires-python."
    assert "Available: 3.9, 3.10, 3.11, 3.12, 3.13" in caught.value.body


def test_the_default_is_3_14_and_a_store_without_it_says_so():
    chosen = pv.choose(Requests(), AVAILABLE + ["3.14.7"], default_minor=pv.DEFAULT_MINOR)
    assert (chosen.version, chosen.notes) == ("3.14.7", ())
    chosen = pv.choose(Requests(), AVAILABLE, default_minor=pv.DEFAULT_MINOR)
    assert chosen.version == "3.13.0"
    assert chosen.notes[0][0] == "Python 3.14 isn't in the runtime store; using Python 3.13.0."
