"""Reading requirements files: which files count, their fingerprint, the top-level names.

Pure functions over text and paths. Nested `-r` and `-c` files are part of
the requirements: a change in any of them is a change of requirements.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Iterator, List, Mapping, Optional, Tuple

# A requirements file is text of a few KB; anything past this is not one (and pip says so).
MAX_REQUIREMENTS_FILE = 16 << 20
# The fingerprint of a local package reads at most this much of it; a file larger than
# this counts by its size alone (a vendored dataset must not make every build read GBs).
MAX_HASHED_FILE = 64 << 20
MAX_HASHED_TOTAL = 512 << 20

_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=\s*|\s+)(?P<path>\S+)")
_OPTION = re.compile(r"^-")
_EGG = re.compile(r"#egg=(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?)")


def logical_lines(text: str) -> Iterator[str]:
    """Lines as pip reads them: continuations joined, comments and blanks dropped."""
    pending = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        line = without_comment(line)
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def without_comment(line: str) -> str:
    """A line as pip reads it: a # that starts the line or follows a space begins a comment."""
    return re.sub(r"(^|\s)#.*$", "", line).strip()


def _is_regular(path: Path) -> bool:
    """A regular file (through links): never a device, fifo or socket, which would block
    a read or never end (/dev/zero)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_text(path: Path) -> str:
    """A requirements file's text (empty when it is no regular file), at most MAX_REQUIREMENTS_FILE."""
    if not _is_regular(path):
        return ""
    with path.open("rb") as handle:
        data = handle.read(MAX_REQUIREMENTS_FILE)
    return data.decode("utf-8-sig", errors="replace")


def included_files(path: Path, _seen: Optional[set] = None) -> List[Tuple[Path, str]]:
    """[(file, kind)] for path and every -r/-c file under it; kind is "requirement" or "constraint"."""
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    if resolved in seen or not _is_regular(path):
        return []
    seen.add(resolved)
    found = [(path, "requirement")]
    for line in logical_lines(read_text(path)):
        match = _INCLUDE.match(line)
        if match:
            child = path.parent / match.group("path")
            nested = included_files(child, seen)
            if match.group(1) in ("-c", "--constraint"):
                nested = [(p, "constraint") for p, _ in nested]
            found.extend(nested)
    return found


# pip and uv expand `${NAME}` in requirements files from their environment (pip: upper case,
# digits and `_` only; a bare $NAME is left as it is): Heroku's private-index pattern,
# `--extra-index-url https://${FURY_AUTH}:@pypi.fury.io/me/`.
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)\}")


def referenced_variables(path: Path) -> List[str]:
    """The ${NAME} variables path and its -r/-c files name, in order of first use."""
    names: List[str] = []
    for file, _ in included_files(path):
        for line in logical_lines(read_text(file)):
            names.extend(match.group("name") for match in _VARIABLE.finditer(line))
    return list(dict.fromkeys(names))


def unreadable_includes(path: Path) -> List[Tuple[str, str]]:
    """(line, why) for each -r/-c line naming something that is not a regular file but
    exists: pip would read a fifo or /dev/zero for ever, or choke on a directory."""
    found = []
    for file, _ in included_files(path):
        for line in logical_lines(read_text(file)):
            match = _INCLUDE.match(line)
            if not match:
                continue
            target = file.parent / match.group("path")
            if os.path.isdir(target):
                found.append((line, "is a directory"))
            elif os.path.exists(target) and not _is_regular(target):
                found.append((line, "is not a regular file (a device or a named pipe)"))
        for local in local_paths(file):
            if os.path.exists(local) and not os.path.isdir(local) and not _is_regular(local):
                found.append((str(local), "is not a package: a device or a named pipe"))
        problem = _not_text(file)
        if problem:
            found.append((file.name, problem))
    return found


# What Git leaves in a file whose merge conflict was committed unresolved.
_CONFLICT_MARKER = re.compile(r"^(?:<{7}|={7}|>{7})(?:\s|$)")


def conflict_markers(path: Path) -> List[Tuple[str, int]]:
    """(file name, line number) of each merge conflict marker in path and the files it includes."""
    found = []
    for file, _ in included_files(path):
        for number, line in enumerate(read_text(file).splitlines(), start=1):
            if _CONFLICT_MARKER.match(line):
                found.append((file.name, number))
    return found


