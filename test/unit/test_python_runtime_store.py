"""The runtime store: index parsing, Heroku's layout, opening a store, machine fit."""
from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import os
import socket
import threading
from pathlib import Path
from typing import Dict

import pytest

from buildpack import fetch
from buildpack.cache import Recorded
from buildpack.context import Context
from buildpack.errors import RuntimeIncompatibleError, RuntimeStoreError, RuntimeStoreUnreachableError, StackUnknownError
from buildpack.python import official_versions, runtime_store
from buildpack.python.runtime_store import MachineFacts, RuntimeArchive

SHA = "ab" * 32
FAST_INDEX_POLICY = dataclasses.replace(fetch.SMALL_FILE_POLICY, attempts=2, sleep=lambda seconds: None)


def index_document(**overrides) -> dict:
    entry = {"version": "3.12.1", "arch": "amd64", "stacks": ["heroku-20", "heroku-22", "heroku-24"],
             "file": "python-3.12.1-amd64.tar.gz", "sha256": SHA, "size": 123,
             "requires": {"glibc": "2.34", "openssl": "3"}}
    entry.update(overrides)
    return {"format": 1, "runtimes": [entry]}


def encode(document) -> bytes:
    return json.dumps(document).encode()


# --- The index ------------------------------------------------------------------------------

def test_parse_index():
    entries = runtime_store.parse_index(encode(index_document()), "https://store/index.json")
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.version, entry.arch, entry.file, entry.sha256, entry.size) == (
        "3.12.1", "amd64", "python-3.12.1-amd64.tar.gz", SHA, 123)
    assert entry.stacks == ("heroku-20", "heroku-22", "heroku-24")
    assert entry.requires == {"glibc": "2.34", "openssl": "3"}


def test_parse_index_accepts_unknown_requirements_as_null():
    entries = runtime_store.parse_index(encode(index_document(requires={"glibc": None, "openssl": None})), "u")
    assert entries[0].requires == {"glibc": None, "openssl": None}


@pytest.mark.parametrize("data, phrase", [
    (b"{not json", "not valid JSON"),
    (b"[]", "not a JSON object"),
    (encode({"format": 2, "runtimes": []}), "format is 2"),
    (encode({"format": 1}), "no 'runtimes' list"),
    (encode({"format": 1, "runtimes": ["x"]}), "runtimes[0] is not an object"),
    (encode(index_document(version="3.12")), "not X.Y.Z"),
    (encode(index_document(sha256="abc")), "64 hex digits"),
    (encode(index_document(file="../../etc/passwd")), "a path inside the store"),
    (encode(index_document(file="https://elsewhere/x.tar.gz")), "a path inside the store"),
    (encode(index_document(stacks="heroku-24")), "no 'stacks' list"),
    (encode(index_document(size="big")), "not a whole number"),
    (encode(index_document(requires=["glibc"])), "'requires'"),
    (encode(index_document(arch=None)), "no 'arch' string"),
    (encode({"format": 1, "runtimes": index_document()["runtimes"] * 2}), "twice"),
])
def test_parse_index_rejects(data, phrase):
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.parse_index(data, "https://user:pw@store.example/index.json")
    assert caught.value.reason == "runtime-store::index-invalid"
    assert phrase in caught.value.body
    assert "pw@" not in caught.value.body and "https://****@store.example/index.json" in caught.value.body


def indexed_store() -> runtime_store.IndexedStore:
    document = {"format": 1, "runtimes": [
        {"version": v, "arch": arch, "stacks": stacks, "file": f"python-{v}-{arch}.tar.gz",
         "sha256": SHA, "size": 1, "requires": {"glibc": "2.35", "openssl": "3"}}
        for v, arch, stacks in [
            ("3.9.18", "amd64", ["heroku-22"]),
            ("3.10.13", "amd64", ["heroku-22", "heroku-24"]),
            ("3.12.1", "amd64", ["heroku-22", "heroku-24"]),
            ("3.12.1", "arm64", ["heroku-24"]),
        ]]}
    return runtime_store.IndexedStore("https://store.example/runtimes/",
                                      runtime_store.parse_index(encode(document), "u"))


@pytest.mark.parametrize("stack, arch, expected", [
    ("heroku-22", "amd64", ["3.9.18", "3.10.13", "3.12.1"]),  # numeric order: 3.9 < 3.10
    ("heroku-24", "amd64", ["3.10.13", "3.12.1"]),
    ("heroku-24", "arm64", ["3.12.1"]),
    ("heroku-20", "amd64", []),
])
def test_indexed_available_versions(stack, arch, expected):
    assert indexed_store().available_versions(stack, arch) == expected


