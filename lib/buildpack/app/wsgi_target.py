"""The WSGI/ASGI application a Procfile's server command names (gunicorn, uvicorn, daphne ...),
and whether the app's module defines it: pure functions over the words and the source, and
the module's file looked up in the app or its installed packages."""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Tuple

from buildpack.app.shell_command import Invocation

_TARGET = re.compile(r"^(?P<module>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*)(?P<call>\(.*\))?$")
_MODULE_ONLY = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.(?:wsgi|asgi)$")
# Servers whose positional argument is the application, and whether `module` alone means module:application.
_SERVERS = {"gunicorn": True, "uvicorn": False, "daphne": False, "hypercorn": True, "waitress-serve": False,
            "granian": False}
# Options of those servers that take a value as the next word (so that word is not the application).
_VALUE_OPTIONS = frozenset({
    "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "-t", "--timeout",
    "--threads", "--log-level", "--access-logfile", "--error-logfile", "--log-file", "-e", "--env",
    "--pythonpath", "--chdir", "--max-requests", "--max-requests-jitter", "--graceful-timeout",
    "--keep-alive", "--worker-connections", "-n", "--name", "--log-config", "--access-logformat",
    "--forwarded-allow-ips", "--host", "--port", "--app-dir", "--root-path", "--proxy-headers",
    "-p", "-u", "--uds", "--fd", "--interface", "--env-file", "--limit-concurrency", "--timeout-keep-alive",
})
_UNKNOWABLE = re.compile(r"\bimport \*|globals\(\)|__getattr__|setattr\(|exec\(")


def server_of(invocation: Invocation) -> Optional[Tuple[str, List[str]]]:
    """(server, its arguments) for gunicorn & co., also as `python -m gunicorn`."""
    program = invocation.program.rsplit("/", 1)[-1]
    if program in _SERVERS:
        return program, invocation.args
    if re.match(r"^python[\d.]*$", program) and len(invocation.args) >= 2 and invocation.args[0] == "-m":
        module = invocation.args[1].split(".")[0]
        if module in _SERVERS:
            return module, invocation.args[2:]
    return None


def application_target(server: str, args: List[str]) -> Optional[Tuple[str, str, List[str]]]:
    """(module, attribute, the directories it is imported from) of the application the server is given."""
    dirs: List[str] = []
    base = "."
    target = None
    skip_next = False
    for index, word in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            name, _, value = word.partition("=")
            given = value or (args[index + 1] if index + 1 < len(args) else "")
            if name in ("--chdir", "--app-dir") and given:
                base = given  # the server imports from there instead
            elif name == "--pythonpath" and given:
                dirs.extend(given.split(","))
            if not value and name in _VALUE_OPTIONS:
                skip_next = True
            continue
        match = _TARGET.match(word)
        if match:
            target = (match.group("module"), match.group("attr"))
        elif _SERVERS.get(server) and _MODULE_ONLY.match(word):
            target = (word, "application")
    if target is None:
        return None
    return target[0], target[1], [base] + dirs


_BINDING = r"^(?:{name}\s*(?::[^=\n]*)?=|(?:async\s+)?def\s+{name}\b|class\s+{name}\b)"


def defines(source: str, name: str) -> Optional[bool]:
    """Whether a module's source binds `name` at top level; None when it cannot tell."""
    if _UNKNOWABLE.search(source):
        return None
    if re.search(_BINDING.format(name=re.escape(name)), source, re.MULTILINE):
        return True
    if re.search(rf"^(?:from\s+\S+\s+)?import\s[^\n]*\b(?:as\s+)?{re.escape(name)}\b", source, re.MULTILINE):
        return True
    if re.search(rf"^\s*\(?[\w\s,]*\b{re.escape(name)}\b[\w\s,]*\)?\s*=", source, re.MULTILINE):
        return True  # a, application = ...
    if re.search(rf"^from\s+\S+\s+import\s*\((?:[^)]*\b{re.escape(name)}\b)", source, re.MULTILINE):
        return True
    return False


def top_level_names(source: str) -> List[str]:
    return re.findall(r"^(?:(?:async\s+)?def\s+|class\s+)?([A-Za-z_]\w*)\s*(?:=|\(|:)", source, re.MULTILINE)


MODULE_READ_LIMIT = 1024 * 1024


def module_file(root: Path, parts: List[str], compiled: bool = False) -> Optional[Path]:
    base = root.joinpath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    if compiled and base.parent.is_dir() and any(base.parent.glob(base.name + ".*.so")):
        return base
    return None


def read_source(path: Path) -> Optional[str]:
    try:
        with path.open("rb") as handle:
            return handle.read(MODULE_READ_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None
