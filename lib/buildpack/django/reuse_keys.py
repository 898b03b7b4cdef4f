"""The keys of the Django results' reuse (django/reuse.py): digests of what Django and
collectstatic read, pure functions but for reading files.

Digests are of file contents, never of times (Heroku's checkout is new at every
build). keyed() is an HMAC: equal inputs give equal digests, a digest tells nothing
of its input; the config vars and the static settings (which can hold credentials)
enter only that way.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from buildpack import output
from buildpack.cache import Metadata
from buildpack.django.process import SCRIPT

FORMAT = 1  # of the record, and of the keys: a change makes every saved key differ
BUILD_PLACEHOLDER = "<build>"
# Not inputs of Django's: the installed environment (its own component), bytecode.
SKIPPED_DIRS = {"__pycache__", ".git"}
TOP_SKIPPED = {".heroku"}
DJANGO_COLLECTSTATIC = "django.contrib.staticfiles"

Digests = Dict[str, str]  # relative path -> what it holds


# --- the inputs, as digests (pure but for reading files) ---------------------------------------

def tree_digests(root: Path, top_skipped: frozenset = frozenset(TOP_SKIPPED)) -> Digests:
    """Every file and link under root: path -> SHA-256 of the content (a link: its target)."""
    found: Digests = {}
    for directory, dirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative + "/"
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS
                         and not (not prefix and name in top_skipped)
                         and not _link_to_dir(os.path.join(directory, name), found, prefix + name))
        for name in files:
            path = os.path.join(directory, name)
            found[prefix + name] = _file_digest(path)
    return found


def _link_to_dir(path: str, found: Digests, relative: str) -> bool:
    """A symlinked directory is recorded as its target, not walked (os.walk would not either)."""
    if os.path.islink(path):
        found[relative] = "l:" + os.readlink(path)
        return True
    return False


def _file_digest(path: str) -> str:
    if os.path.islink(path):
        return "l:" + os.readlink(path)
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:  # unreadable: a digest that matches nothing saved
        return f"unreadable:{type(exc).__name__}:{uuid.uuid4().hex}"
    return "f:" + digest.hexdigest()


def digest_of(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()


def keyed(key: bytes, value: object) -> str:
    """An HMAC: equal inputs give equal digests, and a digest tells nothing of its input."""
    text = json.dumps(value, sort_keys=True).encode("utf-8", "surrogateescape")
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def under(digests: Digests, prefix: str) -> Digests:
    """The files under one directory of the tree (prefix relative to its root, "" for all)."""
    prefix = prefix.strip("/")
    if prefix in ("", "."):
        return dict(digests)
    return {path: value for path, value in digests.items() if path == prefix or path.startswith(prefix + "/")}


def templates(digests: Digests) -> Digests:
    return {path: value for path, value in digests.items() if "templates" in path.split("/")[:-1]}


def packages_digest(metadata: Metadata) -> str:
    """The installed set: what the environment was built from and what it holds."""
    return digest_of(metadata.to_json())


def buildpack_digest() -> str:
    return digest_of([FORMAT, hashlib.sha256(SCRIPT.read_bytes()).hexdigest()])


def whole_components(tree: Digests, packages: str, config: str, buildpack: str) -> Dict[str, str]:
    """What everything Django says at build time depends on (names as the log says them)."""
    return {"the app's files": digest_of(tree), "the installed packages": packages,
            "the config vars": config, "the buildpack": buildpack}


def static_components(static_settings: object, static_inputs: object, build_dir: Path, tree: Digests,
                      static_root: Optional[str], packages: str, config: str, buildpack: str,
                      walk: Callable[[Path], Digests] = tree_digests) -> Tuple[Optional[Dict[str, str]], str]:
    """What collectstatic's output depends on; (None, why) when the buildpack cannot tell.

    static_settings: this build's settings digest (from the inspection); static_inputs:
    what a collectstatic run said it reads (the directories its finders read or would
    read: every app's static/ whether it exists or not, STATICFILES_DIRS)."""
    if not isinstance(static_settings, dict) or static_settings.get("error"):
        return None, "Django did not say which settings shape it"
    if not isinstance(static_inputs, dict) or static_inputs.get("error"):
        return None, "collectstatic did not say what it reads"
    if static_inputs.get("command_app") != DJANGO_COLLECTSTATIC:
        return None, f"the collectstatic command is {static_inputs.get('command_app')}'s, not Django's"
    if any(path.endswith("management/commands/collectstatic.py") for path in tree):
        return None, "the app has a collectstatic command of its own"
    if not static_settings.get("standard_finders"):
        return None, "STATICFILES_FINDERS has a finder of its own"
    if not static_inputs.get("local_storage"):
        return None, "the static files storage is not on the local disk"
    if static_inputs.get("storage_in_app"):
        return None, "the static files storage is the app's own code"
    sources: Dict[str, Digests] = {}
    for location in static_inputs.get("locations") or []:
        location = str(location)
        if location == BUILD_PLACEHOLDER or location.startswith(BUILD_PLACEHOLDER + "/"):
            relative = location[len(BUILD_PLACEHOLDER):].strip("/")
            if relative.split("/")[0] in TOP_SKIPPED:  # an installed app's: not in the tree's digests
                sources[location] = walk(build_dir / relative)  # (nothing, when it does not exist)
            else:
                sources[location] = under(tree, relative)
        else:
            sources[location] = walk(Path(location))
    before: Digests = {}
    if static_root:
        root_relative = relative_to(Path(static_root), build_dir)
        if root_relative is None:
            return None, "STATIC_ROOT is outside the app"
        before = under(tree, root_relative)
    # Every static/ directory of the app too, and its templates (what post-processing may read).
    static_dirs = {path: value for path, value in tree.items() if "static" in path.split("/")[:-1]}
    return {"the static files": digest_of([sources, static_dirs, templates(tree), before]),
            "the static settings": str(static_settings.get("digest")),
            "the installed packages": packages, "the config vars": config, "the buildpack": buildpack}, ""


def first_change(saved: object, current: Dict[str, str]) -> Optional[str]:
    """The first component that differs ('' when nothing was saved), None when all match."""
    if not isinstance(saved, dict):
        return ""
    for name, value in current.items():
        if saved.get(name) != value:
            return name
    return None


def relative_to(path: Path, base: Path) -> Optional[str]:
    for root in (base, base.resolve()):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def take_manifest(tree: Path) -> Dict[str, object]:
    digests = tree_digests(tree, frozenset())
    return {"files": len(digests), "digest": digest_of(digests)}


def placeholders(value: object, build_dir: Path) -> object:
    """A report or findings with the build dir's path as <build> (Heroku's changes every build)."""
    text = json.dumps(value)
    for base in sorted({str(build_dir), str(build_dir.resolve())}, key=len, reverse=True):
        text = text.replace(json.dumps(base)[1:-1], BUILD_PLACEHOLDER)
    return json.loads(text)


def filled_in(value: Dict[str, object], build_dir: Path) -> Dict[str, object]:
    return json.loads(json.dumps(value).replace(BUILD_PLACEHOLDER, json.dumps(str(build_dir))[1:-1]))


def masked(value: object) -> object:
    """Every text in a record as the log would show it: no config var value in the cache
    (the Django script reports none, but a path or a summary line might quote one)."""
    if isinstance(value, str):
        return output.mask(value)
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    return value


def without_build(line: Optional[str], build_dir: Path) -> Optional[str]:
    if line is None:
        return None
    for base in sorted({str(build_dir), str(build_dir.resolve())}, key=len, reverse=True):
        line = line.replace(base.rstrip("/") + "/", "")
    return line
