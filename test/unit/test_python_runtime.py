"""Installing the runtime: download once, verify, reuse from the cache, swap into place."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import List, Optional

import pytest

from buildpack.context import Context
from buildpack.errors import ArchiveError, ChecksumMismatchError, RuntimeStoreError
from buildpack.python import runtime as python_runtime
from buildpack.python.runtime_store import OFFICIAL_MISSING_STATUSES, RuntimeArchive


def tarball(members, compression: str = "gz") -> bytes:
    """members: (name, kind, data_or_linkname)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compression == "gz" else "w") as tar:
        for name, kind, value in members:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            else:
                info.size, info.mode = len(value), 0o755
                tar.addfile(info, io.BytesIO(value))
    return buffer.getvalue()


PREFIX = [("bin", "dir", b""), ("bin/python3.12", "file", b"#!/bin/sh\necho 3.12\n"),
          ("bin/python3", "link", "python3.12"), ("lib", "dir", b""), ("lib/libpython3.12.so", "file", b"ELF")]


def publish(store: Path, name: str, data: bytes) -> str:
    store.mkdir(parents=True, exist_ok=True)
    (store / name).write_bytes(data)
    return (store / name).as_uri()


def runtime(urls, sha256: Optional[str], identity: Optional[str] = None, **extra) -> RuntimeArchive:
    return RuntimeArchive(version="3.12.1", stack="heroku-24", arch="amd64", urls=tuple(urls), sha256=sha256,
                          requires={}, identity=identity or (f"sha256:{sha256}" if sha256 else f"url:{urls[0]}"),
                          **extra)


def make_context(tmp_path: Path) -> Context:
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    return Context(build_dir=build, cache_dir=tmp_path / "cache", env_dir=None, buildpack_dir=tmp_path,
                   stack="heroku-24", environ={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})


@pytest.fixture
def ctx(tmp_path):
    return make_context(tmp_path)


def cache_files(cache: Path) -> List[str]:
    return sorted(os.listdir(cache)) if cache.exists() else []


def test_install_verified_then_reuse_without_network(tmp_path, ctx, capsys):
    data = tarball(PREFIX)
    sha = hashlib.sha256(data).hexdigest()
    url = publish(tmp_path / "store", "python-3.12.1-amd64.tar.gz", data)
    cache = tmp_path / "cache" / "runtimes"

    python_runtime.install(ctx, runtime([url], sha), ctx.python_home, cache)
    out = capsys.readouterr().out
    assert out.startswith("-----> Installing Python 3.12.1\n")
    assert f"Verified sha256 {sha[:16]}" in out
    assert "Done in" in out
    home = ctx.python_home
    assert os.readlink(home / "bin" / "python") == "python3"  # added: the archive lacks it
    assert (home / "bin" / "python3").resolve() == (home / "bin" / "python3.12").resolve()
    assert len(cache_files(cache)) == 2  # the archive and its record

    shutil.rmtree(tmp_path / "store")  # the store goes away: the cache must do
    shutil.rmtree(home)
    python_runtime.install(ctx, runtime([url], sha), home, cache)
    out = capsys.readouterr().out
    assert "Using the cached download of Python 3.12.1" in out
    assert "Downloading" not in out
    assert (home / "bin" / "python3.12").is_file()


def test_cached_archive_damaged_on_disk_is_downloaded_again(tmp_path, ctx, capsys):
    data = tarball(PREFIX)
    sha = hashlib.sha256(data).hexdigest()
    url = publish(tmp_path / "store", "p.tar.gz", data)
    cache = tmp_path / "cache"
    archive = runtime([url], sha)
    python_runtime.install(ctx, archive, ctx.python_home, cache)
    cached = cache / python_runtime.cache_name(archive)
    cached.write_bytes(b"bit rot")
    capsys.readouterr()
    python_runtime.install(ctx, archive, ctx.python_home, cache)
    assert "Downloading" in capsys.readouterr().out
    assert cached.read_bytes() == data


def test_unverified_download_says_so(tmp_path, ctx, capsys):
    url = publish(tmp_path / "store", "python-3.12.1-ubuntu-24.04-amd64.tar.zst", tarball(PREFIX))
    python_runtime.install(ctx, runtime([url], None), ctx.python_home, tmp_path / "cache")
    assert "Not verified: this store publishes no checksums" in capsys.readouterr().out
    assert (ctx.python_home / "bin" / "python3.12").is_file()


def test_second_url_used_when_first_is_missing(tmp_path, ctx, capsys):
    store = tmp_path / "store"
    legacy = publish(store / "heroku-24" / "runtimes", "python-3.12.1.tar.gz", tarball(PREFIX))
    current = (store / "python-3.12.1-ubuntu-24.04-amd64.tar.zst").as_uri()
    python_runtime.install(ctx, runtime([current, legacy], None, missing_statuses=OFFICIAL_MISSING_STATUSES),
                           ctx.python_home, tmp_path / "cache")
    out = capsys.readouterr().out
    assert "Not there" in out
    assert (ctx.python_home / "bin" / "python3").exists()


