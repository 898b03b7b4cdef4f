"""Production checks: table tests of the decisions, then the real script against the fixture's settings.

test/fixtures/checks_app/site_config/settings.py is production-ready; each
other module there breaks one thing. The script runs under a python that has
Django (the dev venv's, as the app's python would at build time).
"""
from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from buildpack import commands, output
from buildpack.context import Context
from buildpack.django import process, startup_findings
from buildpack.django import project as django_step
from buildpack.django import settings_advice as advice

REPO = Path(__file__).resolve().parents[2]


def fixture_copy() -> Path:
    """checks_app copied out of the repository, once per test process: Django writes
    __pycache__ next to the settings it imports, and test/fixtures must stay as committed."""
    root = Path(tempfile.mkdtemp(prefix="checks_app_"))
    atexit.register(shutil.rmtree, str(root), True)
    return Path(shutil.copytree(str(REPO / "test" / "fixtures" / "checks_app"), str(root / "checks_app")))


FIXTURE = fixture_copy()
GOOD_KEY = "k3y-fr0m-a-c0nfig-var-" + "abcdefghijklmnopqrstuvwxyz0123456789"
GOOD_CONFIG = {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://user:hunter2@db.example.com:5432/app"}


def django_python() -> str:
    """The python that plays the app's: this one if it has Django (3.11 venv), else the dev venv's."""
    probe = subprocess.run([sys.executable, "-c", "import django"], capture_output=True)
    return sys.executable if probe.returncode == 0 else str(REPO / ".venv" / "bin" / "python")


DJANGO_PYTHON = django_python()

CLEAN: Dict[str, Any] = {
    "error": None,
    "startup_error": None,
    "django_version": "5.2.8",
    "debug": False,
    "allowed_hosts": [".herokuapp.com"],
    "database_engines": {"default": "django.db.backends.postgresql"},
    "secret_key": {"length": 58, "unique_characters": 40, "insecure_prefix": False, "from_config_var": True},
    "middleware": ["django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"],
    "static_url": "/static/",
    "staticfiles_installed": True,
    "staticfiles_backend": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "wsgi_mentions_whitenoise": False,
    "console_errors": True,
    "system_checks": [],
}


def facts(**changes: Any) -> Dict[str, Any]:
    return {**CLEAN, **changes}


def slugs(found: List[advice.Finding]) -> List[str]:
    return [finding.reason for finding in found]


def test_clean_facts_raise_nothing():
    assert advice.evaluate(CLEAN, {"SECRET_KEY", "DATABASE_URL"}, {"django": "5.2.8"}) == []


@pytest.mark.parametrize(
    "debug, expected",
    [(True, ["checks::debug"]), (False, []), (1, ["checks::debug"]), (None, [])],
)
def test_debug(debug, expected):
    assert slugs(advice.evaluate(facts(debug=debug), {"DATABASE_URL"}, {})) == expected


def test_debug_set_to_a_string_that_reads_false_is_explained():
    found = advice.evaluate(facts(debug=True, debug_false_string=True), {"DATABASE_URL"}, {})
    assert slugs(found) == ["checks::debug-string"]
    assert 'DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true")' in found[0].body


@pytest.mark.parametrize(
    "hosts, warns",
    [
        ([], True),
        ([""], True),  # os.environ.get("ALLOWED_HOSTS", "").split(",") with the config var unset
        (["localhost", "127.0.0.1", "[::1]"], True),
        (["LOCALHOST", ".localhost", "app.localhost", "127.0.1.1", "0.0.0.0", "::1"], True),
        (["*"], False),
        ([".herokuapp.com"], False),
        (["myapp.herokuapp.com", "localhost"], False),
        (["www.example.com"], False),
        (["10.0.0.5"], False),  # a private address is still not the machine itself
    ],
)
def test_allowed_hosts(hosts, warns):
    found = advice.allowed_hosts_finding(facts(allowed_hosts=hosts))
    assert (found is not None) == warns
    if found is not None:
        assert found.reason == "checks::allowed-hosts"
        assert ("ALLOWED_HOSTS is empty" in found.body) == (hosts == [])


def test_allowed_hosts_quotes_the_users_value():
    found = advice.allowed_hosts_finding(facts(allowed_hosts=["localhost", "127.0.0.1"]))
    assert "ALLOWED_HOSTS is ['localhost', '127.0.0.1']" in found.body


@pytest.mark.parametrize(
    "engine, config_vars, expected",
    [
        ("django.db.backends.sqlite3", set(), "checks::sqlite"),
        ("django.contrib.gis.db.backends.spatialite", set(), "checks::sqlite"),
        ("django.db.backends.sqlite3", {"DATABASE_URL"}, "checks::sqlite-ignores-database-url"),
        ("django.db.backends.postgresql", set(), None),  # another variable name, or a hard-coded server
        ("django.db.backends.postgresql", {"DATABASE_URL"}, None),
        ("", set(), "checks::no-database"),  # dj_database_url.config() without DATABASE_URL
        ("django.db.backends.dummy", set(), "checks::no-database"),
        ("", {"DATABASE_URL"}, None),
    ],
)
def test_database(engine, config_vars, expected):
    found = advice.evaluate(facts(database_engines={"default": engine}), config_vars, {})
    assert slugs(found) == ([expected] if expected else [])


def test_sqlite_on_another_alias_is_not_the_apps_database():
    engines = {"default": "django.db.backends.postgresql", "cache": "django.db.backends.sqlite3"}
    assert advice.database_finding(facts(database_engines=engines), False) is None


@pytest.mark.parametrize(
    "key, problems",
    [
        ({"length": 58, "unique_characters": 40, "insecure_prefix": False, "from_config_var": True}, []),
        ({"length": 66, "unique_characters": 30, "insecure_prefix": True, "from_config_var": True}, ["django-insecure-"]),
        ({"length": 20, "unique_characters": 15, "insecure_prefix": False, "from_config_var": True},
         ["only 20 characters"]),
        ({"length": 60, "unique_characters": 2, "insecure_prefix": False, "from_config_var": True},
         ["fewer than 5 different characters"]),
        ({"length": 58, "unique_characters": 40, "insecure_prefix": False, "from_config_var": False}, ["hard-coded"]),
        ({"length": 66, "unique_characters": 30, "insecure_prefix": True, "from_config_var": False},
         ["django-insecure-", "hard-coded"]),
        ({"length": 0, "unique_characters": 0, "insecure_prefix": False, "from_config_var": False}, ["is empty"]),
    ],
)
def test_secret_key(key, problems):
    found = advice.secret_key_finding(facts(secret_key=key))
    if not problems:
        assert found is None
        return
    assert found.reason == "checks::secret-key"
    reasons = [line for line in found.body.splitlines() if line.startswith("- ")]
    assert len(reasons) == len(problems)
    for reason, phrase in zip(reasons, problems):
        assert phrase in reason
    assert "its value is not shown" in found.body


@pytest.mark.parametrize(
    "named, config_var, fixes",
    [
        (None, None, ['SECRET_KEY = os.environ["SECRET_KEY"]', "heroku config:set SECRET_KEY="]),
        # The settings read another variable, not set: its fallback is used; setting SECRET_KEY would change nothing.
        ("DJANGO_SECRET_KEY", None, ["- it is the settings' fallback: the config var DJANGO_SECRET_KEY is not set",
                                     "1. Set a new random one", "heroku config:set DJANGO_SECRET_KEY="]),
        # Read from a config var already (too short): only a new value is needed, in that variable.
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY", ["1. Set a new random one", "heroku config:set DJANGO_SECRET_KEY="]),
    ],
)
def test_secret_key_fix_names_the_variable_the_app_reads(named, config_var, fixes):
    key = {"length": 20, "unique_characters": 15, "insecure_prefix": False, "from_config_var": config_var is not None,
           "config_var": config_var, "named_in_settings": named}
    body = advice.secret_key_finding(facts(secret_key=key)).body
    for fix in fixes:
        assert fix in body
    if named or config_var:
        assert "Read it from a config var" not in body  # the settings do already


@pytest.mark.parametrize(
    "changes, warns",
    [
        ({}, False),
        ({"middleware": ["django.middleware.security.SecurityMiddleware"]}, False),  # WhiteNoise storage alone
        ({"middleware": [], "staticfiles_backend": "django.contrib.staticfiles.storage.StaticFilesStorage"}, True),
        ({"middleware": [], "staticfiles_backend": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
         True),
        ({"middleware": [], "staticfiles_backend": None}, True),
        ({"middleware": [], "staticfiles_backend": None, "wsgi_mentions_whitenoise": True}, False),
        ({"middleware": [], "staticfiles_backend": None, "static_url": "https://cdn.example.com/static/"}, False),
        ({"middleware": [], "staticfiles_backend": None, "static_url": "//d1.cloudfront.net/"}, False),
        ({"middleware": [], "staticfiles_backend": "storages.backends.s3.S3Storage"}, False),
        ({"middleware": [], "staticfiles_backend": None, "staticfiles_installed": False}, False),
        ({"middleware": [], "staticfiles_backend": None, "static_url": None}, False),
    ],
)
def test_static_files(changes, warns):
    if "middleware" in changes and changes["middleware"] == ["django.middleware.security.SecurityMiddleware"]:
        # WhiteNoise's storage without its middleware still serves nothing.
        changes = {**changes, "staticfiles_backend": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        warns = True
    found = advice.static_finding(facts(**changes))
    assert (found is not None) == warns
    if found is not None:
        assert found.reason == "checks::static-files"
        assert f"STATIC_URL is {changes.get('static_url', '/static/')!r}" in found.body


@pytest.mark.parametrize(
    "debug, console_errors, warns",
    [(False, False, True), (False, True, False), (True, False, False), (False, None, False)],
)
def test_console_logging(debug, console_errors, warns):
    found = advice.logging_finding(facts(debug=debug, console_errors=console_errors))
    assert (found is not None) == warns


@pytest.mark.parametrize(
    "installed, django_version, expected",
    [
        ({"django-heroku": "0.3.1"}, "5.2.8", ["checks::django-heroku"]),
        ({"django-on-heroku": "1.1.2"}, "5.1", ["checks::django-on-heroku"]),
        ({"django-heroku": "0.3.1", "django-on-heroku": "1.1.2"}, "4.2.11",
         ["checks::django-heroku", "checks::django-on-heroku"]),
        ({"django": "5.2.8", "whitenoise": "6.9.0"}, "5.2.8", []),
    ],
)
def test_settings_helpers(installed, django_version, expected):
    found = advice.settings_helper_findings(installed, django_version)
    assert slugs(found) == expected
    for finding in found:
        assert "STATICFILES_STORAGE" in finding.body
        assert ("silently\nnot used" in finding.body) == (django_version >= "5.1")


def test_settings_helper_is_reported_even_when_the_settings_cannot_be_read():
    found = advice.evaluate({"error": {"type": "KeyError"}}, set(), {"django-heroku": "0.3.1"})
    assert slugs(found) == ["checks::django-heroku"]


def test_evaluate_reports_everything_in_a_stable_order():
    broken = facts(
        debug=True,
        allowed_hosts=["localhost"],
        database_engines={"default": "django.db.backends.sqlite3"},
        secret_key={"length": 10, "unique_characters": 9, "insecure_prefix": True, "from_config_var": False},
        middleware=[],
        staticfiles_backend=None,
    )
    assert slugs(advice.evaluate(broken, set(), {"django-heroku": "0.3.1"})) == [
        "checks::debug",
        "checks::allowed-hosts",
        "checks::sqlite",
        "checks::secret-key",
        "checks::static-files",
        "checks::django-heroku",
    ]


def test_every_finding_has_numbered_fixes():
    broken = facts(debug=False, allowed_hosts=[], database_engines={"default": "django.db.backends.sqlite3"},
                   secret_key={"length": 0}, middleware=[], staticfiles_backend=None, console_errors=False)
    found = advice.evaluate(broken, set(), {"django-heroku": "0.3.1"})
    found.extend(advice.check_errors_findings([{"id": "fields.E304", "level": 40, "deploy": False},
                                               {"id": "mail.E001", "level": 40, "deploy": True}]))
    found.append(advice.debug_finding(facts(debug=True)))
    found.append(startup_findings.startup_finding({"startup_error": {"type": "NameError", "message": "name 'x' is not defined",
                                                           "location": {"file": "a/urls.py", "line": 3}}}))
    assert len(found) == 10 and None not in found
    for finding in found:
        assert finding.title.endswith(".")
        assert "To fix it" in finding.body
        assert "\n1. " in finding.body or "To fix it: " in finding.body


@pytest.mark.parametrize(
    "issues, expected",
    [
        ([], ["manage.py check --deploy: no issues"]),
        (
            [{"id": "security.W018", "level": 30}, {"id": "security.W004", "level": 30}],
            ["manage.py check --deploy: 2 warnings: security.W004, security.W018"],
        ),
        (
            [{"id": "admin.E108", "level": 40}, {"id": "admin.E108", "level": 40}, {"id": "security.W008", "level": 30},
             {"id": None, "level": 20}, {"id": "x.C001", "level": 50}],
            [
                "manage.py check --deploy: 1 critical: x.C001",
                "manage.py check --deploy: 2 errors: admin.E108 (x2)",
                "manage.py check --deploy: 1 warning: security.W008",
                "manage.py check --deploy: 1 info: (no id)",
            ],
        ),
    ],
)
def test_deploy_check_summary(issues, expected):
    lines = advice.summarize_deploy_checks(issues)
    assert lines[: len(expected)] == expected
    if issues:
        assert lines[-1] == "To read them: heroku run python manage.py check --deploy"
        assert len(lines) == len(expected) + 1


def test_deploy_check_summary_runs_the_apps_own_manage_py():
    lines = advice.summarize_deploy_checks([{"id": "security.W008", "level": 30}], "backend/manage.py")
    assert lines[-1] == "To read them: heroku run python backend/manage.py check --deploy"


def test_only_ordinary_check_errors_are_said_to_stop_migrate():
    assert advice.check_errors_findings([{"id": "security.W018", "level": 30, "deploy": True}]) == []
    blocking, deploy_only = advice.check_errors_findings([
        {"id": "fields.E304", "level": 40, "deploy": False}, {"id": "x.C1", "level": 50, "deploy": False},
        {"id": "mail.E001", "level": 40, "deploy": True},
    ])
    assert blocking.reason == "checks::system-check-errors"
    assert blocking.title == "Django's system checks report errors: fields.E304, x.C1."
    assert "`manage.py migrate` refuses to run" in blocking.body
    assert deploy_only.reason == "checks::deploy-check-errors"
    assert deploy_only.title == "manage.py check --deploy reports errors: mail.E001."
    assert "refuse" not in deploy_only.body and "do\nnot stop `migrate`" in deploy_only.body


def test_django_that_cannot_start_is_named_with_its_file_and_line(capsys):
    found = startup_findings.startup_finding({
        "startup_error": {"type": "NameError", "message": "name 'extra' is not defined TOKEN-123456789",
                          "location": {"file": "shop/urls.py", "line": 5}},
        "startup_stage": "loading the URL configuration (ROOT_URLCONF)", "root_urlconf": "shop.urls",
    })
    assert found.title == "Django cannot start: NameError in shop/urls.py, line 5."
    assert found.body.splitlines()[:3] == [
        "Loading the URL configuration (ROOT_URLCONF 'shop.urls') failed:",
        "    NameError: name 'extra' is not defined TOKEN-123456789",
        "    at shop/urls.py, line 5",
    ]
    # A config var's value in the app's message is masked where the warning is printed.
    output.hide({"API_TOKEN": "TOKEN-123456789"})
    try:
        output.warning(found.title, found.body)
    finally:
        output.hide({})
    err = capsys.readouterr().err
    assert "NameError: name 'extra' is not defined ****" in err and "TOKEN-123456789" not in err
    assert "The release phase (`manage.py migrate`) and every web request will" in found.body
    assert startup_findings.startup_finding({"startup_error": None}) is None
    bare = startup_findings.startup_finding({"startup_error": {"type": "RuntimeError", "location": None}})
    assert bare.title == "Django cannot start: RuntimeError."


def test_django_that_cannot_start_for_a_library_the_stack_lacks_gets_the_buildpack_that_adds_it():
    found = startup_findings.startup_finding({
        "startup_error": {"type": "ImproperlyConfigured", "message": 'Could not find the GDAL library (tried "gdal").',
                          "location": {"file": "places/models.py", "line": 2}},
        "startup_stage": "loading the apps (INSTALLED_APPS)",
    })
    assert found.reason == "checks::django-cannot-start"
    assert "It needs the GDAL library, which Heroku's stack image does not have." in found.body
    assert "heroku buildpacks:add --index 1 https://github.com/heroku/heroku-geo-buildpack.git" in found.body
    assert "manage.py check` locally" not in found.body


def test_django_that_cannot_start_on_a_module_python_removed_is_told_which_python_has_it():
    found = startup_findings.startup_finding({
        "startup_error": {"type": "ModuleNotFoundError", "message": "No module named 'distutils'", "location": None},
        "startup_stage": "loading the apps (INSTALLED_APPS)",
    })
    assert "'distutils' was part of Python's standard library until Python\n3.11;" in found.body
    assert "holding 3.11, committed." in found.body and "Or add setuptools to the requirements" in found.body


def test_settings_that_read_port_at_import_are_told_to_use_a_default_not_a_config_var():
    found = startup_findings.settings_import_finding({"error": {"type": "KeyError", "environment_variable": "PORT",
                                                      "location": {"file": "shop/settings.py", "line": 3}}})
    assert "    KeyError: 'PORT'\n" in found.body
    assert "The code reads PORT, which only a running dyno has." in found.body
    assert 'os.environ.get("PORT", "...")' in found.body and "config:set" not in found.body


# --- the real script, under a python with Django, against the fixture's settings modules ---


def run_script(module: str, config: Dict[str, str]) -> Dict[str, Any]:
    return json.loads(_run_script(module, json.dumps(config, sort_keys=True)))  # a fresh copy per test


def ask_process(module: str, config: Dict[str, str], names: List[str]) -> Tuple[Dict[str, Any], str]:
    """The build's Django process asked for the checks: (facts, everything it printed)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": f"site_config.{module}", **config}
    options = json.dumps({"manage_py": "manage.py", "config_var_names": names})
    child = commands.Conversation([DJANGO_PYTHON, str(process.SCRIPT), options], env, cwd=FIXTURE)
    lines: List[str] = []
    assert child.wait_for("inspected", 60, lines.append) is not None
    child.send({"run": "checks"})
    answer = child.wait_for("checks", 60, lines.append)
    assert child.finish(30) == 0
    assert answer is not None, lines
    return answer["facts"], "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _run_script(module: str, config_json: str) -> str:
    """Django starts in about a second: each settings module and config runs once per session."""
    config = json.loads(config_json)
    return json.dumps(ask_process(module, config, sorted(set(config) | {"DJANGO_SETTINGS_MODULE"}))[0])


@pytest.mark.parametrize(
    "module, config, expected",
    [
        ("settings", GOOD_CONFIG, []),
        ("chatty", GOOD_CONFIG, []),
        ("debug_on", GOOD_CONFIG, ["checks::debug"]),
        ("settings", {**GOOD_CONFIG, "DEBUG": "1"}, ["checks::debug"]),
        ("debug_from_env", {**GOOD_CONFIG, "DEBUG": "False"}, ["checks::debug-string"]),
        ("debug_from_env", {**GOOD_CONFIG, "DEBUG": "True"}, ["checks::debug"]),
        ("debug_from_env", GOOD_CONFIG, []),
        ("local_hosts", GOOD_CONFIG, ["checks::allowed-hosts"]),
        ("sqlite", {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://u:p@h/d"}, ["checks::sqlite-ignores-database-url"]),
        ("insecure_key", GOOD_CONFIG, ["checks::secret-key"]),
        ("debug_default_on", GOOD_CONFIG, ["checks::debug"]),
        ("debug_default_on", {**GOOD_CONFIG, "SITE_DEBUG": "False"}, []),
        ("no_database", {"SECRET_KEY": GOOD_KEY}, ["checks::no-database"]),
        ("no_static", GOOD_CONFIG, ["checks::static-files"]),
        ("no_console_log", GOOD_CONFIG, ["checks::logging"]),
        # With DEBUG on, Django's default logging does reach the console.
        ("no_console_log", {**GOOD_CONFIG, "DEBUG": "1"}, ["checks::debug"]),
        ("unready", {}, ["checks::debug", "checks::allowed-hosts", "checks::sqlite", "checks::secret-key",
                         "checks::static-files"]),
    ],
)
def test_fixture_settings(module, config, expected):
    found = run_script(module, config)
    assert found["error"] is None and found["startup_error"] is None
    assert slugs(advice.evaluate(found, set(config), {"django": found["django_version"]})) == expected


@pytest.mark.parametrize("config, says", [
    # healthchecks' `DEBUG = envbool("DEBUG", "True")`: unsetting the config var keeps DEBUG on.
    (GOOD_CONFIG, "the config var SITE_DEBUG, which is not\nset, and without it they turn DEBUG on."),
    ({**GOOD_CONFIG, "SITE_DEBUG": "True"}, "the config var SITE_DEBUG, and its\nvalue turns DEBUG on."),
])
def test_debug_read_from_a_config_var_is_fixed_by_setting_that_config_var(config, says):
    found = advice.evaluate(run_script("debug_default_on", config), set(config), {})
    assert slugs(found) == ["checks::debug"]
    assert says in found[0].body
    assert "`heroku config:set SITE_DEBUG=False`" in found[0].body
    assert "config:unset" not in found[0].body


def test_debug_read_as_a_string_is_not_fixed_by_a_config_var_value():
    found = advice.evaluate(run_script("debug_from_env", {**GOOD_CONFIG, "DEBUG": "True"}), set(GOOD_CONFIG), {})
    assert slugs(found) == ["checks::debug"]
    assert "heroku config:set DEBUG=False" not in found[0].body  # "False" would be true too


def test_sqlite_fixture_without_database_url():
    found = run_script("sqlite", {"SECRET_KEY": GOOD_KEY})
    assert slugs(advice.evaluate(found, {"SECRET_KEY"}, {})) == ["checks::sqlite"]


def test_script_reports_the_deploy_checks_marked_deploy_only():
    assert run_script("settings", GOOD_CONFIG)["system_checks"] == []
    assert run_script("debug_on", GOOD_CONFIG)["system_checks"] == [
        {"id": "security.W018", "level": 30, "deploy": True}]


def test_script_describes_the_secret_key_without_its_value():
    found, printed = ask_process("settings", GOOD_CONFIG, ["SECRET_KEY", "DATABASE_URL"])
    assert GOOD_KEY not in printed + json.dumps(found)
    assert "hunter2" not in printed + json.dumps(found)
    assert found["secret_key"] == {"length": len(GOOD_KEY), "unique_characters": len(set(GOOD_KEY)),
                                   "insecure_prefix": False, "from_config_var": True, "config_var": "SECRET_KEY",
                                   "named_in_settings": "SECRET_KEY", "named_is_set": True}


def test_script_names_the_variable_the_settings_read_the_key_from():
    found, _ = ask_process("named_key", GOOD_CONFIG, ["SECRET_KEY", "DATABASE_URL"])
    assert found["secret_key"]["from_config_var"] is False  # DJANGO_SECRET_KEY is not set: the fallback
    assert found["secret_key"]["named_in_settings"] == "DJANGO_SECRET_KEY"
    assert found["secret_key"]["named_is_set"] is False


def test_a_key_hard_coded_over_the_config_var_is_not_called_a_fallback():
    found, _ = ask_process("insecure_key", GOOD_CONFIG, ["SECRET_KEY", "DATABASE_URL"])
    assert found["secret_key"]["named_is_set"] is True  # settings.py reads SECRET_KEY, insecure_key.py overrides it
    body = advice.secret_key_finding(found).body
    assert "- it is hard-coded in the settings: no config var holds it" in body


def test_script_reports_an_import_error_by_type_only():
    found = run_script("settings", {"DATABASE_URL": "postgres://u:p@h/d"})  # no SECRET_KEY: os.environ[...] fails
    assert found["error"]["type"] == "KeyError"
    assert "message" not in found["error"]  # a KeyError's message is a value's name or the value itself
    assert found["error"]["environment_variable"] == "SECRET_KEY"  # but os.environ's key is a name
    assert "secret_key" not in found


def test_script_names_no_variable_for_a_key_error_of_another_mapping():
    found = run_script("dict_key", {"SECRET_KEY": "x" * 50})
    assert found["error"]["type"] == "KeyError"
    assert "message" not in found["error"] and "environment_variable" not in found["error"]


# --- the step, with the Django python standing in for /app/.heroku/python ---


@pytest.fixture
def step_ctx(tmp_path, monkeypatch):
    monkeypatch.setattr(Context, "app_python", property(lambda self: Path(DJANGO_PYTHON)))

    def make(config: Dict[str, str]) -> Context:
        env_dir = tmp_path / "env"
        env_dir.mkdir(exist_ok=True)
        for name, value in config.items():
            (env_dir / name).write_text(value)
        return Context.from_args([str(FIXTURE), "", str(env_dir)], {"PATH": "/usr/bin:/bin", "STACK": "heroku-24"})

    return make


def fixture_app(ctx: Context) -> django_step.DjangoApp:
    """The fixture app, its Django process started and asked about the settings (as compile does)."""
    app = django_step.DjangoApp(manage_py=FIXTURE / "manage.py", project_dir=".",
                                settings_module="site_config.settings")
    django_step.ask_django(ctx, app)
    return app


def test_step_warns_with_fixes_and_never_prints_the_secret_key(step_ctx, capsys):
    short_key = "sh0rt-s3cret-valu3"
    ctx = step_ctx({"SECRET_KEY": short_key, "DATABASE_URL": "postgres://user:hunter2@db:5432/app",
                    "DJANGO_SETTINGS_MODULE": "site_config.debug_on"})
    found = advice.run(ctx, fixture_app(ctx), {"django": "5.2.8", "django-heroku": "0.3.1"})
    out, err = capsys.readouterr()
    assert slugs(found) == ["checks::debug", "checks::secret-key", "checks::django-heroku"]
    assert out.splitlines() == [
        "-----> Checking the Django settings for production",
        "       manage.py check --deploy: 2 warnings: security.W009, security.W018",
        "       To read them: heroku run python manage.py check --deploy",
        "       3 warnings about the settings: see below",
    ]
    assert " !     Warning: DEBUG is on in the settings the dyno will use." in err
    assert " !     - it is only 18 characters long (Django asks for at least 50)" in err
    assert short_key not in out + err
    assert "hunter2" not in out + err


def test_step_on_production_ready_settings(step_ctx, capsys):
    ctx = step_ctx(GOOD_CONFIG)
    assert advice.run(ctx, fixture_app(ctx), {"django": "5.2.8"}) == []
    out, err = capsys.readouterr()
    assert out.splitlines()[-2:] == ["       manage.py check --deploy: no issues", "       No problems found"]
    assert err == ""


def test_settings_that_do_not_import_are_a_warning_not_no_problems(step_ctx, capsys):
    """With DISABLE_COLLECTSTATIC nothing else says so before the release phase fails."""
    ctx = step_ctx({"DATABASE_URL": "postgres://u:p@h/d"})
    found = advice.run(ctx, fixture_app(ctx), {"django": "5.2.8"})
    out, err = capsys.readouterr()
    assert slugs(found) == ["checks::settings-do-not-import"]
    assert "The settings could not be imported (KeyError); the checks were skipped" in out
    assert "No problems found" not in out
    assert " !     Warning: Django cannot import the settings: KeyError in site_config/settings.py, line " in err
    assert "release phase (`manage.py migrate`) and every web request will" in err
    assert " !         KeyError: 'SECRET_KEY'\n" in err
    assert " !     The code reads the environment variable SECRET_KEY, which is not set\n" in err
    assert " !     1. Set it: heroku config:set SECRET_KEY=...\n" in err


class FakeConversation:
    """A Django process that ends at once, without a word."""

    seen: Dict[str, Any] = {}

    def __init__(self, argv, env, cwd=None):
        FakeConversation.seen["argv"] = list(argv)
        self.tail: List[str] = []
        self.timed_out = False

    def wait_for(self, kind, time_limit, on_line=None):
        return None

    def send(self, request):
        pass

    def finish(self, time_limit):
        return 1


def test_step_passes_config_var_names_never_values(step_ctx, monkeypatch, capsys):
    monkeypatch.setattr(commands, "Conversation", FakeConversation)
    ctx = step_ctx({"SECRET_KEY": "v4lue-0f-the-key", "PATH": "/evil"})
    assert advice.run(ctx, fixture_app(ctx), {}) == []
    argv = FakeConversation.seen["argv"]
    assert json.loads(argv[-1])["config_var_names"] == ["SECRET_KEY"]  # PATH is denylisted, values never on argv
    assert not any("v4lue-0f-the-key" in part for part in argv)
    assert "The Django process ended before the checks could run (exit status 1); skipped" in capsys.readouterr().out


def test_step_never_fails_the_build(step_ctx, monkeypatch, capsys):
    def broken(argv, env, cwd=None):
        raise OSError(2, "No such file or directory")

    monkeypatch.setattr(commands, "Conversation", broken)
    assert advice.run(step_ctx({}), fixture_app(step_ctx({})), {}) == []
    assert "The Django process ended before the checks could run (exit status 127); skipped" in capsys.readouterr().out


def test_a_database_error_while_starting_is_not_said_to_stop_the_app():
    # The build has no database; the dyno will: an URLconf that queries it at import is not broken.
    assert startup_findings.startup_finding({"startup_error": {"type": "OperationalError", "database": True,
                                                     "location": None}}) is None


# --- manage.py and the web process's module defaulting to different settings ---------------------


def split_settings_project(root: Path, wsgi_default: str = "config.settings.production") -> Path:
    """cookiecutter-django's layout: manage.py defaults to local settings, wsgi.py to production."""
    (root / "config" / "settings").mkdir(parents=True)
    (root / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")\n')
    (root / "config" / "wsgi.py").write_text(
        "import os\n"
        "# os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.test')\n"
        f'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{wsgi_default}")\n'
        "application = None\n")
    return root


def split_app(root: Path, source: str = "manage.py") -> django_step.DjangoApp:
    return django_step.DjangoApp(manage_py=root / "manage.py", project_dir=".", settings_module="config.settings.local",
                                 settings_source=source, wsgi_application="config.wsgi.application")


def test_web_settings_that_differ_from_manage_pys_are_named_with_the_config_var_that_fixes_it(tmp_path):
    finding = advice.web_settings_of(split_app(split_settings_project(tmp_path)))
    assert finding is not None and finding.reason == "checks::web-settings-differ"
    assert "config/wsgi.py to config.settings.production" in finding.body  # the comment is not read
    assert "use config.settings.local; the web process\nuses config.settings.production" in finding.body
    assert "heroku config:set DJANGO_SETTINGS_MODULE=config.settings.production" in finding.body


@pytest.mark.parametrize("wsgi_default, source", [
    ("config.settings.local", "manage.py"),  # both default to the same settings
    ("config.settings.production", django_step.CONFIG_VAR_SOURCE),  # the config var wins over both defaults
])
def test_no_web_settings_warning_when_every_process_gets_the_same_settings(tmp_path, wsgi_default, source):
    assert advice.web_settings_of(split_app(split_settings_project(tmp_path, wsgi_default), source)) is None


def test_no_web_settings_warning_without_a_web_module_default(tmp_path):
    root = split_settings_project(tmp_path)
    (root / "config" / "wsgi.py").write_text("application = None\n")
    assert advice.web_settings_of(split_app(root)) is None
    app = split_app(root)
    app.wsgi_application = None
    assert advice.web_settings_of(app) is None


def development_settings_project(root: Path, production: str = "production") -> django_step.DjangoApp:
    """Wagtail's template: manage.py and wsgi.py both default to x.settings.dev; x.settings.production waits."""
    settings = root / "mysite" / "settings"
    settings.mkdir(parents=True)
    for name in ("__init__", "base", "dev", production):
        (settings / f"{name}.py").write_text("")
    (root / "mysite" / "wsgi.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.dev")\n')
    (root / "manage.py").write_text('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.dev")\n')
    return django_step.DjangoApp(manage_py=root / "manage.py", project_dir=".", settings_module="mysite.settings.dev",
                                 wsgi_application="mysite.wsgi.application")


@pytest.mark.parametrize("production", ["production", "prod", "heroku"])
def test_development_settings_for_every_process_name_the_production_ones_beside_them(tmp_path, production):
    finding = advice.settings_choice_of(development_settings_project(tmp_path, production))
    assert finding is not None and finding.reason == "checks::production-settings-unused"
    assert finding.title == "Every process uses the development settings mysite.settings.dev."
    assert f"heroku config:set DJANGO_SETTINGS_MODULE=mysite.settings.{production}" in finding.body


def test_no_production_settings_warning_without_them_or_with_the_config_var(tmp_path):
    app = development_settings_project(tmp_path, production="staging")
    assert advice.settings_choice_of(app) is None  # nothing named for production beside dev
    app = development_settings_project(tmp_path / "chosen")
    app.settings_source = django_step.CONFIG_VAR_SOURCE
    assert advice.settings_choice_of(app) is None


def test_the_web_settings_warning_wins_over_the_production_settings_one(tmp_path):
    app = development_settings_project(tmp_path)
    (tmp_path / "mysite" / "wsgi.py").write_text(
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.production")\n')
    assert advice.settings_choice_of(app).reason == "checks::web-settings-differ"
