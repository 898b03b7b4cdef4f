"""A runtime store on loopback HTTP that misbehaves on purpose.

It serves a one-runtime indexed store (the real Python 3.12.1 archive of the local
store, with a correct index) and applies a fault to the archive's requests:

  500          every request answers 500
  503-once     the first request answers 503, later ones the file
  reset        every request: headers, some bytes, then a TCP reset
  reset-once   the first request is reset, later ones get the file
  truncate     every request: the full Content-Length promised, half the bytes sent
  wrong-bytes  the right length, but bytes flipped in the middle (fails the sha256)
  stall        headers and some bytes, then nothing until the server stops
  index-garbage  index.json is not JSON
"""
from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import socket
import struct
import threading
from typing import Iterator

from reliability.harness import REPO

ARCHIVE = REPO / ".runtimes" / "python-3.12.1-amd64.tar.gz"


class StoreHandler(http.server.BaseHTTPRequestHandler):
    server: "FaultServer"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        name = self.path.lstrip("/")
        self.server.requests.append(name)
        if name == "index.json":
            body = b"{ not json" if self.server.fault == "index-garbage" else self.server.index
            return self._send(200, body)
        if name != ARCHIVE.name:
            return self._send(404, b"not here")
        attempt = self.server.requests.count(name)
        fault = self.server.fault
        data = self.server.data
        if fault == "500" or (fault == "503-once" and attempt == 1):
            return self._send(500 if fault == "500" else 503, b"server error")
        if fault == "reset" or (fault == "reset-once" and attempt == 1):
            return self._reset(data)
        if fault == "truncate":
            self._headers(200, len(data))
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        if fault == "wrong-bytes":
            middle = len(data) // 2
            return self._send(200, data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:])
        if fault == "stall":
            self._headers(200, len(data))
            self.wfile.write(data[:65536])
            self.wfile.flush()
            self.server.stopping.wait()
            return None
        return self._send(200, data)

    def _headers(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, body: bytes) -> None:
        self._headers(status, len(body))
        self.wfile.write(body)

    def _reset(self, data: bytes) -> None:
        self._headers(200, len(data))
        self.wfile.write(data[:4096])
        self.wfile.flush()
        # SO_LINGER 0: close() sends a RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class FaultServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fault: str) -> None:
        super().__init__(("127.0.0.1", 0), StoreHandler)
        self.fault = fault
        self.requests: list = []
        self.stopping = threading.Event()
        self.data = ARCHIVE.read_bytes()
        self.index = json.dumps({"format": 1, "runtimes": [{
            "version": "3.12.1", "arch": "amd64", "stacks": ["heroku-20", "heroku-22", "heroku-24"],
            "file": ARCHIVE.name, "sha256": hashlib.sha256(self.data).hexdigest(), "size": len(self.data),
            "requires": {"glibc": "2.35", "openssl": "3"}}]}).encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def fault_server(fault: str) -> Iterator[FaultServer]:
    server = FaultServer(fault)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def archive_requests(server: FaultServer) -> int:
    return server.requests.count(ARCHIVE.name)


__all__ = ["ARCHIVE", "FaultServer", "fault_server", "archive_requests"]
