"""The Django project: where manage.py is, which settings module it uses, and what
Django says about it (from Django itself, else from the settings' source).

What it learns (settings module, WSGI/ASGI application, static files) is said in
the build log with its source, and feeds the default process types (app/processes.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from buildpack import build_env, commands, output
from buildpack.context import Context
from buildpack.django import settings as django_settings
from buildpack.django.process import DjangoProcess
from buildpack.source.app_files import refuse_non_python
from buildpack.source.project_layout import MANAGE_PY_MAX_DEPTH, find_manage_py, manage_py_files, stray_requirements

CONFIG_VAR_SOURCE = "the DJANGO_SETTINGS_MODULE config var"


def django_missing(build_dir: Path, manage_py: Path) -> Tuple[str, str]:
    """A Django project (it has a manage.py) whose installed dependencies lack Django."""
    where = manage_py.relative_to(build_dir).as_posix()
    stray = stray_requirements(build_dir)
    if stray:
        shown = ", ".join(stray[:4]) + (", ..." if len(stray) > 4 else "")
        fix = ("The build installs only the dependency file in the root of the app,\n"
               f"not these:\n   {shown}\n\n"
               "To fix it: add requirements.txt to the root, holding the line\n"
               f"   -r {stray[0]}\n"
               "then commit it and deploy again.")
    else:
        fix = ("To fix it: list Django (and the app's other dependencies) in\n"
               "requirements.txt in the root of the app (or in the lock of uv,\n"
               "Poetry or Pipenv), commit it and deploy again.")
    return (
        "The app has a manage.py, but Django is not installed.",
        f"{where} was found, but the app's dependencies do not include\n"
        "Django: collectstatic is skipped, no web or release process is set\n"
        "up, and manage.py commands fail with \"No module named django\".\n\n" + fix,
    )


@dataclass
class DjangoApp:
    manage_py: Path
    project_dir: str  # relative to the build dir; "." at the root
    settings_module: Optional[str]
    settings_source: str = "manage.py"
    other_manage_py: List[str] = field(default_factory=list)
    # "django" when Django answered, "source" when the settings could not be imported.
    introspection: str = "source"
    django_version: Optional[str] = None
    wsgi_application: Optional[str] = None  # a WSGI application whose module exists
    wsgi_source: str = ""
    asgi_application: Optional[str] = None  # the ASGI_APPLICATION setting (module exists)
    asgi_fallback: Optional[str] = None  # the project's asgi.py, used when there is no WSGI application
    # Where the application's package is imported from, relative to the project: "src" when
    # manage.py puts src/ on sys.path (the web server is told so too); "." otherwise.
    import_dir: str = "."
    staticfiles_installed: Optional[bool] = True  # None: could not tell
    static_root: Optional[str] = None
    staticfiles_storage: Optional[str] = None
    settings_error: Optional[Dict[str, object]] = None
    notes: List[str] = field(default_factory=list)
    build_dir: Optional[Path] = None
    process: Optional[DjangoProcess] = field(default=None, repr=False, compare=False)
    # The exit status when the process ended while importing the settings (it did not answer).
    process_ended: Optional[int] = None

    def close(self) -> None:
        """End the Django process (the build has nothing more to ask it)."""
        if self.process is not None:
            self.process.close()

    @property
    def manage_py_display(self) -> str:
        return "manage.py" if self.project_dir == "." else f"{self.project_dir}/manage.py"

    @property
    def project_root(self) -> Path:
        return self.manage_py.parent


# How the build's Django process is started: DjangoProcess's signature (the reuse of the
# last build's answers passes its own).
ProcessStarter = Callable[[Context, Dict[str, str], Path, str], DjangoProcess]


def find(ctx: Context, installed: Dict[str, str], start: Optional[ProcessStarter] = None) -> Optional[DjangoApp]:
    """The Django project, when Django is installed and a manage.py is found; else None."""
    manage_py = find_manage_py(ctx.build_dir)
    if "django" not in installed:
        if manage_py is not None:
            output.warning(*django_missing(ctx.build_dir, manage_py))
        return None
    if manage_py is None:
        output.step("Django is installed, but no manage.py was found: skipping the Django steps")
        output.detail(f"(looked in the root and up to {MANAGE_PY_MAX_DEPTH} levels down)")
        return None
    project_dir = manage_py.parent.relative_to(ctx.build_dir).as_posix()
    others = [p.relative_to(ctx.build_dir).as_posix() for p in manage_py_files(ctx.build_dir) if p != manage_py]
    refuse_non_python(ctx.build_dir, manage_py)
    text = manage_py.read_text(encoding="utf-8", errors="replace")
    configured = (ctx.safe_config_vars().get("DJANGO_SETTINGS_MODULE") or "").strip()
    app = DjangoApp(
        manage_py=manage_py,
        project_dir=project_dir or ".",
        settings_module=configured or django_settings.settings_module_from_manage_py(text),
        settings_source=CONFIG_VAR_SOURCE if configured else "manage.py",
        other_manage_py=others,
        build_dir=ctx.build_dir,
    )
    settings_file = django_settings.module_file(app.project_root, app.settings_module or "")
    if settings_file is not None:
        refuse_non_python(ctx.build_dir, settings_file)
    introspect(ctx, app, start)
    return app


def web_settings_default(app: DjangoApp) -> Optional[Tuple[str, str]]:
    """When manage.py chose the build's settings: the other settings module the web
    process's WSGI/ASGI module defaults to, with that module's file (None: the same
    settings, a config var chooses for every process, or nothing to tell)."""
    application = app.wsgi_application or app.asgi_application or app.asgi_fallback
    if app.settings_source != "manage.py" or not application or not app.settings_module:
        return None
    found = django_settings.default_settings_module(app.project_root, application)
    if found is None or found[1] == app.settings_module:
        return None
    path, module = found
    return path.relative_to(app.project_root).as_posix(), module


# Settings modules named for development, and the production ones that may sit beside them.
DEVELOPMENT_SETTINGS = ("dev", "develop", "development", "local")
PRODUCTION_SETTINGS = ("production", "prod", "heroku")


def unused_production_settings(app: DjangoApp) -> Optional[str]:
    """manage.py's development settings (x.settings.dev) left to every process, while a
    production module sits beside them (x.settings.production), as in Wagtail's template."""
    if app.settings_source != "manage.py" or not app.settings_module:
        return None
    package, _, name = app.settings_module.rpartition(".")
    if not package or name not in DEVELOPMENT_SETTINGS:
        return None
    for candidate in PRODUCTION_SETTINGS:
        if django_settings.module_exists(app.project_root, f"{package}.{candidate}"):
            return f"{package}.{candidate}"
    return None


