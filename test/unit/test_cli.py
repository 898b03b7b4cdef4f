"""cli.main, the last line of defence: an expected error is a block and exit 1, anything else a bug report."""
from __future__ import annotations

import pytest

from buildpack import cli
from buildpack import compile as compile_step
from buildpack.errors import BuildpackError, PythonVersionError


def run(monkeypatch, capsys, behaviour, argv=("compile", "/tmp/build", "/tmp/cache", "/tmp/env")):
    monkeypatch.setattr(compile_step, "main", behaviour)
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_an_expected_error_is_an_error_block_and_exit_1(monkeypatch, capsys):
    def fail(argv, environ, command):
        raise PythonVersionError("Invalid Python version in runtime.txt.", "runtime.txt contains 'python 3'.",
                                 "python-version::malformed")

    status, out, err = run(monkeypatch, capsys, fail)
    assert status == 1
    assert err == (
        "\n !     Error: Invalid Python version in runtime.txt.\n"
        " !\n"
        " !     runtime.txt contains 'python 3'.\n"
        " !\n"
        " !     For more information, see:\n"
        " !     https://devcenter.heroku.com/articles/python-runtimes\n\n"
    )
    assert out == ""


def test_a_base_buildpack_error_is_expected_too(monkeypatch, capsys):
    def fail(argv, environ, command):
        raise BuildpackError("Something the user can fix.")

    status, _, err = run(monkeypatch, capsys, fail)
    assert status == 1
    assert " !     Error: Something the user can fix.\n" in err
    assert "Traceback" not in err and "Internal error" not in err


def test_anything_else_is_an_internal_error_with_the_traceback(monkeypatch, capsys):
    def crash(argv, environ, command):
        raise ZeroDivisionError("the bug itself")

    status, _, err = run(monkeypatch, capsys, crash)
    assert status == 1
    assert " !     Error: Internal error in the buildpack.\n" in err
    assert " !     This is a bug in the buildpack, not in your app." in err
    assert " !     Traceback (most recent call last):\n" in err
    assert " !     ZeroDivisionError: the bug itself\n" in err


def test_an_interrupted_build_says_so(monkeypatch, capsys):
    def interrupted(argv, environ, command):
        raise KeyboardInterrupt

    status, _, err = run(monkeypatch, capsys, interrupted)
    assert status == 1
    assert err == "\n !     Error: The build was interrupted.\n\n"


def test_success_passes_the_arguments_and_the_command_through(monkeypatch, capsys):
    seen = []

    def succeed(argv, environ, command):
        seen.append((argv, command))
        return 0

    status, _, err = run(monkeypatch, capsys, succeed, ("test-compile", "/b", "/c", "/e"))
    assert status == 0
    assert seen == [(["/b", "/c", "/e"], "test-compile")]
    assert err == ""


@pytest.mark.parametrize("argv", [[], ["deploy"]])
def test_an_unknown_command_is_refused(capsys, argv):
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert " !     Error: Unknown buildpack command.\n" in err
    assert "compile, detect, release, test, test-compile" in err


def test_every_entry_module_has_a_main():
    import importlib

    for command, module in cli.ENTRY_MODULES.items():
        assert callable(importlib.import_module(module).main), command
