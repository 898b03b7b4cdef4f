"""The interface every package manager implements (pip, uv, Poetry, Pipenv: one module each).

A manager says which of the app's files it reads, which pinned tool versions
shape the environment (part of the cache identity: a change discards the
cache), a fingerprint of its inputs (unchanged: the cached environment is
reused, no tool runs, no network), how to install from scratch, and how to
bring a cached environment in line with a changed lock exactly (what the lock
no longer has is removed). Both return what is installed, name -> version,
for the Django and process steps. selection.py picks the manager.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from buildpack import output
from buildpack.cache import Action, BuildCache
from buildpack.context import Context
from buildpack.dependencies import environment


class PackageManager:
    name = ""  # as PYTHON_PACKAGE_MANAGER spells it
    title = ""  # as the build log names it
    # The index the build tools come from when a config var makes it the app's only one
    # (indexes.tool_index; set by selection.for_app): None is PyPI.
    tool_index: Optional[str] = None

    def files(self) -> List[str]:
        """The app's files this manager installs from (relative to the app)."""
        raise NotImplementedError

    def tools(self, python_version: str) -> Dict[str, str]:
        """Pinned tool versions that shape the environment (cache identity)."""
        raise NotImplementedError

    def fingerprint(self, ctx: Context) -> str:
        """A digest of everything the install reads from the app."""
        raise NotImplementedError

    def uses_uv(self) -> bool:
        """Whether a fresh install runs uv downloaded from PyPI (then it is downloaded while
        Python installs; from a private index it is fetched when needed, with its errors)."""
        return self.tool_index is None

    def install_fresh(self, ctx: Context, build_cache: BuildCache, python_version: str) -> Dict[str, str]:
        """Install into a bare runtime; return what is installed."""
        raise NotImplementedError

    def sync(self, ctx: Context, build_cache: BuildCache, python_version: str,
             known: Optional[Dict[str, str]]) -> Dict[str, str]:
        """Make the cached environment (`known`: what the cache says it holds) exactly the
        lock's; return what is installed."""
        raise NotImplementedError

    def install(self, ctx: Context, build_cache: BuildCache, python_version: str, action: Action,
                known: Optional[Dict[str, str]]) -> Dict[str, str]:
        """The step: nothing runs on REUSE (what is installed comes from the cache's record)."""
        if action == Action.REUSE:
            return known if known is not None else environment.inspect(ctx, None).installed
        if action == Action.SYNC:
            return self.sync(ctx, build_cache, python_version, known)
        return self.install_fresh(ctx, build_cache, python_version)



class ExactSyncManager(PackageManager):
    """A manager whose tool syncs exactly by itself (`uv sync`, `poetry sync` remove what
    the lock no longer has): a fresh install and a sync are the same run of the tool."""

    def run(self, ctx: Context, build_cache: BuildCache, python_version: str) -> None:
        """Run the tool over the environment."""
        raise NotImplementedError

    def install_fresh(self, ctx: Context, build_cache: BuildCache, python_version: str) -> Dict[str, str]:
        self.run(ctx, build_cache, python_version)
        return environment.inspect(ctx, None).installed

    def sync(self, ctx: Context, build_cache: BuildCache, python_version: str,
             known: Optional[Dict[str, str]]) -> Dict[str, str]:
        before = known if known is not None else environment.inspect(ctx, None).installed
        self.run(ctx, build_cache, python_version)
        after = environment.inspect(ctx, None).installed
        output.detail(describe_changes(before, after))
        return after

def describe_changes(before: Dict[str, str], after: Dict[str, str]) -> str:
    """One line for a sync: what was installed or changed, and what was removed."""
    installed = sorted(name for name, version in after.items() if before.get(name) != version)
    removed = sorted(name for name in before if name not in after)
    text = f"Synced: {len(installed)} installed, {len(removed)} removed"
    if installed or removed:
        names = [f"+{n}=={after[n]}" for n in installed] + [f"-{n}" for n in removed]
        text += " (" + ", ".join(names[:12]) + (", ..." if len(names) > 12 else "") + ")"
    return text
