"""Packages that do not install on a dyno because they cannot be built there.

Pure functions over the installer's output (pip's or uv's), called by
failures.classify after the causes that explain every symptom (a full disk, the
network, credentials, a Python version, a hash) and before "not found" and
"conflict", which these failures look like to the installer. The most specific
cause first: a C library the build lacks (psycopg2's pg_config, mysqlclient's
client library), whose name the package's own build prints; then a package with
wheels only for another platform (pywin32, from `pip freeze` on Windows), which
uv names with the platforms it has, and pip only as "from versions: none": for
pip it is recognised for a few distributions known to be Windows-only, never
guessed for another name (a misspelt one says the same).
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence

from buildpack import reasons
from buildpack.errors import Failure

# mysqlclient 2.2+ asks pkg-config ("Can not find valid pkg-config name."), older releases
# mysql_config ("OSError: mysql_config not found"): either way the build has no client library.
_MYSQL_LIBRARY = re.compile(r"Can not find valid pkg-config name|mysql_config not found")
# uv: "Because pywin32==306 has no wheels with a matching platform tag (e.g., `manylinux_2_36_x86_64`)
# and you require pywin32==306, ..." then "hint: Wheels are available for `pywin32` (v306) on the
# following platforms: `win32`, `win_amd64`, `win_arm64`". For a dependency of the requirement
# (pypiwin32 needs pywin32) the chain ends "and you require pypiwin32==223".
_UV_NO_PLATFORM_WHEEL = re.compile(r"[Bb]ecause (?P<req>\S+) has no wheels with a matching platform tag")
_UV_PLATFORMS_HINT = re.compile(r"hint: Wheels are available for `(?P<name>[^`]+)` \(v[^)]*\) on the following platforms:"
                                r" (?P<platforms>[^\n]+)")
_UV_REQUIRED = re.compile(r"you require (?P<req>\S+?), we can conclude that your requirements are unsatisfiable")
# pip: "Could not find a version that satisfies the requirement pywin32>=223 (from pypiwin32)
# (from versions: none)"; a requirement of the file's own has no "(from ...)".
_PIP_NO_VERSIONS = re.compile(r"Could not find a version that satisfies the requirement (?P<req>\S+)"
                              r"(?: \(from (?P<parent>(?:[^()\n]|\([^()\n]*\))+)\))? \(from versions: none\)")
_PIP_COLLECTING = re.compile(r"^Collecting (?P<req>\S+)", re.MULTILINE)
_LINUX_TAG = re.compile(r"(?:many|musl)?linux")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Distributions with wheels only for Windows and no source distribution on PyPI (checked
# there), so pip on Linux finds no file at all: name -> the platforms of their wheels.
# pypiwin32 has a py3-none-any wheel that depends on pywin32: pip names pywin32. pywinpty
# and twisted-iocpsupport are Windows-only too, but have sdists: pip tries to build them.
_WINDOWS_ONLY = {
    "pywin32": ["win32", "win_amd64", "win_arm64"],
    "windows-curses": ["win32", "win_amd64"],
}


def _missing_build_library(text: str) -> Optional[Failure]:
    """A package built from source whose C library (and its config tool) the build lacks."""
    if "pg_config executable not found" in text:
        return Failure(
            reasons.DEPENDENCIES_PG_CONFIG,
            "psycopg2 needs PostgreSQL's pg_config to build.",
            "psycopg2 (built from source) needs PostgreSQL's pg_config.\n\n"
            "To fix it:\n1. Use psycopg2-binary or psycopg[binary] instead, or\n"
            "2. Add a buildpack that provides libpq-dev before this one.",
        )
    if _MYSQL_LIBRARY.search(text):
        return Failure(
            reasons.DEPENDENCIES_MYSQL_CLIENT_LIBRARY,
            "mysqlclient needs the MySQL client library to build.",
            "mysqlclient is built from source (it has no wheels for Linux), and\n"
            "neither pkg-config nor mysql_config finds a MySQL or MariaDB client\n"
            "library in this build.\n\n"
            "To fix it:\n"
            "1. Use PyMySQL (pure Python) instead: replace mysqlclient with\n"
            "   PyMySQL in the requirements, and in settings.py add\n"
            "       import pymysql\n"
            "       pymysql.install_as_MySQLdb()\n"
            "2. Or add the Heroku Apt buildpack before this one, with an Aptfile\n"
            "   listing libmysqlclient-dev and pkg-config.",
        )
    return None


def _normalized(name: str) -> str:
    """A distribution's name as indexes compare it (PEP 503): Backports.ZoneInfo is backports-zoneinfo."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(req: str) -> str:
    match = _NAME.match(req)
    return match.group() if match else req


