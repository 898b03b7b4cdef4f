"""Issue 21: private package indexes from config vars, against a real index server on loopback.

The server is pypiserver (from requirements-dev), behind basic auth (an htpasswd file made
with passlib), serving a private package PyPI does not have (acme-private-utils, a wheel built
here); what it does not have it redirects to PyPI (--fallback-url), as a company mirror does.
The canary rule: the password is in the config vars only, never in the log, the slug, the
cache or the export file.
"""
from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterator, List, NamedTuple

import pytest

from integration.conftest import assert_clean_failure, copy_fixture
from integration.local_platform import build, run_process

USER = "ci-builder"
PACKAGE = "acme-private-utils"
VERSION = "0.1.0"
MODULE = "acme_private_utils"


class IndexServer(NamedTuple):
    port: int
    password: str
    log: Path

    def url(self, password: str = "") -> str:
        return f"http://{USER}:{password or self.password}@127.0.0.1:{self.port}/simple/"

    @property
    def bare_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def requested(self) -> str:
        return self.log.read_text(errors="replace")


def build_wheel(directory: Path) -> Path:
    """A one-module wheel, by hand: what a company publishes to its own index."""
    dist = f"{MODULE}-{VERSION}.dist-info"
    wheel = directory / f"{MODULE}-{VERSION}-py3-none-any.whl"
    files = {
        f"{MODULE}/__init__.py": f'SECRET_SAUCE = "private {VERSION}"\n',
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{dist}/RECORD", "".join(f"{name},,\n" for name in files) + f"{dist}/RECORD,,\n")
    return wheel


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def index_server(tmp_path_factory) -> Iterator[IndexServer]:
    from passlib.apache import HtpasswdFile

    root = tmp_path_factory.mktemp("index")
    packages = root / "packages"
    packages.mkdir()
    build_wheel(packages)
    password = "canary-" + secrets.token_hex(12)
    htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True)
    htpasswd.set_password(USER, password)
    htpasswd.save()
    port = free_port()
    log = root / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port), "-P", str(root / "htpasswd"),
             "-a", "download,list", "--fallback-url", "https://pypi.org/simple/", "--server", "wsgiref", "-v",
             str(packages)],
            stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, server)
        yield IndexServer(port, password, log)
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_listening(port: int, server: subprocess.Popen) -> None:
    """Connect until the server accepts (each attempt blocks on the kernel, not on a sleep)."""
    for _ in range(600):
        assert server.poll() is None, "pypiserver exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            select_wait(0.05)
    raise AssertionError("pypiserver never listened")


def select_wait(seconds: float) -> None:
    import select

    select.select([], [], [], seconds)


def files_holding(root: Path, secret: str, skip: List[str]) -> List[str]:
    found = []
    needle = secret.encode()
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and not any(part in skip for part in path.relative_to(root).parts):
            try:
                if needle in path.read_bytes():
                    found.append(str(path.relative_to(root)))
            except OSError:
                continue
    return found


def requirements_app(tmp_path: Path) -> Path:
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "requirements.txt").write_text(f"{PACKAGE}=={VERSION}\nsix==1.17.0\n")
    return app


def test_a_mirror_only_app_gets_its_tools_and_its_private_package_from_its_index(index_server, tmp_path):
    app = requirements_app(tmp_path)
    result = build(app, tmp_path / "work", echo=False, config={"PIP_INDEX_URL": index_server.url()})
    assert result.returncode == 0, result.output[-5000:]
    shown = f"http://****@127.0.0.1:{index_server.port}/simple/"
    # The tools came from the configured index (uv's wheel found on its simple page), and the log says so.
    assert f"-----> Installing uv 0.12.24 (from {shown})" in result.output
    assert f"Looking in indexes: {shown}" in result.output
    requested = index_server.requested()
    for project in ("uv", "pip", "setuptools", PACKAGE):
        assert f"/simple/{project}/" in requested, requested[-3000:]
    code, out = run_process(result.work, f'python -c "import {MODULE}; print({MODULE}.SECRET_SAUCE)"')
    assert code == 0 and out.strip().splitlines()[-1] == f"private {VERSION}", out
    # The canary: the password is nowhere but in the config vars.
    assert index_server.password not in result.output
    assert files_holding(result.work, index_server.password, skip=["env"]) == []


