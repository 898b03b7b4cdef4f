"""Issues 9 and 10: uv, Poetry 2 and Pipenv projects, uv as the installer of requirements.txt,
setuptools for older apps, and the lock errors, through the real bin/ scripts.

One cold build per manager per session (module fixtures); every other test starts from a copy
of that build's work dir. The uv project migrates a real PostgreSQL (the server fixture of
test_django_postgres); the Poetry and Pipenv projects run the tutorial app on SQLite.
"""
from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path
from typing import Dict, Set

import pytest

from integration.conftest import FIXTURES, assert_clean_failure, clone_work, copy_fixture
from integration.local_platform import BuildResult, build, release, run_process, start_web
from integration.test_django_postgres import postgres  # noqa: F401 - the module-scoped server fixture

REUSE_STEP = "-----> Reusing the cached environment (requirements unchanged)"
SYNC_STEP = "-----> Updating the cached environment since: the requirements changed"
VARIANTS = FIXTURES / "mgr_variants"
LIST_PACKAGES = ("python -c \"import importlib.metadata as m; "
                 "print('\\n'.join(sorted(d.metadata['Name'].lower() + '==' + d.version for d in m.distributions())))\"")

MANAGERS = {
    # name: (fixture, the files, the step line, the command that writes the lock)
    "uv": ("mgr_uv", ("pyproject.toml", "uv.lock"), "-----> Installing dependencies with 'uv sync --locked --no-default-groups'",
           "uv lock"),
    "poetry": ("mgr_poetry", ("pyproject.toml", "poetry.lock"), "-----> Installing dependencies with 'poetry sync --only main'",
               "poetry lock"),
    "pipenv": ("mgr_pipenv", ("Pipfile", "Pipfile.lock"), "-----> Installing dependencies with 'pipenv install --deploy'",
               "pipenv lock"),
}


def installed(work: Path) -> Dict[str, str]:
    """name -> version of every distribution in the slug's Python, read in a one-off dyno."""
    code, out = run_process(work, LIST_PACKAGES)
    assert code == 0, out
    return dict(line.split("==", 1) for line in out.split() if "==" in line)


def rebuild(app: Path, work: Path, **options: object) -> BuildResult:
    result = build(app, work, echo=False, cache_in_place=True, **options)  # type: ignore[arg-type]
    assert result.returncode == 0, result.output[-5000:]
    return result


@pytest.fixture(scope="module")
def cold_builds(tmp_path_factory, postgres):  # noqa: F811 - the imported fixture
    """Each manager's project built cold once; the uv one with the PostgreSQL config vars."""
    built = {}
    for name, (fixture, *_rest) in MANAGERS.items():
        root = tmp_path_factory.mktemp(name)
        app = copy_fixture(fixture, root / "app")
        config = {"SECRET_KEY": "test-only-secret-key-for-the-manager-tests"}
        if name == "uv":
            config["DATABASE_URL"] = postgres.url
        result = build(app, root / "work", config=config, echo=False)
        assert result.returncode == 0, result.output[-5000:]
        built[name] = (app, result)
    return built


@pytest.mark.parametrize("name", MANAGERS)
def test_each_manager_installs_exactly_the_locks_main_dependencies(cold_builds, name):
    app, result = cold_builds[name]
    fixture, files, step, _ = MANAGERS[name]
    lock = files[1]
    assert f"-----> Using {'uv' if name == 'uv' else name.capitalize()} for the dependencies (from {lock})" \
        in result.output
    assert step in result.output
    packages = installed(result.work)
    assert packages["django"] == "5.2.8" and packages["six"] == "1.17.0" and packages["gunicorn"] == "23.0.0"
    assert "pytest" not in packages, "dev dependencies are not installed"
    # The tool is the build's, not the app's: nothing of it in the slug.
    assert not {"uv", "poetry", "pipenv", "virtualenv"} & set(packages)
    slug_bin = result.work / "slug" / ".heroku" / "python" / "bin"
    assert not [p.name for p in slug_bin.iterdir() if p.name in ("uv", "poetry", "pipenv")]


def test_the_python_version_comes_from_each_managers_file(cold_builds):
    assert "-----> Using Python 3.12.1 (from .python-version)" in cold_builds["uv"][1].output
    assert ("-----> Using Python 3.11.7 (from pyproject.toml requires-python '>=3.11,<3.12')"
            in cold_builds["poetry"][1].output)
    assert "-----> Using Python 3.13.0 (from Pipfile.lock python_version '3.13')" in cold_builds["pipenv"][1].output


def test_the_uv_project_migrates_postgres_and_serves_the_admin_with_its_css(cold_builds, postgres):  # noqa: F811
    _, result = cold_builds["uv"]
    code, out = release(result.work, echo=False)
    assert code == 0, out
    assert "Applying auth.0001_initial... OK" in out
    assert postgres.psql("SELECT count(*) FROM django_migrations WHERE app = 'auth'").strip() != "0"
    assert_serves_admin(result.work)


