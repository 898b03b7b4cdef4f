"""Issue 18, done when: every Python the stand-ins offer, built from Debian's source in the stand-in.

The seed-era app (Django 3.2, psycopg2 2.9 built from source against the image's libpq,
django-heroku, a Procfile with release) with runtime.txt `python-3.9` builds in the heroku-20
stand-in, releases into PostgreSQL over SSL (django-heroku requires it) and serves its admin and
CSS. An app that names no Python gets 3.14, Heroku's default, on every stack, and its dyno has
the module set of Heroku's builds; a new Django 5 app so built on heroku-24 serves its admin.
"""
from __future__ import annotations

import json

import pytest

from integration.conftest import copy_fixture
from integration.local_platform import build, release, run_process, start_web
from integration.test_container import config_for, container_runner, postgres, serves_admin  # noqa: F401
from localheroku.contract import SOURCE_RUNTIMES
from localheroku.stacks import STACKS

MODULES = ("sqlite3", "ssl", "ctypes", "lzma", "bz2", "readline", "uuid", "zlib", "dbm.gnu", "decimal", "pip")
PROBE = ("import importlib, json, sqlite3, ssl, sys, decimal; "
         f"[importlib.import_module(name) for name in {list(MODULES)!r}]; "
         "sqlite3.connect(':memory:').execute('select 1'); "
         "print(json.dumps({'version': sys.version.split()[0], 'sqlite': sqlite3.sqlite_version, "
         "'decimal': str(decimal.Decimal(1) / 8), 'prefix': sys.prefix}))")


@pytest.fixture(scope="module")
def seed_era(postgres, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("seed-era")
    app = copy_fixture("django_seed_era", root / "app")
    postgres.psql("CREATE DATABASE seedera OWNER portfolio", database="postgres")
    result = build(app, root / "work", stack="heroku-20", config=config_for(postgres, "seedera"), echo=False,
                   runner=container_runner())
    assert result.returncode == 0, result.output[-5000:]
    return result


def test_seed_era_app_builds_on_heroku_20_with_python_3_9_and_psycopg2_from_source(seed_era):
    assert "localheroku-stand-in:bullseye-build-" in (seed_era.work / "build.json").read_text()
    assert "-----> Using Python 3.9." in seed_era.output
    code, out = run_process(seed_era.work, 'python -c "import psycopg2, sys; print(psycopg2.__file__, '
                            'psycopg2.__libpq_version__)"')
    assert code == 0, out
    path, libpq = out.strip().splitlines()[-1].split()
    # psycopg2 (not -binary) has no Linux wheel: pip compiled it against the image's libpq.
    assert path.startswith("/app/.heroku/python/lib/python3.9/site-packages/psycopg2/") and int(libpq) >= 130000


def test_seed_era_app_releases_into_postgres_and_serves_its_admin(seed_era, postgres):  # noqa: F811
    code, out = release(seed_era.work, echo=False)
    assert code == 0, out
    assert "Applying auth.0001_initial... OK" in out
    assert postgres.psql("SELECT count(*) FROM django_migrations WHERE app = 'admin'", database="seedera") != "0\n"
    with start_web(seed_era.work, release=False, echo=False) as web:
        serves_admin(web.url)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_an_app_naming_no_python_gets_3_14_and_the_module_set_on(stack, tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "runtime.txt").unlink()
    result = build(app, tmp_path / "work", stack=stack, echo=False, runner=container_runner())
    assert result.returncode == 0, result.output[-5000:]
    index = json.loads((SOURCE_RUNTIMES / STACKS[stack].debian_suite / "store" / "index.json").read_text())
    newest = max((entry for entry in index["runtimes"] if entry["version"].startswith("3.14.")),
                 key=lambda entry: [int(part) for part in entry["version"].split(".")])
    assert f"-----> Using Python {newest['version']}" in result.output
    assert f"Verified sha256 {newest['sha256'][:16]}" in result.output  # the archive built in the stand-in
    code, out = run_process(result.work, f'python -c "{PROBE}"')
    assert code == 0, out
    facts = json.loads(out.strip().splitlines()[-1])
    assert facts["version"] == newest["version"] and facts["prefix"] == "/app/.heroku/python"
    assert facts["decimal"] == "0.125"


def test_a_new_django_5_app_naming_no_python_builds_on_heroku_24_with_3_14_and_serves(tmp_path):
    app = copy_fixture("django_tutorial", tmp_path / "app")  # Django 5.2
    (app / "runtime.txt").unlink()
    result = build(app, tmp_path / "work", stack="heroku-24", echo=False, runner=container_runner(),
                   config={"SECRET_KEY": "test-only-secret-key-for-the-container-test"})
    assert result.returncode == 0, result.output[-5000:]
    assert "-----> Using Python 3.14." in result.output and "(the default: no runtime.txt or .python-version)" \
        in result.output
    with start_web(result.work, echo=False) as web:  # release (migrate, into SQLite in the dyno) first
        serves_admin(web.url)
