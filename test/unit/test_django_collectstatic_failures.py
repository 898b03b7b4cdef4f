"""The collectstatic failure classifier, over REAL Django output.

test/unit/collectstatic_outputs/ holds what `manage.py collectstatic --noinput`
printed for small broken projects (Django 5.2 on Python 3.11, Django 4.2 on 3.8;
whitenoise, django-environ, python-decouple, environs, django-storages' S3), recorded from a build
directory /tmp/build_0a1b2c3d with the interpreter's paths shown as /app/.heroku/python.
"""
from pathlib import Path

import pytest

from buildpack.django import collectstatic_failures as cf

OUTPUTS = Path(__file__).parent / "collectstatic_outputs"
BUILD_DIR = "/tmp/build_0a1b2c3d"


def lines(name):
    return (OUTPUTS / f"{name}.txt").read_text().splitlines()


def classify(name, **kwargs):
    kwargs.setdefault("settings_module", "site_config.settings")
    kwargs.setdefault("app_modules", {"site_config", "shop", "manage"})
    return cf.classify(lines(name), BUILD_DIR, **kwargs)


@pytest.mark.parametrize(
    "name, reason, title, phrases",
    [
        ("py311_keyerror", "env-var-missing",
         "collectstatic failed: the settings need the SECRET_KEY variable.",
         ["heroku config:set SECRET_KEY=...", 'SECRET_KEY = os.environ["SECRET_KEY"]', "KeyError: 'SECRET_KEY'"]),
        ("py38_keyerror", "env-var-missing",
         "collectstatic failed: the settings need the SECRET_KEY variable.",
         ["heroku config:set SECRET_KEY=...", 'File "site_config/settings.py", line 4, in <module>']),
        ("py311_environ", "env-var-missing",
         "collectstatic failed: the settings need the SECRET_KEY variable.",
         ["ImproperlyConfigured: Set the SECRET_KEY environment variable", 'env("SECRET_KEY", default="...")']),
        ("py311_decouple", "env-var-missing",
         "collectstatic failed: the settings need the SECRET_KEY variable.",
         ["UndefinedValueError: SECRET_KEY not found"]),
        ("py311_environs", "env-var-missing",
         "collectstatic failed: the settings need the SECRET_KEY variable.",
         ['EnvNotSetError: Environment variable "SECRET_KEY" not set']),
        ("py311_nostaticroot", "static-root-unset", "collectstatic failed: STATIC_ROOT is not set.",
         ['STATIC_ROOT = BASE_DIR / "staticfiles"', "(site_config.settings)", "WhiteNoiseMiddleware"]),
        ("py311_nostaticurl", "static-url-unset", "collectstatic failed: STATIC_URL is not set.",
         ['STATIC_URL = "static/"', "(site_config.settings)", "required STATIC_URL setting"]),
        ("py311_manifest", "manifest-missing-file",
         "collectstatic failed: css/site.css refers to img/missing.png, which does not exist.",
         ["(ManifestStaticFilesStorage)", "Correct the reference in 'css/site.css'", "CompressedStaticFilesStorage"]),
        ("py38_manifest", "manifest-missing-file",
         "collectstatic failed: css/site.css refers to img/missing.png, which does not exist.",
         ["(ManifestStaticFilesStorage)"]),
        ("py311_whitenoise", "manifest-missing-file",
         "collectstatic failed: css/site.css refers to img/missing.png, which does not exist.",
         ["(CompressedManifestStaticFilesStorage)", "The CSS file 'css/site.css' references a file"]),
        ("py38_whitenoise", "manifest-missing-file",
         "collectstatic failed: css/site.css refers to img/missing.png, which does not exist.",
         ["(CompressedManifestStaticFilesStorage)"]),
        ("py311_modnotfound", "settings-import", "collectstatic failed: No module named 'dj_database_url'.",
         ["probably `dj-database-url`", "requirements.txt", "    import dj_database_url",
          "Your code imports 'dj_database_url'"]),
        ("py311_missingapp", "settings-import", "collectstatic failed: No module named 'debug_toolbar'.",
         ["'debug_toolbar' is in INSTALLED_APPS", "probably `django-debug-toolbar`", "only when DEBUG is on"]),
        ("py311_syntax", "settings-syntax",
         "collectstatic failed: a syntax error in site_config/settings.py, line 3.",
         ['    SECRET_KEY = "x', "SyntaxError: unterminated string literal", "runtime.txt"]),
        ("py38_syntax", "settings-syntax",
         "collectstatic failed: a syntax error in site_config/settings.py, line 3.",
         ["SyntaxError: EOL while scanning string literal"]),
        ("py311_nosettings", "settings-unconfigured", "collectstatic failed: no settings module is set.",
         ["heroku config:set DJANGO_SETTINGS_MODULE=", "    No Django settings specified."]),
        ("py311_s3_nocredentials", "cloud-credentials",
         "collectstatic failed: no credentials for the cloud storage.",
         ["NoCredentialsError: Unable to locate credentials", "heroku config:set AWS_ACCESS_KEY_ID=...",
          "CompressedManifestStaticFilesStorage"]),
        ("py311_manifest_entry", "manifest-missing-entry",
         "collectstatic failed: js/app.js is not among the static files.",
         ['File "early/apps.py", line 9, in ready', "Missing staticfiles manifest entry for 'js/app.js'",
          "move the call into a\n   view or a template"]),
        ("py311_dbquery", "database-at-build",
         "collectstatic failed: the code queried the database.",
         ['File "shop/apps.py", line 9, in ready', "no such table: auth_user", "release phase"]),
        ("py313_removed_cgi", "settings-import",
         "collectstatic failed: No module named 'cgi' (Python 3.13 removed it).",
         ["until Python\n3.12; this build's Python 3.13 does not have it, and django\nimports it:",
          "ModuleNotFoundError: No module named 'cgi'", "holding 3.12, committed.", "2. Or upgrade django to a release",
          "3. Or add legacy-cgi to the requirements"]),
        ("py311_system_check_e002", "system-check-errors",
         "collectstatic failed: Django's system checks report errors: staticfiles.E002.",
         ["    ?: (staticfiles.E002) The STATICFILES_DIRS setting should not contain the STATIC_ROOT setting.",
          "1. STATIC_ROOT is where collectstatic writes", "2. Run `python manage.py check` on your computer"]),
        ("py311_gdal", "system-library",
         "collectstatic failed: the GDAL library is not in the stack image.",
         ["Could not find the GDAL library", "heroku buildpacks:add --index 1 "
          "https://github.com/heroku/heroku-geo-buildpack.git", "GDAL_LIBRARY_PATH"]),
        ("py311_shared_object", "system-library",
         "collectstatic failed: libzbar.so.0 is not in the stack image.",
         ['File "site_config/zbar.py", line 5, in <module>', "OSError: libzbar.so.0: cannot open shared object file",
          "heroku buildpacks:add --index 1 heroku-community/apt", "has libzbar.so.0 (packages.ubuntu.com"]),
    ],
)
def test_real_failures_are_classified(name, reason, title, phrases):
    failure = classify(name)
    assert failure.reason == reason
    assert failure.title == title
    for phrase in phrases:
        assert phrase in failure.body


