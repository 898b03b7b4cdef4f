"""The slug's final state: nothing stale left in it, and how big it is."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple

from buildpack import output
from buildpack.context import Context

# Heroku's documented soft limit for the compressed slug (warning, not failure).
SLUG_WARNING_BYTES = 300 * 1024 * 1024


def measure_and_clean(root: Path) -> Tuple[int, int]:
    """One walk of the slug: delete __pycache__/*.pyc whose source is not in it,
    and add up the size of what stays. Returns (bytes, orphans removed)."""
    total = removed = 0
    for directory, _, files in os.walk(root):
        in_pycache = os.path.basename(directory) == "__pycache__"
        for name in files:
            path = os.path.join(directory, name)
            if in_pycache and name.endswith(".pyc") and not _has_source(Path(directory).parent, name):
                os.unlink(path)
                removed += 1
                continue
            try:
                total += os.lstat(path).st_size
            except OSError:
                continue
    return total, removed


def _has_source(source_dir: Path, pyc_name: str) -> bool:
    return (source_dir / (pyc_name.split(".", 1)[0] + ".py")).exists()


def finish(ctx: Context) -> None:
    size, _ = measure_and_clean(ctx.build_dir)
    output.step(f"Slug contents: {output.format_size(size)} (uncompressed)")
    if size > SLUG_WARNING_BYTES * 2:
        output.warning(
            "The slug is large.",
            f"The build directory holds {output.format_size(size)} before compression.\n"
            "Heroku warns above 300 MB compressed and refuses 500 MB.\n\n"
            "To fix it:\n1. Add large files the app does not need at run time to .slugignore.\n"
            "2. Check requirements.txt for large packages you do not use.",
        )
