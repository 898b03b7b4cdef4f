"""Poetry: projects with pyproject.toml + poetry.lock.

`poetry sync --only main` installs exactly the lock's main group (all default
groups in Heroku CI) into the runtime's own prefix (no virtualenv), and removes
what the lock no longer has, so a sync over the cached environment equals a
cold install. Poetry refuses a lock that no longer matches pyproject.toml.
Poetry runs from its own venv in the build cache, with its cache in CACHE_DIR.
On Python 3.8 that is Poetry 1.8, whose same command is `poetry install --sync`
(tool_versions.POETRY_COMMANDS).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from buildpack import build_env, commands, output, reasons
from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import failures, indexes, lock_errors, tool_versions, tools
from buildpack.dependencies.manager import ExactSyncManager
from buildpack.errors import DependenciesError

FILES = ("pyproject.toml", "poetry.lock")
TOML_CHECK = Path(__file__).resolve().parent / "scripts" / "toml_check.py"


def unsupported_python(python_version: str) -> DependenciesError:
    return DependenciesError(
        f"Poetry doesn't run on Python {python_version}.",
        f"This app uses Poetry (poetry.lock) and Python {python_version}; the\n"
        "Poetry releases the buildpack installs need Python 3.8 or newer, and\n"
        "Poetry runs on the app's Python here.\n\n"
        "To fix it: move the app to a supported Python (e.g. 3.13 in\n"
        ".python-version), then `poetry lock`, commit and deploy again.",
        reason=reasons.DEPENDENCIES_POETRY_PYTHON,
    )


_LOCK_VERSION = re.compile(r'^lock-version\s*=\s*["\'](?P<major>\d+)\.(?P<minor>\d+)["\']', re.MULTILINE)


def lock_format(text: str) -> Optional[Tuple[int, int]]:
    """poetry.lock's `lock-version` (its [metadata] format), or None when it has none."""
    match = _LOCK_VERSION.search(text)
    return (int(match.group("major")), int(match.group("minor"))) if match else None


def newer_lock_warning(found: Tuple[int, int], poetry_version: str, python_version: str) -> Optional[Tuple[str, str]]:
    """(title, body) when the lock is of a newer format than this Poetry reads, else None."""
    readable = tool_versions.poetry_lock_format(poetry_version)
    if found <= readable:
        return None
    shown = f"{found[0]}.{found[1]}"
    return (
        f"poetry.lock is of a newer format ({shown}) than Poetry {poetry_version} reads.",
        f"poetry.lock has lock-version {shown}, written by a newer Poetry; on\n"
        f"Python {python_version} the newest Poetry that runs is {poetry_version}, which\n"
        f"reads lock-version {readable[0]}.{readable[1]} and older. It may misread the lock, or\n"
        "a pyproject.toml that uses Poetry 2's [project] table.\n\n"
        "To fix it:\n"
        "1. Move the app to a newer Python (e.g. 3.13 in .python-version), or\n"
        f"2. Write the lock with Poetry {poetry_version} (`pipx run poetry=={poetry_version} lock`),\n"
        "   commit poetry.lock and deploy again.",
    )


def lock_error(text: str) -> Optional[DependenciesError]:
    if "changed significantly since poetry.lock was last generated" in text:
        return lock_errors.outdated(
            "poetry.lock", "pyproject.toml",
            "Poetry found that pyproject.toml changed since poetry.lock was\n"
            "written (a dependency added, removed or changed).", relock="poetry lock")
    return None


def corrupt_file_error(message: str) -> DependenciesError:
    file, _, cause = message.partition(": ")
    return lock_errors.unreadable(
        file, f"{file} is not valid TOML: {cause.strip()}",
        rewrite="`poetry lock` writes a new one from pyproject.toml" if file == "poetry.lock" else None)


class Poetry(ExactSyncManager):
    name = "poetry"
    title = "Poetry"

    def __init__(self, for_ci: bool = False) -> None:
        self.for_ci = for_ci

    def files(self) -> List[str]:
        return list(FILES)

    def tools(self, python_version: str) -> Dict[str, str]:
        return {"package manager": "poetry", "poetry": tool_versions.poetry_version(python_version) or "none"}

    def fingerprint(self, ctx: Context) -> str:
        digest = hashlib.sha256(b"poetry-ci\0" if self.for_ci else b"poetry\0")
        for name in FILES:
            digest.update((ctx.build_dir / name).read_bytes() + b"\0")
        return digest.hexdigest()

    def command(self, version: str) -> List[str]:
        """What the log shows: `poetry sync --only main`, or Poetry 1.8's equivalent."""
        return ["poetry", *tool_versions.poetry_command(version, self.for_ci)]

    def argv(self, poetry: Path, version: str) -> List[str]:
        # No --compile: the bytecode step compiles in the background. --no-ansi: Poetry's
        # redrawn progress lines read badly in a build log.
        return [str(poetry), *self.command(version)[1:], "--no-ansi", "--no-interaction"]

    def run(self, ctx: Context, build_cache: BuildCache, python_version: str) -> None:
        version = tool_versions.poetry_version(python_version)
        if version is None:
            raise unsupported_python(python_version)
        lock = lock_format((ctx.build_dir / "poetry.lock").read_text(encoding="utf-8", errors="replace"))
        newer = newer_lock_warning(lock, version, python_version) if lock is not None else None
        if newer is not None:
            output.warning(*newer)
        poetry = tools.venv_tool(ctx, build_cache, "poetry", version, "poetry", python_version, "Poetry")
        values = build_env.for_app(ctx)
        checked = commands.capture_stdout([str(poetry.parent / "python"), str(TOML_CHECK), *FILES], values,
                                          cwd=ctx.build_dir)
        if checked.returncode != 0:
            raise corrupt_file_error(checked.stdout.strip() or checked.stderr.strip()[-500:])
        values.update({
            # The runtime's own prefix is the environment: Poetry finds it as the
            # `python` first on PATH, and must not make a virtualenv instead.
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_CACHE_DIR": str(build_cache.layout.poetry),
            "POETRY_NO_INTERACTION": "1",
        })
        # Private sources: their credentials and repository URLs, as Poetry reads them.
        private = indexes.poetry_vars(ctx.config_vars)
        values.update(private)
        if private:
            output.detail("Index config vars: " + ", ".join(f"{name} (set)" for name in sorted(private)))
        shown = " ".join(self.command(version))
        output.step(f"Installing dependencies with '{shown}'")
        result = commands.run(self.argv(poetry, version), values, cwd=ctx.build_dir, filter_line=_quiet)
        if not result.ok:
            raise lock_error(result.text) or failures.install_error(
                "installing poetry.lock with Poetry", result.text, python_version, ctx.pip_config_vars(),
                f"To fix it:\n1. Run `{shown}` locally with the same Python\n"
                "   version and fix what fails.\n2. Commit the changes and deploy again.",
            )


def _quiet(line: str) -> Optional[str]:
    # Said on every run, and exactly what the buildpack asked for.
    return None if line.startswith("Skipping virtualenv creation") else failures.shorten(line)