def django_env(ctx: Context, app: DjangoApp) -> Dict[str, str]:
    """The app's python with its config vars (after the denylist), DYNO kept, settings module set."""
    env = build_env.for_app(ctx, with_config_vars=True)
    if app.settings_module and "DJANGO_SETTINGS_MODULE" not in env:
        env["DJANGO_SETTINGS_MODULE"] = app.settings_module
    return env


def start_process(ctx: Context, app: DjangoApp, start: Optional[ProcessStarter] = None) -> None:
    """The build's one Django process, for the settings, collectstatic and the checks."""
    app.process = (start or DjangoProcess)(ctx, django_env(ctx, app), app.project_root, app.manage_py.name)


def ask_django(ctx: Context, app: DjangoApp, start: Optional[ProcessStarter] = None) -> Dict[str, object]:
    start_process(ctx, app, start)
    assert app.process is not None
    outcome = app.process.inspect()
    report = (outcome.record or {}).get("report")
    if not isinstance(report, dict):
        # It ended before it could answer: os._exit in the settings, a crash, a kill.
        app.process_ended = outcome.returncode
        status, _ = commands.describe_exit(outcome.returncode if outcome.returncode is not None else 0)
        return {"error": {"type": f"the Django process ended ({status})", "location": None}}
    return report


def introspect(ctx: Context, app: DjangoApp, start: Optional[ProcessStarter] = None) -> None:
    """Ask Django; where the settings cannot be imported, read their source instead."""
    report = ask_django(ctx, app, start)
    root = app.project_root
    error = report.get("error")
    if not error:
        app.introspection = "django"
        app.settings_module = str(report.get("settings_module") or app.settings_module or "") or None
        app.django_version = _text(report.get("django_version"))
        wsgi, asgi = _text(report.get("wsgi_application")), _text(report.get("asgi_application"))
        wsgi_found = report.get("wsgi_module_found")
        asgi_found = report.get("asgi_module_found")
        app.staticfiles_installed = bool(report.get("staticfiles_installed"))
        app.static_root = _text(report.get("static_root"))
        app.staticfiles_storage = _text(report.get("staticfiles_storage"))
    else:
        app.introspection = "source"
        app.settings_error = error if isinstance(error, dict) else {"type": str(error)}
        static = django_settings.read_settings(root, app.settings_module)
        wsgi, asgi = static.wsgi_application, static.asgi_application
        wsgi_found = asgi_found = None
        app.staticfiles_installed = static.staticfiles_installed
        app.static_root = "(set)" if static.static_root_set else None
    choose_applications(app, wsgi, wsgi_found, asgi, asgi_found)
    if app.introspection == "django":
        chosen = "asgi" if app.asgi_application else "wsgi" if app.wsgi_application == wsgi else None
        app.import_dir = _import_dir(root, report.get(f"{chosen}_import_root")) if chosen else "."


