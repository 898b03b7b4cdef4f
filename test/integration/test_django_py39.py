"""Issue 9's "Done when": a Python 3.9 app pinned to gunicorn 20.1.0, with no Procfile, serves its admin
with the default web process, and the slug's written Procfile has `release:` and `web:`.

gunicorn < 22 imports pkg_resources (setuptools) at start-up: the web dyno crashing
with ModuleNotFoundError was the bug. One cold build, shared with test_package_managers' setuptools test.
"""
from __future__ import annotations

import urllib.request

from integration.local_platform import start_web


def test_python39_gunicorn20_app_without_procfile_serves_its_admin(py39_build):
    _, result = py39_build  # the session's one cold Python 3.9 build
    procfile = (result.work / "slug" / "Procfile").read_text().splitlines()
    assert [line.split(":", 1)[0] for line in procfile] == ["web", "release"]
    assert procfile[0].startswith("web: gunicorn ") and "--bind 0.0.0.0:$PORT" in procfile[0]
    assert procfile[1] == "release: python manage.py migrate --noinput"
    with start_web(result.work, echo=False) as web:  # the release phase (migrate) runs first
        with urllib.request.urlopen(web.url + "admin/login/", timeout=10) as response:
            status, body = response.status, response.read().decode()
    assert status == 200
    assert "Django administration" in body
    assert not any("pkg_resources" in line for line in web.lines)
