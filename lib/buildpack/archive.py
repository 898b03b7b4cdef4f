"""Unpacking archives safely: .tar.gz, .tar.zst, plain .tar and .zip (a wheel).

Every archive the buildpack opens goes through here, under one ExtractionPolicy:
- extract_tar() refuses absolute paths, `..`, links that leave the target,
  devices and fifos: with tarfile's "data" filter where the running Python has
  it AND our own checks always (heroku-20's Python 3.8.10 has no filter).
  zstd goes through the `zstd` binary: the standard library has no zstd.
- Links are checked against the real tree as extraction goes, and every link in
  the tree again at the end: a link that looked inside when it was unpacked can
  point outside once a later link exists (`a -> c/c/../..`, then `c -> .`), and
  neither a text check nor tarfile's data filter sees that.
- The policy bounds the member count and the expanded size (from the headers,
  before a byte is written): a few MB must not unpack to GBs.
- extract_zip() holds a zip to the same rules (files and directories only).
- install_archive() extracts beside the final directory and swaps it into
  place only once complete.
"""
from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Type

from buildpack import commands, reasons
from buildpack.errors import ArchiveError

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ExtractionPolicy:
    """The rules an archive is unpacked under, and what to call it in messages.

    The expanded size may be at most `max_ratio` times the archive's own size (but
    always `min_budget`, and never more than `max_total_size`): a Python runtime
    expands 2-5 times, a bomb thousands of times.
    """

    description: str = "The Python runtime archive"
    max_members: int = 100_000
    max_total_size: int = 4 << 30
    max_ratio: int = 40
    min_budget: int = 256 << 20

    def budget(self, archive_size: int) -> int:
        return min(self.max_total_size, max(self.min_budget, self.max_ratio * archive_size))


RUNTIME_POLICY = ExtractionPolicy()

HAS_DATA_FILTER = hasattr(tarfile, "data_filter")


def _corrupt(archive: Path, detail: str, policy: "ExtractionPolicy" = RUNTIME_POLICY) -> ArchiveError:
    body = (
        f"{archive.name} could not be unpacked: {detail}.\n\n"
        f"The archive is too short or corrupt: a download cut off, or a\n"
        f"broken file in the runtime store. Build again; if it happens again,\n"
        f"rebuild or re-upload that archive in the store."
    )
    return ArchiveError(f"{policy.description} is corrupt.", body, reasons.ARCHIVE_CORRUPT)


def _unsafe(archive: Path, member: str, why: str, policy: "ExtractionPolicy" = RUNTIME_POLICY) -> ArchiveError:
    body = (
        f"{archive.name} contains {member!r}, which {why}.\n\n"
        f"Nothing was installed. An archive for this buildpack must only\n"
        f"hold files, directories and links that stay inside it: rebuild it\n"
        f"(e.g. `make runtimes`), and check where it came from."
    )
    return ArchiveError(f"{policy.description} contains an unsafe entry.", body, reasons.ARCHIVE_UNSAFE)


