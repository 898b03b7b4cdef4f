"""Why collectstatic failed, read from the tail of Django's output, and how to fix it.

Pure functions: the collectstatic step (django.py) hands over the lines it kept
and gets back a Failure (reason, title, body) to raise; its reason names the
kind within collectstatic's failures ("env-var-missing"), the step adds the
family. The table tests use real Django output (test/unit/collectstatic_outputs/).
"""
from __future__ import annotations

import re
from typing import Collection, List, Optional

from buildpack import reasons
from buildpack.django.system_libraries import MissingLibrary, missing_library
from buildpack.django.tracebacks import ParsedTraceback, excerpt, indent, is_library_path, parse_traceback, relative_path
from buildpack.errors import Failure
from buildpack.python.removed_modules import RemovedModule, fixes, removed_module

_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"

# How settings helpers say "this environment variable is not set" (os.environ,
# django-environ, python-decouple, environs), each with the variable's name.
_MISSING_ENV_PATTERNS = (
    re.compile(rf"Set the ({_ENV_NAME}) environment variable"),
    re.compile(rf"^({_ENV_NAME}) not found\. Declare it as envvar"),
    re.compile(rf'Environment variable "({_ENV_NAME})" not set'),
)
_EMPTY_SECRET_KEY = "The SECRET_KEY setting must not be empty"
# manage.py without DJANGO_SETTINGS_MODULE: Django then knows only its own commands.
_NO_SETTINGS = "No Django settings specified."
_STATIC_ROOT_UNSET = "without having set the STATIC_ROOT setting"
_STATIC_ROOT_UNSET_OLD = "without having set the required STATIC_ROOT setting"
_MANIFEST_MISSING = re.compile(r"The file '(?P<file>[^']+)' could not be found with <(?P<storage>[\w.]+)")
_MANIFEST_ENTRY = re.compile(r"Missing staticfiles manifest entry for '(?P<file>[^']+)'")
_POST_PROCESSING = re.compile(r"^Post-processing '(?P<file>[^']+)' failed!")
_CSS_REFERENCES = re.compile(r"^The (?:CSS|JS|JavaScript) file '(?P<file>[^']+)' references a file")
_NO_MODULE = re.compile(r"^No module named '(?P<module>[\w.]+)'")
_CANNOT_IMPORT = re.compile(r"^cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'")
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
# Which installed package a frame is in, and which Python it runs (from the frame's path).
_SITE_PACKAGE = re.compile(r"/site-packages/(?P<package>[A-Za-z0-9_]+)/")
_PYTHON_VERSION = re.compile(r"/lib/python(?P<version>3\.\d+)/")
_DATABASE_ERRORS = ("OperationalError", "InterfaceError", "ProgrammingError")
# A staticfiles storage that uploads to a cloud bucket and finds no credentials in the build:
# the exception's name -> the config vars that give them.
_CLOUD_CREDENTIALS = {
    "NoCredentialsError": "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",  # boto3 (S3 and alike)
    "PartialCredentialsError": "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
    "DefaultCredentialsError": "GOOGLE_APPLICATION_CREDENTIALS=...",  # google-auth (Cloud Storage)
}

# Modules whose package on PyPI has another name (the usual suspects in Django settings).
PACKAGE_FOR_MODULE = {
    "dj_database_url": "dj-database-url",
    "environ": "django-environ",
    "decouple": "python-decouple",
    "dotenv": "python-dotenv",
    "psycopg2": "psycopg2-binary (or psycopg2)",
    "psycopg": "psycopg[binary]",
    "MySQLdb": "mysqlclient",
    "corsheaders": "django-cors-headers",
    "rest_framework": "djangorestframework",
    "debug_toolbar": "django-debug-toolbar",
    "crispy_forms": "django-crispy-forms",
    "crispy_bootstrap5": "crispy-bootstrap5",
    "storages": "django-storages",
    "allauth": "django-allauth",
    "django_extensions": "django-extensions",
    "django_filters": "django-filter",
    "ckeditor": "django-ckeditor",
    "import_export": "django-import-export",
    "taggit": "django-taggit",
    "sentry_sdk": "sentry-sdk",
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "cv2": "opencv-python-headless",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "jwt": "PyJWT",
    "dateutil": "python-dateutil",
    "magic": "python-magic",
}


