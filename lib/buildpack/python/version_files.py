"""The app's version files: reading runtime.txt and .python-version, parsing them,
and spotting misspelt or misplaced ones.

Everything here is pure except read_requests() (reads files).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from buildpack import reasons
from buildpack.errors import PythonVersionError
from buildpack.output import fill, quote
from buildpack.python import project_files
from buildpack.python.project_files import ToolRequest
from buildpack.source.app_files import refuse_link_outside
from buildpack.version_numbers import INTEGER, PYTHON_VERSION

RUNTIME_TXT = "runtime.txt"
PYTHON_VERSION_FILE = ".python-version"

# The largest a version file may be; anything bigger is not a version file.
MAX_FILE_SIZE = 64 * 1024
# Used in examples when nothing better is known.
EXAMPLE_MINOR = "3.13"


@dataclass(frozen=True)
class VersionRequest:
    major: int
    minor: int
    patch: Optional[int]
    source: str  # RUNTIME_TXT or PYTHON_VERSION_FILE
    raw: str  # the line as the user wrote it

    @property
    def version(self) -> str:
        """'3.12' or '3.12.8': what was asked for, normalised."""
        if self.patch is None:
            return f"{self.major}.{self.minor}"
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class Requests:
    """What the app's version files say (each None when the file is absent)."""

    runtime_txt: Optional[VersionRequest] = None
    python_version_file: Optional[VersionRequest] = None
    # A broken .python-version that runtime.txt overrides: a warning, not a failure.
    ignored: Optional[PythonVersionError] = None
    misspelled: Tuple[str, ...] = ()  # files in the root that look like a misspelt version file
    elsewhere: Tuple[str, ...] = ()  # version files in a subdirectory, where they are not read
    # What a package manager's file asks for (Pipfile.lock, Pipfile, pyproject.toml), when
    # neither runtime.txt nor .python-version names a version.
    tool: Optional[ToolRequest] = None

    @property
    def request(self) -> Optional[VersionRequest]:
        return self.runtime_txt or self.python_version_file


# --- Parsing ---------------------------------------------------------------------------------

_INT = INTEGER
_RUNTIME_TXT = re.compile("python-" + PYTHON_VERSION.pattern, re.IGNORECASE)
# Something that reads as a version, with or without a prefix: for spotting "two versions".
_VERSIONISH = re.compile(r"(?i)^(?:c?python[-_@=:~]*)?\d+\.\d+(?:\.\d+)?$")


