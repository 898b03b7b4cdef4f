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
guessed for another name (a misspelt one says the same); last, any other
package from an index that had no wheel for this Python and failed to build
from source, with the fixes that avoid building it, and for a backport of a
standard-library module the app's Python already has, that it is not needed.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

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

# A build from source that ran and failed. uv: "error: Failed to build `backports-zoneinfo==0.2.1`"
# (the name normalised) then "cause: Call to `setuptools.build_meta.build_wheel` failed (exit
# status: 1)"; a build that never ran (a bad pyproject.toml, a build requirement not found) has no
# such call. pip 26: "ERROR: Failed building wheel for backports.zoneinfo" (then "Failed to build
# installable wheels for some pyproject.toml based projects"), or, when even the metadata would
# not build, "Encountered error while generating package metadata." and "╰─> pywinpty".
_UV_BUILD_FAILED = re.compile(r"Failed to (?:download and )?build `(?P<name>[^`\s=@]+)==(?P<version>[^`\s]+)`")
_UV_BACKEND_CALL = re.compile(r"cause: Call to `[^`]+` failed")
_PIP_BUILD_FAILED = re.compile(r"Failed building wheel for (?P<wheel>\S+)"
                               r"|Encountered error while generating package metadata\.\n╰─> (?P<metadata>\S+)")
# pip names the version only in the file it fetched: "Downloading backports.zoneinfo-0.2.1.tar.gz"
# ("Using cached ..." from its cache), the name as the sdist spells it.
_PIP_SDIST = re.compile(r"(?:Downloading|Using cached) (?:\S*/)?(?P<name>[^\s/]+)-(?P<version>[^-\s/]+)"
                        r"\.(?:tar\.gz|zip|tar\.bz2)\b")
# Backports of a standard-library module: normalised name -> (the name as published, the module,
# the first Python that has it). backports.zoneinfo 0.2.1, its last release, has wheels up to
# Python 3.8 and its C code no longer compiles on 3.12 and 3.13 (tried). Other common backports
# build or are pure Python (backports-datetime-fromisoformat, backports.lzma on 3.12 and 3.13);
# typed-ast fails on 3.13 but also parses Python 2, which the standard library does not.
_BACKPORTS: Dict[str, Tuple[str, str, Tuple[int, int]]] = {
    "backports-zoneinfo": ("backports.zoneinfo", "zoneinfo", (3, 9)),
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


def _build_failed(text: str, python_version: str) -> Optional[Failure]:
    """A package from an index with no wheel for this Python, whose build from source failed."""
    uv = _UV_BUILD_FAILED.search(text)
    if uv and _UV_BACKEND_CALL.search(text, uv.end()):
        name, version = uv.group("name"), uv.group("version")
    else:
        pip = _PIP_BUILD_FAILED.search(text)
        if not pip:
            return None
        name = pip.group("wheel") or pip.group("metadata")
        version = _pip_version(text, name)
    minor = ".".join(python_version.split(".")[:2])
    backport = _BACKPORTS.get(_normalized(name))
    if backport and _at_least(python_version, backport[2]):
        return _backport_not_needed(backport, version, minor)
    what = f"{name} {version}" if version else name
    missing = _missing_build_input(text)
    needs = (f"Its build looked for {missing}, which this build does not have:\n"
             "the development files of a system library.\n" if missing else "")
    apt = ("\n3. Or add the Heroku Apt buildpack before this one, with an Aptfile\n"
           f"   listing the -dev package that provides {missing}." if missing else "")
    return Failure(
        reasons.DEPENDENCIES_BUILD_FAILED,
        f"{what} could not be built from source.",
        f"{what} has no wheel for Python {minor} on Linux,\n"
        "so the installer built it from its source, and that failed\n"
        "(its output is above).\n" + needs + "\n"
        "To fix it:\n"
        f"1. Pin a newer release of {name} that has\n"
        f"   wheels for Python {minor} (pypi.org lists each release's files), or\n"
        f"2. Use a Python version that {what} supports, if it has wheels\n"
        "   for one (some releases have none: only their source):\n"
        "   set it in .python-version, commit, and deploy again." + apt,
    )


# What a source build looked for and did not find: pycurl's "No such file or directory: 'curl-config'",
# a C compiler's "fatal error: lber.h: No such file or directory" (python-ldap).
_MISSING_CONFIG_TOOL = re.compile(r"No such file or directory: '(?P<tool>[\w.+-]+-config)'"
                                  r"|(?P<shell_tool>[\w.+-]+-config): (?:command )?not found")
_MISSING_HEADER = re.compile(r"fatal error: (?P<header>[\w/.+-]+\.h): No such file or directory")


def _missing_build_input(text: str) -> Optional[str]:
    """The config tool or C header a failed source build could not find, if its output names one."""
    tool = _MISSING_CONFIG_TOOL.search(text)
    if tool:
        return tool.group("tool") or tool.group("shell_tool")
    header = _MISSING_HEADER.search(text)
    return f"the C header {header.group('header')}" if header else None


def _pip_version(text: str, name: str) -> Optional[str]:
    """The version of the sdist pip fetched for `name`, if its output shows it."""
    for match in _PIP_SDIST.finditer(text):
        if _normalized(match.group("name")) == _normalized(name):
            return match.group("version")
    return None


def _at_least(python_version: str, minimum: Tuple[int, int]) -> bool:
    """Whether "3.12.1" is `minimum` (3, 9) or later; an unreadable version is not."""
    try:
        return tuple(int(part) for part in python_version.split(".")[:2]) >= minimum
    except ValueError:
        return False


def _backport_not_needed(backport: Tuple[str, str, Tuple[int, int]], version: Optional[str], minor: str) -> Failure:
    """A backport that failed to build, of a module the app's Python has: the fix is not to install it."""
    name, module, since = backport[0], backport[1], ".".join(map(str, backport[2]))
    what = f"{name} {version}" if version else name
    line = f"{name}=={version}" if version else name
    return Failure(
        reasons.DEPENDENCIES_BACKPORT_NOT_NEEDED,
        f"{what} could not be built from source.",
        f"{what} has no wheel for Python {minor} on Linux,\n"
        "so the installer built it from its source, and that failed\n"
        "(its output is above). It is a backport of the standard library's\n"
        f"{module} module, which Python {since} and later have: on Python {minor}\n"
        "the app does not need it.\n\n"
        "To fix it:\n"
        f"1. Remove {line} from the requirements or, if the\n"
        "   app also runs on older Pythons, keep it for them only:\n"
        f'       {line}; python_version < "{since}"\n'
        f"2. Where the app's code imports {name}, import {module}.\n"
        "3. Commit and deploy again.",
    )


def classify(text: str, python_version: str) -> Optional[Failure]:
    """What kept a package from being built or installed here, or None if the output shows no such cause."""
    return _missing_build_library(text) or _other_platform(text) or _build_failed(text, python_version)
