"""The Python version the package managers' own files ask for.

Read when neither runtime.txt nor .python-version names a version, in this
order: Pipfile.lock (`_meta.requires.python_full_version`, else `python_version`),
the Pipfile's `[requires]`, then pyproject.toml's `requires-python` (or a Poetry
project's `python` dependency), which is a range: the newest available minor
inside it, but no newer than the default, is used.

The buildpack has no TOML parser (Python 3.8's standard library has none), and
needs the version before any Python of the app's exists: these readers know
just the keys above, in the forms the tools write them. Pure functions over text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from buildpack.version_numbers import PYTHON_VERSION

PIPFILE_LOCK = "Pipfile.lock"
PIPFILE = "Pipfile"
PYPROJECT = "pyproject.toml"
MAX_SIZE = 4 * 1024 * 1024

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
_STRING_KEY = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_."-]+)\s*=\s*(?P<quote>["'])(?P<value>[^"']*)(?P=quote)""")


@dataclass(frozen=True)
class ToolRequest:
    """A version (`3.12`, `3.12.1`) or a range (`>=3.11,<3.13`) and the file it came from."""

    value: str
    source: str
    is_range: bool = False


def section_strings(text: str, section: str) -> dict:
    """key -> string value of the simple `key = "value"` lines in one TOML table."""
    values = {}
    current = None
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header:
            current = header.group(1).replace('"', "").replace("'", "")
            continue
        if current == section:
            match = _STRING_KEY.match(line)
            if match:
                values[match.group("key").strip('"')] = match.group("value").strip()
    return values


def from_pipfile_lock(text: str) -> Optional[ToolRequest]:
    try:
        requires = json.loads(text).get("_meta", {}).get("requires", {})
    except (ValueError, AttributeError):
        return None  # the Pipenv step reports a broken lock, with the fix
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str) and PYTHON_VERSION.fullmatch(value.strip()):
            return ToolRequest(value.strip(), f"{PIPFILE_LOCK} {key}")
    return None


def from_pipfile(text: str) -> Optional[ToolRequest]:
    requires = section_strings(text, "requires")
    for key in ("python_full_version", "python_version"):
        value = requires.get(key, "")
        if PYTHON_VERSION.fullmatch(value):
            return ToolRequest(value, f"{PIPFILE} {key}")
    return None


def from_pyproject(text: str) -> Optional[ToolRequest]:
    spec = section_strings(text, "project").get("requires-python")
    if spec:
        return ToolRequest(spec, f"{PYPROJECT} requires-python", is_range=True)
    poetry = section_strings(text, "tool.poetry.dependencies").get("python")
    if poetry:
        return ToolRequest(poetry, f"{PYPROJECT} [tool.poetry.dependencies] python", is_range=True)
    return None


READERS: Tuple[Tuple[str, Callable[[str], Optional[ToolRequest]]], ...] = (
    (PIPFILE_LOCK, from_pipfile_lock),
    (PIPFILE, from_pipfile),
    (PYPROJECT, from_pyproject),
)


def read(build_dir: Path) -> Optional[ToolRequest]:
    """The first request the app's tool files make, or None."""
    for name, reader in READERS:
        path = build_dir / name
        try:
            if not path.is_file() or path.stat().st_size > MAX_SIZE:
                continue
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        found = reader(text)
        if found is not None:
            return found
    return None


# --- Ranges ----------------------------------------------------------------------------------

_CLAUSE = re.compile(r"^(?P<op>~=|===|==|!=|<=|>=|<|>|\^|~)?\s*(?P<version>\d+(?:\.\d+)*(?:\.\*)?)$")
Version = Tuple[int, int, int]


def _parts(text: str) -> List[int]:
    return [int(part) for part in text.split(".") if part != "*"]


def _padded(parts: Sequence[int]) -> Version:
    values = list(parts[:3]) + [0] * (3 - len(parts[:3]))
    return (values[0], values[1], values[2])


def _clause_allows(op: str, text: str, version: Version) -> bool:
    wildcard = text.endswith(".*")
    parts = _parts(text)
    bound = _padded(parts)
    if op in ("==", "===", "") and (wildcard or len(parts) < 3):
        return tuple(version[: len(parts)]) == tuple(parts)
    if op == "!=" and (wildcard or len(parts) < 3):
        return tuple(version[: len(parts)]) != tuple(parts)
    if op in ("==", "==="):
        return version == bound
    if op == "!=":
        return version != bound
    if op == ">=":
        return version >= bound
    if op == ">":
        return version > bound if len(parts) >= 3 else version[: len(parts)] > tuple(parts)
    if op == "<=":
        return version <= bound if len(parts) >= 3 else version[: len(parts)] <= tuple(parts)
    if op == "<":
        return version < bound
    if op == "~=":  # compatible release: >= bound, same prefix minus the last part
        return version >= bound and tuple(version[: len(parts) - 1]) == tuple(parts[:-1])
    if op == "^":  # Poetry: up to the next major
        return version >= bound and version[0] == bound[0]
    if op == "~":  # Poetry: up to the next minor (or major, for `~3`)
        kept = min(len(parts), 2)
        return version >= bound and tuple(version[:kept]) == tuple(parts[:kept])
    return False


def allows(spec: str, version: Version) -> Optional[bool]:
    """Whether a PEP 440 (or Poetry) specifier allows version; None when it can't be read."""
    clauses = [clause.strip() for clause in re.split(r"[,]", spec) if clause.strip()]
    if not clauses or "||" in spec or "|" in spec:
        return None
    for clause in clauses:
        match = _CLAUSE.match(clause.replace(" ", ""))
        if not match:
            return None
        if not _clause_allows(match.group("op") or "", match.group("version"), version):
            return False
    return True


def newest_allowed(spec: str, versions: Sequence[Version], default_minor: Optional[Tuple[int, int]]) -> Optional[Version]:
    """The newest patch of the newest minor the range allows, no newer than the default
    minor when the range allows that too; None when nothing available fits (or unreadable)."""
    fitting = [v for v in versions if allows(spec, v)]
    if not fitting:
        return None
    if default_minor is not None:
        capped = [v for v in fitting if v[:2] <= default_minor]
        if capped:
            fitting = capped
    newest_minor = max(v[:2] for v in fitting)
    return max(v for v in fitting if v[:2] == newest_minor)