def test_indexed_archive_for():
    archive = indexed_store().archive_for("3.12.1", "heroku-24", "amd64")
    assert archive.urls == ("https://store.example/runtimes/python-3.12.1-amd64.tar.gz",)
    assert archive.sha256 == SHA
    assert archive.identity == f"sha256:{SHA}"
    assert archive.requires == {"glibc": "2.35", "openssl": "3"}
    assert (archive.version, archive.stack, archive.arch) == ("3.12.1", "heroku-24", "amd64")


def test_indexed_archive_not_available():
    with pytest.raises(RuntimeStoreError) as caught:
        indexed_store().archive_for("3.9.18", "heroku-24", "amd64")
    assert caught.value.reason == "runtime-store::not-available"
    assert "heroku-24 (amd64): 3.10.13, 3.12.1" in caught.value.body


# --- Heroku's official layout ---------------------------------------------------------------

BASE = runtime_store.DEFAULT_BASE_URL


@pytest.mark.parametrize("stack, arch, expected", [
    ("heroku-24", "amd64", (f"{BASE}/python-3.12.11-ubuntu-24.04-amd64.tar.zst",
                            f"{BASE}/heroku-24/runtimes/python-3.12.11.tar.gz")),
    ("heroku-22", "amd64", (f"{BASE}/python-3.12.11-ubuntu-22.04-amd64.tar.zst",
                            f"{BASE}/heroku-22/runtimes/python-3.12.11.tar.gz")),
    ("heroku-24", "arm64", (f"{BASE}/python-3.12.11-ubuntu-24.04-arm64.tar.zst",)),
    ("heroku-26", "amd64", (f"{BASE}/python-3.12.11-ubuntu-26.04-amd64.tar.zst",
                            f"{BASE}/heroku-26/runtimes/python-3.12.11.tar.gz")),
])
def test_official_urls(stack, arch, expected):
    archive = runtime_store.OfficialStore(BASE).archive_for("3.12.11", stack, arch)
    assert archive.urls == expected
    assert archive.sha256 is None
    assert archive.identity == f"url:{expected[0]}"
    assert 403 in archive.missing_statuses and 404 in archive.missing_statuses


def test_official_heroku_20_urls_and_requirements():
    archive = runtime_store.OfficialStore(BASE).archive_for("3.12.10", "heroku-20", "amd64")
    assert archive.urls[0].endswith("/python-3.12.10-ubuntu-20.04-amd64.tar.zst")
    assert archive.urls[1].endswith("/heroku-20/runtimes/python-3.12.10.tar.gz")
    assert archive.requires == {"glibc": "2.31", "openssl": "1.1"}


@pytest.mark.parametrize("stack, arch, present, absent", [
    ("heroku-24", "amd64", ["3.9.23", "3.12.14", "3.14.7", "3.12.0"], ["3.8.20", "3.12.15", "3.14.8"]),
    ("heroku-22", "amd64", ["3.8.20", "3.14.0"], []),
    ("heroku-20", "amd64", ["3.8.20", "3.13.3"], ["3.13.4", "3.14.0"]),
    ("heroku-24", "arm64", ["3.13.15"], ["3.8.20"]),
    ("heroku-26", "arm64", ["3.14.7"], ["3.9.23"]),
    ("heroku-22", "arm64", [], ["3.13.8"]),
    ("heroku-26", "amd64", ["3.10.21", "3.14.7"], ["3.9.23"]),
])
def test_official_versions_per_stack(stack, arch, present, absent):
    versions = runtime_store.OfficialStore(BASE).available_versions(stack, arch)
    for version in present:
        assert version in versions
    for version in absent:
        assert version not in versions


def test_official_table_newest_patches():
    newest = {}
    for version in official_versions.versions("heroku-24", "amd64"):
        major, minor, patch = (int(p) for p in version.split("."))
        newest[(major, minor)] = max(newest.get((major, minor), 0), patch)
    # What the official buildpack v351 (2026-08-18) serves.
    assert newest == {(3, 9): 23, (3, 10): 21, (3, 11): 16, (3, 12): 14, (3, 13): 15, (3, 14): 7}


def test_official_unknown_version_and_stack():
    store = runtime_store.OfficialStore(BASE)
    with pytest.raises(RuntimeStoreError) as caught:
        store.archive_for("3.12.99", "heroku-24", "amd64")
    assert caught.value.reason == "runtime-store::not-available"
    with pytest.raises(StackUnknownError):
        store.candidate_urls("3.12.11", "heroku-99", "amd64")


# --- open_store() ---------------------------------------------------------------------------