def missing_env_var(parsed: ParsedTraceback) -> Optional[str]:
    """The name of the environment variable whose absence raised this, if that is what happened."""
    message = parsed.message
    for pattern in _MISSING_ENV_PATTERNS:
        match = pattern.search(message)
        if match:
            return match.group(1)
    if parsed.exception_type == "KeyError":
        name = re.fullmatch(rf"'({_ENV_NAME})'", message)
        if name and _raised_by_os_environ(parsed):
            return name.group(1)
    if _EMPTY_SECRET_KEY in message:
        return "SECRET_KEY"
    return None


def _raised_by_os_environ(parsed: ParsedTraceback) -> bool:
    for frame in parsed.frames[-2:]:
        if frame.function == "__getitem__" and (frame.path == "<frozen os>" or frame.path.endswith("/os.py")):
            return True
        if any("environ[" in line for line in frame.source):
            return True
    return False


SKIP_HINT = "Or skip collectstatic: heroku config:set DISABLE_COLLECTSTATIC=1"


def classify(
    lines: List[str],
    build_dir: str,
    settings_module: Optional[str] = None,
    app_modules: Collection[str] = (),
    withheld_config_vars: Collection[str] = (),
    returncode: int = 1,
) -> Failure:
    """Turn collectstatic's output into a Failure that names the problem and its fix.

    app_modules: top-level modules/packages of the app's own source, so a missing app
    module is told apart from a missing requirement. withheld_config_vars: config vars
    the app has set but the buildpack keeps from build steps (the denylist).
    """
    parsed = parse_traceback(lines)
    shown = indent(excerpt(lines, build_dir))
    if parsed is None and any(line.strip() == _NO_SETTINGS for line in lines):
        return _no_settings_failure(shown)
    if parsed is not None and parsed.exception:
        name = missing_env_var(parsed)
        if name is not None:
            return _missing_env_var_failure(name, shown, name in withheld_config_vars)
        text = "\n".join(parsed.exception)
        if _STATIC_ROOT_UNSET in text or _STATIC_ROOT_UNSET_OLD in text:
            return _static_root_failure(shown, settings_module)
        manifest = _MANIFEST_MISSING.search(text)
        if manifest:
            return _manifest_failure(manifest.group("file"), manifest.group("storage"), _referrer(lines), shown)
        entry = _MANIFEST_ENTRY.search(text)
        if entry:
            return _manifest_entry_failure(entry.group("file"), shown)
        if parsed.exception_type in _SYNTAX_ERRORS:
            return _syntax_failure(parsed, build_dir, shown)
        missing = _NO_MODULE.match(parsed.message)
        if parsed.exception_type in ("ModuleNotFoundError", "ImportError") and missing:
            return _module_failure(missing.group("module"), parsed, shown, settings_module, app_modules)
        cannot = _CANNOT_IMPORT.match(parsed.message)
        if parsed.exception_type == "ImportError" and cannot:
            return _cannot_import_failure(cannot.group("name"), cannot.group("module"), shown)
        library = missing_library(parsed.message)
        if library is not None:
            return _system_library_failure(library, shown)
        credentials = _CLOUD_CREDENTIALS.get(parsed.exception_type.rpartition(".")[2])
        if credentials is not None:
            return _cloud_credentials_failure(credentials, shown)
        if parsed.exception_type in _DATABASE_ERRORS and any(".db." in f.path or "/db/" in f.path for f in parsed.frames):
            return _database_failure(shown)
    return Failure(
        reasons.COLLECTSTATIC_FAILED,
        "collectstatic failed.",
        f"`python manage.py collectstatic --noinput` exited with status {returncode}.\n"
        "The end of its output:\n\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Run `python manage.py collectstatic --noinput` on your computer\n"
        f"   with the same settings{_settings_note(settings_module)} and fix what fails.\n"
        "2. For the full output here: heroku config:set DEBUG_COLLECTSTATIC=1\n"
        f"3. {SKIP_HINT}",
    )


def _settings_note(settings_module: Optional[str]) -> str:
    return f" ({settings_module})" if settings_module else ""


