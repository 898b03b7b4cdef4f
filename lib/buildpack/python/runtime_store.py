"""Where Python runtimes come from: the runtime store.

Two kinds of store, chosen by PYTHON_RUNTIMES_URL (process environment first,
then the app's config var):

- an indexed store (this project's own, what `make runtimes` writes, or what a
  team hosts): `<base>/index.json` lists every archive with its sha256 and what
  it needs from the machine (glibc, OpenSSL major);
- Heroku's official store (the default, or any base without an index.json): no
  index and no checksums, so the versions come from official_versions and the
  URL is guessed from Heroku's layouts, current first, then the pre-2024 one.
"""
from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

from buildpack import fetch, output, reasons, version_numbers
from buildpack.cache import Recorded
from buildpack.context import Context
from buildpack.errors import (
    DOCS_PYTHON_SUPPORT,
    DownloadError,
    RuntimeIncompatibleError,
    RuntimeStoreError,
    RuntimeStoreUnreachableError,
)
from buildpack.python import official_versions, stacks

DEFAULT_BASE_URL = "https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com"
SETTING = "PYTHON_RUNTIMES_URL"
INDEX_NAME = "index.json"
INDEX_FORMAT = 1
# S3 answers 403, not 404, for a missing key when listing is not public.
OFFICIAL_MISSING_STATUSES = (403, 404, 410)

_SHA256 = re.compile(r"[0-9a-f]{64}")
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class RuntimeArchive:
    version: str
    stack: str
    arch: str
    urls: Tuple[str, ...]  # tried in order; a 404 on one moves on to the next
    sha256: Optional[str]  # None: the store publishes no checksum (the download is unverified)
    requires: Mapping[str, Optional[str]] = field(default_factory=dict)  # {"glibc": "2.35", "openssl": "3"}
    identity: str = ""  # changes whenever the archive does (cache key)
    size: Optional[int] = None
    missing_statuses: Tuple[int, ...] = fetch.NOT_FOUND_STATUSES
    store: str = ""  # the store's base URL, for messages (credentials removed)


@dataclass(frozen=True)
class IndexEntry:
    version: str
    arch: str
    stacks: Tuple[str, ...]
    file: str
    sha256: str
    size: Optional[int]
    requires: Mapping[str, Optional[str]]


class Store:
    kind = ""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    @property
    def display(self) -> str:
        return fetch.display_url(self.base_url)

    def available_versions(self, stack: str, arch: str) -> List[str]:
        raise NotImplementedError

    def archive_for(self, version: str, stack: str, arch: str) -> RuntimeArchive:
        raise NotImplementedError

    def _not_available(self, version: str, stack: str, arch: str) -> RuntimeStoreError:
        offered = self.available_versions(stack, arch)
        listed = ", ".join(offered[-8:]) if offered else "none"
        body = (
            f"The runtime store at {self.display} has no Python {version}\n"
            f"for {stack} ({arch}).\n\n"
            f"Versions it has for {stack} ({arch}): {listed}."
        )
        return RuntimeStoreError(f"Python {version} isn't available.", body, reasons.RUNTIME_STORE_NOT_AVAILABLE,
                                 docs=DOCS_PYTHON_SUPPORT)


class IndexedStore(Store):
    kind = "indexed"

    def __init__(self, base_url: str, entries: Sequence[IndexEntry]) -> None:
        super().__init__(base_url)
        self.entries = list(entries)

    def _matching(self, stack: str, arch: str) -> Dict[str, IndexEntry]:
        return {e.version: e for e in self.entries if e.arch == arch and stack in e.stacks}

    def available_versions(self, stack: str, arch: str) -> List[str]:
        return sorted(self._matching(stack, arch), key=version_numbers.numbers)

    def archive_for(self, version: str, stack: str, arch: str) -> RuntimeArchive:
        entry = self._matching(stack, arch).get(version)
        if entry is None:
            raise self._not_available(version, stack, arch)
        return RuntimeArchive(
            version=version, stack=stack, arch=arch, urls=(f"{self.base_url}/{quote(entry.file, safe='/')}",),
            sha256=entry.sha256, requires=dict(entry.requires), identity=f"sha256:{entry.sha256}",
            size=entry.size, store=self.display,
        )


