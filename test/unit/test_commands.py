"""commands: how a child's end is described, time limits, and the Conversation protocol (real children)."""
from __future__ import annotations

import os
import sys

import pytest

from buildpack import commands

ENV = {"PATH": os.environ.get("PATH", commands.STACK_PATH)}


@pytest.mark.parametrize("returncode, status, cause_start", [
    (0, "exit status 0", ""),
    (1, "exit status 1", ""),
    (-9, "killed by signal SIGKILL", "SIGKILL most often means the process ran out of memory"),
    (-15, "killed by signal SIGTERM", "SIGTERM means something asked the process to stop"),
    (-11, "killed by signal SIGSEGV", "SIGSEGV is a crash inside compiled code"),
    (-1, "killed by signal SIGHUP", ""),
    (137, "exit status 137: a command it ran was killed by SIGKILL", "SIGKILL most often"),
    (130, "exit status 130", ""),  # SIGINT: no usual cause worth a paragraph
    (255, "exit status 255", ""),
])
def test_describe_exit(returncode, status, cause_start):
    described, cause = commands.describe_exit(returncode)
    assert described == status
    assert cause.startswith(cause_start) and bool(cause) == bool(cause_start)


def test_a_child_killed_by_a_signal_is_said_so_in_the_log(capsys):
    result = commands.run(["bash", "-c", "echo before; kill -KILL $$"], ENV)
    assert result.returncode == -9 and not result.timed_out
    out = capsys.readouterr().out
    assert "       before\n       (bash was killed by signal SIGKILL)\n       SIGKILL most often" in out


def test_a_time_limit_kills_the_child_and_what_it_started():
    result = commands.run(["bash", "-c", "sleep 600 & sleep 600; echo never"], ENV, time_limit=0.5)
    assert result.timed_out
    assert result.tail == []


def test_without_a_time_limit_nothing_is_killed():
    result = commands.run(["bash", "-c", "echo done"], ENV)
    assert (result.returncode, result.tail, result.timed_out) == (0, ["done"], False)


ECHO_CHILD = r"""
import json, os, sys
records = os.fdopen(int(sys.argv[-2]), "w")
requests = os.fdopen(int(sys.argv[-1]))
print("starting", repr(sys.stdin.read())); sys.stdout.flush()
records.write(json.dumps({"kind": "ready"}) + "\n"); records.flush()
for line in requests:
    request = json.loads(line)
    print("asked", request["n"]); sys.stdout.flush()
    if request["n"] == 3:
        os._exit(0)
    records.write(json.dumps({"kind": "answer", "n": request["n"] * 2}) + "\n"); records.flush()
"""


def test_a_conversation_streams_output_before_each_record_and_notices_a_vanished_child():
    child = commands.Conversation([sys.executable, "-c", ECHO_CHILD], ENV)
    lines = []
    assert child.wait_for("ready", 10, lines.append) == {"kind": "ready"}
    assert lines == ["starting ''"]  # its stdin is /dev/null: end of file, never a request
    child.send({"n": 2})
    assert child.wait_for("answer", 10, lines.append) == {"kind": "answer", "n": 4}
    assert lines == ["starting ''", "asked 2"]
    child.send({"n": 3})
    assert child.wait_for("answer", 10, lines.append) is None  # it ended without answering
    assert lines[-1] == "asked 3"
    assert child.finish(10) == 0


def test_a_conversation_that_passes_its_time_limit_is_killed():
    child = commands.Conversation([sys.executable, "-c", "import time; time.sleep(600)"], ENV)
    assert child.wait_for("ready", 0.5) is None
    assert child.timed_out
    assert child.finish(5) == -9


def test_printed_lines_cannot_forge_a_record():
    script = 'print(\'{"kind": "ready"}\')'
    child = commands.Conversation([sys.executable, "-c", script], ENV)
    lines = []
    assert child.wait_for("ready", 10, lines.append) is None
    assert lines == ['{"kind": "ready"}']
    child.finish(5)


def test_redacting_a_megabyte_line_without_a_url_ends():
    """An unbounded pattern took ~10^12 steps on such a line (a settings module printing 1 MB hung the build)."""
    line = "x" * 1_000_000 + " https://user:token@host/"
    assert commands.redact(line).endswith(" https://****@host/")


def test_a_childs_environment_keeps_the_search_paths_an_earlier_buildpack_exported():
    # The Apt buildpack's export: its libraries and headers must reach pip and the app.
    exported = {"LD_LIBRARY_PATH": "/tmp/build_x/.apt/usr/lib", "CPATH": "/tmp/build_x/.apt/usr/include",
                "PKG_CONFIG_PATH": "/tmp/build_x/.apt/usr/lib/pkgconfig"}
    env = commands.base_env({**ENV, **exported, "PYTHONPATH": "/elsewhere", "SECRET_KEY": "x"})
    assert {name: env[name] for name in exported} == exported
    assert "PYTHONPATH" not in env and "SECRET_KEY" not in env
