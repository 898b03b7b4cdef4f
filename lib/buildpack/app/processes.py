"""Default process types: deciding them at compile time, rendering bin/release's YAML.

compile decides (it knows what is installed), stores the decision in the slug,
and bin/release prints it: release must be fast and cannot run the app's python.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Dict, List, Optional, Tuple

from buildpack import output
from buildpack.app import procfile
from buildpack.context import is_enabled
from buildpack.errors import DOCS_PROCFILE, DOCS_RELEASE_PHASE

PROCESSES_FILE = Path(".heroku") / "django-buildpack" / "processes.json"
MIGRATE_COMMAND = "python manage.py migrate --noinput"
# The config var that keeps the buildpack from writing a Procfile into the slug.
DISABLE_PROCFILE = "DISABLE_DEFAULT_PROCFILE"
# A 200k-line Procfile must not make a 12 MB log.
ANNOUNCED_TYPES = 20


@dataclass
class ProcessPlan:
    """What bin/release will print, plus why each default was chosen."""

    process_types: Dict[str, str] = field(default_factory=dict)
    addons: List[str] = field(default_factory=list)
    warnings: List[Tuple[str, str]] = field(default_factory=list)
    reasons: Dict[str, str] = field(default_factory=dict)


@dataclass
class WebChoice:
    command: str
    reason: str
    warning: Optional[Tuple[str, str]] = None


def is_root(directory: str) -> bool:
    return directory in ("", ".")


def in_dir(directory: str, command: str) -> str:
    """Prefix `cd DIR &&` for apps whose manage.py is not at the root."""
    return command if is_root(directory) else f"cd {shlex.quote(directory)} && {command}"


def manage_py(directory: str) -> str:
    return "manage.py" if is_root(directory) else shlex.quote(f"{directory}/manage.py")


def directory_option(option: str, directory: str) -> str:
    """` --chdir DIR` (or another server's option) for a directory other than the one the
    command starts in: a nested project, a src/ its package is imported from; nothing for "."."""
    return "" if is_root(directory) else f" {option} {shlex.quote(directory)}"


def gunicorn_paths(project_dir: str, import_dir: str) -> str:
    """gunicorn's --chdir into the project, then --pythonpath for a package manage.py imports
    from a subdirectory (gunicorn does not run manage.py; it reads --pythonpath after --chdir)."""
    return directory_option("--chdir", project_dir) + directory_option("--pythonpath", import_dir)


def wsgi_target(dotted: str) -> str:
    """`portfolio.wsgi.application` -> `portfolio.wsgi:application` (the servers' form)."""
    if ":" in dotted:
        return dotted
    module, _, attribute = dotted.rpartition(".")
    return f"{module}:{attribute}" if module else dotted


def asgi_command(installed: Collection[str], project_dir: str, application: str,
                 import_dir: str = ".") -> Optional[Tuple[str, str]]:
    """(command, server) for the first ASGI server installed, in order of preference.

    gunicorn with uvicorn workers first: gunicorn manages the workers (WEB_CONCURRENCY)
    and restarts them; then uvicorn alone; then daphne (Channels' own server).
    """
    target = wsgi_target(application)
    paths = gunicorn_paths(project_dir, import_dir)
    if "gunicorn" in installed and ("uvicorn-worker" in installed or "uvicorn" in installed):
        # uvicorn.workers is deprecated since uvicorn 0.30 in favour of the uvicorn-worker package.
        worker = "uvicorn_worker.UvicornWorker" if "uvicorn-worker" in installed else "uvicorn.workers.UvicornWorker"
        return f"gunicorn{paths} {target} --worker-class {worker} --bind 0.0.0.0:$PORT", "gunicorn with uvicorn workers"
    if "uvicorn" in installed:
        app_dir = directory_option("--app-dir", os.path.normpath(os.path.join(project_dir, import_dir)))
        return f"uvicorn{app_dir} {target} --host 0.0.0.0 --port $PORT", "uvicorn"
    if "daphne" in installed:
        # daphne has no --chdir; it imports from its working directory (and PYTHONPATH).
        python_path = "" if is_root(import_dir) else f"PYTHONPATH={shlex.quote(import_dir)} "
        return in_dir(project_dir, f"{python_path}daphne --bind 0.0.0.0 --port $PORT {target}"), "daphne"
    return None


def web_command(
    installed: Collection[str],
    project_dir: str,
    wsgi_application: Optional[str],
    asgi_application: Optional[str] = None,
    asgi_fallback: Optional[str] = None,
    import_dir: str = ".",
) -> WebChoice:
    """The default web process, always bound to 0.0.0.0:$PORT.

    wsgi_application: a WSGI application whose module exists. asgi_application: the
    ASGI_APPLICATION setting. asgi_fallback: the project's asgi.py, which every
    startproject has, used only when there is no WSGI application. import_dir: where,
    relative to project_dir, the application's package is imported from.
    """
    asgi = asgi_application or (None if wsgi_application else asgi_fallback)
    no_asgi_server = None
    if asgi:
        why = "ASGI_APPLICATION is set" if asgi_application else "no WSGI application was found"
        chosen = asgi_command(installed, project_dir, asgi, import_dir)
        if chosen is not None:
            return WebChoice(chosen[0], f"{chosen[1]} on the ASGI application {asgi} ({why})")
        no_asgi_server = (
            f"{why[0].upper() + why[1:]}, but no ASGI server is installed.",
            f"The ASGI application {asgi} needs an ASGI server to run.\n\n"
            "To fix it: add one to requirements.txt:\n"
            "1. gunicorn and uvicorn-worker (gunicorn manages uvicorn workers), or\n"
            "2. uvicorn[standard], or\n"
            "3. daphne.\n"
            "Or add a Procfile with your own `web:` command.",
        )
    if wsgi_application and "gunicorn" in installed:
        paths = gunicorn_paths(project_dir, import_dir)
        return WebChoice(
            f"gunicorn{paths} {wsgi_target(wsgi_application)} --bind 0.0.0.0:$PORT",
            f"gunicorn on the WSGI application {wsgi_application}",
            no_asgi_server,
        )
    command = f"python {manage_py(project_dir)} runserver 0.0.0.0:$PORT --noreload"
    if no_asgi_server is not None:
        return WebChoice(command, "Django's development server (no ASGI server is installed)", (
            no_asgi_server[0],
            no_asgi_server[1] + "\n\nUntil then the web process is Django's development server\n"
            "(`manage.py runserver`), which is not made for production.",
        ))
    missing = "gunicorn is not installed" if wsgi_application else "no WSGI application was found"
    return WebChoice(command, f"Django's development server ({missing})", (
        "Your web process will use Django's development server.",
        f"{missing[0].upper() + missing[1:]}, so the default web process is\n"
        "`python manage.py runserver`, which is not made for production\n"
        "(it is slow, single-threaded and not security-audited).\n\n"
        "To fix it:\n"
        "1. Add gunicorn to requirements.txt"
        + (".\n" if wsgi_application else ", and set WSGI_APPLICATION in\n   your settings.\n")
        + "2. Or add a Procfile with your own `web:` command.",
    ))


def release_command(project_dir: str) -> str:
    return f"python {manage_py(project_dir)} migrate --noinput"


def save(build_dir: Path, plan: ProcessPlan) -> None:
    path = build_dir / PROCESSES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"default_process_types": plan.process_types, "addons": plan.addons, "reasons": plan.reasons}
    path.write_text(json.dumps(data, indent=2))


def load(build_dir: Path) -> Tuple[Dict[str, str], List[str]]:
    """The stored decision; nothing (not an error) when compile did not store one."""
    try:
        data = json.loads((build_dir / PROCESSES_FILE).read_text())
        return dict(data.get("default_process_types") or {}), list(data.get("addons") or [])
    except (OSError, ValueError, AttributeError):
        return {}, []


_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9_./$][^#]*$")


# Plain scalars YAML reads as something other than a string: numbers, booleans, null.
_NOT_A_STRING = re.compile(r"^([-+]?(\.?[0-9][0-9_.:eE+-]*|\.inf|\.nan|0x[0-9a-fA-F]+|0o[0-7]+)|~|null|Null|NULL|"
                           r"true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$")


def yaml_scalar(value: str) -> str:
    """A YAML scalar: plain when unambiguous, else double-quoted with escapes."""
    if (_PLAIN_SCALAR.match(value) and ": " not in value and not value.endswith(":") and value == value.strip()
            and not _NOT_A_STRING.match(value)):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def render_release_yaml(process_types: Dict[str, str], addons: List[str]) -> str:
    """bin/release's output, written by hand (no PyYAML on the stack images)."""
    lines = ["---"]
    if addons:
        lines.append("addons:")
        lines.extend(f"  - {yaml_scalar(addon)}" for addon in addons)
    if process_types:
        lines.append("default_process_types:")
        lines.extend(f"  {name}: {yaml_scalar(command)}" for name, command in process_types.items())
    if len(lines) == 1:
        lines.append("{}")
    return "\n".join(lines) + "\n"


POSTGRES_DRIVERS = ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "psycopg-c")


