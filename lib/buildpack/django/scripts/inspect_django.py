"""Runs under the APP's python (3.8+) in the directory of manage.py: asks Django about the project.

Prints one JSON object on stdout: the settings module, WSGI/ASGI application,
static files settings; or the error that stopped the settings from importing
(its type and where in the app's code, never its message). Anything the settings print goes
to stderr, so it cannot corrupt the report. Never prints setting VALUES other
than the few asked for here (no secrets).
"""
import importlib.util
import json
import os
import sys
import traceback

report_stream = sys.stdout
sys.stdout = sys.stderr  # settings that print() must not corrupt the JSON
project_root = os.getcwd()
sys.path.insert(0, project_root)


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


def module_found(dotted):
    """Whether the module of `pkg.wsgi.application` exists, without running it."""
    if not dotted:
        return None
    module = dotted.split(":", 1)[0] if ":" in dotted else dotted.rpartition(".")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # noqa: BLE001 - a parent package that fails to import
        return False


def staticfiles_backend(settings, django_version):
    storages = getattr(settings, "STORAGES", None)
    if django_version >= (4, 2) and isinstance(storages, dict):
        backend = (storages.get("staticfiles") or {}).get("BACKEND")
        if backend:
            return backend
    return getattr(settings, "STATICFILES_STORAGE", None)


def main():
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
            static_root=str(static_root) if static_root else None,
            static_url=getattr(settings, "STATIC_URL", None),
            staticfiles_installed=any("staticfiles" in str(app) for app in installed_apps),
            staticfiles_storage=staticfiles_backend(settings, version),
        )
    except BaseException as exc:  # noqa: BLE001 - report any failure (SystemExit too) to the buildpack
        # Only the type and where: a message can quote a setting's value.
        report["error"] = {"type": type(exc).__name__, "location": app_location(exc)}
    json.dump(report, report_stream)
    report_stream.write("\n")


main()