def test_a_wrong_password_is_a_named_error_with_the_credentials_hidden(index_server, tmp_path):
    app = requirements_app(tmp_path)
    wrong = "wrong-" + secrets.token_hex(8)
    result = build(app, tmp_path / "work", echo=False, config={"PIP_INDEX_URL": index_server.url(wrong)})
    assert_clean_failure(result, "Error: The package index refused the credentials.",
                         f"127.0.0.1:{index_server.port}")
    assert wrong not in result.output and index_server.password not in result.output
    assert f"{USER}:" not in result.output
    assert files_holding(result.work, wrong, skip=["env"]) == []


def test_a_uv_project_reads_its_named_index_credentials_from_config_vars(index_server, tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "requirements.txt").unlink()
    (app / "runtime.txt").unlink()
    (app / ".python-version").write_text("3.12\n")
    (app / "pyproject.toml").write_text(
        '[project]\nname = "acme-app"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
        f'dependencies = ["{PACKAGE}=={VERSION}", "six==1.17.0"]\n\n'
        "[tool.uv]\npackage = false\n\n"
        f'[[tool.uv.index]]\nname = "acme-private"\nurl = "{index_server.bare_url}"\nexplicit = true\n\n'
        f'[tool.uv.sources]\n{PACKAGE} = {{ index = "acme-private" }}\n'
    )
    credentials = {"UV_INDEX_ACME_PRIVATE_USERNAME": USER, "UV_INDEX_ACME_PRIVATE_PASSWORD": index_server.password}
    lock_with_uv(app, credentials)
    result = build(app, tmp_path / "work", echo=False, config=credentials)
    assert result.returncode == 0, result.output[-5000:]
    assert ("Index config vars: UV_INDEX_ACME_PRIVATE_PASSWORD (set), UV_INDEX_ACME_PRIVATE_USERNAME (set)"
            in result.output)
    code, out = run_process(result.work, f'python -c "import {MODULE}, six; print({MODULE}.SECRET_SAUCE)"')
    assert code == 0 and out.strip().splitlines()[-1] == f"private {VERSION}", out
    assert index_server.password not in result.output
    assert files_holding(result.work, index_server.password, skip=["env"]) == []
    # The same project with a wrong password: the named error.
    wrong = dict(credentials, UV_INDEX_ACME_PRIVATE_PASSWORD="wrong-" + secrets.token_hex(8))
    failed = build(app, tmp_path / "work2", echo=False, config=wrong)
    assert_clean_failure(failed, "Error: The package index refused the credentials.", f"127.0.0.1:{index_server.port}")
    assert wrong["UV_INDEX_ACME_PRIVATE_PASSWORD"] not in failed.output


