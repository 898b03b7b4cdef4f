"""Fetching, verifying and unpacking files: runtime archives and the store's index.

- fetch(): file://, http://, https://; retries only what can get better by
  itself (connection errors, timeouts, HTTP 5xx and 429) with exponential
  backoff, within a bounded total time; never retries a 404 or another 4xx.
  Writes to a temporary file beside the destination, checks the sha256, and
  only then renames it into place.
- extract_tar(): .tar.gz, .tar.zst (through the `zstd` binary: the standard
  library has no zstd) and plain .tar, refusing absolute paths, `..`, links that
  leave the target, devices and fifos: with tarfile's "data" filter where the
  running Python has it AND our own checks always (heroku-20's Python 3.8.10
  has no filter).
- install_archive(): extract beside the final directory and swap it into
  place only once complete.

Every message names URLs without their credentials.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import os
import posixpath
import socket
import ssl
import tarfile
import tempfile
import time
import zlib
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Type
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

from . import commands, output
from .errors import ArchiveError, ChecksumMismatchError, DownloadError, DownloadNotFoundError

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

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"


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
                         f"this file can reasonably be.", "download::too-large")
        hasher.update(chunk)
        try:
            sink.write(chunk)
        except OSError as exc:
            raise _error(DownloadError, "Couldn't save a download.",
                         f"Writing {display_url(url)} to disk failed: {exc.strerror}.",
                         "download::write-failed") from None
        progress.update(received)


def _fetch_file(url: str, sink: IO[bytes], progress: Optional[Progress], min_size: int,
                max_size: Optional[int], clock: Callable[[], float], deadline: float) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise _error(DownloadError, f"Unsupported URL {display_url(url)}.",
                     "file:// URLs must name a local path (file:///path/to/file).", "download::unsupported-url")
    path = url2pathname(parts.path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise _error(NotFound, f"Not found: {display_url(url)}", f"There is no file at {path}.") from None
    except OSError as exc:
        raise _error(DownloadError, f"Couldn't read {display_url(url)}.",
                     f"Reading {path} failed: {exc.strerror}.", "download::failed") from None
    with handle:
        if os.path.isdir(path):
            raise _error(DownloadError, f"Couldn't read {display_url(url)}.", f"{path} is a directory.")
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
                                 f"The server answered HTTP {status} without a Location.", "download::http-error",
                                 status)
                following = urljoin(current, location)
                if urlsplit(following).scheme not in ("http", "https") or (
                        parts.scheme == "https" and urlsplit(following).scheme == "http"):
                    raise _error(DownloadError, f"Refused a redirect from {display_url(current)}.",
                                 f"It redirects to {display_url(following)}, which would give up\n"
                                 f"the encrypted connection.", "download::http-error", status)
                current = following
                continue
            if status in not_found_statuses:
                raise _error(NotFound, f"Not found: {display_url(current)}",
                             f"The server answered HTTP {status}.", None, status)
            if status == 429 or 500 <= status <= 599:
                raise _Transient(f"HTTP {status}", _retry_after(response.getheader("Retry-After")), status)
            if status != 200:
                raise _error(DownloadError, f"Couldn't download {display_url(current)}.",
                             f"The server answered HTTP {status} {response.reason}.\n"
                             f"This is not retried: it will not get better by itself.", "download::http-error",
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
            raise _error(DownloadError, f"Couldn't verify the server of {display_url(current)}.",
                         f"The TLS certificate check failed: {exc.verify_message or exc.reason}.\n\n"
                         f"If a proxy or a private CA is in the way, point SSL_CERT_FILE at\n"
                         f"a CA bundle that includes its certificate.", "download::tls") from None
        except socket.timeout:
            raise _Transient("timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient(_describe_exception(exc)) from None
        finally:
            connection.close()
    raise _error(DownloadError, f"Too many redirects from {display_url(url)}.",
                 f"Gave up after {MAX_REDIRECTS} redirects.", "download::http-error")


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed before the download was complete"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return commands.redact(str(exc)) or type(exc).__name__


def _transfer(url: str, sink: IO[bytes], *, attempts: int, total_timeout: float, connect_timeout: float,
              read_timeout: float, progress: Optional[Progress], progress_min_size: int,
              max_size: Optional[int], not_found_statuses: Sequence[int], sleep: Callable[[float], None],
              clock: Callable[[], float], ssl_context: Optional[ssl.SSLContext]) -> str:
    deadline = clock() + total_timeout
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _fetch_file(url, sink, progress, progress_min_size, max_size, clock, deadline)
    if scheme not in ("http", "https"):
        raise _error(DownloadError, f"Unsupported URL {display_url(url)}.",
                     "Only https://, http:// and file:// URLs can be downloaded.", "download::unsupported-url")
    last: Optional[_Transient] = None
    attempt = 0
    for attempt in range(1, max(attempts, 1) + 1):
        sink.seek(0)
        sink.truncate()
        try:
            return _http_get(url, sink, deadline=deadline, clock=clock, connect_timeout=connect_timeout,
                             read_timeout=read_timeout, progress=progress, min_size=progress_min_size,
                             max_size=max_size, not_found_statuses=not_found_statuses, ssl_context=ssl_context)
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
        sleep(delay)
    assert last is not None
    out_of_time = clock() >= deadline or str(last) == "the download took too long"
    if out_of_time:
        title = f"Downloading {display_url(url)} took too long."
        reason = "download::timeout"
        why = f"Gave up after {total_timeout:g} seconds ({attempt} attempt{'s' if attempt != 1 else ''}; last: {last})."
    else:
        title = f"Couldn't download {display_url(url)}."
        reason = "download::failed"
        why = f"{attempt} attempt{'s' if attempt != 1 else ''} failed; the last one with: {last}."
    body = (
        f"{why}\n\n"
        f"This is usually a passing network or server problem: build again\n"
        f"in a few minutes. If it persists, check that the server is up and\n"
        f"that the URL is right."
    )
    raise _error(DownloadError, title, body, reason, last.status)


def fetch(
    url: str,
    destination: Path,
    expected_sha256: Optional[str] = None,
    *,
    attempts: int = 4,
    total_timeout: float = 600.0,
    connect_timeout: float = 15.0,
    read_timeout: float = 60.0,
    progress: Optional[Progress] = None,
    progress_min_size: int = PROGRESS_MIN_SIZE,
    not_found_statuses: Sequence[int] = NOT_FOUND_STATUSES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    ssl_context: Optional[ssl.SSLContext] = None,
) -> str:
    """Download url to destination and return the file's sha256 (hex).

    With expected_sha256, a mismatch raises ChecksumMismatchError and leaves
    destination untouched. A 404 (or another of not_found_statuses) raises
    NotFound at once; other 4xx raise DownloadError at once; connection
    errors, timeouts, 5xx and 429 are retried up to `attempts` times.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=str(destination.parent))
    try:
        with os.fdopen(fd, "w+b") as sink:
            actual = _transfer(url, sink, attempts=attempts, total_timeout=total_timeout,
                               connect_timeout=connect_timeout, read_timeout=read_timeout, progress=progress,
                               progress_min_size=progress_min_size, max_size=None,
                               not_found_statuses=not_found_statuses, sleep=sleep, clock=clock,
                               ssl_context=ssl_context)
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


