"""The whole visual language of the build log.

Steps go to stdout as `-----> Message`; details and child-process output are
indented seven spaces; warnings, errors and notes are stderr blocks whose every
line starts with ` !     `, with a blank line before and after.
"""
from __future__ import annotations

import sys
import textwrap
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, Optional, TextIO

INDENT = " " * 7
BLOCK_PREFIX = " !     "


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def step(message: str) -> None:
    _write(sys.stdout, f"-----> {message}\n")


def detail(message: str) -> None:
    for line in message.splitlines() or [""]:
        _write(sys.stdout, f"{INDENT}{line}\n".rstrip() + "\n")


def details(lines: Iterable[str]) -> None:
    for line in lines:
        detail(line)


def format_block(kind: str, title: str, body: str = "", docs: Optional[str] = None) -> str:
    """Render a warning/error/note block as text (pure, for tests); `docs` is a documentation URL."""
    lines = [f"{kind}: {title}"]
    if body:
        lines.append("")
        lines.extend(body.strip("\n").splitlines())
    if docs:
        lines.extend(["", "For more information, see:", docs])
    rendered = "\n".join((BLOCK_PREFIX + line).rstrip() for line in lines)
    return f"\n{rendered}\n\n"


def warning(title: str, body: str = "", docs: Optional[str] = None) -> None:
    _write(sys.stderr, format_block("Warning", title, body, docs))


def error(title: str, body: str = "", docs: Optional[str] = None) -> None:
    _write(sys.stderr, format_block("Error", title, body, docs))


def note(title: str, body: str = "", docs: Optional[str] = None) -> None:
    _write(sys.stderr, format_block("Note", title, body, docs))


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest}s"


@contextmanager
def timed(message: str) -> Iterator[None]:
    """Print a step, run the block, then say how long it took."""
    step(message)
    started = time.monotonic()
    yield
    detail(f"Done in {format_duration(time.monotonic() - started)}")


def format_size(num_bytes: int) -> str:
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def fill(text: str) -> str:
    """One paragraph of a message with the user's values in it, wrapped near 70 columns."""
    return textwrap.fill(" ".join(text.split()), width=70, break_long_words=False, break_on_hyphens=False)


def quote(text: str, limit: int = 60) -> str:
    """The user's text, quoted so that control characters and binary junk stay visible."""
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)
