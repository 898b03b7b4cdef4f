"""The static reading of Django settings (the fallback when they cannot be imported)."""
from pathlib import Path

import pytest

from buildpack.django import project
from buildpack.django import settings as ds

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("text, expected", [
    ('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")', "portfolio.settings"),
    ("os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.local')", "config.settings.local"),
    ('os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"', "mysite.settings"),
    ('os.environ.setdefault(\n    "DJANGO_SETTINGS_MODULE" ,  "a.b"\n)', "a.b"),
    ("import sys", None),
])
def test_settings_module_from_manage_py(text, expected):
    assert ds.settings_module_from_manage_py(text) == expected


def test_the_tutorial_manage_py():
    text = (FIXTURES / "django_tutorial" / "manage.py").read_text()
    assert ds.settings_module_from_manage_py(text) == "portfolio.settings"


@pytest.mark.parametrize("text, wsgi, asgi, static_root, staticfiles", [
    ('WSGI_APPLICATION = "a.wsgi.application"\nINSTALLED_APPS = ["django.contrib.staticfiles"]\nSTATIC_ROOT = "s"',
     "a.wsgi.application", None, True, True),
    ("WSGI_APPLICATION = 'a.wsgi.application'\nASGI_APPLICATION = 'a.asgi.application'\nINSTALLED_APPS = []",
     "a.wsgi.application", "a.asgi.application", False, False),
    # Commented out lines do not count; the last assignment wins.
    ('# WSGI_APPLICATION = "old.wsgi.application"\n#    "django.contrib.staticfiles",\nINSTALLED_APPS = []',
     None, None, False, False),
    ('WSGI_APPLICATION = "a.wsgi.application"\nif DEBUG:\n    WSGI_APPLICATION = "b.wsgi.application"',
     "b.wsgi.application", None, False, None),
    ("STATIC_ROOT = None\nINSTALLED_APPS = ['django.contrib.staticfiles.apps.StaticFilesConfig']",
     None, None, False, True),
    # No INSTALLED_APPS here at all: cannot tell.
    ("SECRET_KEY = 'x'", None, None, False, None),
])
def test_parse_settings_text(text, wsgi, asgi, static_root, staticfiles):
    found = ds.parse_settings_text(text)
    assert (found.wsgi_application, found.asgi_application, found.static_root_set, found.staticfiles_installed) == (
        wsgi, asgi, static_root, staticfiles)


def test_incomplete_source_never_says_staticfiles_is_missing():
    assert ds.parse_settings_text("INSTALLED_APPS = []", complete=False).staticfiles_installed is None


@pytest.mark.parametrize("module, is_package, target, expected", [
    ("config.settings.production", False, ".base", "config.settings.base"),
    ("config.settings.production", False, "..common", "config.common"),
    ("config.settings", True, ".base", "config.settings.base"),
    ("config.settings", False, "config.base", "config.base"),
])
def test_resolve_relative(module, is_package, target, expected):
    assert ds.resolve_relative(module, is_package, target) == expected


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_split_settings_are_followed_through_star_imports(tmp_path):
    write(tmp_path, {
        "config/__init__.py": "",
        "config/wsgi.py": "application = None",
        "config/settings/__init__.py": "",
        "config/settings/base.py": 'INSTALLED_APPS = ["django.contrib.staticfiles"]\n'
                                   'WSGI_APPLICATION = "config.wsgi.application"\n',
        "config/settings/production.py": "from .base import *  # noqa\nSTATIC_ROOT = BASE_DIR / 'static'\n"
                                         'WSGI_APPLICATION = "config.prod_wsgi.application"\n',
    })
    found = ds.read_settings(tmp_path, "config.settings.production")
    assert found.path == tmp_path / "config/settings/production.py"
    assert found.wsgi_application == "config.prod_wsgi.application"  # assigned after the import
    assert found.staticfiles_installed is True
    assert found.static_root_set is True


def test_an_unresolved_star_import_leaves_staticfiles_unknown(tmp_path):
    write(tmp_path, {"mysite/settings.py": "from somewhere_else import *\nINSTALLED_APPS = []\n"})
    assert ds.read_settings(tmp_path, "mysite.settings").staticfiles_installed is None


def test_star_imports_that_loop_terminate(tmp_path):
    write(tmp_path, {"a/__init__.py": "", "a/x.py": "from .y import *\n", "a/y.py": "from .x import *\n"})
    assert ds.read_settings(tmp_path, "a.x").staticfiles_installed is None


def test_missing_settings_file(tmp_path):
    assert ds.read_settings(tmp_path, "nowhere.settings") == ds.StaticSettings()
    assert ds.read_settings(tmp_path, None) == ds.StaticSettings()


def test_the_tutorial_settings_read_statically():
    found = ds.read_settings(FIXTURES / "django_tutorial", "portfolio.settings")
    assert found.wsgi_application == "portfolio.wsgi.application"
    assert found.staticfiles_installed is True
    assert found.static_root_set is True


@pytest.mark.parametrize("module, expected", [
    ("portfolio.wsgi", True), ("portfolio", True), ("portfolio.nothing", False),
    ("../etc", False), ("", False),
])
def test_module_exists(module, expected):
    assert ds.module_exists(FIXTURES / "django_tutorial", module) is expected


@pytest.mark.parametrize("settings_module, kind, expected", [
    ("portfolio.settings", "wsgi", "portfolio.wsgi.application"),
    ("portfolio.settings", "asgi", "portfolio.asgi.application"),
    ("portfolio.settings.production", "wsgi", "portfolio.wsgi.application"),  # walks up
    ("elsewhere.settings", "wsgi", None),
    (None, "wsgi", None),
])
def test_guess_application(settings_module, kind, expected):
    assert ds.guess_application(FIXTURES / "django_tutorial", settings_module, kind) == expected


@pytest.mark.parametrize("dotted, module", [
    ("portfolio.wsgi.application", "portfolio.wsgi"),
    ("portfolio.wsgi:application", "portfolio.wsgi"),
])
def test_application_module(dotted, module):
    assert ds.application_module(dotted) == module


# --- a manage.py without Django installed ----------------------------------------------------------


def test_django_missing_points_at_the_requirements_file_the_build_does_not_read(tmp_path):
    (tmp_path / "requirements").mkdir()
    for name in ("base.txt", "local.txt", "production.txt"):
        (tmp_path / "requirements" / name).write_text("django\n")
    (tmp_path / "manage.py").write_text("")
    title, body = project.django_missing(tmp_path, tmp_path / "manage.py")
    assert title == "The app has a manage.py, but Django is not installed."
    assert "not these:\n   requirements/production.txt, requirements/base.txt, requirements/local.txt\n" in body
    assert "\n   -r requirements/production.txt\n" in body


def test_django_missing_without_other_requirements_files_says_where_to_list_django(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "manage.py").write_text("")
    title, body = project.django_missing(tmp_path, tmp_path / "src" / "manage.py")
    assert body.startswith("src/manage.py was found")
    assert "requirements.txt in the root of the app" in body and "-r " not in body


def test_a_module_name_too_long_for_the_filesystem_is_no_module(tmp_path):
    assert ds.module_file(tmp_path, "x" * 300 + ".settings") is None
    assert ds.module_file(tmp_path, "pkg." + "y" * 300) is None
