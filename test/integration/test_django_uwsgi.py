"""Issue 9.6: a server other than gunicorn. uWSGI, compiled from source at build time, reads its
environment from `virtualenv = $(VIRTUAL_ENV)` (the common Wagtail/Django setup) and serves the
admin at /app.

One sync build over the session's warm tutorial cache (only uWSGI is installed: it compiles in
about a minute), then the release phase and the web dyno from the app's own Procfile.
"""
from __future__ import annotations

import urllib.request

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import build, start_web


def test_uwsgi_built_here_finds_its_python_at_app_through_virtual_env(tutorial_build, tmp_path):
    app = copy_fixture("django_uwsgi", tmp_path / "app")
    result = build(app, clone_work(tutorial_build[1].work, tmp_path / "work"), echo=False)
    assert result.returncode == 0, result.output[-5000:]
    assert (result.work / "slug" / ".heroku" / "python" / "bin" / "uwsgi").is_file()
    assert "Warning: Procfile" not in result.output  # uwsgi is installed: the Procfile check knows it
    with start_web(result.work, echo=False) as web:
        with urllib.request.urlopen(web.url + "admin/login/", timeout=10) as response:
            status, body = response.status, response.read().decode()
    assert status == 200 and "Django administration" in body
    log = "\n".join(web.lines)
    assert "detected binary path: /app/.heroku/python/bin/uwsgi" in log
    assert "Set PythonHome to /app/.heroku/python" in log  # from virtualenv = $(VIRTUAL_ENV)