def _import_dir(root: Path, reported: object) -> str:
    """A directory inside the project, relative to it; "." for the project's own directory or
    one outside it (site-packages: an installed package needs no help)."""
    if not isinstance(reported, str) or not reported:
        return "."
    try:
        return str(Path(reported).resolve().relative_to(root.resolve()))
    except ValueError:
        return "."


def _text(value: object) -> Optional[str]:
    return str(value) if value else None


def _module_found(root: Path, dotted: str, reported: object) -> bool:
    if isinstance(reported, bool) and reported:
        return True
    return django_settings.module_exists(root, django_settings.application_module(dotted))


def choose_applications(
    app: DjangoApp,
    wsgi: Optional[str],
    wsgi_found: object,
    asgi: Optional[str],
    asgi_found: object,
) -> None:
    """Keep the applications whose modules exist; fall back to startproject's wsgi.py/asgi.py."""
    root = app.project_root
    if wsgi and _module_found(root, wsgi, wsgi_found):
        app.wsgi_application, app.wsgi_source = wsgi, "WSGI_APPLICATION"
    else:
        if wsgi:
            app.notes.append(f"WSGI_APPLICATION is '{wsgi}', but its module is not in the app.")
        guessed = django_settings.guess_application(root, app.settings_module, "wsgi")
        if guessed:
            app.wsgi_application, app.wsgi_source = guessed, "the project's wsgi.py"
    if asgi and _module_found(root, asgi, asgi_found):
        app.asgi_application = asgi
    elif asgi:
        app.notes.append(f"ASGI_APPLICATION is '{asgi}', but its module is not in the app.")
    app.asgi_fallback = django_settings.guess_application(root, app.settings_module, "asgi")


def describe(app: DjangoApp) -> None:
    """Say what was found, and where each fact came from."""
    chosen = app.manage_py_display
    if app.other_manage_py:
        others = ", ".join(app.other_manage_py[:3]) + (", ..." if len(app.other_manage_py) > 3 else "")
        output.step(f"Django app found: {chosen} (the shallowest; also found: {others})")
    else:
        output.step(f"Django app found: {chosen}")
    if app.settings_module:
        output.detail(f"Settings module: {app.settings_module} (from {app.settings_source})")
    else:
        output.detail("Settings module: none found (manage.py does not set DJANGO_SETTINGS_MODULE)")
    if app.introspection == "django":
        version = f" {app.django_version}" if app.django_version else ""
        if getattr(app.process, "replayed", False):
            output.detail(f"Django{version}'s answers about the settings, from the last build:")
        else:
            output.detail(f"Asked Django{version} about the settings:")
    else:
        output.detail(f"The settings cannot be imported at build time ({_error_summary(app.settings_error)});")
        output.detail("read from their source instead:")
    if app.wsgi_application:
        output.detail(f"  WSGI application: {app.wsgi_application} (from {app.wsgi_source})")
    else:
        output.detail("  WSGI application: none found")
    if app.asgi_application:
        output.detail(f"  ASGI application: {app.asgi_application} (from ASGI_APPLICATION)")
    if app.import_dir != ".":
        output.detail(f"  Imported from: {app.import_dir}/ (put on sys.path by manage.py or the settings)")
    if app.staticfiles_installed is False:
        output.detail("  Static files: django.contrib.staticfiles is not installed")
    elif app.introspection == "django":
        root = app.static_root
        if root and app.build_dir is not None:
            root = without_build_dir(root + "/", app.build_dir).rstrip("/") or root
        storage = f", storage {app.staticfiles_storage}" if app.staticfiles_storage else ""
        output.detail(f"  Static files: STATIC_ROOT {root or 'not set'}{storage}")
    for note in app.notes:
        output.detail(f"  {note}")


def _error_summary(error: Optional[Dict[str, object]]) -> str:
    if not error:
        return "unknown error"
    location = error.get("location")
    if isinstance(location, dict) and location.get("file"):
        return f"{error.get('type')} at {location.get('file')}, line {location.get('line')}"
    return str(error.get("type"))


def without_build_dir(line: str, build_dir: Path) -> str:
    """A line of output with the build dir's path taken out (paths read relative to the app)."""
    for base in {str(build_dir.resolve()), str(build_dir)}:
        line = line.replace(base.rstrip("/") + "/", "")
    return line


@contextmanager
def open(ctx: Context, installed: Dict[str, str],
         start: Optional[ProcessStarter] = None) -> Iterator[Optional[DjangoApp]]:
    """The Django project (see find), its one Django process ended when the block ends,
    whether the steps in it succeeded or not."""
    app = find(ctx, installed, start)
    try:
        yield app
    finally:
        if app is not None:
            app.close()
