"""localheroku's builder phase by phase, with buildpacks of a few lines of bash run straight on the
host by a runner that maps the build's paths (/tmp/build_x, CACHE_DIR, ENV_DIR, the buildpack)
onto its host directories: what is under test is the builder around the scripts."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from localheroku import builder
from localheroku.builder import BuildRequest, run_build
from localheroku.contract import BUILDPACK_DIR, ENV_DIR, NO_HOST_ENV, REPO, LocalHerokuError
from localheroku.runners import BuildLayout, Invocation
from localheroku.stacks import Stack


class HostRunner:
    """Runs bin/ scripts on the host: inside paths in the command line become host paths."""
    name = "host"

    def __init__(self) -> None:
        self.prepared: List[str] = []

    def prepare(self, stack: Stack, say: Callable[[str], None]) -> None:
        self.prepared.append(stack.name)

    def hand_over(self, *paths: Path) -> None:
        pass

    def build(self, stack: Stack, layout: BuildLayout, env: Dict[str, str], network: bool,
              command: List[str]) -> Invocation:
        inside = {BUILDPACK_DIR: str(layout.buildpack_host), ENV_DIR: str(layout.env_host), "/tmp/": f"{layout.tmp_host}/"}
        # Whole paths only (not the /tmp/ inside /tmp/codon/tmp/cache), in one pass (host paths are not rescanned).
        pattern = re.compile("(?<![\\w/])(" + "|".join(re.escape(path) for path in inside) + ")")
        return Invocation([pattern.sub(lambda match: inside[match.group()], arg) for arg in command], dict(env))

    def dyno(self, *args: object, **kwargs: object) -> Invocation:
        raise AssertionError("a build runs no dyno")

    def stop(self, invocation: Invocation) -> None:
        pass

    def record(self) -> Dict[str, object]:
        return {"runner": self.name}


def buildpack(root: Path, name: str, compile_script: str = "true", release: str = "---\n{}\n",
              detect: str = "") -> Path:
    pack = root / name
    (pack / "bin").mkdir(parents=True)
    scripts = {"detect": detect or f"echo {name}", "compile": f"set -eu\n{compile_script}",
               "release": f"cat <<'EOF'\n{release}EOF"}
    for script, text in scripts.items():
        (pack / "bin" / script).write_text(f"#!/bin/bash\n{text}\n")
        (pack / "bin" / script).chmod(0o755)
    return pack


@pytest.fixture
def app(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("web: serve\n")
    (app / "left.txt").write_text("x")
    (app / ".slugignore").write_text("left.txt\n")
    return app


def indexed_store(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "index.json").write_text('{"format": 1, "runtimes": []}\n')
    return path


def request(app: Path, work: Path, *packs: Path, **fields: object) -> BuildRequest:
    # A store of its own beside WORK: a build refuses to start without one, and this repo's
    # .runtimes/ may not have been made.
    if "host_env" not in fields:
        fields["host_env"] = {"PYTHON_RUNTIMES_URL": indexed_store(work.parent / "runtimes").as_uri()}
    return BuildRequest.of(app, work, buildpacks=list(packs), echo=False, **fields)  # type: ignore[arg-type]


def test_a_request_is_frozen_and_resolves_what_a_caller_has_at_hand(tmp_path: Path) -> None:
    asked = BuildRequest.of(tmp_path / "a" / ".." / "app")
    assert asked.app == (tmp_path / "app").resolve()
    assert asked.work == REPO / ".local" / "app"
    assert asked.buildpacks == (REPO,)
    assert re.fullmatch(r"/tmp/build_[0-9a-f]{32}", asked.build_dir)
    assert (asked.config, asked.extra_env, asked.host_env) == ({}, {}, NO_HOST_ENV)
    assert (asked.network, asked.echo, asked.cache_in_place, asked.tarball) == (True, True, False, False)
    assert BuildRequest.of(tmp_path, ci=True).build_dir == "/app"
    assert BuildRequest.of(tmp_path, build_dir_name="x").build_dir == "/tmp/build_x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        asked.stack = "heroku-22"  # type: ignore[misc]
    with pytest.raises(TypeError):
        BuildRequest.of(tmp_path, stak="heroku-22")  # a misspelt option is an error, not ignored


def test_two_buildpacks_build_release_and_keep_the_slug_cache_and_record(app: Path, tmp_path: Path) -> None:
    first = buildpack(tmp_path, "first", 'echo "-----> first compiles"; echo made > "$1/made.txt"; '
                      'echo cached > "$2/first.cache"; echo "export FROM_FIRST=exported" > "$(dirname "$0")/../export"')
    second = buildpack(tmp_path, "second", 'echo "       second sees ${FROM_FIRST-nothing}, SECRET=$(cat "$3/SECRET")"',
                       release="---\ndefault_process_types:\n  web: default-web\n  worker: work\n")
    work = tmp_path / "work"
    runner = HostRunner()
    result = run_build(request(app, work, first, second, stack="heroku-22", config={"SECRET": "s3"},
                               build_dir_name="x"), runner)
    assert result.returncode == 0, result.output
    assert result.output == (
        "-----> Building on the Heroku-22 stack\n"
        "-----> .slugignore removed 1 path(s): left.txt\n"
        "-----> first app detected\n"
        "-----> first compiles\n"
        "-----> second app detected\n"
        "       second sees exported, SECRET=s3\n"
        "-----> Discovering process types\n"
        "       Procfile declares types     -> web\n"
        "       Default types for buildpack -> web, worker\n")
    assert (work / "build.log").read_text() == result.output
    assert runner.prepared == ["heroku-22"]
    assert sorted(p.name for p in (work / "slug").iterdir()) == [".slugignore", "Procfile", "made.txt"]
    assert (work / "cache" / "first.cache").read_text() == "cached\n"
    assert "default-web" in (work / "release.yml").read_text()
    record = json.loads((work / "build.json").read_text())
    assert record == {"runner": "host", "stack": "heroku-22", "source_version": record["source_version"]}
    assert not (work / "export").exists()  # the last buildpack exported nothing
    assert not list(work.glob(".build-*")), "the scratch dir is removed"


def test_a_failed_detect_compile_or_release_ends_the_build_and_keeps_the_old_slug_and_cache(
        app: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    good = buildpack(tmp_path, "good", 'echo kept > "$2/kept"')
    assert run_build(request(app, work, good), HostRunner()).returncode == 0
    failures = {
        "not-me": (buildpack(tmp_path, "not-me", detect="echo no >&2; exit 1"), 1,
                   f"-----> App not compatible with buildpack: {tmp_path / 'not-me'}\nno\n"),
        # The cache is a hard-linked copy: a buildpack replaces cached files, never edits them in place.
        "broken": (buildpack(tmp_path, "broken", 'rm "$2/kept"; echo spoilt > "$2/kept"; exit 7'), 7,
                   " !     Push rejected, failed to compile broken app.\n"),
        "bad-yaml": (buildpack(tmp_path, "bad-yaml", release="web gunicorn\n"), 1,
                     " !     bin/release printed YAML this tool cannot read: not a YAML key: 'web gunicorn'\n"),
    }
    for name, (pack, status, ending) in failures.items():
        result = run_build(request(app, work, pack), HostRunner())
        assert (result.returncode, result.output[-len(ending):]) == (status, ending), name
        assert (work / "cache" / "kept").read_text() == "kept\n", name
        assert json.loads((work / "build.json").read_text())["runner"] == "host"
        assert not list(work.glob(".build-*")), name


def test_an_in_place_cache_is_the_one_a_failed_build_wrote(app: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    broken = buildpack(tmp_path, "broken", 'echo written > "$2/partial"; exit 2')
    result = run_build(request(app, work, broken, cache_in_place=True), HostRunner())
    assert result.returncode == 2
    assert (work / "cache" / "partial").read_text() == "written\n"


def test_the_last_buildpacks_export_and_a_tarball_are_kept(app: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    exporting = buildpack(tmp_path, "exporting", 'echo "export X=1" > "$(dirname "$0")/../export"')
    assert run_build(request(app, work, exporting, tarball=True), HostRunner()).returncode == 0
    assert (work / "export").read_text() == "export X=1\n"
    assert (work / "slug.tgz").stat().st_size > 0


def test_the_build_environment_passes_the_hosts_proxy_and_names_the_store(app: Path, tmp_path: Path) -> None:
    asked = request(app, tmp_path / "work", REPO, host_env={"https_proxy": "http://proxy:3128", "PIP_INDEX_URL": "x"},
                    extra_env={"EXTRA": "1"})
    env, stores = builder.build_environment(asked, Stack("heroku-24", "24.04", "bookworm", "3.12.1"),
                                            {"runner": "sandbox"}, "abc")
    assert env["https_proxy"] == "http://proxy:3128" and "PIP_INDEX_URL" not in env
    assert (env["STACK"], env["SOURCE_VERSION"], env["EXTRA"]) == ("heroku-24", "abc", "1")
    assert env["PYTHON_RUNTIMES_URL"] == f"file://{REPO / '.runtimes'}" and stores == (str(REPO / ".runtimes"),)
    # A store named by a config var reaches the build through ENV_DIR only, never its process env.
    env, stores = builder.build_environment(dataclasses.replace(asked, config={"PYTHON_RUNTIMES_URL": "file:///srv/rt"}),
                                            Stack("heroku-24", "24.04", "bookworm", "3.12.1"), {"runner": "sandbox"}, "abc")
    assert "PYTHON_RUNTIMES_URL" not in env and stores == (str(REPO / ".runtimes"), "/srv/rt")


def test_a_build_without_its_runtime_store_says_how_to_make_it(app: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the check the buildpack read an index-less directory as Heroku's layout and failed on glibc.
    monkeypatch.setattr(builder, "REPO", tmp_path / "repo")
    work = tmp_path / "work"
    with pytest.raises(LocalHerokuError) as caught:
        run_build(request(app, work, buildpack(tmp_path, "pack"), host_env={}), HostRunner())
    assert str(caught.value) == (f"the runtime store was not found: {tmp_path / 'repo' / '.runtimes'} has no "
                                 "index.json; make it with `make runtimes` (or `make setup`), then build again")
    assert not list(work.glob(".build-*"))  # refused before anything was copied
    indexed_store(tmp_path / "repo" / ".runtimes")
    assert run_build(request(app, work, buildpack(tmp_path, "pack2"), host_env={}), HostRunner()).returncode == 0


@pytest.mark.parametrize("made, config, refused", [
    (None, {}, "PYTHON_RUNTIMES_URL names"),           # a path that is not there
    ("empty", {}, None),                               # a copy of Heroku's layout: the buildpack reads it
    ("indexed", {}, None),
    (None, {"PYTHON_RUNTIMES_URL": "https://x"}, None),  # the app's own store: the buildpack judges it
])
def test_a_store_the_host_names(tmp_path: Path, made: object, config: Dict[str, str], refused: object) -> None:
    store = tmp_path / "store"
    if made == "empty":
        store.mkdir()
    elif made == "indexed":
        indexed_store(store)
    asked = request(tmp_path, tmp_path / "work", host_env={"PYTHON_RUNTIMES_URL": store.as_uri()}, config=config)
    stack = Stack("heroku-24", "24.04", "bookworm", "3.12.1")
    if refused is None:
        builder.check_store(asked, stack, {"runner": "sandbox"})
        return
    with pytest.raises(LocalHerokuError) as caught:
        builder.check_store(asked, stack, {"runner": "sandbox"})
    assert str(refused) in str(caught.value) and str(store) in str(caught.value)
