"""Runs under the APP's python (3.8+) in the directory of manage.py: the build's one Django process.

Usage: python django_process.py '<json: {"manage_py": ..., "config_var_names": [...]}>' RECORDS_FD REQUESTS_FD

One interpreter start does what the build asks of Django, in this order:
1. runs manage.py as `python manage.py` would (so whatever it sets up first, sys.path
   or environment, is in place), and where it calls execute_from_command_line,
   reads the settings: record "inspected";
2. waits for requests on REQUESTS_FD, one JSON line each, answered in order
   (stdin is /dev/null, so app code that reads it never takes a request):
   {"run": "collectstatic", "verbose": bool} -> record "collectstatic"
   {"run": "checks"} -> record "checks"
   end of input -> record "done", exit.
The app's own output (settings that print, collectstatic's lines, tracebacks)
goes to stdout/stderr, which the buildpack streams into the log. Records go to
RECORDS_FD, a pipe of their own, so nothing the app prints can forge or corrupt
one. A record written only after a step completes is how the buildpack tells
"finished" from "the process vanished" (os._exit in the settings, a kill).
No record ever holds a setting's value other than the few named here; error
messages only for exception types whose message names code, not data.
"""
import importlib.util
import json
import logging
import os
import re
import runpy
import sys
import traceback

THIS_FILE = os.path.abspath(__file__)
INSECURE_PREFIX = "django-insecure-"
# Exceptions whose message names code (a missing name or module), not a value.
SAFE_MESSAGES = frozenset({
    "NameError", "ImportError", "ModuleNotFoundError", "AttributeError", "SyntaxError", "IndentationError",
    "TabError", "ImproperlyConfigured", "AppRegistryNotReady", "LookupError", "FieldError", "FieldDoesNotExist",
    "NoReverseMatch", "TemplateDoesNotExist",
})
MESSAGE_LIMIT = 300
# The dynamic loader's words for a library the system does not have (ctypes raises them as
# OSError, whose other messages may hold paths or worse): safe, and the fix names the library.
LOADER_MESSAGE = "cannot open shared object file"
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

project_root = os.getcwd()
options = json.loads(sys.argv[1])
records = os.fdopen(int(sys.argv[2]), "w")
requests = os.fdopen(int(sys.argv[3]), "r")
manage_py = os.path.join(project_root, options.get("manage_py") or "manage.py")
build_dir = options.get("build_dir") or project_root
config_var_names = options.get("config_var_names") or []


def record(kind, **data):
    """Written after the step's own output, so the log shows that output first."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not hide the record
            pass
    data["kind"] = kind
    records.write(json.dumps(data) + "\n")
    records.flush()


# --- where an error happened, as the app's developer would look for it ---------------------------

def app_location(exc):
    """The innermost frame in the app's own files, relative to the project root."""
    location = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("<"):  # <frozen os>, <string>: not a file
            continue
        path = os.path.abspath(frame.filename)
        if path.startswith(project_root + os.sep) and "site-packages" not in path and os.path.isfile(path):
            location = {"file": os.path.relpath(path, project_root), "line": frame.lineno}
    if isinstance(exc, SyntaxError) and exc.filename:
        path = os.path.abspath(exc.filename)
        if path.startswith(project_root + os.sep):
            location = {"file": os.path.relpath(path, project_root), "line": exc.lineno}
    return location


def is_database_error(exc):
    """A database error: the build has no database, the dyno will (not a sign Django cannot start)."""
    try:
        from django.db import Error as DatabaseError
    except Exception:  # noqa: BLE001 - Django itself broken: not a database error
        return False
    return isinstance(exc, DatabaseError) or type(exc).__module__.split(".")[0] in (
        "psycopg", "psycopg2", "MySQLdb", "pymysql", "sqlite3", "redis")


def describe_error(exc):
    kind = type(exc).__name__
    described = {"type": kind, "location": app_location(exc)}
    if is_database_error(exc):
        described["database"] = True
    if kind in SAFE_MESSAGES or (isinstance(exc, OSError) and LOADER_MESSAGE in str(exc)):
        message = str(exc).strip().splitlines()
        described["message"] = message[0][:MESSAGE_LIMIT] if message else ""
    variable = unset_variable(exc)
    if variable is not None:
        described["environment_variable"] = variable
    return described


