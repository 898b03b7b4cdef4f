"""Downloads (fetch.py) against a local HTTP server that fails in every way."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import threading
from typing import Dict, List

import pytest

from buildpack import fetch
from buildpack.errors import ChecksumMismatchError, DownloadError, DownloadNotFoundError

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
NO_SLEEP = {"sleep": lambda seconds: None}


def archive_policy(**options: object) -> fetch.FetchPolicy:
    """The runtime archives' download policy, with the test's own settings."""
    return dataclasses.replace(fetch.ARCHIVE_POLICY, **options)  # type: ignore[arg-type]


def small_file_policy(**options: object) -> fetch.FetchPolicy:
    return dataclasses.replace(fetch.SMALL_FILE_POLICY, **options)  # type: ignore[arg-type]


class Server:
    """A loopback HTTP server whose paths misbehave on purpose; counts requests per path."""

    def __init__(self, tls=None) -> None:
        self.hits: Dict[str, int] = {}
        self.lock = threading.Lock()
        self.release = threading.Event()  # lets /stall answer, at teardown
        self.authorization: List[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def send_body(self, status: int, body: bytes, length: int = -1) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body) if length < 0 else length))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                with owner.lock:
                    owner.hits[path] = owner.hits.get(path, 0) + 1
                    count = owner.hits[path]
                owner.authorization.append(self.headers.get("Authorization", ""))
                if path == "/ok":
                    self.send_body(200, PAYLOAD)
                elif path == "/missing":
                    self.send_body(404, b"no such file")
                elif path == "/gone":
                    self.send_body(410, b"gone")
                elif path == "/forbidden":
                    self.send_body(403, b"denied")
                elif path == "/flaky":
                    self.send_body(500 if count == 1 else 200, b"oops" if count == 1 else PAYLOAD)
                elif path == "/busy":
                    self.send_body(429 if count == 1 else 200, b"slow down" if count == 1 else PAYLOAD)
                elif path == "/always500":
                    self.send_body(503, b"down")
                elif path == "/truncated":
                    self.send_body(200, PAYLOAD[: len(PAYLOAD) // 2], length=len(PAYLOAD))
                elif path == "/truncated-once":
                    if count == 1:
                        self.send_body(200, PAYLOAD[:1000], length=len(PAYLOAD))
                    else:
                        self.send_body(200, PAYLOAD)
                elif path == "/stall":
                    owner.release.wait(10)
                    self.send_body(200, b"late")
                elif path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/private":
                    expected = "Basic " + base64.b64encode(b"deploy:s3cret").decode()
                    if self.headers.get("Authorization") == expected:
                        self.send_body(200, PAYLOAD)
                    else:
                        self.send_body(401, b"who are you")
                else:
                    self.send_body(404, b"unknown path")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- fetch() --------------------------------------------------------------------------------

def test_fetch_ok_verifies_and_renames(server, tmp_path):
    destination = tmp_path / "runtime.tar.gz"
    actual = fetch.to_file(server.url("/ok"), destination, PAYLOAD_SHA)
    assert actual == PAYLOAD_SHA
    assert destination.read_bytes() == PAYLOAD
    assert os.listdir(tmp_path) == ["runtime.tar.gz"]  # no temporary file left


def test_fetch_without_checksum_returns_actual(server, tmp_path):
    assert fetch.to_file(server.url("/ok"), tmp_path / "f") == PAYLOAD_SHA


@pytest.mark.parametrize("path, status", [("/missing", 404), ("/gone", 410)])
def test_not_found_is_not_retried(server, tmp_path, path, status):
    with pytest.raises(DownloadNotFoundError) as caught:
        fetch.to_file(server.url(path), tmp_path / "f", policy=archive_policy(attempts=4, **NO_SLEEP))
    assert server.hits[path] == 1
    assert caught.value.reason == "download::not-found"
    assert caught.value.status == status
    assert fetch.NotFound is DownloadNotFoundError
    assert os.listdir(tmp_path) == []


def test_other_4xx_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(server.url("/forbidden"), tmp_path / "f", policy=archive_policy(attempts=4, **NO_SLEEP))
    assert server.hits["/forbidden"] == 1
    assert not isinstance(caught.value, DownloadNotFoundError)
    assert caught.value.reason == "download::http-error"
    assert caught.value.status == 403
    assert "HTTP 403" in caught.value.body


def test_403_can_mean_not_found(server, tmp_path):
    with pytest.raises(DownloadNotFoundError):
        fetch.to_file(server.url("/forbidden"), tmp_path / "f", policy=archive_policy(not_found_statuses=(403, 404)))


@pytest.mark.parametrize("path", ["/flaky", "/busy", "/truncated-once"])
def test_transient_failure_then_success(server, tmp_path, path):
    lines: List[str] = []
    sleeps: List[float] = []
    actual = fetch.to_file(server.url(path), tmp_path / "f", PAYLOAD_SHA,
                           policy=archive_policy(attempts=3, sleep=sleeps.append, progress=lines.append))
    assert actual == PAYLOAD_SHA
    assert server.hits[path] == 2
    assert sleeps == [1.0]
    assert any("retrying in 1s (attempt 2 of 3)" in line for line in lines)


def test_always_500_gives_up_after_attempts_with_backoff(server, tmp_path):
    sleeps: List[float] = []
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(server.url("/always500"), tmp_path / "f", policy=archive_policy(attempts=4, sleep=sleeps.append))
    assert server.hits["/always500"] == 4
    assert sleeps == [1.0, 2.0, 4.0]  # exponential backoff
    assert caught.value.reason == "download::failed"
    assert caught.value.status == 503
    assert "4 attempts failed" in caught.value.body and "HTTP 503" in caught.value.body
    assert os.listdir(tmp_path) == []


def test_truncated_body_is_retried_then_fails(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(server.url("/truncated"), tmp_path / "f", policy=archive_policy(attempts=2, **NO_SLEEP))
    assert server.hits["/truncated"] == 2
    assert f"closed after {len(PAYLOAD) // 2} of {len(PAYLOAD)} bytes" in caught.value.body
    assert os.listdir(tmp_path) == []


def test_stalled_server_times_out_and_is_retried(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(server.url("/stall"), tmp_path / "f", policy=archive_policy(attempts=2, read_timeout=0.2, **NO_SLEEP))
    assert server.hits["/stall"] == 2
    assert "timed out" in caught.value.body


def test_connection_refused_is_retried(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/runtime.tar.gz"
    sleeps: List[float] = []
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(url, tmp_path / "f", policy=archive_policy(attempts=3, sleep=sleeps.append))
    assert len(sleeps) == 2
    assert caught.value.reason == "download::failed"
    assert "refused" in caught.value.body.lower()


def test_total_time_is_bounded(server, tmp_path):
    ticks = iter(range(0, 10_000, 100))  # every look at the clock: 100 s later
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(server.url("/always500"), tmp_path / "f",
                      policy=archive_policy(attempts=50, total_timeout=250, clock=lambda: next(ticks), **NO_SLEEP))
    assert caught.value.reason == "download::timeout"
    assert "Gave up after 250 seconds" in caught.value.body
    assert server.hits["/always500"] < 50


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    wrong = "0" * 64
    with pytest.raises(ChecksumMismatchError) as caught:
        fetch.to_file(server.url("/ok"), tmp_path / "runtime.tar.gz", wrong)
    assert caught.value.reason == "download::checksum-mismatch"
    assert f"expected sha256 {wrong}" in caught.value.body
    assert f"actual sha256   {PAYLOAD_SHA}" in caught.value.body
    assert os.listdir(tmp_path) == []


def test_redirect_followed(server, tmp_path):
    assert fetch.to_file(server.url("/redirect"), tmp_path / "f") == PAYLOAD_SHA
    assert server.hits["/ok"] == 1


def test_credentials_sent_but_never_shown(server, tmp_path):
    private = server.url("/private").replace("http://", "http://deploy:s3cret@")
    assert fetch.to_file(private, tmp_path / "f") == PAYLOAD_SHA
    missing = server.url("/missing?token=hunter2").replace("http://", "http://deploy:s3cret@")
    with pytest.raises(DownloadNotFoundError) as caught:
        fetch.to_file(missing, tmp_path / "g")
    message = caught.value.title + caught.value.body
    assert "s3cret" not in message and "deploy" not in message and "hunter2" not in message
    assert "http://****@127.0.0.1" in message


def test_credentials_redacted_in_retry_failures(tmp_path):
    url = f"http://user:tok3n@127.0.0.1:{closed_port()}/x"
    lines: List[str] = []
    with pytest.raises(DownloadError) as caught:
        fetch.to_file(url, tmp_path / "f", policy=archive_policy(attempts=2, progress=lines.append, **NO_SLEEP))
    assert "tok3n" not in caught.value.title + caught.value.body + "".join(lines)


@pytest.mark.parametrize("url, shown", [
    ("https://user:pass@example.com/a/b.tar.gz", "https://****@example.com/a/b.tar.gz"),
    ("https://example.com/a.tar.gz?X-Amz-Signature=abc", "https://example.com/a.tar.gz?****"),
    ("https://example.com/a.tar.gz", "https://example.com/a.tar.gz"),
    ("file:///srv/store/index.json", "file:///srv/store/index.json"),
])
def test_display_url(url, shown):
    assert fetch.display_url(url) == shown


def test_progress_lines_every_ten_percent(server, tmp_path):
    lines: List[str] = []
    fetch.to_file(server.url("/ok"), tmp_path / "f", policy=archive_policy(progress=lines.append, progress_min_size=0))
    assert lines == [f"Downloaded {p}% of 1.0 MB" for p in range(10, 101, 10)]
    assert not any("\r" in line for line in lines)


def test_no_progress_lines_for_small_downloads(server, tmp_path):
    lines: List[str] = []
    fetch.to_file(server.url("/ok"), tmp_path / "f", policy=archive_policy(progress=lines.append))
    assert lines == []


def test_file_url(tmp_path):
    source = tmp_path / "store" / "python.tar.gz"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    assert fetch.to_file(source.as_uri(), tmp_path / "f", PAYLOAD_SHA) == PAYLOAD_SHA
    with pytest.raises(DownloadNotFoundError):
        fetch.to_file((tmp_path / "store" / "nope.tar.gz").as_uri(), tmp_path / "g")


def test_unsupported_scheme(tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch.to_file("ftp://example.com/python.tar.gz", tmp_path / "f")
    assert caught.value.reason == "download::unsupported-url"


def test_fetch_bytes(server):
    assert fetch.to_bytes(server.url("/ok")) == PAYLOAD
    with pytest.raises(DownloadError) as caught:
        fetch.to_bytes(server.url("/ok"), policy=small_file_policy(max_size=1000))
    assert caught.value.reason == "download::too-large"


def test_https_uses_the_ca_bundle(tmp_path, monkeypatch):
    """A server whose certificate only SSL_CERT_FILE's bundle vouches for."""
    import ssl

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server = Server(tls=context)
    try:
        url = server.url("/ok")
        monkeypatch.setattr(fetch, "_ssl_context", None)
        with pytest.raises(DownloadError) as caught:  # the system's CAs do not know it
            fetch.to_file(url, tmp_path / "f", policy=archive_policy(attempts=1))
        assert caught.value.reason == "download::tls"
        assert "SSL_CERT_FILE" in caught.value.body
        monkeypatch.setattr(fetch, "_ssl_context", None)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert fetch.to_file(url, tmp_path / "f") == PAYLOAD_SHA
    finally:
        server.close()


@pytest.mark.parametrize("raw, read, connect", [("2", 2.0, 2.0), ("", 60.0, 15.0), ("abc", 60.0, 15.0),
                                                ("-1", 60.0, 15.0), ("600", 60.0, 15.0)])
def test_the_host_may_shorten_the_read_timeout_never_lengthen_it(raw, read, connect):
    from buildpack.fetch import ARCHIVE_POLICY, with_environment

    policy = with_environment(ARCHIVE_POLICY, {"BUILDPACK_READ_TIMEOUT": raw})
    assert (policy.read_timeout, policy.connect_timeout) == (read, connect)