def _referrer(lines: List[str]) -> Optional[str]:
    """Which static file refers to the missing one (Django and WhiteNoise both say so)."""
    found = None
    for line in lines:
        match = _POST_PROCESSING.match(line.strip()) or _CSS_REFERENCES.match(line.strip())
        if match:
            found = match.group("file")
    return found


def _no_settings_failure(shown: str) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_SETTINGS_UNCONFIGURED,
        "collectstatic failed: no settings module is set.",
        "Neither manage.py nor a DJANGO_SETTINGS_MODULE config var says which\n"
        "settings module to use, so Django knows only its own commands:\n\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Set it in manage.py, as `django-admin startproject` does:\n"
        '       os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "2. Or set the config var:\n"
        "   heroku config:set DJANGO_SETTINGS_MODULE=mysite.settings",
    )


# Config vars that a Heroku add-on sets when it is attached (their values are the add-on's URL).
ADDON_CONFIG_VARS = {"DATABASE_URL": "heroku-postgresql", "REDIS_URL": "heroku-redis"}


def _missing_env_var_failure(name: str, shown: str, withheld: bool) -> Failure:
    if withheld:
        why = (
            f"{name} is set as a config var, but the buildpack does not pass it to\n"
            "build steps: it would change how the build itself runs (it is on the\n"
            "buildpack's denylist, with PATH, PYTHONPATH and the like).\n\n"
            "To fix it:\n"
            f"1. Give the variable another name, and read that name in your settings.\n"
            f"2. Or give {name} a default in your settings that is safe for the build.\n"
            f"3. {SKIP_HINT}"
        )
    else:
        addon = ADDON_CONFIG_VARS.get(name)
        set_it = (f"1. Add the add-on that sets it: heroku addons:create {addon}\n" if addon
                  else f"1. Set it: heroku config:set {name}=...\n")
        why = (
            "Heroku runs collectstatic with the app's config vars, and this one\n"
            "is not set. To fix it:\n"
            f"{set_it}"
            "   (then push again to rebuild)\n"
            "2. Or give it a default that is safe for the build, for example\n"
            f'   os.environ.get("{name}", "...") or env("{name}", default="...")\n'
            "   (collectstatic does not need real secrets or a real database).\n"
            f"3. {SKIP_HINT}"
        )
    return Failure(
        reasons.COLLECTSTATIC_ENV_VAR_MISSING,
        f"collectstatic failed: the settings need the {name} variable.",
        f"Your settings read {name} from the environment when they are\n"
        "imported, and it is not set during the build:\n\n"
        f"{shown}\n\n{why}",
    )


def _static_root_failure(shown: str, settings_module: Optional[str]) -> Failure:
    where = f" ({settings_module})" if settings_module else ""
    return Failure(
        reasons.COLLECTSTATIC_STATIC_ROOT_UNSET,
        "collectstatic failed: STATIC_ROOT is not set.",
        "django.contrib.staticfiles is installed, but the settings" + where + "\n"
        "do not say where to collect static files:\n\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Add these lines to your settings:\n"
        '       STATIC_ROOT = BASE_DIR / "staticfiles"\n'
        '       STATIC_URL = "static/"\n'
        "2. Serve them with WhiteNoise: add whitenoise to requirements.txt and\n"
        '   "whitenoise.middleware.WhiteNoiseMiddleware" to MIDDLEWARE, right\n'
        "   after SecurityMiddleware.\n"
        f"3. If the app has no static files: {SKIP_HINT.split(': ', 1)[1]}",
    )


