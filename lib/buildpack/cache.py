"""The build cache: what is kept between builds, when it is reused, how it is saved.

Layout, under CACHE_DIR/django-buildpack/ (cache_layout names the tools' directories
beside these: pip, uv, poetry, pipenv, pip-tools-cache, pip-compile, runtimes, tools,
django-reuse):
  current -> gen-<id>   a symlink, swapped atomically when a build succeeds
  gen-<id>/python/, gen-<id>/src/, gen-<id>/metadata.json
  gen-<id>/manifest.json  written last: the generation is trusted only if it matches
  lock                  held (flock) by the build using the cache, from load to close

A build moves the cached trees into the build dir (a rename, whatever their
size) and writes the next generation in the background, by hard links, while
its Django steps run. A build killed at any moment leaves `current` pointing at
the new complete generation, or at the old one, complete or with its trees
moved out, which the next build sees (no interpreter) and starts afresh from:
never at a half-written tree that would be trusted. On Heroku the cache of a
failed build is thrown away anyway; the local tool gives each build a copy. Two builds on
one cache (two local builds, a Dokku-style host) take turns through the lock, so
one's pruning can never delete the other's generation in progress; and whatever
else damaged a generation (a disk clean-up, a hand edit, a hook writing into it),
its manifest no longer matches and it is discarded with the reason in the log,
along with uv's cache, which shares its files (hard links), and what was taken from it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

from buildpack import commands, output
from buildpack.cache_layout import UV_BINARY_PREFIX, CacheLayout
from buildpack.errors import CacheRestoreError

FORMAT = 1
# What changes the installed environment so much that it must be rebuilt.
DISCARD_KEYS = (
    ("format", "the cache format changed"),
    ("stack", "the stack changed"),
    ("python_version", "the Python version changed"),
    ("runtime", "the Python runtime archive changed"),
    ("tools", "the buildpack's pinned tool versions changed"),
)
TREES = ("python", "src")
MANIFEST = "manifest.json"
INTERPRETER = "python/bin/python"
# How long a build waits for another build to release the cache before going on without it.
LOCK_WAIT_SECONDS = 15 * 60.0
LOCK_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Manifest:
    """What a complete generation holds: its file count and a digest of names, kinds and sizes."""

    files: int
    digest: str
    interpreter: str = INTERPRETER
    # The trees' size (files and links), for the slug's size without walking them again.
    tree_bytes: int = field(default=0, compare=False)

    def to_json(self) -> dict:
        return {"files": self.files, "digest": self.digest, "interpreter": self.interpreter}


def take_manifest(generation: Path) -> Manifest:
    """Walk a generation's trees (metadata included, the manifest itself not): one line per
    entry, `path kind size`, sorted, hashed. A symlink's size is its target's length.
    One `find` lists each tree (half the time of a Python walk at 150 packages); the
    walk below when it cannot."""
    lines: List[str] = []
    for name in TREES + ("metadata.json",):
        top = generation / name
        if os.path.isfile(top):
            lines.append(f"{name}\0f\0{os.lstat(top).st_size}")
        elif os.path.isdir(top):
            listed = commands.list_tree(top)
            if listed is None:
                _manifest_lines(str(top), name, lines)
            else:
                lines.extend(f"{name}/{path}\0{kind}\0{0 if kind == 'd' else size}" for path, kind, size in listed)
    tree_bytes = sum(int(line.rsplit("\0", 1)[1]) for line in lines if not line.startswith("metadata.json\0"))
    lines.sort()
    digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
    return Manifest(len(lines), digest, tree_bytes=tree_bytes)


def _manifest_lines(directory: str, relative: str, lines: List[str]) -> None:
    """One tree's entries. scandir knows each entry's kind without a system call, so a
    150-package environment costs one lstat per file rather than three per entry."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return  # unreadable: its entries are missing from the digest, so it no longer matches
    for entry in entries:
        path = f"{relative}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            lines.append("\0".join((path, "d", "0")))
            _manifest_lines(entry.path, path, lines)
        else:
            kind = "l" if entry.is_symlink() else "f"
            lines.append("\0".join((path, kind, str(entry.stat(follow_symlinks=False).st_size))))


