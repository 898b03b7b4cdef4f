"""The slug's final state: nothing stale left in it, and how big it is."""
from __future__ import annotations

import os
from pathlib import Path
from typing import FrozenSet, Iterable, Optional, Tuple

from buildpack import output
from buildpack.context import Context

# Heroku's documented soft limit for the compressed slug (warning, not failure).
SLUG_WARNING_BYTES = 300 * 1024 * 1024


def measure_and_clean(root: Path, skip: Iterable[Path] = ()) -> Tuple[int, int]:
    """One walk of the slug (but the trees in `skip`): delete __pycache__/*.pyc whose
    source is not in it, and add up the size of what stays. Returns (bytes, orphans removed)."""
    return _measure(str(root), frozenset(), frozenset(map(str, skip)))


def _measure(directory: str, sources: FrozenSet[str], skip: FrozenSet[str]) -> Tuple[int, int]:
    """`sources`: the names in a __pycache__'s parent (empty elsewhere). scandir tells
    kinds without a system call: one lstat per file for a 150-package environment."""
    total = removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0, 0
    in_pycache = os.path.basename(directory) == "__pycache__"
    names = frozenset(entry.name for entry in entries)
    for entry in entries:
        if entry.path in skip:
            continue
        if entry.is_dir(follow_symlinks=False):
            size, orphans = _measure(entry.path, names if entry.name == "__pycache__" else frozenset(), skip)
            total, removed = total + size, removed + orphans
        elif in_pycache and entry.name.endswith(".pyc") and _source_name(entry.name) not in sources:
            os.unlink(entry.path)
            removed += 1
        else:
            try:
                total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total, removed


def _source_name(pyc_name: str) -> str:
    return pyc_name.split(".", 1)[0] + ".py"


def finish(ctx: Context, environment_bytes: Optional[int] = None) -> None:
    """environment_bytes: the size of .heroku/python and .heroku/src when the cache has
    just measured them (not walked again then: 150 packages are 40,000 entries)."""
    if environment_bytes is None:
        size, _ = measure_and_clean(ctx.build_dir)
    else:
        home = ctx.python_home.parent
        size, _ = measure_and_clean(ctx.build_dir, skip=(home / "python", home / "src"))
        size += environment_bytes
    output.step(f"Slug contents: {output.format_size(size)} (uncompressed)")
    if size > SLUG_WARNING_BYTES * 2:
        output.warning(
            "The slug is large.",
            f"The build directory holds {output.format_size(size)} before compression.\n"
            "Heroku warns above 300 MB compressed and refuses 500 MB.\n\n"
            "To fix it:\n1. Add large files the app does not need at run time to .slugignore.\n"
            "2. Check requirements.txt for large packages you do not use.",
        )
