"""The stacks this buildpack builds on: the table of their facts, and their end of life."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Dict, Optional, Tuple

from buildpack import reasons
from buildpack.errors import StackUnknownError
from buildpack.output import quote


@dataclass(frozen=True)
class Stack:
    name: str
    ubuntu: str  # "22.04": names the official runtime archives
    glibc: Optional[str]
    openssl: str  # the libssl major the image has
    end_of_life: Optional[date] = None


STACKS: Dict[str, Stack] = {
    "heroku-20": Stack("heroku-20", "20.04", "2.31", "1.1", end_of_life=date(2025, 4, 30)),
    "heroku-22": Stack("heroku-22", "22.04", "2.35", "3"),
    "heroku-24": Stack("heroku-24", "24.04", "2.39", "3"),
    # Ubuntu 26.04's glibc is not known here yet; None skips that check.
    "heroku-26": Stack("heroku-26", "26.04", None, "3"),
}
RETIRED_STACKS = ("cedar", "cedar-14", "heroku-16", "heroku-18")


def stack_info(name: str) -> Stack:
    """The facts about a stack; StackUnknownError for anything not in STACKS."""
    if name in STACKS:
        return STACKS[name]
    known = ", ".join(STACKS)
    if not name:
        body = (
            f"The STACK environment variable is not set, so the build can't\n"
            f"tell which runtime fits this machine. Heroku always sets it.\n\n"
            f"When building outside Heroku, set STACK to one of:\n{known}."
        )
        raise StackUnknownError("The stack is not set.", body, reasons.STACK_UNKNOWN)
    if name in RETIRED_STACKS:
        body = (
            f"This app is on {quote(name)}, a stack that was retired long ago.\n"
            f"No Python runtime is built for it.\n\n"
            f"To fix it:\n"
            f"1. Move the app to a current stack: heroku stack:set heroku-24\n"
            f"2. Deploy again.\n\n"
            f"Supported stacks: {known}."
        )
        raise StackUnknownError(f"The stack {name} is no longer supported.", body, reasons.STACK_UNSUPPORTED)
    body = (
        f"STACK is {quote(name)}, which this buildpack does not know, so it\n"
        f"can't tell which Python runtime fits the machine.\n\n"
        f"Supported stacks: {known}.\n"
        f"If this is a new Heroku stack, use a newer version of this buildpack."
    )
    raise StackUnknownError(f"Unknown stack {name}.", body, reasons.STACK_UNKNOWN)


def check_stack(name: str, today: Optional[date] = None) -> Optional[Tuple[str, str]]:
    """A warning block when the stack is past its end of life; raises for an unknown stack."""
    stack = stack_info(name)
    today = today or date.today()
    if stack.end_of_life is None or today < stack.end_of_life:
        return None
    body = (
        f"This app is built on {stack.name} (Ubuntu {stack.ubuntu}), which reached its end\n"
        f"of life on {stack.end_of_life.isoformat()}: its operating system no longer gets\n"
        f"security updates, and Heroku no longer accepts builds on it.\n\n"
        f"To upgrade:\n"
        f"1. heroku stack:set heroku-24 (the app's dependencies may need\n"
        f"   newer versions that ship wheels for Ubuntu 24.04)\n"
        f"2. Deploy again."
    )
    return (f"The {stack.name} stack reached its end of life.", body)
