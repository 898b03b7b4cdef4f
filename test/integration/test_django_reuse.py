"""Issue 19: a warm rebuild whose inputs are unchanged reuses the last build's Django results.

One fixture (test/fixtures/django_collectstatic: STATICFILES_DIRS and
ManifestStaticFilesStorage) over the tutorial's warm cache, rebuilt in turn: nothing
changed, a file collectstatic does not read, a static file, a config var. The slug's
staticfiles must always be what collectstatic makes of the current sources.
"""
from __future__ import annotations

import json

import pytest

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import build

REUSED_DJANGO = "-----> Reusing the last build's Django results: the app's files, the installed packages\n"
REUSED_STATIC = "-----> Reusing collectstatic's output from the last build: nothing it reads changed\n"
RAN_STATIC = "-----> Running collectstatic\n"
CHECKS = "-----> Checking the Django settings for production\n"


@pytest.fixture(scope="module")
def shop(tutorial_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("reuse")
    app = copy_fixture("django_collectstatic", root / "app")
    work = clone_work(tutorial_build[1].work, root / "work")
    return app, work


def rebuild(shop, **config):
    app, work = shop
    result = build(app, work, config=config, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    assert "-----> Reusing the cached environment (requirements unchanged)" in result.output
    return result


def site_css(result) -> str:
    """The collected (hashed) site.css in the slug, through the manifest collectstatic wrote."""
    staticfiles = result.work / "slug" / "staticfiles"
    manifest = json.loads((staticfiles / "staticfiles.json").read_text())
    return (staticfiles / manifest["paths"]["css/site.css"]).read_text()


def test_a_rebuild_reuses_only_what_nothing_changed_for(shop):
    app, _ = shop
    first = rebuild(shop, SHOP_MODE="a")
    assert RAN_STATIC in first.output and REUSED_DJANGO not in first.output
    original_css = site_css(first)

    # Nothing changed: Django is not started, its answers and collectstatic's output are reused.
    same = rebuild(shop, SHOP_MODE="a")
    log = same.output
    assert REUSED_DJANGO in log
    assert "       Django 5.2.8's answers about the settings, from the last build:\n" in log
    assert "Asked Django" not in log
    assert REUSED_STATIC + "       2 static files copied to 'staticfiles', 2 post-processed.\n" in log
    assert RAN_STATIC not in log
    assert CHECKS in log and "manage.py check --deploy:" in log  # the findings, replayed
    assert site_css(same) == original_css

    # A file collectstatic does not read: Django runs (the checks read it), the static output is reused.
    (app / "shop" / "urls.py").write_text((app / "shop" / "urls.py").read_text() + "# changed\n")
    views = rebuild(shop, SHOP_MODE="a")
    assert REUSED_DJANGO not in views.output and "       Asked Django 5.2.8 about the settings:\n" in views.output
    assert REUSED_STATIC in views.output
    assert site_css(views) == original_css

    # A static file changed: collectstatic runs, and the slug has the new content.
    css = app / "assets" / "css" / "site.css"
    css.write_text(css.read_text() + "\n.changed { color: red; }\n")
    static = rebuild(shop, SHOP_MODE="a")
    assert (RAN_STATIC + "       2 static files copied to 'staticfiles', 2 post-processed.\n"
            "       (the last build's output is not reused: the static files changed)\n") in static.output
    assert REUSED_STATIC not in static.output
    assert ".changed { color: red; }" in site_css(static)

    # A config var changed (its value is never in the log): everything runs again.
    config = rebuild(shop, SHOP_MODE="b")
    assert REUSED_DJANGO not in config.output
    assert "post-processed.\n       (the last build's output is not reused: the config vars changed)\n" in config.output
    assert ".changed { color: red; }" in site_css(config)
    assert "SHOP_MODE" not in config.output

    # And reused again once nothing changes.
    again = rebuild(shop, SHOP_MODE="b")
    assert REUSED_DJANGO in again.output and REUSED_STATIC in again.output
    assert ".changed { color: red; }" in site_css(again)


def test_the_cache_holds_no_config_var_in_clear(shop):
    _, work = shop
    rebuild(shop, SHOP_MODE="a-secret-value-1234")
    for path in (work / "cache").rglob("*"):
        if path.is_file() and "django-reuse" in path.parts:
            assert b"a-secret-value-1234" not in path.read_bytes(), path