def plan(build_dir: Path, django_app, installed: Dict[str, str]) -> ProcessPlan:
    """Decide the default process types (django_app is None for non-Django apps)."""
    result = ProcessPlan()
    if django_app is None:
        return result
    declared = procfile.read(build_dir).process_types
    web = web_command(
        set(installed),
        django_app.project_dir,
        django_app.wsgi_application,
        django_app.asgi_application,
        getattr(django_app, "asgi_fallback", None),
        getattr(django_app, "import_dir", "."),
    )
    result.process_types["web"] = web.command
    result.reasons["web"] = web.reason
    result.process_types["release"] = release_command(django_app.project_dir)
    result.reasons["release"] = "migrations run in the release phase, never in the build"
    if web.warning and "web" not in declared:
        result.warnings.append(web.warning)
    if any(driver in installed for driver in POSTGRES_DRIVERS):
        result.addons.append("heroku-postgresql")
    misplaced = build_dir / django_app.project_dir / "Procfile"
    if not (build_dir / "Procfile").is_file() and not is_root(django_app.project_dir) and misplaced.is_file():
        result.warnings.append((
            f"Your Procfile is in {django_app.project_dir}/, where Heroku does not read it.",
            "Heroku reads the Procfile only from the root of the repository, so\n"
            f"{django_app.project_dir}/Procfile is ignored and the default process types apply.\n\n"
            "To fix it: move it to the root of the repository, and let each\n"
            f"command change into {django_app.project_dir}/ itself (for example\n"
            f"`gunicorn --chdir {django_app.project_dir} ...`).",
        ))
    return result