@pytest.mark.parametrize("name", ["poetry", "pipenv"])
def test_poetry_and_pipenv_projects_serve_the_admin_with_its_css(cold_builds, name):
    assert_serves_admin(cold_builds[name][1].work, release_first=True)


def assert_serves_admin(work: Path, release_first: bool = False) -> None:
    with start_web(work, release=release_first, echo=False) as web:
        with urllib.request.urlopen(web.url + "admin/login/", timeout=10) as page:
            html = page.read().decode()
            assert page.status == 200
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', html)
        assert css, html[:2000]
        with urllib.request.urlopen(web.url + css.group(1).lstrip("/"), timeout=10) as stylesheet:
            assert stylesheet.status == 200
            assert stylesheet.headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize("name", MANAGERS)
def test_a_warm_rebuild_runs_no_tool_and_needs_no_network(cold_builds, name, tmp_path):
    app, result = cold_builds[name]
    work = clone_work(result.work, tmp_path / "work")
    before = installed(work)
    again = build(app, work, network=False, echo=False, cache_in_place=True)
    assert again.returncode == 0, again.output[-5000:]
    assert REUSE_STEP in again.output
    assert "-----> Installing" not in again.output, "no runtime, no tool, no dependencies installed"
    assert installed(work) == before


@pytest.mark.parametrize("name", MANAGERS)
def test_a_package_removed_from_the_lock_is_gone(cold_builds, name, tmp_path):
    app, result = cold_builds[name]
    work = clone_work(result.work, tmp_path / "work")
    app = copy_fixture(MANAGERS[name][0], tmp_path / "app")
    for file in MANAGERS[name][1]:
        shutil.copy(VARIANTS / f"{name}_without_six" / file, app / file)
    before = installed(work)
    synced = rebuild(app, work)
    assert SYNC_STEP in synced.output
    assert "Synced: 0 installed, 1 removed (-six)" in synced.output
    after = installed(work)
    assert after == {k: v for k, v in before.items() if k != "six"}
    code, out = run_process(work, 'python -c "import six"')
    assert code != 0 and "No module named 'six'" in out


# --- lock errors -----------------------------------------------------------------------------------------------

def outdated(app: Path, name: str) -> None:
    manifest = app / MANAGERS[name][1][0]
    if name == "pipenv":
        manifest.write_text(manifest.read_text().replace('six = "==1.17.0"', 'six = "==1.17.0"\nidna = "==3.10"'))
    else:
        added = '"idna==3.10", "six' if name == "uv" else '"idna (==3.10)", "six'
        manifest.write_text(manifest.read_text().replace('"six', added))


def corrupt(app: Path, name: str) -> None:
    lock = app / MANAGERS[name][1][1]
    lock.write_text(lock.read_text()[:200] + "\n<<<<<<< HEAD\n")


def without_manifest(app: Path, name: str) -> None:
    (app / MANAGERS[name][1][0]).unlink()


ERRORS = {
    "outdated": (outdated, {"uv": "uv.lock is out of date with pyproject.toml.",
                            "poetry": "poetry.lock is out of date with pyproject.toml.",
                            "pipenv": "Pipfile.lock is out of date with the Pipfile."}),
    "corrupt": (corrupt, {"uv": "uv.lock can't be read.", "poetry": "poetry.lock can't be read.",
                          "pipenv": "Pipfile.lock can't be read."}),
    "no-manifest": (without_manifest, {"uv": "uv.lock is there but pyproject.toml is missing.",
                                       "poetry": "poetry.lock is there but pyproject.toml is missing.",
                                       "pipenv": "Pipfile.lock is there but Pipfile is missing."}),
}


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("name", MANAGERS)
def test_lock_errors_name_the_file_and_the_fix_and_the_cache_stays_good(cold_builds, name, error, tmp_path):
    _, result = cold_builds[name]
    work = clone_work(result.work, tmp_path / "work")
    app = copy_fixture(MANAGERS[name][0], tmp_path / "app")
    damage, titles = ERRORS[error]
    damage(app, name)
    failed = build(app, work, echo=False, cache_in_place=True)
    assert_clean_failure(failed, f"Error: {titles[name]}", f"`{MANAGERS[name][3]}`")
    good = copy_fixture(MANAGERS[name][0], tmp_path / "good")
    again = rebuild(good, work, network=False)
    assert REUSE_STEP in again.output, "the failed build left the cache as it was"


# --- requirements.txt: uv as the installer, pip when asked or needed, setuptools -------------------------------

def pins(packages: Dict[str, str]) -> Set[str]:
    return {f"{name}=={version}" for name, version in packages.items()}


