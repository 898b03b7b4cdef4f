"""Installing the Python runtime: the `Installing Python X.Y.Z` step.

The archive is downloaded once into the build cache (verified by its sha256
when the store publishes one), reused by later builds without the network,
and unpacked into the build's .heroku/python only once it is complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

from buildpack import commands, fetch, output, reasons
from buildpack.archive import install_archive
from buildpack.context import Context
from buildpack.errors import DOCS_PYTHON_SUPPORT, ArchiveError, BuildpackError, RuntimeStoreError
from buildpack.python.runtime_store import RuntimeArchive

CACHE_PREFIX = "python-"
ARCHIVE_SUFFIX = ".archive"
RECORD_SUFFIX = ".json"


def cache_name(archive: RuntimeArchive) -> str:
    """The cached download's file name: changes whenever the archive's identity does."""
    key = hashlib.sha256((archive.identity or "|".join(archive.urls)).encode("utf-8")).hexdigest()[:16]
    return f"{CACHE_PREFIX}{archive.version}-{key}{ARCHIVE_SUFFIX}"


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + RECORD_SUFFIX)


def _forget(path: Path) -> None:
    for stale in (path, _record_path(path)):
        try:
            stale.unlink()
        except FileNotFoundError:
            pass


def cached_archive(download_cache: Path, archive: RuntimeArchive) -> Optional[Path]:
    """The cached download of this archive, if it is there and still intact."""
    path = download_cache / cache_name(archive)
    try:
        record = json.loads(_record_path(path).read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("identity") != archive.identity or not path.is_file():
            raise ValueError("not this archive")
        expected = archive.sha256 or record.get("sha256")
        if not expected or fetch.sha256_of(path) != expected:
            raise ValueError("changed on disk")
    except (OSError, ValueError):
        _forget(path)
        return None
    return path


def _write_record(path: Path, archive: RuntimeArchive, sha256: str, url: str) -> None:
    record = {"identity": archive.identity, "sha256": sha256, "url": fetch.display_url(url),
              "version": archive.version}
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, _record_path(path))


def _download(archive: RuntimeArchive, path: Path, policy: fetch.FetchPolicy) -> None:
    # Each store says which statuses mean "not there" (Heroku's S3 answers 403).
    policy = replace(policy, progress=output.detail, not_found_statuses=archive.missing_statuses)
    tried: List[str] = []
    for url in archive.urls:
        output.detail(f"Downloading {fetch.display_url(url)}")
        try:
            actual = fetch.to_file(url, path, archive.sha256, policy)
        except fetch.NotFound:
            tried.append(fetch.display_url(url))
            output.detail("Not there")
            continue
        if archive.sha256 is None:
            output.detail(f"Not verified: this store publishes no checksums (sha256 {actual[:16]}...)")
        else:
            output.detail(f"Verified sha256 {actual[:16]}...")
        _write_record(path, archive, actual, url)
        return
    listed = "\n".join(f"- {url}" for url in tried)
    body = (
        f"The runtime store has no Python {archive.version} for {archive.stack} ({archive.arch}):\n"
        f"{listed}\n"
        f"answered \"not found\".\n\n"
        f"To fix it:\n"
        f"1. Ask for another version in runtime.txt or .python-version\n"
        f"   (a major.minor such as 3.13 picks the newest available patch).\n"
        f"2. If PYTHON_RUNTIMES_URL names your own store, check that the\n"
        f"   archive was uploaded next to its index.json."
    )
    raise RuntimeStoreError(f"Python {archive.version} isn't available.", body, reasons.RUNTIME_STORE_NOT_AVAILABLE,
                            docs=DOCS_PYTHON_SUPPORT)


def prepare_prefix(staging: Path) -> Path:
    """Check the unpacked tree is a Python install prefix; returns the prefix.

    Tolerates an archive whose prefix is its only top-level directory, and adds
    bin/python -> python3 when the archive lacks it (Heroku's may).
    """
    root = staging
    if not os.path.lexists(root / "bin" / "python3"):
        entries = list(staging.iterdir())
        if len(entries) == 1 and entries[0].is_dir() and os.path.lexists(entries[0] / "bin" / "python3"):
            root = entries[0]
    python3 = root / "bin" / "python3"
    if not os.path.lexists(python3):
        versioned = sorted(p.name for p in (root / "bin").glob("python3.*")
                           if p.name[len("python3."):].isdigit()) if (root / "bin").is_dir() else []
        if versioned:
            os.symlink(versioned[-1], python3)
    if not python3.exists():
        top = ", ".join(sorted(p.name for p in staging.iterdir())[:10]) or "nothing"
        body = (
            f"The archive unpacked without a bin/python3 (it holds: {top}).\n\n"
            f"A runtime archive must hold a Python install prefix at its root:\n"
            f"bin/python3, lib/python3.X/ ... Rebuild it (e.g. `make runtimes`)."
        )
        raise ArchiveError("The Python runtime archive has no interpreter.", body, reasons.ARCHIVE_NO_PYTHON)
    python = root / "bin" / "python"
    if not os.path.lexists(python):
        os.symlink("python3", python)
    return root


def install(
    ctx: Context,
    archive: RuntimeArchive,
    target: Path,
    download_cache: Optional[Path],
    *,
    policy: fetch.FetchPolicy = fetch.ARCHIVE_POLICY,
    use_data_filter: Optional[bool] = None,
) -> None:
    """Install the runtime into target (ctx.python_home), reusing a cached download."""
    policy = fetch.with_environment(policy, ctx.environ)
    with output.timed(f"Installing Python {archive.version}"):
        if download_cache is None:
            with tempfile.TemporaryDirectory(prefix="python-download-") as scratch:
                _install(ctx, archive, target, Path(scratch), policy, use_data_filter)
        else:
            _install(ctx, archive, target, download_cache, policy, use_data_filter)


def _install(ctx: Context, archive: RuntimeArchive, target: Path, download_cache: Path,
             policy: fetch.FetchPolicy, use_data_filter: Optional[bool]) -> None:
    download_cache.mkdir(parents=True, exist_ok=True)
    path = cached_archive(download_cache, archive)
    if path is not None:
        output.detail(f"Using the cached download of Python {archive.version}")
    else:
        path = download_cache / cache_name(archive)
        try:
            _download(archive, path, policy)
        except BaseException:
            _forget(path)
            raise
    try:
        install_archive(path, target, prepare=prepare_prefix, use_data_filter=use_data_filter,
                        env=commands.base_env(ctx.environ))
    except BuildpackError:
        # A bad archive must not be reused by the next build.
        _forget(path)
        raise
    _prune(download_cache, keep=path)


def _prune(download_cache: Path, keep: Path) -> None:
    """Keep only the current archive: old runtimes would only grow the cache."""
    keep_names = {keep.name, _record_path(keep).name}
    for entry in download_cache.iterdir():
        if entry.name.startswith(CACHE_PREFIX) and entry.name not in keep_names and entry.is_file():
            entry.unlink()
