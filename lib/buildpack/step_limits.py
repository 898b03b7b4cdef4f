"""Time limits for the build steps that run the app's own code.

The settings import, collectstatic, the production checks and the bin/pre_compile
and bin/post_compile hooks run code the buildpack does not control: one that
waits forever (a database the build cannot reach, an input prompt) must end
with an error that names the step, well inside Heroku's compile time limit,
not hang the build. BUILD_STEP_TIMEOUT (seconds) raises or lowers every limit.
"""
from __future__ import annotations

from typing import Optional

from buildpack import reasons
from buildpack.context import Context
from buildpack.errors import StepTimeoutError

CONFIG_VAR = "BUILD_STEP_TIMEOUT"
# Seconds. A settings import or the checks take seconds; collectstatic of a large
# project with a remote storage and the app's own hooks can take minutes.
DEFAULTS = {"settings": 120, "collectstatic": 600, "checks": 120, "hook": 600}


def configured(value: Optional[str]) -> Optional[int]:
    """BUILD_STEP_TIMEOUT as a whole number of seconds; None when unset or not a positive number."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def limit(ctx: Context, step: str) -> int:
    return configured(ctx.setting(CONFIG_VAR)) or DEFAULTS[step]


def timeout_error(step: str, seconds: int) -> StepTimeoutError:
    return StepTimeoutError(
        f"Time limit reached: {step} took more than {seconds} seconds.",
        f"The buildpack stopped {step} after {seconds} seconds: a build step\n"
        "that runs the app's code must finish, or the build would hang until\n"
        "Heroku's compile time limit ends it without a word.\n\n"
        "To fix it:\n"
        "1. Look for code that waits at build time: a database, an API or a\n"
        "   service the build cannot reach, a prompt for input, a loop.\n"
        "2. Run the same step locally and see where it stops.\n"
        "3. If it only needs more time, raise the limit (in seconds):\n"
        f"   heroku config:set {CONFIG_VAR}={max(seconds * 2, 1200)}",
        reason=reasons.STEP_TIMEOUT,
    )
