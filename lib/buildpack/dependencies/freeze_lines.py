"""Lines `pip freeze` writes that install only on the machine it ran on.

In a conda environment it writes `certifi @ file:///croot/certifi_1707229174982/work/certifi`
(where conda built the package); for a project installed from a directory, `-e /home/me/site`;
under Debian's and Ubuntu's patched pip, `pkg-resources==0.0.0`, a package that is on no index.
The installer then fails with "Distribution not found" or "not found in the package registry",
and its advice (commit the path, check the name for typos) does not fit: the line itself goes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

from buildpack.dependencies import requirements

# "name @ file:///abs/path", "name[extra] @ file:/abs/path", "/abs/path", "-e /abs/path",
# "file:///abs/path": an absolute path (a Windows conda path reads file:///C:/b/abs_x/...).
_ABSOLUTE = re.compile(
    r"^(?:(?:-e|--editable)(?:\s+|=))?"
    r"(?:(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*@\s*)?"
    r"(?:file:(?://(?:localhost)?)?)?(?P<path>/[^\s;#]*)"
)
# Debian's pip listed its own vendored pkg_resources as a distribution of this name.
_DEBIAN_PKG_RESOURCES = re.compile(r"^pkg[-_.]resources\s*==\s*0\.0\.0\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FreezeLine:
    file: str  # the requirements file's name, as the app has it
    number: int
    text: str


def machine_paths(path: Path, app_root: Path) -> List[FreezeLine]:
    """Lines of path (and its -r/-c files) that install an absolute path outside the app
    that is not there: a path on the machine the file was written on."""
    root = os.path.realpath(app_root)
    found = []
    for file, number, line in _lines(path):
        match = _ABSOLUTE.match(line)
        if not match:
            continue
        target = os.path.realpath(match.group("path"))
        if not requirements.inside(target, root) and not os.path.exists(target):
            found.append(FreezeLine(_shown(file, app_root), number, line))
    return found


def debian_pkg_resources(path: Path, app_root: Path) -> List[FreezeLine]:
    """`pkg-resources==0.0.0` lines: Debian's pip froze a package that no index has."""
    return [FreezeLine(_shown(file, app_root), number, line) for file, number, line in _lines(path)
            if _DEBIAN_PKG_RESOURCES.match(line)]


def _lines(path: Path) -> List[Tuple[Path, int, str]]:
    """(file, line number, text without its comment) for each requirement line."""
    found = []
    for file, _ in requirements.included_files(path):
        for number, raw in enumerate(requirements.read_text(file).splitlines(), start=1):
            line = requirements.without_comment(raw)
            if line:
                found.append((file, number, line))
    return found


def _shown(file: Path, app_root: Path) -> str:
    try:
        return str(file.relative_to(app_root))
    except ValueError:
        return file.name
