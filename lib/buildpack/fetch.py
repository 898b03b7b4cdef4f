"""Fetching files over https://, http:// and file://: runtime archives and the store's index.

- to_file() / to_bytes(): retry only what can get better by itself (connection
  errors, timeouts, HTTP 5xx and 429) with exponential backoff, within a
  bounded total time; never retry a 404 or another 4xx. to_file() writes to a
  temporary file beside the destination, checks the sha256, and only then
  renames it into place.
- How hard to try, how long to wait and what to report is one FetchPolicy.

Every message names URLs without their credentials. Unpacking is archive.py's.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Callable, Dict, Mapping, Optional, Sequence
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

from buildpack import commands, output, reasons
from buildpack.errors import ChecksumMismatchError, DownloadError, DownloadNotFoundError

# The name callers use for "the file is not there" (a DownloadError subclass).
NotFound = DownloadNotFoundError

Progress = Callable[[str], None]

CHUNK_SIZE = 64 * 1024
# Downloads smaller than this print no progress lines (a Heroku runtime is ~10-30 MB).
PROGRESS_MIN_SIZE = 32 * 1024 * 1024
# With no Content-Length, a progress line every this many bytes.
PROGRESS_UNKNOWN_STEP = 16 * 1024 * 1024
MAX_REDIRECTS = 5
BACKOFF_SECONDS = 1.0
# A server's Retry-After is honoured up to this long.
MAX_RETRY_AFTER = 30.0
USER_AGENT = "heroku-buildpack-django"
NOT_FOUND_STATUSES = (404, 410)



@dataclass(frozen=True)
class FetchPolicy:
    """How hard to try, how long to wait and what to report, for one kind of download.

    Retries: connection errors, timeouts, 5xx and 429, up to `attempts` times
    within `total_timeout` seconds. A status in `not_found_statuses` raises
    NotFound at once. `max_size` bounds a download (None: unbounded). Progress
    lines go to `progress` for downloads of at least `progress_min_size` bytes.
    `sleep`, `clock` and `ssl_context` are there for tests.
    """

    attempts: int = 4
    total_timeout: float = 600.0
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    progress: Optional[Progress] = None
    progress_min_size: int = PROGRESS_MIN_SIZE
    not_found_statuses: Sequence[int] = NOT_FOUND_STATUSES
    max_size: Optional[int] = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    ssl_context: Optional[ssl.SSLContext] = None


# A runtime archive: patient, since it is tens of megabytes.
ARCHIVE_POLICY = FetchPolicy()
# A small file (the store's index.json): bounded in size, quicker to give up, no progress lines.
SMALL_FILE_POLICY = FetchPolicy(attempts=3, total_timeout=60.0, read_timeout=30.0,
                                max_size=8 * 1024 * 1024, progress_min_size=8 * 1024 * 1024 + 1)


# The build host's operator (never an app's config var) may shorten how long a stalled
# download is waited for: a sandbox or CI with a known-fast store, or the reliability suite.
READ_TIMEOUT_SETTING = "BUILDPACK_READ_TIMEOUT"


def with_environment(policy: FetchPolicy, environ: Mapping[str, str]) -> FetchPolicy:
    """policy with BUILDPACK_READ_TIMEOUT (seconds, from the process environment) applied."""
    raw = environ.get(READ_TIMEOUT_SETTING, "")
    try:
        seconds = float(raw)
    except ValueError:
        return policy
    if not 0 < seconds < policy.read_timeout:
        return policy
    return replace(policy, read_timeout=seconds, connect_timeout=min(policy.connect_timeout, seconds))


def display_url(url: str) -> str:
    """The URL as it may be printed: no user, password or token, no query string."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return commands.redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "****@" + netloc.rpartition("@")[2]
    query = "****" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _error(cls: type, title: str, body: str, reason: Optional[str] = None,
           status: Optional[int] = None) -> DownloadError:
    exc = cls(title, body, reason)
    exc.status = status
    return exc


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, message: str, retry_after: Optional[float] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class _Progress:
    """Progress lines that stay readable in a build log: one per 10%, no carriage returns."""

    def __init__(self, report: Optional[Progress], total: Optional[int], min_size: int) -> None:
        self.report = report if (total is None or total >= min_size) else None
        self.total = total
        self.next_mark = 10 if total else PROGRESS_UNKNOWN_STEP

    def update(self, received: int) -> None:
        if self.report is None:
            return
        if self.total:
            percent = received * 100 // self.total
            if percent >= self.next_mark:
                mark = min(percent // 10 * 10, 100)
                self.report(f"Downloaded {mark}% of {output.format_size(self.total)}")
                self.next_mark = (percent // 10 + 1) * 10
        elif received >= self.next_mark:
            self.report(f"Downloaded {output.format_size(received)} so far")
            self.next_mark = (received // PROGRESS_UNKNOWN_STEP + 1) * PROGRESS_UNKNOWN_STEP


_ssl_context: Optional[ssl.SSLContext] = None


def default_ssl_context() -> ssl.SSLContext:
    """The system's CA settings (OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR)."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = ssl.create_default_context()
    return _ssl_context


def _basic_auth(parts: SplitResult) -> Optional[str]:
    if parts.username is None:
        return None
    user = unquote(parts.username)
    password = unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
    return f"Basic {token}"


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER) if value else None
    except ValueError:
        return None


def _copy(source: IO[bytes], sink: IO[bytes], hasher: "hashlib._Hash", progress: _Progress,
          deadline: float, clock: Callable[[], float], max_size: Optional[int], url: str) -> int:
    received = 0
    while True:
        if clock() > deadline:
            raise _Transient("the download took too long")
        chunk = source.read(CHUNK_SIZE)
        if not chunk:
            return received
        received += len(chunk)
        if max_size is not None and received > max_size:
            raise _error(DownloadError, f"{display_url(url)} is too large.",
                         f"It is larger than {output.format_size(max_size)}, which is more than\n"
                         f"this file can reasonably be.", reasons.DOWNLOAD_TOO_LARGE)
        hasher.update(chunk)
        try:
            sink.write(chunk)
        except OSError as exc:
            raise _error(DownloadError, "Could not save a download.",
                         f"Writing {display_url(url)} to disk failed: {exc.strerror}.",
                         reasons.DOWNLOAD_WRITE_FAILED) from None
        progress.update(received)


def _fetch_file(url: str, sink: IO[bytes], progress: Optional[Progress], min_size: int,
                max_size: Optional[int], clock: Callable[[], float], deadline: float) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise _error(DownloadError, f"Unsupported URL {display_url(url)}.",
                     "file:// URLs must name a local path (file:///path/to/file).", reasons.DOWNLOAD_UNSUPPORTED_URL)
    path = url2pathname(parts.path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise _error(NotFound, f"{display_url(url)} was not found.", f"There is no file at {path}.") from None
    except OSError as exc:
        raise _error(DownloadError, f"Could not read {display_url(url)}.",
                     f"Reading {path} failed: {exc.strerror}.", reasons.DOWNLOAD_FAILED) from None
    with handle:
        if os.path.isdir(path):
            raise _error(DownloadError, f"Could not read {display_url(url)}.", f"{path} is a directory.")
        total = os.fstat(handle.fileno()).st_size
        hasher = hashlib.sha256()
        _copy(handle, sink, hasher, _Progress(progress, total, min_size), deadline, clock, max_size, url)
    return hasher.hexdigest()


def _http_get(url: str, sink: IO[bytes], *, deadline: float, clock: Callable[[], float], connect_timeout: float,
              read_timeout: float, progress: Optional[Progress], min_size: int, max_size: Optional[int],
              not_found_statuses: Sequence[int], ssl_context: Optional[ssl.SSLContext]) -> str:
    current = url
    origin = urlsplit(url)
    auth = _basic_auth(origin)
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        remaining = deadline - clock()
        if remaining <= 0:
            raise _Transient("the download took too long")
        host = parts.hostname or ""
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, parts.port, timeout=min(connect_timeout, remaining),
                context=ssl_context or default_ssl_context(),
            )
        else:
            connection = http.client.HTTPConnection(host, parts.port, timeout=min(connect_timeout, remaining))
        try:
            connection.connect()
            assert connection.sock is not None
            # The connect timeout is short; once connected, allow a slower trickle.
            connection.sock.settimeout(min(read_timeout, max(deadline - clock(), 0.001)))
            headers: Dict[str, str] = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            # Credentials go to the host they were written for, never to a redirect target.
            if auth and (parts.hostname, parts.port) == (origin.hostname, origin.port):
                headers["Authorization"] = auth
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            status = response.status
            if status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise _error(DownloadError, f"Bad redirect from {display_url(current)}.",
                                 f"The server answered HTTP {status} without a Location.", reasons.DOWNLOAD_HTTP_ERROR,
                                 status)
                following = urljoin(current, location)
                if urlsplit(following).scheme not in ("http", "https") or (
                        parts.scheme == "https" and urlsplit(following).scheme == "http"):
                    raise _error(DownloadError, f"Refused a redirect from {display_url(current)}.",
                                 f"It redirects to {display_url(following)}, which would give up\n"
                                 f"the encrypted connection.", reasons.DOWNLOAD_HTTP_ERROR, status)
                current = following
                continue
            if status in not_found_statuses:
                raise _error(NotFound, f"{display_url(current)} was not found.",
                             f"The server answered HTTP {status}.", None, status)
            if status == 429 or 500 <= status <= 599:
                raise _Transient(f"HTTP {status}", _retry_after(response.getheader("Retry-After")), status)
            if status != 200:
                raise _error(DownloadError, f"Could not download {display_url(current)}.",
                             f"The server answered HTTP {status} {response.reason}.\n"
                             f"This is not retried: it will not get better by itself.", reasons.DOWNLOAD_HTTP_ERROR,
                             status)
            length_header = response.getheader("Content-Length")
            length = int(length_header) if length_header and length_header.isdigit() else None
            hasher = hashlib.sha256()
            received = _copy(response, sink, hasher, _Progress(progress, length, min_size),  # type: ignore[arg-type]
                             deadline, clock, max_size, current)
            if length is not None and received < length:
                raise _Transient(f"the connection closed after {received} of {length} bytes")
            return hasher.hexdigest()
        except ssl.SSLCertVerificationError as exc:
            raise _error(DownloadError, f"Could not verify the server of {display_url(current)}.",
                         f"The TLS certificate check failed: {exc.verify_message or exc.reason}.\n\n"
                         f"If a proxy or a private CA is in the way, point SSL_CERT_FILE at\n"
                         f"a CA bundle that includes its certificate.", reasons.DOWNLOAD_TLS) from None
        except socket.timeout:
            raise _Transient("timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient(_describe_exception(exc)) from None
        finally:
            connection.close()
    raise _error(DownloadError, f"Too many redirects from {display_url(url)}.",
                 f"Gave up after {MAX_REDIRECTS} redirects.", reasons.DOWNLOAD_HTTP_ERROR)


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed before the download was complete"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return commands.redact(str(exc)) or type(exc).__name__


def _transfer(url: str, sink: IO[bytes], policy: FetchPolicy) -> str:
    clock, progress, attempts = policy.clock, policy.progress, policy.attempts
    deadline = clock() + policy.total_timeout
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _fetch_file(url, sink, progress, policy.progress_min_size, policy.max_size, clock, deadline)
    if scheme not in ("http", "https"):
        raise _error(DownloadError, f"Unsupported URL {display_url(url)}.",
                     "Only https://, http:// and file:// URLs can be downloaded.", reasons.DOWNLOAD_UNSUPPORTED_URL)
    last: Optional[_Transient] = None
    attempt = 0
    for attempt in range(1, max(attempts, 1) + 1):
        sink.seek(0)
        sink.truncate()
        try:
            return _http_get(url, sink, deadline=deadline, clock=clock, connect_timeout=policy.connect_timeout,
                             read_timeout=policy.read_timeout, progress=progress, min_size=policy.progress_min_size,
                             max_size=policy.max_size, not_found_statuses=policy.not_found_statuses,
                             ssl_context=policy.ssl_context)
        except _Transient as exc:
            last = exc
        if attempt >= attempts:
            break
        delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
        if last.retry_after is not None:
            delay = max(delay, last.retry_after)
        if clock() + delay >= deadline:
            break
        if progress is not None:
            progress(f"Download failed ({last}); retrying in {delay:g}s (attempt {attempt + 1} of {attempts})")
        policy.sleep(delay)
    assert last is not None
    out_of_time = clock() >= deadline or str(last) == "the download took too long"
    if out_of_time:
        title = f"Downloading {display_url(url)} took too long."
        reason = reasons.DOWNLOAD_TIMEOUT
        why = (f"Gave up after {policy.total_timeout:g} seconds "
               f"({attempt} attempt{'s' if attempt != 1 else ''}; last: {last}).")
    else:
        title = f"Could not download {display_url(url)}."
        reason = reasons.DOWNLOAD_FAILED
        why = f"{attempt} attempt{'s' if attempt != 1 else ''} failed; the last one with: {last}."
    body = (
        f"{why}\n\n"
        f"This is usually a passing network or server problem: build again\n"
        f"in a few minutes. If it persists, check that the server is up and\n"
        f"that the URL is right."
    )
    raise _error(DownloadError, title, body, reason, last.status)


def to_file(url: str, destination: Path, expected_sha256: Optional[str] = None,
            policy: FetchPolicy = ARCHIVE_POLICY) -> str:
    """Download url to destination and return the file's sha256 (hex).

    With expected_sha256, a mismatch raises ChecksumMismatchError and leaves
    destination untouched. A 404 (or another of policy.not_found_statuses)
    raises NotFound at once; other 4xx raise DownloadError at once; connection
    errors, timeouts, 5xx and 429 are retried up to policy.attempts times.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=str(destination.parent))
    try:
        with os.fdopen(fd, "w+b") as sink:
            actual = _transfer(url, sink, policy)
            sink.flush()
            os.fsync(sink.fileno())
        if expected_sha256 is not None and actual != expected_sha256.strip().lower():
            raise _checksum_error(url, expected_sha256, actual)
        os.replace(temporary, destination)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return actual


def to_bytes(url: str, policy: FetchPolicy = SMALL_FILE_POLICY) -> bytes:
    """Download a small file (an index) into memory, with to_file()'s retry rules."""
    sink = io.BytesIO()
    _transfer(url, sink, policy)
    return sink.getvalue()


def _checksum_error(url: str, expected: str, actual: str) -> DownloadError:
    body = (
        f"The file downloaded from {display_url(url)}\n"
        f"is not the one the store's index describes:\n"
        f"  expected sha256 {expected.strip().lower()}\n"
        f"  actual sha256   {actual}\n\n"
        f"Nothing was unpacked. Either the file was replaced without\n"
        f"updating index.json (rebuild the store, e.g. `make runtimes`), or\n"
        f"something between here and the server altered it."
    )
    return _error(ChecksumMismatchError, "The downloaded runtime failed its checksum.", body)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
