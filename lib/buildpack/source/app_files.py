"""The app's own files, read safely: never a link out of the app, never a directory or a
device taken for a file, never a binary file or a Git LFS pointer run as Python (plumbing:
every stage that reads a file the app committed uses it)."""
from __future__ import annotations

import io
import os
import tokenize
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


# What a Git LFS pointer starts with: Heroku does not fetch LFS objects, so a file tracked by
# LFS arrives as this small text file in place of its content.
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
GIT_CRYPT = b"\x00GITCRYPT\x00"


def not_python_text(data: bytes) -> Optional[str]:
    """What a file that Python must run holds instead of source text, in words (None: it is
    source text). Python refuses NUL bytes, and reads UTF-8 unless a coding line says otherwise."""
    if data.startswith(LFS_POINTER):
        return "a Git LFS pointer"
    if data.startswith(GIT_CRYPT):
        return "a file encrypted by git-crypt"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (Python reads UTF-8)"
    if b"\x00" in data:
        return "binary data (it contains NUL bytes)"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return "bytes that are not UTF-8 text"
    return None


def refuse_non_python(root: Path, path: Path) -> None:
    """A file the build runs as Python (manage.py, the settings) must be source text: run, a
    binary file or an LFS pointer fails as a "syntax error" that hides the cause."""
    name = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError:
        return  # unreadable: Python's own error says so when it runs it
    found = not_python_text(data)
    if found is None:
        return
    if data.startswith(LFS_POINTER):
        raise SourceTreeError(
            f"{name} is a Git LFS pointer, not the file itself.",
            f"{name} holds a Git LFS pointer in place of its Python source:\n"
            f"    {LFS_POINTER.decode()}\n"
            ".gitattributes sends the file to Git LFS, and the build receives\n"
            "the pointer, never the file itself.\n\n"
            "To fix it:\n"
            f"1. Take it out of LFS: git lfs untrack {name}\n"
            f"2. Commit the file itself: git add --renormalize {name}\n"
            "   then commit it with .gitattributes and deploy again.",
            reason=reasons.SOURCE_LFS_POINTER,
        )
    raise SourceTreeError(
        f"{name} is not a Python text file.",
        f"{name} holds {found}, not Python\n"
        f"source ({len(data):,} bytes). Python reads source as UTF-8 text, so every\n"
        "manage.py command (collectstatic, the release phase) would fail on\n"
        "it with a syntax error that hides the cause.\n\n"
        "To fix it:\n"
        f"1. See what was committed: git show HEAD:{name} | head\n"
        f"2. Commit the real {name}, saved as UTF-8 text, and deploy again.\n"
        "3. If .gitattributes puts it through a filter (Git LFS, git-crypt),\n"
        "   take it out of the filter for this file.",
        reason=reasons.SOURCE_NOT_PYTHON_TEXT,
    )
