"""The build cache: what is kept between builds, when it is reused, how it is saved.

Layout, under CACHE_DIR/django-buildpack/ (CACHE_DIR is shared by every
buildpack of the app, so we keep to our own directory):
  current -> gen-<id>   a symlink, swapped atomically when a build succeeds
  gen-<id>/metadata.json, gen-<id>/python/, gen-<id>/src/
  pip/                  pip's download and wheel cache (pip writes it atomically)
  runtimes/             downloaded runtime archives (verified before use)
  pip-compile/          requirements compiled from requirements.in

A build killed at any moment leaves `current` pointing at the old complete
generation or the new complete one, never at a half-written tree.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional

from buildpack import commands, output

FORMAT = 1
NAMESPACE = "django-buildpack"
# What changes the installed environment so much that it must be rebuilt.
DISCARD_KEYS = (
    ("format", "the cache format changed"),
    ("stack", "the stack changed"),
    ("python_version", "the Python version changed"),
    ("runtime", "the Python runtime archive changed"),
    ("tools", "the buildpack's pinned tool versions changed"),
)
TREES = ("python", "src")


@dataclass
class Metadata:
    stack: str
    python_version: str
    runtime: str
    tools: Dict[str, str]
    requirements: str
    format: int = FORMAT
    # What the environment holds (name -> version): not a reason to discard, but it
    # spares a reused environment from being inspected again.
    installed: Dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "stack": self.stack,
            "python_version": self.python_version,
            "runtime": self.runtime,
            "tools": self.tools,
            "requirements": self.requirements,
            "installed": self.installed,
        }


@dataclass(frozen=True)
class Recorded:
    """What the previous build's metadata says; each field None when missing or malformed."""

    stack: Optional[str] = None
    python_version: Optional[str] = None
    runtime: Optional[str] = None
    installed: Optional[Dict[str, str]] = None


def _text(value: object) -> Optional[str]:
    return value if isinstance(value, str) and value else None


@dataclass
class Previous:
    """What the last successful build left: metadata (or why it is unusable)."""

    metadata: Optional[dict] = None
    problem: Optional[str] = None
    directory: Optional[Path] = None

    @property
    def recorded(self) -> Recorded:
        """The metadata, typed: the way the rest of the build reads it."""
        raw = self.metadata or {}
        installed = raw.get("installed")
        if not (isinstance(installed, dict) and all(isinstance(v, str) for v in installed.values())):
            installed = None
        return Recorded(_text(raw.get("stack")), _text(raw.get("python_version")), _text(raw.get("runtime")), installed)

    @property
    def installed(self) -> Optional[Dict[str, str]]:
        return self.recorded.installed


class Action(str, Enum):
    """What to do with the cached environment (a str, so that it prints and compares as its value)."""

    FRESH = "fresh"  # discard it: a new runtime, then install everything
    REUSE = "reuse"  # keep it as it is: nothing to install
    SYNC = "sync"  # keep it and bring it in line with the changed requirements


@dataclass
class Decision:
    action: Action
    reasons: List[str] = field(default_factory=list)


def decide(previous: Previous, current: Metadata) -> Decision:
    """Reuse, sync or discard the cached environment, with the reasons (pure)."""
    if previous.problem:
        return Decision(Action.FRESH, [previous.problem])
    if previous.metadata is None:
        return Decision(Action.FRESH)
    old = previous.metadata
    new = current.to_json()
    reasons = []
    for key, why in DISCARD_KEYS:
        if old.get(key) != new[key]:
            if key in ("stack", "python_version"):
                reasons.append(f"{why} from {old.get(key)} to {new[key]}")
            else:
                reasons.append(why)
    if reasons:
        return Decision(Action.FRESH, reasons)
    if old.get("requirements") == new["requirements"]:
        return Decision(Action.REUSE)
    return Decision(Action.SYNC, ["the requirements changed"])


def announce(decision: Decision) -> None:
    """Say what happens to the cached environment, and why."""
    if decision.action == Action.REUSE:
        output.step("Reusing the cached environment (requirements unchanged)")
    elif decision.action == Action.SYNC:
        output.step("Updating the cached environment since: the requirements changed")
    elif decision.reasons:
        output.step("Discarding cache since:")
        output.details(f"- {reason}" for reason in decision.reasons)