# What makes a directory something an installer can build.
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def local_dirs_without_project(path: Path) -> List[Path]:
    """The local directories path and its includes install (`-e .`, `./libs/x`) that are not
    Python projects: no pyproject.toml, setup.py or setup.cfg for the installer to build."""
    found = []
    for file, _ in included_files(path):
        for local in local_paths(file):
            if local.is_dir() and not any((local / name).is_file() for name in PROJECT_FILES):
                found.append(local)
    return found


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _not_text(path: Path) -> Optional[str]:
    """Why pip could not read path as a requirements file (None: it can)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REQUIREMENTS_FILE + 1)
    except OSError as exc:
        return f"could not be read ({exc.strerror})"
    if len(data) > MAX_REQUIREMENTS_FILE:
        return f"is larger than {MAX_REQUIREMENTS_FILE >> 20} MB"
    if data.startswith(_BOMS[1:]):
        return None  # UTF-16 with a BOM: pip reads it
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    if "\0" in text:
        return "contains a NUL byte (it is not a text file)"
    return None


def fingerprint(path: Path, settings: Mapping[str, str], app_root: Optional[Path] = None) -> str:
    """A hash of every requirements file's bytes, of the local packages they name (whose
    code can change while the requirement's text does not) and of the settings that
    change resolution.

    Only local packages inside the app (app_root, default: the file's directory) are
    read: `-e /` or `-e /dev` must not make the build hash the whole machine or read
    /dev/zero; pip itself then refuses such a line.
    """
    root = os.path.realpath(app_root or path.parent)
    digest = hashlib.sha256()
    for file, kind in included_files(path):
        digest.update(f"{kind}:{file.name}\0".encode())
        digest.update(read_text(file).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        for local in local_paths(file):
            if inside(str(local), root):
                digest.update(tree_digest(local).encode())
    for key in sorted(settings):
        digest.update(f"{key}={settings[key]}\0".encode())
    return digest.hexdigest()


_LOCAL = re.compile(r"^(?:(?:-e|--editable)(?:\s+|=))?(?P<path>(?:\.{1,2}/|/|\.$|file:)\S*)")


def local_paths(file: Path) -> List[Path]:
    """Local directories or archives a requirements file installs (`-e .`, `./vendor/pkg`)."""
    found = []
    for line in logical_lines(read_text(file)):
        match = _LOCAL.match(line)
        if match:
            raw = re.sub(r"^file:(//)?", "", match.group("path")).split("#", 1)[0]
            found.append((file.parent / raw).resolve())
    return found


def inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def tree_digest(root: Path) -> str:
    """Names and contents of the files under root (or of root itself), .git and caches excluded.

    Regular files only, read within bounds (MAX_HASHED_FILE each, MAX_HASHED_TOTAL in
    all; past them a file counts by its size); a link counts by its text, never followed.
    """
    digest = hashlib.sha256()
    budget = [MAX_HASHED_TOTAL]

    def add_file(path: Path) -> None:
        try:
            info = os.lstat(path)
        except OSError:
            return
        if stat.S_ISLNK(info.st_mode):
            digest.update(b"link:" + os.fsencode(os.readlink(path)))
        elif not stat.S_ISREG(info.st_mode):
            digest.update(b"special")
        elif info.st_size > MAX_HASHED_FILE or info.st_size > budget[0]:
            digest.update(f"size:{info.st_size}".encode())
        else:
            budget[0] -= info.st_size
            try:
                with open(path, "rb") as handle:
                    digest.update(handle.read(info.st_size))
            except OSError:
                pass

    if not os.path.isdir(root) or os.path.islink(root):
        if _is_regular(root):
            add_file(Path(os.path.realpath(root)))
        return digest.hexdigest()
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in (".git", "__pycache__", "build", ".eggs")
                            and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(directory) / name
            digest.update(os.fsencode(str(path.relative_to(root))) + b"\0")
            add_file(path)
    return digest.hexdigest()


def requirement_of(line: str) -> Optional[str]:
    """A PEP 508 string for one requirement line, or None when pip alone can name it."""
    if line.startswith(("-e ", "--editable ", "--editable=")):
        egg = _EGG.search(line)
        return egg.group("name") if egg else None
    if "://" in line and " @ " not in line:
        egg = _EGG.search(line)
        return egg.group("name") if egg else None
    if line.startswith((".", "/")) or line.endswith((".whl", ".tar.gz", ".zip")):
        return None
    # Drop per-requirement options (--hash=...) that pip allows after the specifier.
    return re.split(r"\s--?[a-z]", line)[0].strip()


def top_level(path: Path) -> Optional[List[str]]:
    """The requirement strings in path and its -r files, or None if a line cannot be named."""
    requirements = []
    for file, kind in included_files(path):
        if kind != "requirement":
            continue
        for line in logical_lines(read_text(file)):
            if _INCLUDE.match(line):
                continue
            if _OPTION.match(line) and not line.startswith(("-e", "--editable")):
                continue
            requirement = requirement_of(line)
            if requirement is None:
                return None
            requirements.append(requirement)
    return requirements


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 compares it: "Django_Rest.Framework" -> "django-rest-framework"."""
    return re.sub(r"[-_.]+", "-", name).lower()
