"""The slug's final state: nothing stale left in it, and how big it is."""
from __future__ import annotations

import os
from pathlib import Path

from . import output
from .context import Context

# Heroku's documented soft limit for the compressed slug (warning, not failure).
SLUG_WARNING_BYTES = 300 * 1024 * 1024


def remove_orphaned_bytecode(root: Path) -> int:
    """Delete __pycache__/*.pyc whose source file is not in the slug; return how many."""
    removed = 0
    for directory, subdirs, files in os.walk(root):
        if os.path.basename(directory) != "__pycache__":
            continue
        source_dir = Path(directory).parent
        for name in files:
            if not name.endswith(".pyc"):
                continue
            module = name.split(".", 1)[0]
            if not (source_dir / f"{module}.py").exists():
                os.unlink(os.path.join(directory, name))
                removed += 1
    return removed


def tree_size(root: Path) -> int:
    total = 0
    for directory, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                continue
    return total


def clean(ctx: Context) -> None:
    remove_orphaned_bytecode(ctx.build_dir)


def report_size(ctx: Context) -> None:
    size = tree_size(ctx.build_dir)
    output.step(f"Slug contents: {output.format_size(size)} (uncompressed)")
    if size > SLUG_WARNING_BYTES * 2:
        output.warning(
            "The slug is large.",
            f"The build directory holds {output.format_size(size)} before compression.\n"
            "Heroku warns above 300 MB compressed and refuses 500 MB.\n\n"
            "To fix it:\n1. Add large files the app does not need at run time to .slugignore.\n"
            "2. Check requirements.txt for large packages you do not use.",
        )
