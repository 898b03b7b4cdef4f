"""Dotted version numbers ("3.12.8", "2.35", "5.2rc1"): one home for reading and comparing them.

Python versions, glibc versions and package versions are all compared by their
leading numbers; everything in the buildpack that reads one goes through here.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

# A number in a Python version: no leading zeros.
INTEGER = r"(?:0|[1-9][0-9]*)"
# "3.12" or "3.12.8": what a version file or the store names.
PYTHON_VERSION = re.compile(rf"({INTEGER})\.({INTEGER})(?:\.({INTEGER}))?")
_LEADING_NUMBER = re.compile(r"\d+")


def exact(text: str) -> Optional[Tuple[int, int, int]]:
    """(3, 12, 8) for '3.12.8'; None for anything else (a bare '3.12' too)."""
    match = PYTHON_VERSION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or match.group(3) is None:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def numbers(text: Optional[str]) -> Tuple[int, ...]:
    """(2, 35) for '2.35'; () unless every part is a number (so it sorts first and is falsy)."""
    if not text or not re.fullmatch(r"\d+(?:\.\d+)*", text):
        return ()
    return tuple(int(part) for part in text.split("."))


def release(text: str, parts: int = 2) -> Tuple[int, ...]:
    """The first `parts` numbers, leniently: '5.2rc1' -> (5, 2), '4' -> (4, 0); 0 where there is none."""
    found = []
    for part in (text.split(".") + ["0"] * parts)[:parts]:
        match = _LEADING_NUMBER.search(part)
        found.append(int(match.group()) if match else 0)
    return tuple(found)


def minor(version: str) -> str:
    """'3.12' for '3.12.8'."""
    return ".".join(version.split(".")[:2])


def dotted(version: Sequence[int]) -> str:
    """'3.12.8' for (3, 12, 8)."""
    return ".".join(str(part) for part in version)
