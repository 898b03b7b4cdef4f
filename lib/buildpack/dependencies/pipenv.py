"""Pipenv: apps with Pipfile + Pipfile.lock.

`pipenv install --deploy` installs the lock's default packages (and the dev
ones in Heroku CI) into the runtime's own prefix, and refuses a Pipfile.lock
that is out of date with the Pipfile. Pipenv never uninstalls, so after a sync
every installed package the lock does not list is removed here: the result
equals a cold install. Pipenv runs from its own venv in the build cache.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Dict, List, Optional, Set

from buildpack import build_env, commands, fetch, output, reasons
from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import environment, failures, indexes, lock_errors, requirements, tool_versions, tools
from buildpack.dependencies.manager import PackageManager, describe_changes
from buildpack.errors import DependenciesError

FILES = ("Pipfile", "Pipfile.lock")
TOML_CHECK = Path(__file__).resolve().parent / "scripts" / "toml_check.py"


def read_lock(path: Path) -> dict:
    """Pipfile.lock is JSON: read it ourselves, so a broken one gets a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
            raise ValueError("it is not a Pipfile.lock object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise lock_errors.unreadable(
            "Pipfile.lock", f"Pipfile.lock is not valid: {exc}.",
            rewrite="`pipenv lock` writes a new one from the Pipfile") from None
    return data


def locked_names(lock: dict, for_ci: bool) -> Set[str]:
    sections = ["default", "develop"] if for_ci else ["default"]
    return {requirements.canonical_name(name) for section in sections for name in (lock.get(section) or {})}


def lock_error(text: str) -> Optional[DependenciesError]:
    # Pipenv wraps its messages at the terminal width: match across line breaks.
    if re.search(r"Pipfile\.lock\s+\(\w+\)\s+is\s+out\s+of\s+date", text):
        return lock_errors.outdated(
            "Pipfile.lock", "the Pipfile",
            "pipenv install --deploy found that the Pipfile changed since\n"
            "Pipfile.lock was written (its hash no longer matches).", relock="pipenv lock")
    return None


def unsupported_python(python_version: str) -> DependenciesError:
    return DependenciesError(
        f"Pipenv doesn't run on Python {python_version}.",
        f"This app uses Pipenv (Pipfile.lock) and Python {python_version}; the\n"
        "Pipenv releases the buildpack installs need Python 3.8 or newer.\n\n"
        "To fix it: move the app to a supported Python (python_version in\n"
        "the Pipfile, e.g. 3.13), then `pipenv lock`, commit and deploy again.",
        reason=reasons.DEPENDENCIES_PIPENV_PYTHON,
    )


