"""The Python versions Heroku's official runtime store offers (it has no index to ask).

A SNAPSHOT of what the official classic buildpack v351 (2026-08-18) resolves
to: 3.14.7, 3.13.15, 3.12.14, 3.11.16, 3.10.21 (3.9 was removed there; this
buildpack keeps its last patch it knew, 3.9.23). Bump NEWEST_PATCH when Heroku
publishes newer patch releases. Every patch from .0 up to the newest
is listed so that an app pinned to an older patch still resolves; a version
missing on the server is a 404, reported as "not available".
"""
from __future__ import annotations

from typing import Dict, List, Tuple

NEWEST_PATCH: Dict[Tuple[int, int], int] = {
    (3, 8): 20,
    (3, 9): 23,
    (3, 10): 21,
    (3, 11): 16,
    (3, 12): 14,
    (3, 13): 15,
    (3, 14): 7,
}

# Heroku stopped building for heroku-20 when its support ended (spring 2025); these
# were the newest patches then. 3.14 never existed for it.
NEWEST_PATCH_HEROKU_20: Dict[Tuple[int, int], int] = {
    (3, 8): 20,
    (3, 9): 22,
    (3, 10): 17,
    (3, 11): 12,
    (3, 12): 10,
    (3, 13): 3,
}

# Minors never built for a stack: 3.8 (end of life 2024-10) was not built for
# heroku-24, nor 3.8/3.9 for heroku-26, which came after their end of life.
NOT_BUILT: Dict[str, Tuple[Tuple[int, int], ...]] = {
    "heroku-24": ((3, 8),),
    "heroku-26": ((3, 8), (3, 9)),
}

# arm64 archives exist only in the current layout, for heroku-24 and newer.
ARM64_STACKS = ("heroku-24", "heroku-26")


def versions(stack: str, arch: str) -> List[str]:
    """X.Y.Z versions to offer for a stack and architecture, oldest first."""
    if arch not in ("amd64", "arm64") or (arch == "arm64" and stack not in ARM64_STACKS):
        return []
    table = NEWEST_PATCH_HEROKU_20 if stack == "heroku-20" else NEWEST_PATCH
    skipped = NOT_BUILT.get(stack, ())
    return [
        f"{major}.{minor}.{patch}"
        for (major, minor), newest in sorted(table.items())
        if (major, minor) not in skipped
        for patch in range(newest + 1)
    ]
