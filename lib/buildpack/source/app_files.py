"""The app's own files, read safely: never a link out of the app, never a directory or a
device taken for a file (plumbing: every stage that reads a file the app committed uses it)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from buildpack import reasons
from buildpack.errors import SourceTreeError


def link_leaving(root: Path, path: Path) -> Optional[str]:
    """The link text when path is a symbolic link that resolves outside root (else None)."""
    if not os.path.islink(path):
        return None
    resolved, top = os.path.realpath(path), os.path.realpath(root)
    if resolved == top or resolved.startswith(top.rstrip(os.sep) + os.sep):
        return None
    return os.readlink(path)


def refuse_link_outside(root: Path, path: Path, name: str) -> None:
    """A file the build reads (runtime.txt, requirements.txt, the Procfile ...) must be the
    app's own: a link out of the app is refused, never followed (its content is never shown)."""
    target = link_leaving(root, path)
    if target is None:
        return
    raise SourceTreeError(
        f"{name} is a link to a file outside the app.",
        f"{name} is a symbolic link to {target!r}, which is not part of the app's\n"
        "source. The buildpack reads only the app's own files: what lies outside\n"
        "it differs between machines (and holds nothing of yours on Heroku).\n\n"
        "To fix it:\n"
        f"1. Replace the link with the file itself:  git rm --cached {name}\n"
        f"2. Copy the content into {name} in the app, then git add and commit.",
        reason=reasons.SOURCE_LINK_OUTSIDE_APP,
    )


def app_file(root: Path, name: str) -> Optional[Path]:
    """The app's file `name` (a regular file, or a link to one inside the app); None when
    there is none. A directory, a broken link, a device or fifo, or a link out of the
    app is an error: treating it as absent would build something the app did not ask for."""
    path = root / name
    if not os.path.lexists(path):
        return None
    refuse_link_outside(root, path, name)
    if path.is_dir():
        problem, title = "is a directory, where a file should be", f"{name} is a directory."
    elif not path.exists():
        problem, title = f"is a symbolic link to {os.readlink(path)!r}, which doesn't exist", f"{name} is a broken link."
    elif not path.is_file():
        problem, title = "is not a regular file (a device, socket or named pipe)", f"{name} is not a file."
    else:
        return path
    raise SourceTreeError(
        title,
        f"The app's {name} {problem}.\n\n"
        "To fix it:\n"
        f"1. Commit {name} as a regular file,\n"
        "2. or remove it, if the app does not need it.",
        reason=reasons.SOURCE_NOT_A_FILE,
    )