def _clean(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_junk(text: str) -> bool:
    return any(ord(char) < 32 and char not in "\t\n" for char in text) or "\ufffd" in text


def spelled(source: str, version: str) -> str:
    """How `version` is written in `source`: python-3.13 in runtime.txt, 3.13 in .python-version."""
    return f"python-{version}" if source == RUNTIME_TXT else version


def _format_help(source: str) -> str:
    example = spelled(source, EXAMPLE_MINOR)
    pinned = spelled(source, EXAMPLE_MINOR + ".8")
    lines = [
        f"{source} must name exactly one version, either:",
        f"1. {spelled(source, '<major>.<minor>')}, e.g. {example} (recommended:",
        "   every build gets the newest patch release)",
        f"2. {spelled(source, '<major>.<minor>.<patch>')}, e.g. {pinned} (pinned)",
    ]
    if source == RUNTIME_TXT:
        lines.append("Nothing else: no spaces inside, no comments.")
    else:
        lines.append("Comments go on their own line, starting with #.")
    return "\n".join(lines)


def _malformed(source: str, found: str, hint: str) -> PythonVersionError:
    body = f"{fill(f'{source} contains {quote(found)}. {hint}')}\n\n{_format_help(source)}"
    return PythonVersionError(f"Invalid Python version in {source}.", body, reasons.PYTHON_VERSION_MALFORMED)


def _multiple(source: str, versions: Sequence[str]) -> PythonVersionError:
    listed = "\n".join(f"- {quote(v)}" for v in versions[:5])
    extra = ""
    if source == PYTHON_VERSION_FILE:
        extra = "\n(pyenv accepts several versions there; a build installs exactly one.)"
    body = (
        f"{source} names more than one Python version:\n{listed}{extra}\n\n"
        f"Keep only the version the app should run on. If the other lines\n"
        f"are notes, " + ("move them to a README: runtime.txt has no comments." if source == RUNTIME_TXT
                          else "start them with # to make them comments.")
    )
    return PythonVersionError(f"More than one Python version in {source}.", body, reasons.PYTHON_VERSION_MULTIPLE)


def _empty(source: str, had_comments: bool) -> PythonVersionError:
    why = "only comments" if had_comments else "nothing"
    body = (
        f"{fill(f'{source} exists but contains {why}: no Python version.')}\n\n"
        f"Write the version the app should run on, e.g. {spelled(source, EXAMPLE_MINOR)},\n"
        f"or delete {source} to use the default version."
    )
    return PythonVersionError(f"No Python version in {source}.", body, reasons.PYTHON_VERSION_EMPTY)


def _hint(line: str, source: str) -> str:
    """Why `line` is not a version, in one or two sentences, with the fix when there is one."""
    bare = PYTHON_VERSION.fullmatch(line)
    prefixed = re.fullmatch(rf"(?i)c?python[\s_=:~@-]*=?\s*({_INT}\.{_INT}(?:\.{_INT})?)", line)
    if source == RUNTIME_TXT and bare:
        return f"runtime.txt needs the 'python-' prefix: write {spelled(source, line)}"
    if source == PYTHON_VERSION_FILE and (prefixed or _RUNTIME_TXT.fullmatch(line)):
        version = (prefixed or _RUNTIME_TXT.fullmatch(line)).group(1)  # type: ignore[union-attr]
        return f".python-version takes the bare version: write {version}"
    if source == RUNTIME_TXT and prefixed:
        return f"Write it with a hyphen and no spaces: {spelled(source, prefixed.group(1))}"
    if re.search(r"[<>^~=!]", line):
        return "Version ranges aren't supported: name one version."
    if re.search(r"\d\.(?:\d+\.)?[xX*]$", line):
        return (
            "Wildcards aren't supported: "
            f"{spelled(source, EXAMPLE_MINOR)} already means the newest {EXAMPLE_MINOR}.x."
        )
    if re.fullmatch(r"(?i)(?:python-?)?\d+", line):
        return f"Name the minor version too, e.g. {spelled(source, EXAMPLE_MINOR)}."
    if line.lower() == "system":
        return "'system' is a pyenv setting, not a version: name the version to install."
    if re.fullmatch(r"(?i)(?:python-)?\d+\.\d+(?:\.\d+)?t", line):
        return "Free-threaded (no-GIL) builds aren't available: drop the 't'."
    if re.fullmatch(r"(?i)(?:python-)?\d+\.\d+(?:\.\d+)?(?:a|b|rc|-dev|\.dev)\S*", line):
        return "Pre-releases aren't available: name a released version."
    if line.lower().startswith("pypy"):
        return "PyPy isn't available: only CPython is."
    if source == RUNTIME_TXT and line.startswith("#"):
        return "runtime.txt can't hold comments."
    return "That isn't a Python version."


def _check_text(text: str, source: str) -> str:
    cleaned = _clean(text)
    if _is_junk(cleaned):
        raise _malformed(source, cleaned, f"{source} doesn't look like a text file.")
    return cleaned


def parse_runtime_txt(text: str) -> VersionRequest:
    """runtime.txt: one line `python-3.12` or `python-3.12.8` (any case, surrounding blanks ok)."""
    source = RUNTIME_TXT
    lines = [line.strip() for line in _check_text(text, source).split("\n") if line.strip()]
    if not lines:
        raise _empty(source, had_comments=False)
    words = [word for line in lines for word in line.split()]
    versions = [word for word in words if _VERSIONISH.match(word)]
    if len(versions) > 1:
        raise _multiple(source, versions)
    if len(lines) > 1:
        comments = [line for line in lines if line.startswith("#")]
        if comments and len(lines) - len(comments) == 1:
            raise _malformed(source, "\n".join(lines), "runtime.txt can't hold comments: keep only the version line.")
        raise _malformed(source, "\n".join(lines), "runtime.txt must be one line.")
    line = lines[0]
    match = _RUNTIME_TXT.fullmatch(line)
    if not match:
        raise _malformed(source, line, _hint(line, source))
    major, minor, patch = match.groups()
    return VersionRequest(int(major), int(minor), int(patch) if patch else None, source, line)


def parse_python_version_file(text: str) -> VersionRequest:
    """.python-version: one line `3.12` or `3.12.8`; blank lines and # comment lines allowed."""
    source = PYTHON_VERSION_FILE
    lines = []
    had_comments = False
    for raw in _check_text(text, source).split("\n"):
        line = raw.strip()
        if line.startswith("#"):
            had_comments = True
        elif line:
            lines.append(line)
    if not lines:
        raise _empty(source, had_comments)
    words = [word for line in lines for word in line.split()]
    versions = [word for word in words if _VERSIONISH.match(word)]
    if len(lines) > 1 or len(versions) > 1:
        raise _multiple(source, lines if len(lines) > 1 else versions)
    line = lines[0]
    match = PYTHON_VERSION.fullmatch(line)
    if not match:
        if "#" in line and PYTHON_VERSION.fullmatch(line.split("#", 1)[0].strip()):
            raise _malformed(source, line, "Put comments on their own line, starting with #.")
        raise _malformed(source, line, _hint(line, source))
    major, minor, patch = match.groups()
    return VersionRequest(int(major), int(minor), int(patch) if patch else None, source, line)


# --- Reading the app's files -----------------------------------------------------------------


def _decode(data: bytes, source: str) -> str:
    # Windows PowerShell's `echo python-3.12 > runtime.txt` writes UTF-16 with a BOM.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _malformed(
            source, data.decode("utf-8", errors="backslashreplace"),
            f"{source} doesn't look like a text file (it isn't UTF-8).",
        ) from None


