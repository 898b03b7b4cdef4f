"""What went wrong when a package installer failed, in the user's terms.

Pure functions over the installer's output (pip, uv, Poetry, Pipenv: the last
two wrap pip and their own resolvers), tried in order of certainty: a full disk
and an unreachable index explain every other symptom they cause (pip says "No
matching distribution" when it cannot reach the index at all), so they come
first; only a requirements file the installer cannot read (it stops before any
index) and a git host out of reach (whose "Connection refused" is not the
index's) go before the network. Each case gives a title, the explanation with
the fix, and a reason slug. What keeps a package from being built or installed
here (a C library the build lacks, wheels only for Windows, a build from source
that failed) is decided in build_failures.py.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping, Optional
from urllib.parse import urlsplit

from buildpack import fetch, reasons
from buildpack.dependencies import build_failures
from buildpack.errors import DependenciesError, Failure

PYPI = "https://pypi.org/simple"

_DISK_FULL = re.compile(r"No space left on device|\[Errno 28\]|os error 28")
_NETWORK = re.compile(
    r"Failed to establish a new connection|Temporary failure in name resolution|Name or service not known"
    r"|Network is unreachable|Connection refused|error sending request for url|dns error"
    r"|All attempts to connect to|Could not fetch URL .*: connection error|Read timed out"
)
# pip: "ERROR: No matching distribution found for Django==6.1.3"
# uv: "HTTP status client error (401 Unauthorized) for url (http://...)"; pip: "401 Error,
# Credentials not correct for http://..."; Poetry: "401 Client Error: Unauthorized for url: ..."
_UNAUTHORIZED = re.compile(r"\b(?:401|403)\b[^\n]{0,40}?(?:Unauthorized|Forbidden|Credentials not correct|Client Error)"
                           r"|(?:Unauthorized|Forbidden) for url")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s)`'\"<>]+")
_PIP_NO_MATCH = re.compile(r"No matching distribution found for (?P<req>\S+)")
_PIP_FROM_VERSIONS = re.compile(
    r"Could not find a version that satisfies the requirement (?P<req>\S+) \(from versions: (?P<versions>[^)]*)\)"
)
_PIP_IGNORED = re.compile(r"Ignored the following versions that require a different python version: (?P<list>.*)")
# uv: "Because the current Python version (3.9.18) does not satisfy Python>=3.12 and django==6.1.3 depends on Python>=3.12"
_UV_PYTHON = re.compile(
    r"current Python version \((?P<python>[^)]+)\) does not satisfy Python(?P<spec>\S+?) and (?P<name>[A-Za-z0-9._-]+)"
    r"(?:==(?P<version>[^\s,]+))?(?:\{[^}]*\})? depends on Python"
)
_UV_NOT_FOUND = re.compile(r"Because (?P<name>[A-Za-z0-9._\[\]-]+) was not found in the package registry")
_UV_NO_VERSION = re.compile(r"Because there is no version of (?P<req>\S+?) and")
# uv, for a range with no release in it: "Because only django<=6.1.3 is available and you require
# django>=99, we can conclude that your requirements are unsatisfiable." ("only solo==1.0 is
# available" for a single release); with releases on both sides of the range it lists them:
# "only the following versions of django are available:\n  django<=5.2\n  django>=5.2.1\n  and you ..."
# "you require" with one requirement is what makes it a missing version rather than a conflict.
_UV_ONLY = re.compile(
    r"[Bb]ecause only (?:(?P<one>\S+) is|the following versions of \S+ are) available:?(?P<list>(?:\n[ \t]+\S+)*)"
    r"\s+and you require (?P<req>\S+?), we can conclude that your requirements are unsatisfiable"
)
# A missing -r/-c file. pip: "Could not open requirements file: [Errno 2] No such file or
# directory: 'other.txt'"; uv: "Error parsing included file in `requirements.txt` at position 7"
# then "cause: failed to read from file `/tmp/build_x/other.txt`: No such file or directory".
_PIP_NO_INCLUDE = re.compile(r"Could not open requirements file: \[Errno 2\] No such file or directory: '(?P<path>[^']+)'")
_UV_NO_INCLUDE = re.compile(r"Error parsing included file in `(?P<parent>[^`]+)`[^\n]*\n\s*cause: failed to read from file"
                            r" `(?P<path>[^`]+)`: No such file or directory")
# A local path that is not there. pip: "Hint: It looks like a path. File './vendor/missing' does
# not exist." (a directory), "Requirement './x.tar.gz' looks like a filename, but the file does not
# exist" (an archive), "./missing is not a valid editable requirement" (-e: sources.py already refused
# a directory with no project file in it); uv, for all three: "Distribution not found at: file:///..."
_LOCAL_MISSING = re.compile(
    r"It looks like a path\. File '(?P<pip_dir>[^']+)' does not exist"
    r"|Requirement '(?P<pip_file>[^']+)' looks like a filename, but the file does not exist"
    r"|ERROR: (?P<pip_editable>\S+) is not a valid editable requirement\. It should either be a path to a local project"
    r"|Distribution not found at: file://(?P<uv>\S+)"
)
# Where pip or uv says a line is: pip "(from line 2 of requirements.txt)", uv "requirements.txt:2:1".
_PIP_LINE = re.compile(r"\(from line (?P<line>\d+) of (?P<file>[^)]+)\)")
_UV_LINE = re.compile(r": (?P<file>[^\s:]+):(?P<line>\d+):\d+$", re.MULTILINE)
# An option line neither installer knows. pip: "ERROR: Invalid requirement: --frobnicate yes" then
# "__main__.py: error: no such option: --frobnicate"; uv (which skips the pip options it does not
# use): "Unexpected '-', expected '-c', '-e', '-r' or the start of a requirement: requirements.txt:2:1"
_PIP_NO_SUCH_OPTION = re.compile(r"error: no such option: (?P<option>\S+)")
_PIP_OPTION_LINE = re.compile(r"Invalid requirement: (?P<line>-[^\n]*)")
_UV_UNEXPECTED = re.compile(r"Unexpected '-', expected [^\n]*the start of a requirement: ")
# A line that is no requirement at all. pip: "Invalid requirement: 'django-environ=0.11' (from line 2
# of requirements.txt)" then "Hint: = is not a valid operator. Did you mean == ?"; uv: "Couldn't parse
# requirement in `requirements.txt` at position 7" then "cause: no such comparison operator ..." and the line.
_PIP_INVALID = re.compile(r"Invalid requirement: '(?P<req>[^']+)' \(from line (?P<line>\d+) of (?P<file>[^)]+)\)"
                          r"(?:\nHint: (?P<why>[^\n]+))?")
_UV_INVALID = re.compile(r"Could(?:n't| not) parse requirement in `(?P<file>[^`]+)`[^\n]*\n"
                         r"\s*cause: (?P<why>[^\n]+)\n\s*(?P<req>[^\n]+)")
# git's own words, through pip or uv, when a git+ requirement's host is out of reach (before
# _NETWORK, which would blame the package index): "fatal: unable to access 'https://host/x.git/':
# Could not resolve host: host" or "Failed to connect to host port 443 ...: Couldn't connect to
# server" (curl's summary after the colon adds nothing); over ssh "ssh: connect to host host port
# 22: Connection refused". A 401/403 from the host is not this: it reached it.
_GIT_UNREACHABLE = re.compile(
    r"fatal: unable to access '(?P<url>[^']+)': (?P<why>(?:Could not resolve host|Failed to connect|Connection timed out"
    r"|Operation timed out|Network is unreachable|Resolving timed out)[^\n]*?)(?:: Could(?:n't| not) connect to server)?$"
    r"|ssh: (?:connect to host (?P<host>\S+) port \d+|Could not resolve hostname (?P<name>[^:\s]+)): (?P<ssh_why>[^\n]+)",
    re.MULTILINE,
)
_UV_HASH = re.compile(r"Hash mismatch for `(?P<req>[^`]+)`")
_PIP_HASH = re.compile(r"THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE")
_PIP_HASH_PACKAGE = re.compile(r"^\s+(?P<req>\S+) from \S+://", re.MULTILINE)
_NAME_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(?:===?(?P<version>[^\s;,]+))?")


def index_names(settings: Mapping[str, str]) -> str:
    """The indexes the installer used, credentials hidden: what "unreachable" is about."""
    urls = [settings.get("PIP_INDEX_URL") or PYPI]
    urls += (settings.get("PIP_EXTRA_INDEX_URL") or "").split()
    shown = ["PyPI (https://pypi.org/simple)" if url.rstrip("/") == PYPI else fetch.display_url(url) for url in urls]
    return " and ".join(shown)


def _refused_credentials(text: str, indexes: str) -> Optional[Failure]:
    match = _UNAUTHORIZED.search(text)
    if not match:
        return None
    # The URL the index refused, from the line that says so (credentials hidden).
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    url = _URL.search(text, line_start, line_end if line_end != -1 else len(text))
    where = fetch.display_url(url.group().rstrip(".,:;")) if url else indexes
    return Failure(
        reasons.DEPENDENCIES_INDEX_AUTH,
        "The package index refused the credentials.",
        f"{where} answered 401/403: the user name or password that\n"
        "the config vars give this index is wrong, or has no access to it.\n\n"
        "To fix it:\n"
        "1. Check the config var with the credentials: the index URL's\n"
        "   user:password (PIP_INDEX_URL, UV_INDEX_URL ...), or the\n"
        "   UV_INDEX_<NAME>_PASSWORD / POETRY_HTTP_BASIC_<SOURCE>_PASSWORD pair.\n"
        "2. Correct it (heroku config:set NAME=...) and deploy again.",
    )


def _requires_python(text: str, python_version: str) -> Optional[Failure]:
    uv = _UV_PYTHON.search(text)
    if uv:
        name, version, spec = uv.group("name"), uv.group("version"), uv.group("spec")
        what = f"{name} {version}" if version else name
        return _python_mismatch(what, spec, python_version)
    no_match = _PIP_NO_MATCH.search(text)
    ignored = _PIP_IGNORED.search(text)
    if no_match and ignored:
        wanted = _NAME_VERSION.match(no_match.group("req"))
        if wanted and wanted.group("version"):
            for item in ignored.group("list").split(";"):
                version, _, spec = item.strip().partition(" Requires-Python ")
                if version.strip() == wanted.group("version") and spec:
                    return _python_mismatch(f"{wanted.group('name')} {wanted.group('version')}", spec.strip(),
                                            python_version)
    return None


def _python_mismatch(what: str, spec: str, python_version: str) -> Failure:
    return Failure(
        reasons.DEPENDENCIES_REQUIRES_PYTHON,
        f"{what} requires Python {spec}; this app uses Python {python_version}.",
        f"{what} declares that it needs Python {spec} (its Requires-Python),\n"
        f"so no installer will put it on Python {python_version}.\n\n"
        "To fix it:\n"
        f"1. Use a Python version that {what} supports: set it in\n"
        "   .python-version (e.g. 3.13), commit, and deploy again, or\n"
        f"2. Pin an older release of it that supports Python {python_version}.",
    )


def _not_found(text: str, indexes: str) -> Optional[Failure]:
    uv = _UV_NOT_FOUND.search(text)
    pip = _PIP_FROM_VERSIONS.search(text)
    if uv or (pip and pip.group("versions").strip() == "none"):
        name = uv.group("name") if uv else _NAME_VERSION.match(pip.group("req")).group("name")  # type: ignore[union-attr]
        return Failure(
            reasons.DEPENDENCIES_PACKAGE_NOT_FOUND,
            f"The package {name} isn't on the package index.",
            f"{indexes} has no package called {name!r}.\n\n"
            "To fix it:\n"
            "1. Check the name for typos (PyPI lists its packages at pypi.org).\n"
            "2. If it comes from a private index, set PIP_EXTRA_INDEX_URL (or\n"
            "   PIP_INDEX_URL) as a config var, credentials included.",
        )
    uv_version = _UV_NO_VERSION.search(text)
    uv_only = _UV_ONLY.search(text)
    if uv_version or uv_only or pip:
        available = None
        if uv_only:
            req = uv_only.group("req")
            available = uv_only.group("one") or " or ".join(uv_only.group("list").split())
        elif uv_version:
            req = uv_version.group("req")
        else:
            req = pip.group("req")  # type: ignore[union-attr]
            available = _newest(pip.group("versions"))  # type: ignore[union-attr]
            if available and _PIP_IGNORED.search(text):
                # pip lists only the releases for this Python; it names the others above.
                available += " (and newer ones for another Python, listed above)"
        releases = f"Releases it has: {available}.\n" if available else ""
        return Failure(
            reasons.DEPENDENCIES_VERSION_NOT_FOUND,
            f"No release of the package matches {req}.",
            f"{indexes} has the package, but no release that matches {req!r}.\n"
            f"{releases}\n"
            "To fix it:\n"
            "1. Check the version for typos, and that it was released (and not\n"
            "   yanked) on the index.\n"
            "2. Loosen or change the pin, regenerate the lock, commit, deploy again.",
        )
    return None


def _newest(versions: str, count: int = 5) -> str:
    """The end of pip's "(from versions: ...)" list, oldest first: the releases a pin is near."""
    listed = [version.strip() for version in versions.split(",") if version.strip()]
    shown = ", ".join(listed[-count:])
    return f"... {shown}" if len(listed) > count else shown