def fetch_bytes(url: str, *, max_size: int = 8 * 1024 * 1024, attempts: int = 3, total_timeout: float = 60.0,
                connect_timeout: float = 15.0, read_timeout: float = 30.0,
                not_found_statuses: Sequence[int] = NOT_FOUND_STATUSES, progress: Optional[Progress] = None,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                ssl_context: Optional[ssl.SSLContext] = None) -> bytes:
    """Download a small file (an index) into memory, with fetch()'s retry rules."""
    sink = io.BytesIO()
    _transfer(url, sink, attempts=attempts, total_timeout=total_timeout, connect_timeout=connect_timeout,
              read_timeout=read_timeout, progress=progress, progress_min_size=max_size + 1, max_size=max_size,
              not_found_statuses=not_found_statuses, sleep=sleep, clock=clock, ssl_context=ssl_context)
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


# --- Extraction ------------------------------------------------------------------------------

HAS_DATA_FILTER = hasattr(tarfile, "data_filter")


def _corrupt(archive: Path, detail: str) -> ArchiveError:
    body = (
        f"{archive.name} could not be unpacked: {detail}.\n\n"
        f"The archive is too short or corrupt: a download cut off, or a\n"
        f"broken file in the runtime store. Build again; if it happens again,\n"
        f"rebuild or re-upload that archive in the store."
    )
    return ArchiveError("The Python runtime archive is corrupt.", body, "archive::corrupt")


def _unsafe(archive: Path, member: str, why: str) -> ArchiveError:
    body = (
        f"{archive.name} contains {member!r}, which {why}.\n\n"
        f"Nothing was installed. An archive for this buildpack must only\n"
        f"hold files, directories and links that stay inside it: rebuild it\n"
        f"(e.g. `make runtimes`), and check where it came from."
    )
    return ArchiveError("The Python runtime archive contains an unsafe entry.", body, "archive::unsafe")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _prefixes(relative: str) -> List[str]:
    """'a/b/../c' -> ['a', 'a/b', 'a', 'a/c']: every directory the path passes through."""
    parts = relative.split("/")
    return [posixpath.normpath("/".join(parts[: i + 1])) for i in range(len(parts))]