class OfficialStore(Store):
    kind = "official"

    def available_versions(self, stack: str, arch: str) -> List[str]:
        return official_versions.versions(stack, arch)

    def candidate_urls(self, version: str, stack: str, arch: str) -> Tuple[str, ...]:
        ubuntu = stacks.stack_info(stack).ubuntu
        urls = [f"{self.base_url}/python-{version}-ubuntu-{ubuntu}-{arch}.tar.zst"]
        if arch == "amd64":  # the pre-2024 layout predates arm64
            urls.append(f"{self.base_url}/{stack}/runtimes/python-{version}.tar.gz")
        return tuple(urls)

    def archive_for(self, version: str, stack: str, arch: str) -> RuntimeArchive:
        if version not in self.available_versions(stack, arch):
            raise self._not_available(version, stack, arch)
        info = stacks.stack_info(stack)
        urls = self.candidate_urls(version, stack, arch)
        # Heroku builds each archive on its stack's image, against its glibc and OpenSSL.
        requires = {"glibc": info.glibc, "openssl": info.openssl}
        return RuntimeArchive(
            version=version, stack=stack, arch=arch, urls=urls, sha256=None, requires=requires,
            identity=f"url:{urls[0]}", missing_statuses=OFFICIAL_MISSING_STATUSES, store=self.display,
        )


# --- The index -------------------------------------------------------------------------------


def _invalid(index_url: str, problem: str) -> RuntimeStoreError:
    body = (
        f"{fetch.display_url(index_url)} can't be used: {problem}.\n\n"
        f"Rebuild the store's index (e.g. `make runtimes`), or point\n"
        f"PYTHON_RUNTIMES_URL at another store."
    )
    return RuntimeStoreError("The runtime store's index.json is invalid.", body, reasons.RUNTIME_STORE_INDEX_INVALID)