def _too_large(archive: Path, what: str, limit: str, policy: "ExtractionPolicy") -> ArchiveError:
    body = (
        f"{archive.name} would unpack to {what}, more than this buildpack\n"
        f"unpacks from an archive of its size ({limit}).\n\n"
        f"Nothing was installed. A real runtime expands a few times its\n"
        f"compressed size; this looks like an archive bomb or a broken file.\n\n"
        f"To fix it:\n"
        f"1. Rebuild the archive (e.g. `make runtimes`).\n"
        f"2. Check where it came from."
    )
    return ArchiveError(f"{policy.description} is too large to unpack.", body, reasons.ARCHIVE_TOO_LARGE)


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

    def __init__(self, target: Path, archive: Path, policy: Optional["ExtractionPolicy"] = None,
                 budget: Optional[int] = None) -> None:
        self.root = os.path.realpath(target)
        self.archive = archive
        self.policy = policy or RUNTIME_POLICY
        self.budget = budget
        self.members = 0
        self.expanded = 0
        self.links: Set[str] = set()  # symlinks extracted so far, relative to the target
        try:
            self.fast = not os.listdir(self.root)
        except OSError:
            self.fast = False

    def _via_link(self, *relatives: str) -> bool:
        return not self.fast or any(prefix in self.links for rel in relatives for prefix in _prefixes(rel))

    def _inside_on_disk(self, path: str) -> bool:
        return _inside(os.path.realpath(path), self.root)

    def count(self, size: int) -> None:
        """Bound the member count and the expanded size, before the member is written."""
        self.members += 1
        self.expanded += max(size, 0)
        if self.members > self.policy.max_members:
            raise _too_large(self.archive, f"more than {self.policy.max_members:,} entries",
                             f"{self.policy.max_members:,} entries at most", self.policy)
        if self.budget is not None and self.expanded > self.budget:
            raise _too_large(self.archive, f"more than {_mb(self.expanded)}", f"{_mb(self.budget)} at most", self.policy)

    def finish(self) -> None:
        """Every link in the unpacked tree, resolved now that all of them exist: a link
        that looked inside when it was made can point outside once a later link exists."""
        for directory, dirs, files in os.walk(self.root):
            for entry in dirs + files:
                path = os.path.join(directory, entry)
                if os.path.islink(path) and not self._inside_on_disk(path):
                    name = os.path.relpath(path, self.root)
                    raise _unsafe(self.archive, name, f"is a link to {os.readlink(path)!r}, which resolves "
                                  "outside the archive once all its links exist", self.policy)

    def check(self, member: tarfile.TarInfo) -> None:
        self.count(member.size if member.isreg() else 0)
        self._check(member)

    def _check(self, member: tarfile.TarInfo) -> None:
        name, archive = member.name, self.archive
        if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            raise _unsafe(archive, name, "is an absolute path", self.policy)
        if ".." in name.replace("\\", "/").split("/"):
            raise _unsafe(archive, name, "climbs out of the archive with '..'", self.policy)
        if member.ischr() or member.isblk():
            raise _unsafe(archive, name, "is a device file", self.policy)
        if member.isfifo():
            raise _unsafe(archive, name, "is a named pipe (fifo)", self.policy)
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise _unsafe(archive, name, "is not a file, directory or link", self.policy)
        relative = posixpath.normpath(name)
        if relative == ".":
            return
        if self._via_link(relative) and not self._inside_on_disk(os.path.join(self.root, relative)):
            raise _unsafe(archive, name, "would be written outside the target through a link", self.policy)
        linkname = member.linkname
        if member.issym():
            if linkname.startswith("/"):
                raise _unsafe(archive, name, f"is a link to the absolute path {linkname!r}", self.policy)
            raw = posixpath.join(posixpath.dirname(relative), linkname)
            linked = posixpath.normpath(raw)
            if self._via_link(raw):
                outside = not self._inside_on_disk(os.path.join(self.root, posixpath.dirname(relative), linkname))
            else:
                outside = _climbs_out(linked)
            if outside:
                raise _unsafe(archive, name, f"is a link to {linkname!r}, outside the archive", self.policy)
            self.links.add(relative)
        if member.islnk():
            if linkname.startswith("/") or ".." in linkname.split("/"):
                raise _unsafe(archive, name, f"is a hard link to {linkname!r}, outside the archive", self.policy)
            linked = posixpath.normpath(linkname)
            if self._via_link(linked) and not self._inside_on_disk(os.path.join(self.root, linked)):
                raise _unsafe(archive, name, f"is a hard link to {linkname!r}, outside the archive", self.policy)


