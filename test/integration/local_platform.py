"""Local Heroku for integration tests: build, detect and run slugs as plain function calls.

A thin re-export of the tools/localheroku package (the local platform), so a test can say
`from local_platform import build, start_web` or `from integration.local_platform import ...`.
The calls that take the host's environment get this process's (its proxy and CA bundle reach
PyPI; a container engine runs with it): localheroku itself reads os.environ only in its command
line.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parents[2] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import localheroku  # noqa: E402
from localheroku import (  # noqa: E402
    PATH,
    REPO,
    STACK_PYTHONS,
    BuildResult,
    LocalHerokuError,
    WebProcess,
    default_work,
    parse_procfile,
    parse_release_yaml,
    process_types,
)


def build(*args: Any, **options: Any) -> BuildResult:
    options.setdefault("host_env", os.environ)
    return localheroku.build(*args, **options)


def detect(*args: Any, **options: Any) -> tuple:
    options.setdefault("host_env", os.environ)
    return localheroku.detect(*args, **options)


def release(*args: Any, **options: Any) -> tuple:
    options.setdefault("host_env", os.environ)
    return localheroku.release(*args, **options)


def run_process(*args: Any, **options: Any) -> tuple:
    options.setdefault("host_env", os.environ)
    return localheroku.run_process(*args, **options)


def start_web(*args: Any, **options: Any) -> Any:
    options.setdefault("host_env", os.environ)
    return localheroku.start_web(*args, **options)


__all__ = [
    "PATH", "REPO", "STACK_PYTHONS", "BuildResult", "LocalHerokuError", "WebProcess", "build", "default_work",
    "detect", "parse_procfile", "parse_release_yaml", "process_types", "release", "run_process", "start_web",
]
