"""The versions of the tools the buildpack installs: bump them here, and only here.

pip drops old Pythons (25.1 needs 3.9+, 26.0 needs 3.10+), so each tool is
pinned per Python minor, newest-first; the first row whose minimum the runtime
meets wins. A change of any pin discards the cached environment.
"""
from __future__ import annotations

from typing import Dict, Tuple

from buildpack import version_numbers

# (minimum Python (major, minor), version)
PIP = (((3, 10), "26.3"), ((3, 9), "25.3"), ((3, 8), "25.0.1"))
PIP_TOOLS = (((3, 10), "7.6.2"), ((3, 9), "7.5.2"), ((3, 8), "7.4.1"))


def _pick(table: Tuple[Tuple[Tuple[int, int], str], ...], python_version: str) -> str:
    for minimum, version in table:
        if version_numbers.release(python_version) >= minimum:
            return version
    return table[-1][1]


def pip_version(python_version: str) -> str:
    return _pick(PIP, python_version)


def pip_tools_version(python_version: str) -> str:
    return _pick(PIP_TOOLS, python_version)


def for_python(python_version: str) -> Dict[str, str]:
    """The tool versions that shape an installed environment (kept in cache metadata)."""
    return {"pip": pip_version(python_version)}
