"""Where builds and dynos run: one small interface, two variants, chosen in one place.

- sandbox: bubblewrap over the host's own /usr (Debian 12 here), a pyenv build as the stack's python3.
- container: the stack's image (Heroku's own, or a Debian stand-in) under podman or docker.

`choose` is the only place that decides; a build records its choice in WORK/build.json and the
dynos of that slug run where it was built (`from_record`).
"""
from __future__ import annotations

from typing import Callable, Mapping

from localheroku.contract import LocalHerokuError
from localheroku.runners.base import BuildLayout, Invocation, Runner
from localheroku.runners.container import ContainerRunner, find_engine
from localheroku.runners.sandbox import SandboxRunner

__all__ = ["BuildLayout", "Invocation", "Runner", "choose", "from_record"]


def choose(requested: str | None, host_env: Mapping[str, str], say: Callable[[str], None]) -> Runner:
    """RUNNER=container|sandbox; by default a container engine that works, else the sandbox."""
    if requested not in (None, "", "container", "sandbox"):
        raise LocalHerokuError(f"RUNNER must be 'container' or 'sandbox', got {requested!r}")
    if requested == "sandbox":
        say("Runner: sandbox (bubblewrap), as RUNNER=sandbox asks")
        return SandboxRunner()
    engine = find_engine(host_env.get("CONTAINER_ENGINE"), host_env)
    if engine is not None:
        reason = "as RUNNER=container asks" if requested else "a working container engine was found"
        say(f"Runner: container ({engine.name}), {reason}")
        return ContainerRunner(engine, host_env)
    if requested == "container":
        raise LocalHerokuError("RUNNER=container, but neither podman nor docker works here "
                               "(tried `podman info` and `docker info`); install one, or use RUNNER=sandbox")
    say("Runner: sandbox (bubblewrap): no working container engine (podman or docker) found")
    return SandboxRunner()


def from_record(record: Mapping[str, object], host_env: Mapping[str, str]) -> Runner:
    """The runner a slug was built with, for its dynos."""
    if record.get("runner") == "container":
        engine = find_engine(str(record.get("engine")), host_env)
        if engine is None:
            raise LocalHerokuError(f"this slug was built with {record.get('engine')}, which no longer works here")
        return ContainerRunner(engine, host_env, images=(str(record["build_image"]), str(record["run_image"])))
    return SandboxRunner()