def _entry(raw: Any, position: int, index_url: str) -> IndexEntry:
    where = f"runtimes[{position}]"
    if not isinstance(raw, dict):
        raise _invalid(index_url, f"{where} is not an object")
    for key in ("version", "arch", "file", "sha256"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _invalid(index_url, f"{where} has no {key!r} string")
    version, file, sha256 = raw["version"], raw["file"], raw["sha256"].lower()
    if version_numbers.exact(version) is None:
        raise _invalid(index_url, f"{where} has version {version!r}, not X.Y.Z")
    if not _SHA256.fullmatch(sha256):
        raise _invalid(index_url, f"{where} ({version}) has a sha256 that is not 64 hex digits")
    if file.startswith("/") or "://" in file or ".." in file.split("/") or "\\" in file:
        raise _invalid(index_url, f"{where} ({version}) has file {file!r}: it must be a path inside the store")
    stacks = raw.get("stacks")
    if not isinstance(stacks, list) or not all(isinstance(s, str) for s in stacks):
        raise _invalid(index_url, f"{where} ({version}) has no 'stacks' list")
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise _invalid(index_url, f"{where} ({version}) has a size that is not a whole number")
    requires = raw.get("requires") or {}
    if not isinstance(requires, dict) or not all(
            isinstance(v, (str, type(None))) for v in requires.values()):
        raise _invalid(index_url, f"{where} ({version}) has a 'requires' that is not an object of strings")
    return IndexEntry(version, raw["arch"], tuple(stacks), file, sha256, size, dict(requires))


def parse_index(data: bytes, index_url: str) -> List[IndexEntry]:
    """The entries of an index.json (pure); RuntimeStoreError naming the problem."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid(index_url, f"it is not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise _invalid(index_url, "it is not a JSON object")
    if document.get("format") != INDEX_FORMAT:
        raise _invalid(index_url,
                       f"its format is {document.get('format')!r}; this buildpack reads format {INDEX_FORMAT}")
    runtimes = document.get("runtimes")
    if not isinstance(runtimes, list):
        raise _invalid(index_url, "it has no 'runtimes' list")
    entries = [_entry(raw, position, index_url) for position, raw in enumerate(runtimes)]
    seen = set()
    for entry in entries:
        for stack in entry.stacks:
            key = (entry.version, entry.arch, stack)
            if key in seen:
                raise _invalid(index_url, f"it lists Python {entry.version} for {stack} ({entry.arch}) twice")
            seen.add(key)
    return entries


# --- Opening a store -------------------------------------------------------------------------


def base_url(ctx: Context) -> str:
    return ((ctx.setting(SETTING) or "").strip() or DEFAULT_BASE_URL).rstrip("/")


def _check_local_store(base: str) -> None:
    """A file:// base without an index.json may be a copy of Heroku's layout; one that is not
    there at all is a mistake (a store never made, a wrong path), and guessing Heroku's layout
    for it would end in a misleading error about Heroku's archives."""
    parts = urlsplit(base)
    path = url2pathname(parts.path)
    if parts.netloc not in ("", "localhost") or os.path.isdir(path):
        return
    body = (
        f"PYTHON_RUNTIMES_URL is {fetch.display_url(base)}, and there is no\n"
        f"directory at {path}.\n\n"
        f"A file:// store is a directory holding index.json and the archives\n"
        f"it lists (or a copy of Heroku's archives, in Heroku's layout).\n\n"
        f"To fix it:\n"
        f"1. Make the store there (in this buildpack's repo: `make runtimes`),\n"
        f"   or point PYTHON_RUNTIMES_URL at the directory that holds it.\n"
        f"2. Or unset PYTHON_RUNTIMES_URL to use Heroku's runtimes."
    )
    raise RuntimeStoreError("The runtime store PYTHON_RUNTIMES_URL names doesn't exist.", body,
                            reasons.RUNTIME_STORE_NOT_FOUND)


def open_store(ctx: Context, policy: fetch.FetchPolicy = fetch.SMALL_FILE_POLICY) -> Store:
    """The store PYTHON_RUNTIMES_URL names (Heroku's by default).

    A base other than Heroku's is asked for index.json: found, it is an indexed
    store; 404, it is laid out like Heroku's (a file:// base must at least exist).
    policy: how index.json is fetched.
    """
    base = base_url(ctx)
    if base == DEFAULT_BASE_URL:
        return OfficialStore(base)
    scheme = urlsplit(base).scheme.lower()
    if scheme not in ("http", "https", "file"):
        body = (
            f"PYTHON_RUNTIMES_URL is {fetch.display_url(base)!r}.\n\n"
            f"It must be an https://, http:// or file:// URL of a runtime store,\n"
            f"or unset to use Heroku's."
        )
        raise RuntimeStoreError("PYTHON_RUNTIMES_URL is not a URL.", body, reasons.RUNTIME_STORE_INVALID_URL)
    index_url = f"{base}/{INDEX_NAME}"
    try:
        data = fetch.to_bytes(index_url, policy)
    except fetch.NotFound:
        if scheme == "file":
            _check_local_store(base)
        return OfficialStore(base)
    except DownloadError as exc:
        body = (
            f"Reading {fetch.display_url(index_url)} failed:\n"
            f"{exc.title}\n{exc.body}\n\n"
            f"To fix it:\n"
            f"1. Check that PYTHON_RUNTIMES_URL names the right store and\n"
            f"   that it is up (its index.json must be readable).\n"
            f"2. Or unset PYTHON_RUNTIMES_URL to use Heroku's runtimes."
        )
        raise RuntimeStoreUnreachableError(f"Can't reach the runtime store at {fetch.display_url(base)}.", body) from None
    return IndexedStore(base, parse_index(data, index_url))


class CachedStore(Store):
    """The runtime the last build installed, for when the store can't be reached.

    It offers exactly that version, with the cached archive's identity, so a
    rebuild that keeps the cached environment needs no store at all.
    """

    kind = "cached"

    def __init__(self, base_url: str, version: str, identity: str) -> None:
        super().__init__(base_url)
        self.version = version
        self.identity = identity

    def available_versions(self, stack: str, arch: str) -> List[str]:
        return [self.version]

    def archive_for(self, version: str, stack: str, arch: str) -> RuntimeArchive:
        if version != self.version:
            raise self._not_available(version, stack, arch)
        return RuntimeArchive(version=version, stack=stack, arch=arch, urls=(), sha256=None,
                              identity=self.identity, store=self.display)


def open_store_or_cached(ctx: Context, previous: Optional[Recorded]) -> Store:
    """open_store, falling back to the previous build's runtime when the store is unreachable."""
    try:
        return open_store(ctx)
    except RuntimeStoreUnreachableError as error:
        if previous is None or not (previous.python_version and previous.runtime) or previous.stack != ctx.stack:
            raise
        output.warning(
            f"Can't reach the runtime store: using the cached Python {previous.python_version}.",
            f"{error.title}\n\nThe previous build's Python {previous.python_version} is in the\n"
            "build cache, so this build goes on with it. A build that needs\n"
            "another version will fail until the store is back.",
        )
        return CachedStore(base_url(ctx), previous.python_version, previous.runtime)


# --- The machine -----------------------------------------------------------------------------

LIB_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
    "/usr/local/lib",
)


