"""bin/detect: is this a Python app, and is it Django? From files alone."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Mapping, Optional

from buildpack.source.project_layout import find_manage_py

# Any of these in the app's root makes it a Python app (the official buildpack's
# list, including misspellings people really commit, so that the build can then
# say what is wrong instead of "no default language could be detected").
PYTHON_MARKERS = (
    "requirements.txt",
    "requirements.in",
    "runtime.txt",
    ".python-version",
    "manage.py",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "requirement.txt",
    "requirments.txt",
    "Requirements.txt",
    "requirements.text",
    "runtime.text",
    ".python_version",
    "app.py",
    "main.py",
    "wsgi.py",
)

def mentions_django(build_dir: Path) -> bool:
    for name in ("requirements.txt", "requirements.in", "pyproject.toml", "Pipfile"):
        path = build_dir / name
        if path.is_file():
            try:
                if "django" in path.read_text(encoding="utf-8", errors="replace").lower():
                    return True
            except OSError:
                continue
    return False


def framework_name(build_dir: Path) -> Optional[str]:
    """"Python/Django", "Python", or None when this is not a Python app."""
    markers = [name for name in PYTHON_MARKERS if (build_dir / name).exists()]
    manage_py = find_manage_py(build_dir)
    if not markers and manage_py is None:
        return None
    if manage_py is not None or mentions_django(build_dir):
        return "Python/Django"
    return "Python"


def explain_failure(build_dir: Path) -> str:
    try:
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in build_dir.iterdir())
    except OSError:
        entries = []
    listing = ", ".join(entries[:40]) or "(nothing)"
    return (
        "No Python app was detected: none of these files is in the root\n"
        "directory of the app (or manage.py up to 3 levels down):\n"
        f"  {', '.join(PYTHON_MARKERS[:12])}\n\n"
        f"The root directory holds: {listing}\n\n"
        "To fix it: add a requirements.txt (and runtime.txt) to the root of\n"
        "your repository, check it is not in .gitignore, and commit it.\n"
    )


def main(argv: List[str], environ: Mapping[str, str], command: str = "detect") -> int:
    build_dir = Path(argv[0] if argv else ".")
    name = framework_name(build_dir)
    if name is None:
        # Heroku ignores stdout on failure: the explanation goes to stderr.
        sys.stderr.write(explain_failure(build_dir))
        return 1
    print(name)
    return 0
