"""What went wrong when a package installer failed, in the user's terms.

Pure functions over the installer's output (pip, uv, Poetry, Pipenv: the last
two wrap pip and their own resolvers), tried in order of certainty: a full disk
and an unreachable index explain every other symptom they cause (pip says "No
matching distribution" when it cannot reach the index at all), so they come
first. Each case gives a title, the explanation with the fix, and a reason slug.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping, Optional

from buildpack import fetch, reasons
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
    if uv_version or pip:
        req = uv_version.group("req") if uv_version else pip.group("req")  # type: ignore[union-attr]
        return Failure(
            reasons.DEPENDENCIES_VERSION_NOT_FOUND,
            f"No release of the package matches {req}.",
            f"{indexes} has the package, but no release that matches {req!r}.\n\n"
            "To fix it:\n"
            "1. Check the version for typos, and that it was released (and not\n"
            "   yanked) on the index.\n"
            "2. Loosen or change the pin, regenerate the lock, commit, deploy again.",
        )
    return None


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
    if "pg_config executable not found" in text:
        return Failure(
            reasons.DEPENDENCIES_PG_CONFIG,
            "psycopg2 needs PostgreSQL's pg_config to build.",
            "psycopg2 (built from source) needs PostgreSQL's pg_config.\n\n"
            "To fix it:\n1. Use psycopg2-binary or psycopg[binary] instead, or\n"
            "2. Add a buildpack that provides libpq-dev before this one.",
        )
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