class Unusable(str):
    """Why a generation cannot be used."""


class Damaged(Unusable):
    """Its files were changed after it was saved (not merely left incomplete by an interrupted build)."""


def check_manifest(generation: Path) -> Union[Unusable, Manifest]:
    """The generation's manifest, taken again and matching the recorded one; else why not."""
    try:
        recorded = json.loads((generation / MANIFEST).read_text())
        expected = Manifest(int(recorded["files"]), str(recorded["digest"]), str(recorded["interpreter"]))
    except FileNotFoundError:
        return Unusable("its last generation has no manifest (a build was interrupted while saving it)")
    except (OSError, ValueError, KeyError, TypeError):
        return Unusable("its last generation's manifest could not be read")
    if not os.path.isfile(generation / expected.interpreter):
        # What a build killed after moving the trees out leaves: not a damage.
        return Unusable(f"its last generation has no Python interpreter ({expected.interpreter} is missing)")
    actual = take_manifest(generation)
    if actual.files != expected.files:
        return Damaged(f"its last generation is damaged ({actual.files} entries instead of {expected.files})")
    if actual.digest != expected.digest:
        return Damaged("its last generation is damaged (files changed since it was saved)")
    return actual


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
    manifest: Optional[Manifest] = None  # as checked by load (its trees' size included)
    # What was thrown away with a damaged generation, for the log (see BuildCache.load).
    discarded_with_it: List[str] = field(default_factory=list)

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
        return Decision(Action.FRESH, [previous.problem, *previous.discarded_with_it])
    if previous.metadata is None:
        return Decision(Action.FRESH)
    old = previous.metadata
    new = current.to_json()
    reasons = []
    for key, why in DISCARD_KEYS:
        if old.get(key) != new[key]:
            if key == "tools" and _manager(old.get(key)) != _manager(new[key]):
                reasons.append(f"the package manager changed from {_manager(old.get(key))} to {_manager(new[key])}")
            elif key in ("stack", "python_version"):
                reasons.append(f"{why} from {old.get(key)} to {new[key]}")
            else:
                reasons.append(why)
    if reasons:
        return Decision(Action.FRESH, reasons)
    if old.get("requirements") == new["requirements"]:
        return Decision(Action.REUSE)
    return Decision(Action.SYNC, ["the requirements changed"])


def _manager(tools: object) -> str:
    """The package manager an environment was installed with (requirements files: pip)."""
    return str(tools.get("package manager", "pip")) if isinstance(tools, dict) else "pip"


def announce(decision: Decision) -> None:
    """Say what happens to the cached environment, and why."""
    if decision.action == Action.REUSE:
        output.step("Reusing the cached environment (requirements unchanged)")
    elif decision.action == Action.SYNC:
        output.step("Updating the cached environment since: the requirements changed")
    elif decision.reasons:
        output.step("Discarding cache since:")
        output.details(f"- {reason}" for reason in decision.reasons)


@dataclass
class PendingSave:
    """A generation being written (see BuildCache.start_save)."""

    partial: Path
    thread: Optional[threading.Thread] = None
    manifest: Optional[Manifest] = None
    error: Optional[Exception] = None
    relink: bool = False  # into the reused generation, rather than a new one


