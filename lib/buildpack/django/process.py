"""The build's one Django process: started once, asked in turn for the settings,
collectstatic and the production checks (scripts/django_process.py answers).

One interpreter start and one Django import instead of three. Each request has a
time limit (step_limits); the record the script writes when a request is done is
how a process that vanished (os._exit in the settings, a kill) is told apart
from one that finished.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from buildpack import commands, reasons, step_limits
from buildpack.context import Context
from buildpack.errors import DjangoProcessError

# The step the process was asked for when it ended -> why it failed.
_EXITED_REASONS = {"inspected": reasons.DJANGO_PROCESS_EXITED_SETTINGS,
                   "collectstatic": reasons.DJANGO_PROCESS_EXITED_COLLECTSTATIC}
SCRIPT = Path(__file__).resolve().parent / "scripts" / "django_process.py"
# What each request is called in the log, and its step_limits key.
STEPS = {
    "inspected": ("importing the Django settings", "settings"),
    "collectstatic": ("collectstatic", "collectstatic"),
    "checks": ("the Django production checks", "checks"),
}


@dataclass
class Outcome:
    """What a request gave: its record (None if the process ended or was stopped first)."""

    record: Optional[Dict[str, object]]
    tail: List[str] = field(default_factory=list)
    returncode: Optional[int] = None  # set when the process ended
    timed_out: bool = False


class DjangoProcess:
    def __init__(self, ctx: Context, env: Dict[str, str], project_root: Path, manage_py: str) -> None:
        self.ctx = ctx
        options = {"manage_py": manage_py, "config_var_names": sorted(ctx.safe_config_vars()),
                   "build_dir": str(ctx.build_dir)}
        self.settings_module = env.get("DJANGO_SETTINGS_MODULE")
        self._conversation: Optional[commands.Conversation] = None
        self.returncode: Optional[int] = None
        self.settings_output: List[str] = []  # what the app printed while its settings were imported
        self.records: Dict[str, Dict[str, object]] = {}  # each request's answer, for the next build to reuse
        try:
            self._conversation = commands.Conversation(
                [str(ctx.app_python), str(SCRIPT), json.dumps(options)], env, cwd=project_root
            )
        except OSError:
            self.returncode = 127

    def _wait(self, kind: str, on_line: Callable[[str], None]) -> Outcome:
        conversation = self._conversation
        if conversation is None:
            return Outcome(None, returncode=self.returncode)
        limit = step_limits.limit(self.ctx, STEPS[kind][1])
        record = conversation.wait_for(kind, limit, on_line)
        if record is not None:
            self.records[kind] = record
        outcome = Outcome(record, list(conversation.tail), timed_out=conversation.timed_out)
        conversation.tail.clear()
        if record is None:
            self.returncode = outcome.returncode = conversation.finish(limit)
            self._conversation = None
            if outcome.timed_out:
                raise step_limits.timeout_error(STEPS[kind][0], limit)
        return outcome

    def inspect(self) -> Outcome:
        """The settings, as manage.py's own start-up leaves them."""
        outcome = self._wait("inspected", lambda line: None)
        self.settings_output = outcome.tail
        return outcome

    def collectstatic(self, verbose: bool, on_line: Callable[[str], None]) -> Outcome:
        if self._conversation is not None:
            self._conversation.send({"run": "collectstatic", "verbose": verbose})
        return self._wait("collectstatic", on_line)

    def checks(self) -> Outcome:
        if self._conversation is not None:
            self._conversation.send({"run": "checks"})
        return self._wait("checks", lambda line: None)

    def close(self) -> None:
        if self._conversation is not None:
            self.returncode = self._conversation.finish(step_limits.limit(self.ctx, "checks"))
            self._conversation = None


def vanished_error(step: str, settings_module: Optional[str], returncode: Optional[int]) -> DjangoProcessError:
    """The process ended without finishing `step` and without an error of its own."""
    status, cause = commands.describe_exit(returncode if returncode is not None else 0)
    where = "importing the settings" + (f" ({settings_module})" if settings_module else "")
    if step == "inspected":
        title = "Django exited while importing the settings."
        doing = f"before it finished\n{where}"
    else:
        title = "Django exited during collectstatic, before it finished."
        doing = "before collectstatic\nfinished"
    body = (
        f"The build's Django process ended ({status}) {doing},\n"
        "so collectstatic did not run to its end and the static files are\n"
        "missing." + (f"\n{cause}" if cause else "") + "\n"
        "With exit status 0, something in the app's code ended the process:\n"
        "os._exit(), or sys.exit() outside a management command.\n\n"
        "To fix it:\n"
        "1. Look for os._exit( and sys.exit( in the settings and the modules\n"
        "   they import, and remove them.\n"
        "2. Run `python manage.py collectstatic --noinput` locally: it stops\n"
        "   the same way."
    )
    return DjangoProcessError(title, body, reason=_EXITED_REASONS.get(step, reasons.DJANGO_PROCESS_EXITED))
