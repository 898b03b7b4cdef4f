"""Installing the app's requirements with pip, and keeping the environment exact.

Three cases (cache.decide picks one):
- fresh: a new runtime, pip, then `pip install -r requirements.txt`;
- reuse: the requirements did not change: nothing runs, nothing is fetched;
- sync: `pip install -r` over the cached environment, then every package
  outside the requirements' dependency closure is uninstalled, so the result
  is what a fresh build would install (exactly, for a complete == lock).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from buildpack import build_env, commands, output
from buildpack.cache import Action
from buildpack.context import Context
from buildpack.dependencies import requirements, tool_versions
from buildpack.errors import DependenciesError

INSPECT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "inspect_env.py"
LOCKFILE_EXPORTS = (
    ("uv.lock", "uv export --no-hashes --format requirements-txt > requirements.txt"),
    ("poetry.lock", "poetry export --without-hashes -o requirements.txt"),
    ("Pipfile.lock", "pipenv requirements > requirements.txt"),
    ("Pipfile", "pipenv requirements > requirements.txt"),
    ("pyproject.toml", "uv export --no-hashes --format requirements-txt > requirements.txt"),
)


@dataclass
class Environment:
    """What is installed in the app's python: name -> version, and the closure needed."""

    installed: Dict[str, str]
    needed: Optional[List[str]]


def unsupported_lockfile_error(build_dir: Path) -> Optional[DependenciesError]:
    """An app with only a lockfile we do not install yet gets told how to export one."""
    for name, command in LOCKFILE_EXPORTS:
        path = build_dir / name
        if not path.is_file():
            continue
        if name == "pyproject.toml" and not _declares_dependencies(path):
            continue
        return DependenciesError(
            f"The app's dependencies are in {name}, which is not supported yet.",
            f"Found {name} but no requirements.txt in the root of the app.\n\n"
            "This buildpack installs dependencies from requirements.txt (or\n"
            "compiles requirements.in with pip-tools).\n\n"
            "To fix it:\n"
            f"1. Export a requirements.txt:\n   {command}\n"
            "2. Commit it:\n   git add requirements.txt && git commit -m 'Add requirements.txt'\n"
            "3. Deploy again.",
            reason="dependencies::lockfile-unsupported",
        )
    return None


def _declares_dependencies(pyproject: Path) -> bool:
    text = pyproject.read_text(encoding="utf-8", errors="replace")
    return bool(re.search(r"^\s*dependencies\s*=\s*\[\s*[^\]\s]", text, re.MULTILINE)) or "[tool.poetry.dependencies]" in text


def bundled_pip_wheel(python_home: Path) -> Optional[Path]:
    """The pip wheel that ships inside the runtime's ensurepip (works offline)."""
    for wheel in sorted(python_home.glob("lib/python3*/ensurepip/_bundled/pip-*.whl")):
        return wheel
    return None


def install_pip(ctx: Context, python_version: str) -> None:
    version = tool_versions.pip_version(python_version)
    wheel = bundled_pip_wheel(ctx.python_home)
    if wheel is None:
        raise DependenciesError(
            "The Python runtime has no ensurepip module to install pip from.",
            f"Looked for ensurepip's bundled pip wheel in {ctx.python_home}/lib.\n\n"
            "The runtime archive is incomplete. Rebuild the runtime store\n"
            "(`make runtimes`) or point PYTHON_RUNTIMES_URL at a complete one.",
            reason="dependencies::no-pip",
        )
    output.step(f"Installing pip {version}")
    env = build_env.for_app(ctx)
    # Run pip from the bundled wheel (a zip pip can run from) to install the pinned pip.
    argv = [str(ctx.app_python), str(wheel / "pip"), "install", "--quiet", "--no-warn-script-location", f"pip=={version}"]
    result = commands.run(argv, env, cwd=ctx.build_dir)
    if not result.ok:
        raise DependenciesError(
            f"Could not install pip {version}.",
            "pip's output ends with:\n\n" + "\n".join(result.tail[-15:]) + "\n\n"
            "This is usually a network problem reaching the package index: try\n"
            "again.",
            reason="dependencies::pip-install",
        )


def _pip_line_filter(line: str) -> Optional[str]:
    # The "Requirement already satisfied" flood says nothing a user needs.
    return None if line.startswith("Requirement already satisfied") else line


def pip_install(ctx: Context, requirements_file: Path) -> None:
    env = build_env.for_app(ctx)
    argv = [
        str(ctx.app_python), "-m", "pip", "install", "-r", relative_to_build(ctx, requirements_file),
        "--no-warn-script-location", "--progress-bar", "off", "--exists-action", "w",
        "--src", str(ctx.app_python_home.parent / "src"),
    ]
    result = commands.run(argv, env, cwd=ctx.build_dir, filter_line=_pip_line_filter)
    if not result.ok:
        raise DependenciesError(
            f"Could not install the packages in {requirements_file.name}.",
            "pip failed; the end of its output is above.\n\n" + explain_pip_failure(result.text),
            reason="dependencies::pip-failed",
        )


