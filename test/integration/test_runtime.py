"""Issue 3 through the real bin/ scripts: every local runtime, and the store's failure modes."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from integration.conftest import assert_clean_failure, copy_fixture
from integration.local_platform import REPO, build, start_web

STORE = REPO / ".runtimes"


def local_minors():
    index = json.loads((STORE / "index.json").read_text())
    return sorted({".".join(entry["version"].split(".")[:2]) for entry in index["runtimes"]},
                  key=lambda minor: tuple(int(part) for part in minor.split(".")))


def newest_patch(minor: str) -> str:
    index = json.loads((STORE / "index.json").read_text())
    return max((e["version"] for e in index["runtimes"] if e["version"].startswith(minor + ".")),
               key=lambda v: tuple(int(p) for p in v.split(".")))


def stdlib_app(tmp_path: Path, version_file_text: str) -> Path:
    app = copy_fixture("runtime_stdlib_app", tmp_path / "app")
    (app / ".python-version").write_text(version_file_text)
    return app


@contextlib.contextmanager
def serving(directory: Path, port: int = 0):
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("minor", local_minors())
def test_every_local_minor_builds_and_runs_at_app(tmp_path, minor):
    app = stdlib_app(tmp_path, f"# the app's Python\n{minor}\n")
    result = build(app, tmp_path / "work", stack="heroku-22", echo=False)
    assert result.returncode == 0, result.output[-3000:]
    expected = newest_patch(minor)
    assert f"Using Python {expected} (from .python-version)" in result.output
    with start_web(result.work, echo=False) as web:
        facts = json.loads(urllib.request.urlopen(web.url, timeout=10).read())
    assert facts["version"] == expected
    assert facts["prefix"] == "/app/.heroku/python"
    assert facts["ssl"].startswith("OpenSSL")
    assert facts["ctypes"] == 8


def test_a_corrupted_archive_fails_then_the_repaired_store_builds(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(STORE, store)
    version = newest_patch("3.12")
    archive = store / f"python-{version}-amd64.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    app = stdlib_app(tmp_path, "3.12\n")
    work = tmp_path / "work"
    failed = build(app, work, config={"PYTHON_RUNTIMES_URL": f"file://{store}"}, echo=False)
    assert_clean_failure(failed, "sha256")
    shutil.copy2(STORE / archive.name, archive)
    repaired = build(app, work, config={"PYTHON_RUNTIMES_URL": f"file://{store}"}, echo=False)
    assert repaired.returncode == 0, repaired.output[-3000:]
    assert f"Installing Python {version}" in repaired.output


def test_a_store_that_goes_away_and_comes_back(tmp_path):
    port = closed_port()
    url = f"http://builder:hunter2secret@127.0.0.1:{port}/"
    app = stdlib_app(tmp_path, "3.12\n")
    work = tmp_path / "work"
    gone = build(app, work, config={"PYTHON_RUNTIMES_URL": url}, echo=False)
    assert_clean_failure(gone, f"127.0.0.1:{port}", "PYTHON_RUNTIMES_URL")
    assert "hunter2secret" not in gone.output
    with serving(STORE, port):
        back = build(app, work, config={"PYTHON_RUNTIMES_URL": url}, echo=False)
    assert back.returncode == 0, back.output[-3000:]
    assert "hunter2secret" not in back.output
    # The runtime is now cached: a rebuild with the store gone again does not need it.
    again = build(app, work, config={"PYTHON_RUNTIMES_URL": url}, network=False, echo=False)
    assert again.returncode == 0, again.output[-3000:]
    assert "Reusing the cached environment" in again.output


def official_layout(tmp_path: Path, relative_name: str, source_version: str) -> Path:
    """A server laid out like Heroku's: no index, .tar.zst (or legacy .tar.gz), no pip inside."""
    root = tmp_path / "official"
    target = root / relative_name
    target.parent.mkdir(parents=True)
    source = STORE / f"python-{source_version}-amd64.tar.gz"
    if relative_name.endswith(".zst"):
        with open(target, "wb") as out:
            gunzip = subprocess.Popen(["gzip", "-dc", str(source)], stdout=subprocess.PIPE)
            subprocess.run(["zstd", "-q", "-3", "-c"], stdin=gunzip.stdout, stdout=out, check=True)
            assert gunzip.wait() == 0
    else:
        shutil.copy2(source, target)
    return root


@pytest.mark.parametrize(
    "layout",
    ["python-3.12.11-ubuntu-22.04-amd64.tar.zst", "heroku-22/runtimes/python-3.12.11.tar.gz"],
    ids=["current", "legacy"],
)
def test_an_official_layout_server(tmp_path, layout):
    root = official_layout(tmp_path, layout, newest_patch("3.12"))
    app = stdlib_app(tmp_path, "3.12.11\n")
    with serving(root) as port:
        result = build(app, tmp_path / "work", stack="heroku-22",
                       config={"PYTHON_RUNTIMES_URL": f"http://127.0.0.1:{port}"}, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    assert "Using Python 3.12.11 (from .python-version)" in result.output
    assert "Not verified" in result.output


def test_a_version_the_official_server_lacks_is_not_available(tmp_path):
    root = official_layout(tmp_path, "python-3.12.11-ubuntu-22.04-amd64.tar.zst", newest_patch("3.12"))
    app = stdlib_app(tmp_path, "3.12.10\n")
    with serving(root) as port:
        result = build(app, tmp_path / "work", stack="heroku-22",
                       config={"PYTHON_RUNTIMES_URL": f"http://127.0.0.1:{port}"}, echo=False)
    assert_clean_failure(result, "3.12.10", "isn't available")
