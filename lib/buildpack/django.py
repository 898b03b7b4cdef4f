"""The Django step: find the project, ask Django about it, run collectstatic."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import build_env, commands, output
from .context import Context, is_enabled
from .detect import find_manage_py
from .errors import CollectstaticError

INSPECT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "inspect_django.py"
_SETTINGS_DEFAULT = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]""")


@dataclass
class DjangoApp:
    manage_py: Path
    project_dir: str  # relative to the build dir; "." at the root
    settings_module: Optional[str]
    wsgi_application: Optional[str] = None
    asgi_application: Optional[str] = None
    staticfiles_installed: bool = True
    static_root: Optional[str] = None
    settings_error: Optional[Dict[str, str]] = None
    notes: List[str] = field(default_factory=list)


def settings_module_from_manage_py(text: str) -> Optional[str]:
    match = _SETTINGS_DEFAULT.search(text)
    return match.group(1) if match else None


def static_wsgi_guess(settings_module: Optional[str]) -> Optional[str]:
    """Django's startproject default when settings cannot be imported."""
    if not settings_module:
        return None
    package = settings_module.rsplit(".", 1)[0] if "." in settings_module else settings_module
    return f"{package}.wsgi.application"


def find(ctx: Context, installed: Dict[str, str]) -> Optional[DjangoApp]:
    if "django" not in installed:
        return None
    manage_py = find_manage_py(ctx.build_dir)
    if manage_py is None:
        return None
    project_dir = str(manage_py.parent.relative_to(ctx.build_dir)) or "."
    text = manage_py.read_text(encoding="utf-8", errors="replace")
    app = DjangoApp(manage_py=manage_py, project_dir=project_dir, settings_module=settings_module_from_manage_py(text))
    introspect(ctx, app)
    return app


def django_env(ctx: Context, app: DjangoApp) -> Dict[str, str]:
    env = build_env.for_app(ctx, with_config_vars=True)
    if app.settings_module and "DJANGO_SETTINGS_MODULE" not in env:
        env["DJANGO_SETTINGS_MODULE"] = app.settings_module
    return env


def introspect(ctx: Context, app: DjangoApp) -> None:
    completed = commands.capture_stdout(
        [str(ctx.app_python), str(INSPECT_SCRIPT)], django_env(ctx, app), cwd=app.manage_py.parent
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        report = {"error": {"type": "Error", "message": completed.stderr.strip()[-500:]}}
    app.settings_error = report.get("error")
    app.settings_module = report.get("settings_module") or app.settings_module
    if app.settings_error is None:
        app.wsgi_application = report.get("wsgi_application")
        app.asgi_application = report.get("asgi_application")
        app.staticfiles_installed = bool(report.get("staticfiles_installed"))
        app.static_root = report.get("static_root")
    else:
        app.wsgi_application = static_wsgi_guess(app.settings_module)


def collectstatic(ctx: Context, app: DjangoApp) -> None:
    if is_enabled(ctx.setting("DISABLE_COLLECTSTATIC")):
        output.step("Skipping collectstatic (DISABLE_COLLECTSTATIC is set)")
        return
    if app.settings_error is None and not app.staticfiles_installed:
        output.step("Skipping collectstatic (django.contrib.staticfiles is not in INSTALLED_APPS)")
        return
    output.step("Running collectstatic")
    argv = [str(ctx.app_python), "manage.py", "collectstatic", "--noinput"]
    if is_enabled(ctx.setting("DEBUG_COLLECTSTATIC")):
        argv += ["--verbosity", "2", "--traceback"]
    result = commands.run(argv, django_env(ctx, app), cwd=app.manage_py.parent, echo=False)
    if not result.ok:
        raise CollectstaticError(
            "collectstatic failed.",
            "`python manage.py collectstatic --noinput` exited with an error.\n"
            "The end of its output:\n\n" + "\n".join(result.tail[-20:]),
        )
    summary = [line for line in result.tail if "static file" in line]
    output.details(summary[-1:] or result.tail[-1:])


def describe(app: DjangoApp) -> None:
    where = "manage.py" if app.project_dir == "." else f"{app.project_dir}/manage.py"
    output.step(f"Django app found: {where}")
    if app.settings_module:
        output.detail(f"Settings module: {app.settings_module}")
    if app.settings_error:
        output.detail(
            f"Settings could not be imported at build time ({app.settings_error.get('type')});"
            " using a static reading of the source"
        )
    if app.wsgi_application:
        output.detail(f"WSGI application: {app.wsgi_application}")
    if app.asgi_application:
        output.detail(f"ASGI application: {app.asgi_application}")
