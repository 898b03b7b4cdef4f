"""The Django step, run for real: scripts/inspect_django.py and `manage.py collectstatic`.

The app's python here is the dev venv's (Django 5.2, no whitenoise or
dj-database-url), standing in for /app/.heroku/python; the buildpack's own code
runs under whichever python runs pytest (3.8 too).
"""
import shutil
from pathlib import Path

import pytest

from buildpack import output
from buildpack.context import Context
from buildpack.django import collectstatic, project
from buildpack.errors import CollectstaticError, SourceTreeError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures"
APP_PYTHON_HOME = REPO / ".venv"
INSTALLED = {"django": "5.2.8", "gunicorn": "23.0.0"}


class LocalContext(Context):
    """A build context whose app python is the dev venv's."""

    @property
    def app_python_home(self):
        return APP_PYTHON_HOME

    @property
    def app_python(self):
        return APP_PYTHON_HOME / "bin" / "python"


def make_ctx(build_dir, config=None, environ=None):
    return LocalContext(
        build_dir=build_dir, cache_dir=None, env_dir=None, buildpack_dir=REPO, stack="heroku-24",
        environ=dict(environ or {}), config_vars=dict(config or {}),
    )


@pytest.fixture(autouse=True)
def no_masking_left_behind():
    """run_collectstatic hides the config vars as compile does; the next test starts clean."""
    yield
    output.hide({})


@pytest.fixture
def shop(tmp_path):
    """The collectstatic fixture (one settings module per case), copied to a build dir."""
    build_dir = tmp_path / "build"
    shutil.copytree(FIXTURES / "django_collectstatic", build_dir)
    return build_dir


def test_asks_django_when_the_settings_import(shop, capsys):
    app = project.find(make_ctx(shop), INSTALLED)
    assert app.introspection == "django"
    assert (app.project_dir, app.settings_module, app.settings_source) == (".", "shop.settings", "manage.py")
    assert app.django_version == "5.2.8"
    assert (app.wsgi_application, app.wsgi_source) == ("shop.wsgi.application", "WSGI_APPLICATION")
    assert app.asgi_application is None
    assert app.asgi_fallback == "shop.asgi.application"
    assert app.staticfiles_installed is True
    assert Path(app.static_root) == shop / "staticfiles"
    assert app.staticfiles_storage == "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    project.describe(app)
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "-----> Django app found: manage.py",
        "       Settings module: shop.settings (from manage.py)",
        "       Asked Django 5.2.8 about the settings:",
        "         WSGI application: shop.wsgi.application (from WSGI_APPLICATION)",
        "         Static files: STATIC_ROOT staticfiles, storage"
        " django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    ]


