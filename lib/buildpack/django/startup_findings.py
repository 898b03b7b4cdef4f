"""The warning for Django that cannot import its settings, or imports them but cannot start.

The build tells it because the release phase (`migrate`) and every web request would
fail the same way. The cause's own fix when the error names one: a variable the build
does not have, a system library the stack image lacks, a module the build's Python no
longer has; else where to look (the file and line). Pure over the Django process's facts.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from buildpack import reasons
from buildpack.django.import_failures import NO_MODULE
from buildpack.django.system_libraries import missing_library
from buildpack.errors import Finding
from buildpack.python.removed_modules import fixes as removed_fixes
from buildpack.python.removed_modules import removed_module


def startup_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    """Django imports its settings but cannot start (an app, a model or the URLconf fails).

    The message is the app's own, as it is: `output` masks config var values when printing."""
    error = facts.get("startup_error")
    if not isinstance(error, dict) or error.get("database"):
        return None  # a database error: the build has none, the dyno will
    stage = str(facts.get("startup_stage") or "starting Django")
    if facts.get("root_urlconf"):
        stage = stage.replace("(ROOT_URLCONF)", f"(ROOT_URLCONF {facts['root_urlconf']!r})")
    return _failing_finding(reasons.CHECKS_DJANGO_CANNOT_START, "Django cannot start", stage, error, "")


def settings_import_finding(facts: Mapping[str, Any]) -> Optional[Finding]:
    """The settings do not import. collectstatic fails the build on it; with collectstatic
    disabled nothing else would say so before the release phase fails the same way."""
    error = facts.get("error")
    if not isinstance(error, dict):
        return None
    return _failing_finding(
        reasons.CHECKS_SETTINGS_DO_NOT_IMPORT, "Django cannot import the settings", "importing the settings", error,
        "If the settings need something only a dyno has (PORT, DYNO), read it\n"
        "with a default, so that the build can import them too.\n\n")


# Set by Heroku on a running dyno, never in the build: a config var of the name would be wrong.
DYNO_ONLY_VARIABLES = ("PORT", "DYNO")


def _failing_finding(reason: str, title: str, stage: str, error: Mapping[str, Any], hint: str) -> Finding:
    """A warning about an error that the release phase and every request will meet too."""
    kind = str(error.get("type") or "an error")
    location = error.get("location") if isinstance(error.get("location"), dict) else None
    where = f"{location.get('file')}, line {location.get('line')}" if location else ""
    message = str(error.get("message") or "")
    variable = error.get("environment_variable")
    if isinstance(variable, str) and not message:
        message = repr(variable)  # a KeyError's message: the name, which the script checked
    shown = f"{kind}: {message}" if message else kind
    fixes = ("1. Run `python manage.py check` locally with these settings: it shows\n"
             "   the same error with its traceback.\n")
    if where:
        fixes += f"2. Fix {where}."
    library = missing_library(message)
    named = NO_MODULE.match(message)
    removed = removed_module(named.group("module")) if named else None
    if library is not None:
        hint = f"It needs {library.library}, which Heroku's stack image does not have.\n\n"
        fixes = library.steps.rstrip("\n")
    elif removed is not None:
        hint = (f"'{removed.name}' was part of Python's standard library until Python\n"
                f"{removed.last_python}; the build's Python ({removed.removed_in} or newer) does not have it.\n\n")
        fixes = removed_fixes(removed).rstrip("\n")
    elif isinstance(variable, str):
        hint = (f"The code reads the environment variable {variable}, which is not set\n"
                "during the build (Heroku gives the build the app's config vars).\n\n")
        fixes = (f"1. Set it: heroku config:set {variable}=...\n"
                 "2. Or read it with a default that the build can use:\n"
                 f'   os.environ.get("{variable}", "...")')
        if variable in DYNO_ONLY_VARIABLES:
            hint = f"The code reads {variable}, which only a running dyno has.\n\n"
            fixes = f'1. Read it with a default that the build can use:\n   os.environ.get("{variable}", "...")'
    return Finding(
        reason,
        f"{title}: {kind}" + (f" in {where}." if where else "."),
        f"{stage[0].upper() + stage[1:]} failed:\n"
        f"    {shown}\n" + (f"    at {where}\n" if where else "")
        + "The release phase (`manage.py migrate`) and every web request will\n"
        "fail with this error.\n\n" + hint
        + "To fix it:\n" + fixes,
    )
