"""Crafted runtime archives: each must be refused before anything lands outside its place.

The store serving them is honest about their sha256, so only the buildpack's own
extraction policy stands between the archive and the build: traversal, absolute
paths, symlink and hard-link escapes (including the delayed ones, whose link looks
inside when it is unpacked and points outside once a later link exists), devices,
fifos and bombs (a few KB that would unpack to GBs, or more members than any runtime has).
"""
from __future__ import annotations

import tarfile

import pytest

from reliability.archives import many_members_gz, member, tar_gz, write_store, zstd_bomb
from reliability.harness import assert_clean, make_app, run_build

SYM, LNK, DIR, REG = tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE, tarfile.REGTYPE
UNSAFE = "The Python runtime archive contains an unsafe entry."
LIB = "python/lib/python3.12"

CRAFTED = {
    "traversal": [member("python/bin/python"), member("../escaped-marker")],
    "traversal-inner": [member("python/bin/python"), member("python/lib/../../../escaped-marker")],
    "absolute-path": [member("python/bin/python"), member("/tmp/escaped-marker")],
    "symlink-absolute": [member("python/bin/python"), member("python/lib", SYM, "/tmp")],
    "symlink-climbs-out": [member("python/bin/python"), member("python/out", SYM, "../../..")],
    "symlink-then-write-through": [member("python/bin/python"), member("python/up", SYM, "../.."),
                                   member("python/up/escaped-marker")],
    "delayed-symlink": [member("python/bin/python"), member(f"{LIB}/", DIR),
                        member(f"{LIB}/site-packages", SYM, "c/c/../../../../.."),
                        member(f"{LIB}/c", SYM, ".")],
    "delayed-symlink-write": [member("python/bin/python"), member(f"{LIB}/", DIR),
                              member(f"{LIB}/site-packages", SYM, "c/c/../../../../.."),
                              member(f"{LIB}/c", SYM, "."), member(f"{LIB}/site-packages/escaped-marker")],
    "delayed-symlink-chain": [member("python/bin/python"), member("python/a", SYM, "b/b/b/../../../.."),
                              member("python/b", SYM, "c"), member("python/c", SYM, ".")],
    "delayed-symlink-dotdot-dir": [member("python/bin/python"), member("python/d", SYM, "x/.."),
                                   member("python/esc", SYM, "d/d/d/../../../.."), member("python/x", SYM, ".")],
    "hardlink-traversal": [member("python/bin/python"), member("python/passwd", LNK, "../../etc/passwd")],
    "hardlink-absolute": [member("python/bin/python"), member("python/passwd", LNK, "/etc/passwd")],
    "hardlink-through-symlink": [member("python/bin/python"), member("python/up", SYM, "."),
                                 member("python/up2", SYM, "up/up/../.."),
                                 member("python/passwd", LNK, "python/up2/etc/passwd")],
    "char-device": [member("python/bin/python"), member("python/zero", tarfile.CHRTYPE)],
    "block-device": [member("python/bin/python"), member("python/disk", tarfile.BLKTYPE)],
    "fifo": [member("python/bin/python"), member("python/pipe", tarfile.FIFOTYPE)],
}


@pytest.fixture(scope="session")
def bombs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bombs")
    return {
        "bomb-3gb-zstd": zstd_bomb(root / "zstd", 3 << 30),
        "bomb-150k-members": write_store(root / "members", many_members_gz(150_000)),
    }


def build_with_store(store, tmp_path, stack="heroku-24"):
    app = make_app(tmp_path / "app", {})
    return run_build(app, tmp_path / "work", config={"PYTHON_RUNTIMES_URL": f"file://{store}"}, stack=stack)


@pytest.mark.figure("archives")
@pytest.mark.parametrize("stack", ["heroku-24", "heroku-20"])
@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_archive_is_refused(name, stack, tmp_path):
    store = write_store(tmp_path / "store", tar_gz(CRAFTED[name]))
    outcome = build_with_store(store, tmp_path, stack)
    assert_clean(outcome, UNSAFE, expect="error")
    assert not list((tmp_path / "work").rglob("escaped-marker"))


@pytest.mark.figure("archives")
@pytest.mark.parametrize("name", ["bomb-3gb-zstd", "bomb-150k-members"])
def test_archive_bomb_is_refused_early(name, bombs, tmp_path):
    outcome = build_with_store(bombs[name], tmp_path)
    assert_clean(outcome, "The Python runtime archive is too large", expect="error")