def test_settings_module_from_the_config_var(shop, capsys):
    app = project.find(make_ctx(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_asgi"}), INSTALLED)
    assert (app.settings_module, app.settings_source) == ("shop.settings_asgi", project.CONFIG_VAR_SOURCE)
    assert app.asgi_application == "shop.asgi.application"
    project.describe(app)
    out = capsys.readouterr().out
    assert "Settings module: shop.settings_asgi (from the DJANGO_SETTINGS_MODULE config var)" in out
    assert "ASGI application: shop.asgi.application (from ASGI_APPLICATION)" in out


def test_settings_that_print_do_not_break_the_inspection(shop):
    app = project.find(make_ctx(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_environment"}, {"DYNO": "run.1"}),
                      INSTALLED)
    assert app.introspection == "django"
    assert app.wsgi_application == "shop.wsgi.application"


def test_falls_back_to_the_source_when_settings_cannot_be_imported(tmp_path, capsys):
    # The tutorial imports dj_database_url, which the dev venv does not have.
    build_dir = tmp_path / "build"
    shutil.copytree(FIXTURES / "django_tutorial", build_dir)
    app = project.find(make_ctx(build_dir), INSTALLED)
    assert app.introspection == "source"
    assert app.settings_error == {"type": "ModuleNotFoundError", "message": "No module named 'dj_database_url'",
                                  "location": {"file": "portfolio/settings.py", "line": 5}}
    assert (app.wsgi_application, app.wsgi_source) == ("portfolio.wsgi.application", "WSGI_APPLICATION")
    assert app.staticfiles_installed is True
    project.describe(app)
    out = capsys.readouterr().out
    assert ("The settings cannot be imported at build time (ModuleNotFoundError at portfolio/settings.py, line 5);"
            in out)
    assert "read from their source instead:" in out


def test_a_syntax_error_falls_back_to_the_source_too(shop):
    app = project.find(make_ctx(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_syntax_error"}), INSTALLED)
    assert app.introspection == "source"
    assert app.settings_error["type"] == "SyntaxError"
    assert app.settings_error["location"]["file"] == "shop/settings_syntax_error.py"
    # The static reading follows `from .settings import *`.
    assert app.wsgi_application == "shop.wsgi.application"
    assert app.staticfiles_installed is True


@pytest.mark.parametrize("path, data, reason", [
    # Run, each failed as "collectstatic failed: a syntax error", hiding the cause.
    ("manage.py", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "source::not-python-text"),
    ("shop/settings.py", b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"ab" * 32 + b"\nsize 9\n",
     "source::lfs-pointer"),
])
def test_a_manage_py_or_settings_that_is_not_python_source_is_refused(shop, path, data, reason):
    (shop / path).write_bytes(data)
    started = []
    with pytest.raises(SourceTreeError) as caught:
        project.find(make_ctx(shop), INSTALLED, start=lambda *args: started.append(args))
    assert caught.value.reason == reason and caught.value.title.startswith(f"{path} is ")
    assert not started  # refused before Django is asked anything


def test_a_wsgi_application_whose_module_is_missing_is_not_used(shop):
    settings = shop / "shop" / "settings.py"
    settings.write_text(settings.read_text().replace('"shop.wsgi.application"', '"shop.gone.application"'))
    (shop / "shop" / "wsgi.py").unlink()
    app = project.find(make_ctx(shop), INSTALLED)
    assert app.wsgi_application is None
    assert app.notes == ["WSGI_APPLICATION is 'shop.gone.application', but its module is not in the app."]
    assert app.asgi_fallback == "shop.asgi.application"


def test_the_shallowest_manage_py_wins_and_the_others_are_named(tmp_path, capsys):
    build_dir = tmp_path / "build"
    shutil.copytree(FIXTURES / "django_collectstatic", build_dir / "src")
    shutil.copytree(FIXTURES / "django_collectstatic", build_dir / "tools" / "old" / "site")
    app = project.find(make_ctx(build_dir), INSTALLED)
    assert app.project_dir == "src"
    assert app.other_manage_py == ["tools/old/site/manage.py"]
    assert app.introspection == "django"
    project.describe(app)
    assert ("-----> Django app found: src/manage.py (the shallowest; also found: tools/old/site/manage.py)"
            in capsys.readouterr().out)


def test_not_a_django_app(shop, capsys):
    assert project.find(make_ctx(shop), {"gunicorn": "23"}) is None
    (shop / "manage.py").unlink()
    assert project.find(make_ctx(shop), INSTALLED) is None
    assert "no manage.py was found" in capsys.readouterr().out


def run_collectstatic(build_dir, config=None, environ=None):
    ctx = make_ctx(build_dir, config, environ)
    output.hide(ctx.config_vars)  # as compile does, before any step prints
    app = project.find(ctx, INSTALLED)
    collectstatic.collectstatic(ctx, app)
    return app


def test_collectstatic_collects(shop, capsys):
    run_collectstatic(shop)
    manifest = shop / "staticfiles" / "staticfiles.json"
    assert manifest.is_file()
    assert "css/site.css" in manifest.read_text()
    out = capsys.readouterr().out
    assert "-----> Running collectstatic\n" in out
    assert "static files copied to 'staticfiles'" in out  # the build dir is not shown


@pytest.mark.parametrize("value, skipped", [("yes", True), (" 0\n", False)])
def test_disable_collectstatic(shop, capsys, value, skipped):
    run_collectstatic(shop, {"DISABLE_COLLECTSTATIC": value})
    out = capsys.readouterr().out
    assert ("Skipping collectstatic (DISABLE_COLLECTSTATIC is set" in out) is skipped
    assert (shop / "staticfiles").exists() is not skipped


def test_no_staticfiles_app_is_skipped_with_a_note(shop, capsys):
    run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_no_staticfiles"})
    assert "Skipping collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS" in capsys.readouterr().out
    assert not (shop / "staticfiles").exists()


@pytest.mark.parametrize("settings_module, reason, phrase", [
    ("shop.settings_env_var", "collectstatic::env-var-missing", "heroku config:set SECRET_KEY=..."),
    ("shop.settings_no_static_root", "collectstatic::static-root-unset", 'STATIC_ROOT = BASE_DIR / "staticfiles"'),
    ("shop.settings_manifest_missing", "collectstatic::manifest-missing-file",
     "'css/broken.css' refers to 'img/missing.png'"),
    ("shop.settings_import_error", "collectstatic::settings-import", "probably `django-environ`"),
    ("shop.settings_syntax_error", "collectstatic::settings-syntax", "shop/settings_syntax_error.py, line 4"),
])
def test_collectstatic_failures_are_explained(shop, settings_module, reason, phrase):
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": settings_module})
    assert raised.value.reason == reason
    assert phrase in raised.value.title + raised.value.body
    assert "Traceback (most recent call last)" not in raised.value.body
    assert "manage.py's default" not in raised.value.body  # the config var chose for every process


def test_a_failure_on_manage_pys_settings_names_the_web_processs_settings(shop):
    """cookiecutter-django's split: manage.py defaults to settings the build cannot load
    (local ones, with development apps), wsgi.py to the production ones."""
    manage_py = shop / "manage.py"
    manage_py.write_text(manage_py.read_text().replace('"shop.settings"', '"shop.settings_import_error"'))
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop)
    assert raised.value.body.endswith(
        "The build used shop.settings_import_error, manage.py's default;\n"
        "shop/wsgi.py defaults to shop.settings, which the web process\n"
        "would use. If those are the settings for Heroku, choose them for\n"
        "every process (the build included):\n"
        "   heroku config:set DJANGO_SETTINGS_MODULE=shop.settings")


def test_setting_the_missing_config_var_fixes_it(shop):
    run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_env_var", "SECRET_KEY": "k" * 50})
    assert (shop / "staticfiles" / "staticfiles.json").is_file()


def test_dyno_reaches_settings_that_branch_on_it(shop):
    config = {"DJANGO_SETTINGS_MODULE": "shop.settings_environment"}
    run_collectstatic(shop, config, {"DYNO": "run.1"})
    assert (shop / "staticfiles" / "staticfiles.json").is_file()
    # Without DYNO those settings leave STATIC_ROOT unset, so the variable really mattered.
    shutil.rmtree(shop / "staticfiles")
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, config)
    assert raised.value.reason == "collectstatic::static-root-unset"


def test_debug_collectstatic_is_verbose_but_shows_no_values(shop, capsys):
    secret = "s3cr3t-token-value-1234"
    config = {"DJANGO_SETTINGS_MODULE": "shop.settings_environment", "DEBUG_COLLECTSTATIC": "1",
              "API_TOKEN": secret, "PYTHONPATH": "/somewhere/else", "LD_PRELOAD": "/evil.so"}
    run_collectstatic(shop, config, {"DYNO": "run.1"})
    out = capsys.readouterr().out
    assert "-----> Running collectstatic (DEBUG_COLLECTSTATIC: verbose)" in out
    assert "$ python manage.py collectstatic --noinput --verbosity 2 --traceback" in out
    assert "Environment variable names (values not shown): " in out
    assert "Copying '" in out  # Django's verbose output is streamed
    # The settings printed the secret: the log shows it masked.
    assert "settings saw API_TOKEN: ****" in out
    assert secret not in out
    # DYNO was given; denylisted config vars were not.
    assert "settings saw DYNO: run.1" in out
    names = next(line for line in out.splitlines() if "settings saw variable names:" in line).split(":", 1)[1].split()
    assert "API_TOKEN" in names and "DJANGO_SETTINGS_MODULE" in names
    assert "PYTHONPATH" not in names and "LD_PRELOAD" not in names


def test_without_debug_collectstatic_django_output_stays_out_of_the_log(shop, capsys):
    run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_environment"}, {"DYNO": "run.1"})
    out = capsys.readouterr().out
    assert "settings saw" not in out
    assert "Copying '" not in out


def test_a_secret_in_failure_output_is_masked_when_printed(shop, capsys):
    settings = shop / "shop" / "settings_env_var.py"
    settings.write_text(settings.read_text() + "raise RuntimeError('bad token ' + os.environ['API_TOKEN'])\n")
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_env_var", "SECRET_KEY": "x" * 50,
                                 "API_TOKEN": "hunter2hunter2"})
    output.error(raised.value.title, raised.value.body)  # what cli does with it
    err = capsys.readouterr().err
    assert "hunter2hunter2" not in err
    assert "RuntimeError: bad token ****" in err


@pytest.mark.parametrize("other_config, shown", [
    # DJANGO_SETTINGS_MODULE is a setting the buildpack reports: never masked.
    ({"API_TOKEN": "hunter2hunter2"}, "shop.settings_typo"),
    # A secret whose value happens to be in the output is still hidden when printed.
    ({"OTHER_SECRET": "settings_typo"}, "shop.****"),
])
def test_a_misspelt_settings_module_is_diagnosed_though_config_vars_are_masked(shop, capsys, other_config, shown):
    """The classifier reads Django's output as it is; only the printed log is masked. A settings
    module named by the config var must not become "No module named '****'" (issue 20.1)."""
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_typo", **other_config})
    assert raised.value.reason == "collectstatic::settings-import"
    assert raised.value.title == "collectstatic failed: the settings module 'shop.settings_typo' does not exist."
    output.error(raised.value.title, raised.value.body)
    err = capsys.readouterr().err
    assert f"Error: collectstatic failed: the settings module '{shown}' does not exist." in err
    assert f"No module named '{shown}'" in err
    assert "hunter2hunter2" not in err


def test_static_root_outside_the_app_is_warned_about(shop, capsys, tmp_path):
    settings = shop / "shop" / "settings.py"
    outside = tmp_path / "elsewhere"
    settings.write_text(settings.read_text().replace('BASE_DIR / "staticfiles"', repr(str(outside))))
    run_collectstatic(shop)
    assert "Warning: STATIC_ROOT is outside the app's directory." in capsys.readouterr().err


def test_nested_project_runs_collectstatic_in_its_directory(tmp_path, capsys):
    build_dir = tmp_path / "build"
    shutil.copytree(FIXTURES / "django_collectstatic", build_dir / "backend")
    run_collectstatic(build_dir)
    assert (build_dir / "backend" / "staticfiles" / "staticfiles.json").is_file()
    assert "-----> Running collectstatic in backend/" in capsys.readouterr().out


def test_app_modules(shop):
    assert collectstatic.app_modules(shop) == ["assets", "assets_broken", "manage", "shop"]


def test_the_settings_error_location_is_in_the_app_not_in_os(shop):
    app = project.find(make_ctx(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_env_var"}), INSTALLED)
    assert app.settings_error == {"type": "KeyError", "location": {"file": "shop/settings_env_var.py", "line": 6},
                                  "environment_variable": "SECRET_KEY"}


@pytest.mark.parametrize("package_json, node_fix", [
    ('{"scripts": {"build": "vite build"}}', True),
    ('{"scripts": {"dev": "vite"}}', False),  # no asset build: nothing to say about Node
])
def test_a_missing_built_file_names_the_node_buildpack_when_package_json_builds(shop, capsys, package_json, node_fix):
    (shop / "package.json").write_text(package_json)
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_manifest_missing"},
                          {"PATH": "/usr/local/bin:/usr/bin:/bin"})
    assert raised.value.reason == "collectstatic::manifest-missing-file"
    assert ("   heroku buildpacks:add --index 1 heroku/nodejs" in raised.value.body) is node_fix
    warned = "Warning: package.json has a build script, but Node.js is not installed." in capsys.readouterr().err
    assert warned is node_fix


def test_other_failures_of_an_app_with_a_build_script_do_not_blame_node(shop):
    (shop / "package.json").write_text('{"scripts": {"build": "vite build"}}')
    with pytest.raises(CollectstaticError) as raised:
        run_collectstatic(shop, {"DJANGO_SETTINGS_MODULE": "shop.settings_env_var"})
    assert raised.value.reason == "collectstatic::env-var-missing"
    assert "heroku/nodejs" not in raised.value.body
