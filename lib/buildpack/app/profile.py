"""The dyno environment: the .profile.d/ script in the slug and the `export` file.

.profile.d scripts are sourced by bash at dyno boot, after the config vars are
set, in no set order: pure bash (the heroku-24 run image has no Python), never
`exit` or `set -e`, safe under a caller's `set -u`, a value the app set always
wins, `$HOME` expanded at run time, silent except on web dynos. The export
file gives the next buildpack the same PATH and variables, with /app paths
(during the build /app/.heroku/python links to the build dir's copy).
No PYTHONHOME: the runtimes find their own prefix from the interpreter's
location, and a PYTHONHOME would break any other Python on the dyno.
"""
from __future__ import annotations

from pathlib import Path

from buildpack import output
from buildpack.context import APP_HOME, Context

# Our own name, never the app's: an app may ship its own .profile.d/python.sh (the
# official buildpack's name), which must not be overwritten. "00-" sorts it first, so
# the app's own scripts already find Python on PATH and can override our defaults.
PROFILE_NAME = "00-django-buildpack-python.sh"
APP_PROFILE_NAME = "python.sh"

# A path list gets the runtime's directory in front, once: sourcing twice
# (bin/test sources .profile.d in a dyno that already did) must not grow it.
_PREPEND = """\
case ":${{{name}:-}}:" in
  *":{directory}:"*) ;;
  *) export {name}="{directory}${{{name}:+:${name}}}" ;;
esac
"""

# Plain defaults: the app's config var, when set and not empty, wins.
_DEFAULTS = """\
export LANG="${LANG:-C.UTF-8}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-1}"
"""

# gunicorn reads both. The Heroku router is the only client a dyno has, so its
# X-Forwarded-* headers are trusted. GUNICORN_CMD_ARGS outranks gunicorn.conf.py,
# so the access-log default stays out of the way of an app that has one.
_GUNICORN = """\
export FORWARDED_ALLOW_IPS="${FORWARDED_ALLOW_IPS:-*}"
if [ -z "${GUNICORN_CMD_ARGS:-}" ] && [ ! -f "${HOME:-/app}/gunicorn.conf.py" ]; then
  export GUNICORN_CMD_ARGS="--access-logfile -"
fi
"""

# min(cores * 2 + 1, memory / 256 MB), at least 1, from the dyno's cgroup
# memory limit (v2 memory.max first, then v1). "max", a 19-digit v1 "no limit"
# (9223372036854771712) or an unreadable file leaves WEB_CONCURRENCY unset, so
# gunicorn uses its own default. GNU nproc obeys OMP_NUM_THREADS, which apps
# using numpy often set to 1: it must not shrink the web server.
_WEB_CONCURRENCY = """\
__django_buildpack_web_concurrency() {
  local limit="" origin="" cores="" memory_mb workers
  if [ -n "${WEB_CONCURRENCY:-}" ]; then
    __django_buildpack_say "Using WEB_CONCURRENCY=${WEB_CONCURRENCY} (set by the app)"
    return 0
  fi
  if [ -f /sys/fs/cgroup/memory.max ]; then
    origin="cgroup v2 memory.max"
    read -r limit </sys/fs/cgroup/memory.max 2>/dev/null || true
  elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    origin="cgroup v1 memory.limit_in_bytes"
    read -r limit </sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || true
  fi
  case "$limit" in
    "" | *[!0-9]*)
      __django_buildpack_say "No memory limit found${origin:+ in $origin}: WEB_CONCURRENCY left unset"
      return 0 ;;
  esac
  if [ "${#limit}" -ge 19 ]; then
    __django_buildpack_say "No memory limit found in $origin: WEB_CONCURRENCY left unset"
    return 0
  fi
  cores="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || true)"
  case "$cores" in "" | *[!0-9]* | 0) cores=1 ;; esac
  memory_mb=$((limit / 1048576))
  workers=$((cores * 2 + 1))
  if [ $((memory_mb / 256)) -lt "$workers" ]; then workers=$((memory_mb / 256)); fi
  if [ "$workers" -lt 1 ]; then workers=1; fi
  export WEB_CONCURRENCY="$workers"
  __django_buildpack_say "WEB_CONCURRENCY=$workers (from the ${memory_mb} MB memory limit in $origin and $cores CPU core(s); set WEB_CONCURRENCY to choose another number)"
}
__django_buildpack_say() {
  case "${DYNO:-}" in web.*) echo "Django buildpack: $1" >&2 ;; esac
}
__django_buildpack_web_concurrency
unset -f __django_buildpack_web_concurrency __django_buildpack_say
"""


def path_exports(home: str) -> str:
    """PATH and the library paths with the runtime at `home`/.heroku/python in front."""
    python_home = f"{home}/.heroku/python"
    return "".join(
        _PREPEND.format(name=name, directory=directory)
        for name, directory in (
            ("PATH", f"{python_home}/bin"),
            ("LD_LIBRARY_PATH", f"{python_home}/lib"),
            ("LIBRARY_PATH", f"{python_home}/lib"),
        )
    )


def virtual_env_export(home: str) -> str:
    """VIRTUAL_ENV names the installed environment, as an activated venv would.

    Servers and tools read it to find the app's packages: uWSGI configs say
    `virtualenv = $(VIRTUAL_ENV)` (uWSGI then uses it as Python's home, which
    the runtime's prefix is), and so do many process managers. The app's own
    config var wins.
    """
    return f'export VIRTUAL_ENV="${{VIRTUAL_ENV:-{home}/.heroku/python}}"\n'


def render_profile() -> str:
    """The .profile.d script: `$HOME` stays literal so it expands on the dyno."""
    return (
        "# Written by the Django buildpack. Sourced by bash at dyno boot, after the\n"
        "# config vars are set: a value the app set always wins.\n"
        + path_exports("${HOME:-/app}")
        + virtual_env_export("${HOME:-/app}")
        + _DEFAULTS
        + _GUNICORN
        + _WEB_CONCURRENCY
    )


def render_export() -> str:
    """The export file: what the next buildpack's compile needs to run this Python."""
    return (
        "# Written by the Django buildpack for the next buildpack's compile.\n"
        + path_exports(str(APP_HOME))
        + virtual_env_export(str(APP_HOME))
        + _DEFAULTS
    )


def write_profile(build_dir: Path) -> Path:
    directory = build_dir / ".profile.d"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PROFILE_NAME
    path.write_text(render_profile())
    return path


def write_export(buildpack_dir: Path) -> Path:
    path = buildpack_dir / "export"
    path.write_text(render_export())
    return path


def write(ctx: Context) -> None:
    if (ctx.build_dir / ".profile.d" / APP_PROFILE_NAME).exists():
        output.detail(f"Keeping the app's own .profile.d/{APP_PROFILE_NAME}; the buildpack's is "
                      f".profile.d/{PROFILE_NAME} (sourced first)")
    write_profile(ctx.build_dir)
    try:
        write_export(ctx.buildpack_dir)
    except OSError:
        # A read-only buildpack dir (some platforms) only loses multi-buildpack support.
        pass