def _climbs_out(relative: str) -> bool:
    return relative == ".." or relative.startswith("../")


class MemberChecker:
    """Our own checks, applied to every member before it is extracted.

    Refuses absolute paths, `..`, links that leave the target, devices and
    fifos. Paths are resolved on disk (os.path.realpath, which sees the links
    extracted so far) whenever a link is involved; when the target started
    empty and no link is involved, the text of the path is the truth, which
    saves a realpath per member (thousands in a Python install).
    """

    def __init__(self, target: Path, archive: Path) -> None:
        self.root = os.path.realpath(target)
        self.archive = archive
        self.links: Set[str] = set()  # symlinks extracted so far, relative to the target
        try:
            self.fast = not os.listdir(self.root)
        except OSError:
            self.fast = False

    def _via_link(self, *relatives: str) -> bool:
        return not self.fast or any(prefix in self.links for rel in relatives for prefix in _prefixes(rel))

    def _inside_on_disk(self, path: str) -> bool:
        return _inside(os.path.realpath(path), self.root)

    def check(self, member: tarfile.TarInfo) -> None:
        name, archive = member.name, self.archive
        if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            raise _unsafe(archive, name, "is an absolute path")
        if ".." in name.replace("\\", "/").split("/"):
            raise _unsafe(archive, name, "climbs out of the archive with '..'")
        if member.ischr() or member.isblk():
            raise _unsafe(archive, name, "is a device file")
        if member.isfifo():
            raise _unsafe(archive, name, "is a named pipe (fifo)")
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise _unsafe(archive, name, "is not a file, directory or link")
        relative = posixpath.normpath(name)
        if relative == ".":
            return
        if self._via_link(relative) and not self._inside_on_disk(os.path.join(self.root, relative)):
            raise _unsafe(archive, name, "would be written outside the target through a link")
        linkname = member.linkname
        if member.issym():
            if linkname.startswith("/"):
                raise _unsafe(archive, name, f"is a link to the absolute path {linkname!r}")
            raw = posixpath.join(posixpath.dirname(relative), linkname)
            linked = posixpath.normpath(raw)
            if self._via_link(raw):
                outside = not self._inside_on_disk(os.path.join(self.root, posixpath.dirname(relative), linkname))
            else:
                outside = _climbs_out(linked)
            if outside:
                raise _unsafe(archive, name, f"is a link to {linkname!r}, outside the archive")
            self.links.add(relative)
        if member.islnk():
            if linkname.startswith("/") or ".." in linkname.split("/"):
                raise _unsafe(archive, name, f"is a hard link to {linkname!r}, outside the archive")
            linked = posixpath.normpath(linkname)
            if self._via_link(linked) and not self._inside_on_disk(os.path.join(self.root, linked)):
                raise _unsafe(archive, name, f"is a hard link to {linkname!r}, outside the archive")


def check_member(member: tarfile.TarInfo, target: Path, archive: Path) -> None:
    """Check one member on its own (no knowledge of earlier members: always on disk)."""
    checker = MemberChecker(target, archive)
    checker.fast = False
    checker.check(member)


def _sanitise(member: tarfile.TarInfo) -> None:
    """What the data filter does to modes and owners, for Pythons without it."""
    if member.isreg() or member.islnk():
        member.mode &= 0o755  # no setuid/setgid/sticky, no group/other write
    elif member.isdir():
        member.mode = (member.mode & 0o755) | 0o700  # the owner can always fill it
    # The extracting user owns everything, whatever the archive says (root would chown).
    member.uid, member.gid = os.getuid(), os.getgid()
    member.uname, member.gname = "", ""


def _extract_members(tar: tarfile.TarFile, target: Path, archive: Path, use_filter: bool) -> None:
    options: Dict[str, object] = {}
    if HAS_DATA_FILTER:
        # Our checks already ran; "fully_trusted" stops 3.14's default filter kicking in
        # when the fallback path is forced.
        options["filter"] = "data" if use_filter else "fully_trusted"
    checker = MemberChecker(target, archive)
    for member in tar:
        checker.check(member)
        if not use_filter:
            _sanitise(member)
        elif member.isdir():
            member.mode |= 0o700
        tar.extract(member, str(target), **options)  # type: ignore[arg-type]


def compression_of(archive: Path) -> str:
    """'zst', 'gz' or 'tar', from the file's first bytes (names can lie)."""
    with archive.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(_ZSTD_MAGIC):
        return "zst"
    if magic.startswith(_GZIP_MAGIC):
        return "gz"
    return "tar"


_CORRUPT_ERRORS: Tuple[Type[BaseException], ...] = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


