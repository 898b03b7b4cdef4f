"""The stacks the local platform offers, and what stands in for each one here.

Heroku builds in `heroku/heroku:NN-build` and runs dynos in `heroku/heroku:NN`. Where those
images cannot be pulled, a Debian release with the same ABI era stands in (see images.py); the
bubblewrap sandbox stands in with the host's /usr and a pyenv build as the stack's python3.
"""
from __future__ import annotations

import dataclasses

# What Heroku gives a new app today: heroku-24 (heroku-26 was added in spring 2026; no public
# source seen by 2026-12 says it became the default). Every stack below stays selectable.
DEFAULT_STACK = "heroku-24"


@dataclasses.dataclass(frozen=True)
class Stack:
    name: str
    ubuntu: str
    debian_suite: str        # the stand-in's Debian release: same glibc/OpenSSL era or newer
    sandbox_python: str      # the pyenv build the sandbox puts on PATH as the stack's python3

    @property
    def number(self) -> str:
        return self.name.split("-")[1]

    @property
    def official_build_image(self) -> str:
        return f"docker.io/heroku/heroku:{self.number}-build"

    @property
    def official_run_image(self) -> str:
        return f"docker.io/heroku/heroku:{self.number}"


STACKS = {
    # Debian 11 has heroku-20's ABI: glibc 2.31 and OpenSSL 1.1.1.
    "heroku-20": Stack("heroku-20", "20.04", "bullseye", "3.8.18"),
    "heroku-22": Stack("heroku-22", "22.04", "bookworm", "3.10.13"),
    "heroku-24": Stack("heroku-24", "24.04", "bookworm", "3.12.1"),
    "heroku-26": Stack("heroku-26", "26.04", "bookworm", "3.13.0"),
}
# The python3 each stack's build image has on PATH, stood in for by a pyenv build in the sandbox.
STACK_PYTHONS = {name: stack.sandbox_python for name, stack in STACKS.items()}
