"""archive: the extraction policy every archive is held to (delayed link escapes, bombs, zips)."""
import io
import os
import stat
import tarfile
import zipfile

import pytest

from buildpack import archive
from buildpack.errors import ArchiveError

FILTERS = [True, False]  # tarfile's data filter on, and the fallback (heroku-20's 3.8.10)


def member(name, kind=tarfile.REGTYPE, link="", data=b"x"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info


def write_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return path


def write_zip(path, entries):
    """entries: (name, data, unix mode or None)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            bundle.writestr(info, data)
    return path


DELAYED = {
    # Looks inside when unpacked (c does not exist yet); outside once `c -> .` does.
    "delayed": [member("lib/", tarfile.DIRTYPE), member("lib/site", tarfile.SYMTYPE, "c/c/../../.."),
                member("lib/c", tarfile.SYMTYPE, ".")],
    "delayed-chain": [member("a", tarfile.SYMTYPE, "b/b/b/../../../.."), member("b", tarfile.SYMTYPE, "c"),
                      member("c", tarfile.SYMTYPE, ".")],
    "hardlink-to-escaping-link": [member("lib/", tarfile.DIRTYPE),
                                  member("lib/site", tarfile.SYMTYPE, "c/c/../../.."),
                                  member("lib/c", tarfile.SYMTYPE, "."), member("lib/copy", tarfile.LNKTYPE, "lib/site")],
}


@pytest.mark.parametrize("use_filter", FILTERS)
@pytest.mark.parametrize("name", sorted(DELAYED))
def test_a_link_that_escapes_only_once_a_later_link_exists_is_refused(tmp_path, name, use_filter):
    path = write_tar(tmp_path / "a.tar.gz", DELAYED[name])
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "out", use_data_filter=use_filter)
    assert error.value.reason == "archive::unsafe"
    assert "outside the archive" in error.value.body


@pytest.mark.parametrize("use_filter", FILTERS)
def test_a_write_through_a_delayed_link_is_refused_before_it_happens(tmp_path, use_filter):
    members = DELAYED["delayed"] + [member("lib/site/escaped")]
    path = write_tar(tmp_path / "a.tar.gz", members)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "deep" / "er" / "out", use_data_filter=use_filter)
    assert "outside the target through a link" in error.value.body
    assert not list(tmp_path.rglob("escaped"))


@pytest.mark.parametrize("use_filter", FILTERS)
def test_links_that_stay_inside_once_all_exist_are_kept(tmp_path, use_filter):
    members = [member("lib/", tarfile.DIRTYPE), member("lib/real/", tarfile.DIRTYPE), member("lib/real/f"),
               member("lib/site", tarfile.SYMTYPE, "c/real"), member("lib/c", tarfile.SYMTYPE, ".")]
    archive.extract_tar(write_tar(tmp_path / "a.tar.gz", members), tmp_path / "out", use_data_filter=use_filter)
    assert (tmp_path / "out" / "lib" / "site" / "f").read_text() == "x"


def test_more_members_than_the_policy_allows_is_refused(tmp_path):
    policy = archive.ExtractionPolicy(max_members=10)
    path = write_tar(tmp_path / "a.tar.gz", [member(f"f{n}") for n in range(11)])
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "out", policy=policy)
    assert error.value.reason == "archive::too-large"
    assert error.value.title == "The Python runtime archive is too large to unpack."
    assert "more than 10 entries" in error.value.body


def test_expanding_past_the_budget_is_refused_before_the_member_is_written(tmp_path):
    policy = archive.ExtractionPolicy(min_budget=1 << 20, max_ratio=2)
    path = write_tar(tmp_path / "a.tar.gz", [member("small"), member("zeros", data=b"\0" * (3 << 20))])
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "out", policy=policy)
    assert error.value.reason == "archive::too-large"
    assert not (tmp_path / "out" / "zeros").exists()


@pytest.mark.parametrize("size, budget", [(1000, 256 << 20), (16 << 20, 640 << 20), (1 << 30, 4 << 30)])
def test_the_budget_scales_with_the_archive_between_a_floor_and_a_ceiling(size, budget):
    assert archive.RUNTIME_POLICY.budget(size) == budget


def test_a_good_zip_unpacks_with_its_modes(tmp_path):
    path = write_zip(tmp_path / "w.whl", [("pkg/", b"", None), ("pkg/__init__.py", b"x = 1\n", 0o644),
                                          ("pkg/bin/tool", b"#!/bin/sh\n", 0o755)])
    archive.extract_zip(path, tmp_path / "out")
    assert (tmp_path / "out" / "pkg" / "__init__.py").read_text() == "x = 1\n"
    assert os.stat(tmp_path / "out" / "pkg" / "bin" / "tool").st_mode & 0o111


def test_install_archive_recognises_a_zip_by_its_content(tmp_path):
    path = write_zip(tmp_path / "uv.download", [("uv/bin/uv", b"binary", 0o755)])
    archive.install_archive(path, tmp_path / "final")
    assert (tmp_path / "final" / "uv" / "bin" / "uv").read_bytes() == b"binary"


@pytest.mark.parametrize(
    "name, entries, phrase",
    [
        ("traversal", [("../escaped", b"x", None)], "climbs out"),
        ("absolute", [("/tmp/escaped", b"x", None)], "absolute path"),
        ("symlink", [("link", b"/etc/passwd", stat.S_IFLNK | 0o777)], "symbolic link"),
        ("device", [("dev", b"", stat.S_IFCHR | 0o644)], "device file"),
        ("fifo", [("pipe", b"", stat.S_IFIFO | 0o644)], "named pipe"),
        ("duplicate", [("twice", b"a", None), ("twice", b"b", None)], "appears twice"),
    ],
)
def test_an_unsafe_zip_is_refused_and_nothing_lands_outside(tmp_path, name, entries, phrase):
    path = write_zip(tmp_path / "w.zip", entries)
    with pytest.raises(ArchiveError) as error:
        archive.extract_zip(path, tmp_path / "deep" / "out", archive.ExtractionPolicy(description="The uv wheel"))
    assert error.value.reason == "archive::unsafe"
    assert error.value.title == "The uv wheel contains an unsafe entry."
    assert phrase in error.value.body
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    path = write_zip(tmp_path / "bomb.zip", [("zeros", b"\0" * (4 << 20), None)])
    policy = archive.ExtractionPolicy(min_budget=1 << 20, max_ratio=10)
    with pytest.raises(ArchiveError) as error:
        archive.extract_zip(path, tmp_path / "out", policy)
    assert error.value.reason == "archive::too-large"
    assert not (tmp_path / "out" / "zeros").exists()


def test_a_corrupt_zip_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "out")
    assert error.value.reason == "archive::corrupt"


@pytest.mark.parametrize("use_filter", FILTERS)
def test_a_hard_link_to_a_member_the_archive_lacks_is_refused(tmp_path, use_filter):
    path = write_tar(tmp_path / "a.tar.gz", [member("a", tarfile.LNKTYPE, "missing")])
    with pytest.raises(ArchiveError) as error:
        archive.extract_tar(path, tmp_path / "out", use_data_filter=use_filter)
    assert "which the archive does not hold" in error.value.body
