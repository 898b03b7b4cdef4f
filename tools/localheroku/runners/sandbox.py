"""The sandbox runner: Heroku's build and run containers imitated with bubblewrap on this host.

The host's /usr and /etc stand in for the stack image (read-only, its Pythons and pip
configuration hidden); a pyenv build is the stack's python3; host root maps to uid 1000 inside.
"""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Callable

from localheroku.contract import BUILDPACK_DIR, DYNO_UID, ENV_DIR, LocalHerokuError
from localheroku.runners.base import BuildLayout, Invocation
from localheroku.stacks import Stack

PYENV_VERSIONS = Path("/root/.pyenv/versions")


@dataclasses.dataclass(frozen=True)
class HostLayout:
    """What of this machine's root the sandboxes copy, relink or hide."""
    root_dirs: tuple[str, ...] = ()
    root_links: tuple[tuple[str, str], ...] = (("/bin", "usr/bin"), ("/lib", "usr/lib"),
                                               ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin"))
    pip_config_dirs: tuple[str, ...] = ("/etc/xdg/pip",)
    pip_config_files: tuple[str, ...] = ("/etc/pip.conf",)
    system_pythons: tuple[str, ...] = ("/usr/bin/python3.11",)
    dist_packages: tuple[str, ...] = ("/usr/lib/python3/dist-packages",)


def probe_host() -> HostLayout:
    """Look at the real root once; the argv builders below stay pure."""
    roots = ("/bin", "/lib", "/lib64", "/sbin")
    # python3.11 is a regular file; python3 is a symlink to it, and a bind follows symlinks.
    pythons = [str(p) for p in Path("/usr/bin").glob("python*")
               if re.fullmatch(r"python[0-9.]*", p.name) and p.is_file() and not p.is_symlink()]
    return HostLayout(
        root_dirs=tuple(d for d in roots if os.path.isdir(d) and not os.path.islink(d)),
        root_links=tuple((d, os.readlink(d)) for d in roots if os.path.islink(d)),
        pip_config_dirs=tuple(d for d in HostLayout.pip_config_dirs if os.path.isdir(d)),
        pip_config_files=tuple(f for f in HostLayout.pip_config_files if os.path.lexists(f)),
        system_pythons=tuple(sorted(pythons)),
        dist_packages=tuple(d for d in HostLayout.dist_packages if os.path.isdir(d)))


def system_mounts(host: HostLayout, empty_file: str, hide_system_python: bool) -> list[str]:
    """The stack image: the host's /usr and /etc read-only, minus its Pythons and pip config."""
    args = ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for path in host.root_dirs:
        args += ["--ro-bind", path, path]
    for path, target in host.root_links:
        args += ["--symlink", target, path]
    args += ["--ro-bind", "/etc", "/etc"]
    for path in host.pip_config_dirs:
        args += ["--tmpfs", path]
    for path in host.pip_config_files:
        args += ["--ro-bind", empty_file, path]
    # /root holds pyenv; /usr/local holds other host tools and a python3 that must not win on PATH.
    args += ["--tmpfs", "/root", "--tmpfs", "/usr/local", "--dir", "/usr/local/bin"]
    for path in host.dist_packages:
        args += ["--tmpfs", path]
    if hide_system_python:
        for path in host.system_pythons:  # an empty, non-executable file: `which` skips it
            args += ["--ro-bind", empty_file, path]
    return args


def build_mounts(host: HostLayout, *, tmp_host: str, build_host: str, build_dir: str, env_host: str,
                 buildpack_host: str, stack_python: str, stores: list[str], empty_file: str) -> list[str]:
    """The build image. One host dir is /tmp, holding BUILD_DIR and CACHE_DIR, as one
    filesystem does on Heroku: so the buildpack can hard-link between them."""
    args = system_mounts(host, empty_file, hide_system_python=True)
    # The pyenv build has an absolute RUNPATH, so it must sit at its own path.
    args += ["--ro-bind", stack_python, stack_python,
             "--symlink", f"{stack_python}/bin/python3", "/usr/local/bin/python3"]
    args += ["--bind", tmp_host, "/tmp"]
    if build_dir == "/app":
        args += ["--bind", build_host, "/app"]  # Heroku CI builds in place
    else:
        args += ["--tmpfs", "/app"]  # empty and writable: the buildpack symlinks .heroku/python here
        if not build_dir.startswith("/tmp/"):
            args += ["--bind", build_host, build_dir]
    args += ["--ro-bind", env_host, ENV_DIR, "--bind", buildpack_host, BUILDPACK_DIR]
    for store in stores:
        args += ["--ro-bind-try", store, store]
    return args


def run_mounts(host: HostLayout, slug: str, empty_file: str) -> list[str]:
    # The heroku-24 run image has no Python; Debian's stays executable only for fake test apps.
    return system_mounts(host, empty_file, hide_system_python=False) + ["--bind", slug, "/app"]


def sandbox_argv(mounts: list[str], env: dict[str, str], command: list[str], network: bool = True,
                 chdir: str = "/") -> list[str]:
    argv = ["bwrap", "--unshare-user", "--uid", DYNO_UID, "--gid", DYNO_UID,
            "--unshare-pid", "--die-with-parent"]
    if not network:
        argv.append("--unshare-net")
    # Read-only root: a relative write from the wrong cwd fails loudly instead of vanishing.
    argv += mounts + ["--remount-ro", "/", "--chdir", chdir, "--clearenv"]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    return argv + ["--"] + command


def empty_file(work: Path) -> str:
    path = work / ".sandbox-empty"
    if not path.exists():
        path.write_bytes(b"")
    path.chmod(0o644)  # no execute bit, so a Python hidden under it is not found on PATH
    return str(path)


class SandboxRunner:
    name = "sandbox"

    def prepare(self, stack: Stack, say: Callable[[str], None]) -> None:
        if not (PYENV_VERSIONS / stack.sandbox_python).is_dir():
            raise LocalHerokuError(f"the sandbox stands in for {stack.name}'s python3 with "
                                   f"{PYENV_VERSIONS / stack.sandbox_python}, which is missing")

    def hand_over(self, *paths: Path) -> None:
        pass  # bubblewrap maps the invoking user to uid 1000 inside

    def build(self, stack: Stack, layout: BuildLayout, env: dict[str, str], network: bool,
              command: list[str]) -> Invocation:
        return Invocation(sandbox_argv(self.mounts(stack, layout), env, command, network))

    def mounts(self, stack: Stack, layout: BuildLayout) -> list[str]:
        return build_mounts(probe_host(), tmp_host=str(layout.tmp_host), build_host=str(layout.build_host),
                            build_dir=layout.build_dir, env_host=str(layout.env_host),
                            buildpack_host=str(layout.buildpack_host),
                            stack_python=str(PYENV_VERSIONS / stack.sandbox_python),
                            stores=list(layout.stores), empty_file=empty_file(layout.work))

    def dyno(self, stack: Stack, slug_host: Path, env: dict[str, str], config: dict[str, str],
             command: list[str], work: Path, dyno: str, interactive: bool = False) -> Invocation:
        # No --unshare-net: the web process must be reachable from the host.
        mounts = run_mounts(probe_host(), str(slug_host), empty_file(work))
        return Invocation(sandbox_argv(mounts, {**env, **config}, command))

    def stop(self, invocation: Invocation) -> None:
        pass  # --die-with-parent: nothing outlives the stopped process group

    def record(self) -> dict[str, object]:
        return {"runner": self.name}
