"""Choosing the Python version: the `Using Python X.Y.Z (from ...)` step.

Reads runtime.txt and .python-version, resolves the request against the versions
the runtime store offers for this stack, and knows which Python versions and
which stacks have reached end of life. Everything here is pure except
read_requests() (reads files) and select_version() (prints).
"""
from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import output
from .context import Context
from .errors import PythonVersionError, RuntimeStoreError, StackUnknownError

RUNTIME_TXT = "runtime.txt"
PYTHON_VERSION_FILE = ".python-version"
SOURCE_PREVIOUS = "previous build"
SOURCE_DEFAULT = "default"

# Older interpreters cannot run a current pip or Django, and nothing builds them
# for today's stacks.
OLDEST_SUPPORTED = (3, 8)

# Upstream end of life (PEP 569, 596, 619, 664, 693, 719, 745).
EOL_DATES: Dict[Tuple[int, int], date] = {
    (2, 7): date(2020, 1, 1),
    (3, 5): date(2020, 9, 30),
    (3, 6): date(2021, 12, 23),
    (3, 7): date(2023, 6, 27),
    (3, 8): date(2024, 10, 7),
    (3, 9): date(2025, 10, 31),
    (3, 10): date(2026, 10, 31),
    (3, 11): date(2027, 10, 31),
    (3, 12): date(2028, 10, 31),
    (3, 13): date(2029, 10, 31),
    (3, 14): date(2030, 10, 31),
}
# Warn this long before a version's end of life, so an upgrade can be planned.
EOL_NOTICE_DAYS = 183

# The largest a version file may be; anything bigger is not a version file.
MAX_FILE_SIZE = 64 * 1024
# Used in examples when nothing better is known.
EXAMPLE_MINOR = "3.13"

Version = Tuple[int, int, int]


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

    @property
    def request(self) -> Optional[VersionRequest]:
        return self.runtime_txt or self.python_version_file


@dataclass(frozen=True)
class ChosenVersion:
    version: str  # always X.Y.Z
    source: str  # RUNTIME_TXT, PYTHON_VERSION_FILE, SOURCE_PREVIOUS or SOURCE_DEFAULT
    requested: Optional[str] = None  # what the file asked for ('3.12'), when a file decided
    notes: Tuple[Tuple[str, str], ...] = ()  # (title, body) note blocks to print

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


# --- Parsing ---------------------------------------------------------------------------------

_INT = r"(?:0|[1-9][0-9]*)"
_VERSION = re.compile(rf"({_INT})\.({_INT})(?:\.({_INT}))?")
_RUNTIME_TXT = re.compile(rf"python-({_INT})\.({_INT})(?:\.({_INT}))?", re.IGNORECASE)
# Something that reads as a version, with or without a prefix: for spotting "two versions".
_VERSIONISH = re.compile(r"(?i)^(?:c?python[-_@=:~]*)?\d+\.\d+(?:\.\d+)?$")


def _fill(text: str) -> str:
    """One paragraph with the user's values in it, wrapped near 70 columns."""
    return textwrap.fill(" ".join(text.split()), width=70, break_long_words=False, break_on_hyphens=False)


def quote(text: str, limit: int = 60) -> str:
    """The user's text, quoted so that control characters and binary junk stay visible."""
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)