@pytest.mark.parametrize("name", sorted(path.stem for path in OUTPUTS.glob("*.txt")))
def test_the_body_shows_the_relevant_tail_not_the_whole_traceback(name):
    body = classify(name).body
    assert "Traceback (most recent call last)" not in body
    assert "importlib._bootstrap" not in body
    assert "/site-packages/" not in body
    assert BUILD_DIR not in body  # the app's paths are shown relative to its root
    assert len(body.splitlines()) < 40


def test_only_a_traceback_through_os_environ_makes_a_key_error_an_env_var():
    output = [
        "Traceback (most recent call last):",
        '  File "/tmp/build_0a1b2c3d/site_config/settings.py", line 9, in <module>',
        '    COLOURS = PALETTE["primary"]',
        "KeyError: 'primary'",
    ]
    assert cf.classify(output, BUILD_DIR).reason == "failed"
    from_environ = output[:2] + ['    DATABASE_URL = os.environ["DATABASE_URL"]', "KeyError: 'DATABASE_URL'"]
    failure = cf.classify(from_environ, BUILD_DIR)
    assert (failure.reason, failure.title) == (
        "env-var-missing", "collectstatic failed: the settings need the DATABASE_URL variable.")


def test_an_empty_secret_key_points_at_the_config_var():
    output = ["django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty."]
    output = ["Traceback (most recent call last):", '  File "/x/django/conf/__init__.py", line 1, in f'] + output
    assert "heroku config:set SECRET_KEY=..." in cf.classify(output, BUILD_DIR).body


