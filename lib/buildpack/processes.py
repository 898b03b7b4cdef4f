"""Default process types: deciding them at compile time, rendering bin/release's YAML.

compile decides (it knows what is installed), stores the decision in the slug,
and bin/release prints it: release must be fast and cannot run the app's python.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import output

PROCESSES_FILE = Path(".heroku") / "django-buildpack" / "processes.json"
MIGRATE_COMMAND = "python manage.py migrate --noinput"


@dataclass
class ProcessPlan:
    """What bin/release will print, plus where each type came from."""

    process_types: Dict[str, str] = field(default_factory=dict)
    addons: List[str] = field(default_factory=list)
    warnings: List[Tuple[str, str]] = field(default_factory=list)


def in_dir(directory: str, command: str) -> str:
    """Prefix `cd DIR &&` for apps whose manage.py is not at the root."""
    return command if directory in ("", ".") else f"cd {directory} && {command}"


def wsgi_target(dotted: str) -> str:
    """`portfolio.wsgi.application` -> `portfolio.wsgi:application` (gunicorn's form)."""
    module, _, attribute = dotted.rpartition(".")
    return f"{module}:{attribute}" if module else dotted


def web_command(
    installed: set,
    project_dir: str,
    wsgi_application: Optional[str],
    asgi_application: Optional[str],
) -> Tuple[str, Optional[Tuple[str, str]]]:
    """The default web command, and a warning when it is not fit for production."""
    chdir = "" if project_dir in ("", ".") else f" --chdir {project_dir}"
    if asgi_application:
        target = wsgi_target(asgi_application)
        if "uvicorn" in installed and "gunicorn" in installed:
            return f"gunicorn{chdir} {target} -k uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT", None
        if "uvicorn" in installed:
            app_dir = "" if not chdir else f" --app-dir {project_dir}"
            return f"uvicorn{app_dir} {target} --host 0.0.0.0 --port $PORT", None
        if "daphne" in installed:
            return in_dir(project_dir, f"daphne -b 0.0.0.0 -p $PORT {target}"), None
    if wsgi_application and "gunicorn" in installed:
        return f"gunicorn{chdir} {wsgi_target(wsgi_application)} --bind 0.0.0.0:$PORT", None
    manage = "manage.py" if project_dir in ("", ".") else f"{project_dir}/manage.py"
    return f"python {manage} runserver 0.0.0.0:$PORT --noreload", (
        "Your web process will use Django's development server.",
        "gunicorn is not installed, so the default web process is\n"
        "`python manage.py runserver`, which is not made for production\n"
        "(it is slow, single-threaded and not security-audited).\n\n"
        "To fix it:\n"
        "1. Add gunicorn to requirements.txt.\n"
        "2. Or add a Procfile with your own `web:` command.",
    )


def release_command(project_dir: str) -> str:
    manage = "manage.py" if project_dir in ("", ".") else f"{project_dir}/manage.py"
    return f"python {manage} migrate --noinput"


def save(build_dir: Path, plan: ProcessPlan) -> None:
    path = build_dir / PROCESSES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"default_process_types": plan.process_types, "addons": plan.addons}, indent=2))


def load(build_dir: Path) -> Tuple[Dict[str, str], List[str]]:
    """The stored decision; nothing (not an error) when compile did not store one."""
    try:
        data = json.loads((build_dir / PROCESSES_FILE).read_text())
        return dict(data.get("default_process_types") or {}), list(data.get("addons") or [])
    except (OSError, ValueError, AttributeError):
        return {}, []


_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9_./$][^#]*$")


def yaml_scalar(value: str) -> str:
    """A YAML scalar: plain when unambiguous, else double-quoted with escapes."""
    if _PLAIN_SCALAR.match(value) and ": " not in value and not value.endswith(":") and value == value.strip():
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


_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def parse_procfile(text: str) -> Dict[str, str]:
    types = {}
    for line in text.splitlines():
        match = _PROCFILE_LINE.match(line.strip())
        if match:
            types[match.group(1)] = match.group(2).strip()
    return types


POSTGRES_DRIVERS = ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary")


def plan(build_dir: Path, django_app, installed: Dict[str, str]) -> ProcessPlan:
    """Decide the default process types (django_app is None for non-Django apps)."""
    result = ProcessPlan()
    if django_app is None:
        return result
    asgi = django_app.asgi_application
    wsgi = django_app.wsgi_application
    command, warning = web_command(set(installed), django_app.project_dir, wsgi, asgi if asgi or not wsgi else None)
    result.process_types["web"] = command
    result.process_types["release"] = release_command(django_app.project_dir)
    if warning and "web" not in read_procfile(build_dir):
        result.warnings.append(warning)
    if any(driver in installed for driver in POSTGRES_DRIVERS):
        result.addons.append("heroku-postgresql")
    return result


def read_procfile(build_dir: Path) -> Dict[str, str]:
    try:
        return parse_procfile((build_dir / "Procfile").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}


def effective(build_dir: Path, plan_: ProcessPlan) -> Dict[str, Tuple[str, str]]:
    """type -> (command, source): the Procfile wins per type over the defaults."""
    merged = {name: (command, "buildpack default") for name, command in plan_.process_types.items()}
    merged.update({name: (command, "Procfile") for name, command in read_procfile(build_dir).items()})
    return merged


def announce(build_dir: Path, plan_: ProcessPlan) -> None:
    for title, body in plan_.warnings:
        output.warning(title, body)
    merged = effective(build_dir, plan_)
    if not merged:
        output.step("No process types: add a Procfile with a `web:` command")
        return
    output.step("Process types:")
    for name, (command, source) in merged.items():
        output.detail(f"{name}: {command}   (from {source})")
    if merged.get("release", ("", ""))[1] == "buildpack default":
        output.note(
            "Run migrations in Heroku's release phase via your Procfile.",
            "The buildpack declares a default `release` process, but Heroku\n"
            "documents the release phase only through the Procfile. To be sure\n"
            "migrations run on every deploy, add this line to your Procfile:\n\n"
            f"    release: {merged['release'][0]}",
        )
