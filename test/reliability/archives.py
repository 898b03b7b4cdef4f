"""Crafted runtime archives and the indexed stores that serve them.

A store is a directory with an index.json (sha256 and size correct: a checksum
proves where an archive came from, not that it is harmless) and one archive, served
to the build as PYTHON_RUNTIMES_URL=file://<store>.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import List, Tuple

VERSION = "3.12.1"
# (name, type, link target or None, size)
Member = Tuple[str, bytes, str, int]


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", data: bytes = b"x") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 5  # /dev/zero
    return info


def tar_gz(members: List[tarfile.TarInfo]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return gzip.compress(raw.getvalue(), compresslevel=1)


def write_store(store: Path, data: bytes, suffix: str = "tar.gz") -> Path:
    """A one-archive indexed store for Python 3.12.1 on heroku-20/22/24."""
    store.mkdir(parents=True, exist_ok=True)
    name = f"python-{VERSION}-amd64.{suffix}"
    (store / name).write_bytes(data)
    write_index(store, name)
    return store


def write_index(store: Path, name: str) -> None:
    data = (store / name).read_bytes()
    index = {"format": 1, "runtimes": [{
        "version": VERSION, "arch": "amd64", "stacks": ["heroku-20", "heroku-22", "heroku-24"], "file": name,
        "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
        "requires": {"glibc": "2.35", "openssl": "3"}}]}
    (store / "index.json").write_text(json.dumps(index, indent=2))


def zstd_bomb(store: Path, expanded: int) -> Path:
    """A .tar.zst of one member of `expanded` zero bytes: a few KB that unpack to GBs.
    Made by a shell pipeline (zeros straight into zstd), not in Python, so it costs seconds."""
    store.mkdir(parents=True, exist_ok=True)
    name = f"python-{VERSION}-amd64.tar.zst"
    header = member("python/lib/zeros.bin")
    header.size = expanded
    head = store / "header.bin"
    head.write_bytes(header.tobuf(format=tarfile.GNU_FORMAT))
    padding = (512 - expanded % 512) % 512 + 1024  # the member's padding, then the end-of-archive blocks
    script = (f"{{ cat {head}; head -c {expanded + padding} /dev/zero; }} | zstd -q -1 -c > {store / name}")
    subprocess.run(["bash", "-c", script], check=True)
    head.unlink()
    write_index(store, name)
    return store


def many_members_gz(count: int) -> bytes:
    return tar_gz([member("python/bin/python", data=b"#!/bin/sh\n")]
                  + [member(f"python/m/{n}", data=b"") for n in range(count)])
