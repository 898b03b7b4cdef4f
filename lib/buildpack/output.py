"""The whole visual language of the build log.

Steps go to stdout as `-----> Message`; details and child-process output are
indented seven spaces; warnings, errors and notes are stderr blocks whose every
line starts with ` !     `, with a blank line before and after.
"""
from __future__ import annotations

import json
import re
import sys
import textwrap
import time
import urllib.parse
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Mapping, Optional, TextIO

INDENT = " " * 7
BLOCK_PREFIX = " !     "


# --- Masking: no config var value reaches the log -----------------------------------------
# Every line the build prints passes through here (steps, details, child processes' output,
# error blocks), so a value is hidden wherever it comes from: collectstatic, the app's hooks,
# pip, or an error message. The rule, documented in the README:
# - values of MASK_MIN_LENGTH characters or more are always masked;
# - values of SHORT_MASK_MIN_LENGTH to MASK_MIN_LENGTH - 1 characters when the name looks
#   secret (KEY, SECRET, TOKEN, PASSWORD ...);
# - shorter values never: "1", "on" or "dev" would garble every line and hide nothing
#   worth hiding (a 3-character secret is no secret);
# - settings the buildpack itself reports (PUBLIC_SETTINGS) are never masked.
# Each value is also masked in the forms the app's code prints it in: repr and JSON escaping,
# URL encoding, and, for a value over several lines, each of its lines.
MASK = "****"
MASK_MIN_LENGTH = 8
SHORT_MASK_MIN_LENGTH = 4
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASS|PWD|AUTH|CREDENTIAL|PRIVATE|SIGNATURE|SALT|CERT|DSN|COOKIE|SESSION",
                         re.IGNORECASE)
PUBLIC_SETTINGS = frozenset({"DJANGO_SETTINGS_MODULE", "DISABLE_COLLECTSTATIC", "DEBUG_COLLECTSTATIC",
                             "WEB_CONCURRENCY", "PYTHON_RUNTIMES_URL"})
_masked: List[str] = []  # longest first


def masked_forms(name: str, value: str) -> List[str]:
    """The strings to hide for one config var (pure)."""
    if name in PUBLIC_SETTINGS:
        return []
    minimum = SHORT_MASK_MIN_LENGTH if SECRET_NAME.search(name) else MASK_MIN_LENGTH
    pieces = [value, value.strip()] + [line.strip() for line in value.splitlines()]
    forms = set()
    for piece in pieces:
        if len(piece) < minimum:
            continue
        forms.update({piece, repr(piece)[1:-1], json.dumps(piece)[1:-1], json.dumps(piece, ensure_ascii=False)[1:-1],
                      urllib.parse.quote(piece, safe=""), urllib.parse.quote_plus(piece, safe="")})
        forms.add(piece.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"'))
    return [form for form in forms if len(form) >= minimum]


def hide(config_vars: Mapping[str, str]) -> None:
    """From now on, mask these config vars' values (and only these) in everything printed."""
    forms = set()
    for name, value in config_vars.items():
        forms.update(masked_forms(name, value))
    _masked[:] = sorted(forms, key=len, reverse=True)


def mask(text: str) -> str:
    for form in _masked:
        if form in text:
            text = text.replace(form, MASK)
    return text


def _write(stream: TextIO, text: str) -> None:
    stream.write(mask(text))
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
