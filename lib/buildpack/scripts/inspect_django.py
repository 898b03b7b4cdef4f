"""Runs under the APP's python in the app's directory: asks Django about the project.

Prints JSON: settings module, WSGI/ASGI application, static settings, or the
error that stopped the settings from importing (type and message only).
"""
import json
import os
import sys

sys.path.insert(0, os.getcwd())
report = {"settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"), "error": None}
try:
    import django
    from django.conf import settings

    report["django_version"] = django.get_version()
    settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to import
    report.update(
        wsgi_application=getattr(settings, "WSGI_APPLICATION", None),
        asgi_application=getattr(settings, "ASGI_APPLICATION", None),
        static_root=str(settings.STATIC_ROOT) if getattr(settings, "STATIC_ROOT", None) else None,
        static_url=getattr(settings, "STATIC_URL", None),
        staticfiles_installed="django.contrib.staticfiles" in settings.INSTALLED_APPS,
    )
except Exception as exc:  # noqa: BLE001 - report any failure to the buildpack
    report["error"] = {"type": type(exc).__name__, "message": str(exc)[:500]}
json.dump(report, sys.stdout)