class BuildCache:
    def __init__(self, cache_dir: Optional[Path]) -> None:
        self.enabled = cache_dir is not None
        self.root = (cache_dir or Path("/tmp/django-buildpack-nocache")) / NAMESPACE
        self._hardlink: Optional[bool] = None
        self._removal = commands.Removal([])

    @property
    def pip_dir(self) -> Path:
        return self.root / "pip"

    @property
    def runtimes_dir(self) -> Path:
        return self.root / "runtimes"

    @property
    def pip_compile_dir(self) -> Path:
        return self.root / "pip-compile"

    @property
    def tools_dir(self) -> Path:
        return self.root / "tools"

    def can_hardlink(self, build_home: Path) -> bool:
        """Whether files can be hard-linked between the cache and the build dir.

        Not across filesystems, nor across two bind mounts of one filesystem (as
        Docker volumes and sandboxes mount the build and the cache): probe once,
        rather than let every copy try `cp -al` on each file, fail, and start over.
        """
        if self._hardlink is None:
            self.root.mkdir(parents=True, exist_ok=True)
            build_home.mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex[:8]
            probe, linked = self.root / f"link-probe.{token}", build_home / f"link-probe.{token}"
            try:
                probe.write_bytes(b"")
                os.link(probe, linked)
                self._hardlink = True
            except OSError:
                self._hardlink = False
            finally:
                for path in (probe, linked):
                    if os.path.lexists(path):
                        path.unlink()
        return self._hardlink

    def load(self) -> Previous:
        # The generation the last build replaced is deleted while this build runs.
        self._removal = commands.Removal(sorted(self.root.glob("trash-*")) if self.root.is_dir() else [])
        current = self.root / "current"
        if not os.path.lexists(current):
            return Previous()
        if not current.is_dir():
            # A dangling link (its generation deleted by hand or by a disk clean-up).
            return Previous(problem="its current generation is missing")
        try:
            metadata = json.loads((current / "metadata.json").read_text())
            if not isinstance(metadata, dict):
                raise ValueError("not an object")
        except (OSError, ValueError) as exc:
            return Previous(problem=f"its metadata could not be read ({type(exc).__name__})")
        if not (current / "python").is_dir():
            return Previous(problem="its Python environment is missing")
        return Previous(metadata=metadata, directory=current.resolve())

    def restore(self, previous: Previous, home: Path) -> None:
        """Copy the cached trees into the build dir's .heroku/ (home is .heroku/)."""
        assert previous.directory is not None
        for name in TREES:
            source = previous.directory / name
            if source.is_dir():
                # link_app_home may already have made an empty directory here.
                commands.remove_tree(home / name)
                commands.copy_tree(source, home / name, hardlink=self.can_hardlink(home))

    def save(self, metadata: Metadata, home: Path) -> None:
        """Write a new generation beside the old, then swap `current` to it atomically."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:8]}"
        partial = generation.with_name(generation.name + ".partial")
        partial.mkdir()
        for name in TREES:
            if (home / name).is_dir():
                commands.copy_tree(home / name, partial / name, hardlink=self.can_hardlink(home))
        (partial / "metadata.json").write_text(json.dumps(metadata.to_json(), indent=2))
        os.rename(partial, generation)
        link = self.root / f"current.{uuid.uuid4().hex[:8]}"
        os.symlink(generation.name, link)
        os.replace(link, self.root / "current")
        self.prune(defer=self.can_hardlink(home))

    def close(self) -> None:
        """Wait for background deletions: the platform archives CACHE_DIR after compile exits."""
        self._removal.wait()

    def prune(self, defer: bool = False) -> None:
        """Remove generations and leftovers that `current` does not point to.

        defer: rename stale generations to trash-* for the next build to delete in
        the background. Only when they share their files with the new generation
        (hard links), so keeping one costs next to no space in the cache.
        """
        self._removal.wait()
        try:
            keep = os.readlink(self.root / "current")
        except OSError:
            keep = None
        for entry in list(self.root.iterdir()):
            stale_generation = entry.name.startswith("gen-") and entry.name != keep
            stale_link = entry.name.startswith(("current.", "link-probe."))
            if stale_generation and defer:
                os.rename(entry, self.root / f"trash-{entry.name}")
            elif stale_generation or stale_link or entry.name.startswith("trash-"):
                commands.remove_tree(entry)