def _where(text: str) -> Optional[str]:
    """The file and line the installer names ("requirements.txt line 2"), if it does."""
    match = _PIP_LINE.search(text) or _UV_LINE.search(text)
    return f"{match.group('file')} line {match.group('line')}" if match else None


def _requirements_file(text: str) -> Optional[Failure]:
    """A requirements file the installer could not read: a missing -r file or local path, a bad line."""
    include = _PIP_NO_INCLUDE.search(text) or _UV_NO_INCLUDE.search(text)
    if include:
        path = include.group("path")
        parent = include.groupdict().get("parent") or "A requirements file"
        return Failure(
            reasons.DEPENDENCIES_MISSING_INCLUDE,
            f"The requirements file {path} does not exist.",
            f"{parent} includes it (a -r or -c line), and the app has\n"
            "no file there. Paths in -r and -c lines are relative to the file\n"
            "that has the line.\n\n"
            "To fix it:\n"
            "1. Commit the file (check that .gitignore does not leave it out), or\n"
            "2. Correct the path in the -r/-c line, or remove the line.",
        )
    local = _LOCAL_MISSING.search(text)
    if local:
        path = next(group for group in local.groups() if group)
        where = _where(text)
        return Failure(
            reasons.DEPENDENCIES_LOCAL_MISSING,
            f"The local package {path} is not in the app.",
            f"{where or 'A requirements line'} installs {path}, a path in the\n"
            "app, and there is no package there (a directory with pyproject.toml\n"
            "or setup.py, or an archive).\n\n"
            "To fix it:\n"
            "1. Commit it (check that .gitignore does not leave it out), or\n"
            "   correct the path, or\n"
            "2. Install the package from an index or a git+https URL instead.",
        )
    option = _PIP_NO_SUCH_OPTION.search(text)
    if option or _UV_UNEXPECTED.search(text):
        line = _PIP_OPTION_LINE.search(text)
        named = f": {option.group('option')}" if option else ""
        shown = f" ({line.group('line').strip()})" if line else ""
        where = _where(text) or "A requirements line"
        return Failure(
            reasons.DEPENDENCIES_REQUIREMENTS_INVALID,
            f"{where} has an option the installer does not know{named}.",
            f"The line{shown} starts with '-' but is no option pip or uv\n"
            "reads in a requirements file. A --hash belongs on its requirement's\n"
            "line (continued with a backslash), not on a line of its own.\n\n"
            "To fix it:\n"
            "1. Correct or remove the line (`pip help install` lists the options).\n"
            "2. Check it installs: `pip install -r requirements.txt` in a clean\n"
            "   virtualenv, commit and deploy again.",
        )
    invalid = _PIP_INVALID.search(text) or _UV_INVALID.search(text)
    if invalid:
        req = invalid.group("req").strip()
        where = f"{invalid.group('file')} line {invalid.group('line')}" if "line" in invalid.groupdict() \
            else f"A line of {invalid.group('file')}"
        why = f"The installer says: {invalid.group('why')}\n\n" if invalid.group("why") else ""
        return Failure(
            reasons.DEPENDENCIES_REQUIREMENTS_INVALID,
            f"{where} is not a valid requirement: {req}.",
            f"{why}"
            "A requirement is a name with an optional version (Django==5.2.8,\n"
            "Django>=5.2,<6), a URL or a local path.\n\n"
            "To fix it:\n"
            "1. Correct the line, commit and deploy again.",
        )
    return None


