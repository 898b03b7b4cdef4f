"""Root files named like requirements.txt or Procfile but not exactly: the error, the warning."""
import pytest

from buildpack import reasons
from buildpack.app import procfile
from buildpack.dependencies import selection
from buildpack.errors import DependenciesError
from buildpack.source.misnamed_files import PROCFILE, REQUIREMENTS_TXT, near_misses, rename_command


@pytest.mark.parametrize("names, wanted, found", [
    (["Requirements.txt", "manage.py"], REQUIREMENTS_TXT, ["Requirements.txt"]),
    (["REQUIREMENTS.TXT"], REQUIREMENTS_TXT, ["REQUIREMENTS.TXT"]),
    (["requirments.txt"], REQUIREMENTS_TXT, ["requirments.txt"]),
    (["requirements.txt.txt"], REQUIREMENTS_TXT, ["requirements.txt.txt"]),
    (["requirements.txt", "Requirements.txt"], REQUIREMENTS_TXT, []),  # the real one is there
    (["requirements-dev.txt", "requirements"], REQUIREMENTS_TXT, ["requirements"]),
    (["procfile"], PROCFILE, ["procfile"]),
    (["Procfile.txt", "PROCFILE"], PROCFILE, ["PROCFILE", "Procfile.txt"]),
    (["Procfile.dev", "Procfile.windows"], PROCFILE, []),  # other tools' files (heroku local -f)
    (["Procfile"], PROCFILE, []),
])
def test_near_misses(names, wanted, found):
    assert near_misses(names, wanted) == found


def test_the_rename_quotes_a_name_a_shell_would_split():
    assert rename_command("Requirements (1).txt", REQUIREMENTS_TXT) == "git mv 'Requirements (1).txt' requirements.txt"


def test_a_misnamed_requirements_file_alone_is_an_error_not_an_empty_install(tmp_path):
    (tmp_path / "Requirements.txt").write_text("Django==5.2.8\n")
    with pytest.raises(DependenciesError) as raised:
        selection.choose(tmp_path, None)
    assert raised.value.reason == reasons.DEPENDENCIES_MISNAMED_REQUIREMENTS
    assert raised.value.title == "'Requirements.txt' is not read: the name is requirements.txt."
    assert "1. Rename it: git mv Requirements.txt requirements.txt" in raised.value.body


@pytest.mark.parametrize("files, first", [
    # wagtail/bakerydemo's and cookiecutter-django's layout: production first.
    (("requirements/base.txt", "requirements/production.txt", "requirements/development.txt"),
     "requirements/production.txt"),
    (("backend/requirements.txt", "backend/manage.py"), "backend/requirements.txt"),  # a monorepo
])
def test_a_django_project_whose_requirements_are_only_in_subdirectories_is_an_error(tmp_path, files, first):
    (tmp_path / "manage.py").write_text("import django\n")
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Django==5.2.8\n")
    with pytest.raises(DependenciesError) as raised:
        selection.choose(tmp_path, None)
    assert raised.value.reason == reasons.DEPENDENCIES_REQUIREMENTS_ELSEWHERE
    assert raised.value.title == "The app has no requirements.txt in its root directory."
    assert f"holding the line\n   -r {first}\n" in raised.value.body
    assert "git mv" not in raised.value.body  # a requirements/ directory is no misspelt file


@pytest.mark.parametrize("layout", [
    {"requirements/production.txt": "Django==5.2.8\n"},  # not a Django project: nothing says Django is needed
    {"manage.py": "import django\n"},  # a Django project with no requirements files at all
])
def test_no_root_dependency_file_without_both_a_manage_py_and_stray_requirements_installs_nothing(tmp_path, layout):
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert selection.choose(tmp_path, None) == selection.Choice("pip", None)


def test_a_lock_beside_a_misnamed_requirements_file_is_chosen_as_usual(tmp_path):
    (tmp_path / "Requirements.txt").write_text("Django==5.2.8\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "uv.lock").write_text("version = 1\n")
    assert selection.choose(tmp_path, None).name == "uv"


def test_a_misnamed_procfile_is_a_warning_that_its_commands_would_not_run(tmp_path, capsys):
    (tmp_path / "procfile").write_text("web: gunicorn shop.wsgi\nworker: celery -A shop worker\n")
    findings = procfile.report(tmp_path, tmp_path / ".heroku" / "python")
    assert [finding.reason for finding in findings] == [reasons.PROCFILE_MISNAMED]
    err = capsys.readouterr().err
    assert " !     Warning: procfile is not read: the name is Procfile." in err
    assert "1. Rename it: git mv procfile Procfile" in err
