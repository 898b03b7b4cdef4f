"""Choosing the Python version: the `Using Python X.Y.Z (from ...)` step.

Resolves what the version files ask for against the versions the runtime
store offers for this stack, falls back to the previous build's version or the
default, and knows which Python versions have reached end of life. Everything
here is pure except select_version() (prints).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Optional, Sequence, Tuple

from buildpack import output, reasons, version_numbers
from buildpack.context import Context
from buildpack.errors import DOCS_PYTHON_SUPPORT, DOCS_PYTHON_VERSION, PythonVersionError, RuntimeStoreError
from buildpack.output import fill, quote
from buildpack.python import project_files
from buildpack.python.project_files import ToolRequest
from buildpack.python.version_files import (
    PYTHON_VERSION_FILE,
    RUNTIME_TXT,
    Requests,
    VersionRequest,
    read_requests,
    request_warnings,
    spelled,
)
from buildpack.version_numbers import PYTHON_VERSION, dotted

SOURCE_PREVIOUS = "previous build"
SOURCE_DEFAULT = "default"
# What an app that names no version gets (as on Heroku since 2026): the newest patch of
# this minor, or the newest the store has when it has no such minor (a note says so).
DEFAULT_MINOR = "3.14"


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

Version = Tuple[int, int, int]


@dataclass(frozen=True)
class ChosenVersion:
    version: str  # always X.Y.Z
    source: str  # RUNTIME_TXT, PYTHON_VERSION_FILE, SOURCE_PREVIOUS or SOURCE_DEFAULT
    requested: Optional[str] = None  # what the file asked for ('3.12'), when a file decided
    notes: Tuple[Tuple[str, str], ...] = ()  # (title, body) note blocks to print

    @property
    def minor(self) -> str:
        return version_numbers.minor(self.version)


# --- Resolution ------------------------------------------------------------------------------


def _sorted_versions(available: Sequence[str]) -> List[Version]:
    parsed = {version_numbers.exact(text) for text in available}
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
        f"To fix it:\n"
        f"1. Change {request.source} to {spelled(request.source, suggestion)} (or another\n"
        f"   version listed below).\n"
        f"2. Commit the change and build again."
    )


def _available_list(versions: Sequence[Version]) -> str:
    minors = _minors(versions)
    return "Available: " + ", ".join(dotted(m) for m in minors) + f" (newest: {dotted(max(versions))})."


def _resolve(request: VersionRequest, versions: Sequence[Version]) -> Version:
    wanted = (request.major, request.minor)
    newest_minor = dotted(_newest_supported_minor(versions))
    if wanted < OLDEST_SUPPORTED:
        eol = EOL_DATES.get(wanted)
        why = f"reached its end of life on {eol.isoformat()} and " if eol else ""
        found = fill(
            f"{request.source} asks for {quote(request.raw)}. Python {dotted(wanted)} {why}can't "
            f"run current versions of pip and Django; this buildpack installs "
            f"Python {dotted(OLDEST_SUPPORTED)} and newer."
        )
        body = f"{found}\n\n{_fix_steps(request, newest_minor)}\n\n{_available_list(versions)}"
        raise PythonVersionError(
            f"Python {dotted(wanted)} isn't supported.", body, reasons.PYTHON_VERSION_UNSUPPORTED
        )
    if wanted not in _minors(versions):
        if wanted > max(_minors(versions)):
            title = f"Python {dotted(wanted)} isn't available yet."
            why = (
                f"The runtime store has no Python {dotted(wanted)}: it may not be released "
                f"yet, or this buildpack does not know about it yet."
            )
        else:
            title = f"Python {dotted(wanted)} isn't available for this stack."
            why = f"The runtime store has no Python {dotted(wanted)} for this stack."
        body = (
            f"{fill(f'{request.source} asks for {quote(request.raw)}. {why}')}\n\n"
            f"{_fix_steps(request, newest_minor)}\n\n{_available_list(versions)}"
        )
        raise PythonVersionError(title, body, reasons.PYTHON_VERSION_UNKNOWN)
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
    listed = ", ".join(dotted(v) for v in nearest)
    if newest not in nearest:
        listed += f" (newest {dotted(wanted)}: {dotted(newest)})"
    found = fill(
        f"{request.source} asks for {quote(request.raw)}, but the runtime store has no "
        f"Python {dotted(exact)} for this stack."
    )
    body = (
        f"{found}\n\n"
        f"Nearest available: {listed}.\n\n"
        f"To fix it:\n"
        f"1. Change {request.source} to {spelled(request.source, dotted(wanted))}: every build\n"
        f"   then gets the newest {dotted(wanted)} patch release.\n"
        f"2. Or pin one of the versions above."
    )
    raise PythonVersionError(
        f"Python {dotted(exact)} isn't available.", body, reasons.PYTHON_VERSION_PATCH_UNAVAILABLE
    )


def _disagreement(runtime_txt: VersionRequest, python_version_file: VersionRequest) -> Tuple[str, str]:
    found = fill(
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
            reasons.RUNTIME_STORE_EMPTY,
        )
    notes: List[Tuple[str, str]] = []
    runtime_txt, python_version_file = requests.runtime_txt, requests.python_version_file
    if runtime_txt and python_version_file and runtime_txt.version != python_version_file.version:
        notes.append(_disagreement(runtime_txt, python_version_file))

    request = requests.request
    if request is not None:
        return ChosenVersion(dotted(_resolve(request, versions)), request.source, request.version, tuple(notes))

    default = _default(versions, default_minor)
    default_notes: List[Tuple[str, str]] = []
    if default_minor and dotted(default[:2]) != default_minor.strip():
        default_notes.append((
            f"Python {default_minor} isn't in the runtime store; using Python {dotted(default)}.",
            f"Apps that name no Python version get Python {default_minor}, the current\n"
            f"default, but the runtime store has no {default_minor} for this stack, so\n"
            f"this build uses the newest version it has.\n\n"
            f"To choose the version yourself, add a .python-version file\n"
            f"containing e.g. {dotted(default[:2])}.",
        ))
    if requests.tool is not None:
        return _from_tool_file(requests.tool, versions, default, tuple(notes))
    previous_version = version_numbers.exact(previous) if previous else None
    if previous_version is not None and previous_version[:2] >= OLDEST_SUPPORTED:
        if previous_version in versions:
            return ChosenVersion(dotted(previous_version), SOURCE_PREVIOUS, None, tuple(notes))
        newest = _newest_patch(versions, previous_version[:2])
        if newest is not None:
            notes.append((
                f"Python {previous} is no longer available; using {dotted(newest)}.",
                f"The previous build used Python {previous}, which the runtime store\n"
                f"no longer offers for this stack, so this build uses the newest\n"
                f"{dotted(newest[:2])} release instead.\n\n"
                f"To choose the version yourself, add a .python-version file\n"
                f"containing e.g. {dotted(newest[:2])}.",
            ))
            return ChosenVersion(dotted(newest), SOURCE_PREVIOUS, None, tuple(notes))
        notes.append((
            f"Python {dotted(previous_version[:2])} is no longer available; using {dotted(default)}.",
            f"The previous build used Python {previous}, but the runtime store has\n"
            f"no Python {dotted(previous_version[:2])} for this stack, so this build uses the\n"
            f"default, Python {dotted(default)}.\n\n"
            f"To choose the version yourself, add a .python-version file\n"
            f"containing e.g. {dotted(default[:2])}.",
        ))
    return ChosenVersion(dotted(default), SOURCE_DEFAULT, None, tuple(notes + default_notes))


def _from_tool_file(tool: ToolRequest, versions: Sequence[Version], default: Version,
                    notes: Tuple[Tuple[str, str], ...]) -> ChosenVersion:
    """A version a package manager's file asks for: exact (Pipfile) or a range (pyproject)."""
    if not tool.is_range:
        match = PYTHON_VERSION.fullmatch(tool.value)
        assert match is not None  # project_files only returns versions that match
        major, minor, patch = match.groups()
        request = VersionRequest(int(major), int(minor), int(patch) if patch else None, tool.source, tool.value)
        return ChosenVersion(dotted(_resolve(request, versions)), tool.source, tool.value, notes)
    if project_files.allows(tool.value, versions[-1]) is None:
        unreadable = (
            f"{tool.source} is not a range this buildpack can read.",
            f"{fill(f'{tool.source} is {quote(tool.value)}, so the build uses Python {dotted(default)}.')}\n\n"
            "To choose the version yourself, add a .python-version file\n"
            f"containing e.g. {dotted(default[:2])}.",
        )
        return ChosenVersion(dotted(default), SOURCE_DEFAULT, None, notes + (unreadable,))
    found = project_files.newest_allowed(tool.value, versions, default[:2])  # type: ignore[arg-type]
    if found is None:
        body = (
            f"{fill(f'{tool.source} is {quote(tool.value)}, and the runtime store has no Python in that range.')}\n\n"
            "To fix it:\n"
            "1. Add a .python-version file naming a version listed below, or\n"
            "2. Widen the range, then lock again and deploy.\n\n"
            f"{_available_list(versions)}"
        )
        raise PythonVersionError(f"No available Python fits {tool.source}.", body, reasons.PYTHON_VERSION_NO_MATCH)
    return ChosenVersion(dotted(found), tool.source, tool.value, notes)