def _git_unreachable(text: str) -> Optional[Failure]:
    match = _GIT_UNREACHABLE.search(text)
    if not match:
        return None
    if match.group("url"):
        # The URL as git printed it may carry a token (git+https://user:token@host/...).
        url = match.group("url")
        host = urlsplit(url).hostname or url
        where, why = fetch.display_url(url), match.group("why")
    else:
        host = where = match.group("host") or match.group("name")
        why = match.group("ssh_why")
    return Failure(
        reasons.DEPENDENCIES_GIT_UNREACHABLE,
        f"The Git host {host} could not be reached.",
        f"A git+ requirement is fetched from {where},\n"
        f"and git could not connect: {why.rstrip('.')}.\n\n"
        "To fix it:\n"
        "1. Build again: this is often a passing network problem.\n"
        "2. Check the host in the requirement's URL: the build must reach it\n"
        "   over the internet (not through a VPN or a private network), and\n"
        "   git+ssh also needs an SSH key, which the build does not have: use\n"
        "   git+https with a token from a config var.",
    )


def _hash_mismatch(text: str) -> Optional[Failure]:
    """A downloaded file whose sha256 is not the --hash the requirements give it."""
    uv = _UV_HASH.search(text)
    pip = _PIP_HASH.search(text)
    if not (uv or pip):
        return None
    package = _PIP_HASH_PACKAGE.search(text, pip.end()) if pip else None
    req = uv.group("req") if uv else package.group("req") if package else "a package"
    return Failure(
        reasons.DEPENDENCIES_HASH_MISMATCH,
        f"The file downloaded for {req} does not match its hash.",
        f"The requirements give {req} a --hash, and the file the index\n"
        "served has another sha256 (the installer's output above shows both).\n\n"
        "To fix it:\n"
        "1. If you changed the version, regenerate the hashes with the version\n"
        "   (pip-compile --generate-hashes, or uv pip compile --generate-hashes),\n"
        "   commit the requirements and deploy again.\n"
        "2. If not, the index served another file than the one you locked:\n"
        "   find out why before you deploy it.",
    )


