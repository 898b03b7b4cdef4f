"""The container runner: builds in the stack's build image, dynos in its run image.

Heroku's own images (docker.io/heroku/heroku:NN-build and :NN) are used when present or
pullable; otherwise the Debian stand-ins from images.py, and the log says so. IMAGE and
RUN_IMAGE override both. The command lines differ between the two only in the image names.
Builds and dynos run as uid 1000 (the stand-ins call it `heroku`), with the host's network:
so a build reaches PyPI as the host does, and a dyno reaches a PostgreSQL on the host's loopback
and answers on the host's $PORT, as `heroku local` does.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Callable, Mapping

from localheroku import images
from localheroku.contract import BUILDPACK_DIR, CA_BUNDLE_ENV, CACHE_DIR, DYNO_UID, ENV_DIR, LocalHerokuError
from localheroku.files import chown_tree
from localheroku.runners.base import BuildLayout, Invocation
from localheroku.stacks import Stack

CONF = Path(__file__).resolve().with_name("podman-containers.conf")
# Where a host CA bundle (named by SSL_CERT_FILE and friends) appears inside a container.
CA_BUNDLE_PATH = "/etc/ssl/certs/localheroku-host-ca.crt"
# Where the build's runtime store (PYTHON_RUNTIMES_URL=file://...) appears inside a container.
STORE_PATH = "/opt/localheroku/runtimes"


@dataclasses.dataclass(frozen=True)
class Engine:
    name: str                   # "podman" or "docker"
    env: dict[str, str]         # added to the engine's own environment (podman's config override)

    def run_env(self, base: Mapping[str, str]) -> dict[str, str]:
        return {**base, **self.env}


def podman_conf_env(version_text: str) -> dict[str, str]:
    """CONTAINERS_CONF_OVERRIDE (podman >= 4.5) adds to the user's configuration; older podman
    only knows CONTAINERS_CONF, which replaces it."""
    match = re.search(r"(\d+)\.(\d+)", version_text)
    newer = match is not None and (int(match.group(1)), int(match.group(2))) >= (4, 5)
    return {"CONTAINERS_CONF_OVERRIDE" if newer else "CONTAINERS_CONF": str(CONF)}


def find_engine(override: str | None, host_env: Mapping[str, str]) -> Engine | None:
    """The first of CONTAINER_ENGINE, podman, docker that answers `info` (a docker client
    without a daemon does not)."""
    for name in [override] if override else ["podman", "docker"]:
        if not shutil.which(name):
            continue
        env: dict[str, str] = {}
        if Path(name).name == "podman":
            version = subprocess.run([name, "--version"], capture_output=True, text=True).stdout
            env = podman_conf_env(version)
        try:
            info = subprocess.run([name, "info"], capture_output=True, env={**host_env, **env}, timeout=30)
        except subprocess.TimeoutExpired:
            continue
        if info.returncode == 0:
            return Engine(name, env)
    return None


def user_args(engine: str, host_uid: int, host_gid: int) -> list[str]:
    """Root on the host: uid 1000 inside, and host files are handed over to uid 1000. Otherwise
    the invoking user, so that its files stay its own (rootless podman keeps its id)."""
    if host_uid == 0:
        return ["--user", f"{DYNO_UID}:{DYNO_UID}"]
    args = ["--user", f"{host_uid}:{host_gid}"]
    return (["--userns=keep-id"] if Path(engine).name == "podman" else []) + args


def ca_bundle(host_env: Mapping[str, str]) -> str | None:
    """The CA bundle the host's environment names (a TLS-intercepting proxy's), if any."""
    for name in CA_BUNDLE_ENV:
        path = host_env.get(name)
        if path and os.path.isfile(path):
            return path
    return None


def env_args(env: Mapping[str, str], secret_names: list[str]) -> list[str]:
    """Contract variables by value; config vars by name only, their values come from the
    engine's environment, so they never show in `ps`."""
    args: list[str] = []
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    for name in secret_names:
        args += ["--env", name]
    return args


def build_argv(engine: str, image: str, layout: BuildLayout, env: Mapping[str, str], network: bool,
               command: list[str], user: list[str], ca_file: str | None, name: str) -> list[str]:
    argv = [engine, "run", "--rm", "--name", name, "--network", "host" if network else "none", *user,
            "--workdir", "/", "--volume", f"{layout.tmp_host}:/tmp"]
    if layout.build_dir == "/app":
        argv += ["--volume", f"{layout.build_host}:/app"]  # Heroku CI builds in place
    else:
        # Empty and writable: the buildpack symlinks /app/.heroku/python to the build's copy.
        argv += ["--tmpfs", "/app:rw,exec,mode=1777"]
        if not layout.build_dir.startswith("/tmp/"):
            argv += ["--volume", f"{layout.build_host}:{layout.build_dir}"]
    argv += ["--volume", f"{layout.env_host}:{ENV_DIR}:ro", "--volume", f"{layout.buildpack_host}:{BUILDPACK_DIR}"]
    env = dict(env)
    for store in layout.stores:
        inside = store
        if env.get("PYTHON_RUNTIMES_URL") == f"file://{store}":
            # A neutral path: the host's may sit under a directory the build user cannot enter (/root).
            inside = STORE_PATH
            env["PYTHON_RUNTIMES_URL"] = f"file://{inside}"
        argv += ["--volume", f"{os.path.realpath(store)}:{inside}:ro"]
    if ca_file:
        argv += ["--volume", f"{os.path.realpath(ca_file)}:{CA_BUNDLE_PATH}:ro"]
        env.update({name: CA_BUNDLE_PATH for name in CA_BUNDLE_ENV})
        env.pop("SSL_CERT_DIR", None)
    else:
        for name in (*CA_BUNDLE_ENV, "SSL_CERT_DIR"):
            env.pop(name, None)  # a host path means nothing inside
    return argv + env_args(env, []) + [image, *command]


