"""The first check of a build: a Python environment the app committed (venv/, .venv/,
.heroku/python), refused before anything is installed."""
from __future__ import annotations

import os
from pathlib import Path

from buildpack import reasons
from buildpack.errors import SourceTreeError

COMMITTED_ENVIRONMENTS = ("venv", ".venv", ".heroku/python")


def refuse(build_dir: Path) -> None:
    for name in COMMITTED_ENVIRONMENTS:
        path = build_dir / name
        # lexists: a committed venv's bin/python is usually a link to the developer's interpreter.
        is_environment = (
            (path / "pyvenv.cfg").is_file() or os.path.lexists(path / "bin" / "python") or name == ".heroku/python"
        )
        if path.is_dir() and is_environment:
            raise SourceTreeError(
                f"The app's source contains a Python environment ({name}/).",
                f"Found {name}/ in the root of the app. A virtual environment made\n"
                "on another machine does not work on Heroku (its paths and\n"
                "compiled libraries belong to that machine), and it makes the\n"
                "slug large.\n\n"
                "To fix it:\n"
                f"1. Remove it from git:  git rm -r --cached {name}\n"
                f"2. Add `{name}/` to .gitignore and commit.\n"
                "3. List the app's packages in requirements.txt instead.",
                reason=reasons.SOURCE_COMMITTED_ENVIRONMENT,
            )

