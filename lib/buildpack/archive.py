"""Unpacking runtime archives safely: .tar.gz, .tar.zst and plain .tar.

- extract_tar() refuses absolute paths, `..`, links that leave the target,
  devices and fifos: with tarfile's "data" filter where the running Python has
  it AND our own checks always (heroku-20's Python 3.8.10 has no filter).
  zstd goes through the `zstd` binary: the standard library has no zstd.
- install_archive() extracts beside the final directory and swaps it into
  place only once complete.
"""
from __future__ import annotations

import gzip
import os
import posixpath
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Type

from buildpack import commands
from buildpack.errors import ArchiveError

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"

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
        raise ArchiveError("Could not read the Python runtime archive.", f"{archive}: {exc.strerror}.",
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
    return ArchiveError("Could not unpack the Python runtime archive.", body, "archive::extract-failed")


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
