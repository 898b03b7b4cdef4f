"""Issue 5, done when: the tutorial app on a REAL PostgreSQL server, the Heroku way.

The test starts its own server: initdb as the postgres user in a directory that
user can enter (pytest's temp dirs are root's and 0700), on a loopback port,
with ssl=on and a self-signed certificate (the settings ask dj-database-url for
ssl_require, as Heroku's own sample app does), and only SSL connections allowed
over TCP. The app gets DATABASE_URL as a config var; the release process
migrates; the tables exist; the web process at /app serves the admin login page
and its CSS through WhiteNoise. The server is stopped at the end.
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest
import yaml

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import build, release, run_process, start_web

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_USER, DB_PASSWORD, DB_NAME = "portfolio", "pg-test-password-3d1c", "portfolio"


def as_postgres(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=check, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self, base: Path, port: int) -> None:
        self.base, self.port = base, port
        self.data = base / "data"

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.port}/{DB_NAME}"

    def psql(self, sql: str, database: str = DB_NAME) -> str:
        # Over the Unix socket in base/ as the superuser: the test's own look at the server.
        done = as_postgres(str(PG_BIN / "psql"), "-h", str(self.base), "-p", str(self.port), "-d", database,
                           "-v", "ON_ERROR_STOP=1", "-Atc", sql)
        return done.stdout

    def start(self) -> None:
        postgres = pwd.getpwnam("postgres")
        os.chown(self.base, postgres.pw_uid, postgres.pw_gid)
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        key, cert = self.data / "server.key", self.data / "server.crt"
        as_postgres("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert))
        os.chmod(key, 0o600)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.base}'\nssl = on\n"
                       "ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\n")
        # TCP only with SSL: a connection without it is refused, so a working app proves SSL.
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 0.0.0.0/0 reject\n"
        )
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                    "-t", "60", "start")
        self.psql(f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{DB_PASSWORD}'", database="postgres")
        self.psql(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}", database="postgres")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop", check=False)


@pytest.fixture(scope="module")
def postgres():
    # Not under pytest's temp dir: the postgres user must be able to enter every parent.
    server = Postgres(Path(tempfile.mkdtemp(prefix="pg-django-", dir="/tmp")), free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="module")
def deployed(postgres, tutorial_build, tmp_path_factory):
    """The postgres fixture (the tutorial plus psycopg2-binary) built over the tutorial's warm cache."""
    root = tmp_path_factory.mktemp("postgres")
    app = copy_fixture("django_postgres", root / "app")
    work = clone_work(tutorial_build[1].work, root / "work")
    config = {"DATABASE_URL": postgres.url, "SECRET_KEY": "test-only-secret-key-for-the-postgres-test"}
    result = build(app, work, config=config, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    return result


def test_the_build_declares_the_postgres_addon(deployed):
    release_yml = yaml.safe_load((deployed.work / "release.yml").read_text())
    assert release_yml["addons"] == ["heroku-postgresql"]
    assert "-----> Updating the cached environment since: the requirements changed" in deployed.output
    assert "psycopg2-binary" in deployed.output


def test_release_migrates_then_the_site_serves_from_postgres(deployed, postgres):
    assert postgres.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").strip() == "0"
    code, out = release(deployed.work, echo=False)
    assert code == 0, out
    assert "Applying auth.0001_initial... OK" in out
    tables = set(postgres.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split())
    assert {"django_migrations", "auth_user", "django_session", "django_admin_log"} <= tables
    assert postgres.psql("SELECT count(*) FROM django_migrations WHERE app = 'auth'").strip() != "0"

    with start_web(deployed.work, release=False, echo=False) as web:
        with urllib.request.urlopen(web.url + "admin/login/", timeout=10) as page:
            html = page.read().decode()
            assert page.status == 200
        assert "Django administration" in html or "Django site admin" in html
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', html)
        assert css, "the admin page links its CSS through the manifest storage"
        with urllib.request.urlopen(web.url + css.group(1).lstrip("/"), timeout=10) as stylesheet:
            assert stylesheet.status == 200
            assert stylesheet.headers["Content-Type"].startswith("text/css")
            # WhiteNoise serves hashed files as immutable.
            assert "immutable" in stylesheet.headers.get("Cache-Control", "")


def test_the_dyno_talks_to_postgres_over_ssl(deployed, postgres):
    snippet = ("from django.db import connection; connection.ensure_connection(); "
               "print(connection.vendor, connection.connection.info.ssl_in_use)")
    code, out = run_process(deployed.work, f'python manage.py shell -c "{snippet}"')
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "postgresql True"
