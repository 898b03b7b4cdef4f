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
from buildpack.django.import_failures import import_failure
from buildpack.django.tracebacks import (
    EXCERPT_MAX_PLAIN_LINES,
    ParsedTraceback,
    excerpt,
    indent,
    parse_traceback,
)
from buildpack.errors import Failure

_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"

# How settings helpers say "this environment variable is not set" (os.environ,
# django-environ, python-decouple, environs), each with the variable's name.
_MISSING_ENV_PATTERNS = (
    re.compile(rf"Set the ({_ENV_NAME}) environment variable"),
    re.compile(rf"^({_ENV_NAME}) not found\. Declare it as envvar"),
    re.compile(rf'Environment variable "({_ENV_NAME})" not set'),
)
_EMPTY_SECRET_KEY = "The SECRET_KEY setting must not be empty"
# Django's system checks, which every management command runs first, printed without a traceback.
_SYSTEM_CHECK = "SystemCheckError: System check identified some issues:"
_CHECK_ID = re.compile(r"^\S.*?: \((?P<id>[\w.]+)\) ")
# The fix for the check errors a deploy meets most.
_CHECK_FIXES = {
    "staticfiles.E002": "STATIC_ROOT is where collectstatic writes the collected files;\n"
                        "   STATICFILES_DIRS lists where the app's own static files are. Make\n"
                        "   them different directories, e.g. STATIC_ROOT = BASE_DIR / \"staticfiles\"\n"
                        "   and STATICFILES_DIRS = [BASE_DIR / \"static\"].",
}
# manage.py without DJANGO_SETTINGS_MODULE: Django then knows only its own commands.
_NO_SETTINGS = "No Django settings specified."
_STATIC_ROOT_UNSET = "without having set the STATIC_ROOT setting"
_STATIC_ROOT_UNSET_OLD = "without having set the required STATIC_ROOT setting"
_STATIC_URL_UNSET = "without having set the required STATIC_URL setting"
_MANIFEST_MISSING = re.compile(r"The file '(?P<file>[^']+)' could not be found with <(?P<storage>[\w.]+)")
_MANIFEST_ENTRY = re.compile(r"Missing staticfiles manifest entry for '(?P<file>[^']+)'")
_POST_PROCESSING = re.compile(r"^Post-processing '(?P<file>[^']+)' failed!")
_CSS_REFERENCES = re.compile(r"^The (?:CSS|JS|JavaScript) file '(?P<file>[^']+)' references a file")
_DATABASE_ERRORS = ("OperationalError", "InterfaceError", "ProgrammingError")
# A staticfiles storage that uploads to a cloud bucket and finds no credentials in the build:
# the exception's name -> the config vars that give them.
_CLOUD_CREDENTIALS = {
    "NoCredentialsError": "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",  # boto3 (S3 and alike)
    "PartialCredentialsError": "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
    "DefaultCredentialsError": "GOOGLE_APPLICATION_CREDENTIALS=...",  # google-auth (Cloud Storage)
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
    errors = system_check_errors(lines)
    if parsed is None and errors:
        return _system_check_failure(errors, build_dir, settings_module)
    if parsed is not None and parsed.exception:
        name = missing_env_var(parsed)
        if name is not None:
            return _missing_env_var_failure(name, shown, name in withheld_config_vars)
        text = "\n".join(parsed.exception)
        if _STATIC_ROOT_UNSET in text or _STATIC_ROOT_UNSET_OLD in text:
            return _static_root_failure(shown, settings_module)
        if _STATIC_URL_UNSET in text:
            return _static_url_failure(shown, settings_module)
        manifest = _MANIFEST_MISSING.search(text)
        if manifest:
            return _manifest_failure(manifest.group("file"), manifest.group("storage"), _referrer(lines), shown)
        entry = _MANIFEST_ENTRY.search(text)
        if entry:
            return _manifest_entry_failure(entry.group("file"), shown)
        failed_import = import_failure(parsed, build_dir, shown, settings_module, app_modules)
        if failed_import is not None:
            return failed_import
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


def system_check_errors(lines: List[str]) -> List[str]:
    """The ERRORS section of a SystemCheckError (each check's line and its HINT lines)."""
    if not any(line.strip() == _SYSTEM_CHECK for line in lines):
        return []
    errors: List[str] = []
    in_errors = False
    for line in lines:
        if line.strip() in ("ERRORS:", "WARNINGS:") or not line.strip():
            in_errors = line.strip() == "ERRORS:" or (in_errors and not line.strip())
            continue
        if in_errors:
            errors.append(line.rstrip())
    return errors


def _system_check_failure(errors: List[str], build_dir: str, settings_module: Optional[str]) -> Failure:
    ids = [match.group("id") for match in map(_CHECK_ID.match, errors) if match]
    shown = indent([line.replace(build_dir.rstrip("/") + "/", "") for line in errors][:EXCERPT_MAX_PLAIN_LINES])
    fixes = [_CHECK_FIXES[check] for check in ids if check in _CHECK_FIXES]
    fixes.append("Run `python manage.py check` on your computer with the same\n"
                 f"   settings{_settings_note(settings_module)} and fix what it reports.")
    return Failure(
        reasons.COLLECTSTATIC_SYSTEM_CHECK_ERRORS,
        f"collectstatic failed: Django's system checks report errors: {', '.join(ids) or 'see below'}.",
        "Django checks the project before every command, and these errors stop\n"
        "it (collectstatic here, migrate in the release phase):\n\n"
        f"{shown}\n\n"
        "To fix it:\n" + "\n".join(f"{number}. {fix}" for number, fix in enumerate(fixes, 1)),
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
    return Failure(
        reasons.COLLECTSTATIC_STATIC_ROOT_UNSET,
        "collectstatic failed: STATIC_ROOT is not set.",
        "django.contrib.staticfiles is installed, but the settings" + _settings_note(settings_module) + "\n"
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


def _static_url_failure(shown: str, settings_module: Optional[str]) -> Failure:
    return Failure(
        reasons.COLLECTSTATIC_STATIC_URL_UNSET,
        "collectstatic failed: STATIC_URL is not set.",
        "django.contrib.staticfiles is installed, but the settings" + _settings_note(settings_module) + "\n"
        "do not say at which URL the static files are served:\n\n"
        f"{shown}\n\n"
        "To fix it: add this line to your settings (beside STATIC_ROOT):\n"
        '       STATIC_URL = "static/"',
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
