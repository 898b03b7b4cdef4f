"""The CPython each stand-in image gets from Debian's source, and the one runtime store per image.

Heroku's own images get Heroku's runtimes (the buildpack downloads them). A Debian stand-in
gets, in one store per Debian release, the interpreters built from Debian's source inside it
(tools/source_runtimes.py) and the machine's pyenv repacks (.runtimes) that its glibc and
OpenSSL can run. The buildpack's resolver then takes the newest patch of the minor the app
asks for, as it does with Heroku's store. A recipe is built the first time an app asks for its
minor on its stack (builder.ensure_source_runtime), then kept, keyed by its inputs.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from localheroku.stacks import STACKS

# The buildpack's default (lib/buildpack/python/versions.py DEFAULT_MINOR), as on Heroku: an
# app that names no version gets it; and the index format its runtime_store reads. A unit test
# keeps both equal to the buildpack's.
DEFAULT_MINOR = "3.14"
INDEX_FORMAT = 1
INDEX_FILE = "index.json"


@dataclasses.dataclass(frozen=True)
class SourceRuntime:
    suite: str                # the stand-in's Debian release it is built in, and for
    package: str              # Debian's source package: python3.X
    version: str              # its Debian version, pinned: part of the build's key
    index_suite: str | None   # the suite whose signed source index lists it; None: the pool keeps
                              # it but every index moved on, so the uploader's signature on its
                              # .dsc (checked against Debian's keyring) vouches for it

    @property
    def minor(self) -> str:
        return self.package[len("python"):]

    @property
    def upstream(self) -> str:
        return self.version.split("-")[0]


# The newest patch of each minor whose source this machine's Debian mirror serves: 3.13.15 and
# 3.14.7 are also the patches Heroku serves. Debian 11 (heroku-20's stand-in) runs none of the
# pyenv repacks (glibc 2.36), so it gets every minor; Debian 12 gets what pyenv lacks.
RECIPES = (
    SourceRuntime("bullseye", "python3.9", "3.9.2-1", "bullseye"),
    SourceRuntime("bullseye", "python3.11", "3.11.2-6+deb12u8", "bookworm"),
    SourceRuntime("bullseye", "python3.13", "3.13.15-1", "sid"),
    SourceRuntime("bullseye", "python3.14", "3.14.7-1", None),
    SourceRuntime("bookworm", "python3.13", "3.13.15-1", "sid"),
    SourceRuntime("bookworm", "python3.14", "3.14.7-1", None),
)
# What `make setup` builds ahead: the Pythons the tests and `make demo` build with in a stand-in.
# Every other recipe is built the first time an app asks for it (minutes, once per machine).
SETUP_BUILDS = (("bullseye", "3.9"), ("bullseye", "3.14"), ("bookworm", "3.14"))

# What each stand-in release can run: the newest glibc symbol version and the libssl major.
STAND_IN_SYSTEMS = {
    "bullseye": {"glibc": "2.31", "openssl": "1.1"},
    "bookworm": {"glibc": "2.36", "openssl": "3"},
}


def recipe_for(suite: str, minor: str) -> SourceRuntime | None:
    return next((recipe for recipe in RECIPES if recipe.suite == suite and recipe.minor == minor), None)


def stacks_of(suite: str) -> list[str]:
    return [name for name, stack in STACKS.items() if stack.debian_suite == suite]


def requested_version(app: Path) -> str:
    """The version the app's runtime.txt or .python-version names, "3.X" or "3.X.Y" (as the
    buildpack reads them, first found wins), else the default minor. An unreadable request is the
    buildpack's to explain."""
    for name, pattern in (("runtime.txt", r"\s*python-(3\.\d+(?:\.\d+)?)\b"),
                          (".python-version", r"\s*(3\.\d+(?:\.\d+)?)\b")):
        try:
            lines = (app / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        wanted = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        match = re.match(pattern, wanted[0]) if wanted else None
        return match.group(1) if match else DEFAULT_MINOR
    return DEFAULT_MINOR


def read_index(store: Path) -> list[dict[str, Any]]:
    try:
        runtimes = json.loads((store / INDEX_FILE).read_text())["runtimes"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [entry for entry in runtimes if isinstance(entry, dict)]


def offered_versions(store: Path, stack: str) -> set[str]:
    return {str(entry.get("version", "")) for entry in read_index(store) if stack in entry.get("stacks", [])}


def source_build_needed(store: Path, stack: str, suite: str, wanted: str) -> SourceRuntime | None:
    """The recipe to build before a build that asks for WANTED ("3.X" or "3.X.Y") on STACK: the
    minor's recipe, unless the store already has it, or has the exact patch the app pins."""
    minor = ".".join(wanted.split(".")[:2])
    recipe = recipe_for(suite, minor)
    offered = offered_versions(store, stack)
    if recipe is None or recipe.upstream in offered or wanted in offered:
        return None
    return recipe


def numbers(version: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version or ""))


def runs_on(entry: dict[str, Any], suite: str) -> bool:
    """An archive runs on a release whose glibc is as new as the one it was linked against and
    which has the libssl major it needs (facts an archive's index entry records)."""
    system, requires = STAND_IN_SYSTEMS[suite], entry.get("requires") or {}
    glibc_ok = numbers(requires.get("glibc")) <= numbers(system["glibc"])
    return glibc_ok and requires.get("openssl") in (None, system["openssl"])


def same_file(a: Path, b: Path) -> bool:
    """A hard link, or a copy that kept size and mtime (shutil.copy2)."""
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    return (first.st_size, first.st_mtime_ns) == (second.st_size, second.st_mtime_ns)


def merge_store(out: Path, sources: list[Path], suite: str) -> dict[str, Any]:
    """OUT's index lists every archive of SOURCES (earlier ones win a version they share) that
    SUITE can run, offered for that suite's stacks; the archives are hard-linked (copied across
    filesystems). The index goes first and comes back last: its presence means the store is whole."""
    out.mkdir(parents=True, exist_ok=True)
    (out / INDEX_FILE).unlink(missing_ok=True)
    chosen: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for source in sources:
        for entry in read_index(source):
            key = (str(entry.get("version")), str(entry.get("arch")))
            if key not in chosen and runs_on(entry, suite) and (source / str(entry.get("file"))).is_file():
                chosen[key] = (source, entry)
    wanted = {str(entry["file"]) for _, entry in chosen.values()}
    for stale in out.glob("python-*"):
        if stale.name not in wanted:
            stale.unlink()
    runtimes = []
    for source, entry in sorted(chosen.values(), key=lambda pair: numbers(str(pair[1].get("version")))):
        target = out / str(entry["file"])
        if not same_file(target, source / target.name):
            target.unlink(missing_ok=True)
            try:
                os.link(source / target.name, target)
            except OSError:
                shutil.copy2(source / target.name, target)
        runtimes.append({**entry, "stacks": stacks_of(suite)})
    index = {"format": INDEX_FORMAT, "runtimes": runtimes}
    partial = out / f".{INDEX_FILE}.tmp"
    partial.write_text(json.dumps(index, indent=2) + "\n")
    os.replace(partial, out / INDEX_FILE)
    return index
