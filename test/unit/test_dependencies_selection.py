"""Choosing the package manager: precedence, the config var, and the lock/manifest errors."""
from __future__ import annotations

import pytest

from buildpack.dependencies import selection
from buildpack.errors import DependenciesError

UV = {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['django']\n", "uv.lock": "version = 1\n"}
POETRY = {"pyproject.toml": "[tool.poetry]\nname = 'x'\n", "poetry.lock": "[metadata]\n"}
PIPENV = {"Pipfile": "[packages]\n", "Pipfile.lock": "{}"}


def write(tmp_path, *file_sets):
    for files in file_sets:
        for name, text in files.items():
            (tmp_path / name).write_text(text)


@pytest.mark.parametrize(
    "files, expected",
    [
        ([UV], selection.Choice("uv", "uv.lock")),
        ([POETRY], selection.Choice("poetry", "poetry.lock")),
        ([PIPENV], selection.Choice("pipenv", "Pipfile.lock")),
        ([{"requirements.txt": "django\n"}], selection.Choice("pip", "requirements.txt")),
        ([{"requirements.in": "django\n"}], selection.Choice("pip", "requirements.in")),
        # The official buildpack's order: Pipfile.lock, requirements.txt, poetry.lock, uv.lock.
        ([UV, {"requirements.txt": "django\n"}], selection.Choice("pip", "requirements.txt", ("uv.lock",))),
        ([UV, POETRY], selection.Choice("poetry", "poetry.lock", ("uv.lock",))),
        ([UV, PIPENV, {"requirements.txt": ""}],
         selection.Choice("pipenv", "Pipfile.lock", ("requirements.txt", "uv.lock"))),
        # requirements.in beside requirements.txt is pip-tools' source, not another manager.
        ([{"requirements.txt": "", "requirements.in": ""}], selection.Choice("pip", "requirements.txt")),
        ([{"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}], selection.Choice("pip", None)),
        ([], selection.Choice("pip", None)),
    ],
)
def test_the_manager_follows_the_files(tmp_path, files, expected):
    write(tmp_path, *files)
    assert selection.choose(tmp_path, None) == expected


@pytest.mark.parametrize("requested, name", [("uv", "uv"), (" Poetry ", "poetry"), ("PIP", "pip")])
def test_the_config_var_picks_explicitly(tmp_path, requested, name):
    write(tmp_path, UV, POETRY, {"requirements.txt": ""})
    choice = selection.choose(tmp_path, requested)
    assert (choice.name, choice.selected_by) == (name, "PYTHON_PACKAGE_MANAGER")
    assert name not in {selection.MANAGER_OF[file] for file in choice.ignored}


def test_an_unknown_config_var_value_is_an_error(tmp_path):
    with pytest.raises(DependenciesError) as caught:
        selection.choose(tmp_path, "conda")
    assert caught.value.reason == "dependencies::unknown-manager"
    assert "'conda'" in caught.value.body


def test_the_config_var_naming_a_manager_without_files_is_an_error(tmp_path):
    write(tmp_path, {"requirements.txt": ""})
    with pytest.raises(DependenciesError) as caught:
        selection.choose(tmp_path, "uv")
    assert caught.value.title == "PYTHON_PACKAGE_MANAGER asks for uv, but the app has no uv.lock."
    assert "`uv lock`" in caught.value.body


@pytest.mark.parametrize(
    "files, title, command",
    [
        ({"uv.lock": ""}, "uv.lock is there but pyproject.toml is missing.", "uv lock"),
        ({"poetry.lock": ""}, "poetry.lock is there but pyproject.toml is missing.", "poetry lock"),
        ({"Pipfile.lock": "{}"}, "Pipfile.lock is there but Pipfile is missing.", "pipenv lock"),
    ],
)
def test_a_lock_without_its_manifest_names_the_file_and_the_fix(tmp_path, files, title, command):
    write(tmp_path, files)
    with pytest.raises(DependenciesError) as caught:
        selection.choose(tmp_path, None)
    assert caught.value.title == title
    assert caught.value.reason == "dependencies::lock-without-manifest"
    assert f"`{command}`" in caught.value.body


@pytest.mark.parametrize(
    "files, title, command",
    [
        ({"Pipfile": "[packages]\n"}, "Pipfile has no Pipfile.lock.", "pipenv lock"),
        (POETRY["pyproject.toml"], "pyproject.toml has no poetry.lock.", "poetry lock"),
        (UV["pyproject.toml"], "pyproject.toml has no uv.lock.", "uv lock"),
    ],
)
def test_a_manifest_without_a_lock_asks_for_one(tmp_path, files, title, command):
    write(tmp_path, files if isinstance(files, dict) else {"pyproject.toml": files})
    with pytest.raises(DependenciesError) as caught:
        selection.choose(tmp_path, None)
    assert caught.value.title == title
    assert f"`{command}`" in caught.value.body


def test_the_log_says_which_manager_and_warns_about_ignored_files(capsys):
    selection.announce(selection.Choice("pip", "requirements.txt", ("uv.lock", "poetry.lock")))
    captured = capsys.readouterr()
    assert captured.out == "-----> Using pip to install dependencies (from requirements.txt)\n"
    assert " !     Warning: The app has files of more than one package manager." in captured.err
    assert " !     - uv.lock (uv)\n !     - poetry.lock (Poetry)\n" in captured.err
    assert "PYTHON_PACKAGE_MANAGER" in captured.err


def test_an_explicit_choice_lists_the_ignored_files_without_a_warning(capsys):
    selection.announce(selection.Choice("uv", "PYTHON_PACKAGE_MANAGER", ("requirements.txt",)))
    captured = capsys.readouterr()
    assert "-----> Using uv to install dependencies (from PYTHON_PACKAGE_MANAGER)" in captured.out
    assert "Not installed (PYTHON_PACKAGE_MANAGER): requirements.txt" in captured.out
    assert captured.err == ""
