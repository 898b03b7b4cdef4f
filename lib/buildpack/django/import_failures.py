"""collectstatic's failures that are an import failing, in the user's terms.

Loading the project imports the settings, the apps and what they import; what stops
it there: a syntax error, a module that is not installed (a requirement left out, a
file of the app not committed, a standard-library module the build's Python removed),
a name the installed version lacks, a system library the stack image does not have.
Pure, over the parsed traceback (collectstatic_failures.classify asks first).
"""
from __future__ import annotations

import re
from typing import Collection, Optional

from buildpack import reasons
from buildpack.django.system_libraries import MissingLibrary, missing_library
from buildpack.django.tracebacks import ParsedTraceback, is_library_path, relative_path
from buildpack.errors import Failure
from buildpack.python.removed_modules import RemovedModule, fixes, removed_module

NO_MODULE = re.compile(r"^No module named '(?P<module>[\w.]+)'")
_CANNOT_IMPORT = re.compile(r"^cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'")
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
# Which installed package a frame is in, and which Python it runs (from the frame's path).
_SITE_PACKAGE = re.compile(r"/site-packages/(?P<package>[A-Za-z0-9_]+)/")
_PYTHON_VERSION = re.compile(r"/lib/python(?P<version>3\.\d+)/")
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


def import_failure(parsed: ParsedTraceback, build_dir: str, shown: str, settings_module: Optional[str],
                   app_modules: Collection[str]) -> Optional[Failure]:
    """The Failure when the traceback is an import that failed; None for anything else."""
    if parsed.exception_type in _SYNTAX_ERRORS:
        return _syntax_failure(parsed, build_dir, shown)
    missing = NO_MODULE.match(parsed.message)
    if parsed.exception_type in ("ModuleNotFoundError", "ImportError") and missing:
        return _module_failure(missing.group("module"), parsed, shown, settings_module, app_modules)
    cannot = _CANNOT_IMPORT.match(parsed.message)
    if parsed.exception_type == "ImportError" and cannot:
        return _cannot_import_failure(cannot.group("name"), cannot.group("module"), shown)
    library = missing_library(parsed.message)
    if library is not None:
        return _system_library_failure(library, shown)
    return None


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
    # Named as the requirements name it: the top-level module PIL is the distribution Pillow.
    importer = PACKAGE_FOR_MODULE.get(package.group("package"), package.group("package")) if package else None
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
