"""The Procfile checks' lookups against the slug as it is (files in a temporary app)."""
from __future__ import annotations

from buildpack.app import slug_lookup


def test_node_programs_count_only_where_a_buildpack_puts_them(tmp_path):
    """The stack's /usr/bin may have a node (this machine's does); Heroku's has none."""
    python_home = tmp_path / ".heroku" / "python"
    (python_home / "bin").mkdir(parents=True)
    lookup = slug_lookup.filesystem_lookup(tmp_path, python_home)
    assert lookup.command_exists("sh")  # the stack's programs count
    assert not lookup.command_exists("node")
    node = tmp_path / ".heroku" / "node" / "bin" / "node"
    node.parent.mkdir(parents=True)
    node.write_text("#!/bin/sh\n")
    assert slug_lookup.filesystem_lookup(tmp_path, python_home).command_exists("node")


def test_console_scripts_files_and_modules(tmp_path):
    python_home = tmp_path / ".heroku" / "python"
    (python_home / "bin").mkdir(parents=True)
    (python_home / "bin" / "gunicorn").write_text("#!/bin/sh\n")
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "wsgi.py").write_text("application = 1\n")
    lookup = slug_lookup.filesystem_lookup(tmp_path, python_home)
    assert lookup.command_exists("gunicorn") and not lookup.command_exists("gunicron")
    assert list(lookup.installed_commands) == ["gunicorn"]
    assert lookup.path_exists("mysite/wsgi.py") and not lookup.path_exists("bin/start")
    assert lookup.module_source("mysite.wsgi", ["."]) == (True, "application = 1\n")
    assert lookup.module_source("nosuch.wsgi", ["."]) == (False, None)