def classify(text: str, python_version: str, settings: Mapping[str, str]) -> Optional[Failure]:
    """The first explanation that fits the output, or None for an unknown failure."""
    if _DISK_FULL.search(text):
        return Failure(
            reasons.DEPENDENCIES_DISK_FULL,
            "The disk is full.",
            "Installing the packages ran out of disk space (No space left on\n"
            "device). The build's disk holds the app, the build cache and the\n"
            "installed packages.\n\n"
            "To fix it:\n"
            "1. Remove large packages the app doesn't need at run time.\n"
            "2. Clear the build cache (heroku builds:cache:purge) and deploy again.",
        )
    # The installer stops at a file it cannot read before it reaches any index.
    unreadable = _requirements_file(text)
    if unreadable:
        return unreadable
    git = _git_unreachable(text)
    if git:
        return git
    if _NETWORK.search(text):
        indexes = index_names(settings)
        return Failure(
            reasons.DEPENDENCIES_INDEX_UNREACHABLE,
            "The package index could not be reached.",
            f"The installer could not connect to {indexes}.\n\n"
            "To fix it:\n"
            "1. Build again: this is often a passing network problem.\n"
            "2. If a config var names a private index, check its address.",
        )
    refused = _refused_credentials(text, index_names(settings))
    if refused:
        return refused
    mismatch = _requires_python(text, python_version)
    if mismatch:
        return mismatch
    tampered = _hash_mismatch(text)
    if tampered:
        return tampered
    unbuilt = build_failures.classify(text, python_version)
    if unbuilt:
        return unbuilt
    missing = _not_found(text, index_names(settings))
    if missing:
        return missing
    if "ResolutionImpossible" in text or "conflicting dependencies" in text or "No solution found" in text:
        return Failure(
            reasons.DEPENDENCIES_CONFLICT,
            "The requirements conflict with each other.",
            "The installer found no set of versions that satisfies every\n"
            "requirement (its explanation is above).\n\n"
            "To fix it:\n1. Loosen or align the pins it names above.\n"
            "2. Regenerate the lock, commit it and deploy again.",
        )
    return None