def lock_with_uv(app: Path, credentials: dict) -> None:
    """uv.lock written by the buildpack's own pinned uv (the lock records the index's URL)."""
    from buildpack.cache import BuildCache
    from buildpack.dependencies import tools

    uv = tools.uv_binary(BuildCache(app.parent / "uv-cache"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(app.parent), "UV_CACHE_DIR": str(app.parent / "uv-cache" / "c"),
           "UV_PYTHON": "/root/.pyenv/versions/3.12.1/bin/python3", "UV_PYTHON_DOWNLOADS": "never",
           "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", **credentials}
    locked = subprocess.run([str(uv), "lock", "--native-tls"], cwd=app, env=env, capture_output=True, text=True)
    assert locked.returncode == 0, locked.stderr


def tool_env(app: Path, extra: dict) -> dict:
    bundle = "/etc/ssl/certs/ca-certificates.crt"  # the machine's CA store (Poetry's requests ignores it otherwise)
    return {"PATH": "/usr/bin:/bin", "HOME": str(app.parent), "SSL_CERT_FILE": bundle, "REQUESTS_CA_BUNDLE": bundle,
            "LANG": "C.UTF-8", **extra}


def real_tool(app: Path, package: str, version: str) -> Path:
    """Poetry or Pipenv at the buildpack's own pin, in a venv beside the app, to write the lock."""
    from buildpack.cache import BuildCache
    from buildpack.dependencies import tools

    uv = tools.uv_binary(BuildCache(app.parent / "uv-cache"))
    venv = app.parent / f"{package}-venv"
    env = tool_env(app, {"UV_CACHE_DIR": str(app.parent / "uv-cache" / "c"), "UV_PYTHON_DOWNLOADS": "never"})
    for argv in ([str(uv), "venv", "--native-tls", "--python", PYTHON_312, str(venv)],
                 [str(uv), "pip", "install", "--native-tls", "--python", str(venv / "bin" / "python"),
                  f"{package}=={version}"]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    return venv / "bin" / package


PYTHON_312 = "/root/.pyenv/versions/3.12.1/bin/python3"


def test_a_pipenv_source_url_names_its_credentials_as_config_vars(index_server, tmp_path):
    from buildpack.dependencies import tool_versions

    app = copy_fixture("deps_tiny", tmp_path / "app")
    for name in ("requirements.txt", "runtime.txt"):
        (app / name).unlink()
    (app / "Pipfile").write_text(
        '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n'
        f'[[source]]\nurl = "http://${{ACME_USER}}:${{ACME_PASSWORD}}@127.0.0.1:{index_server.port}/simple/"\n'
        'verify_ssl = false\nname = "acme"\n\n'
        f'[packages]\nsix = "==1.17.0"\n{PACKAGE} = {{version = "=={VERSION}", index = "acme"}}\n\n'
        '[requires]\npython_version = "3.12"\n'
    )
    credentials = {"ACME_USER": USER, "ACME_PASSWORD": index_server.password}
    pipenv = real_tool(app, "pipenv", tool_versions.pipenv_version("3.12.1") or "")
    locked = subprocess.run([str(pipenv), "lock"], cwd=app, capture_output=True, text=True, env=tool_env(app, {
        "PIPENV_PYTHON": PYTHON_312, "WORKON_HOME": str(tmp_path / "venvs"), "PIPENV_YES": "1", **credentials}))
    assert locked.returncode == 0, locked.stderr[-3000:]
    assert index_server.password not in (app / "Pipfile.lock").read_text(), "Pipenv keeps ${VAR} in the lock"
    result = build(app, tmp_path / "work", echo=False, config=credentials)
    assert result.returncode == 0, result.output[-5000:]
    assert "Index config vars: ACME_PASSWORD (set), ACME_USER (set)" in result.output
    code, out = run_process(result.work, f'python -c "import {MODULE}; print({MODULE}.SECRET_SAUCE)"')
    assert code == 0 and out.strip().splitlines()[-1] == f"private {VERSION}", out
    assert index_server.password not in result.output
    assert files_holding(result.work, index_server.password, skip=["env"]) == []


def test_poetry_reads_its_source_credentials_from_config_vars(index_server, tmp_path):
    from buildpack.dependencies import tool_versions

    app = copy_fixture("deps_tiny", tmp_path / "app")
    for name in ("requirements.txt", "runtime.txt"):
        (app / name).unlink()
    (app / ".python-version").write_text("3.12\n")
    (app / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "acme-app"\nversion = "0.1.0"\ndescription = ""\nauthors = ["x <x@example.com>"]\n'
        'package-mode = false\n\n'
        f'[tool.poetry.dependencies]\npython = "^3.12"\nsix = "1.17.0"\n'
        f'{PACKAGE} = {{version = "{VERSION}", source = "acme"}}\n\n'
        f'[[tool.poetry.source]]\nname = "acme"\nurl = "{index_server.bare_url}"\npriority = "explicit"\n'
    )
    credentials = {"POETRY_HTTP_BASIC_ACME_USERNAME": USER, "POETRY_HTTP_BASIC_ACME_PASSWORD": index_server.password}
    poetry = real_tool(app, "poetry", tool_versions.poetry_version("3.12.1") or "")
    locked = subprocess.run([str(poetry), "lock", "--no-interaction"], cwd=app, capture_output=True, text=True,
                            env=tool_env(app, {"POETRY_CACHE_DIR": str(tmp_path / "pc"), **credentials}))
    assert locked.returncode == 0, locked.stdout[-3000:] + locked.stderr[-3000:]
    result = build(app, tmp_path / "work", echo=False, config=credentials)
    assert result.returncode == 0, result.output[-5000:]
    assert ("Index config vars: POETRY_HTTP_BASIC_ACME_PASSWORD (set), POETRY_HTTP_BASIC_ACME_USERNAME (set)"
            in result.output)
    code, out = run_process(result.work, f'python -c "import {MODULE}; print({MODULE}.SECRET_SAUCE)"')
    assert code == 0 and out.strip().splitlines()[-1] == f"private {VERSION}", out
    assert index_server.password not in result.output
    assert files_holding(result.work, index_server.password, skip=["env"]) == []
