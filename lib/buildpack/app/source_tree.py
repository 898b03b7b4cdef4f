"""Checks on what the app committed, before anything is installed."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from buildpack.errors import SourceTreeError

COMMITTED_ENVIRONMENTS = ("venv", ".venv", ".heroku/python")


def refuse_committed_environments(build_dir: Path) -> None:
    for name in COMMITTED_ENVIRONMENTS:
        path = build_dir / name
        # lexists: a committed venv's bin/python is usually a link to the developer's interpreter.
        is_environment = (
            (path / "pyvenv.cfg").is_file() or os.path.lexists(path / "bin" / "python") or name == ".heroku/python"
        )
        if path.is_dir() and is_environment:
            raise SourceTreeError(
                f"The app's source contains a Python environment ({name}/).",
                f"Found {name}/ in the root of the app. A virtual environment made\n"
                "on another machine does not work on Heroku (its paths and\n"
                "compiled libraries belong to that machine), and it makes the\n"
                "slug large.\n\n"
                "To fix it:\n"
                f"1. Remove it from git:  git rm -r --cached {name}\n"
                f"2. Add `{name}/` to .gitignore and commit.\n"
                "3. List the app's packages in requirements.txt instead.",
                reason="source::committed-environment",
            )


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
        reason="source::link-outside-app",
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
        reason="source::not-a-file",
    )