def write_procfile(build_dir: Path, plan_: ProcessPlan, disabled: Optional[str]) -> bool:
    """Write the defaults as the slug's Procfile when the app has none; True when written.

    Heroku reads process types from the built slug's Procfile, and runs the
    release phase only from there: without this, `release` would never run.
    An app's own Procfile (even an unreadable one) is never touched.
    """
    path = build_dir / procfile.PROCFILE
    if path.exists() or path.is_symlink() or not plan_.process_types:
        return False
    if is_enabled(disabled):
        output.step(f"No Procfile written ({DISABLE_PROCFILE} is set to '{(disabled or '').strip()}')")
        return False
    path.write_text(render_procfile(plan_.process_types))
    return True


def render_procfile(process_types: Dict[str, str]) -> str:
    return "".join(f"{name}: {command}\n" for name, command in process_types.items())


def effective(build_dir: Path, plan_: ProcessPlan, written: bool = False) -> Dict[str, Tuple[str, str]]:
    """type -> (command, source): the Procfile wins per type over the defaults."""
    merged = {name: (command, "buildpack default") for name, command in plan_.process_types.items()}
    if not written:
        merged.update({name: (command, "Procfile") for name, command in procfile.read(build_dir).process_types.items()})
    return merged


def announce(build_dir: Path, plan_: ProcessPlan, written: bool = False) -> None:
    """List the effective process types and where each came from (a bounded list)."""
    for title, body in plan_.warnings:
        output.warning(title, body, DOCS_PROCFILE)
    merged = effective(build_dir, plan_, written)
    if not merged:
        output.step("No process types: add a Procfile with a `web:` command")
        return
    output.step("Process types (a Procfile entry wins over the default of the same name):")
    for name, (command, source) in list(merged.items())[:ANNOUNCED_TYPES]:
        output.detail(f"{name}: {procfile.quote(command)}")
        if source == "buildpack default":
            reason = plan_.reasons.get(name)
            output.detail(f"    (buildpack default: {reason})" if reason else "    (buildpack default)")
        elif name in plan_.process_types:
            output.detail("    (from Procfile, instead of the buildpack default)")
        else:
            output.detail("    (from Procfile)")
    if len(merged) > ANNOUNCED_TYPES:
        output.detail(f"... and {len(merged) - ANNOUNCED_TYPES} more process types from the Procfile")
    if "web" not in merged:
        output.detail("(no web process: the app will not serve HTTP until a Procfile declares `web:`)")
    if written:
        output.step("No Procfile in the app: wrote one with the web and release defaults above")
        output.detail(f"(Heroku runs the release phase only from the Procfile; {DISABLE_PROCFILE}=1 turns this off)")
    elif merged.get("release", ("", ""))[1] == "buildpack default":
        output.note(
            "Run migrations in Heroku's release phase via your Procfile.",
            "The buildpack declares a default `release` process, but Heroku\n"
            "documents the release phase only through the Procfile. To be sure\n"
            "migrations run on every deploy, add this line to your Procfile:\n\n"
            f"    release: {merged['release'][0]}",
            DOCS_RELEASE_PHASE,
        )
