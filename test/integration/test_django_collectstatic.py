"""Issue 5: collectstatic through the real bin/ scripts, one settings module per case.

Every case is a settings module of ONE fixture (test/fixtures/django_collectstatic),
chosen with the DJANGO_SETTINGS_MODULE config var, built over ONE installed
environment: the fixture has the tutorial's requirements, so each build reuses
the session's warm cache and never runs pip.
"""
from __future__ import annotations

import json

import pytest

from integration.conftest import assert_clean_failure, clone_work, copy_fixture
from integration.local_platform import build


@pytest.fixture(scope="module")
def shop(tutorial_build, tmp_path_factory):
    """(app, work): the fixture app and a work dir holding the tutorial's warm cache."""
    root = tmp_path_factory.mktemp("collectstatic")
    app = copy_fixture("django_collectstatic", root / "app")
    work = clone_work(tutorial_build[1].work, root / "work")
    return app, work


def build_case(shop, **config):
    app, work = shop
    result = build(app, work, config=config, echo=False)
    assert "-----> Reusing the cached environment (requirements unchanged)" in result.output
    assert "Installing requirements" not in result.output
    return result


def test_default_settings_are_described_and_collected(shop):
    result = build_case(shop)
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "-----> Django app found: manage.py\n" in log
    assert "       Settings module: shop.settings (from manage.py)\n" in log
    assert "       Asked Django 5.2.8 about the settings:\n" in log
    assert "         WSGI application: shop.wsgi.application (from WSGI_APPLICATION)\n" in log
    assert "-----> Running collectstatic\n       2 static files copied to 'staticfiles', 2 post-processed." in log
    manifest = json.loads((result.work / "slug" / "staticfiles" / "staticfiles.json").read_text())
    assert "css/site.css" in manifest["paths"]
    assert "       web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT\n" in log


@pytest.mark.parametrize("settings_module, phrases", [
    ("shop.settings_env_var", [
        # The inspection could not import the settings either, and read their source.
        "       The settings cannot be imported at build time (KeyError at shop/settings_env_var.py, line 6);\n"
        "       read from their source instead:\n"
        "         WSGI application: shop.wsgi.application (from WSGI_APPLICATION)\n",
        "Error: collectstatic failed: the settings need the SECRET_KEY variable.",
        'File "shop/settings_env_var.py", line 6, in <module>',
        "KeyError: 'SECRET_KEY'",
        "1. Set it: heroku config:set SECRET_KEY=...",
    ]),
    ("shop.settings_no_static_root", [
        "Error: collectstatic failed: STATIC_ROOT is not set.",
        "the settings (shop.settings_no_static_root)",
        'STATIC_ROOT = BASE_DIR / "staticfiles"',
    ]),
    ("shop.settings_manifest_missing", [
        "Error: collectstatic failed: css/broken.css refers to img/missing.png, which does not exist.",
        "Correct the reference in 'css/broken.css'",
    ]),
    ("shop.settings_import_error", [
        "Error: collectstatic failed: No module named 'environ'.",
        "    import environ",
        "probably `django-environ`",
    ]),
    ("shop.settings_syntax_error", [
        "Error: collectstatic failed: a syntax error in shop/settings_syntax_error.py, line 4.",
        "SyntaxError: '(' was never closed",
    ]),
])
def test_each_failure_is_explained_with_the_relevant_tail(shop, settings_module, phrases):
    result = build_case(shop, DJANGO_SETTINGS_MODULE=settings_module)
    assert_clean_failure(result, *phrases)
    assert "importlib._bootstrap" not in result.output  # the tail, not the wall
    assert "site-packages" not in result.output


def test_a_misspelt_settings_module_is_diagnosed(shop):
    """Issue 20.1: the classifier reads Django's output unmasked (it used to see "No module
    named '****'" and fall back to the generic "collectstatic failed.")."""
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_typo")
    assert_clean_failure(
        result,
        "Error: collectstatic failed: the settings module 'shop.settings_typo' does not exist.",
        "ModuleNotFoundError: No module named 'shop.settings_typo'",
        "heroku config:get DJANGO_SETTINGS_MODULE",
    )
    assert "Error: collectstatic failed.\n" not in result.output


def test_no_staticfiles_app_is_skipped_with_a_note(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_no_staticfiles")
    assert result.returncode == 0, result.output[-3000:]
    assert "-----> Skipping collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS" in result.output
    assert not (result.work / "slug" / "staticfiles").exists()


def test_disable_collectstatic_and_asgi_without_a_server(shop):
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_asgi", DISABLE_COLLECTSTATIC="1")
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "-----> Skipping collectstatic (DISABLE_COLLECTSTATIC is set to '1')" in log
    assert not (result.work / "slug" / "staticfiles").exists()
    # ASGI_APPLICATION is set but only gunicorn is installed: WSGI, with a warning.
    assert " !     Warning: ASGI_APPLICATION is set, but no ASGI server is installed." in log
    assert "       web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT\n" in log


def test_debug_collectstatic_shows_names_not_values_and_dyno_reaches_the_settings(shop):
    secret = "tok-8c1f0e3b7a9d4e2f"
    result = build_case(shop, DJANGO_SETTINGS_MODULE="shop.settings_environment", DEBUG_COLLECTSTATIC="1",
                        API_TOKEN=secret, PYTHONPATH="/nowhere", GIT_DIR="/nowhere/.git")
    # These settings leave STATIC_ROOT unset unless DYNO is set: success proves DYNO got through.
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "-----> Running collectstatic (DEBUG_COLLECTSTATIC: verbose)" in log
    assert "       $ python manage.py collectstatic --noinput --verbosity 2 --traceback" in log
    assert "       Copying '" in log
    assert "settings saw DYNO: run.1" in log
    assert "settings saw API_TOKEN: ****" in log
    assert secret not in log
    names_line = next(line for line in log.splitlines() if "settings saw variable names:" in line)
    names = names_line.split(":", 1)[1].split()
    assert {"API_TOKEN", "DYNO", "DJANGO_SETTINGS_MODULE", "DEBUG_COLLECTSTATIC"} <= set(names)
    assert "PYTHONPATH" not in names and "GIT_DIR" not in names
    assert (result.work / "slug" / "staticfiles" / "staticfiles.json").is_file()


def test_a_manage_py_committed_as_a_git_lfs_pointer_is_named_for_what_it_is(tutorial_build, tmp_path):
    # Run, the pointer was "collectstatic failed: a syntax error".
    app = copy_fixture("django_collectstatic", tmp_path / "app")
    (app / "manage.py").write_text("version https://git-lfs.github.com/spec/v1\n"
                                   f"oid sha256:{'0' * 64}\nsize 663\n")
    result = build(app, clone_work(tutorial_build[1].work, tmp_path / "work"), echo=False)
    assert_clean_failure(result, "Error: manage.py is a Git LFS pointer, not the file itself.",
                         "git lfs untrack manage.py")
    assert "collectstatic failed" not in result.output
