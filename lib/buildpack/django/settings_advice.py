"""The production checks step: warnings about settings that will hurt on Heroku.

After install (and collectstatic), the build's Django process
(scripts/django_process.py) reads the settings the dyno will use, with the
app's config vars, loads the apps and the URLconf, runs the system checks, and
reports facts; every decision is a pure function of those facts here, so it is table
tested. Each problem is a warning with its fix, never a failure: the app may
have reasons we cannot see. No secret value ever reaches the build log, not
even SECRET_KEY's (the script reports its length and origin only).
"""
from __future__ import annotations

import shlex
from collections import Counter
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional

from buildpack import commands, output, reasons, version_numbers
from buildpack.context import Context
from buildpack.django import project
from buildpack.django.startup_findings import settings_import_finding, startup_finding
from buildpack.errors import DOCS_STATIC_ASSETS, Finding, StepTimeoutError

# Hosts that only ever match a request made on the machine itself.
LOCAL_HOSTS = frozenset({"", "localhost", ".localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"})
SETTINGS_HELPERS = {"django-heroku": reasons.CHECKS_DJANGO_HEROKU, "django-on-heroku": reasons.CHECKS_DJANGO_ON_HEROKU}
# Django's own rule (security.W009): at least 50 characters, at least 5 different ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
LEVEL_NAMES = ((50, "critical"), (40, "error"), (30, "warning"), (20, "info"), (10, "debug"))


