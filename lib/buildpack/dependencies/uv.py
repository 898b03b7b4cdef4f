"""uv: projects with pyproject.toml + uv.lock, and uv as the installer of requirements files.

A uv project is installed with `uv sync --locked`: exactly the lock's default
dependencies (no dev groups, except in Heroku CI), the project itself when it
is a package, and nothing else: uv removes what the lock no longer has, so a
sync over the cached environment equals a cold install. `--locked` refuses a
lock that is out of date with pyproject.toml rather than re-resolving it.

uv works on the runtime's own prefix (/app/.heroku/python) as its "project
environment", never downloads a Python of its own, and keeps its package cache
in CACHE_DIR, hard-linked into the environment where the filesystem allows.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from buildpack import build_env, commands, fetch, output
from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import environment, failures, indexes, lock_errors, requirements, tool_versions, tools
from buildpack.dependencies.manager import ExactSyncManager
from buildpack.errors import DependenciesError

FILES = ("pyproject.toml", "uv.lock")
# Sources in uv.lock whose code is outside the lock: a change to them is a change of dependencies.
_LOCAL_SOURCE = re.compile(r'source = \{ (?:directory|path) = "(?P<path>[^"]+)" \}')


def env(ctx: Context, build_cache: BuildCache) -> Dict[str, str]:
    """The environment every uv command runs in."""
    values = build_env.for_app(ctx)
    values.update({
        "UV_CACHE_DIR": str(build_cache.layout.uv),
        # The runtime is the only Python: never fetch or pick another one.
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_MANAGED_PYTHON": "1",
        # Files come from the cache by hard link when the cache and the build share a
        # filesystem (uv never writes into an installed file); a copy otherwise, said once
        # here rather than in a uv warning on every package.
        "UV_LINK_MODE": "hardlink" if build_cache.can_hardlink(ctx.python_home.parent) else "copy",
        "UV_NO_PROGRESS": "1",
        "NO_COLOR": "1",
    })
    return values


def lock_error(text: str) -> Optional[DependenciesError]:
    """uv's own words for a lock it cannot use, turned into the fix."""
    if "needs to be updated, but `--locked` was provided" in text:
        return lock_errors.outdated(
            "uv.lock", "pyproject.toml",
            "uv sync --locked found that pyproject.toml asks for something\n"
            "uv.lock does not record (a dependency added, removed or changed).", relock="uv lock")
    match = re.search(r"Failed to parse `(?P<file>[^`]+)`\n\s*cause: (?P<cause>.*(?:\n\s+.*){0,4})", text)
    if match:
        file = match.group("file")
        return lock_errors.unreadable(
            file, f"uv could not parse {file}:\n{match.group('cause').strip()}",
            rewrite="`uv lock` writes a new one from pyproject.toml" if file.endswith("uv.lock") else None)
    return None


class UvProject(ExactSyncManager):
    name = "uv"
    title = "uv"

    def __init__(self, for_ci: bool = False) -> None:
        self.for_ci = for_ci

    def files(self) -> List[str]:
        return list(FILES)

    def tools(self, python_version: str) -> Dict[str, str]:
        return {"package manager": "uv", "uv": tool_versions.UV}

    def fingerprint(self, ctx: Context) -> str:
        digest = hashlib.sha256(b"uv-ci\0" if self.for_ci else b"uv\0")
        for name in FILES:
            digest.update((ctx.build_dir / name).read_bytes() + b"\0")
        lock = (ctx.build_dir / "uv.lock").read_text(encoding="utf-8", errors="replace")
        for match in _LOCAL_SOURCE.finditer(lock):
            local = ctx.build_dir / match.group("path")
            if local.resolve() != ctx.build_dir.resolve() and local.exists():
                digest.update(requirements.tree_digest(local).encode())
        return digest.hexdigest()

    def argv(self, uv: Path) -> List[str]:
        argv = [str(uv), "sync", "--locked"]
        if not self.for_ci:
            # The lock's default dependencies only: dev groups are for development.
            argv.append("--no-default-groups")
        return argv  # bytecode: compiled by the bytecode step, in the background

    def run(self, ctx: Context, build_cache: BuildCache, python_version: str) -> None:
        binary = tools.uv_binary(build_cache, index=self.tool_index)
        argv = self.argv(binary)
        output.step("Installing dependencies with 'uv sync --locked" + (" --no-default-groups'" if not self.for_ci else "'"))
        values = env(ctx, build_cache)
        # The app's Python, where uv installs: its prefix is the "project environment".
        values["UV_PROJECT_ENVIRONMENT"] = str(ctx.app_python_home)
        # The app's private indexes: uv's own settings, and the credentials of the indexes
        # pyproject.toml names (UV_INDEX_<NAME>_USERNAME/_PASSWORD), nothing else.
        pyproject = (ctx.build_dir / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
        private = indexes.uv_project_vars(ctx.config_vars, pyproject)
        values.update(private)
        shown = describe_project_indexes(private)
        if shown:
            output.detail(shown)
        result = commands.run(argv, values, cwd=ctx.build_dir)
        if not result.ok:
            raise lock_error(result.text) or failures.install_error(
                "installing uv.lock with uv", result.text, python_version, ctx.pip_config_vars(),
                "To fix it:\n1. Run `uv sync --locked` locally with the same Python version\n"
                "   and fix what fails.\n2. Commit the changes and deploy again.",
            )


def describe_project_indexes(settings: Mapping[str, str]) -> Optional[str]:
    """Which of uv's index config vars a uv project gets, URLs with credentials hidden."""
    shown = [f"{name}={fetch.display_url(settings[name].strip())}" for name in indexes.UV_INDEX_VARS
             if settings.get(name, "").strip()]
    shown += sorted(f"{name} (set)" for name in settings if name.startswith("UV_INDEX_") and
                    name.endswith(("_USERNAME", "_PASSWORD")))
    return "Index config vars: " + ", ".join(shown) if shown else None


# --- uv as the installer of requirements files --------------------------------------------------

# Options uv reads in a requirements file; anything else it rejects or silently ignores
# (--pre, --prefer-binary, --trusted-host change what pip would install), so pip does it.
UV_FILE_OPTIONS = ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                   "--extra-index-url", "-f", "--find-links", "--no-index", "--only-binary", "--no-binary",
                   "--require-hashes")