def _read(path: Path, source: str) -> Optional[str]:
    if not os.path.lexists(path):
        return None
    refuse_link_outside(path.parent, path, source)
    if path.is_dir():
        body = (
            f"The app has a directory called {source} where a file should be.\n\n"
            f"Replace it with a file holding one version, e.g. {spelled(source, EXAMPLE_MINOR)}."
        )
        raise PythonVersionError(f"{source} is a directory.", body, reasons.PYTHON_VERSION_NOT_A_FILE)
    if not path.exists():
        body = (
            f"{source} is a symbolic link to {quote(os.readlink(path))}, which doesn't exist\n"
            f"in the build.\n\nCommit {source} as a regular file."
        )
        raise PythonVersionError(f"{source} is a broken link.", body, reasons.PYTHON_VERSION_NOT_A_FILE)
    if not path.is_file():
        body = f"{source} is not a regular file.\n\nCommit {source} as a regular file."
        raise PythonVersionError(f"{source} is not a file.", body, reasons.PYTHON_VERSION_NOT_A_FILE)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        body = f"{source} could not be read: {exc.strerror}.\n\nCommit {source} as a readable file."
        raise PythonVersionError(f"{source} can't be read.", body, reasons.PYTHON_VERSION_UNREADABLE) from None
    if len(data) > MAX_FILE_SIZE:
        raise _malformed(source, data[:60].decode("utf-8", errors="backslashreplace"),
                         f"{source} is far too large to be a version file.")
    return _decode(data, source)


def _spelling_key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    while True:
        for suffix in ("txt", "text"):
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                break
        else:
            return key


_MISSPELT_KEYS = ("runtime", "runtimes", "pythonversion", "pythonversions")
# Directories never worth looking into for a version file.
_SKIP_DIRS = frozenset({"node_modules", "venv", "env", "site-packages", "staticfiles", "static", "__pycache__"})


def misspelled_names(names: Sequence[str]) -> List[str]:
    """Root entries that look like a misspelt runtime.txt or .python-version (pure)."""
    found = []
    for name in names:
        if name in (RUNTIME_TXT, PYTHON_VERSION_FILE):
            continue
        if _spelling_key(name) in _MISSPELT_KEYS:
            found.append(name)
    return sorted(found)


def _is_dir(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop (a -> b -> a) in the app's root
        return False


def read_requests(build_dir: Path) -> Requests:
    """Read runtime.txt and .python-version from the app's root directory."""
    runtime_txt = None
    text = _read(build_dir / RUNTIME_TXT, RUNTIME_TXT)
    if text is not None:
        runtime_txt = parse_runtime_txt(text)

    python_version_file = None
    ignored = None
    try:
        text = _read(build_dir / PYTHON_VERSION_FILE, PYTHON_VERSION_FILE)
        if text is not None:
            python_version_file = parse_python_version_file(text)
    except PythonVersionError as exc:
        if runtime_txt is None:
            raise
        ignored = exc

    try:
        entries = list(os.scandir(build_dir))
    except OSError:
        entries = []
    misspelled = misspelled_names([e.name for e in entries if not _is_dir(e)])
    elsewhere: List[str] = []
    if runtime_txt is None and python_version_file is None and ignored is None:
        for entry in sorted(entries, key=lambda e: e.name)[:500]:
            if entry.name.startswith(".") or entry.name in _SKIP_DIRS or not entry.is_dir(follow_symlinks=False):
                continue
            for name in (RUNTIME_TXT, PYTHON_VERSION_FILE):
                if os.path.isfile(os.path.join(entry.path, name)):
                    elsewhere.append(f"{entry.name}/{name}")
    tool = project_files.read(build_dir) if runtime_txt is None and python_version_file is None else None
    return Requests(runtime_txt, python_version_file, ignored, tuple(misspelled), tuple(elsewhere), tool)


def request_warnings(requests: Requests) -> List[Tuple[str, str]]:
    """Warning blocks about the version files themselves (pure)."""
    warnings = []
    if requests.misspelled:
        listed = "\n".join(f"- {quote(name)}" for name in requests.misspelled)
        body = (
            f"The app's root directory holds:\n{listed}\n\n"
            f"They look like a misspelt runtime.txt or .python-version, and\n"
            f"are ignored: only those exact names are read.\n\n"
            f"To fix it: rename the file to .python-version (containing\n"
            f"e.g. {EXAMPLE_MINOR}) or to runtime.txt (containing e.g. python-{EXAMPLE_MINOR})."
        )
        warnings.append(("A Python version file may be misspelt.", body))
    if requests.elsewhere:
        listed = "\n".join(f"- {name}" for name in requests.elsewhere)
        body = (
            f"Found:\n{listed}\n\n"
            f"Only the app's root directory (where requirements.txt is) is\n"
            f"searched, so this file is ignored. Move it to the root directory."
        )
        warnings.append(("A Python version file is not in the root directory.", body))
    if requests.ignored is not None and requests.runtime_txt is not None:
        body = (
            f".python-version is ignored because runtime.txt takes precedence,\n"
            f"but it is invalid:\n\n{requests.ignored.body}\n\n"
            f"Fix it or delete it: tools such as pyenv and uv read it too."
        )
        warnings.append(("Ignoring an invalid .python-version.", body))
    return warnings
