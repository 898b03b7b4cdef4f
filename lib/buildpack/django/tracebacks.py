"""A Python traceback, as a build step printed it: parsed, and cut to what the user needs.

Pure functions over output lines (collectstatic's, the Django process's). The
last traceback is the one that ended the process; its innermost frame in the
app's own code and its exception are what a build log shows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

TRACEBACK_HEADER = "Traceback (most recent call last):"
EXCERPT_MAX_EXCEPTION_LINES = 12
EXCERPT_MAX_PLAIN_LINES = 15

_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+))?$')
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_CARETS = re.compile(r"^\s*[\^~]+\s*$")


@dataclass
class Frame:
    path: str
    line: str
    function: str = ""  # empty on a SyntaxError's location line
    source: List[str] = field(default_factory=list)  # as printed, caret lines included


@dataclass
class ParsedTraceback:
    frames: List[Frame]
    exception: List[str]  # "Type: message" and the lines that follow it

    @property
    def exception_type(self) -> str:
        """The short name: `django.core.exceptions.ImproperlyConfigured` -> `ImproperlyConfigured`."""
        match = _EXCEPTION.match(self.exception[0]) if self.exception else None
        return match.group("type").rpartition(".")[2] if match else ""

    @property
    def message(self) -> str:
        """The exception's message, continuation lines included."""
        if not self.exception:
            return ""
        match = _EXCEPTION.match(self.exception[0])
        first = (match.group("message") or "") if match else self.exception[0]
        return "\n".join([first] + self.exception[1:]).strip()


def parse_traceback(lines: List[str]) -> Optional[ParsedTraceback]:
    """The LAST traceback in the output (the one that ended the process), or None."""
    starts = [i for i, line in enumerate(lines) if line.strip() == TRACEBACK_HEADER]
    if not starts:
        return None
    frames: List[Frame] = []
    exception: List[str] = []
    for line in lines[starts[-1] + 1:]:
        if exception:
            exception.append(line)
            continue
        match = _FRAME.match(line)
        if match:
            frames.append(Frame(match.group("path"), match.group("line"), match.group("function") or ""))
        elif line.startswith("    ") and frames:
            frames[-1].source.append(line)
        elif line.strip():
            exception.append(line)
    while exception and not exception[-1].strip():
        exception.pop()
    return ParsedTraceback(frames, exception)


def is_library_path(path: str) -> bool:
    return (
        path.startswith("<")
        or "/site-packages/" in path
        or "/dist-packages/" in path
        or "/.heroku/python/" in path
        or re.search(r"/lib/python3\.\d+/", path) is not None
    )


def relative_path(path: str, build_dir: str) -> str:
    """A path as the user knows it: relative to the root of their repository."""
    for prefix in (build_dir.rstrip("/") + "/", "/app/"):
        if prefix != "/" and path.startswith(prefix):
            return path[len(prefix):]
    return path


def app_frame(parsed: ParsedTraceback) -> Optional[Frame]:
    """The innermost frame in the app's own code, unless that is only manage.py itself."""
    for frame in reversed(parsed.frames):
        if not is_library_path(frame.path):
            return None if frame.path.endswith("manage.py") and frame.function in ("main", "<module>") else frame
    return None


def excerpt(lines: List[str], build_dir: str) -> List[str]:
    """The relevant tail: the app's frame and the exception, not a wall of traceback."""
    parsed = parse_traceback(lines)
    if parsed is None or not parsed.exception:
        shown = [line for line in lines if line.strip()]
        return shown[-EXCERPT_MAX_PLAIN_LINES:]
    result: List[str] = []
    frame = app_frame(parsed)
    if frame is not None:
        where = f'  File "{relative_path(frame.path, build_dir)}", line {frame.line}'
        result.append(where + (f", in {frame.function}" if frame.function else ""))
        result.extend(line for line in frame.source if not _CARETS.match(line) or not frame.function)
    shown_exception = parsed.exception[:EXCERPT_MAX_EXCEPTION_LINES]
    if len(parsed.exception) > EXCERPT_MAX_EXCEPTION_LINES:
        shown_exception.append("...")
    return result + shown_exception


def indent(lines: List[str]) -> str:
    return "\n".join("    " + line if line else "" for line in lines)
