"""The dyno environment: .profile.d/ scripts in the slug and the `export` file.

.profile.d scripts are sourced by bash at dyno boot, after config vars are
set: pure bash, no exit, no set -e, user values always win, $HOME expanded at
run time. The export file gives the next buildpack the same environment.
"""
from __future__ import annotations

from pathlib import Path

from .context import Context

PROFILE_NAME = "python.sh"

PROFILE_SCRIPT = """\
# Written by the Django buildpack. Sourced at dyno boot: user config vars win.
export PATH="$HOME/.heroku/python/bin:$PATH"
export LANG="${LANG:-C.UTF-8}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-1}"
export LD_LIBRARY_PATH="$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LIBRARY_PATH="$HOME/.heroku/python/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
export FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS:-*}"
export GUNICORN_CMD_ARGS="${GUNICORN_CMD_ARGS:---access-logfile -}"
"""

EXPORT_SCRIPT = """\
export PATH="/app/.heroku/python/bin:$PATH"
export LANG="${LANG:-C.UTF-8}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-1}"
export LD_LIBRARY_PATH="/app/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LIBRARY_PATH="/app/.heroku/python/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
"""


def write_profile(build_dir: Path) -> Path:
    directory = build_dir / ".profile.d"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PROFILE_NAME
    path.write_text(PROFILE_SCRIPT)
    return path


def write_export(buildpack_dir: Path) -> Path:
    path = buildpack_dir / "export"
    path.write_text(EXPORT_SCRIPT)
    return path


def write(ctx: Context) -> None:
    write_profile(ctx.build_dir)
    try:
        write_export(ctx.buildpack_dir)
    except OSError:
        # A read-only buildpack dir (some platforms) only loses multi-buildpack support.
        pass
