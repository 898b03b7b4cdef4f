"""The two ways a committed lock stops a build, worded once for uv, Poetry and Pipenv.

Each manager says in its own words what it found (its output differs); what the user
does about it is the same: write the lock again where they develop, commit, deploy.
"""
from __future__ import annotations

from typing import Optional

from buildpack import reasons
from buildpack.errors import DependenciesError


def outdated(lock: str, manifest: str, found: str, relock: str) -> DependenciesError:
    """The lock no longer matches its manifest (a dependency added, removed or changed)."""
    return DependenciesError(
        f"{lock} is out of date with {manifest}.",
        f"{found}\n"
        "The build installs only what the lock says, so it stops here.\n\n"
        "To fix it:\n"
        f"1. Run `{relock}` where you develop the app.\n"
        f"2. Commit {lock} and deploy again.",
        reason=reasons.DEPENDENCIES_LOCK_OUTDATED,
    )


def unreadable(file: str, problem: str, rewrite: Optional[str] = None) -> DependenciesError:
    """The lock (or its manifest) cannot be parsed: most often a merge conflict left in it.
    rewrite: how the file can be written again from scratch (for a lock, not a manifest)."""
    remedy = f";\n   {rewrite}." if rewrite else "."
    return DependenciesError(
        f"{file} can't be read.",
        f"{problem}\n\n"
        "To fix it:\n"
        f"1. Look for a merge conflict or a typo left in {file}{remedy}\n"
        f"2. Commit {file} and deploy again.",
        reason=reasons.DEPENDENCIES_LOCK_CORRUPT,
    )