def _manifest_failure(missing: str, storage: str, referrer: Optional[str], shown: str) -> Failure:
    storage_name = storage.rpartition(".")[2]
    source = f"'{referrer}'" if referrer else "one of your static files"
    title = (
        f"collectstatic failed: {referrer} refers to {missing}, which does not exist."
        if referrer
        else f"collectstatic failed: {missing} is referred to but does not exist."
    )
    fixes = [
        f"Correct the reference in {source}: a relative url() is resolved\n"
        "   from the directory of the file that contains it. Or add the file\n"
        "   to one of your static directories (STATICFILES_DIRS or an app's\n"
        "   static/ folder).",
    ]
    if missing.endswith(".map"):
        fixes.append(
            "It is a source map: remove the `sourceMappingURL` comment at the end\n"
            f"   of {source}, or ship the .map file with it."
        )
    fixes.append(
        "If the reference is in a package you cannot change, use a storage\n"
        "   without a manifest until it is fixed, e.g.\n"
        '   STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedStaticFilesStorage"'
    )
    numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(fixes, 1))
    return Failure(
        reasons.COLLECTSTATIC_MANIFEST_MISSING_FILE,
        title,
        f"The static files storage ({storage_name}) gives every\n"
        "file a hashed name, so it rewrites each reference inside CSS and JS\n"
        f"files; {source} refers to '{missing}',\n"
        "which is not among the static files:\n\n"
        f"{shown}\n\n"
        f"To fix it:\n{numbered}",
    )


def _manifest_entry_failure(missing: str, shown: str) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_MANIFEST_MISSING_ENTRY,
        f"collectstatic failed: {missing} is not among the static files.",
        f"The code asked the static files storage for the URL of '{missing}'\n"
        "({% static %} or static()), and its manifest of the collected files\n"
        "has no such entry:\n\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Check the name, and that the file is committed in one of your\n"
        "   static directories (STATICFILES_DIRS or an app's static/ folder).\n"
        "2. Code that runs while the project loads (settings, urls.py, forms)\n"
        "   cannot ask for static URLs during the build: move the call into a\n"
        "   view or a template.",
    )


def _syntax_failure(parsed: ParsedTraceback, build_dir: str, shown: str) -> Failure:
    location = ""
    for frame in reversed(parsed.frames):
        if not is_library_path(frame.path):
            location = f" in {relative_path(frame.path, build_dir)}, line {frame.line}"
            break
    return Failure(
        reasons.COLLECTSTATIC_SETTINGS_SYNTAX,
        f"collectstatic failed: a syntax error{location}.",
        f"Python could not read your code{location}:\n\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Correct the line above, then run `python manage.py check` on your\n"
        "   computer before pushing.\n"
        "2. If it works on your computer, your local Python may be newer than\n"
        "   the app's (runtime.txt or .python-version): newer syntax fails on\n"
        "   older versions. Use the same version locally.",
    )


def _module_failure(
    module: str,
    parsed: ParsedTraceback,
    shown: str,
    settings_module: Optional[str],
    app_modules: Collection[str],
) -> Failure:
    top = module.split(".")[0]
    if settings_module and module == settings_module:
        return Failure(
            reasons.COLLECTSTATIC_SETTINGS_IMPORT,
            f"collectstatic failed: the settings module '{module}' does not exist.",
            f"Django was told to use '{module}' as its settings (from the\n"
            "DJANGO_SETTINGS_MODULE config var, or manage.py), and it cannot be\n"
            "found:\n\n"
            f"{shown}\n\n"
            "To fix it:\n"
            "1. Check the spelling and case (Heroku's filesystem is case-sensitive),\n"
            "   and that the file is committed and not in .gitignore.\n"
            "2. Check the DJANGO_SETTINGS_MODULE config var:\n"
            "   heroku config:get DJANGO_SETTINGS_MODULE",
        )
    if top in app_modules:
        return Failure(
            reasons.COLLECTSTATIC_SETTINGS_IMPORT,
            f"collectstatic failed: the module '{module}' cannot be found.",
            f"'{top}' is part of your app, but '{module}' is not in the build:\n\n"
            f"{shown}\n\n"
            "To fix it:\n"
            "1. Check that the file is committed and not in .gitignore.\n"
            "2. Check the spelling and case of the name (Heroku's filesystem is\n"
            "   case-sensitive) and that each package folder has an __init__.py.",
        )
    removed = removed_module(module)
    if removed is not None:
        return _removed_module_failure(module, removed, parsed, shown)
    package = PACKAGE_FOR_MODULE.get(top, top.replace("_", "-"))
    installed_app = any(frame.path.endswith(("/apps/config.py", "/apps/registry.py")) for frame in parsed.frames)
    context = (
        f"'{top}' is in INSTALLED_APPS, but it is not installed"
        if installed_app
        else f"Your code imports '{top}', but it is not installed"
    )
    fixes = (
        "To fix it:\n"
        "1. Add it to requirements.txt and commit it: the package that provides\n"
        f"   '{top}' is probably `{package}` (the names often differ)."
    )
    if installed_app:
        fixes += (
            "\n2. If it is only for local development (like debug_toolbar), add it\n"
            "   to INSTALLED_APPS only when DEBUG is on."
        )
    return Failure(
        reasons.COLLECTSTATIC_SETTINGS_IMPORT,
        f"collectstatic failed: No module named '{module}'.",
        f"{context}\n(only the packages in requirements.txt are):\n\n{shown}\n\n{fixes}",
    )