@dataclass(frozen=True)
class MachineFacts:
    glibc: Optional[str]  # "2.35"; None when unknown (or not glibc)
    openssl: FrozenSet[str]  # libssl majors present: {"3"}, {"1.1"}...
    arch: str  # "amd64", "arm64"


def machine_arch(machine: Optional[str] = None) -> str:
    """The machine's architecture in Debian's words (amd64, arm64)."""
    name = machine if machine is not None else platform.machine()
    return ARCHES.get(name.lower(), name.lower())


def _glibc_version() -> Optional[str]:
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):
        return None
    match = re.fullmatch(r"glibc (\d+\.\d+)(?:\.\d+)?", value or "")
    return match.group(1) if match else None


def openssl_majors(lib_dirs: Sequence[str]) -> FrozenSet[str]:
    found = set()
    for directory in lib_dirs:
        for soname, major in (("libssl.so.3", "3"), ("libssl.so.1.1", "1.1"), ("libssl.so.1.0.0", "1.0")):
            if os.path.exists(os.path.join(directory, soname)):
                found.add(major)
    return frozenset(found)


def this_machine(lib_dirs: Sequence[str] = LIB_DIRS) -> MachineFacts:
    return MachineFacts(glibc=_glibc_version(), openssl=openssl_majors(lib_dirs), arch=machine_arch())


def check_compatible(archive: RuntimeArchive, machine: MachineFacts, stack: Optional[str] = None) -> None:
    """Refuse an archive built for a newer system than this machine (pure).

    Facts the machine can't tell (None, no libssl found) are not held against it.
    """
    stack = stack or archive.stack
    where = f"this machine ({stack})" if stack else "this machine"
    problems = []
    if archive.arch and machine.arch and archive.arch != machine.arch:
        problems.append(f"it is built for {archive.arch}, but {where} is {machine.arch}")
    needed, have = version_numbers.numbers(archive.requires.get("glibc")), version_numbers.numbers(machine.glibc)
    if needed and have and needed > have:
        problems.append(
            f"it needs glibc {archive.requires['glibc']}, but {where} has glibc {machine.glibc}"
        )
    openssl = archive.requires.get("openssl")
    if openssl and machine.openssl and openssl not in machine.openssl:
        have_ssl = ", ".join(sorted(machine.openssl))
        problems.append(f"it needs OpenSSL {openssl} (libssl.so.{openssl}), but {where} has OpenSSL {have_ssl}")
    if not problems:
        return
    listed = "\n".join(f"- {problem}" for problem in problems)
    target = stack or "<stack>"
    if archive.arch and machine.arch and archive.arch != machine.arch:
        why = "A runtime runs only on the architecture it was built for."
        first = f"Build {machine.arch} runtimes and list them in the store's index.json"
    else:
        why = "A runtime built on a newer system does not run on an older one."
        newer = [name for name, info in stacks.STACKS.items()
                 if (not needed or version_numbers.numbers(info.glibc) >= needed)
                 and (not openssl or info.openssl == openssl) and name != stack]
        first = (f"Move the app to {' or '.join(newer)}: heroku stack:set {newer[-1]}" if newer
                 else "Move the app to a newer stack")
    body = (
        f"The runtime archive for Python {archive.version} from\n"
        f"{archive.store or 'the runtime store'} can't run here:\n{listed}\n\n"
        f"{why}\n\n"
        f"To fix it:\n"
        f"1. {first}, or\n"
        f"2. Build runtimes on {target}'s own system and list them for it in\n"
        f"   the store's index.json (\"stacks\": [\"{target}\"])."
    )
    raise RuntimeIncompatibleError(
        f"The Python {archive.version} runtime doesn't fit this machine.", body, reasons.RUNTIME_INCOMPATIBLE
    )


__all__ = [
    "DEFAULT_BASE_URL",
    "IndexEntry",
    "IndexedStore",
    "MachineFacts",
    "OfficialStore",
    "RuntimeArchive",
    "Store",
    "check_compatible",
    "machine_arch",
    "open_store",
    "parse_index",
    "this_machine",
]
