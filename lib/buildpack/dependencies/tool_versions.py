"""The versions of the tools the buildpack installs: bump them here, and only here.

pip, Poetry and Pipenv drop old Pythons (pip 26.0, Poetry 2.3 and Pipenv 2025.1
need 3.10+; Poetry 2.0 and Pipenv 2025.0 need 3.9+), so each is pinned per
Python minor, newest-first: the newest release whose Requires-Python admits
that minor (checked on PyPI). The first row whose minimum the runtime meets
wins; down to 3.8, the oldest Python the buildpack installs. uv is one static binary that installs
into any Python, so it has one pin: the wheel from PyPI for each CPU, with its
sha256 (the wheel carries the same binary as Astral's own archives).
A change of any pin discards the cached environment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from buildpack import version_numbers

Table = Tuple[Tuple[Tuple[int, int], str], ...]

# (minimum Python (major, minor), version)
PIP: Table = (((3, 10), "26.3"), ((3, 9), "25.3"), ((3, 8), "25.0.1"))
PIP_TOOLS: Table = (((3, 10), "7.6.2"), ((3, 9), "7.5.2"), ((3, 8), "7.4.1"))
# Python 3.8: Poetry 1.8.5 (Requires-Python >=3.8,<4) and Pipenv 2024.4.1 (>=3.8), the last
# releases before each dropped it. Poetry 1.x has another CLI: see POETRY_COMMANDS.
POETRY: Table = (((3, 10), "2.4.3"), ((3, 9), "2.2.1"), ((3, 8), "1.8.5"))
PIPENV: Table = (((3, 10), "2026.10.3"), ((3, 9), "2025.0.4"), ((3, 8), "2024.4.1"))

# The command that installs exactly the lock, by Poetry's major version: Poetry 1.8 has
# no `poetry sync`; `install --sync` is the same thing (and is deprecated in Poetry 2).
# (deploy: the main group only; Heroku CI: the default groups)
POETRY_COMMANDS: Dict[int, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    2: (("sync", "--only", "main"), ("sync",)),
    1: (("install", "--sync", "--only", "main"), ("install", "--sync")),
}
# The newest poetry.lock format each Poetry major reads without a warning ("lock-version").
POETRY_LOCK_FORMATS: Dict[int, Tuple[int, int]] = {2: (2, 1), 1: (2, 0)}

# Older packages (gunicorn < 22 among them) import pkg_resources, which only
# setuptools provides. Python <= 3.11 venvs used to come with it, and the official
# buildpack still installs this version for Python <= 3.12: so do we, for the
# same apps. 3.13+ apps have never had it, and pkg_resources is deprecated.
SETUPTOOLS = "70.3.0"
SETUPTOOLS_UP_TO = (3, 12)

UV = "0.12.24"


@dataclass(frozen=True)
class Wheel:
    url: str
    sha256: str


# Keyed by `uname -m`. manylinux_2_17: runs on every stack's glibc.
UV_WHEELS: Dict[str, Wheel] = {
    "x86_64": Wheel(
        "https://files.pythonhosted.org/packages/89/f8/2ef356d9d066686c98854be9e3e41d0ba9d69f7b2495512b6394115fa40c/"
        "uv-0.12.24-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "e47005957dca320272ad68960b591b854b6bf0c3288368efb096d9ccd06b8404",
    ),
    "aarch64": Wheel(
        "https://files.pythonhosted.org/packages/f8/68/ebea2e5af6bc85d974520fc24ee81b9247339de14289cee6f865de48fd3f/"
        "uv-0.12.24-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "94c9ed22c1b5d6861a72639e23c5707bb07a354b67ec0462e9a0169a9665b5fd",
    ),
}


def _pick(table: Table, python_version: str) -> Optional[str]:
    for minimum, version in table:
        if version_numbers.release(python_version) >= minimum:
            return version
    return None


def pip_version(python_version: str) -> str:
    return _pick(PIP, python_version) or PIP[-1][1]


def pip_tools_version(python_version: str) -> str:
    return _pick(PIP_TOOLS, python_version) or PIP_TOOLS[-1][1]


def poetry_version(python_version: str) -> Optional[str]:
    """None: no pinned Poetry runs on this Python."""
    return _pick(POETRY, python_version)


def pipenv_version(python_version: str) -> Optional[str]:
    """None: no supported Pipenv runs on this Python."""
    return _pick(PIPENV, python_version)


def poetry_command(version: str, for_ci: bool) -> Tuple[str, ...]:
    """Poetry's arguments (after `poetry`) that install exactly the lock, for this Poetry."""
    deploy, ci = POETRY_COMMANDS[version_numbers.release(version)[0]]
    return ci if for_ci else deploy


def poetry_lock_format(version: str) -> Tuple[int, int]:
    """The newest poetry.lock `lock-version` this Poetry reads."""
    return POETRY_LOCK_FORMATS[version_numbers.release(version)[0]]


def setuptools_version(python_version: str) -> Optional[str]:
    """The setuptools a requirements.txt environment gets, or None (Python 3.13+)."""
    return SETUPTOOLS if version_numbers.release(python_version) <= SETUPTOOLS_UP_TO else None