def _default(versions: Sequence[Version], default_minor: Optional[str]) -> Version:
    if default_minor:
        match = PYTHON_VERSION.fullmatch(default_minor.strip())
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
    if chosen.source not in (RUNTIME_TXT, PYTHON_VERSION_FILE) and chosen.requested:
        return f"Using Python {chosen.version} (from {chosen.source} {chosen.requested!r})"
    return f"Using Python {chosen.version} (from {chosen.source})"


RUNTIME_TXT_NOTE = (
    "runtime.txt works, but .python-version is the way to name the version now.",
    "Heroku's Python buildpacks read .python-version, and so do pyenv and uv,\n"
    "so one file then sets the version everywhere (runtime.txt is\n"
    "deprecated upstream and the newer Heroku builders refuse it).\n\n"
    "To switch: write the version alone (e.g. 3.13) into .python-version,\n"
    "delete runtime.txt, commit both changes.",
)


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
    parsed = PYTHON_VERSION.fullmatch(version.strip())
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
        newest = dotted(max(current)) if current else dotted(max(EOL_DATES))
    newest_parsed = PYTHON_VERSION.fullmatch(newest)
    if newest_parsed and (int(newest_parsed.group(1)), int(newest_parsed.group(2))) <= minor:
        # Nothing newer is available yet: say so rather than suggest the same version.
        step = "1. Watch for a newer Python release and change the version then."
        newest = "the newer version"
    elif source in (RUNTIME_TXT, PYTHON_VERSION_FILE):
        step = f"1. Change {source} to {spelled(source, newest)}."
    else:
        step = f"1. Add a .python-version file containing {newest}."
    if days_left <= 0:
        title = f"Python {dotted(minor)} reached its end of life on {eol.isoformat()}."
        why = (
            f"Python {dotted(minor)} no longer gets security fixes upstream: known\n"
            f"vulnerabilities in the interpreter will not be fixed."
        )
    else:
        title = f"Python {dotted(minor)} reaches its end of life on {eol.isoformat()}."
        why = (
            f"After that date Python {dotted(minor)} gets no more security fixes\n"
            f"upstream. Plan the upgrade now."
        )
    body = (
        f"{fill(f'This app uses Python {version}. {why}')}\n\n"
        f"To upgrade:\n{step}\n"
        f"2. Check that the app and its dependencies work on Python {newest}\n"
        f"   (run the tests locally with it), then deploy."
    )
    return (title, body)


# --- The step --------------------------------------------------------------------------------


def select_version(
    ctx: Context,
    available: Sequence[str],
    previous: Optional[str],
    today: date,
    default_minor: Optional[str] = DEFAULT_MINOR,
) -> ChosenVersion:
    """Read the app's version files, choose the version and say why."""
    requests = read_requests(ctx.build_dir)
    for title, body in request_warnings(requests):
        output.warning(title, body, DOCS_PYTHON_VERSION)
    chosen = choose(requests, available, previous, default_minor)
    output.step(describe(chosen))
    for title, body in chosen.notes:
        output.note(title, body, DOCS_PYTHON_VERSION)
    if chosen.source == RUNTIME_TXT:
        output.note(RUNTIME_TXT_NOTE[0], RUNTIME_TXT_NOTE[1], DOCS_PYTHON_VERSION)
    versions = _sorted_versions(available)
    newest = dotted(_newest_supported_minor(versions)) if versions else None
    warning = eol_warning(chosen.version, today, chosen.source, newest)
    if warning is not None:
        output.warning(*warning, docs=DOCS_PYTHON_SUPPORT)
    return chosen
