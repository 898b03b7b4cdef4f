"""The stand-ins' runtimes: one merged store per Debian release, resolved per stack and glibc as
the buildpack resolves it, and the on-demand source build (run once, then found in the store)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import source_runtimes  # noqa: E402
from buildpack.python import runtime_store, versions  # noqa: E402
from localheroku import builder, runtimes  # noqa: E402
from localheroku.images import TAG_PREFIX  # noqa: E402
from localheroku.stacks import STACKS  # noqa: E402

OLD_GLIBC = {"glibc": "2.31", "openssl": "1.1"}
NEW_GLIBC = {"glibc": "2.36", "openssl": "3"}


def write_store(path: Path, entries: List[Dict[str, Any]]) -> Path:
    path.mkdir(parents=True)
    for entry in entries:
        (path / entry["file"]).write_bytes(entry["version"].encode())
    runs = [{"arch": "amd64", "stacks": ["heroku-20"], "sha256": "a" * 64, "size": 1, **entry} for entry in entries]
    (path / "index.json").write_text(json.dumps({"format": 1, "runtimes": runs}))
    return path


def entry(version: str, requires: Dict[str, str], name: str = "") -> Dict[str, Any]:
    return {"version": version, "file": name or f"python-{version}-amd64.tar.gz", "requires": requires}


@pytest.fixture
def two_stores(tmp_path: Path):
    built = write_store(tmp_path / "built", [entry("3.9.2", OLD_GLIBC), entry("3.14.7", OLD_GLIBC)])
    repacks = write_store(tmp_path / "repacks", [entry("3.9.18", NEW_GLIBC), entry("3.13.0", NEW_GLIBC),
                                                 entry("3.14.7", NEW_GLIBC, "python-3.14.7-repack.tar.gz")])
    return built, repacks


def resolve(store: Path, stack: str, minor: str) -> str:
    indexed = runtime_store.IndexedStore(f"file://{store}", runtime_store.parse_index(
        (store / "index.json").read_bytes(), f"file://{store}/index.json"))
    offered = [v for v in indexed.available_versions(stack, "amd64") if v.startswith(minor + ".")]
    return offered[-1] if offered else ""


def test_the_old_glibc_release_gets_only_what_it_can_run(two_stores, tmp_path):
    index = runtimes.merge_store(tmp_path / "store", list(two_stores), "bullseye")
    assert [e["version"] for e in index["runtimes"]] == ["3.9.2", "3.14.7"]
    assert all(e["stacks"] == ["heroku-20"] for e in index["runtimes"])
    assert resolve(tmp_path / "store", "heroku-20", "3.9") == "3.9.2"
    assert resolve(tmp_path / "store", "heroku-24", "3.9") == ""


def test_the_new_release_gets_both_kinds_and_the_newest_patch_wins(two_stores, tmp_path):
    built_here = {"glibc": "2.34", "openssl": "3"}  # built in the Debian 12 stand-in
    built = write_store(tmp_path / "built12", [entry("3.9.2", built_here), entry("3.14.7", built_here)])
    index = runtimes.merge_store(tmp_path / "store", [built, two_stores[1]], "bookworm")
    assert [e["version"] for e in index["runtimes"]] == ["3.9.2", "3.9.18", "3.13.0", "3.14.7"]
    # The source build comes first and wins the version both have.
    assert [e["file"] for e in index["runtimes"] if e["version"] == "3.14.7"] == ["python-3.14.7-amd64.tar.gz"]
    for stack in ("heroku-22", "heroku-24", "heroku-26"):
        assert resolve(tmp_path / "store", stack, "3.9") == "3.9.18"
        assert resolve(tmp_path / "store", stack, "3.14") == "3.14.7"
    assert resolve(tmp_path / "store", "heroku-20", "3.14") == ""


def test_every_archive_the_index_lists_is_in_the_store_and_stale_ones_go(two_stores, tmp_path):
    store = tmp_path / "store"
    runtimes.merge_store(store, list(two_stores), "bookworm")
    runtimes.merge_store(store, [two_stores[0]], "bullseye")  # the repacks no longer fit
    listed = {e["file"] for e in json.loads((store / "index.json").read_text())["runtimes"]}
    assert {p.name for p in store.glob("python-*")} == listed == {"python-3.9.2-amd64.tar.gz",
                                                                   "python-3.14.7-amd64.tar.gz"}
    assert (store / "python-3.9.2-amd64.tar.gz").read_bytes() == b"3.9.2"


def test_a_machine_fact_the_archive_needs_is_checked_per_release():
    assert runtimes.runs_on({"requires": OLD_GLIBC}, "bookworm") is False  # OpenSSL 1.1 is not in Debian 12
    assert runtimes.runs_on({"requires": NEW_GLIBC}, "bullseye") is False
    assert runtimes.runs_on({"requires": {"glibc": "2.28", "openssl": None}}, "bullseye") is True


@pytest.mark.parametrize("files, minor", [
    ({"runtime.txt": "python-3.9.x\n"}, "3.9"),
    ({"runtime.txt": "python-3.11.7"}, "3.11.7"),
    ({".python-version": "# pinned\n3.13\n"}, "3.13"),
    ({"runtime.txt": "python-3.9", ".python-version": "3.12"}, "3.9"),  # runtime.txt is read first
    ({}, runtimes.DEFAULT_MINOR),
    ({".python-version": "pypy3.10"}, runtimes.DEFAULT_MINOR),
])
def test_the_version_an_app_asks_for(tmp_path, files, minor):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert runtimes.requested_version(tmp_path) == minor


def test_a_source_build_is_needed_for_the_newest_patch_unless_the_app_pins_one_the_store_has(tmp_path):
    store = write_store(tmp_path / "store", [entry("3.13.0", NEW_GLIBC)])
    index = json.loads((store / "index.json").read_text())
    index["runtimes"][0]["stacks"] = ["heroku-24"]
    (store / "index.json").write_text(json.dumps(index))
    needed = runtimes.source_build_needed(store, "heroku-24", "bookworm", "3.13")
    assert needed is not None and needed.upstream == "3.13.15"  # the repack's 3.13.0 is older
    assert runtimes.source_build_needed(store, "heroku-24", "bookworm", "3.13.0") is None
    assert runtimes.source_build_needed(store, "heroku-24", "bookworm", "3.12") is None  # no recipe


def test_the_local_default_and_index_format_are_the_buildpacks():
    assert runtimes.DEFAULT_MINOR == versions.DEFAULT_MINOR
    assert runtimes.INDEX_FORMAT == runtime_store.INDEX_FORMAT


def test_every_stand_in_release_has_a_recipe_for_the_default_and_setup_builds_exist():
    for suite in {stack.debian_suite for stack in STACKS.values()}:
        assert runtimes.recipe_for(suite, runtimes.DEFAULT_MINOR) is not None, suite
        assert suite in runtimes.STAND_IN_SYSTEMS
    assert all(runtimes.recipe_for(*pair) for pair in runtimes.SETUP_BUILDS)


class FakeChild:
    def __init__(self, argv: List[str], calls: List[List[str]], returncode: int) -> None:
        calls.append(argv)
        self.stdout = iter(["-----> Building CPython 3.11.2\n"])
        self.returncode = returncode

    def wait(self) -> int:
        return self.returncode


def on_demand(tmp_path: Path, monkeypatch, app_files: Dict[str, str], record: Dict[str, str],
              returncode: int = 0, config: Dict[str, str] | None = None):
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    for name, text in app_files.items():
        (app / name).write_text(text)
    calls: List[List[str]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kwargs: FakeChild(argv, calls, returncode))
    request = builder.BuildRequest.of(app, tmp_path / "work", config=config or {},
                                      host_env={"RUNTIMES_SRC_DIR": str(tmp_path / "src")})
    shown: List[str] = []
    builder.ensure_source_runtime(request, STACKS["heroku-20"], record, shown.append)
    return calls, shown


STAND_IN = {"runner": "container", "build_image": f"{TAG_PREFIX}:bullseye-build-0123"}


def test_a_minor_the_stand_in_lacks_is_built_once_with_its_progress_shown(tmp_path, monkeypatch):
    calls, shown = on_demand(tmp_path, monkeypatch, {".python-version": "3.11"}, STAND_IN)
    assert len(calls) == 1 and calls[0][1].endswith("tools/source_runtimes.py")
    assert calls[0][2:] == ["--root", str(tmp_path / "src"), "--stack", "heroku-20", "--minor", "3.11"]
    assert "-----> Building CPython 3.11.2\n" in shown
    # Once the store offers it, the next build starts at once.
    write_store(tmp_path / "src" / "bullseye" / "store", [entry("3.11.2", OLD_GLIBC)])
    calls, _ = on_demand(tmp_path, monkeypatch, {".python-version": "3.11"}, STAND_IN)
    assert calls == []


@pytest.mark.parametrize("app_files, record, config", [
    ({".python-version": "3.12"}, STAND_IN, {}),  # no source for 3.12 here: the buildpack says so
    ({}, {"runner": "container", "build_image": "docker.io/heroku/heroku:20-build"}, {}),  # Heroku's image
    ({}, {"runner": "sandbox"}, {}),
    ({}, STAND_IN, {"PYTHON_RUNTIMES_URL": "https://runtimes.example"}),  # the app names its store
])
def test_nothing_is_built_where_no_recipe_or_no_stand_in_applies(tmp_path, monkeypatch, app_files, record, config):
    calls, shown = on_demand(tmp_path, monkeypatch, app_files, record, config=config)
    assert calls == [] and shown == []


def test_a_failed_source_build_says_so(tmp_path, monkeypatch):
    with pytest.raises(builder.LocalHerokuError, match="building Python 3.14 for the bullseye stand-in failed"):
        on_demand(tmp_path, monkeypatch, {}, STAND_IN, returncode=2)


def test_the_build_key_changes_with_each_input():
    recipe = runtimes.recipe_for("bullseye", "3.9")
    assert recipe is not None
    keys = {source_runtimes.key("image-a", recipe), source_runtimes.key("image-b", recipe),
            source_runtimes.key("image-a", runtimes.SourceRuntime("bullseye", "python3.9", "3.9.2-2", "bullseye"))}
    assert len(keys) == 3


def test_a_recipe_no_index_lists_is_checked_by_its_signed_dsc():
    script = source_runtimes.fetch_script(runtimes.SourceRuntime("bookworm", "python3.14", "3.14.7-1", None))
    assert "gpgv --keyring /usr/share/keyrings/debian-keyring.gpg --output /tmp/signed.dsc" in script
    assert "sha256sum -c" in script and "/tmp/signed.dsc" in script.split("sed", 1)[1]
    indexed = source_runtimes.fetch_script(runtimes.SourceRuntime("bullseye", "python3.9", "3.9.2-1", "bullseye"))
    assert "source --download-only -qq python3.9=3.9.2-1" in indexed and "bullseye main" in indexed
