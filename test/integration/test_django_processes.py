"""Issue 5: default process types through the real bin/ scripts, and each web variant serving.

Each fixture builds over a copy of the tutorial's warm work dir: the nested and
Procfile apps have the tutorial's requirements (the cache is reused, no pip);
the ASGI and runserver apps change them (pip syncs the cached environment
instead of a cold install).
"""
from __future__ import annotations

import urllib.request

import pytest
import yaml

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import build, release, start_web


def build_over_tutorial(fixture, tutorial_build, tmp_path_factory):
    root = tmp_path_factory.mktemp(fixture)
    app = copy_fixture(fixture, root / "app")
    result = build(app, clone_work(tutorial_build[1].work, root / "work"), echo=False)
    assert result.returncode == 0, result.output[-3000:]
    return result


def defaults(result):
    return yaml.safe_load((result.work / "release.yml").read_text())["default_process_types"]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


@pytest.fixture(scope="module")
def nested(tutorial_build, tmp_path_factory):
    return build_over_tutorial("django_nested", tutorial_build, tmp_path_factory)


@pytest.fixture(scope="module")
def procfile(tutorial_build, tmp_path_factory):
    return build_over_tutorial("django_procfile", tutorial_build, tmp_path_factory)


@pytest.fixture(scope="module")
def asgi(tutorial_build, tmp_path_factory):
    return build_over_tutorial("django_asgi", tutorial_build, tmp_path_factory)


@pytest.fixture(scope="module")
def runserver(tutorial_build, tmp_path_factory):
    return build_over_tutorial("django_runserver", tutorial_build, tmp_path_factory)


def test_nested_manage_py_is_used_in_every_command(nested):
    log = nested.output
    assert "-----> Reusing the cached environment (requirements unchanged)" in log
    assert "-----> Django app found: backend/manage.py\n" in log
    assert "       Settings module: mysite.settings (from manage.py)\n" in log
    assert "-----> Running collectstatic in backend/\n       0 static files copied to 'backend/staticfiles'.\n" in log
    assert defaults(nested) == {
        "web": "gunicorn --chdir backend mysite.wsgi:application --bind 0.0.0.0:$PORT",
        "release": "python backend/manage.py migrate --noinput",
    }
    # No Procfile in the app: the defaults are written into the slug, where Heroku reads them.
    assert (nested.work / "slug" / "Procfile").read_text() == (
        "web: gunicorn --chdir backend mysite.wsgi:application --bind 0.0.0.0:$PORT\n"
        "release: python backend/manage.py migrate --noinput\n"
    )


def test_nested_app_releases_and_serves(nested):
    code, out = release(nested.work, echo=False)
    assert code == 0, out
    assert "Applying auth.0001_initial... OK" in out
    with start_web(nested.work, release=False, echo=False) as web:
        status, _, body = get(web.url)
    assert status == 200
    assert body.startswith("nested: gunicorn/")


def test_procfile_wins_per_type_and_the_log_says_so(procfile):
    log = procfile.output
    assert ("       web: gunicorn site_app.wsgi --workers 1 --bind 0.0.0.0:$PORT --access-logfile -\n"
            "           (from Procfile, instead of the buildpack default)\n") in log
    assert ("       release: python manage.py migrate --noinput\n"
            "           (buildpack default: migrations run in the release phase, never in the build)\n") in log
    assert "       worker: python -c \"print('worker ran')\"\n           (from Procfile)\n" in log
    # bin/release still offers the defaults; the platform applies the Procfile over them.
    assert defaults(procfile)["web"] == "gunicorn site_app.wsgi:application --bind 0.0.0.0:$PORT"


def test_procfile_web_is_what_runs(procfile):
    with start_web(procfile.work, echo=False) as web:
        status, _, body = get(web.url)
    assert (status, body[:19]) == (200, "procfile: gunicorn/")
    assert any('"GET / HTTP/1.1" 200' in line for line in web.lines)  # --access-logfile - from the Procfile


def test_asgi_application_is_served_by_uvicorn(asgi):
    log = asgi.output
    assert "-----> Updating the cached environment since: the requirements changed" in log
    assert "         ASGI application: chat.asgi.application (from ASGI_APPLICATION)\n" in log
    assert defaults(asgi)["web"] == "uvicorn chat.asgi:application --host 0.0.0.0 --port $PORT"
    assert ("(buildpack default: uvicorn on the ASGI application chat.asgi.application (ASGI_APPLICATION is set))"
            in log)
    with start_web(asgi.work, echo=False) as web:
        status, headers, body = get(web.url)
    assert (status, body) == (200, "asgi: asgi")  # an ASGI request has no SERVER_SOFTWARE
    assert headers["Server"] == "uvicorn"


def test_without_gunicorn_runserver_serves_with_a_warning(runserver):
    log = runserver.output
    assert " !     Warning: Your web process will use Django's development server." in log
    assert " !     1. Add gunicorn to requirements.txt." in log
    assert defaults(runserver)["web"] == "python manage.py runserver 0.0.0.0:$PORT --noreload"
    with start_web(runserver.work, echo=False) as web:
        status, _, body = get(web.url)
    assert status == 200
    assert body.startswith("runserver: WSGIServer/")


def test_a_src_layout_is_served_by_the_default_web_process(tutorial_build, tmp_path):
    """manage.py puts src/ on sys.path, so the build's Django steps work; gunicorn does not run
    manage.py and must be told where the project's package is."""
    app = copy_fixture("django_tutorial", tmp_path / "app")
    (app / "src").mkdir()
    (app / "portfolio").rename(app / "src" / "portfolio")
    manage = app / "manage.py"
    manage.write_text(manage.read_text().replace(
        "import sys\n", "import sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'src'))\n"))
    result = build(app, clone_work(tutorial_build[1].work, tmp_path / "work"), echo=False)
    assert result.returncode == 0, result.output[-3000:]
    assert "  Imported from: src/ (put on sys.path by manage.py or the settings)\n" in result.output
    assert defaults(result)["web"] == "gunicorn --pythonpath src portfolio.wsgi:application --bind 0.0.0.0:$PORT"
    with start_web(result.work, release=False, echo=False) as web:
        status, _, body = get(web.url)
    assert status == 200
    assert "<h1>Portfolio</h1>" in body