def relative_to_build(ctx: Context, path: Path) -> str:
    """Paths in pip's output read better relative to the app (pip runs from the build dir)."""
    try:
        return str(path.relative_to(ctx.build_dir))
    except ValueError:
        return str(path)


def explain_pip_failure(text: str) -> str:
    """Turn the usual pip failures into a fix the user can apply."""
    if "pg_config executable not found" in text:
        return (
            "psycopg2 (built from source) needs PostgreSQL's pg_config.\n\n"
            "To fix it:\n1. Use psycopg2-binary or psycopg[binary] instead, or\n"
            "2. Add a buildpack that provides libpq-dev before this one."
        )
    if "No matching distribution found" in text or "Could not find a version" in text:
        match = re.search(r"No matching distribution found for (\S+)", text)
        what = match.group(1) if match else "a requirement"
        return (
            f"pip could not find {what} for this Python version.\n\n"
            "To fix it:\n1. Check the name and version in requirements.txt (typos?).\n"
            "2. Check the package supports this Python version.\n"
            "3. For a private index, set PIP_INDEX_URL or PIP_EXTRA_INDEX_URL as a config var."
        )
    if "ResolutionImpossible" in text or "conflicting dependencies" in text:
        return (
            "The requirements conflict with each other.\n\n"
            "To fix it:\n1. Loosen or align the pins pip names above.\n"
            "2. Regenerate the lock with pip-compile and commit it."
        )
    return (
        "To fix it:\n1. Run `pip install -r requirements.txt` locally in a clean\n"
        "   virtualenv with the same Python version and fix what fails.\n"
        "2. Commit the corrected requirements and deploy again."
    )


def inspect(ctx: Context, top_level: Optional[List[str]]) -> Environment:
    env = build_env.for_app(ctx)
    argv = [str(ctx.app_python), "-I", str(INSPECT_SCRIPT), json.dumps(top_level)]
    completed = commands.capture_stdout(argv, env, cwd=ctx.build_dir)
    if completed.returncode != 0:
        raise DependenciesError(
            "Could not list the installed packages.",
            completed.stderr.strip()[-2000:],
            reason="dependencies::inspect",
        )
    report = json.loads(completed.stdout)
    return Environment(installed=report["installed"], needed=report["needed"])


def remove_extras(ctx: Context, environment: Environment) -> List[str]:
    """Uninstall what is installed but outside the requirements' closure."""
    if environment.needed is None:
        return []
    needed = set(environment.needed)
    extras = sorted(name for name in environment.installed if name not in needed)
    uninstall(ctx, extras)
    return extras


def uninstall(ctx: Context, names: List[str]) -> None:
    if not names:
        return
    env = build_env.for_app(ctx)
    result = commands.run([str(ctx.app_python), "-m", "pip", "uninstall", "--yes", *names], env, cwd=ctx.build_dir)
    if not result.ok:
        raise DependenciesError(
            "Could not uninstall packages that are no longer required.",
            result.text[-2000:],
            reason="dependencies::uninstall",
        )


def describe_changes(before: Dict[str, str], after: Dict[str, str]) -> str:
    installed = sorted(name for name, version in after.items() if before.get(name) != version)
    removed = sorted(name for name in before if name not in after)
    text = f"Synced: {len(installed)} installed, {len(removed)} removed"
    if installed or removed:
        names = [f"+{n}=={after[n]}" for n in installed] + [f"-{n}" for n in removed]
        text += " (" + ", ".join(names[:12]) + (", ..." if len(names) > 12 else "") + ")"
    return text


def install(
    ctx: Context, requirements_file: Optional[Path], action: Action, known: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """Install the requirements (fresh or sync; reuse installs nothing) and return what is
    installed, name -> version. `known` is what the cache says the environment holds.
    No requirements file means no packages: a sync then removes all but pip."""
    if action == Action.REUSE:
        return known if known is not None else inspect(ctx, None).installed
    top = requirements.top_level(requirements_file) if requirements_file is not None else []
    before: Dict[str, str] = {}
    if action == Action.SYNC:
        before = known if known is not None else inspect(ctx, None).installed
    if requirements_file is not None:
        output.step(f"Installing requirements with pip (from {requirements_file.name})")
        if action == Action.SYNC and top is None:
            # A requirement pip names only once it is built (a path, a URL without #egg=):
            # the closure of what is needed cannot be known, so nothing would ever be
            # removed. Start from an empty environment instead.
            output.detail("Some requirements have no name (a path or a URL without #egg=): reinstalling every package")
            uninstall(ctx, sorted(name for name in before if name != "pip"))
        pip_install(ctx, requirements_file)
    environment = inspect(ctx, top)
    removed = remove_extras(ctx, environment) if action == Action.SYNC else []
    after = {name: version for name, version in environment.installed.items() if name not in removed}
    if action == Action.SYNC:
        output.detail(describe_changes(before, after))
    return after


def fix_build_paths(ctx: Context) -> None:
    """Rewrite the build dir's path to /app where pip baked it in (editable installs, .pth)."""
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
