"""Issue 21.3: an app whose static files are built by Node (package.json's build script),
through the real bin/ scripts: alone, this buildpack says the Node.js buildpack is missing
(a warning, and the collectstatic failure on the unbuilt file names the same fix); after a
stand-in for heroku/nodejs (test/fixtures/node_buildpack: it installs a `node`, writes the
built CSS and exports its PATH) the same app builds. Both builds reuse the tutorial's warm
cache (the fixture has its requirements), so neither runs an installer.
"""
from __future__ import annotations

from integration.conftest import FIXTURES, assert_clean_failure, clone_work, copy_fixture
from integration.local_platform import REPO, build

NODE_FIX = "   heroku buildpacks:add --index 1 heroku/nodejs"


def test_without_the_node_buildpack_the_warning_and_the_failure_name_it(tutorial_build, tmp_path):
    app = copy_fixture("django_node_assets", tmp_path / "app")
    work = clone_work(tutorial_build[1].work, tmp_path / "work")
    result = build(app, work, echo=False)
    assert "-----> Reusing the cached environment (requirements unchanged)" in result.output
    assert_clean_failure(
        result,
        " !     Warning: package.json has a build script, but Node.js is not installed.",
        '\'s "build" script builds the app\'s assets:\n !         vite build --outDir frontend/dist\n',
        "Error: collectstatic failed: css/site.css refers to main.css, which does not exist.",
        "and nothing ran it, so the files it writes are missing. Add the",
    )
    warning, error = result.output.split("Error: collectstatic failed")
    assert NODE_FIX in warning and NODE_FIX in error
    # This machine's /usr/bin has a node; Heroku's stack images have none: it is named, not counted.
    assert "of this build machine's image is not counted" in warning


def test_after_the_node_buildpack_the_app_builds_and_the_procfile_knows_who_installs_what(tutorial_build, tmp_path):
    app = copy_fixture("django_node_assets", tmp_path / "app")
    work = clone_work(tutorial_build[1].work, tmp_path / "work")
    result = build(app, work, echo=False, buildpacks=[FIXTURES / "node_buildpack", REPO])
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "-----> Stand-in Node.js buildpack: installed node, built frontend/dist/main.css" in log
    assert "Node.js is not installed" not in log and "heroku/nodejs" not in log.split("Procfile line")[0]
    assert "static files copied to 'staticfiles'" in log
    assert (result.work / "slug" / "staticfiles" / "staticfiles.json").is_file()
    # `node` is in .heroku/node/bin now: no warning for the worker; bin/render-pages is not there yet.
    assert "runs `node`" not in log
    assert " !     Warning: Procfile line 3 runs `bin/render-pages`, which is not in the app yet." in log
    assert "not installed" not in log


def test_a_procfile_program_of_the_node_buildpack_is_not_called_missing(tutorial_build, tmp_path):
    app = copy_fixture("django_node_assets", tmp_path / "app")
    work = clone_work(tutorial_build[1].work, tmp_path / "work")
    result = build(app, work, echo=False, config={"DISABLE_COLLECTSTATIC": "1"})
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert " !     Warning: package.json has a build script, but Node.js is not installed." in log
    assert " !     Warning: Procfile line 2 runs `node`, which another buildpack installs." in log
    assert " !     Warning: Procfile line 3 runs `bin/render-pages`, which is not in the app yet." in log
    assert "which is not installed" not in log and "which is not in the app." not in log