_OPTION_NAME = re.compile(r"^(?P<option>--?[A-Za-z][A-Za-z0-9-]*)")
_PER_REQUIREMENT_OPTION = re.compile(r"\s(?P<option>--[a-z][a-z0-9-]*)")


def unsupported_option(path: Path) -> Optional[str]:
    """Why uv cannot install this requirements file as pip would, or None if it can (pure over files)."""
    for file, _ in requirements.included_files(path):
        for line in requirements.logical_lines(file.read_text(encoding="utf-8-sig", errors="replace")):
            match = _OPTION_NAME.match(line)
            if match:
                option = match.group("option")
                if option not in UV_FILE_OPTIONS:
                    return f"{file.name} uses {option}, which uv does not support"
                if option in ("-e", "--editable") and re.search(r"(git|hg|svn|bzr)\+", line):
                    return f"{file.name} has an editable VCS requirement (-e git+...), which uv cannot install"
                continue
            for option in _PER_REQUIREMENT_OPTION.findall(line):
                if option != "--hash":
                    return f"{file.name} gives a requirement the option {option}, which uv does not support"
    return None


def index_arguments(settings: Mapping[str, str]) -> List[str]:
    """pip's index config vars as uv options.

    uv and pip differ with several indexes: pip takes the best version from all of
    them; uv by default stops at the first index that has the package at all (extra
    indexes first), against dependency confusion. "unsafe-first-match" keeps uv's
    order (a private extra index wins) but looks further when that index lacks the
    wanted version, so a pinned requirement installs from wherever pip would find it.
    """
    arguments: List[str] = []
    if settings.get("PIP_INDEX_URL"):
        arguments += ["--index-url", settings["PIP_INDEX_URL"].strip()]
    for url in (settings.get("PIP_EXTRA_INDEX_URL") or "").split():
        arguments += ["--extra-index-url", url]
    for location in (settings.get("PIP_FIND_LINKS") or "").split():
        arguments += ["--find-links", location]
    for host in (settings.get("PIP_TRUSTED_HOST") or "").split():
        arguments += ["--allow-insecure-host", host]
    if arguments:
        arguments += ["--index-strategy", "unsafe-first-match"]
    return arguments


def describe_indexes(settings: Mapping[str, str]) -> Optional[str]:
    """Where uv looks for packages when config vars say, credentials hidden."""
    urls = ([settings["PIP_INDEX_URL"].strip()] if settings.get("PIP_INDEX_URL") else ["https://pypi.org/simple"])
    urls += (settings.get("PIP_EXTRA_INDEX_URL") or "").split()
    links = (settings.get("PIP_FIND_LINKS") or "").split()
    if not (settings.get("PIP_INDEX_URL") or settings.get("PIP_EXTRA_INDEX_URL") or links):
        return None
    text = "Looking in indexes: " + ", ".join(fetch.display_url(url) for url in urls)
    if links:
        text += "; links: " + ", ".join(fetch.display_url(link) for link in links)
    return text


def pip_install_argv(uv: Path, ctx: Context, requirements_file: Optional[Path], packages: List[str]) -> List[str]:
    # No --compile-bytecode: the bytecode step compiles in the background, skipping pip.
    argv = [str(uv), "pip", "install", "--python", str(ctx.app_python)]
    argv += index_arguments(ctx.pip_config_vars())
    if requirements_file is not None:
        argv += ["-r", environment.relative_to_build(ctx, requirements_file)]
    return argv + packages


def pip_uninstall_argv(uv: Path, ctx: Context, names: List[str]) -> List[str]:
    return [str(uv), "pip", "uninstall", "--python", str(ctx.app_python), *names]


def requirements_env(ctx: Context, build_cache: BuildCache) -> Dict[str, str]:
    values = env(ctx, build_cache)
    # Only the requirements file and the config vars decide, as with pip: no uv.toml.
    values["UV_NO_CONFIG"] = "1"
    return values