def _clean(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_junk(text: str) -> bool:
    return any(ord(char) < 32 and char not in "\t\n" for char in text) or "\ufffd" in text


def _spelled(source: str, version: str) -> str:
    """How `version` is written in `source`: python-3.13 in runtime.txt, 3.13 in .python-version."""
    return f"python-{version}" if source == RUNTIME_TXT else version


def _format_help(source: str) -> str:
    example = _spelled(source, EXAMPLE_MINOR)
    pinned = _spelled(source, EXAMPLE_MINOR + ".8")
    lines = [
        f"{source} must name exactly one version, either:",
        f"1. {_spelled(source, '<major>.<minor>')}, e.g. {example} (recommended:",
        "   every build gets the newest patch release)",
        f"2. {_spelled(source, '<major>.<minor>.<patch>')}, e.g. {pinned} (pinned)",
    ]
    if source == RUNTIME_TXT:
        lines.append("Nothing else: no spaces inside, no comments.")
    else:
        lines.append("Comments go on their own line, starting with #.")
    return "\n".join(lines)


def _malformed(source: str, found: str, hint: str) -> PythonVersionError:
    body = f"{_fill(f'{source} contains {quote(found)}. {hint}')}\n\n{_format_help(source)}"
    return PythonVersionError(f"Invalid Python version in {source}.", body, "python-version::malformed")


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
    return PythonVersionError(f"More than one Python version in {source}.", body, "python-version::multiple")


def _empty(source: str, had_comments: bool) -> PythonVersionError:
    why = "only comments" if had_comments else "nothing"
    body = (
        f"{_fill(f'{source} exists but contains {why}: no Python version.')}\n\n"
        f"Write the version the app should run on, e.g. {_spelled(source, EXAMPLE_MINOR)},\n"
        f"or delete {source} to use the default version."
    )
    return PythonVersionError(f"No Python version in {source}.", body, "python-version::empty")


def _hint(line: str, source: str) -> str:
    """Why `line` is not a version, in one or two sentences, with the fix when there is one."""
    bare = _VERSION.fullmatch(line)
    prefixed = re.fullmatch(rf"(?i)c?python[\s_=:~@-]*=?\s*({_INT}\.{_INT}(?:\.{_INT})?)", line)
    if source == RUNTIME_TXT and bare:
        return f"runtime.txt needs the 'python-' prefix: write {_spelled(source, line)}"
    if source == PYTHON_VERSION_FILE and (prefixed or _RUNTIME_TXT.fullmatch(line)):
        version = (prefixed or _RUNTIME_TXT.fullmatch(line)).group(1)  # type: ignore[union-attr]
        return f".python-version takes the bare version: write {version}"
    if source == RUNTIME_TXT and prefixed:
        return f"Write it with a hyphen and no spaces: {_spelled(source, prefixed.group(1))}"
    if re.search(r"[<>^~=!]", line):
        return "Version ranges aren't supported: name one version."
    if re.search(r"\d\.(?:\d+\.)?[xX*]$", line):
        return (
            "Wildcards aren't supported: "
            f"{_spelled(source, EXAMPLE_MINOR)} already means the newest {EXAMPLE_MINOR}.x."
        )
    if re.fullmatch(r"(?i)(?:python-?)?\d+", line):
        return f"Name the minor version too, e.g. {_spelled(source, EXAMPLE_MINOR)}."
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
    match = _VERSION.fullmatch(line)
    if not match:
        if "#" in line and _VERSION.fullmatch(line.split("#", 1)[0].strip()):
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
    if path.is_dir():
        body = (
            f"The app has a directory called {source} where a file should be.\n\n"
            f"Replace it with a file holding one version, e.g. {_spelled(source, EXAMPLE_MINOR)}."
        )
        raise PythonVersionError(f"{source} is a directory.", body, "python-version::not-a-file")
    if not path.exists():
        body = (
            f"{source} is a symbolic link to {quote(os.readlink(path))}, which doesn't exist\n"
            f"in the build.\n\nCommit {source} as a regular file."
        )
        raise PythonVersionError(f"{source} is a broken link.", body, "python-version::not-a-file")
    if not path.is_file():
        body = f"{source} is not a regular file.\n\nCommit {source} as a regular file."
        raise PythonVersionError(f"{source} is not a file.", body, "python-version::not-a-file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        body = f"{source} could not be read: {exc.strerror}.\n\nCommit {source} as a readable file."
        raise PythonVersionError(f"{source} can't be read.", body, "python-version::unreadable") from None
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
    misspelled = misspelled_names([e.name for e in entries if not e.is_dir()])
    elsewhere: List[str] = []
    if runtime_txt is None and python_version_file is None and ignored is None:
        for entry in sorted(entries, key=lambda e: e.name)[:500]:
            if entry.name.startswith(".") or entry.name in _SKIP_DIRS or not entry.is_dir(follow_symlinks=False):
                continue
            for name in (RUNTIME_TXT, PYTHON_VERSION_FILE):
                if os.path.isfile(os.path.join(entry.path, name)):
                    elsewhere.append(f"{entry.name}/{name}")
    return Requests(runtime_txt, python_version_file, ignored, tuple(misspelled), tuple(elsewhere))


def request_warnings(requests: Requests) -> List[Tuple[str, str]]:
    """Warning blocks about the version files themselves (pure)."""
    warnings = []
    if requests.misspelled:
        listed = "\n".join(f"- {quote(name)}" for name in requests.misspelled)
        body = (
            f"The app's root directory holds:\n{listed}\n\n"
            f"They look like a misspelt runtime.txt or .python-version, and\n"
            f"are ignored: only those exact names are read.\n\n"
            f"To fix this, rename the file to .python-version (containing\n"
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


# --- Resolution ------------------------------------------------------------------------------


def parse_version(text: str) -> Optional[Version]:
    """(3, 12, 8) for '3.12.8'; None for anything else."""
    match = _VERSION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or match.group(3) is None:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _fmt(version: Sequence[int]) -> str:
    return ".".join(str(part) for part in version)


def _sorted_versions(available: Sequence[str]) -> List[Version]:
    parsed = {parse_version(text) for text in available}
    return sorted(v for v in parsed if v is not None)


def _minors(versions: Sequence[Version]) -> List[Tuple[int, int]]:
    return sorted({v[:2] for v in versions})  # type: ignore[misc]


def _newest_patch(versions: Sequence[Version], minor: Tuple[int, int]) -> Optional[Version]:
    matching = [v for v in versions if v[:2] == minor]
    return max(matching) if matching else None


def _newest_supported_minor(versions: Sequence[Version]) -> Tuple[int, int]:
    return max(m for m in _minors(versions))


def _fix_steps(request: VersionRequest, suggestion: str) -> str:
    return (
        f"To fix this:\n"
        f"1. Change {request.source} to {_spelled(request.source, suggestion)} (or another\n"
        f"   version listed below).\n"
        f"2. Commit the change and build again."
    )


def _available_list(versions: Sequence[Version]) -> str:
    minors = _minors(versions)
    return "Available: " + ", ".join(_fmt(m) for m in minors) + f" (newest: {_fmt(max(versions))})."


def _resolve(request: VersionRequest, versions: Sequence[Version]) -> Version:
    wanted = (request.major, request.minor)
    newest_minor = _fmt(_newest_supported_minor(versions))
    if wanted < OLDEST_SUPPORTED:
        eol = EOL_DATES.get(wanted)
        why = f"reached its end of life on {eol.isoformat()} and " if eol else ""
        found = _fill(
            f"{request.source} asks for {quote(request.raw)}. Python {_fmt(wanted)} {why}can't "
            f"run current versions of pip and Django; this buildpack installs "
            f"Python {_fmt(OLDEST_SUPPORTED)} and newer."
        )
        body = f"{found}\n\n{_fix_steps(request, newest_minor)}\n\n{_available_list(versions)}"
        raise PythonVersionError(
            f"Python {_fmt(wanted)} isn't supported.", body, "python-version::unsupported"
        )
    if wanted not in _minors(versions):
        if wanted > max(_minors(versions)):
            title = f"Python {_fmt(wanted)} isn't available yet."
            why = (
                f"The runtime store has no Python {_fmt(wanted)}: it may not be released "
                f"yet, or this buildpack does not know about it yet."
            )
        else:
            title = f"Python {_fmt(wanted)} isn't available for this stack."
            why = f"The runtime store has no Python {_fmt(wanted)} for this stack."
        body = (
            f"{_fill(f'{request.source} asks for {quote(request.raw)}. {why}')}\n\n"
            f"{_fix_steps(request, newest_minor)}\n\n{_available_list(versions)}"
        )
        raise PythonVersionError(title, body, "python-version::unknown")
    if request.patch is None:
        newest = _newest_patch(versions, wanted)
        assert newest is not None
        return newest
    exact = (request.major, request.minor, request.patch)
    if exact in versions:
        return exact
    same_minor = [v for v in versions if v[:2] == wanted]
    lower = [v for v in same_minor if v < exact]
    higher = [v for v in same_minor if v > exact]
    nearest = ([max(lower)] if lower else []) + ([min(higher)] if higher else [])
    newest = max(same_minor)
    listed = ", ".join(_fmt(v) for v in nearest)
    if newest not in nearest:
        listed += f" (newest {_fmt(wanted)}: {_fmt(newest)})"
    found = _fill(
        f"{request.source} asks for {quote(request.raw)}, but the runtime store has no "
        f"Python {_fmt(exact)} for this stack."
    )
    body = (
        f"{found}\n\n"
        f"Nearest available: {listed}.\n\n"
        f"To fix this:\n"
        f"1. Change {request.source} to {_spelled(request.source, _fmt(wanted))}: every build\n"
        f"   then gets the newest {_fmt(wanted)} patch release.\n"
        f"2. Or pin one of the versions above."
    )
    raise PythonVersionError(
        f"Python {_fmt(exact)} isn't available.", body, "python-version::patch-unavailable"
    )


def _disagreement(runtime_txt: VersionRequest, python_version_file: VersionRequest) -> Tuple[str, str]:
    found = _fill(
        f"runtime.txt asks for {quote(runtime_txt.raw)} and .python-version for "
        f"{quote(python_version_file.raw)}. runtime.txt wins: it is read first, as on "
        f"Heroku's own Python buildpack, so .python-version is ignored."
    )
    body = (
        f"{found}\n\n"
        f"To make the build and your tools (pyenv, uv) agree, either:\n"
        f"1. Delete runtime.txt and keep .python-version (the newer way), or\n"
        f"2. Write the same version in both files."
    )
    return ("runtime.txt and .python-version name different Python versions.", body)


def choose(
    requests: Requests,
    available: Sequence[str],
    previous: Optional[str] = None,
    default_minor: Optional[str] = None,
) -> ChosenVersion:
    """The exact version to install: runtime.txt > .python-version > previous build > default.

    `available` lists the X.Y.Z versions the store has for this stack and arch;
    `previous` is the version the last successful build installed (from the cache);
    `default_minor` ('3.13') overrides the default, the newest supported minor.
    """
    versions = _sorted_versions(available)
    versions = [v for v in versions if v[:2] >= OLDEST_SUPPORTED]
    if not versions:
        raise RuntimeStoreError(
            "The runtime store has no Python versions for this stack.",
            "The store's list of runtimes for this stack and architecture is\n"
            "empty, so there is nothing to install.\n\n"
            "If PYTHON_RUNTIMES_URL points at your own store, add runtimes for\n"
            "this stack to its index.json (see `make runtimes`).",
            "runtime-store::empty",
        )
    notes: List[Tuple[str, str]] = []
    runtime_txt, python_version_file = requests.runtime_txt, requests.python_version_file
    if runtime_txt and python_version_file and runtime_txt.version != python_version_file.version:
        notes.append(_disagreement(runtime_txt, python_version_file))

    request = requests.request
    if request is not None:
        return ChosenVersion(_fmt(_resolve(request, versions)), request.source, request.version, tuple(notes))

    default = _default(versions, default_minor)
    previous_version = parse_version(previous) if previous else None
    if previous_version is not None and previous_version[:2] >= OLDEST_SUPPORTED:
        if previous_version in versions:
            return ChosenVersion(_fmt(previous_version), SOURCE_PREVIOUS, None, tuple(notes))
        newest = _newest_patch(versions, previous_version[:2])
        if newest is not None:
            notes.append((
                f"Python {previous} is no longer available; using {_fmt(newest)}.",
                f"The previous build used Python {previous}, which the runtime store\n"
                f"no longer offers for this stack, so this build uses the newest\n"
                f"{_fmt(newest[:2])} release instead.\n\n"
                f"To choose the version yourself, add a .python-version file\n"
                f"containing e.g. {_fmt(newest[:2])}.",
            ))
            return ChosenVersion(_fmt(newest), SOURCE_PREVIOUS, None, tuple(notes))
        notes.append((
            f"Python {_fmt(previous_version[:2])} is no longer available; using {_fmt(default)}.",
            f"The previous build used Python {previous}, but the runtime store has\n"
            f"no Python {_fmt(previous_version[:2])} for this stack, so this build uses the\n"
            f"default, Python {_fmt(default)}.\n\n"
            f"To choose the version yourself, add a .python-version file\n"
            f"containing e.g. {_fmt(default[:2])}.",
        ))
    return ChosenVersion(_fmt(default), SOURCE_DEFAULT, None, tuple(notes))


def _default(versions: Sequence[Version], default_minor: Optional[str]) -> Version:
    if default_minor:
        match = _VERSION.fullmatch(default_minor.strip())
        if match:
            newest = _newest_patch(versions, (int(match.group(1)), int(match.group(2))))
            if newest is not None:
                return newest
    newest_minor = _newest_supported_minor(versions)
    newest = _newest_patch(versions, newest_minor)
    assert newest is not None
    return newest


def describe(chosen: ChosenVersion) -> str:
    """The step line that says which version and where the choice came from."""
    if chosen.source == SOURCE_PREVIOUS:
        return f"Using Python {chosen.version} (as in the previous build)"
    if chosen.source == SOURCE_DEFAULT:
        return f"Using Python {chosen.version} (the default: no runtime.txt or .python-version)"
    return f"Using Python {chosen.version} (from {chosen.source})"


# --- End of life -----------------------------------------------------------------------------


def eol_warning(
    version: str,
    today: date,
    source: Optional[str] = None,
    newest: Optional[str] = None,
) -> Optional[Tuple[str, str]]:
    """A warning block for a version past (or within half a year of) its end of life.

    `source` is where the version came from (to say which file to edit);
    `newest` the minor to suggest ('3.14'; by default the newest one still supported).
    """
    parsed = _VERSION.fullmatch(version.strip())
    if not parsed:
        return None
    minor = (int(parsed.group(1)), int(parsed.group(2)))
    eol = EOL_DATES.get(minor)
    if eol is None:
        return None
    days_left = (eol - today).days
    if days_left > EOL_NOTICE_DAYS:
        return None
    if newest is None:
        current = [m for m, end in EOL_DATES.items() if end > today]
        newest = _fmt(max(current)) if current else _fmt(max(EOL_DATES))
    newest_parsed = _VERSION.fullmatch(newest)
    if newest_parsed and (int(newest_parsed.group(1)), int(newest_parsed.group(2))) <= minor:
        # Nothing newer is available yet: say so rather than suggest the same version.
        step = "1. Watch for a newer Python release and change the version then."
        newest = "the newer version"
    elif source in (RUNTIME_TXT, PYTHON_VERSION_FILE):
        step = f"1. Change {source} to {_spelled(source, newest)}."
    else:
        step = f"1. Add a .python-version file containing {newest}."
    if days_left <= 0:
        title = f"Python {_fmt(minor)} reached its end of life on {eol.isoformat()}."
        why = (
            f"Python {_fmt(minor)} no longer gets security fixes upstream: known\n"
            f"vulnerabilities in the interpreter will not be fixed."
        )
    else:
        title = f"Python {_fmt(minor)} reaches its end of life on {eol.isoformat()}."
        why = (
            f"After that date Python {_fmt(minor)} gets no more security fixes\n"
            f"upstream. Plan the upgrade now."
        )
    body = (
        f"{_fill(f'This app uses Python {version}. {why}')}\n\n"
        f"To upgrade:\n{step}\n"
        f"2. Check that the app and its dependencies work on Python {newest}\n"
        f"   (run the tests locally with it), then deploy."
    )
    return (title, body)


# --- Stacks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    name: str
    ubuntu: str  # "22.04": names the official runtime archives
    glibc: Optional[str]
    openssl: str  # the libssl major the image has
    end_of_life: Optional[date] = None


STACKS: Dict[str, Stack] = {
    "heroku-20": Stack("heroku-20", "20.04", "2.31", "1.1", end_of_life=date(2025, 4, 30)),
    "heroku-22": Stack("heroku-22", "22.04", "2.35", "3"),
    "heroku-24": Stack("heroku-24", "24.04", "2.39", "3"),
    # Ubuntu 26.04's glibc is not known here yet; None skips that check.
    "heroku-26": Stack("heroku-26", "26.04", None, "3"),
}
RETIRED_STACKS = ("cedar", "cedar-14", "heroku-16", "heroku-18")


def stack_info(name: str) -> Stack:
    """The facts about a stack; StackUnknownError for anything not in STACKS."""
    if name in STACKS:
        return STACKS[name]
    known = ", ".join(STACKS)
    if not name:
        body = (
            f"The STACK environment variable is not set, so the build can't\n"
            f"tell which runtime fits this machine. Heroku always sets it.\n\n"
            f"When building outside Heroku, set STACK to one of: {known}."
        )
        raise StackUnknownError("The stack is not set.", body, "stack::unknown")
    if name in RETIRED_STACKS:
        body = (
            f"This app is on {quote(name)}, a stack that was retired long ago.\n"
            f"No Python runtime is built for it.\n\n"
            f"To fix this:\n"
            f"1. Move the app to a current stack: heroku stack:set heroku-24\n"
            f"2. Deploy again.\n\n"
            f"Supported stacks: {known}."
        )
        raise StackUnknownError(f"The stack {name} is no longer supported.", body, "stack::unsupported")
    body = (
        f"STACK is {quote(name)}, which this buildpack does not know, so it\n"
        f"can't tell which Python runtime fits the machine.\n\n"
        f"Supported stacks: {known}. If this is a new Heroku stack, use a\n"
        f"newer version of this buildpack."
    )
    raise StackUnknownError(f"Unknown stack {name}.", body, "stack::unknown")


def check_stack(name: str, today: Optional[date] = None) -> Optional[Tuple[str, str]]:
    """A warning block when the stack is past its end of life; raises for an unknown stack."""
    stack = stack_info(name)
    today = today or date.today()
    if stack.end_of_life is None or today < stack.end_of_life:
        return None
    body = (
        f"This app is built on {stack.name} (Ubuntu {stack.ubuntu}), which reached its end\n"
        f"of life on {stack.end_of_life.isoformat()}: its operating system no longer gets\n"
        f"security updates, and Heroku no longer accepts builds on it.\n\n"
        f"To upgrade:\n"
        f"1. heroku stack:set heroku-24 (the app's dependencies may need\n"
        f"   newer versions that ship wheels for Ubuntu 24.04)\n"
        f"2. Deploy again."
    )
    return (f"The {stack.name} stack reached its end of life.", body)


# --- The step --------------------------------------------------------------------------------


def select_version(
    ctx: Context,
    available: Sequence[str],
    previous: Optional[str],
    today: date,
    default_minor: Optional[str] = None,
) -> ChosenVersion:
    """Read the app's version files, choose the version and say why."""
    requests = read_requests(ctx.build_dir)
    for title, body in request_warnings(requests):
        output.warning(title, body)
    chosen = choose(requests, available, previous, default_minor)
    output.step(describe(chosen))
    for title, body in chosen.notes:
        output.note(title, body)
    versions = _sorted_versions(available)
    newest = _fmt(_newest_supported_minor(versions)) if versions else None
    warning = eol_warning(chosen.version, today, chosen.source, newest)
    if warning is not None:
        output.warning(*warning)
    return chosen
