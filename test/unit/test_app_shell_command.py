"""The shell words of a Procfile command (pure, table tests)."""
from __future__ import annotations

import pytest

from buildpack.app import shell_command


@pytest.mark.parametrize("command, expected", [
    ("gunicorn a.wsgi", [["gunicorn", "a.wsgi"]]),
    ("python manage.py migrate && gunicorn a.wsgi", [["python", "manage.py", "migrate"], ["gunicorn", "a.wsgi"]]),
    ("a | b; c || d", [["a"], ["b"], ["c"], ["d"]]),
    ("bash -c 'x && y'", [["bash", "-c", "x && y"]]),
    ("bash -c 'unbalanced", None),
])
def test_split_commands(command, expected):
    assert shell_command.split_commands(command) == expected


@pytest.mark.parametrize("command, expected", [
    ("cd backend && gunicorn x.wsgi", [("gunicorn", "backend")]),
    ("WEB_CONCURRENCY=2 exec gunicorn x.wsgi", [("gunicorn", ".")]),
    ("newrelic-admin run-program gunicorn x.wsgi", [("newrelic-admin", "."), ("gunicorn", ".")]),
    ("env -i FOO=1 node server.js", [("node", ".")]),
    ("cd $HOME && ./run", [("./run", ".")]),
])
def test_invocations(command, expected):
    assert [(i.program, i.cwd) for i in shell_command.invocations(command)] == expected


@pytest.mark.parametrize("cwd, path, expected", [
    (".", "./bin/x", "bin/x"), ("backend", "../bin/x", "bin/x"), ("a/b", "c", "a/b/c"), (".", "..", ".."),
])
def test_join_path(cwd, path, expected):
    assert shell_command.join_path(cwd, path) == expected
