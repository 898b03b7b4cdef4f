"""The Node.js asset step: package.json's build script, and who installed Node (table tests)."""
from __future__ import annotations

import json

import pytest

from buildpack.source import node_assets


@pytest.mark.parametrize("text, expected", [
    ('{"scripts": {"build": "vite build"}}', ("build", "vite build")),
    ('{"scripts": {"build": "webpack --mode production", "heroku-postbuild": "npm run build:css"}}',
     ("heroku-postbuild", "npm run build:css")),
    ('{"scripts": {"build": "  tailwindcss -i in.css -o static/out.css  "}}',
     ("build", "tailwindcss -i in.css -o static/out.css")),
    ('{"scripts": {"dev": "vite", "test": "jest"}}', None),
    ('{"scripts": {"build": ""}}', None),
    ('{"scripts": {"build": ["not", "a", "string"]}}', None),
    ('{"scripts": "build"}', None),
    ('{"name": "x"}', None),
    ("[1, 2]", None),
    ("{not json", None),
    ("", None),
])
def test_build_script(text, expected):
    assert node_assets.build_script(text) == expected


def test_read_build_script_tolerates_what_is_not_a_file(tmp_path):
    assert node_assets.read_build_script(tmp_path) is None
    (tmp_path / "package.json").mkdir()
    assert node_assets.read_build_script(tmp_path) is None  # the Node.js buildpack's to report
    (tmp_path / "package.json").rmdir()
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"build": "vite build"}}))
    assert node_assets.read_build_script(tmp_path) == ("build", "vite build")


@pytest.mark.parametrize("entries, programs, expected", [
    # The Node.js buildpack's export put its directory on the PATH.
    (["/tmp/build/.heroku/node/bin", "/usr/bin", "/bin"], {"/tmp/build/.heroku/node/bin/node"},
     ("/tmp/build/.heroku/node/bin/node", None)),
    # Only the stack's fixed directories have one (a local machine): not counted as installed.
    (["/usr/local/bin", "/usr/bin/", "/bin"], {"/usr/bin/node"}, (None, "/usr/bin/node")),
    (["/usr/bin", "/bin"], set(), (None, None)),
    # Any directory a previous buildpack added counts.
    (["/app/.nvm/bin", "/usr/bin"], {"/app/.nvm/bin/node", "/usr/bin/node"}, ("/app/.nvm/bin/node", "/usr/bin/node")),
])
def test_node_before_us(entries, programs, expected):
    assert node_assets.node_before_us(entries, lambda path: path in programs) == expected


def test_path_entries_add_the_node_buildpacks_directory(tmp_path):
    assert node_assets.path_entries("/usr/bin::/bin", tmp_path) == [
        "/usr/bin", "/bin", str(tmp_path / ".heroku" / "node" / "bin")]


def make_app(tmp_path, scripts):
    (tmp_path / "package.json").write_text(json.dumps({"scripts": scripts}))
    return tmp_path


def test_warns_when_nothing_installed_node(tmp_path, capsys):
    app = make_app(tmp_path, {"build": "vite build"})
    title, body = node_assets.warn_if_unbuilt(app, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    err = capsys.readouterr().err
    assert " !     Warning: package.json has a build script, but Node.js is not installed." in err
    assert "    vite build\n" in body
    assert "   heroku buildpacks:add --index 1 heroku/nodejs" in err


def test_no_warning_when_a_buildpack_installed_node_or_nothing_needs_it(tmp_path, capsys):
    app = make_app(tmp_path, {"build": "vite build"})
    node = app / ".heroku" / "node" / "bin" / "node"
    node.parent.mkdir(parents=True)
    node.write_text("#!/bin/sh\n")
    node.chmod(0o755)
    assert node_assets.warn_if_unbuilt(app, "/usr/bin:/bin") is None
    assert node_assets.node_installed(app, "/usr/bin:/bin")
    other = tmp_path / "other"
    other.mkdir()
    assert node_assets.warn_if_unbuilt(make_app(other, {"test": "jest"}), "/usr/bin") is None  # no build script
    assert capsys.readouterr().err == ""


def test_the_stacks_own_node_is_named_but_not_counted():
    title, body = node_assets.unbuilt_warning(("build", "webpack"), "/usr/bin/node")
    assert "(The /usr/bin/node of this build machine's image is not counted:" in body
    assert "/usr/bin/node" not in node_assets.unbuilt_warning(("build", "webpack"), None)[1]


@pytest.mark.parametrize("reason, lines, expected", [
    ("manifest-missing-file", [], True),
    ("manifest-missing-entry", [], True),
    ("failed", ["?: (staticfiles.W004) The directory '/app/frontend/dist' in the STATICFILES_DIRS setting "
                "does not exist."], True),
    ("failed", ["ValueError: Missing staticfiles manifest entry for 'app.js'"], True),
    ("env-var-missing", ["KeyError: 'SECRET_KEY'"], False),
    ("static-root-unset", [], False),
])
def test_missing_built_file(reason, lines, expected):
    assert node_assets.missing_built_file(reason, lines) is expected


def test_collectstatic_advice_depends_on_whether_node_ran():
    missing = node_assets.collectstatic_advice(("build", "vite build"), node_installed=False)
    assert "heroku buildpacks:add --index 1 heroku/nodejs" in missing and "\"build\" script" in missing
    ran = node_assets.collectstatic_advice(("build", "vite build"), node_installed=True)
    assert "heroku buildpacks:add" not in ran and "STATICFILES_DIRS" in ran