def unset_variable(exc):
    """The name in os.environ[NAME] when that raised this KeyError (another KeyError's key
    could be any value, so it is never reported)."""
    if type(exc) is not KeyError or len(exc.args) != 1 or not isinstance(exc.args[0], str):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    raised_by_environ = bool(frames) and frames[-1].name == "__getitem__" and (
        frames[-1].filename == "<frozen os>" or frames[-1].filename.endswith(os.sep + "os.py"))
    return exc.args[0] if raised_by_environ and VARIABLE_NAME.fullmatch(exc.args[0]) else None


def print_traceback(exc):
    """Python's own traceback format, without this script's and runpy's frames (they are not the app's)."""
    seen = set()

    def chain(error):
        if error is None or id(error) in seen:
            return []
        seen.add(id(error))
        if error.__cause__ is not None:
            return chain(error.__cause__) + [("\nThe above exception was the direct cause of the following "
                                              "exception:\n\n", error)]
        if error.__context__ is not None and not error.__suppress_context__:
            return chain(error.__context__) + [("\nDuring handling of the above exception, another exception "
                                                "occurred:\n\n", error)]
        return [("", error)]

    parts = []
    for header, error in chain(exc):
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if os.path.abspath(frame.filename) != THIS_FILE and not frame.filename.endswith("runpy.py")]
        parts.append(header)
        if frames:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(frames))
        parts.extend(traceback.format_exception_only(type(error), error))
    sys.stderr.write("".join(parts))
    sys.stderr.flush()


def exit_status(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(str(code) + "\n")  # sys.exit("message"): Python prints it and exits with 1
    return 1


# --- 1. the settings, as Django sees them --------------------------------------------------------

def application_module(dotted):
    """`pkg.wsgi.application` (or `pkg.wsgi:application`) -> `pkg.wsgi`."""
    return dotted.split(":", 1)[0] if ":" in dotted else dotted.rpartition(".")[0]


def module_found(dotted):
    """Whether the module of `pkg.wsgi.application` exists, without running it."""
    if not dotted:
        return None
    module = application_module(dotted)
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # noqa: BLE001 - a parent package that fails to import
        return False


def import_root(dotted):
    """The directory the application's top package is imported from: the project's own, or one
    manage.py or the settings put on sys.path (a src/ layout), which the web server needs too."""
    if not dotted:
        return None
    try:
        spec = importlib.util.find_spec(application_module(dotted).split(".")[0])
    except Exception:  # noqa: BLE001 - a package that fails to import
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    where = locations[0] if locations else spec.origin
    return os.path.dirname(os.path.abspath(where)) if where else None


def staticfiles_backend(settings, django_version):
    storages = getattr(settings, "STORAGES", None)
    if django_version >= (4, 2) and isinstance(storages, dict):
        backend = (storages.get("staticfiles") or {}).get("BACKEND")
        if backend:
            return backend
    return getattr(settings, "STATICFILES_STORAGE", None)


def inspect_settings():
    report = {"settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"), "error": None}
    try:
        import django
        from django.conf import settings

        report["django_version"] = django.get_version()
        installed_apps = list(settings.INSTALLED_APPS)  # imports the settings module
        version = django.VERSION[:2]
        wsgi = getattr(settings, "WSGI_APPLICATION", None)
        asgi = getattr(settings, "ASGI_APPLICATION", None)
        static_root = getattr(settings, "STATIC_ROOT", None)
        report.update(
            wsgi_application=wsgi,
            wsgi_module_found=module_found(wsgi),
            asgi_application=asgi,
            asgi_module_found=module_found(asgi),
            wsgi_import_root=import_root(wsgi),
            asgi_import_root=import_root(asgi),
            static_root=str(static_root) if static_root else None,
            static_url=getattr(settings, "STATIC_URL", None),
            staticfiles_installed=any("staticfiles" in str(app) for app in installed_apps),
            staticfiles_storage=staticfiles_backend(settings, version),
        )
        report["static_settings"] = static_settings(settings)
    except BaseException as exc:  # noqa: BLE001 - report any failure (SystemExit too) to the buildpack
        report["error"] = describe_error(exc)
    return report


