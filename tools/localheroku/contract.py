"""Heroku's build and dyno contract as the local platform reproduces it: paths, environments, the
dyno boot command. Shared by every runner, so the sandbox and the containers look the same from
inside."""
from __future__ import annotations

import secrets
import types
from pathlib import Path
from typing import Mapping

REPO = Path(__file__).resolve().parents[2]
# Runtimes built from source for the stand-in images: once per machine, shared by every checkout.
SOURCE_RUNTIMES = Path.home() / ".cache" / "localheroku" / "runtimes-src"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CACHE_DIR = "/tmp/codon/tmp/cache"
ENV_DIR = "/tmp/env"
BUILDPACK_DIR = "/tmp/buildpack"
# What a build records in WORK for the slug's dynos: the runner, its images, the stack.
BUILD_RECORD = "build.json"
FAKE_SOURCE_VERSION = "0123456789abcdef0123456789abcdef01234567"
# Only what a machine needs to reach PyPI through a TLS-intercepting proxy; never PIP_*.
PASSTHROUGH_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PIP_CERT", "http_proxy",
                   "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY")
# The variables that name a CA bundle file: a container gets the host's file mounted in their place.
CA_BUNDLE_ENV = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")
# Heroku builds and dynos do not run as root.
DYNO_UID = "1000"
# The command comes in as $1 and gets its own `bash -c`, so `a && b` or `a; b` run whole (a bare
# `exec a && b` would never run b), while a simple command still replaces the shell.
PROFILE_SCRIPT = ('for f in /app/.profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; '
                  '[ -f /app/.profile ] && . /app/.profile; cd /app; exec bash -c "$1"')


# What a caller that passes no host environment gives a build or a dyno: nothing of the host's.
# Only cli reads os.environ; everything below takes the host's environment as an argument.
NO_HOST_ENV: Mapping[str, str] = types.MappingProxyType({})


class LocalHerokuError(Exception):
    """A failure to report to the user without a traceback."""


def build_env(stack: str, source_version: str, host_env: Mapping[str, str], runtimes_url: str | None,
              extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"STACK": stack, "SOURCE_VERSION": source_version, "DYNO": "run.1", "HOME": "/app",
           "PATH": PATH, "LANG": "C.UTF-8"}
    env.update({name: host_env[name] for name in PASSTHROUGH_ENV if name in host_env})
    if runtimes_url:
        env["PYTHON_RUNTIMES_URL"] = runtimes_url
    env.update(extra or {})
    return env


def run_env(dyno: str, port: int, config: dict[str, str]) -> dict[str, str]:
    return {"HOME": "/app", "PORT": str(port), "DYNO": dyno, "PATH": PATH, "LANG": "C.UTF-8", **config}


def dyno_command(command: str) -> list[str]:
    return ["bash", "-c", PROFILE_SCRIPT, "dyno", command]


def build_dir_path(name: str | None, ci: bool) -> str:
    if ci:
        return "/app"  # Heroku CI and newer builders build in place
    if name and name.startswith("/"):
        return name  # e.g. /tmp/build, as herokuish does
    return "/tmp/build_" + (name or secrets.token_hex(16))