def test_not_available_anywhere(tmp_path, ctx):
    urls = [(tmp_path / "store" / "a.tar.zst").as_uri(), (tmp_path / "store" / "b.tar.gz").as_uri()]
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeStoreError) as caught:
        python_runtime.install(ctx, runtime(urls, None), ctx.python_home, cache)
    assert caught.value.reason == "runtime-store::not-available"
    assert "a.tar.zst" in caught.value.body and "b.tar.gz" in caught.value.body
    assert "heroku-24 (amd64)" in caught.value.body
    assert cache_files(cache) == []


def test_checksum_mismatch_keeps_cache_and_install_clean(tmp_path, ctx):
    url = publish(tmp_path / "store", "p.tar.gz", tarball(PREFIX))
    ctx.python_home.mkdir(parents=True)
    (ctx.python_home / "previous").write_text("old install")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumMismatchError) as caught:
        python_runtime.install(ctx, runtime([url], "0" * 64), ctx.python_home, cache)
    assert "expected sha256 " + "0" * 64 in caught.value.body
    assert cache_files(cache) == []
    assert (ctx.python_home / "previous").read_text() == "old install"


@pytest.mark.parametrize("cut", [2, 8], ids=["half", "trailer"])
def test_corrupt_archive_is_dropped_from_the_cache(tmp_path, ctx, cut):
    whole = tarball(PREFIX)
    # Verified, but truncated when it was published: half of it, or just the gzip trailer.
    data = whole[: len(whole) // 2] if cut == 2 else whole[:-8]
    url = publish(tmp_path / "store", "p.tar.gz", data)
    cache = tmp_path / "cache"
    with pytest.raises(ArchiveError) as caught:
        python_runtime.install(ctx, runtime([url], hashlib.sha256(data).hexdigest()), ctx.python_home, cache)
    assert caught.value.reason == "archive::corrupt"
    assert cache_files(cache) == []
    assert not ctx.python_home.exists()


def test_archive_without_interpreter(tmp_path, ctx):
    url = publish(tmp_path / "store", "p.tar.gz", tarball([("share", "dir", b""), ("share/x", "file", b"x")]))
    cache = tmp_path / "cache"
    with pytest.raises(ArchiveError) as caught:
        python_runtime.install(ctx, runtime([url], None), ctx.python_home, cache)
    assert caught.value.reason == "archive::no-python"
    assert "it holds: share" in caught.value.body
    assert cache_files(cache) == []
    assert not ctx.python_home.exists()


@pytest.mark.parametrize("members", [
    [("bin", "dir", b""), ("bin/python3.12", "file", b"x")],  # no python3 link
    [("python", "dir", b""), ("python/bin", "dir", b""), ("python/bin/python3", "file", b"x")],  # one top dir
])
def test_tolerated_layouts(tmp_path, ctx, members):
    url = publish(tmp_path / "store", "p.tar.gz", tarball(members))
    python_runtime.install(ctx, runtime([url], None), ctx.python_home, tmp_path / "cache")
    assert (ctx.python_home / "bin" / "python3").exists()
    assert (ctx.python_home / "bin" / "python").exists()


def test_only_the_current_archive_is_kept(tmp_path, ctx):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "python-3.11.9-0123456789abcdef.archive").write_bytes(b"old")
    (cache / "python-3.11.9-0123456789abcdef.archive.json").write_text("{}")
    (cache / "unrelated.txt").write_text("not ours")
    url = publish(tmp_path / "store", "p.tar.gz", tarball(PREFIX))
    archive = runtime([url], None)
    python_runtime.install(ctx, archive, ctx.python_home, cache)
    name = python_runtime.cache_name(archive)
    assert cache_files(cache) == sorted([name, name + ".json", "unrelated.txt"])


def test_cache_name_follows_identity():
    a = runtime(["u"], "1" * 64)
    b = runtime(["u"], "2" * 64)
    assert python_runtime.cache_name(a) != python_runtime.cache_name(b)
    assert python_runtime.cache_name(a).startswith("python-3.12.1-")


def test_without_a_cache_dir(tmp_path, ctx):
    url = publish(tmp_path / "store", "p.tar.gz", tarball(PREFIX))
    python_runtime.install(ctx, runtime([url], None), ctx.python_home, None)
    assert (ctx.python_home / "bin" / "python3").exists()


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is not installed")
def test_zst_archive_like_heroku(tmp_path, ctx):
    raw = tmp_path / "p.tar"
    raw.write_bytes(tarball(PREFIX, compression="tar"))
    subprocess.run(["zstd", "-q", str(raw), "-o", str(tmp_path / "p.tar.zst")], check=True)
    url = publish(tmp_path / "store", "python-3.12.1-ubuntu-24.04-amd64.tar.zst",
                  (tmp_path / "p.tar.zst").read_bytes())
    python_runtime.install(ctx, runtime([url], None), ctx.python_home, tmp_path / "cache")
    assert os.readlink(ctx.python_home / "bin" / "python3") == "python3.12"