STANDARD_FINDERS = (
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
)
STATIC_SETTINGS = ("STATIC_ROOT", "STATIC_URL", "STORAGES", "STATICFILES_STORAGE", "STATICFILES_DIRS",
                   "STATICFILES_FINDERS", "INSTALLED_APPS")


def without_build_dir(text):
    """Paths inside the build read the same from one build dir to the next (Heroku's is new each time)."""
    for base in sorted({build_dir, os.path.realpath(build_dir)}, key=len, reverse=True):
        text = text.replace(base, "<build>")
    return text


def static_settings(settings):
    """The settings that shape collectstatic's output, as a digest (values can hold
    credentials), and whether its finders are Django's own. Reads settings only."""
    import hashlib

    try:
        values = repr([(name, getattr(settings, name, None)) for name in STATIC_SETTINGS])
        finder_names = [str(name) for name in getattr(settings, "STATICFILES_FINDERS", [])]
        return {
            "digest": hashlib.sha256(without_build_dir(values).encode("utf-8", "surrogateescape")).hexdigest(),
            "standard_finders": all(name in STANDARD_FINDERS for name in finder_names),
        }
    except BaseException as exc:  # noqa: BLE001 - no reuse then, the build goes on as before
        return {"error": type(exc).__name__}


def static_inputs(version):
    """After collectstatic ran (the apps are loaded): the directories its finders read or
    would read (every app's static/, whether it exists yet or not, and STATICFILES_DIRS),
    whether its storage writes to the local disk and is not the app's own code, and which
    app provides the command. For the next build to tell whether this output still holds."""
    try:
        from django.apps import apps
        from django.conf import settings
        from django.core.files.storage import FileSystemStorage
        from django.core.management import get_commands
        from django.utils.module_loading import import_string

        locations = [os.path.join(config.path, "static") for config in apps.get_app_configs()]
        for entry in getattr(settings, "STATICFILES_DIRS", None) or []:
            locations.append(str(entry[1] if isinstance(entry, (list, tuple)) else entry))
        backend = staticfiles_backend(settings, version) or "django.contrib.staticfiles.storage.StaticFilesStorage"
        storage_class = import_string(backend)
        storage_file = os.path.abspath(getattr(sys.modules.get(storage_class.__module__), "__file__", "") or "")
        return {
            "locations": sorted({without_build_dir(os.path.abspath(location)) for location in locations}),
            "local_storage": isinstance(storage_class, type) and issubclass(storage_class, FileSystemStorage),
            "storage_in_app": storage_file.startswith(project_root + os.sep) and "site-packages" not in storage_file,
            "command_app": get_commands().get("collectstatic"),
        }
    except BaseException as exc:  # noqa: BLE001 - no reuse then, the build goes on as before
        return {"error": type(exc).__name__}


# --- 2. collectstatic ----------------------------------------------------------------------------

def collectstatic(execute, verbose):
    """Django's own command, as `manage.py collectstatic --noinput` runs it; its output streamed."""
    from django.core.management import base

    finished = []
    original = base.BaseCommand.run_from_argv

    def run_from_argv(self, argv):
        original(self, argv)
        finished.append(True)  # reached only when the command returned: not on sys.exit/os._exit

    base.BaseCommand.run_from_argv = run_from_argv
    argv = [manage_py, "collectstatic", "--noinput"] + (["--verbosity", "2", "--traceback"] if verbose else [])
    try:
        execute(argv)
        status = 0
    except SystemExit as exc:
        status = exit_status(exc.code)
    except BaseException as exc:  # noqa: BLE001 - printed as Python would, then reported
        print_traceback(exc)
        status = 1
    finally:
        base.BaseCommand.run_from_argv = original
    done = bool(finished) and status == 0
    result = {"status": status, "finished": done}
    if done:
        import django

        result["static_inputs"] = static_inputs(django.VERSION[:2])
    return result


# --- 3. the production checks --------------------------------------------------------------------

def describe_secret_key(settings):
    try:
        key = settings.SECRET_KEY
    except Exception:  # noqa: BLE001 - Django 3.2+ raises ImproperlyConfigured for an empty key
        key = ""
    key = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key or "")
    named = secret_key_variable_named(settings)
    holders = [name for name in config_var_names
               if key and os.environ.get(name) is not None and os.environ[name].strip() == key.strip()]
    return {
        "length": len(key),
        "unique_characters": len(set(key)),
        "insecure_prefix": key.startswith(INSECURE_PREFIX),
        "from_config_var": bool(holders),
        # Names only, never a value: the advice tells the user to set the variable the app reads.
        "config_var": holders[0] if holders else None,
        "named_in_settings": named,
        # Set, yet not the key: the settings override it (hard-coded after the read).
        "named_is_set": bool(named) and named in os.environ,
    }