def _sanitise(member: tarfile.TarInfo) -> None:
    """What the data filter does to modes and owners, for Pythons without it."""
    if member.isreg() or member.islnk():
        member.mode &= 0o755  # no setuid/setgid/sticky, no group/other write
    elif member.isdir():
        member.mode = (member.mode & 0o755) | 0o700  # the owner can always fill it
    # The extracting user owns everything, whatever the archive says (root would chown).
    member.uid, member.gid = os.getuid(), os.getgid()
    member.uname, member.gname = "", ""


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


def _extract_members(tar: tarfile.TarFile, target: Path, archive: Path, use_filter: bool,
                     policy: ExtractionPolicy) -> None:
    options: Dict[str, object] = {}
    if HAS_DATA_FILTER:
        # Our checks already ran; "fully_trusted" stops 3.14's default filter kicking in
        # when the fallback path is forced.
        options["filter"] = "data" if use_filter else "fully_trusted"
    checker = MemberChecker(target, archive, policy, policy.budget(os.path.getsize(archive)))
    for member in tar:
        checker.check(member)
        if not use_filter:
            _sanitise(member)
        elif member.isdir():
            member.mode |= 0o700
        try:
            tar.extract(member, str(target), **options)  # type: ignore[arg-type]
        except KeyError:  # a hard link to a member the archive does not hold (tarfile's own error)
            raise _unsafe(archive, member.name, f"is a hard link to {member.linkname!r}, which the archive "
                          "does not hold", policy) from None
        except RecursionError:  # tarfile follows link chains recursively; a loop never ends
            raise _unsafe(archive, member.name, f"is a link to {member.linkname!r} in a loop of links",
                          policy) from None
    checker.finish()


def compression_of(archive: Path) -> str:
    """'zst', 'gz' or 'tar', from the file's first bytes (names can lie)."""
    with archive.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(_ZSTD_MAGIC):
        return "zst"
    if magic.startswith(_GZIP_MAGIC):
        return "gz"
    if magic.startswith(_ZIP_MAGIC):
        return "zip"
    return "tar"


_CORRUPT_ERRORS: Tuple[Type[BaseException], ...] = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


