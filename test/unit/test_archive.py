"""Safe extraction of runtime archives (archive.py): good archives, unsafe entries, corrupt files, atomic install."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from buildpack import archive as archives
from buildpack.errors import ArchiveError

# --- Extraction -----------------------------------------------------------------------------

def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", linkname: str = "",
           mode: int = 0o644) -> tuple:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def make_tar(path: Path, members, compression: str = "gz") -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    raw = buffer.getvalue()
    if compression == "gz":
        import gzip
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    if compression == "zst":
        subprocess.run(["zstd", "-q", "-f", "--rm", str(path), "-o", str(path) + ".zst"], check=True)
        os.rename(str(path) + ".zst", path)
    return path


GOOD_MEMBERS = [
    member("bin", tarfile.DIRTYPE, mode=0o755),
    member("bin/python3.12", data=b"#!interpreter\n", mode=0o755),
    member("bin/python3", tarfile.SYMTYPE, linkname="python3.12"),
    member("lib", tarfile.DIRTYPE, mode=0o755),
    member("lib/libpython.so", data=b"ELF"),
    member("lib/libpython-copy.so", tarfile.LNKTYPE, linkname="lib/libpython.so"),
    member("./share/doc.txt", data=b"docs"),
]

FILTER_MODES = [pytest.param(True, id="data-filter"), pytest.param(False, id="own-checks-only")]
needs_zstd = pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is not installed")


@pytest.mark.parametrize("use_filter", FILTER_MODES)
@pytest.mark.parametrize("compression", ["gz", "tar", pytest.param("zst", marks=needs_zstd)])
def test_extract_good_archive(tmp_path, compression, use_filter):
    archive = make_tar(tmp_path / "python.archive", GOOD_MEMBERS, compression)
    target = tmp_path / "out"
    archives.extract_tar(archive, target, use_data_filter=use_filter)
    assert (target / "bin" / "python3").resolve() == (target / "bin" / "python3.12").resolve()
    assert os.readlink(target / "bin" / "python3") == "python3.12"
    assert os.access(target / "bin" / "python3.12", os.X_OK)
    assert (target / "lib" / "libpython-copy.so").read_bytes() == b"ELF"
    assert (target / "share" / "doc.txt").read_bytes() == b"docs"


@pytest.mark.parametrize("use_filter", FILTER_MODES)
def test_extract_strips_setuid_and_world_write(tmp_path, use_filter):
    archive = make_tar(tmp_path / "a.tar.gz", [member("tool", data=b"x", mode=0o4777)])
    archives.extract_tar(archive, tmp_path / "out", use_data_filter=use_filter)
    mode = (tmp_path / "out" / "tool").stat().st_mode & 0o7777
    assert mode & 0o4000 == 0 and mode & 0o022 == 0


UNSAFE = [
    ("absolute path", [member("/tmp/evil", data=b"x")], "absolute path"),
    ("dot-dot", [member("../evil", data=b"x")], "'..'"),
    ("nested dot-dot", [member("lib/../../evil", data=b"x")], "'..'"),
    ("symlink absolute", [member("link", tarfile.SYMTYPE, linkname="/etc/passwd")], "absolute path"),
    ("symlink outside", [member("link", tarfile.SYMTYPE, linkname="../../evil")], "outside the archive"),
    ("hardlink outside", [member("hard", tarfile.LNKTYPE, linkname="../evil")], "hard link"),
    ("symlink chain", [member("here", tarfile.SYMTYPE, linkname="."),
                       member("up", tarfile.SYMTYPE, linkname="here/..")], "outside the archive"),
    ("symlink chain in a subdirectory", [member("d", tarfile.DIRTYPE, mode=0o755),
                                         member("d/l", tarfile.SYMTYPE, linkname=".."),
                                         member("d/l2", tarfile.SYMTYPE, linkname="l/..")], "outside the archive"),
    ("hard link through a link", [member("here", tarfile.SYMTYPE, linkname="."),
                                  member("x", tarfile.LNKTYPE, linkname="/etc/passwd")], "hard link"),
    ("char device", [member("dev/null", tarfile.CHRTYPE)], "device file"),
    ("block device", [member("dev/sda", tarfile.BLKTYPE)], "device file"),
    ("fifo", [member("pipe", tarfile.FIFOTYPE)], "named pipe"),
]


@pytest.mark.parametrize("use_filter", FILTER_MODES)
@pytest.mark.parametrize("label, members, phrase", UNSAFE, ids=[u[0] for u in UNSAFE])
def test_extract_refuses_unsafe(tmp_path, use_filter, label, members, phrase):
    archive = make_tar(tmp_path / "evil.tar.gz", [member("ok.txt", data=b"fine")] + members)
    target = tmp_path / "deep" / "out"
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, target, use_data_filter=use_filter)
    assert caught.value.reason == "archive::unsafe"
    assert phrase in caught.value.body
    assert "Nothing was installed" in caught.value.body
    assert not (tmp_path / "deep" / "evil").exists() and not (tmp_path / "evil").exists()


@pytest.mark.parametrize("use_filter", FILTER_MODES)
def test_links_inside_are_followed_safely(tmp_path, use_filter):
    """Links that stay inside are fine, and so are files written through them."""
    members = [member("sub", tarfile.DIRTYPE, mode=0o755),
               member("sub/up", tarfile.SYMTYPE, linkname=".."),  # the target itself: inside
               member("sub/up/written-through-link", data=b"x")]
    archive = make_tar(tmp_path / "a.tar.gz", members)
    archives.extract_tar(archive, tmp_path / "out", use_data_filter=use_filter)
    assert (tmp_path / "out" / "written-through-link").read_bytes() == b"x"


@needs_zstd
@pytest.mark.parametrize("use_filter", FILTER_MODES)
def test_zst_unsafe_archive_refused(tmp_path, use_filter):
    archive = make_tar(tmp_path / "evil.tar.zst", [member("../evil", data=b"x")], "zst")
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, tmp_path / "out", use_data_filter=use_filter)
    assert caught.value.reason == "archive::unsafe"
    assert not (tmp_path / "evil").exists()


def corrupt_variants(tmp_path: Path):
    good = make_tar(tmp_path / "good.tar.gz", GOOD_MEMBERS + [member("big", data=os.urandom(200_000))])
    raw = good.read_bytes()
    return {
        "empty": b"",
        "truncated gz": raw[: len(raw) // 2],
        "gz header only": raw[:10],
        "garbage after gz magic": b"\x1f\x8b" + os.urandom(5000),
        "random bytes": os.urandom(3000),
    }


@pytest.mark.parametrize("variant", ["empty", "truncated gz", "gz header only", "garbage after gz magic",
                                     "random bytes"])
def test_corrupt_archives(tmp_path, variant):
    archive = tmp_path / "bad.archive"
    archive.write_bytes(corrupt_variants(tmp_path)[variant])
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, tmp_path / "out")
    assert caught.value.reason == "archive::corrupt"
    assert "too short or corrupt" in caught.value.body


@needs_zstd
@pytest.mark.parametrize("cut", [0.5, 0.95])
def test_corrupt_zst(tmp_path, cut):
    good = make_tar(tmp_path / "good.tar.zst", GOOD_MEMBERS + [member("big", data=os.urandom(300_000))], "zst")
    raw = good.read_bytes()
    archive = tmp_path / "bad.tar.zst"
    archive.write_bytes(raw[: int(len(raw) * cut)])
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, tmp_path / "out")
    assert caught.value.reason == "archive::corrupt"


def test_missing_zstd_binary(tmp_path):
    archive = tmp_path / "a.tar.zst"
    archive.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 32)
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, tmp_path / "out", env={"PATH": str(tmp_path / "empty-bin")})
    assert caught.value.reason == "archive::no-zstd"


@pytest.mark.parametrize("kind", [pytest.param("zst", marks=needs_zstd), "gz", "tar"])
def test_compression_is_read_from_content(tmp_path, kind):
    archive = make_tar(tmp_path / "python.tar.gz", GOOD_MEMBERS, kind)  # the name lies on purpose
    assert archives.compression_of(archive) == kind


# --- install_archive() ----------------------------------------------------------------------

def test_install_archive_swaps_into_place(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", GOOD_MEMBERS)
    final = tmp_path / "app" / "python"
    final.mkdir(parents=True)
    (final / "stale-file").write_text("from the previous install")
    (tmp_path / "app" / ".python.tmp-interrupted").mkdir()  # an interrupted earlier install
    (tmp_path / "app" / ".python.tmp-interrupted" / "half").write_text("x")
    archives.install_archive(archive, final)
    assert (final / "bin" / "python3.12").is_file()
    assert not (final / "stale-file").exists()
    assert sorted(os.listdir(tmp_path / "app")) == ["python"]


@pytest.mark.parametrize("use_filter", FILTER_MODES)
def test_install_archive_failure_keeps_previous(tmp_path, use_filter):
    archive = make_tar(tmp_path / "evil.tar.gz", [member("ok", data=b"x"), member("../../evil", data=b"x")])
    final = tmp_path / "app" / "python"
    final.mkdir(parents=True)
    (final / "previous").write_text("still here")
    with pytest.raises(ArchiveError):
        archives.install_archive(archive, final, use_data_filter=use_filter)
    assert (final / "previous").read_text() == "still here"
    assert sorted(os.listdir(tmp_path / "app")) == ["python"]


def test_install_archive_prepare_can_refuse(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", GOOD_MEMBERS)
    final = tmp_path / "python"

    def refuse(staging: Path) -> Path:
        raise ArchiveError("no", "no", "archive::no-python")

    with pytest.raises(ArchiveError):
        archives.install_archive(archive, final, prepare=refuse)
    assert not final.exists()
    assert os.listdir(tmp_path) == ["a.tar.gz"]


def test_install_archive_removes_read_only_leftovers(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", GOOD_MEMBERS)
    leftover = tmp_path / ".python.old-123" / "locked"
    leftover.mkdir(parents=True)
    (leftover / "file").write_text("x")
    os.chmod(leftover, 0o555)
    archives.install_archive(archive, tmp_path / "python")
    assert sorted(os.listdir(tmp_path)) == ["a.tar.gz", "python"]


@pytest.mark.parametrize("label, members, phrase", UNSAFE, ids=[u[0] for u in UNSAFE])
def test_extract_refuses_unsafe_on_a_python_without_the_filter(tmp_path, monkeypatch, label, members, phrase):
    """As on heroku-20's Python 3.8.10: tarfile has no filter argument at all."""
    monkeypatch.setattr(archives, "HAS_DATA_FILTER", False)
    archive = make_tar(tmp_path / "evil.tar.gz", [member("ok.txt", data=b"fine")] + members)
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, tmp_path / "deep" / "out")
    assert caught.value.reason == "archive::unsafe"
    assert phrase in caught.value.body


def test_extract_good_archive_on_a_python_without_the_filter(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "HAS_DATA_FILTER", False)
    archive = make_tar(tmp_path / "a.tar.gz", GOOD_MEMBERS)
    archives.extract_tar(archive, tmp_path / "out")
    assert os.readlink(tmp_path / "out" / "bin" / "python3") == "python3.12"


@pytest.mark.parametrize("use_filter", FILTER_MODES)
def test_extract_into_a_directory_with_a_link_already_there(tmp_path, use_filter):
    """A link already in the target (not from the archive) is not trusted either."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    os.symlink(str(outside), target / "pre")
    archive = make_tar(tmp_path / "a.tar.gz", [member("pre/file", data=b"x")])
    with pytest.raises(ArchiveError) as caught:
        archives.extract_tar(archive, target, use_data_filter=use_filter)
    assert "outside the target through a link" in caught.value.body
    assert os.listdir(outside) == []
