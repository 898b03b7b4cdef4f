"""The killed-build harness: a build SIGKILLed at a chosen line of its output.

A deploy can die at any moment (an OOM kill, a dyno restart, a cancelled
push). The cache must then hold the old generation or the new one, never a
broken mix, and the next build must simply work. To test that, the build runs
as a separate `tools/localheroku.py build --cache-in-place` process (the cache
mounted in place, as Dokku mounts it, so a killed build leaves its traces in
the real cache and not in a throw-away copy), in its own process group, and
the whole group (localheroku, bubblewrap and everything inside the sandbox) is
killed the moment a line of the build log matches a pattern.

    output = build_killed_when(app, work, r"^-----> Running collectstatic")

No sleeps: the output is read line by line and the kill follows the line.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Union

import localheroku
from integration.local_platform import REPO
from localheroku.stacks import DEFAULT_STACK

TOOLS = REPO / "tools"


class BuildNotKilledError(AssertionError):
    """The build ended before any line matched: the test's premise did not hold."""


def cli_options(config: Union[Dict[str, str], None] = None, network: bool = True,
                build_dir_name: Union[str, None] = None, stack: Union[str, None] = None,
                ci: bool = False, buildpack: Union[str, Path, None] = None) -> List[str]:
    """localheroku.build()'s keyword arguments as its command-line options."""
    args: List[str] = []
    for name, value in (config or {}).items():
        args += ["--config", f"{name}={value}"]
    if not network:
        args.append("--no-network")
    if build_dir_name:
        args += ["--build-dir-name", build_dir_name]
    if stack:
        args += ["--stack", stack]
    if ci:
        args.append("--ci")
    if buildpack:
        args += ["--buildpack", str(buildpack)]
    return args


def build_killed_when(app_dir: Union[str, Path], work: Union[str, Path], pattern: str, **build_options: object) -> str:
    """Build app_dir into work, SIGKILL the whole build when a line matches pattern.

    Returns the output up to and including the matching line. Raises
    BuildNotKilledError (with the output) if the build ends first. The
    scratch directories localheroku would have removed are cleaned up; what
    the buildpack left in the cache goes back to work/cache, for the next build to face.
    """
    work = Path(work)
    matcher = re.compile(pattern)
    argv = [sys.executable, "-u", "-m", "localheroku", "build", str(app_dir), "--work", str(work),
            "--cache-in-place", *cli_options(**build_options)]  # type: ignore[arg-type]
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(TOOLS), RUNNER="sandbox",
               STACK=DEFAULT_STACK)  # build()'s defaults
    lines: List[str] = []
    # A session of its own: its process group holds localheroku, bwrap and the sandbox's processes.
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, start_new_session=True)
    killed = False
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if matcher.search(line.rstrip("\n")):
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        if not killed and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the test itself failed or was interrupted
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        # What localheroku's next build would do: the in-place cache goes back to
        # work/cache as the killed build left it, the rest of the scratch dirs away.
        localheroku.recover_cache(work)
    output = "".join(lines)
    if not killed:
        raise BuildNotKilledError(
            f"the build ended (status {process.returncode}) before a line matched {pattern!r}:\n{output[-3000:]}")
    return output
