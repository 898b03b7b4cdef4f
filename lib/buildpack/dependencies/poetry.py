"""Poetry 2: projects with pyproject.toml + poetry.lock.

`poetry sync --only main` installs exactly the lock's main group (all default
groups in Heroku CI) into the runtime's own prefix (no virtualenv), and removes
what the lock no longer has, so a sync over the cached environment equals a
cold install. Poetry refuses a lock that no longer matches pyproject.toml.
Poetry runs from its own venv in the build cache, with its cache in CACHE_DIR.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List, Optional

from buildpack import build_env, commands, output
from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import failures, tool_versions, tools
from buildpack.dependencies.manager import ExactSyncManager
from buildpack.errors import DependenciesError

FILES = ("pyproject.toml", "poetry.lock")
TOML_CHECK = Path(__file__).resolve().parent / "scripts" / "toml_check.py"


def unsupported_python(python_version: str) -> DependenciesError:
    return DependenciesError(
        f"Poetry 2 doesn't run on Python {python_version}.",
        f"This app uses Poetry (poetry.lock) and Python {python_version}; Poetry 2\n"
        "needs Python 3.9 or newer, and Poetry runs on the app's Python here.\n\n"
        "To fix it: move the app to a supported Python (e.g. 3.13 in\n"
        ".python-version), then `poetry lock`, commit and deploy again.",
        reason="dependencies::poetry-python",
    )


def lock_error(text: str) -> Optional[DependenciesError]:
    if "changed significantly since poetry.lock was last generated" in text:
        return DependenciesError(
            "poetry.lock is out of date with pyproject.toml.",
            "Poetry found that pyproject.toml changed since poetry.lock was\n"
            "written (a dependency added, removed or changed). The build installs\n"
            "only what the lock says, so it stops here.\n\n"
            "To fix it:\n"
            "1. Run `poetry lock` where you develop the app.\n"
            "2. Commit poetry.lock and deploy again.",
            reason="dependencies::lock-outdated",
        )
    return None


def corrupt_file_error(message: str) -> DependenciesError:
    file, _, cause = message.partition(": ")
    fix = "`poetry lock` writes a new one from pyproject.toml" if file == "poetry.lock" else \
        f"fix the syntax error in {file}"
    return DependenciesError(
        f"{file} can't be read.",
        f"{file} is not valid TOML: {cause.strip()}\n\n"
        "To fix it:\n"
        f"1. Look for a merge conflict or a typo in {file}; {fix}.\n"
        f"2. Commit {file} and deploy again.",
        reason="dependencies::lock-corrupt",
    )


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

    def argv(self, poetry: Path) -> List[str]:
        argv = [str(poetry), "sync"]
        if not self.for_ci:
            argv += ["--only", "main"]
        # No --compile: the bytecode step compiles in the background. --no-ansi: Poetry's
        # redrawn progress lines read badly in a build log.
        return argv + ["--no-ansi", "--no-interaction"]

    def run(self, ctx: Context, build_cache: BuildCache, python_version: str) -> None:
        version = tool_versions.poetry_version(python_version)
        if version is None:
            raise unsupported_python(python_version)
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
            "POETRY_CACHE_DIR": str(build_cache.root / "poetry"),
            "POETRY_NO_INTERACTION": "1",
        })
        shown = " ".join(["poetry"] + self.argv(poetry)[1:3 if self.for_ci else 4])
        output.step(f"Installing dependencies with '{shown}'")
        result = commands.run(self.argv(poetry), values, cwd=ctx.build_dir, filter_line=_quiet)
        if not result.ok:
            raise lock_error(result.text) or failures.install_error(
                "installing poetry.lock with Poetry", result.text, python_version, ctx.pip_config_vars(),
                "To fix it:\n1. Run `poetry sync --only main` locally with the same Python\n"
                "   version and fix what fails.\n2. Commit the changes and deploy again.",
            )


def _quiet(line: str) -> Optional[str]:
    # Said on every run, and exactly what the buildpack asked for.
    return None if line.startswith("Skipping virtualenv creation") else failures.shorten(line)
