"""Files in the app's root whose name is a near miss of one the build reads.

macOS and Windows do not tell `Requirements.txt` from `requirements.txt`; Heroku's
filesystem does, and the build reads only the exact name. Notepad saves a Procfile
as `Procfile.txt`. Without these checks such a file is silently not read: the build
installs nothing, or writes its default Procfile over the app's own commands.
Pure over the root's entry names (python/version_files.py does the same for
runtime.txt and .python-version).
"""
from __future__ import annotations

import shlex
from typing import Iterable, List

REQUIREMENTS_TXT = "requirements.txt"
PROCFILE = "Procfile"

# Misspellings people really commit (the official buildpack's detect list, and more).
_TYPOS = {
    REQUIREMENTS_TXT: ("requirement.txt", "requirments.txt", "requirements.text", "requirements.txt.txt",
                       "requirements"),
    PROCFILE: ("procfile.txt", "procfile.yml", "procfile.yaml", "procfile.sh"),
}


def near_misses(names: Iterable[str], wanted: str) -> List[str]:
    """The names that look like `wanted` but are not it: other capitals, or a known
    misspelling in any capitals. Empty when `wanted` itself is among them."""
    names = list(names)
    if wanted in names:
        return []
    lowered = wanted.lower()
    return sorted(name for name in names if name.lower() == lowered or name.lower() in _TYPOS.get(wanted, ()))


def rename_command(found: str, wanted: str) -> str:
    """The command that fixes it (git mv renames a file whose name differs only in capitals
    even on a filesystem that does not tell them apart)."""
    return f"git mv {shlex.quote(found)} {wanted}"