class BuildCache:
    def __init__(self, cache_dir: Optional[Path]) -> None:
        self.enabled = cache_dir is not None
        self.layout = CacheLayout.under(cache_dir)
        self.root = self.layout.root
        self._hardlink: Optional[bool] = None
        self._removal = commands.Removal([])
        self._lock: Optional[int] = None
        self._moved: List[Tuple[Path, Path]] = []  # (in the build, where it came from)
        self._pending: Optional[PendingSave] = None

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

    def lock(self, wait: float = LOCK_WAIT_SECONDS, poll: float = LOCK_POLL_SECONDS) -> bool:
        """Take the cache for this build (True), waiting for another build to finish with it.

        flock, not a lock file: the kernel releases it when its build exits or is killed,
        so a dead build never leaves the cache locked. Past `wait`, the build goes on
        without the cache (False), rather than wait for ever on a hung build.
        """
        if self._lock is not None:
            return True
        if not self.enabled:
            return False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = os.open(str(self.root / "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self._go_without(exc)
            return False
        deadline = time.monotonic() + wait
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock = handle
                return True
            except OSError:
                pass
            if not announced:
                output.step("Waiting for another build that is using the build cache")
                announced = True
            if time.monotonic() >= deadline:
                os.close(handle)
                output.warning(
                    "Building without the build cache.",
                    f"Another build held the build cache for more than {wait / 60:.0f} minutes.\n"
                    "This build installs everything afresh and does not save the cache.")
                self.enabled = False
                return False
            time.sleep(poll)

    def _go_without(self, exc: OSError) -> None:
        """A cache this build may not write (another user's files, a read-only mount): the
        build goes on without it, its downloads kept where a build without CACHE_DIR keeps them."""
        output.warning(
            "Building without the build cache.",
            f"The build cache could not be opened: {exc.strerror or exc} ({exc.filename or self.root}).\n"
            "This build installs everything afresh and does not save the cache.\n\n"
            "To fix it: let the build's user write the cache directory (it was\n"
            "most likely written by another user, e.g. root), or clear it.")
        self.enabled = False
        self.layout = CacheLayout.under(None)
        self.root = self.layout.root

    def load(self) -> Previous:
        """Take the cache (see lock) and read what the last successful build left."""
        if not self.lock():
            return Previous()
        self._sweep()
        previous = self._read_current()
        if isinstance(previous.problem, Damaged):
            previous.discarded_with_it = self._discard_sharing_files()
        # The generation the last build replaced is deleted while this build runs.
        self._removal = commands.Removal(sorted(self.root.glob("trash-*")) if self.root.is_dir() else [])
        return previous

    def _read_current(self) -> Previous:
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
        checked = check_manifest(current)
        if isinstance(checked, str):
            return Previous(problem=checked)
        return Previous(metadata=metadata, directory=current.resolve(), manifest=checked)

    def _discard_sharing_files(self) -> List[str]:
        """A damaged generation's files may be shared: uv hard-links its package cache into
        the environment and into the tools' venvs, so a file truncated in one is truncated
        in all of them, and the fresh install would link the same damaged file back. The
        last build's Django results were taken with that environment. All of them go
        (renamed to trash-*, deleted in the background); pip's, Poetry's and Pipenv's
        caches hold copies and stay."""
        discarded = []
        for path, what in ((self.layout.uv, "uv's package cache goes too: it shares those files"),
                           (self.layout.django_reuse, "the last build's Django results go too: they were taken with them")):
            if os.path.lexists(path):
                self._trash(path)
                discarded.append(what)
        venvs = [entry for entry in sorted(self.layout.tools.iterdir()) if entry.is_dir()
                 and not entry.name.startswith(UV_BINARY_PREFIX)] if self.layout.tools.is_dir() else []  # a download
        for venv in venvs:
            self._trash(venv)
        if venvs:
            discarded.append("the package managers' installs go too: uv linked them from its cache")
        return discarded

    def _trash(self, path: Path) -> None:
        os.rename(path, self.root / f"trash-{path.name}-{uuid.uuid4().hex[:8]}")

    def _sweep(self) -> None:
        """Leftovers of builds killed mid-way (we hold the lock, so none is in progress):
        half-written generations, half-swapped links, downloads cut short."""
        if not self.root.is_dir():
            return
        stale = [entry for entry in self.root.iterdir()
                 if entry.name.endswith(".partial") or entry.name.startswith(("current.", "link-probe."))]
        if self.layout.runtimes.is_dir():
            stale += [entry for entry in self.layout.runtimes.iterdir() if entry.name.endswith(".part")]
        if self.layout.tools.is_dir():
            # A tool's download or extraction cut short (uv's is fetched beside the runtime's).
            stale += [entry for tool in self.layout.tools.iterdir() if tool.is_dir() and not tool.is_symlink()
                      for entry in tool.iterdir() if entry.name.endswith((".part", ".partial"))]
        for entry in stale:
            commands.remove_tree(entry)

    def restore(self, previous: Previous, home: Path) -> bool:
        """Put the cached trees into the build dir's .heroku/ (home is .heroku/).

        Renamed out of the cache when the cache and the build share a filesystem
        (True): no file-by-file copy on the way in, and the new generation is
        written in the background while the build goes on (start_save). The old
        generation is then incomplete: a build that fails or is killed before
        saving leaves the next one to start afresh (Heroku keeps the cache of the
        last successful build anyway; the local tool gives each build a copy).
        Otherwise copied (False): a build that changes nothing need not save.
        """
        assert previous.directory is not None
        move = self.can_hardlink(home)  # one filesystem and one mount: a rename works
        for name in TREES:
            source = previous.directory / name
            if source.is_dir():
                # link_app_home may already have made an empty directory here.
                commands.remove_tree(home / name)
                if move:
                    home.mkdir(parents=True, exist_ok=True)
                    os.rename(source, home / name)
                    self._moved.append((home / name, source))
                    continue
                try:
                    commands.copy_tree(source, home / name)  # not `move`: another filesystem
                except OSError as exc:
                    raise CacheRestoreError(
                        "Could not copy the cached environment into the build.",
                        f"Copying the cached Python environment failed:\n{exc}\n\n"
                        "The build directory's disk is most likely full.\n\n"
                        "To fix it:\n"
                        "1. Make the app's source smaller (large files committed by\n"
                        "   mistake), or free space on the build host.\n"
                        "2. Deploy again; if it persists, clear the build cache\n"
                        "   (heroku builds:cache:purge).",
                    ) from None
        return move

    def save(self, metadata: Metadata, home: Path) -> Optional[int]:
        """Write a new generation beside the old, then swap `current` to it atomically.
        Returns the size of the saved trees (None if not saved)."""
        return self.finish_save(self.start_save(metadata, home, background=False))

    def start_save(self, metadata: Metadata, home: Path, after: Callable[[], None] = lambda: None,
                   background: bool = True, previous: Optional[Previous] = None) -> Optional["PendingSave"]:
        """Start writing the new generation (hard links to the build's environment) in a
        thread, once `after` returns, while the build goes on; finish_save completes it.
        Only for an environment the rest of the build no longer changes.

        previous: the reused generation the environment was moved out of, unchanged: its
        trees are linked back into it instead (its manifest still holds, no new one)."""
        if not self.enabled:
            return None
        self.root.mkdir(parents=True, exist_ok=True)
        hardlink = self.can_hardlink(home)
        partial = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:8]}.partial"
        relink = previous is not None and previous.manifest is not None and bool(self._moved)
        pending = PendingSave(partial, manifest=previous.manifest if relink and previous else None, relink=relink)

        def write() -> None:
            try:
                after()
                if relink:
                    self._link_back()
                else:
                    pending.manifest = self._write_generation(partial, metadata, home, hardlink)
            except Exception as exc:  # noqa: BLE001 - reported by finish_save, never lost in the thread
                pending.error = exc

        self._pending = pending
        if background:
            # Not a daemon: a build that fails meanwhile exits once the copy is done, so no
            # cp outlives it to race the next build's sweep of the unpublished .partial.
            pending.thread = threading.Thread(target=write, name="cache-save")
            pending.thread.start()
        else:
            write()
        return pending

    def finish_save(self, pending: Optional["PendingSave"]) -> Optional[int]:
        """Wait for the generation, then swap `current` to it (or warn that it was not saved)."""
        if pending is None:
            return None
        self._pending = None
        output.step("Saving the build cache")
        if pending.thread is not None:
            pending.thread.join()
        if pending.error is None and pending.relink:
            self._moved = []  # linked back: the reused generation is whole again
            return pending.manifest.tree_bytes if pending.manifest else None
        if pending.error is not None or pending.manifest is None:
            # The build itself succeeded: a cache that cannot be written costs speed, not the deploy.
            commands.remove_tree(pending.partial)
            output.warning(
                "The build cache could not be saved.",
                f"Writing the build cache failed: {pending.error}\n"
                "The app was built; the next build starts from the previous cache\n"
                "(or from nothing), which only makes it slower.\n\n"
                "To fix it:\n"
                "1. Free space for the build cache, or clear it\n"
                "   (heroku builds:cache:purge).")
            return None
        self._moved = []  # the trees now belong to the build, and to the new generation
        generation = pending.partial.with_name(pending.partial.name[: -len(".partial")])
        os.rename(pending.partial, generation)
        link = self.root / f"current.{uuid.uuid4().hex[:8]}"
        os.symlink(generation.name, link)
        os.replace(link, self.root / "current")
        self.prune(defer=self._hardlink is True)
        return pending.manifest.tree_bytes

    def _link_back(self) -> None:
        """Hard-link the moved trees back where they came from (a reused generation)."""
        for tree, origin in self._moved:
            partial = origin.with_name(origin.name + ".partial")
            commands.copy_tree(tree, partial, hardlink=True)
            os.rename(partial, origin)

    @staticmethod
    def _write_generation(partial: Path, metadata: Metadata, home: Path, hardlink: bool) -> Manifest:
        partial.mkdir()
        for name in TREES:
            if (home / name).is_dir():
                commands.copy_tree(home / name, partial / name, hardlink=hardlink)
        (partial / "metadata.json").write_text(json.dumps(metadata.to_json(), indent=2))
        # Last: the generation is trusted only once this matches what is on disk.
        manifest = take_manifest(partial)
        (partial / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2))
        return manifest

    def give_back(self) -> None:
        """After a failed build: the moved trees go back into their generation, so a cache
        mounted in place stays good. Its manifest then decides: a failure before anything
        changed (a lock error) leaves it as it was, one after a change makes the next
        build start afresh rather than trust it."""
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending.thread is not None:
                pending.thread.join()  # it may still be reading the trees
            commands.remove_tree(pending.partial)
        for tree, origin in reversed(self._moved):
            if tree.is_dir() and origin.parent.is_dir() and not os.path.lexists(origin):
                os.rename(tree, origin)
        self._moved = []

    def close(self) -> None:
        """Wait for background deletions (the platform archives CACHE_DIR after compile
        exits), then let the next build have the cache."""
        self._removal.wait()
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None

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