def install_error(what: str, text: str, python_version: str, settings: Mapping[str, str],
                  fallback_fix: str) -> DependenciesError:
    """The error for a failed install: a known cause when the output shows one."""
    failure = classify(text, python_version, settings)
    if failure is not None:
        return DependenciesError.of(replace(failure, body=f"While {what}.\n\n{failure.body}"))
    return DependenciesError(
        f"Could not install the app's dependencies ({what}).",
        "The installer failed; the end of its output is above.\n\n" + fallback_fix,
        reason=reasons.DEPENDENCIES_INSTALL_FAILED,
    )


def tool_install_error(title: str, version: str, text: str, python_version: str,
                       settings: Mapping[str, str]) -> DependenciesError:
    failure = classify(text, python_version, settings)
    if failure is not None and failure.reason in (reasons.DEPENDENCIES_DISK_FULL, reasons.DEPENDENCIES_INDEX_UNREACHABLE,
                                                  reasons.DEPENDENCIES_INDEX_AUTH):
        return DependenciesError.of(replace(failure, body=f"While installing {title} {version}.\n\n{failure.body}"))
    tail = "\n".join(text.splitlines()[-10:])
    return DependenciesError(
        f"Could not install {title} {version}.",
        f"The installer's output ends with:\n{tail}\n\n"
        "This is usually a passing problem reaching PyPI: build again.",
        reason=reasons.DEPENDENCIES_TOOL_INSTALL,
    )


def shorten(line: str, limit: int = 300) -> str:
    """pip's "Ignored versions" lines run to thousands of characters: keep the start."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]}... ({len(line) - limit} more characters)"
