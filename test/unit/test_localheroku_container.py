"""The container runner's exact command lines, the stand-in image recipes, and runner choice."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from localheroku import images, runners  # noqa: E402
from localheroku.contract import LocalHerokuError  # noqa: E402
from localheroku.runners import container  # noqa: E402
from localheroku.runners.base import BuildLayout  # noqa: E402
from localheroku.stacks import DEFAULT_STACK, STACKS  # noqa: E402

LAYOUT = BuildLayout(tmp_host=Path("/w/.build-x/tmp"), build_host=Path("/w/.build-x/tmp/build_ab"), build_dir="/tmp/build_ab",
                     env_host=Path("/w/env"), buildpack_host=Path("/w/.build-x/buildpack0"), stores=("/srv/rt",))
USER = ["--user", "1000:1000"]


def build_argv(image: str, ca_file: str | None = None, env: dict[str, str] | None = None) -> list[str]:
    return container.build_argv("podman", image, LAYOUT, env or {"STACK": "heroku-24", "HOME": "/app"}, True,
                                ["/tmp/buildpack/bin/compile", "/tmp/build_ab", "/tmp/codon/tmp/cache", "/tmp/env"],
                                USER, ca_file, "localheroku-build-1")


def test_build_command_line_is_exact() -> None:
    assert build_argv("docker.io/heroku/heroku:24-build") == [
        "podman", "run", "--rm", "--name", "localheroku-build-1", "--network", "host", "--user", "1000:1000",
        "--workdir", "/", "--volume", "/w/.build-x/tmp:/tmp", "--tmpfs", "/app:rw,exec,mode=1777",
        "--volume", "/w/env:/tmp/env:ro", "--volume", "/w/.build-x/buildpack0:/tmp/buildpack",
        "--volume", "/srv/rt:/srv/rt:ro",
        "--env", "STACK=heroku-24", "--env", "HOME=/app",
        "docker.io/heroku/heroku:24-build", "/tmp/buildpack/bin/compile", "/tmp/build_ab", "/tmp/codon/tmp/cache",
        "/tmp/env"]


def test_the_runtime_store_appears_at_a_path_the_build_user_can_enter() -> None:
    argv = build_argv("img", None, {"PYTHON_RUNTIMES_URL": "file:///srv/rt"})
    assert f"/srv/rt:{container.STORE_PATH}:ro" in argv
    assert argv[argv.index("img") - 1] == f"PYTHON_RUNTIMES_URL=file://{container.STORE_PATH}"


def test_official_and_stand_in_images_differ_only_in_the_name() -> None:
    stand_in = images.recipe(STACKS["heroku-24"], "build").tag
    official, local = build_argv(STACKS["heroku-24"].official_build_image), build_argv(stand_in)
    differing = [(a, b) for a, b in zip(official, local) if a != b]
    assert len(official) == len(local)
    assert differing == [("docker.io/heroku/heroku:24-build", stand_in)]
    run_official = container.dyno_argv("podman", "docker.io/heroku/heroku:24", Path("/w/slug"), {"PORT": "5000"},
                                       ["SECRET_KEY"], ["bash", "-c", "x"], USER, "n", False)
    run_local = container.dyno_argv("podman", images.recipe(STACKS["heroku-24"], "run").tag, Path("/w/slug"),
                                    {"PORT": "5000"}, ["SECRET_KEY"], ["bash", "-c", "x"], USER, "n", False)
    assert [(a, b) for a, b in zip(run_official, run_local) if a != b] == [
        ("docker.io/heroku/heroku:24", images.recipe(STACKS["heroku-24"], "run").tag)]


def test_dyno_command_line_names_config_vars_without_their_values() -> None:
    argv = container.dyno_argv("docker", "img", Path("/w/slug"), {"PORT": "5000", "DYNO": "web.1"},
                               ["SECRET_KEY"], ["bash", "-c", "x"], USER, "localheroku-web-1", False)
    assert argv == ["docker", "run", "--rm", "--name", "localheroku-web-1", "--network", "host", "--user", "1000:1000",
                    "--workdir", "/app", "--volume", "/w/slug:/app", "--env", "PORT=5000", "--env", "DYNO=web.1",
                    "--env", "SECRET_KEY", "img", "bash", "-c", "x"]
    interactive = container.dyno_argv("docker", "img", Path("/s"), {}, [], ["x"], USER, "n", True)
    assert interactive[interactive.index("/s:/app") + 1:][:2] == ["--interactive", "--tty"]


def test_a_host_ca_bundle_is_mounted_and_named_inside() -> None:
    argv = build_argv("img", "/etc/ssl/certs/ca-certificates.crt",
                      {"HOME": "/app", "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_DIR": "/x"})
    assert f"/etc/ssl/certs/ca-certificates.crt:{container.CA_BUNDLE_PATH}:ro" in argv
    envs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--env"]
    assert envs == ["HOME=/app", f"SSL_CERT_FILE={container.CA_BUNDLE_PATH}",
                    f"REQUESTS_CA_BUNDLE={container.CA_BUNDLE_PATH}", f"PIP_CERT={container.CA_BUNDLE_PATH}"]
    # Without a bundle on the host, host paths never reach the container.
    bare = build_argv("img", None, {"HOME": "/app", "SSL_CERT_FILE": "/nowhere", "SSL_CERT_DIR": "/x"})
    assert [bare[i + 1] for i, arg in enumerate(bare) if arg == "--env"] == ["HOME=/app"]


def test_ca_bundle_only_when_the_host_has_the_file(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("x")
    assert container.ca_bundle({"PIP_CERT": str(bundle)}) == str(bundle)
    assert container.ca_bundle({"SSL_CERT_FILE": str(tmp_path / "missing")}) is None
    assert container.ca_bundle({}) is None


@pytest.mark.parametrize("uid, engine, expected", [
    (0, "podman", ["--user", "1000:1000"]),
    (0, "docker", ["--user", "1000:1000"]),
    (1001, "podman", ["--userns=keep-id", "--user", "1001:1002"]),
    (1001, "docker", ["--user", "1001:1002"]),
])
def test_user_args(uid: int, engine: str, expected: list[str]) -> None:
    assert container.user_args(engine, uid, 1002 if uid else 0) == expected


@pytest.mark.parametrize("version, variable", [
    ("podman version 4.3.1", "CONTAINERS_CONF"),
    ("podman version 4.5.0", "CONTAINERS_CONF_OVERRIDE"),
    ("podman version 5.2.2", "CONTAINERS_CONF_OVERRIDE"),
])
def test_podman_gets_the_ulimit_override_the_way_its_version_reads_it(version: str, variable: str) -> None:
    assert container.podman_conf_env(version) == {variable: str(container.CONF)}
    assert "default_ulimits = []" in container.CONF.read_text()


def test_image_tags_are_keyed_by_their_inputs() -> None:
    build20, build24 = images.recipe(STACKS["heroku-20"], "build"), images.recipe(STACKS["heroku-24"], "build")
    assert build20.tag.startswith(f"{images.TAG_PREFIX}:bullseye-build-")
    assert build24.tag == images.recipe(STACKS["heroku-26"], "build").tag  # one Debian 12 image for 22/24/26
    changed = images.ImageRecipe("bookworm", "build", build24.packages + ("nano",))
    assert changed.tag != build24.tag
    assert "libssl1.1" in images.recipe(STACKS["heroku-20"], "run").packages  # heroku-20's OpenSSL 1.1.1
    assert "python3" not in images.recipe(STACKS["heroku-24"], "run").packages  # heroku-24's run image has none
    assert build20.mmdebstrap_argv("/t/root.tar")[-3:] == ["bullseye", "/t/root.tar", images.MIRROR]
    assert build20.import_argv("podman", "/t/root.tar")[-2:] == ["/t/root.tar", build20.tag]


def test_every_stack_is_selectable_and_the_default_is_current() -> None:
    assert sorted(STACKS) == ["heroku-20", "heroku-22", "heroku-24", "heroku-26"]
    assert DEFAULT_STACK == "heroku-24"
    assert STACKS["heroku-20"].official_run_image == "docker.io/heroku/heroku:20"


def test_runner_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(runners, "find_engine", lambda override, host_env: None)
    assert runners.choose(None, {}, said.append).name == "sandbox"
    assert said == ["Runner: sandbox (bubblewrap): no working container engine (podman or docker) found"]
    with pytest.raises(LocalHerokuError, match="neither podman nor docker works"):
        runners.choose("container", {}, said.append)
    with pytest.raises(LocalHerokuError, match="RUNNER must be"):
        runners.choose("docker", {}, said.append)
    engine = container.Engine("podman", {})
    monkeypatch.setattr(runners, "find_engine", lambda override, host_env: engine)
    said.clear()
    assert runners.choose(None, {}, said.append).name == "container"
    assert runners.choose("sandbox", {}, said.append).name == "sandbox"
    assert said == ["Runner: container (podman), a working container engine was found",
                    "Runner: sandbox (bubblewrap), as RUNNER=sandbox asks"]
