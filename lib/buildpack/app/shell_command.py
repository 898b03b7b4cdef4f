"""The shell words of a Procfile command: its simple commands, the program each runs and
where (after `cd`), as far as they can be known without running a shell (pure)."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import List, Optional

# Programs that run the rest of the line as the command.
WRAPPERS = {"exec": 0, "nohup": 0, "time": 0, "ddtrace-run": 0, "newrelic-admin": 1, "env": 0}
SHELL_WORDS = frozenset({
    "cd", "exec", "export", "source", ".", "true", "false", "test", "[", "echo", "printf", "set", "trap",
    "if", "then", "else", "fi", "for", "while", "do", "done", "case", "esac", "{", "}", "(", ")", "!",
    "ulimit", "umask", "wait", "eval", "sleep", "command", "builtin",
})
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def split_commands(command: str) -> Optional[List[List[str]]]:
    """The simple commands of a shell line (split at &&, ||, ;, |); None if it cannot be parsed."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return None
    commands: List[List[str]] = [[]]
    for word in words:
        if word in _OPERATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


@dataclass
class Invocation:
    program: str
    args: List[str]
    cwd: str  # relative to the app root, after `cd`


def invocations(command: str) -> Optional[List[Invocation]]:
    parts = split_commands(command)
    if parts is None:
        return None
    cwd = "."
    found = []
    for words in parts:
        while words and _ASSIGNMENT.match(words[0]):
            words = words[1:]
        if words and words[0] == "cd":
            if len(words) > 1 and not words[1].startswith(("$", "~", "/", "-")):
                cwd = words[1] if cwd == "." else f"{cwd}/{words[1]}"
            continue
        while words and words[0] in WRAPPERS:
            skip = WRAPPERS[words[0]]
            if words[0] not in ("exec", "nohup", "time", "env"):
                found.append(Invocation(words[0], [], cwd))  # the wrapper itself must be installed
            words = words[1 + skip:]
            while words and (_ASSIGNMENT.match(words[0]) or words[0].startswith("-")):
                words = words[1:]
        if words:
            found.append(Invocation(words[0], words[1:], cwd))
    return found


def join_path(cwd: str, path: str) -> str:
    joined = path if cwd == "." else f"{cwd}/{path}"
    parts: List[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts:
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)
