"""Where a project's files lie in the app: its manage.py files (a Django project may sit in a
subdirectory: backend/manage.py), and requirements files outside the root, which the build does
not read. Read by detect, by the package manager's choice and by the Django stage.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

MANAGE_PY_MAX_DEPTH = 3
SKIPPED_DIRS = {".git", ".heroku", "node_modules", "venv", ".venv", "__pycache__", "staticfiles"}


def manage_py_files(build_dir: Path, max_depth: int = MANAGE_PY_MAX_DEPTH) -> List[Path]:
    """Every manage.py from the root to max_depth levels down, shallowest first."""
    found: List[Path] = []
    level = [build_dir]
    for _ in range(max_depth + 1):
        found.extend(sorted(d / "manage.py" for d in level if (d / "manage.py").is_file()))
        level = sorted(
            child
            for d in level
            for child in _subdirs(d)
            if child.name not in SKIPPED_DIRS and not child.name.startswith(".")
        )
    return found


def find_manage_py(build_dir: Path, max_depth: int = MANAGE_PY_MAX_DEPTH) -> Optional[Path]:
    """The shallowest manage.py (root first, then up to max_depth levels down)."""
    found = manage_py_files(build_dir, max_depth)
    return found[0] if found else None


# Where projects keep requirements files the build does not read (only the root's is read).
STRAY_REQUIREMENTS = ("requirements/*.txt", "requirements-*.txt", "requirements_*.txt", "*/requirements.txt",
                      "*/requirements/*.txt")


def stray_requirements(build_dir: Path) -> List[str]:
    """Requirements files elsewhere than the root, production ones first."""
    found = {path.relative_to(build_dir).as_posix() for pattern in STRAY_REQUIREMENTS
             for path in build_dir.glob(pattern) if path.is_file()}
    return sorted(found, key=lambda name: ("prod" not in name, name))


def _subdirs(directory: Path) -> List[Path]:
    try:
        return [p for p in directory.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
