"""Local Heroku for integration tests: build, detect and run slugs as plain function calls.

A thin re-export of the tools/localheroku package (the local platform), so a test can say
`from sandbox import build, start_web` or `from integration.local_platform import ...`.
"""
from __future__ import annotations

import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from localheroku import (  # noqa: E402
    PATH,
    REPO,
    STACK_PYTHONS,
    BuildResult,
    LocalHerokuError,
    WebProcess,
    build,
    default_work,
    detect,
    parse_procfile,
    parse_release_yaml,
    process_types,
    release,
    run_process,
    start_web,
)

__all__ = [
    "PATH", "REPO", "STACK_PYTHONS", "BuildResult", "LocalHerokuError", "WebProcess", "build", "default_work",
    "detect", "parse_procfile", "parse_release_yaml", "process_types", "release", "run_process", "start_web",
]
