"""A buildpack before this one (heroku-community/apt) installs a shared library and exports
its search paths: the app that loads it at import time builds, because every step of this
buildpack passes the exported LD_LIBRARY_PATH (and LIBRARY_PATH, CPATH...) on to pip and
to Django. test/fixtures/apt_buildpack stands in for the real one (no network). The build
reuses the tutorial's warm cache, so no installer runs.
"""
from __future__ import annotations

from integration.conftest import FIXTURES, clone_work, copy_fixture
from integration.local_platform import REPO, build

LOADS_THE_LIBRARY = '\nimport ctypes\n\nctypes.CDLL("libaptdemo.so.1")  # as a binding does, on import\n'


def test_a_library_an_earlier_buildpack_installed_is_found_by_collectstatic(tutorial_build, tmp_path):
    app = copy_fixture("django_tutorial", tmp_path / "app")
    (app / "Aptfile").write_text("libaptdemo1\n")
    with open(app / "portfolio" / "settings.py", "a") as settings:
        settings.write(LOADS_THE_LIBRARY)
    work = clone_work(tutorial_build[1].work, tmp_path / "work")
    result = build(app, work, echo=False, buildpacks=[FIXTURES / "apt_buildpack", REPO])
    assert result.returncode == 0, result.output[-3000:]
    log = result.output
    assert "-----> Stand-in Apt buildpack: installed libaptdemo.so.1" in log
    assert "-----> Reusing the cached environment (requirements unchanged)" in log
    assert "static files copied to 'staticfiles'" in log
    assert "cannot open shared object file" not in log