def is_local_host(host: str) -> bool:
    host = host.strip().lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def quote_list(values: List[str], limit: int = 8) -> str:
    shown = ", ".join(repr(value) for value in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def debug_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    if not facts.get("debug"):
        return None
    if facts.get("debug_false_string"):
        return Finding(
            reasons.CHECKS_DEBUG_STRING,
            "DEBUG is on: the settings set it to a string that reads false.",
            'DEBUG is a string such as "False" or "0", read from an environment\n'
            "variable without converting it. Python takes every non-empty string\n"
            "for true, so Django runs with DEBUG on: every error page shows\n"
            "visitors the code, the settings and the environment around the error.\n\n"
            "To fix it: compare the string in the settings, for example\n"
            '   DEBUG = os.environ.get("DEBUG", "").lower() in ("1", "true")',
        )
    variable = facts.get("debug_variable")
    if not variable:
        fix = ("To fix it:\n"
               "1. Read DEBUG from a config var in the settings, for example\n"
               '   DEBUG = os.environ.get("DEBUG") == "1"\n'
               "2. Leave that config var unset on Heroku: `heroku config:unset DEBUG`.")
    elif facts.get("debug_variable_set"):
        fix = (f"The settings read DEBUG from the config var {variable}, and its\n"
               "value turns DEBUG on.\n\n"
               f"To fix it: `heroku config:set {variable}=False`.")
    else:
        # The settings read a config var, and default to DEBUG on when it is not set.
        fix = (f"The settings read DEBUG from the config var {variable}, which is not\n"
               "set, and without it they turn DEBUG on.\n\n"
               f"To fix it: `heroku config:set {variable}=False` (or make the\n"
               "settings' default off, so that only a machine that sets it gets\n"
               "DEBUG on).")
    return Finding(
        reasons.CHECKS_DEBUG,
        "DEBUG is on in the settings the dyno will use.",
        "With this app's config vars, the settings set DEBUG = True.\n"
        "With DEBUG on, every error page shows visitors the code, the\n"
        "settings and the environment around the error, and Django keeps\n"
        "every SQL query in memory.\n\n" + fix,
    )


def allowed_hosts_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    hosts = [str(host) for host in facts.get("allowed_hosts") or []]
    if any(not is_local_host(host) for host in hosts):
        return None
    found = f"ALLOWED_HOSTS is {quote_list(hosts)}" if hosts else "ALLOWED_HOSTS is empty"
    return Finding(
        reasons.CHECKS_ALLOWED_HOSTS,
        "ALLOWED_HOSTS will reject every request to the app.",
        f"{found}: it only allows requests made to the machine\n"
        "itself. Django answers 400 Bad Request for any other host name, so\n"
        "the app's herokuapp.com address and custom domains would fail.\n\n"
        "To fix it: add the host names the app is reached by:\n"
        "1. In the settings:\n"
        '   ALLOWED_HOSTS = [".herokuapp.com", "www.example.com"]\n'
        "2. Or read them from a config var:\n"
        '   ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").split(",")\n'
        "   and run `heroku config:set ALLOWED_HOSTS=<app>.herokuapp.com`.",
    )


def database_finding(facts: Mapping[str, Any], database_url_set: bool) -> Optional[Finding]:
    engines = facts.get("database_engines")
    engine = (engines or {}).get("default") or ""
    if isinstance(engines, dict) and engine in ("", "django.db.backends.dummy") and not database_url_set:
        return no_database_finding()
    if "sqlite" not in engine and "spatialite" not in engine:
        return None
    why = (
        "A dyno's filesystem is ephemeral: the database file is lost on every\n"
        "deploy and every restart (at least daily), and each dyno has its own.\n\n"
    )
    read_it = (
        "Read DATABASE_URL in the settings (pip install dj-database-url):\n"
        '   DATABASES = {"default": dj_database_url.config(conn_max_age=600)}'
    )
    if database_url_set:
        return Finding(
            reasons.CHECKS_SQLITE_IGNORES_DATABASE_URL,
            "The settings use SQLite although DATABASE_URL is set.",
            f"The app has a DATABASE_URL config var, but DATABASES['default']\n"
            f"still uses {engine!r}: the settings do not read it.\n" + why + "To fix it:\n1. " + read_it,
        )
    return Finding(
        reasons.CHECKS_SQLITE,
        "The database is SQLite: its data will not survive on Heroku.",
        f"DATABASES['default'] uses {engine!r} and the app has no\n"
        "DATABASE_URL config var.\n" + why + "To fix it:\n"
        "1. Add a database: `heroku addons:create heroku-postgresql`\n"
        "   (it sets the DATABASE_URL config var).\n"
        "2. " + read_it,
    )


def no_database_finding() -> Finding:
    """DATABASES['default'] empty: `dj_database_url.config()` with no DATABASE_URL gives {}."""
    return Finding(
        reasons.CHECKS_NO_DATABASE,
        "No database is configured: migrate will fail.",
        "DATABASES['default'] names no database ENGINE, and the app has no\n"
        "DATABASE_URL config var (dj_database_url.config() gives {} without\n"
        "one). Every query, and `manage.py migrate` in the release phase,\n"
        "fails with \"settings.DATABASES is improperly configured\".\n\n"
        "To fix it: add a database, `heroku addons:create heroku-postgresql`\n"
        "(it sets the DATABASE_URL config var), and deploy again.",
    )


def secret_key_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    key = facts.get("secret_key")
    if not isinstance(key, dict):
        return None
    length = int(key.get("length") or 0)
    # The settings read a config var that is not set, and fall back to a key of their own.
    fallback = bool(key.get("named_in_settings")) and not key.get("named_is_set") and not key.get("from_config_var")
    problems = []
    if length == 0:
        problems.append("it is empty, and Django refuses to start without one")
    else:
        if key.get("insecure_prefix"):
            problems.append("it starts with 'django-insecure-', the placeholder `startproject` writes")
        if length < SECRET_KEY_MIN_LENGTH:
            problems.append(f"it is only {length} characters long (Django asks for at least {SECRET_KEY_MIN_LENGTH})")
        elif int(key.get("unique_characters") or 0) < SECRET_KEY_MIN_UNIQUE:
            problems.append(f"it has fewer than {SECRET_KEY_MIN_UNIQUE} different characters")
        if fallback:
            problems.append(f"it is the settings' fallback: the config var {key['named_in_settings']} is not set")
        elif not key.get("from_config_var"):
            problems.append("it is hard-coded in the settings: no config var holds it")
    if not problems:
        return None
    # The config var the app reads: the one that holds the key, else the one its settings name.
    variable = str(key.get("config_var") or key.get("named_in_settings") or "SECRET_KEY")
    read_it = ("" if key.get("from_config_var") or fallback else
               f'1. Read it from a config var: SECRET_KEY = os.environ["{variable}"]\n')
    return Finding(
        reasons.CHECKS_SECRET_KEY,
        "SECRET_KEY is not safe for production.",
        "The SECRET_KEY the dyno will use (its value is not shown):\n"
        + "".join(f"- {problem}\n" for problem in problems)
        + "Django signs sessions, password-reset links and CSRF tokens with\n"
        "it: whoever knows it can forge them.\n\n"
        "To fix it:\n"
        + read_it
        + f"{'2' if read_it else '1'}. Set a new random one (and keep it out of the code):\n"
        f"   heroku config:set {variable}=\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\"",
    )


def static_is_served(facts: Mapping[str, Any]) -> bool:
    if not facts.get("staticfiles_installed") or facts.get("static_url") is None:
        return True  # no static files to serve
    if any(str(entry).startswith("whitenoise.") for entry in facts.get("middleware") or []):
        return True
    if facts.get("wsgi_mentions_whitenoise"):
        return True  # the older WhiteNoise(application) wrapper in wsgi.py
    if str(facts.get("static_url")).startswith(("http://", "https://", "//")):
        return True  # a CDN or a bucket
    backend = str(facts.get("staticfiles_backend") or "")
    # Anything but Django's and WhiteNoise's own storages sends the files elsewhere (S3, Cloudinary...).
    return bool(backend) and not backend.startswith(("django.", "whitenoise."))


def static_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    if static_is_served(facts):
        return None
    return Finding(
        reasons.CHECKS_STATIC_FILES,
        "Nothing will serve the static files.",
        f"STATIC_URL is {str(facts.get('static_url'))!r}, MIDDLEWARE has no WhiteNoise, and\n"
        "the static files stay on the dyno. gunicorn does not serve them, and\n"
        "Django only does with DEBUG on under runserver, so CSS, JavaScript\n"
        "and the admin's styles would all be 404s.\n\n"
        "To fix it:\n"
        "1. Add whitenoise to requirements.txt.\n"
        '2. Add "whitenoise.middleware.WhiteNoiseMiddleware" to MIDDLEWARE,\n'
        "   right after SecurityMiddleware.\n"
        "3. Or serve them from a CDN or a bucket, with STATIC_URL set to its\n"
        "   https:// address.",
        DOCS_STATIC_ASSETS,
    )


def logging_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    if facts.get("debug") or facts.get("console_errors") is not False:
        return None  # with DEBUG on, Django's default logs to the console; None = unknown
    return Finding(
        reasons.CHECKS_LOGGING,
        "Errors will not reach `heroku logs`.",
        "With DEBUG off, no logging handler writes Django's error reports\n"
        "(the django.request logger) to the console; Django's default only\n"
        "emails them to ADMINS. A 500 error would leave no traceback in the\n"
        "app's logs.\n\n"
        "To fix it:\n"
        "1. Add a console handler to LOGGING in the settings, for example\n"
        '   LOGGING = {"version": 1, "disable_existing_loggers": False,\n'
        '              "handlers": {"console": {"class": "logging.StreamHandler"}},\n'
        '              "root": {"handlers": ["console"], "level": "INFO"}}\n'
        "2. If errors go somewhere else on purpose (Sentry, a log service),\n"
        "   this warning can be ignored.",
    )


def settings_helper_findings(installed: Mapping[str, str], django_version: Optional[str]) -> List[Finding]:
    found = []
    for name in SETTINGS_HELPERS:
        if name not in installed:
            continue
        if django_version and version_numbers.release(django_version) >= (5, 1):
            effect = (
                f"This app has Django {django_version}, which ignores that setting: the\n"
                "compressed, cache-busting WhiteNoise storage it asks for is silently\n"
                "not used."
            )
        else:
            effect = "Upgrading to Django 5.1 or later will silently stop that setting."
        found.append(
            Finding(
                SETTINGS_HELPERS[name],
                f"{name} is installed; it does not work with current Django.",
                f"{name} {installed[name]} is installed. Its settings() sets\n"
                "STATICFILES_STORAGE, which Django 4.2 deprecated and 5.1 removed.\n"
                f"{effect}\n\n"
                "To fix it:\n"
                f"1. Remove {name} from requirements.txt and its settings(locals())\n"
                "   call from the settings.\n"
                "2. Configure what it did directly: DATABASES with dj-database-url,\n"
                '   STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},\n'
                '               "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},\n'
                "   WhiteNoise in MIDDLEWARE and a console handler in LOGGING.",
            )
        )
    return found


def web_settings_finding(build_settings: str, web_module_file: str, web_settings: str) -> Finding:
    """manage.py and the web process's module each default DJANGO_SETTINGS_MODULE, to
    different settings (cookiecutter-django's local/production split), and no config
    var chooses: the build and the release phase would use one, the web dynos the other."""
    return Finding(
        reasons.CHECKS_WEB_SETTINGS_DIFFER,
        "The web process and manage.py default to different settings.",
        f"manage.py defaults DJANGO_SETTINGS_MODULE to {build_settings},\n"
        f"{web_module_file} to {web_settings}, and no config var chooses\n"
        "between them. So collectstatic, these checks and the release phase\n"
        f"(manage.py migrate) use {build_settings}; the web process\n"
        f"uses {web_settings}.\n\n"
        "To fix it: choose the settings of every process with a config var:\n"
        f"   heroku config:set DJANGO_SETTINGS_MODULE={web_settings}\n"
        f"(or make manage.py and {web_module_file} default to the same module).",
    )


def web_settings_of(app: project.DjangoApp) -> Optional[Finding]:
    differ = project.web_settings_default(app)
    if differ is None or not app.settings_module:
        return None
    return web_settings_finding(app.settings_module, *differ)


def production_settings_finding(build_settings: str, production_settings: str) -> Finding:
    return Finding(
        reasons.CHECKS_PRODUCTION_SETTINGS_UNUSED,
        f"Every process uses the development settings {build_settings}.",
        f"manage.py defaults DJANGO_SETTINGS_MODULE to {build_settings}, and\n"
        "no config var chooses other settings, so the build, the release phase\n"
        f"and the web process all use them; {production_settings} is not used.\n\n"
        "To fix it: if those are the settings for Heroku, choose them with a\n"
        "config var:\n"
        f"   heroku config:set DJANGO_SETTINGS_MODULE={production_settings}",
    )


def settings_choice_of(app: project.DjangoApp) -> Optional[Finding]:
    """Whether the settings manage.py chose are the ones the site should run on."""
    web = web_settings_of(app)
    if web is not None or not app.settings_module:
        return web
    production = project.unused_production_settings(app)
    return production_settings_finding(app.settings_module, production) if production else None


def evaluate(facts: Mapping[str, Any], config_var_names: Collection[str], installed: Mapping[str, str]) -> List[Finding]:
    """Every warning the facts call for, in the order the build log shows them."""
    findings: List[Finding] = []
    if facts.get("error") is None:
        for finding in (
            debug_finding(facts),
            allowed_hosts_finding(facts),
            database_finding(facts, "DATABASE_URL" in config_var_names),
            secret_key_finding(facts),
            static_finding(facts),
            logging_finding(facts),
        ):
            if finding is not None:
                findings.append(finding)
    findings.extend(settings_helper_findings(installed, facts.get("django_version")))
    return findings


def level_name(level: int) -> str:
    for threshold, name in LEVEL_NAMES:
        if level >= threshold:
            return name
    return "debug"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summarize_deploy_checks(issues: Iterable[Mapping[str, Any]], manage_py: str = "manage.py") -> List[str]:
    """A few lines for `manage.py check --deploy`: counts per level and the ids.
    manage_py: its path from the root of the app, where `heroku run` starts."""
    by_level: Dict[str, Counter] = {}
    for issue in issues:
        name = level_name(int(issue.get("level") or 0))
        by_level.setdefault(name, Counter())[str(issue.get("id") or "(no id)")] += 1
    if not by_level:
        return ["manage.py check --deploy: no issues"]
    lines = []
    for _, name in LEVEL_NAMES:
        ids = by_level.get(name)
        if not ids:
            continue
        listed = ", ".join(f"{id_} (x{count})" if count > 1 else id_ for id_, count in sorted(ids.items()))
        lines.append(f"manage.py check --deploy: {plural(sum(ids.values()), name)}: {listed}")
    lines.append(f"To read them: heroku run python {shlex.quote(manage_py)} check --deploy")
    return lines


def check_errors_findings(issues: Iterable[Mapping[str, Any]]) -> List[Finding]:
    """Errors of the system checks, told apart: only the ordinary ones stop `migrate`.

    Every management command runs the checks registered without deploy=True and
    refuses to run on an error among them; the deploy=True ones (security.*,
    Django 6.1's mail.E001 ...) run only for `check --deploy`.
    """
    def ids(deploy: bool) -> List[str]:
        return sorted({str(i.get("id") or "(no id)") for i in issues
                       if int(i.get("level") or 0) >= 40 and bool(i.get("deploy")) == deploy})

    findings = []
    blocking, deploy_only = ids(False), ids(True)
    if blocking:
        findings.append(Finding(
            reasons.CHECKS_SYSTEM_CHECK_ERRORS,
            f"Django's system checks report errors: {', '.join(blocking)}.",
            "`manage.py migrate` refuses to run while they are there, so the\n"
            "release phase would fail (and so would every other management command).\n\n"
            "To fix it: run `python manage.py check` locally with the production\n"
            "settings and fix what it reports.",
        ))
    if deploy_only:
        findings.append(Finding(
            reasons.CHECKS_DEPLOY_CHECK_ERRORS,
            f"manage.py check --deploy reports errors: {', '.join(deploy_only)}.",
            "They come from the deployment checks only (`check --deploy`): they do\n"
            "not stop `migrate` or the web process, but Django considers these\n"
            "settings wrong for production.\n\n"
            "To fix it: run `python manage.py check --deploy` locally with the\n"
            "production settings and fix what it reports.",
        ))
    return findings


def run(ctx: Context, app: project.DjangoApp, installed: Mapping[str, str]) -> List[Finding]:
    """The step: read the settings, say what was found, warn with the fixes. Never fails the build
    (but a step that passes its time limit does: the build must not hang)."""
    output.step("Checking the Django settings for production")
    try:
        return check(ctx, app, installed)
    except StepTimeoutError:
        raise
    except Exception as exc:  # noqa: BLE001 - advice only: a bug here must not stop a deploy
        output.detail(f"The checks could not run ({type(exc).__name__}); skipped")
        return []


def read_facts(app: project.DjangoApp) -> Optional[Dict[str, Any]]:
    if app.process is None:
        return None
    facts = (app.process.checks().record or {}).get("facts")
    return facts if isinstance(facts, dict) else None


def check(ctx: Context, app: project.DjangoApp, installed: Mapping[str, str]) -> List[Finding]:
    facts = read_facts(app)
    if facts is None:
        status, _ = commands.describe_exit(app.process.returncode if app.process and app.process.returncode else 0)
        output.detail(f"The Django process ended before the checks could run ({status}); skipped")
        return []
    findings = evaluate(facts, set(ctx.config_vars), installed)
    settings_choice = settings_choice_of(app)
    if settings_choice is not None:
        findings.insert(0, settings_choice)  # it explains why the others may not apply to the site
    cannot_import = settings_import_finding(facts)
    if cannot_import is not None:
        output.detail(f"The settings could not be imported ({facts['error'].get('type')}); the checks were skipped")
        findings.insert(0, cannot_import)
    cannot_start = startup_finding(facts)
    issues = facts.get("system_checks")
    startup_error = facts.get("startup_error") or {}
    if cannot_start is not None:
        output.detail(f"Django cannot start ({startup_error.get('type')}): see the warning below")
        findings.insert(0, cannot_start)
    elif startup_error:
        output.detail(f"{str(facts.get('startup_stage') or 'Starting Django').capitalize()} queried the database "
                      f"({startup_error.get('type')}), which the build does not have:")
        output.detail("manage.py check --deploy was skipped")
    elif isinstance(issues, list):
        output.details(summarize_deploy_checks(issues, app.manage_py_display))
        findings.extend(check_errors_findings(issues))
    if findings:
        output.detail(f"{plural(len(findings), 'warning')} about the settings: see below")
    else:
        output.detail("No problems found")
    for finding in findings:
        output.warning(finding.title, finding.body, finding.docs)
    return findings