def _removed_module_failure(module: str, removed: RemovedModule, parsed: ParsedTraceback, shown: str) -> Failure:
    innermost = parsed.frames[-1].path if parsed.frames else ""
    package = _SITE_PACKAGE.search(innermost)
    importer = package.group("package") if package else None
    python = next((match.group("version") for frame in parsed.frames
                   for match in [_PYTHON_VERSION.search(frame.path)] if match), None)
    return Failure(
        reasons.COLLECTSTATIC_SETTINGS_IMPORT,
        f"collectstatic failed: No module named '{module}' (Python {removed.removed_in} removed it).",
        f"'{removed.name}' was part of Python's standard library until Python\n"
        f"{removed.last_python}; this build's Python{' ' + python if python else ''} does not have it, and "
        f"{importer or 'your code'}\nimports it:\n\n"
        f"{shown}\n\n"
        "To fix it:\n" + fixes(removed, importer).rstrip("\n"),
    )


def _cannot_import_failure(name: str, module: str, shown: str) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_SETTINGS_IMPORT,
        f"collectstatic failed: cannot import name '{name}' from '{module}'.",
        f"'{module}' is installed, but has no '{name}':\n\n"
        f"{shown}\n\n"
        "This usually means a different version is installed here than on\n"
        "your computer. To fix it:\n"
        "1. Pin the versions you use locally in requirements.txt\n"
        "   (`pip freeze` shows them), then push again.\n"
        "2. Or update your code for the version that is installed.",
    )


def _system_library_failure(library: MissingLibrary, shown: str) -> Failure:
    # No "skip collectstatic": the release phase and every dyno would meet the same error.
    return Failure(
        reasons.COLLECTSTATIC_SYSTEM_LIBRARY,
        f"collectstatic failed: {library.library} is not in the stack image.",
        "Loading the project needs a system library that Heroku's stack image\n"
        "does not have:\n\n"
        f"{shown}\n\n"
        "To fix it:\n" + library.steps.rstrip("\n"),
    )


def _cloud_credentials_failure(config_vars: str, shown: str) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_CLOUD_CREDENTIALS,
        "collectstatic failed: no credentials for the cloud storage.",
        "The staticfiles storage uploads the files to a cloud bucket, and\n"
        "found no credentials during the build:\n\n"
        f"{shown}\n\n"
        "Heroku runs collectstatic with the app's config vars. To fix it:\n"
        "1. Set the credentials as config vars:\n"
        f"   heroku config:set {config_vars}\n"
        "2. Or let the app serve its static files with WhiteNoise, and keep the\n"
        "   bucket for uploaded media: in STORAGES, \"staticfiles\" becomes\n"
        '   {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}\n'
        f"3. {SKIP_HINT}",
    )


def _database_failure(shown: str) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_DATABASE_AT_BUILD,
        "collectstatic failed: the code queried the database.",
        "Loading the project ran a database query, and there is no usable\n"
        "database while the app builds:\n\n"
        f"{shown}\n\n"
        "Code that runs at import time (settings, urls.py, module level of\n"
        "models.py or forms.py, AppConfig.ready()) runs during collectstatic.\n"
        "To fix it:\n"
        "1. Move the query into a function that runs per request (a view, a\n"
        "   callable `choices`, a lazy queryset).\n"
        "2. Run migrations in the release phase, never in the build:\n"
        "   release: python manage.py migrate --noinput   (in your Procfile)\n"
        f"3. {SKIP_HINT}",
    )