def _other_platform(text: str) -> Optional[Failure]:
    """A package with wheels only for other platforms than Linux, and no source to build."""
    uv = _UV_NO_PLATFORM_WHEEL.search(text)
    if uv:
        hint = _UV_PLATFORMS_HINT.search(text)
        name = hint.group("name") if hint else _name(uv.group("req"))
        platforms = re.findall(r"`([^`]+)`", hint.group("platforms")) if hint else []
        if any(_LINUX_TAG.match(platform) for platform in platforms):
            return None  # Linux wheels for another CPU or a newer glibc: not this case
        required = _UV_REQUIRED.search(text)
        line = required.group("req") if required else name
        return _platform_failure(name, platforms, line)
    pip = _PIP_NO_VERSIONS.search(text)
    if pip:
        name = _name(pip.group("req"))
        windows_platforms = _WINDOWS_ONLY.get(_normalized(name))
        if windows_platforms is None:
            return None
        parent = pip.group("parent")
        # "(from -r requirements.txt (line 3))" is the file's own line; "(from pypiwin32)" a package.
        line = _collected(text, parent) if parent and not parent.startswith("-") else pip.group("req")
        return _platform_failure(name, windows_platforms, line)
    return None


def _collected(text: str, name: str) -> str:
    """The requirement pip collected for a package ("pypiwin32==223"), or its name."""
    for match in _PIP_COLLECTING.finditer(text):
        if _normalized(_name(match.group("req"))) == _normalized(name):
            return match.group("req")
    return name


def _platform_failure(name: str, platforms: Sequence[str], line: str) -> Failure:
    """The error for `name`, whose wheels are for `platforms` only; the requirements line asks for `line`."""
    systems = _systems(platforms)
    title_for = f" (it is for {' and '.join(systems)})" if systems else ""
    wheels = f"has wheels only for {', '.join(platforms)}" if platforms else "has no wheels for Linux"
    # The marker that keeps the line for the systems it is made for.
    if systems == ["Windows"]:
        marker = 'sys_platform == "win32"'
    elif systems == ["macOS"]:
        marker = 'sys_platform == "darwin"'
    else:
        marker = 'sys_platform != "linux"'
    needed_by = "" if _normalized(_name(line)) == _normalized(name) else f"\n{line} requires it."
    return Failure(
        reasons.DEPENDENCIES_OTHER_PLATFORM,
        f"{name} has no wheels for Linux{title_for}.",
        f"{name} {wheels}\n"
        f"and no source to build, and a dyno runs Linux.{needed_by}\n"
        "`pip freeze` on Windows lists such packages with the app's others.\n\n"
        "To fix it:\n"
        f"1. Remove {line} from the requirements, or keep it for\n"
        "   the systems it is made for with an environment marker:\n"
        f"       {line}; {marker}\n"
        "2. Commit and deploy again.",
    )


def _systems(platforms: Sequence[str]) -> List[str]:
    """The systems wheel platform tags are for (win_amd64: Windows), if they are all known ones."""
    systems: List[str] = []
    for platform in platforms:
        system = "Windows" if platform.startswith("win") else "macOS" if platform.startswith("macosx") else None
        if system is None:
            return []
        if system not in systems:
            systems.append(system)
    return systems


def classify(text: str) -> Optional[Failure]:
    """What kept a package from being built or installed here, or None if the output shows no such cause."""
    return _missing_build_library(text) or _other_platform(text)