def test_a_withheld_config_var_is_explained_not_asked_for():
    failure = cf.classify(
        ["Traceback (most recent call last):",
         '  File "/tmp/build_0a1b2c3d/site_config/settings.py", line 2, in <module>',
         '    ROOT = os.environ["BUILD_DIR"]',
         '  File "<frozen os>", line 679, in __getitem__',
         "KeyError: 'BUILD_DIR'"],
        BUILD_DIR,
        withheld_config_vars=["BUILD_DIR"],
    )
    assert failure.reason == "env-var-missing"
    assert "BUILD_DIR is set as a config var, but the buildpack does not pass it" in failure.body
    assert "heroku config:set BUILD_DIR" not in failure.body


def test_a_missing_module_of_the_app_itself_is_not_sent_to_requirements():
    output = lines("py311_modnotfound")
    output[-1] = "ModuleNotFoundError: No module named 'site_config.local'"
    failure = cf.classify(output, BUILD_DIR, app_modules={"site_config"})
    assert failure.title == "collectstatic failed: the module 'site_config.local' cannot be found."
    assert "committed and not in .gitignore" in failure.body
    assert "requirements.txt" not in failure.body


def test_a_settings_module_that_does_not_exist_names_the_config_var():
    output = lines("py311_modnotfound")
    output[-1] = "ModuleNotFoundError: No module named 'site_config.settings_prod'"
    failure = cf.classify(output, BUILD_DIR, settings_module="site_config.settings_prod", app_modules={"site_config"})
    assert failure.title == "collectstatic failed: the settings module 'site_config.settings_prod' does not exist."
    assert "heroku config:get DJANGO_SETTINGS_MODULE" in failure.body


def test_cannot_import_name_suggests_pinning_versions():
    output = ["Traceback (most recent call last):",
              '  File "/tmp/build_0a1b2c3d/shop/views.py", line 1, in <module>',
              "    from django.utils.encoding import force_text",
              "ImportError: cannot import name 'force_text' from 'django.utils.encoding' "
              "(/app/.heroku/python/lib/python3.12/site-packages/django/utils/encoding.py)"]
    failure = cf.classify(output, BUILD_DIR)
    assert failure.title == "collectstatic failed: cannot import name 'force_text' from 'django.utils.encoding'."
    assert "pip freeze" in failure.body


def test_a_source_map_gets_its_own_hint():
    output = ["Post-processing 'vendor/lib.js' failed!", "", "Traceback (most recent call last):",
              '  File "/app/.heroku/python/lib/python3.12/site-packages/django/contrib/staticfiles/storage.py", '
              "line 144, in hashed_name",
              "ValueError: The file 'vendor/lib.js.map' could not be found with "
              "<django.contrib.staticfiles.storage.ManifestStaticFilesStorage object at 0x7f00>."]
    failure = cf.classify(output, BUILD_DIR)
    assert failure.title == "collectstatic failed: vendor/lib.js refers to vendor/lib.js.map, which does not exist."
    assert "sourceMappingURL" in failure.body


def test_unknown_failures_show_the_tail_and_the_switches():
    output = [f"line {i}" for i in range(40)] + ["CommandError: something odd"]
    failure = cf.classify(output, BUILD_DIR, returncode=2)
    assert failure.reason == "failed"
    assert failure.title == "collectstatic failed."
    assert "exited with status 2" in failure.body
    assert "    CommandError: something odd" in failure.body
    assert "line 25" not in failure.body  # only the last few lines
    assert "DEBUG_COLLECTSTATIC=1" in failure.body and "DISABLE_COLLECTSTATIC=1" in failure.body


def test_a_missing_database_url_names_the_add_on_that_sets_it():
    # django-environ's env.db() says it as env("SECRET_KEY") does.
    output = [line.replace("SECRET_KEY", "DATABASE_URL") for line in lines("py311_environ")]
    failure = cf.classify(output, BUILD_DIR, settings_module="site_config.settings",
                          app_modules={"site_config", "shop", "manage"})
    assert failure.title == "collectstatic failed: the settings need the DATABASE_URL variable."
    assert "heroku addons:create heroku-postgresql" in failure.body
    assert "config:set DATABASE_URL" not in failure.body
    assert "heroku config:set SECRET_KEY=..." in classify("py311_environ").body
