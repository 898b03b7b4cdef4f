"""A stand-in for Heroku's router: HTTPS terminated in front of the web dyno.

Heroku's router ends TLS and talks plain HTTP to the dyno, adding X-Forwarded-Proto,
X-Forwarded-For, X-Forwarded-Port and X-Request-Id. An app behind it sees requests as Heroku
sends them, so SECURE_SSL_REDIRECT (with SECURE_PROXY_SSL_HEADER) and Django's CSRF origin
checks behave as in production. The certificate is self-signed, made once with openssl.
"""
from __future__ import annotations

import contextlib
import http.client
import http.server
import socketserver
import ssl
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Iterator

from localheroku.contract import LocalHerokuError

# Hop-by-hop headers (RFC 9110 7.6.1) are the router's own business, never forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made once."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert, key = directory / "router.crt", directory / "router.key"
    if not (cert.is_file() and key.is_file()):
        result = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                                 "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                                 "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True)
        if result.returncode != 0:
            raise LocalHerokuError(f"openssl could not make the router's certificate:\n{result.stderr}")
        key.chmod(0o600)
    return cert, key


def forwarded_headers(headers: list[tuple[str, str]], client_ip: str, port: int, request_id: str) -> list[tuple[str, str]]:
    """The request's headers as the dyno gets them: Heroku's X-Forwarded-* replace any the client sent."""
    own = {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-port", "x-request-id"}
    kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP | own]
    return kept + [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", client_ip),
                   ("X-Forwarded-Port", str(port)), ("X-Request-Id", request_id)]


class Handler(http.server.BaseHTTPRequestHandler):
    server: "Router"
    protocol_version = "HTTP/1.1"

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request_id = str(uuid.uuid4())
        headers = forwarded_headers(list(self.headers.items()), self.client_address[0],
                                    self.server.server_address[1], request_id)
        connection = http.client.HTTPConnection("127.0.0.1", self.server.backend_port, timeout=30)
        try:
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            payload = response.read()
        except OSError:
            self.send_error(503, "Application error (H13/H10: the dyno did not answer)")
            return
        finally:
            connection.close()
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward

    def log_message(self, format: str, *args: object) -> None:
        pass  # the dyno logs each request (gunicorn's access log)


class Router(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, backend_port: int, context: ssl.SSLContext, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.backend_port = backend_port
        self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}/"


@contextlib.contextmanager
def route(backend_port: int, cert_dir: Path, port: int = 0) -> Iterator[Router]:
    cert, key = certificate(cert_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    router = Router(backend_port, context, port)
    thread = threading.Thread(target=router.serve_forever, daemon=True)
    thread.start()
    try:
        yield router
    finally:
        router.shutdown()
        router.server_close()