SECRET_KEY_VARIABLE = re.compile(r"""["']([A-Z0-9_]*SECRET_KEY[A-Z0-9_]*)["']""")


def secret_key_variable_named(settings):
    """The environment variable the settings' source reads the key from (DJANGO_SECRET_KEY in
    `os.environ.get("DJANGO_SECRET_KEY", ...)`): the one quoted name ending in SECRET_KEY, or the
    one besides SECRET_KEY itself (a settings module that imports another quotes both)."""
    names = set()
    for _, source in settings_sources(settings):
        names.update(SECRET_KEY_VARIABLE.findall(source))
    if len(names) > 1:
        names.discard("SECRET_KEY")
    return names.pop() if len(names) == 1 else None


# `DEBUG = env.bool("DJANGO_DEBUG", default=True)`, `DEBUG = os.getenv("DEBUG", "True") == "True"`:
# the quoted name on the line that assigns DEBUG.
DEBUG_VARIABLE = re.compile(r"""^\s*DEBUG\s*=.*?["']([A-Z][A-Z0-9_]*DEBUG[A-Z0-9_]*)["']""", re.MULTILINE)


def debug_variable_named(settings):
    """The environment variable the settings' source reads DEBUG from, when exactly one is named:
    the settings module's own line wins over its package's (production.py over base.py)."""
    own, others = set(), set()
    for is_settings_module, source in settings_sources(settings):
        (own if is_settings_module else others).update(DEBUG_VARIABLE.findall(source))
    names = own or others
    return names.pop() if len(names) == 1 else None


def settings_sources(settings):
    """(whether it is the settings module, its source) for the settings module and the modules
    of its package (a settings/ package's base.py and production.py) inside the app."""
    module_name = getattr(settings, "SETTINGS_MODULE", None) or ""
    package = module_name.rpartition(".")[0]
    for name, module in list(sys.modules.items()):
        if name != module_name and not (package and name.startswith(package + ".")):
            continue
        path = getattr(module, "__file__", None) or ""
        if not path.endswith(".py") or not os.path.abspath(path).startswith(os.path.abspath(build_dir) + os.sep):
            continue
        try:
            with open(path, encoding="utf-8") as source:
                yield name == module_name, source.read()
        except (OSError, ValueError):
            continue


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


def read_settings(settings):
    databases = getattr(settings, "DATABASES", None) or {}
    storages = getattr(settings, "STORAGES", None)
    if isinstance(storages, dict) and isinstance(storages.get("staticfiles"), dict):
        backend = storages["staticfiles"].get("BACKEND")
    else:
        backend = getattr(settings, "STATICFILES_STORAGE", None)  # before Django 4.2 (ignored since 5.1)
    debug = getattr(settings, "DEBUG", False)
    # A string read without converting it is the debug_false_string case, or any value turns it on.
    debug_variable = debug_variable_named(settings) if debug and not isinstance(debug, str) else None
    return {
        "debug": bool(debug),
        # The config var the settings read DEBUG from (a name, never its value), and whether it is set.
        "debug_variable": debug_variable,
        "debug_variable_set": bool(debug_variable) and debug_variable in os.environ,
        # DEBUG = os.environ.get("DEBUG") with DEBUG=False: a string, so true. Only this flag is
        # reported, not the value.
        "debug_false_string": isinstance(debug, str) and debug.strip().lower() in ("false", "0", "no", "off"),
        "allowed_hosts": [str(host) for host in (getattr(settings, "ALLOWED_HOSTS", None) or [])],
        "database_engines": {
            str(alias): str(config.get("ENGINE") or "") for alias, config in databases.items() if isinstance(config, dict)
        },
        "secret_key": describe_secret_key(settings),
        "middleware": [str(entry) for entry in (getattr(settings, "MIDDLEWARE", None) or [])],
        "static_url": getattr(settings, "STATIC_URL", None),
        "staticfiles_installed": "django.contrib.staticfiles" in (getattr(settings, "INSTALLED_APPS", None) or []),
        "staticfiles_backend": backend,
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
    entry = logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "Internal Server Error: /", (), None)
    if logger.disabled or not logger.isEnabledFor(logging.ERROR) or not logger.filter(entry):
        return False
    found_handler = False
    current = logger
    while current is not None:
        for handler in current.handlers:
            found_handler = True
            if entry.levelno >= handler.level and writes_to_console(handler) and handler.filter(entry):
                return True
        if not current.propagate:
            break
        current = current.parent
    if not found_handler:
        last_resort = logging.lastResort
        return last_resort is not None and entry.levelno >= last_resort.level
    return False


