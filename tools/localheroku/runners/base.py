"""The interface every runner implements, and the plain data it takes and gives."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Protocol

from localheroku.stacks import Stack


@dataclasses.dataclass(frozen=True)
class Invocation:
    """A command line, and the environment of the process that runs it. Values that must stay
    out of `ps` (config vars) travel in `env`; the argv only names them."""
    argv: list[str]
    env: dict[str, str] | None = None  # None: inherit the tool's own environment
    name: str | None = None            # a container's name, to stop it by


@dataclasses.dataclass(frozen=True)
class BuildLayout:
    """One build's host directories and where they appear inside."""
    tmp_host: Path        # appears as /tmp: holds BUILD_DIR and CACHE_DIR, one filesystem as on Heroku
    build_host: Path
    build_dir: str
    env_host: Path        # ENV_DIR
    buildpack_host: Path  # BUILDPACK_DIR
    stores: tuple[str, ...] = ()  # runtime stores (file:// URLs), read-only at their own paths
    work: Path = Path()


class Runner(Protocol):
    name: str

    def prepare(self, stack: Stack, say: Callable[[str], None]) -> None:
        """Make sure the stack's build and run environments exist (may pull or make images)."""

    def hand_over(self, *paths: Path) -> None:
        """Make host trees writable by the user builds and dynos run as."""

    def build(self, stack: Stack, layout: BuildLayout, env: dict[str, str], network: bool,
              command: list[str]) -> Invocation:
        """Run a buildpack script (bin/detect, compile, release) in the stack's build environment."""

    def dyno(self, stack: Stack, slug_host: Path, env: dict[str, str], config: dict[str, str],
             command: list[str], work: Path, dyno: str, interactive: bool = False) -> Invocation:
        """Run a process of the slug at /app in the stack's run environment."""

    def stop(self, invocation: Invocation) -> None:
        """Clean up after a dyno whose process was stopped (a container left behind)."""

    def record(self) -> dict[str, object]:
        """What a slug must remember to run where it was built (WORK/build.json)."""
