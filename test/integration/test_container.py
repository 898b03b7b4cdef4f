"""Issue 11, done when: the container runner with podman and the Debian stand-in images.

The tutorial app (with psycopg2, test/fixtures/django_postgres) builds in the heroku-20
stand-in (Debian 11: glibc 2.31, OpenSSL 1.1.1) with a CPython built from Debian's source inside
that image (tools/source_runtimes.py, Python 3.14), and in the heroku-24 stand-in (Debian 12); each
releases (migrate) into a real PostgreSQL and serves /admin/login/ and its CSS. Through the
router stand-in, with SECURE_SSL_REDIRECT on, a superuser made in a one-off dyno logs in with a
POST of the admin login form, CSRF token and Origin checked by Django as on Heroku.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from integration.conftest import copy_fixture
from integration.local_platform import build, release, run_process, start_web
from integration.test_django_postgres import DB_PASSWORD, DB_USER, Postgres, free_port
from localheroku.contract import SOURCE_RUNTIMES
from localheroku.router import route
from localheroku.runners.container import ContainerRunner, find_engine

ADMIN_PASSWORD = "a-long-test-only-password-4f1e"
SECURE_SETTINGS = """
# As on Heroku: HTTPS ends at the router, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
"""


def container_runner() -> ContainerRunner:
    engine = find_engine(os.environ.get("CONTAINER_ENGINE"), os.environ)
    assert engine is not None, "podman must work here: tools/setup.sh installs it"
    return ContainerRunner(engine, {k: v for k, v in os.environ.items() if k not in ("IMAGE", "RUN_IMAGE")})


@pytest.fixture(scope="module")
def postgres():
    import shutil
    import tempfile

    server = Postgres(Path(tempfile.mkdtemp(prefix="pg-container-", dir="/tmp")), free_port())
    try:
        server.start()
        server.psql(f"CREATE DATABASE portfolio20 OWNER {DB_USER}", database="postgres")
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


def config_for(postgres: Postgres, database: str) -> dict[str, str]:
    return {"DATABASE_URL": f"postgres://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{postgres.port}/{database}",
            "SECRET_KEY": "test-only-secret-key-for-the-container-test"}


@pytest.fixture(scope="module")
def on_heroku_20(postgres, tmp_path_factory):
    root = tmp_path_factory.mktemp("heroku20")
    app = copy_fixture("django_postgres", root / "app")
    (app / "runtime.txt").write_text("python-3.14\n")  # built from Debian's source in the stand-in
    result = build(app, root / "work", stack="heroku-20", config=config_for(postgres, "portfolio20"), echo=False,
                   runner=container_runner())
    assert result.returncode == 0, result.output[-5000:]
    return result


@pytest.fixture(scope="module")
def on_heroku_24(postgres, tmp_path_factory):
    root = tmp_path_factory.mktemp("heroku24")
    app = copy_fixture("django_postgres", root / "app")
    with open(app / "portfolio" / "settings.py", "a") as settings:
        settings.write(SECURE_SETTINGS)
    result = build(app, root / "work", stack="heroku-24", config=config_for(postgres, "portfolio"), echo=False,
                   runner=container_runner())
    assert result.returncode == 0, result.output[-5000:]
    return result


def test_heroku_20_stand_in_builds_with_a_runtime_built_on_glibc_2_31(on_heroku_20):
    record = (on_heroku_20.work / "build.json").read_text()
    assert "localheroku-stand-in:bullseye-build-" in record and "localheroku-stand-in:bullseye-run-" in record
    assert "-----> Using Python 3.14." in on_heroku_20.output
    # The archive source_runtimes.py built in the stand-in, not one of the host's pyenv builds.
    index = json.loads((SOURCE_RUNTIMES / "bullseye" / "store" / "index.json").read_text())
    built = [entry["sha256"][:16] for entry in index["runtimes"] if entry["version"].startswith("3.14.")]
    assert any(f"Verified sha256 {sha}" in on_heroku_20.output for sha in built)
    probe = "import platform, ssl; print(platform.libc_ver()[1], ssl.OPENSSL_VERSION)"
    code, out = run_process(on_heroku_20.work, f'python -c "{probe}"')
    assert code == 0, out
    assert re.fullmatch(r"2\.31 OpenSSL 1\.1\.1\S*( .*)?", out.strip().splitlines()[-1]), out


def serves_admin(url: str, opener: urllib.request.OpenerDirector | None = None) -> None:
    opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + "admin/login/", timeout=20) as page:
        html = page.read().decode()
        assert page.status == 200
    assert "Django site admin" in html
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', html)
    assert css, "the admin page links its CSS through the manifest storage"
    with opener.open(url + css.group(1).lstrip("/"), timeout=20) as stylesheet:
        assert stylesheet.status == 200
        assert stylesheet.headers["Content-Type"].startswith("text/css")


def test_heroku_20_stand_in_releases_into_postgres_and_serves(on_heroku_20, postgres):
    code, out = release(on_heroku_20.work, echo=False)
    assert code == 0, out
    assert "Applying auth.0001_initial... OK" in out
    assert postgres.psql("SELECT count(*) FROM django_migrations WHERE app = 'auth'", database="portfolio20") != "0\n"
    with start_web(on_heroku_20.work, release=False, echo=False) as web:
        serves_admin(web.url)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_heroku_24_stand_in_through_the_router_superuser_logs_in(on_heroku_24, postgres, tmp_path):
    assert "localheroku-stand-in:bookworm-build-" in (on_heroku_24.work / "build.json").read_text()
    code, out = release(on_heroku_24.work, echo=False)
    assert code == 0, out
    code, out = run_process(on_heroku_24.work, "python manage.py createsuperuser --noinput --username admin "
                            "--email admin@example.com", config={"DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD})
    assert code == 0, out
    assert postgres.psql("SELECT username FROM auth_user WHERE is_superuser").strip() == "admin"
    with start_web(on_heroku_24.work, release=False, echo=False) as web:
        plain = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
        with pytest.raises(urllib.error.HTTPError) as redirected:  # straight to the dyno: no proxy header
            plain.open(web.url + "admin/login/", timeout=20)
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"].startswith("https://")
        with route(web.port, tmp_path / "router") as router:
            context = ssl.create_default_context(cafile=str(tmp_path / "router" / "router.crt"))
            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect(),
                                                  urllib.request.HTTPSHandler(context=context),
                                                  urllib.request.HTTPCookieProcessor(jar))
            serves_admin(router.url, browser)
            with browser.open(router.url + "admin/login/?next=/admin/", timeout=20) as page:
                form = page.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
            assert token and any(cookie.name == "csrftoken" and cookie.secure for cookie in jar)
            origin = router.url.rstrip("/")
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": "admin",
                                           "password": ADMIN_PASSWORD, "next": "/admin/"}).encode()
            post = urllib.request.Request(router.url + "admin/login/?next=/admin/", data=data, method="POST",
                                          headers={"Origin": origin, "Referer": router.url + "admin/login/"})
            with pytest.raises(urllib.error.HTTPError) as logged_in:
                browser.open(post, timeout=20)
            assert logged_in.value.code == 302, logged_in.value.read()[:2000]
            assert logged_in.value.headers["Location"] == "/admin/"
            assert any(cookie.name == "sessionid" for cookie in jar)
            with browser.open(router.url + "admin/", timeout=20) as admin:
                assert "Site administration" in admin.read().decode()
            forged = urllib.request.Request(router.url + "admin/login/", data=data, method="POST",
                                            headers={"Origin": "https://evil.example"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                browser.open(forged, timeout=20)
            assert refused.value.code == 403  # Django's CSRF origin check, as behind Heroku's router
