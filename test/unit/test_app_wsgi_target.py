"""The application a server command names, and whether its module defines it (pure)."""
from __future__ import annotations

import pytest

from buildpack.app import wsgi_target
from buildpack.app.shell_command import Invocation


@pytest.mark.parametrize("program, args, expected", [
    ("gunicorn", ["x.wsgi"], ("gunicorn", ["x.wsgi"])),
    (".heroku/python/bin/uvicorn", ["x.asgi:app"], ("uvicorn", ["x.asgi:app"])),
    ("python3.12", ["-m", "gunicorn", "x.wsgi"], ("gunicorn", ["x.wsgi"])),
    ("celery", ["-A", "x"], None),
])
def test_server_of(program, args, expected):
    assert wsgi_target.server_of(Invocation(program, args, ".")) == expected


@pytest.mark.parametrize("server, args, expected", [
    ("gunicorn", ["mysite.wsgi"], ("mysite.wsgi", "application", ["."])),
    ("gunicorn", ["--bind", "0.0.0.0:$PORT", "mysite.wsgi:app"], ("mysite.wsgi", "app", ["."])),
    ("gunicorn", ["--chdir", "backend", "mysite.wsgi"], ("mysite.wsgi", "application", ["backend"])),
    ("gunicorn", ["--pythonpath", "src,lib", "m:app"], ("m", "app", [".", "src", "lib"])),
    ("uvicorn", ["mysite.asgi"], None),  # uvicorn needs module:attribute
    ("gunicorn", ["--config", "gunicorn.conf.py"], None),
])
def test_application_target(server, args, expected):
    assert wsgi_target.application_target(server, args) == expected


@pytest.mark.parametrize("source, name, expected", [
    ("application = get_wsgi_application()\n", "application", True),
    ("def create_app():\n    pass\n", "create_app", True),
    ("from .base import application\n", "application", True),
    ("app = 1\n", "application", False),
    ("from x import *\n", "application", None),
])
def test_defines(source, name, expected):
    assert wsgi_target.defines(source, name) is expected


def test_module_file_in_the_app_or_a_compiled_package(tmp_path):
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "wsgi.py").write_text("application = 1\n")
    assert wsgi_target.module_file(tmp_path, ["mysite", "wsgi"]) == tmp_path / "mysite" / "wsgi.py"
    assert wsgi_target.read_source(tmp_path / "mysite" / "wsgi.py") == "application = 1\n"
    (tmp_path / "fast.cpython-312-x86_64-linux-gnu.so").write_bytes(b"")
    assert wsgi_target.module_file(tmp_path, ["fast"]) is None
    assert wsgi_target.module_file(tmp_path, ["fast"], compiled=True) == tmp_path / "fast"