def dyno_argv(engine: str, image: str, slug_host: Path, env: Mapping[str, str], config_names: list[str],
              command: list[str], user: list[str], name: str, interactive: bool) -> list[str]:
    argv = [engine, "run", "--rm", "--name", name, "--network", "host", *user, "--workdir", "/app",
            "--volume", f"{slug_host}:/app"]
    if interactive:
        argv += ["--interactive", "--tty"]
    return argv + env_args(env, config_names) + [image, *command]


class ContainerRunner:
    name = "container"

    def __init__(self, engine: Engine, host_env: Mapping[str, str],
                 images: tuple[str, str] | None = None) -> None:
        self.engine, self.host_env = engine, dict(host_env)
        self.images = images
        self.user = user_args(engine.name, os.getuid(), os.getgid())

    def engine_env(self, config: Mapping[str, str] = {}) -> dict[str, str]:
        return self.engine.run_env({**self.host_env, **config})

    def image_present(self, image: str) -> bool:
        argv = ([self.engine.name, "image", "exists", image] if Path(self.engine.name).name == "podman"
                else [self.engine.name, "image", "inspect", image])
        return subprocess.run(argv, capture_output=True, env=self.engine_env()).returncode == 0

    def pull(self, image: str, say: Callable[[str], None]) -> bool:
        say(f"Pulling {image}")
        try:
            result = subprocess.run([self.engine.name, "pull", "--quiet", image], capture_output=True, text=True,
                                    env=self.engine_env(), timeout=900)
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0

    def resolve(self, stack: Stack, kind: str, say: Callable[[str], None]) -> str:
        override = self.host_env.get("IMAGE" if kind == "build" else "RUN_IMAGE")
        if override:
            say(f"{kind.capitalize()} image: {override} (from {'IMAGE' if kind == 'build' else 'RUN_IMAGE'})")
            return override
        official = stack.official_build_image if kind == "build" else stack.official_run_image
        if self.image_present(official) or self.pull(official, say):
            say(f"{kind.capitalize()} image: {official}")
            return official
        recipe = images.recipe(stack, kind)
        say(f"{kind.capitalize()} image: {official} cannot be pulled here; using the stand-in {recipe.tag} "
            f"(Debian {recipe.suite} from {images.MIRROR})")
        if not self.image_present(recipe.tag):
            self.make_image(recipe, say)
        return recipe.tag

    def make_image(self, recipe: images.ImageRecipe, say: Callable[[str], None]) -> None:
        if not shutil.which("mmdebstrap"):
            raise LocalHerokuError(f"the stand-in image {recipe.tag} must be made with mmdebstrap, which is "
                                   "not installed (apt-get install mmdebstrap), or set IMAGE and RUN_IMAGE")
        say(f"Making {recipe.tag} (once per machine): mmdebstrap {recipe.suite}, then {self.engine.name} import")
        with tempfile.TemporaryDirectory(prefix="localheroku-image-", dir="/var/tmp") as scratch:
            tarball = str(Path(scratch, "rootfs.tar"))
            for argv in (recipe.mmdebstrap_argv(tarball), recipe.import_argv(self.engine.name, tarball)):
                result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=self.engine_env())
                if result.returncode != 0:
                    tail = result.stdout.decode("utf-8", "replace")[-2000:]
                    raise LocalHerokuError(f"making {recipe.tag} failed at `{argv[0]} {argv[1]}`:\n{tail}")

    def prepare(self, stack: Stack, say: Callable[[str], None]) -> None:
        if self.images is None:
            self.images = (self.resolve(stack, "build", say), self.resolve(stack, "run", say))

    def hand_over(self, *paths: Path) -> None:
        if os.getuid() == 0:
            for path in paths:
                chown_tree(path, int(DYNO_UID), int(DYNO_UID))

    def build(self, stack: Stack, layout: BuildLayout, env: dict[str, str], network: bool,
              command: list[str]) -> Invocation:
        assert self.images is not None, "prepare() first"
        name = f"localheroku-build-{uuid.uuid4().hex[:12]}"
        argv = build_argv(self.engine.name, self.images[0], layout, env, network, command, self.user,
                          ca_bundle(self.host_env), name)
        return Invocation(argv, self.engine_env(), name)

    def dyno(self, stack: Stack, slug_host: Path, env: dict[str, str], config: dict[str, str],
             command: list[str], work: Path, dyno: str, interactive: bool = False) -> Invocation:
        assert self.images is not None, "prepare() first"
        name = f"localheroku-{dyno.replace('.', '-')}-{uuid.uuid4().hex[:12]}"
        argv = dyno_argv(self.engine.name, self.images[1], slug_host, env, sorted(config), command, self.user,
                         name, interactive)
        return Invocation(argv, self.engine_env(config), name)

    def stop(self, invocation: Invocation) -> None:
        if invocation.name:  # a killed client can leave its container running
            subprocess.run([self.engine.name, "rm", "--force", invocation.name],
                           capture_output=True, env=self.engine_env())

    def record(self) -> dict[str, object]:
        assert self.images is not None
        return {"runner": self.name, "engine": self.engine.name, "build_image": self.images[0],
                "run_image": self.images[1]}


__all__ = ["CACHE_DIR", "ContainerRunner", "Engine", "find_engine"]
