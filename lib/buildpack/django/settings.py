"""A static reading of a Django project's source, for when its settings cannot be imported.

The Django step asks Django itself first (scripts/inspect_django.py); this is the
fallback, and the way to find modules (wsgi.py, asgi.py) without importing them.
Pure functions over text, plus small file lookups under the project directory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

STAR_IMPORT_MAX_DEPTH = 4

_MANAGE_PY_SETTINGS = re.compile(
    r"""['"]DJANGO_SETTINGS_MODULE['"]\s*(?:,|\]\s*=)\s*[rRuU]?['"]([\w.]+)['"]"""
)
_STAR_IMPORT = re.compile(r"^from\s+(\.*[\w.]*)\s+import\s+\*", re.MULTILINE)


def _assignment(name: str) -> "re.Pattern[str]":
    return re.compile(rf"""^[ \t]*{name}\s*=\s*[rRuU]?['"]([\w.:]+)['"]""", re.MULTILINE)


_WSGI = _assignment("WSGI_APPLICATION")
_ASGI = _assignment("ASGI_APPLICATION")
_STATIC_ROOT = re.compile(r"^[ \t]*STATIC_ROOT\s*=\s*(?!None\b)\S", re.MULTILINE)
_STATICFILES = re.compile(r"""['"]django\.contrib\.staticfiles(?:\.apps\.\w+)?['"]""")
_INSTALLED_APPS = re.compile(r"^[ \t]*INSTALLED_APPS\s*[+]?=", re.MULTILINE)


@dataclass
class StaticSettings:
    """What the settings' source says; None where the source does not say."""

    path: Optional[Path] = None  # the settings file, when found
    wsgi_application: Optional[str] = None
    asgi_application: Optional[str] = None
    static_root_set: bool = False
    staticfiles_installed: Optional[bool] = None  # None: cannot tell from the source


def settings_module_from_manage_py(text: str) -> Optional[str]:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")` (or an assignment) -> x.settings."""
    match = _MANAGE_PY_SETTINGS.search(text)
    return match.group(1) if match else None


def without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _last(pattern: "re.Pattern[str]", text: str) -> Optional[str]:
    found = pattern.findall(text)
    return found[-1] if found else None


def parse_settings_text(text: str, complete: bool = True) -> StaticSettings:
    """Read settings from source text (later assignments win, as they would when run).

    complete: the text holds everything the settings import with `*`; otherwise
    the absence of staticfiles proves nothing.
    """
    text = without_comments(text)
    staticfiles: Optional[bool] = None
    if _STATICFILES.search(text):
        staticfiles = True
    elif complete and _INSTALLED_APPS.search(text):
        staticfiles = False
    return StaticSettings(
        wsgi_application=_last(_WSGI, text),
        asgi_application=_last(_ASGI, text),
        static_root_set=_STATIC_ROOT.search(text) is not None,
        staticfiles_installed=staticfiles,
    )


def module_file(project_root: Path, module: str) -> Optional[Path]:
    """Where `a.b.c` lives under the project root (a/b/c.py or a/b/c/__init__.py)."""
    if not module or not re.fullmatch(r"[\w.]+", module) or ".." in module:
        return None
    base = project_root.joinpath(*module.split("."))
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name too long for the filesystem: no such module
            return None
    return None


def resolve_relative(module: str, is_package: bool, target: str) -> str:
    """`from .base import *` inside `config.settings.production` -> `config.settings.base`."""
    dots = len(target) - len(target.lstrip("."))
    if not dots:
        return target
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (dots - 1)] if dots > 1 else parts
    rest = target[dots:]
    return ".".join(parts + ([rest] if rest else []))


def settings_source(project_root: Path, module: str, depth: int = 0) -> Tuple[str, bool]:
    """The settings' text with their `import *` sources inlined in place; and whether all were found."""
    path = module_file(project_root, module)
    if path is None:
        return "", False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", False
    if depth >= STAR_IMPORT_MAX_DEPTH:
        return text, not _STAR_IMPORT.search(text)
    complete = True
    pieces: List[str] = []
    position = 0
    for match in _STAR_IMPORT.finditer(text):
        target = resolve_relative(module, path.name == "__init__.py", match.group(1))
        inlined, found = settings_source(project_root, target, depth + 1)
        if not found and not target.startswith("django."):
            complete = False
        pieces.extend([text[position:match.start()], inlined])
        position = match.end()
    pieces.append(text[position:])
    return "\n".join(pieces), complete


def read_settings(project_root: Path, module: Optional[str]) -> StaticSettings:
    if not module:
        return StaticSettings()
    path = module_file(project_root, module)
    if path is None:
        return StaticSettings()
    text, complete = settings_source(project_root, module)
    result = parse_settings_text(text, complete)
    result.path = path
    return result


def module_exists(project_root: Path, dotted_module: str) -> bool:
    return module_file(project_root, dotted_module) is not None


def application_module(dotted: str) -> str:
    """`portfolio.wsgi.application` -> `portfolio.wsgi` (also accepts `portfolio.wsgi:application`)."""
    if ":" in dotted:
        return dotted.split(":", 1)[0]
    return dotted.rpartition(".")[0]


def default_settings_module(project_root: Path, dotted_application: str) -> Optional[Tuple[Path, str]]:
    """The settings a WSGI/ASGI module chooses when DJANGO_SETTINGS_MODULE is unset
    (`os.environ.setdefault(...)`, as startproject writes it), and the module's file."""
    path = module_file(project_root, application_module(dotted_application))
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    module = settings_module_from_manage_py(without_comments(text))
    return (path, module) if module else None


def guess_application(project_root: Path, settings_module: Optional[str], kind: str) -> Optional[str]:
    """startproject's layout: `<package>/wsgi.py` (or asgi.py) next to, or above, the settings."""
    if not settings_module:
        return None
    parts = settings_module.split(".")[:-1]
    while True:
        candidate = ".".join(parts + [kind])
        if module_exists(project_root, candidate):
            return f"{candidate}.application"
        if not parts:
            return None
        parts.pop()
