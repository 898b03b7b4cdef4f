"""The keys that decide whether the last build's Django results are reused: each input flips them."""
from __future__ import annotations

from pathlib import Path

import pytest

from buildpack.django import reuse_keys as reuse

SETTINGS = {"digest": "s1", "standard_finders": True}
INPUTS = {"locations": ["<build>/shop/static", "<build>/.heroku/python/site-packages/django/contrib/admin/static",
                        "<build>/assets"],
          "local_storage": True, "storage_in_app": False, "command_app": "django.contrib.staticfiles"}
TREE = {"manage.py": "f:1", "shop/views.py": "f:2", "shop/static/site.css": "f:3", "shop/templates/base.html": "f:4",
        "assets/logo.png": "f:5", "staticfiles/committed.txt": "f:6", "docs/readme.md": "f:7"}


def admin_files(path: Path) -> dict:
    return {"admin.css": "f:admin"} if "admin" in str(path) else {}


def static_key(settings=SETTINGS, inputs=INPUTS, tree=TREE, static_root="/build/staticfiles", packages="p1",
               config="c1", buildpack="b1", walk=admin_files):
    components, why = reuse.static_components(settings, inputs, Path("/build"), tree, static_root, packages, config,
                                              buildpack, walk=walk)
    return components, why


def whole_key(tree=TREE, packages="p1", config="c1", buildpack="b1"):
    return reuse.whole_components(tree, packages, config, buildpack)


@pytest.mark.parametrize("change, component", [
    ({"tree": {**TREE, "shop/static/site.css": "f:changed"}}, "the static files"),
    ({"tree": {**TREE, "shop/static/new.js": "f:new"}}, "the static files"),
    ({"tree": {**TREE, "other/static/new.js": "f:new"}}, "the static files"),  # a static/ not read yet
    ({"tree": {**TREE, "shop/templates/base.html": "f:changed"}}, "the static files"),
    ({"tree": {**TREE, "assets/logo.png": "f:changed"}}, "the static files"),  # STATICFILES_DIRS
    ({"tree": {**TREE, "staticfiles/committed.txt": "f:changed"}}, "the static files"),  # STATIC_ROOT before
    ({"walk": lambda path: {"admin.css": "f:upgraded"}}, "the static files"),  # an installed app's static/
    ({"settings": {**SETTINGS, "digest": "s2"}}, "the static settings"),
    ({"packages": "p2"}, "the installed packages"),
    ({"config": "c2"}, "the config vars"),
    ({"buildpack": "b2"}, "the buildpack"),
])
def test_each_input_of_collectstatic_flips_its_key(change, component):
    before, _ = static_key()
    after, _ = static_key(**change)
    assert before is not None and after is not None
    assert reuse.first_change(before, after) == component


def test_a_file_collectstatic_does_not_read_keeps_its_key_but_not_the_whole_one():
    tree = {**TREE, "shop/views.py": "f:changed", "docs/readme.md": "f:changed"}
    assert reuse.first_change(static_key()[0], static_key(tree=tree)[0]) is None
    assert reuse.first_change(whole_key(), whole_key(tree=tree)) == "the app's files"


@pytest.mark.parametrize("change", [{"packages": "p2"}, {"config": "c2"}, {"buildpack": "b2"},
                                    {"tree": {**TREE, "Procfile": "f:new"}}])
def test_each_input_of_django_flips_the_whole_key(change):
    assert reuse.first_change(whole_key(), whole_key(**change)) is not None
    assert reuse.first_change(whole_key(), whole_key()) is None


@pytest.mark.parametrize("settings, inputs, tree, why", [
    ({**SETTINGS, "standard_finders": False}, INPUTS, TREE, "STATICFILES_FINDERS has a finder of its own"),
    (SETTINGS, {**INPUTS, "local_storage": False}, TREE, "the static files storage is not on the local disk"),
    (SETTINGS, {**INPUTS, "storage_in_app": True}, TREE, "the static files storage is the app's own code"),
    (SETTINGS, {**INPUTS, "command_app": "collectfast"}, TREE,
     "the collectstatic command is collectfast's, not Django's"),
    (SETTINGS, INPUTS, {**TREE, "shop/management/commands/collectstatic.py": "f:8"},
     "the app has a collectstatic command of its own"),
    ({"error": "ImproperlyConfigured"}, INPUTS, TREE, "Django did not say which settings shape it"),
    (SETTINGS, None, TREE, "collectstatic did not say what it reads"),
])
def test_what_the_buildpack_cannot_see_into_means_collectstatic_runs(settings, inputs, tree, why):
    assert static_key(settings=settings, inputs=inputs, tree=tree) == (None, why)


def test_a_static_root_outside_the_app_means_collectstatic_runs():
    assert static_key(static_root="/var/www/static") == (None, "STATIC_ROOT is outside the app")


def test_nothing_saved_is_told_apart_from_a_change():
    assert reuse.first_change(None, whole_key()) == ""
    assert reuse.first_change({}, whole_key()) == "the app's files"


def test_config_vars_enter_only_as_a_keyed_hash():
    key = b"k" * 32
    config = sorted({"SECRET_KEY": "s3cr3t-value-123", "DEBUG": "0"}.items())
    digest = reuse.keyed(key, config)
    assert "s3cr3t" not in digest and len(digest) == 64
    assert digest == reuse.keyed(key, config)
    assert digest != reuse.keyed(key, sorted({"SECRET_KEY": "s3cr3t-value-124", "DEBUG": "0"}.items()))
    assert digest != reuse.keyed(b"j" * 32, config)  # another cache's key: nothing matches


def test_the_tree_digest_follows_content_and_skips_the_environment_and_bytecode(tmp_path):
    (tmp_path / "shop" / "__pycache__").mkdir(parents=True)
    (tmp_path / ".heroku" / "python").mkdir(parents=True)
    (tmp_path / "shop" / "views.py").write_text("a = 1\n")
    (tmp_path / "shop" / "__pycache__" / "views.cpython-312.pyc").write_bytes(b"x")
    (tmp_path / ".heroku" / "python" / "x.py").write_text("")
    (tmp_path / "link").symlink_to("shop")
    first = reuse.tree_digests(tmp_path)
    assert sorted(first) == ["link", "shop/views.py"]
    assert first["link"] == "l:shop"
    (tmp_path / "shop" / "views.py").write_text("a = 2\n")  # same size, other content
    assert reuse.tree_digests(tmp_path)["shop/views.py"] != first["shop/views.py"]


def test_a_saved_output_is_checked_by_content(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body{}")
    manifest = reuse.take_manifest(tmp_path)
    assert manifest["files"] == 1
    (tmp_path / "css" / "site.css").write_text("p{}{}")  # same size
    assert reuse.take_manifest(tmp_path) != manifest


def test_paths_in_the_build_dir_are_stored_as_a_placeholder(tmp_path):
    build = tmp_path / "build_1"
    report = {"static_root": f"{build}/staticfiles", "settings_module": "shop.settings"}
    stored = reuse.placeholders(report, build)
    assert stored == {"static_root": "<build>/staticfiles", "settings_module": "shop.settings"}
    assert reuse.filled_in(stored, tmp_path / "build_2") == {"static_root": f"{tmp_path}/build_2/staticfiles",
                                                            "settings_module": "shop.settings"}