def extract_tar(
    archive: Path,
    target: Path,
    *,
    use_data_filter: Optional[bool] = None,
    env: Optional[Mapping[str, str]] = None,
) -> None:
    """Safely unpack a .tar.gz, .tar.zst or .tar into target (created if missing).

    use_data_filter: None = tarfile's "data" filter when this Python has it;
    False forces the fallback path (our checks only), as on heroku-20's 3.8.10.
    """
    use_filter = HAS_DATA_FILTER if use_data_filter is None else (use_data_filter and HAS_DATA_FILTER)
    target.mkdir(parents=True, exist_ok=True)
    try:
        kind = compression_of(archive)
    except OSError as exc:
        raise ArchiveError("Couldn't read the Python runtime archive.", f"{archive}: {exc.strerror}.",
                           "archive::unreadable") from None
    if kind != "zst":
        try:
            with archive.open("rb") as raw:
                # GzipFile, not tarfile's "r|gz": it notices a stream cut short (EOFError)
                # and checks the CRC, where tarfile would take the cut for the end.
                stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if kind == "gz" else raw  # type: ignore[assignment]
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    _extract_members(tar, target, archive, use_filter)
                while stream.read(1 << 16):
                    pass
        except _CORRUPT_ERRORS as exc:
            raise _corrupt(archive, str(exc) or type(exc).__name__) from None
        except OSError as exc:
            raise _write_failed(archive, exc) from None
        return
    try:
        pipe = commands.start_pipe(["zstd", "-d", "-c", "-q", "--", str(archive)],
                                   env or commands.base_env({}))
    except OSError:
        body = (
            f"{archive.name} is compressed with zstd, but the `zstd` command\n"
            f"isn't on this machine (every Heroku stack has it).\n\n"
            f"Install zstd, or use a store with .tar.gz archives."
        )
        raise ArchiveError("Can't unpack a .tar.zst archive here.", body, "archive::no-zstd") from None
    problem: Optional[BaseException] = None
    try:
        with tarfile.open(fileobj=pipe.stdout, mode="r|") as tar:
            _extract_members(tar, target, archive, use_filter)
    except (ArchiveError, OSError) + _CORRUPT_ERRORS as exc:  # type: ignore[misc]
        problem = exc
    result = pipe.finish(drain=problem is None)
    if isinstance(problem, ArchiveError):
        raise problem
    if problem is None and result.ok:
        return
    if not result.ok and (problem is None or isinstance(problem, _CORRUPT_ERRORS)):
        lines = result.text.strip().splitlines()
        detail = lines[-1] if lines else f"zstd exited with {result.returncode}"
        raise _corrupt(archive, detail.replace(str(archive), archive.name))
    if isinstance(problem, _CORRUPT_ERRORS):
        raise _corrupt(archive, str(problem) or type(problem).__name__)
    assert isinstance(problem, OSError)
    raise _write_failed(archive, problem)


def _write_failed(archive: Path, exc: OSError) -> ArchiveError:
    body = (
        f"Unpacking {archive.name} failed: {exc.strerror or exc}.\n\n"
        f"Check that the build has enough free disk space."
    )
    return ArchiveError("Couldn't unpack the Python runtime archive.", body, "archive::extract-failed")


def _leftovers(parent: Path, name: str) -> Sequence[Path]:
    if not parent.is_dir():
        return []
    prefixes = (f".{name}.tmp-", f".{name}.old-")
    return [entry for entry in parent.iterdir() if entry.name.startswith(prefixes)]


def install_archive(
    archive: Path,
    final_dir: Path,
    *,
    prepare: Optional[Callable[[Path], Path]] = None,
    use_data_filter: Optional[bool] = None,
    env: Optional[Mapping[str, str]] = None,
) -> None:
    """Unpack archive into final_dir, replacing it, only once the unpacking is complete.

    prepare(staging) may check and adjust the unpacked tree and returns the
    directory to move into place (staging itself or a directory inside it).
    Leftovers of an interrupted earlier install are removed first.
    """
    parent = final_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    for leftover in _leftovers(parent, final_dir.name):
        commands.remove_tree(leftover)
    staging = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.tmp-", dir=str(parent)))
    old = parent / f".{final_dir.name}.old-{os.getpid()}"
    try:
        extract_tar(archive, staging, use_data_filter=use_data_filter, env=env)
        root = prepare(staging) if prepare is not None else staging
        os.chmod(root, 0o755)
        if final_dir.is_symlink() or final_dir.is_file():
            final_dir.unlink()
        elif final_dir.exists():
            os.rename(final_dir, old)
        os.rename(root, final_dir)
    finally:
        for path in (staging, old):
            if os.path.lexists(path):
                commands.remove_tree(path)


__all__ = [
    "NotFound",
    "display_url",
    "fetch",
    "fetch_bytes",
    "sha256_of",
    "extract_tar",
    "install_archive",
    "check_member",
    "MemberChecker",
    "compression_of",
]