class Pipenv(PackageManager):
    name = "pipenv"
    title = "Pipenv"

    def __init__(self, for_ci: bool = False) -> None:
        self.for_ci = for_ci

    def files(self) -> List[str]:
        return list(FILES)

    def tools(self, python_version: str) -> Dict[str, str]:
        return {"package manager": "pipenv", "pipenv": tool_versions.pipenv_version(python_version) or "none"}

    def fingerprint(self, ctx: Context) -> str:
        digest = hashlib.sha256(b"pipenv-ci\0" if self.for_ci else b"pipenv\0")
        for name in FILES:
            digest.update((ctx.build_dir / name).read_bytes() + b"\0")
        for key, value in sorted(ctx.pip_config_vars().items()):
            digest.update(f"{key}={value}\0".encode())
        return digest.hexdigest()

    def argv(self, pipenv: Path) -> List[str]:
        # `pipenv sync` has no --deploy: only `install --deploy` refuses a stale lock.
        return [str(pipenv), "install", "--deploy"] + (["--dev"] if self.for_ci else [])

    def install_fresh(self, ctx: Context, build_cache: BuildCache, python_version: str) -> Dict[str, str]:
        self.run(ctx, build_cache, python_version)
        installed = environment.inspect(ctx, None).installed
        # Pipenv installs silently (its verbose mode is a page of notices): say what it did.
        listed = ", ".join(f"{name}=={version}" for name, version in sorted(installed.items()))
        output.detail(f"Installed {len(installed)} packages: {listed}")
        return installed

    def sync(self, ctx: Context, build_cache: BuildCache, python_version: str,
             known: Optional[Dict[str, str]]) -> Dict[str, str]:
        before = known if known is not None else environment.inspect(ctx, None).installed
        lock = self.run(ctx, build_cache, python_version)
        installed = environment.inspect(ctx, None).installed
        # Pipenv never uninstalls: what the lock no longer lists goes here.
        extras = sorted(set(installed) - locked_names(lock, self.for_ci))
        environment.uninstall_with_bundled_pip(ctx, extras)
        after = {name: version for name, version in installed.items() if name not in extras}
        output.detail(describe_changes(before, after))
        return after

    def run(self, ctx: Context, build_cache: BuildCache, python_version: str) -> dict:
        lock = read_lock(ctx.build_dir / "Pipfile.lock")
        version = tool_versions.pipenv_version(python_version)
        if version is None:
            raise unsupported_python(python_version)
        pipenv = tools.venv_tool(ctx, build_cache, "pipenv", version, "pipenv", python_version, "Pipenv")
        values = build_env.for_app(ctx)
        checked = commands.capture_stdout([str(pipenv.parent / "python"), str(TOML_CHECK), "Pipfile"], values,
                                          cwd=ctx.build_dir)
        if checked.returncode != 0:
            message = checked.stdout.strip() or checked.stderr.strip()[-500:]
            raise DependenciesError(
                "The Pipfile can't be read.",
                f"The Pipfile is not valid TOML: {message.partition(': ')[2] or message}\n\n"
                "To fix it: correct the Pipfile, run `pipenv lock`, commit both\n"
                "files and deploy again.",
                reason=reasons.DEPENDENCIES_MANIFEST_CORRUPT,
            )
        values.update({
            # Install into the runtime's own prefix, not a virtualenv of Pipenv's making.
            "PIPENV_SYSTEM": "1",
            "VIRTUAL_ENV": str(ctx.app_python_home),
            "PIPENV_VERBOSITY": "-1",
            "PIPENV_NOSPIN": "1",
            "PIPENV_YES": "1",
            # Wide enough that Pipenv's messages are not wrapped mid-sentence in the log.
            "COLUMNS": "120",
            "PIPENV_CACHE_DIR": str(build_cache.layout.pipenv),
            # Editable VCS checkouts go where pip's do, under /app (PIP_SRC is denied to config vars).
            "PIP_SRC": str(ctx.app_python_home.parent / "src"),
        })
        # Private indexes: the config vars the Pipfile's source urls name (${VAR}: Pipenv
        # expands them), and PIP_INDEX_URL as the mirror that replaces PyPI.
        pipfile = (ctx.build_dir / "Pipfile").read_text(encoding="utf-8", errors="replace")
        missing = indexes.missing_source_vars(ctx.config_vars, pipfile)
        if missing:
            output.warning(
                "A Pipfile source url names a variable no config var sets.",
                f"A source url uses {', '.join('${' + name + '}' for name in missing)}, and the app has no\n"
                "config var of that name, so Pipenv uses the text as it is.\n\n"
                f"To fix it: heroku config:set {missing[0]}=..., then deploy again.",
            )
        private = indexes.pipenv_vars(ctx.config_vars, pipfile)
        values.update(private)
        if private:
            output.detail("Index config vars: " + ", ".join(
                f"PIPENV_PYPI_MIRROR={fetch.display_url(value)} (from PIP_INDEX_URL)" if name == "PIPENV_PYPI_MIRROR"
                else f"{name} (set)" for name, value in sorted(private.items())))
        output.step("Installing dependencies with 'pipenv install --deploy" + (" --dev'" if self.for_ci else "'"))
        result = commands.run(self.argv(pipenv), values, cwd=ctx.build_dir, filter_line=_quiet)
        if not result.ok:
            raise lock_error(result.text) or failures.install_error(
                "installing Pipfile.lock with Pipenv", result.text, python_version, ctx.pip_config_vars(),
                "To fix it:\n1. Run `pipenv install --deploy` locally with the same Python\n"
                "   version and fix what fails.\n2. Commit the changes and deploy again.",
            )
        return lock


def _quiet(line: str) -> Optional[str]:
    # Pipenv prints its own traceback, frame by frame, before its one-line reason.
    return None if line.startswith("[") and "Exception]:" in line else failures.shorten(line)
