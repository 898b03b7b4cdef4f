"""Dispatch from a bin/ script to its entry module, and the last line of defence.

Expected failures (BuildpackError) become an error block and exit status 1;
anything else is a bug in the buildpack and says so, with the traceback.
"""
from __future__ import annotations

import importlib
import os
import traceback
from typing import List

from buildpack import output
from buildpack.errors import BuildpackError

ENTRY_MODULES = {
    "detect": "buildpack.detect",
    "compile": "buildpack.compile",
    "test-compile": "buildpack.compile",
    "release": "buildpack.release",
    "test": "buildpack.heroku_ci",
}


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in ENTRY_MODULES:
        output.error("Unknown buildpack command.", f"Expected one of: {', '.join(sorted(ENTRY_MODULES))}.")
        return 1
    command, args = argv[0], argv[1:]
    module = importlib.import_module(ENTRY_MODULES[command])
    try:
        return int(module.main(args, os.environ, command=command) or 0)
    except BuildpackError as exc:
        output.error(exc.title, exc.body, exc.docs)
        return 1
    except KeyboardInterrupt:
        output.error("The build was interrupted.")
        return 1
    except Exception:  # noqa: BLE001 - the last line of defence must catch everything
        output.error(
            "Internal error in the buildpack.",
            "This is a bug in the buildpack, not in your app. Please report it with\n"
            "the traceback below.\n\n" + traceback.format_exc(),
        )
        return 1