def extract_tar(
    archive: Path,
    target: Path,
    *,
    use_data_filter: Optional[bool] = None,
    env: Optional[Mapping[str, str]] = None,
    policy: ExtractionPolicy = RUNTIME_POLICY,
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
        raise ArchiveError(f"Could not read {policy.description[0].lower()}{policy.description[1:]}.",
                           f"{archive}: {exc.strerror}.", reasons.ARCHIVE_UNREADABLE) from None
    if kind == "zip":
        extract_zip(archive, target, policy)
        return
    if kind == "gz":
        try:
            # gzip in a process of its own: it decompresses while this one unpacks.
            pipe = commands.start_pipe(["gzip", "-d", "-c", "-q", "--", str(archive)], env or commands.base_env({}))
        except OSError:
            pass  # no gzip command: decompressed in this process, below
        else:
            _extract_from_pipe(pipe, "gzip", archive, target, use_filter, policy)
            return
    if kind != "zst":
        try:
            with archive.open("rb") as raw:
                # GzipFile, not tarfile's "r|gz": it notices a stream cut short (EOFError)
                # and checks the CRC, where tarfile would take the cut for the end.
                stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if kind == "gz" else raw  # type: ignore[assignment]
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    _extract_members(tar, target, archive, use_filter, policy)
                while stream.read(1 << 16):
                    pass
        except _CORRUPT_ERRORS as exc:
            raise _corrupt(archive, str(exc) or type(exc).__name__, policy) from None
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
        raise ArchiveError("Can't unpack a .tar.zst archive here.", body, reasons.ARCHIVE_NO_ZSTD) from None
    _extract_from_pipe(pipe, "zstd", archive, target, use_filter, policy)


def _extract_from_pipe(pipe: commands.Pipe, decompressor: str, archive: Path, target: Path, use_filter: bool,
                       policy: ExtractionPolicy) -> None:
    """Unpack the tar stream a decompressing child writes; its complaint (a stream cut
    short, a bad checksum) makes the archive corrupt."""
    problem: Optional[BaseException] = None
    try:
        with tarfile.open(fileobj=pipe.stdout, mode="r|") as tar:
            _extract_members(tar, target, archive, use_filter, policy)
    except (ArchiveError, OSError) + _CORRUPT_ERRORS as exc:  # type: ignore[misc]
        problem = exc
    result = pipe.finish(drain=problem is None)
    if isinstance(problem, ArchiveError):
        raise problem
    if problem is None and result.ok:
        return
    if not result.ok and (problem is None or isinstance(problem, _CORRUPT_ERRORS)):
        lines = result.text.strip().splitlines()
        detail = lines[-1] if lines else f"{decompressor} exited with {result.returncode}"
        raise _corrupt(archive, detail.replace(str(archive), archive.name), policy)
    if isinstance(problem, _CORRUPT_ERRORS):
        raise _corrupt(archive, str(problem) or type(problem).__name__, policy)
    assert isinstance(problem, OSError)
    raise _write_failed(archive, problem)


def extract_zip(archive: Path, target: Path, policy: ExtractionPolicy = RUNTIME_POLICY) -> None:
    """Safely unpack a zip (a wheel) into target, under the same policy as a tar.

    Files and directories only (a wheel has nothing else): a zip entry marked as a
    symlink, device or fifo is refused. Sizes are bounded by the entries' headers,
    and zipfile never reads past a header's size.
    """
    target.mkdir(parents=True, exist_ok=True)
    checker = MemberChecker(target, archive, policy, policy.budget(os.path.getsize(archive)))
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            for entry in entries:  # every check before the first byte is written
                if stat.S_ISLNK(entry.external_attr >> 16):
                    raise _unsafe(archive, entry.filename, "is a symbolic link (a zip here may hold only "
                                  "files and directories)", policy)
                checker.check(_as_tar_member(entry))
            for entry in entries:
                destination = Path(checker.root, posixpath.normpath(entry.filename))
                if entry.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(entry) as source, open(destination, "xb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                mode = (entry.external_attr >> 16) & 0o777
                os.chmod(destination, 0o755 if mode & 0o111 else 0o644)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise _corrupt(archive, str(exc) or type(exc).__name__, policy) from None
    except FileExistsError as exc:
        raise _unsafe(archive, os.path.relpath(exc.filename or "", checker.root), "appears twice", policy) from None
    except OSError as exc:
        raise _write_failed(archive, exc) from None
    checker.finish()


def _as_tar_member(entry: zipfile.ZipInfo) -> tarfile.TarInfo:
    """A zip entry seen as a tar member, so one checker holds both to the same rules."""
    member = tarfile.TarInfo(entry.filename.rstrip("/") if entry.is_dir() else entry.filename)
    mode = entry.external_attr >> 16
    if entry.is_dir():
        member.type = tarfile.DIRTYPE
    elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # many zips record permissions only
        member.type = {stat.S_IFCHR: tarfile.CHRTYPE, stat.S_IFBLK: tarfile.BLKTYPE,
                       stat.S_IFIFO: tarfile.FIFOTYPE}.get(stat.S_IFMT(mode), b"?")
    else:
        member.type = tarfile.REGTYPE
    member.size = entry.file_size
    return member


def _write_failed(archive: Path, exc: OSError) -> ArchiveError:
    body = (
        f"Unpacking {archive.name} failed: {exc.strerror or exc}.\n\n"
        f"Check that the build has enough free disk space."
    )
    return ArchiveError("Could not unpack the Python runtime archive.", body, reasons.ARCHIVE_EXTRACT_FAILED)


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
    policy: ExtractionPolicy = RUNTIME_POLICY,
) -> None:
    """Unpack archive (tar or zip) into final_dir, replacing it, only once the unpacking is complete.

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
        extract_tar(archive, staging, use_data_filter=use_data_filter, env=env, policy=policy)
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