class Session:
    """One build's use of the cache, from load to close: what compile asks of it.

    restore (the cached trees into the build), environment_ready (the installed
    environment is final: start writing the next generation in the background, unless
    a post_compile hook may still change it), finish (after the hook: wait for that
    generation, write it now, or say the cache is unchanged). Used as a context
    manager: a build that fails hands the moved trees back, so a cache mounted in
    place stays as the build found it; one that succeeds releases the cache.
    """

    def __init__(self, cache_dir: Optional[Path]) -> None:
        self.cache = BuildCache(cache_dir)
        self._previous: Optional[Previous] = None
        self._moved = False  # the cached trees renamed into the build: the cache needs a new generation
        self._reused = False
        self._final: Optional[Metadata] = None
        self._home: Optional[Path] = None
        self._pending: Optional[PendingSave] = None
        self._early = False

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is not None:
            self.cache.give_back()
        else:
            self.cache.close()

    @property
    def layout(self) -> CacheLayout:
        return self.cache.layout

    def load(self) -> Previous:
        self._previous = self.cache.load()
        return self._previous

    def restore(self, previous: Previous, home: Path) -> None:
        self._moved = self.cache.restore(previous, home)

    def environment_ready(self, final: Metadata, action: Action, home: Path, after: Callable[[], None],
                          hook_follows: bool) -> None:
        """The environment the slug gets (`after` returns once its bytecode is written)."""
        self._final, self._home = final, home
        self._reused = action == Action.REUSE
        unchanged = self._reused and not self._moved
        # Written while the Django steps run, once the bytecode is there; after a
        # post_compile hook instead, since the hook may change the environment.
        self._early = not (unchanged or hook_follows)
        if self._early:
            reused = self._previous if self._reused else None  # linked back into it
            self._pending = self.cache.start_save(final, home, after=after, previous=reused)

    def finish(self, hook_ran: bool) -> Optional[int]:
        """Complete the save; the saved trees' size (None when not saved)."""
        assert self._final is not None and self._home is not None
        if self._early:
            return self.cache.finish_save(self._pending)
        if self._reused and not self._moved and not hook_ran:
            # The cached generation already holds exactly this environment.
            output.step("Cache unchanged")
            return None
        return self.cache.save(self._final, self._home)