class StoreServer:
    """Serves a directory on loopback; `statuses` forces answers for some paths."""

    def __init__(self, root: Path) -> None:
        self.statuses: Dict[str, int] = {}
        self.hits: Dict[str, int] = {}
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                if self.path in owner.statuses:
                    self.send_error(owner.statuses[self.path])
                    return
                super().do_GET()

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def store_root(tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    return root


@pytest.fixture
def store_server(store_root):
    server = StoreServer(store_root)
    yield server
    server.close()


def context(tmp_path: Path, url=None, config_url=None) -> Context:
    environ = {"PYTHON_RUNTIMES_URL": url} if url is not None else {}
    config = {"PYTHON_RUNTIMES_URL": config_url} if config_url is not None else {}
    return Context(build_dir=tmp_path, cache_dir=None, env_dir=None, buildpack_dir=tmp_path,
                   stack="heroku-24", environ=environ, config_vars=config)


def test_default_is_heroku_without_network(tmp_path):
    store = runtime_store.open_store(context(tmp_path))
    assert isinstance(store, runtime_store.OfficialStore)
    assert store.base_url == runtime_store.DEFAULT_BASE_URL


def test_config_var_is_used_when_environment_is_unset(tmp_path, store_root, store_server):
    (store_root / "index.json").write_text(json.dumps(index_document()))
    store = runtime_store.open_store(context(tmp_path, config_url=store_server.base + "/\n"))
    assert isinstance(store, runtime_store.IndexedStore)


def test_indexed_store_over_http(tmp_path, store_root, store_server):
    (store_root / "index.json").write_text(json.dumps(index_document()))
    store = runtime_store.open_store(context(tmp_path, store_server.base + "/"))
    assert isinstance(store, runtime_store.IndexedStore)
    assert store.available_versions("heroku-24", "amd64") == ["3.12.1"]
    assert store.archive_for("3.12.1", "heroku-24", "amd64").urls == (
        f"{store_server.base}/python-3.12.1-amd64.tar.gz",)


def test_no_index_means_heroku_layout(tmp_path, store_server):
    store = runtime_store.open_store(context(tmp_path, store_server.base))
    assert isinstance(store, runtime_store.OfficialStore)
    assert store_server.hits == {"/index.json": 1}
    archive = store.archive_for("3.12.11", "heroku-24", "amd64")
    assert archive.urls[0] == f"{store_server.base}/python-3.12.11-ubuntu-24.04-amd64.tar.zst"


def test_file_store(tmp_path, store_root):
    (store_root / "index.json").write_text(json.dumps(index_document()))
    assert isinstance(runtime_store.open_store(context(tmp_path, store_root.as_uri())), runtime_store.IndexedStore)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert isinstance(runtime_store.open_store(context(tmp_path, empty.as_uri())), runtime_store.OfficialStore)


def test_a_file_store_that_is_not_there_is_refused(tmp_path):
    # Not taken for Heroku's layout: that guess ended in a glibc mismatch with Heroku's archives.
    missing = tmp_path / "never-made"
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.open_store(context(tmp_path, missing.as_uri()))
    assert caught.value.reason == "runtime-store::not-found"
    assert caught.value.title == "The runtime store PYTHON_RUNTIMES_URL names doesn't exist."
    assert f"there is no\ndirectory at {missing}." in caught.value.body
    assert "`make runtimes`" in caught.value.body and "unset PYTHON_RUNTIMES_URL" in caught.value.body
    # Not "unreachable": the cached runtime must not paper over a wrong path.
    assert not isinstance(caught.value, RuntimeStoreUnreachableError)


def test_malformed_index(tmp_path, store_root, store_server):
    (store_root / "index.json").write_text("{\"format\": 1, \"runtimes\": [")
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.open_store(context(tmp_path, store_server.base))
    assert caught.value.reason == "runtime-store::index-invalid"


def test_store_failing_with_5xx(tmp_path, store_server):
    store_server.statuses["/index.json"] = 503
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.open_store(context(tmp_path, store_server.base), FAST_INDEX_POLICY)
    assert caught.value.reason == "runtime-store::unreachable"
    assert store_server.hits["/index.json"] == 2
    assert "HTTP 503" in caught.value.body


def test_unreachable_store_names_url_without_credentials(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://deploy:t0ken@127.0.0.1:{port}/runtimes"
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.open_store(context(tmp_path, url), FAST_INDEX_POLICY)
    message = caught.value.title + "\n" + caught.value.body
    assert caught.value.reason == "runtime-store::unreachable"
    assert f"http://****@127.0.0.1:{port}/runtimes" in message
    assert "t0ken" not in message and "deploy" not in message
    assert "PYTHON_RUNTIMES_URL" in message


def test_not_a_url(tmp_path):
    with pytest.raises(RuntimeStoreError) as caught:
        runtime_store.open_store(context(tmp_path, "/srv/runtimes"))
    assert caught.value.reason == "runtime-store::invalid-url"


# --- The machine ----------------------------------------------------------------------------

def archive(requires, arch="amd64", stack="heroku-20") -> RuntimeArchive:
    return RuntimeArchive(version="3.12.1", stack=stack, arch=arch, urls=("u",), sha256=SHA,
                          requires=requires, identity="i", store="http://store")


HEROKU_20 = MachineFacts(glibc="2.31", openssl=frozenset({"1.1"}), arch="amd64")
HEROKU_22 = MachineFacts(glibc="2.35", openssl=frozenset({"3"}), arch="amd64")
UNKNOWN = MachineFacts(glibc=None, openssl=frozenset(), arch="amd64")


@pytest.mark.parametrize("requires, machine", [
    ({"glibc": "2.35", "openssl": "3"}, HEROKU_22),
    ({"glibc": "2.31", "openssl": "1.1"}, MachineFacts("2.35", frozenset({"1.1", "3"}), "amd64")),
    ({"glibc": "2.17"}, HEROKU_20),
    ({"glibc": None, "openssl": None}, HEROKU_20),
    ({}, HEROKU_20),
    ({"glibc": "2.39", "openssl": "3"}, UNKNOWN),  # what the machine can't tell isn't held against it
])
def test_compatible(requires, machine):
    runtime_store.check_compatible(archive(requires), machine, "heroku-22")


@pytest.mark.parametrize("requires, machine, arch, phrases", [
    ({"glibc": "2.35", "openssl": "3"}, HEROKU_20, "amd64",
     ["needs glibc 2.35, but this machine (heroku-20) has glibc 2.31",
      "needs OpenSSL 3 (libssl.so.3), but this machine (heroku-20) has OpenSSL 1.1",
      "heroku stack:set heroku-24", "heroku-22 or heroku-24", "\"stacks\": [\"heroku-20\"]"]),
    ({"glibc": "2.36"}, HEROKU_22, "amd64", ["glibc 2.36", "glibc 2.35", "heroku-24"]),
    ({"openssl": "1.1"}, HEROKU_22, "amd64", ["needs OpenSSL 1.1"]),
    ({}, HEROKU_20, "arm64", ["built for arm64, but this machine (heroku-20) is amd64", "Build amd64 runtimes"]),
])
def test_incompatible(requires, machine, arch, phrases):
    with pytest.raises(RuntimeIncompatibleError) as caught:
        runtime_store.check_compatible(archive(requires, arch), machine, "heroku-20")
    assert caught.value.reason == "runtime::incompatible"
    for phrase in phrases:
        assert phrase in caught.value.body, caught.value.body


@pytest.mark.parametrize("machine, expected", [
    ("x86_64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64"), ("riscv64", "riscv64"),
])
def test_machine_arch(machine, expected):
    assert runtime_store.machine_arch(machine) == expected


def test_this_machine_reads_lib_dirs(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "libssl.so.1.1").write_bytes(b"")
    (new / "libssl.so.3").write_bytes(b"")
    facts = runtime_store.this_machine([str(old), str(new), str(tmp_path / "missing")])
    assert facts.openssl == frozenset({"1.1", "3"})
    assert facts.arch == runtime_store.machine_arch()
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    expected = ".".join(libc.split()[1].split(".")[:2]) if libc.startswith("glibc ") else None
    assert facts.glibc == expected


def test_an_unreachable_store_falls_back_to_the_cached_runtime(tmp_path):
    from buildpack.context import Context

    ctx = Context.from_args([str(tmp_path)], {"PYTHON_RUNTIMES_URL": "http://127.0.0.1:1/", "STACK": "heroku-22"})
    previous = Recorded(stack="heroku-22", python_version="3.12.1", runtime="sha-x")
    store = runtime_store.open_store_or_cached(ctx, previous)
    assert store.available_versions("heroku-22", "amd64") == ["3.12.1"]
    assert store.archive_for("3.12.1", "heroku-22", "amd64").identity == "sha-x"
    with pytest.raises(RuntimeStoreError) as caught:
        store.archive_for("3.13.0", "heroku-22", "amd64")
    assert caught.value.reason == "runtime-store::not-available"


def test_an_unreachable_store_without_a_usable_cache_is_an_error(tmp_path):
    from buildpack.context import Context

    ctx = Context.from_args([str(tmp_path)], {"PYTHON_RUNTIMES_URL": "http://127.0.0.1:1/", "STACK": "heroku-22"})
    for previous in (None, Recorded(stack="heroku-20", python_version="3.12.1", runtime="sha-x")):
        with pytest.raises(RuntimeStoreError) as caught:
            runtime_store.open_store_or_cached(ctx, previous)
        assert caught.value.reason == "runtime-store::unreachable"
