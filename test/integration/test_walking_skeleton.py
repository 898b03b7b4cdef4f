"""Issue 2: the tutorial app goes from source to a running site, the Heroku way."""
from __future__ import annotations

import re
import urllib.request

import yaml

from integration.conftest import assert_clean_failure, copy_fixture
from integration.local_platform import build, run_process, start_web


def test_cold_build_says_what_it_did(tutorial_build):
    _, result = tutorial_build
    log = result.output
    assert "-----> Python/Django app detected" in log
    assert "-----> Using Python 3.12.1 (from runtime.txt)" in log
    assert "-----> Installing Python 3.12.1" in log
    assert "-----> Installing requirements with uv (from requirements.txt)" in log
    assert " + django==5.2.8" in log
    assert "-----> Running collectstatic" in log
    assert "web: gunicorn portfolio.wsgi:application --bind 0.0.0.0:$PORT" in log
    assert "release: python manage.py migrate --noinput" in log
    assert "Traceback" not in log


def test_release_prints_the_default_process_types(tutorial_build):
    _, result = tutorial_build
    release = yaml.safe_load((result.work / "release.yml").read_text())
    assert release == {
        "default_process_types": {
            "web": "gunicorn portfolio.wsgi:application --bind 0.0.0.0:$PORT",
            "release": "python manage.py migrate --noinput",
        }
    }


def test_the_slug_serves_the_admin_and_its_css_from_app(tutorial_build):
    _, result = tutorial_build
    with start_web(result.work, config={"SECRET_KEY": "test-only-secret"}, echo=False) as web:
        page = urllib.request.urlopen(web.url + "admin/login/", timeout=10)
        html = page.read().decode()
        assert page.status == 200
        assert "Django administration" in html or "Django site admin" in html
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', html)
        assert css, "the admin page links its CSS through the manifest storage"
        stylesheet = urllib.request.urlopen(web.url + css.group(1).lstrip("/"), timeout=10)
        assert stylesheet.status == 200
        assert stylesheet.headers["Content-Type"].startswith("text/css")
    code, out = run_process(result.work, "python -c 'import sys; print(sys.executable, sys.prefix)'")
    assert code == 0
    assert "/app/.heroku/python" in out


def test_release_process_migrates_on_a_fresh_dyno_filesystem(tutorial_build):
    _, result = tutorial_build
    for _ in range(2):  # each one-off dyno starts from the slug, as on Heroku
        code, out = run_process(result.work, "python manage.py migrate --noinput")
        assert code == 0, out
        assert "Applying sessions.0001_initial... OK" in out
    assert not (result.work / "slug" / "db.sqlite3").exists()


def test_the_runtime_works_after_the_move_to_app(tutorial_build):
    _, result = tutorial_build
    script = (
        "head -1 /app/.heroku/python/bin/gunicorn; gunicorn --version; "
        "python -m venv /tmp/venv && /tmp/venv/bin/python -c 'import ssl, sqlite3, ctypes; print(\"venv ok\")'"
    )
    code, out = run_process(result.work, script)
    assert code == 0, out
    assert out.splitlines()[0].startswith("#!/app/.heroku/python/bin/python")
    assert "gunicorn (version 23.0.0)" in out
    assert "venv ok" in out


def test_host_interpreters_are_hidden_from_the_dyno(tutorial_build):
    _, result = tutorial_build
    code, out = run_process(result.work, "ls /root/.pyenv 2>&1; command -v python; python --version")
    assert code == 0
    assert "No such file or directory" in out
    assert "/app/.heroku/python/bin/python" in out
    assert "Python 3.12.1" in out


def test_rebuild_in_another_path_reuses_the_cache_without_network(tutorial_build, warm_work):
    app, _ = tutorial_build
    result = build(app, warm_work, network=False, build_dir_name="second", echo=False)
    assert result.returncode == 0, result.output[-3000:]
    assert "-----> Reusing the cached environment" in result.output
    assert "Installing pip" not in result.output
    assert "Installing Python" not in result.output
    code, out = run_process(warm_work, "python -c 'import django, gunicorn; print(django.__file__)'")
    assert code == 0, out
    assert "/app/.heroku/python/lib/python3.12/site-packages/django/__init__.py" in out


def test_build_with_build_dir_app_as_heroku_ci_does(tutorial_build, warm_work):
    app, _ = tutorial_build
    result = build(app, warm_work, ci=True, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    code, out = run_process(warm_work, "gunicorn --version")
    assert code == 0, out
    assert "gunicorn" in out


def test_unavailable_runtime_version_names_what_is_available(tmp_path):
    app = copy_fixture("runtime_unavailable", tmp_path / "app")
    result = build(app, tmp_path / "work", echo=False)
    assert_clean_failure(result, "3.12.99", "3.12.1")
