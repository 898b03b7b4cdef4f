"""Runs under the APP's python (3.8+) in the directory of manage.py: reads the settings the dyno will use.

Usage: python check_django.py '<json list of the app's config var NAMES>'
Prints JSON facts for buildpack/checks.py, which makes every decision. It never
prints a secret: SECRET_KEY is described only by its length, how many different
characters it has, whether it starts with Django's insecure prefix and whether
one of the config vars holds it. Error messages are not printed either (they
can quote settings); only the exception's type.
"""
import importlib.util
import json
import logging
import os
import sys

sys.path.insert(0, os.getcwd())

INSECURE_PREFIX = "django-insecure-"


def describe_secret_key(settings, config_var_names):
    try:
        key = settings.SECRET_KEY
    except Exception:  # noqa: BLE001 - Django 3.2+ raises ImproperlyConfigured for an empty key
        key = ""
    key = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key or "")
    from_config_var = bool(key) and any(
        os.environ.get(name) is not None and os.environ[name].strip() == key.strip() for name in config_var_names
    )
    return {
        "length": len(key),
        "unique_characters": len(set(key)),
        "insecure_prefix": key.startswith(INSECURE_PREFIX),
        "from_config_var": from_config_var,
    }


def staticfiles_backend(settings):
    storages = getattr(settings, "STORAGES", None)
    if isinstance(storages, dict) and isinstance(storages.get("staticfiles"), dict):
        return storages["staticfiles"].get("BACKEND")
    # Before Django 4.2 (and ignored since 5.1).
    return getattr(settings, "STATICFILES_STORAGE", None)


def module_mentions(dotted, word):
    """Whether the source of the module holding `dotted` (a.b.application) mentions word; None if unknown."""
    if not dotted or "." not in dotted:
        return None
    try:
        spec = importlib.util.find_spec(dotted.rsplit(".", 1)[0])
    except Exception:  # noqa: BLE001 - finding a parent package may import it
        return None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    try:
        with open(spec.origin, encoding="utf-8", errors="replace") as handle:
            return word in handle.read().lower()
    except OSError:
        return None


def read_settings(settings, config_var_names):
    databases = getattr(settings, "DATABASES", None) or {}
    return {
        "debug": bool(getattr(settings, "DEBUG", False)),
        "allowed_hosts": [str(host) for host in (getattr(settings, "ALLOWED_HOSTS", None) or [])],
        "database_engines": {
            str(alias): str(config.get("ENGINE") or "") for alias, config in databases.items() if isinstance(config, dict)
        },
        "secret_key": describe_secret_key(settings, config_var_names),
        "middleware": [str(entry) for entry in (getattr(settings, "MIDDLEWARE", None) or [])],
        "static_url": getattr(settings, "STATIC_URL", None),
        "staticfiles_installed": "django.contrib.staticfiles" in (getattr(settings, "INSTALLED_APPS", None) or []),
        "staticfiles_backend": staticfiles_backend(settings),
        "wsgi_mentions_whitenoise": module_mentions(getattr(settings, "WSGI_APPLICATION", None), "whitenoise"),
    }


def writes_to_console(handler):
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    return getattr(handler, "stream", None) in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)


def errors_reach_console():
    """Would an unhandled view error (ERROR on django.request) be written to stdout or stderr?

    Follows what Logger.callHandlers does: the logger's own filters, then
    every handler up the propagation chain; with no handler at all, Python's
    lastResort prints to stderr.
    """
    logger = logging.getLogger("django.request")
    record = logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "Internal Server Error: /", (), None)
    if logger.disabled or not logger.isEnabledFor(logging.ERROR) or not logger.filter(record):
        return False
    found_handler = False
    current = logger
    while current is not None:
        for handler in current.handlers:
            found_handler = True
            if record.levelno >= handler.level and writes_to_console(handler) and handler.filter(record):
                return True
        if not current.propagate:
            break
        current = current.parent
    if not found_handler:
        last_resort = logging.lastResort
        return last_resort is not None and record.levelno >= last_resort.level
    return False


def deploy_checks():
    """What `manage.py check --deploy` reports: (id, level) of every issue not silenced."""
    from django.core import checks

    issues = checks.run_checks(include_deployment_checks=True)
    return [{"id": issue.id or "", "level": int(issue.level)} for issue in issues if not issue.is_silenced()]


def error_type(exc):
    return {"type": type(exc).__name__}


def main():
    config_var_names = json.loads(sys.argv[1]) if len(sys.argv) > 1 else []
    facts = {"error": None, "setup_error": None}
    try:
        import django
        from django.conf import settings

        facts["django_version"] = django.get_version()
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to import
        facts.update(read_settings(settings, config_var_names))
    except Exception as exc:  # noqa: BLE001 - report any failure to the buildpack
        facts["error"] = error_type(exc)
        return facts
    try:
        django.setup()  # configures LOGGING and loads the apps, as the dyno will
        facts["console_errors"] = errors_reach_console()
        facts["deploy_checks"] = deploy_checks()
    except Exception as exc:  # noqa: BLE001
        facts["setup_error"] = error_type(exc)
    return facts


if __name__ == "__main__":
    result = main()
    sys.stdout.flush()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
