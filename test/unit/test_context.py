import os
from pathlib import Path

import pytest

from buildpack import context
from buildpack.context import Context, is_enabled, scan_config_vars


def make_context(tmp_path, environ=None, config=None):
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    for name, value in (config or {}).items():
        (env_dir / name).write_text(value)
    return Context.from_args([str(tmp_path), str(tmp_path / "cache"), str(env_dir)], environ or {})


def test_config_vars_are_raw_file_contents(tmp_path):
    ctx = make_context(tmp_path, config={"SECRET_KEY": "a\nmulti-line value", "EMPTY": ""})
    assert ctx.config_vars == {"EMPTY": "", "SECRET_KEY": "a\nmulti-line value"}


def test_denylisted_config_vars_never_reach_the_app_steps(tmp_path):
    config = {"PATH": "/evil", "PYTHONHOME": "/x", "LD_PRELOAD": "x.so", "GIT_DIR": "/g", "CACHE_DIR": "/c",
              "PIP_TARGET": "/t", "DJANGO_SETTINGS_MODULE": "p.settings"}
    ctx = make_context(tmp_path, config=config)
    assert ctx.safe_config_vars() == {"DJANGO_SETTINGS_MODULE": "p.settings"}


def test_only_allowlisted_pip_settings_reach_pip(tmp_path):
    config = {"PIP_INDEX_URL": "https://u:p@x/simple", "PIP_TARGET": "/t", "PIP_USER": "1", "PIP_TRUSTED_HOST": "x"}
    ctx = make_context(tmp_path, config=config)
    assert ctx.pip_config_vars() == {"PIP_INDEX_URL": "https://u:p@x/simple", "PIP_TRUSTED_HOST": "x"}


def test_setting_prefers_process_environment(tmp_path):
    ctx = make_context(tmp_path, environ={"PYTHON_RUNTIMES_URL": "file:///a"}, config={"PYTHON_RUNTIMES_URL": "file:///b"})
    assert ctx.setting("PYTHON_RUNTIMES_URL") == "file:///a"
    ctx = make_context(tmp_path / "2", config={"PYTHON_RUNTIMES_URL": "file:///b"}) if (tmp_path / "2").mkdir() is None else None
    assert ctx.setting("PYTHON_RUNTIMES_URL") == "file:///b"


@pytest.mark.parametrize("value, enabled", [(None, False), ("", False), ("0", False), (" 0\n", False),
                                            ("1", True), ("true", True), ("no", True)])
def test_switches(value, enabled):
    assert is_enabled(value) is enabled


def test_missing_env_dir_means_no_config_vars(tmp_path):
    assert scan_config_vars(tmp_path / "nope") == ({}, [])
    assert scan_config_vars(None) == ({}, [])


def test_paths(tmp_path):
    ctx = make_context(tmp_path)
    assert ctx.python_home == tmp_path.resolve() / ".heroku" / "python"
    assert ctx.app_python == Path("/app/.heroku/python/bin/python")


def test_files_that_cannot_be_variables_are_skipped_with_why_never_their_value(tmp_path):
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "GOOD").write_text("value\nover lines")
    (env_dir / "A=B").write_text("x")
    (env_dir / "1BAD-NAME").write_text("x")
    (env_dir / "NUL_VALUE").write_bytes(b"abc\0secret-after-nul")
    (env_dir / "HUGE").write_text("v" * (context.MAX_CONFIG_VALUE + 1))
    (env_dir / "SOME_DIR").mkdir()
    (env_dir / "DANGLING").symlink_to("nowhere")
    os.mkfifo(env_dir / "PIPE")  # reading it would block for ever
    (env_dir / ".hidden").write_text("x")
    values, skipped = context.scan_config_vars(env_dir)
    assert values == {"GOOD": "value\nover lines"}
    assert dict(skipped) == {
        "1BAD-NAME": "its name is not a valid variable name (letters, digits and _)",
        "A=B": "its name is not a valid variable name (letters, digits and _)",
        "DANGLING": "it is a broken link",
        "HUGE": "its value is larger than 64 KB",
        "NUL_VALUE": "its value contains a NUL byte, which no environment can hold",
        "PIPE": "it is not a regular file",
        "SOME_DIR": "it is a directory",
    }
    assert "secret-after-nul" not in repr(skipped)