def system_checks():
    """Every issue `manage.py check --deploy` reports, each marked deploy-only or not.

    Only the checks without deploy=True run before `migrate` (and every other
    command): an error among them stops the release phase; a deploy-only one does not.
    """
    import django
    from django.core.checks.registry import registry

    issues = []
    deploy_only = registry.deployment_checks
    for check in registry.get_checks(include_deployment_checks=True):
        kwargs = {"app_configs": None}
        if django.VERSION >= (3, 1):
            kwargs["databases"] = None  # no database checks: the build has no database
        for issue in check(**kwargs):
            if not issue.is_silenced():
                issues.append({"id": issue.id or "", "level": int(issue.level), "deploy": check in deploy_only})
    return issues


def load_urls():
    """What the first request does: import ROOT_URLCONF and everything it includes."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


def checks():
    facts = {"error": None, "startup_error": None, "startup_stage": None}
    try:
        import django
        from django.conf import settings

        facts["django_version"] = django.get_version()
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to import
        facts.update(read_settings(settings))
    except BaseException as exc:  # noqa: BLE001 - report any failure to the buildpack
        facts["error"] = describe_error(exc)
        return facts
    for stage, step in (("loading the apps (django.setup)", django.setup),
                        ("loading the URL configuration (ROOT_URLCONF)", load_urls)):
        try:
            step()
        except BaseException as exc:  # noqa: BLE001
            facts["startup_error"] = describe_error(exc)
            facts["startup_stage"] = stage
            if stage.startswith("loading the URL"):
                facts["root_urlconf"] = str(getattr(settings, "ROOT_URLCONF", "") or "")
            break
    try:
        facts["console_errors"] = errors_reach_console()
        if facts["startup_error"] is None:
            facts["system_checks"] = system_checks()
    except BaseException as exc:  # noqa: BLE001
        if facts["startup_error"] is None:
            facts["startup_error"] = describe_error(exc)
            facts["startup_stage"] = "running the system checks"
    return facts


# --- the conversation ----------------------------------------------------------------------------

def serve(execute):
    """Answer the buildpack's requests until it closes the requests pipe."""
    for line in requests:
        request = json.loads(line)
        if request.get("run") == "collectstatic":
            record("collectstatic", **collectstatic(execute, bool(request.get("verbose"))))
        elif request.get("run") == "checks":
            record("checks", facts=checks())
    record("done")


def main():
    import django.core.management as management

    real_execute = management.execute_from_command_line
    answered = []

    def execute_from_command_line(argv=None):
        """Called by manage.py once it has set everything up: the settings now import as they will on a dyno."""
        answered.append(True)
        record("inspected", report=inspect_settings())
        serve(real_execute)

    management.execute_from_command_line = execute_from_command_line
    # What `python manage.py collectstatic --noinput` has: settings that test
    # `"collectstatic" in sys.argv` (to need no database or secret then) see it.
    sys.argv = [manage_py, "collectstatic", "--noinput"]
    sys.path[0] = project_root  # what `python manage.py` puts first
    try:
        runpy.run_path(manage_py, run_name="__main__")
        failure = None
    except SystemExit as exc:
        failure = None if exit_status(exc.code) == 0 else {"type": "SystemExit", "location": None}
    except BaseException as exc:  # noqa: BLE001 - manage.py itself failed before reaching Django
        print_traceback(exc)
        failure = describe_error(exc)
    if answered:
        return
    # manage.py never called execute_from_command_line (a custom one, or it failed first).
    report = inspect_settings()
    if failure is not None and report.get("error") is None:
        report["error"] = failure
    record("inspected", report=report)
    serve(real_execute)


main()
