"""The installed environment, whoever installed it: what it holds, removing from it,
and making the paths installers baked into it work at /app.

Shared by every package manager; runs only the app's own Python (and the pip
wheel the runtime bundles), never a manager's tool.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from buildpack import build_env, commands, reasons
from buildpack.context import Context
from buildpack.errors import DependenciesError

INSPECT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "inspect_env.py"


@dataclass
class Environment:
    """What is installed in the app's python: name -> version, and the closure needed."""

    installed: Dict[str, str]
    needed: Optional[List[str]]


def inspect(ctx: Context, top_level: Optional[List[str]], keep: Optional[List[str]] = None) -> Environment:
    """What is installed; with top_level, also the closure of what they need (plus `keep`)."""
    env = build_env.for_app(ctx)
    # -B: pip stays source in the slug (the bytecode step skips it), even the parts this imports.
    argv = [str(ctx.app_python), "-I", "-B", str(INSPECT_SCRIPT), json.dumps(top_level), json.dumps(keep or ["pip"])]
    completed = commands.capture_stdout(argv, env, cwd=ctx.build_dir)
    if completed.returncode != 0:
        raise DependenciesError(
            "Could not list the installed packages.",
            completed.stderr.strip()[-2000:],
            reason=reasons.DEPENDENCIES_INSPECT,
        )
    report = json.loads(completed.stdout)
    return Environment(installed=report["installed"], needed=report["needed"])


def bundled_pip_wheel(python_home: Path) -> Path:
    """The pip wheel that ships inside the runtime's ensurepip (runs as a zip, offline)."""
    for wheel in sorted(python_home.glob("lib/python3*/ensurepip/_bundled/pip-*.whl")):
        return wheel
    raise DependenciesError(
        "The Python runtime has no ensurepip module to install pip from.",
        f"Looked for ensurepip's bundled pip wheel in {python_home}/lib.\n\n"
        "The runtime archive is incomplete. Rebuild the runtime store\n"
        "(`make runtimes`) or point PYTHON_RUNTIMES_URL at a complete one.",
        reason=reasons.DEPENDENCIES_NO_PIP,
    )


def uninstall_with_bundled_pip(ctx: Context, names: List[str]) -> None:
    """Uninstall from an environment that has no pip of its own (Pipenv's)."""
    if not names:
        return
    wheel = bundled_pip_wheel(ctx.python_home)
    argv = [str(ctx.app_python), str(wheel / "pip"), "uninstall", "--yes", *names]
    result = commands.run(argv, build_env.for_app(ctx), cwd=ctx.build_dir)
    if not result.ok:
        raise DependenciesError(
            "Could not uninstall packages that are no longer required.",
            result.text[-2000:],
            reason=reasons.DEPENDENCIES_UNINSTALL,
        )


def relative_to_build(ctx: Context, path: Path) -> str:
    """Paths in an installer's output read better relative to the app (it runs from the build dir)."""
    try:
        return str(path.relative_to(ctx.build_dir))
    except ValueError:
        return str(path)


def fix_build_paths(ctx: Context) -> None:
    """Rewrite the build dir's path to /app where an installer baked it in (editable installs, .pth)."""
    old = str(ctx.build_dir)
    new = "/app"
    if old == new:
        return
    site_packages = list(ctx.python_home.glob("lib/python3*/site-packages"))
    candidates: List[Path] = []
    for directory in site_packages:
        candidates.extend(directory.glob("*.pth"))
        candidates.extend(directory.glob("*.egg-link"))
        candidates.extend(directory.glob("*.dist-info/direct_url.json"))
        candidates.extend(directory.glob("__editable__*.py"))
    candidates.extend(p for p in (ctx.python_home / "bin").glob("*") if p.is_file() and not p.is_symlink())
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if old.encode() in data and b"\0" not in data[:1024]:
            replace_file(path, data.replace(old.encode(), new.encode()))


def replace_file(path: Path, data: bytes) -> None:
    """Write a new file and rename it over the old one: never write into a file in place,
    because the cached environment shares its files with the build (hard links)."""
    partial = path.with_name(path.name + ".buildpack-tmp")
    partial.write_bytes(data)
    os.chmod(partial, path.stat().st_mode & 0o7777)
    os.replace(partial, path)