@pytest.mark.parametrize("fixture", ["deps_locked", "bench_large"])
def test_uv_installs_the_same_set_as_pip_for_a_pinned_lock(fixture, tmp_path):
    with_uv = rebuild(copy_fixture(fixture, tmp_path / "uv-app"), tmp_path / "uv-work")
    assert "-----> Installing requirements with uv (from requirements.txt)" in with_uv.output
    with_pip = rebuild(copy_fixture(fixture, tmp_path / "pip-app"), tmp_path / "pip-work",
                       config={"PYTHON_INSTALLER": "pip"})
    assert "-----> Installing requirements with pip (from requirements.txt)" in with_pip.output
    # pip and setuptools included: both installers put the same pinned tools in.
    uv_set, pip_set = pins(installed(tmp_path / "uv-work")), pins(installed(tmp_path / "pip-work"))
    assert uv_set == pip_set
    assert len(uv_set) > 8


def test_a_pip_only_option_falls_back_to_pip_with_a_note(tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    requirements = app / "requirements.txt"
    requirements.write_text("--prefer-binary\n" + requirements.read_text())
    tiny_work = tmp_path / "work"
    result = rebuild(app, tiny_work)
    assert " !     Note: Installing with pip instead of uv." in result.output
    assert "requirements.txt uses --prefer-binary, which uv does not support" in result.output
    assert "-----> Installing requirements with pip (from requirements.txt)" in result.output
    assert installed(tiny_work)["six"] == "1.17.0"


def test_an_older_app_gets_setuptools_so_pkg_resources_imports(py39_build):
    _, result = py39_build  # shared with test_django_py39 (one cold Python 3.9 build)
    assert "-----> Using Python 3.9.18 (from .python-version)" in result.output
    assert "-----> Installing pip 25.3 and setuptools 70.3.0" in result.output
    code, out = run_process(result.work, 'python -c "import pkg_resources, gunicorn; print(gunicorn.__version__)"')
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "20.1.0"


# --- Python 3.8: the newest Poetry and Pipenv that still run on it (issue 21) ----------------------------------

OLDEST_PYTHON = {
    # manager: (fixture, where the version comes from, the tool installed, the exact-sync command it runs)
    "poetry": ("mgr_poetry_py38", "-----> Using Python 3.8.18 (from .python-version)", "-----> Installing Poetry 1.8.5",
               "-----> Installing dependencies with 'poetry install --sync --only main'"),
    "pipenv": ("mgr_pipenv_py38", "-----> Using Python 3.8.18 (from Pipfile.lock python_version '3.8')",
               "-----> Installing Pipenv 2024.4.1", "-----> Installing dependencies with 'pipenv install --deploy'"),
}


@pytest.mark.parametrize("name", OLDEST_PYTHON)
def test_poetry_and_pipenv_apps_on_python_3_8_build_with_the_tool_that_runs_there(name, tmp_path):
    fixture, python_line, tool_line, command_line = OLDEST_PYTHON[name]
    app = copy_fixture(fixture, tmp_path / "app")
    result = build(app, tmp_path / "work", echo=False, config={"SECRET_KEY": "test-only-secret-key-for-py38"})
    assert result.returncode == 0, result.output[-5000:]
    assert python_line in result.output
    # The same end-of-life warning a pip app on 3.8 gets, and no refusal of the manager.
    assert re.search(r" !     Warning: Python 3\.8 .*end of life", result.output), result.output[:3000]
    assert "doesn't run on Python" not in result.output
    assert tool_line in result.output and command_line in result.output
    assert "lock-version" not in result.output, "a lock Poetry 1.8 wrote gets no newer-format warning"
    packages = installed(result.work)
    assert packages["django"] == "4.2.30" and packages["six"] == "1.17.0" and packages["gunicorn"] == "23.0.0"
    assert "pytest" not in packages, "dev dependencies are not installed"
    assert not {"poetry", "pipenv", "virtualenv"} & set(packages)
    code, out = run_process(result.work, 'python -c "import sys, django; print(sys.version_info[:2], django.__version__)"')
    assert code == 0 and out.strip().splitlines()[-1] == "(3, 8) 4.2.30", out
    # A second build reuses the environment, and the tool, offline.
    again = build(app, result.work, network=False, echo=False, cache_in_place=True)
    assert again.returncode == 0, again.output[-5000:]
    assert REUSE_STEP in again.output


def test_a_poetry_2_lock_on_python_3_8_is_warned_about_before_poetry_1_8_runs(tmp_path):
    app = copy_fixture("mgr_poetry_py38", tmp_path / "app")
    lock = app / "poetry.lock"
    lock.write_text(lock.read_text().replace('lock-version = "2.0"', 'lock-version = "2.1"'))
    result = build(app, tmp_path / "work", echo=False, config={"SECRET_KEY": "test-only-secret-key-for-py38"})
    assert " !     Warning: poetry.lock is of a newer format (2.1) than Poetry 1.8.5 reads." in result.output
    assert "`pipx run poetry==1.8.5 lock`" in result.output
