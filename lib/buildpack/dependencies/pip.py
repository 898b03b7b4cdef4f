"""requirements.txt (or requirements.in): installed with uv by default, or with pip.

- fresh: pip (and setuptools up to Python 3.12) first, then the requirements;
- sync: the requirements installed over the cached environment, then every
  package outside their dependency closure uninstalled, so the result is what a
  fresh build would install (exactly, for a complete == lock).

The installer: uv (much faster, same result for a pinned file) unless the
config var PYTHON_INSTALLER=pip asks for pip, or a requirements file uses an
option only pip understands: then pip, and a note says why. Both leave pip in
the environment, so `pip` works in a one-off dyno as it does with the official
buildpack.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from buildpack import build_env, commands, output, reasons
from buildpack.cache import Action, BuildCache
from buildpack.context import Context
from buildpack.dependencies import environment, failures, indexes, pip_compile, requirements, sources, tool_versions, tools
from buildpack.dependencies import uv as uv_tool
from buildpack.dependencies.manager import PackageManager, describe_changes
from buildpack.errors import DependenciesError

INSTALLER_VAR = "PYTHON_INSTALLER"
INSTALLERS = ("uv", "pip")
FIX = (
    "To fix it:\n1. Run `pip install -r requirements.txt` locally in a clean\n"
    "   virtualenv with the same Python version and fix what fails.\n"
    "2. Commit the corrected requirements and deploy again."
)


def choose_installer(requested: Optional[str], files: List[Path]) -> Tuple[str, Optional[str]]:
    """(installer, why pip although uv is the default) for these requirements files."""
    if requested is not None and requested.strip():
        name = requested.strip().lower()
        if name not in INSTALLERS:
            raise DependenciesError(
                f"Unknown installer in {INSTALLER_VAR}.",
                f"{INSTALLER_VAR} is {output.quote(requested.strip())}.\n\n"
                f"To fix it: set it to uv or pip, or unset it (uv is the default).",
                reason=reasons.DEPENDENCIES_UNKNOWN_INSTALLER,
            )
        return name, None
    for path in files:
        reason = uv_tool.unsupported_option(path)
        if reason:
            return "pip", reason
    return "uv", None


def kept_tools(python_version: str) -> Dict[str, str]:
    """The buildpack's own packages in a requirements environment: name -> pinned version."""
    kept = {"pip": tool_versions.pip_version(python_version)}
    setuptools = tool_versions.setuptools_version(python_version)
    if setuptools:
        kept["setuptools"] = setuptools
    return kept


def pip_env(ctx: Context) -> Dict[str, str]:
    """The environment pip runs in. pip's own modules stay source, as the bytecode step
    leaves them (and never with the build dir's path baked in); pip still compiles
    what it installs: that does not go through the import system."""
    env = build_env.for_app(ctx)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # reaches the pip processes pip starts itself
    return env


# pip's "WARNING: Retrying (Retry(total=4, ...)) after connection broken by 'NewConnectionError(
# "HTTPConnection(host='127.0.0.1', port=9): Failed to establish a new connection: ...")': /simple/x/".
_PIP_RETRY = re.compile(r"Retrying \(Retry\(total=\d+")
_PIP_RETRY_HOST = re.compile(r"host='(?P<host>[^']+)'")


def retried_warning(retried: List[str], settings: Mapping[str, str]) -> Tuple[str, str]:
    """pip installed everything, but after waiting on an index it could not reach (pip retries
    each request five times, with back-off): every build pays that wait until it is fixed."""
    hosts = sorted({match.group("host") for line in retried for match in _PIP_RETRY_HOST.finditer(line)})
    where = " and ".join(hosts) if hosts else f"one of {failures.index_names(settings)}"
    return (
        f"pip retried {len(retried)} requests to an index it could not reach.",
        "The packages were installed (from another index), but pip waited on\n"
        f"{where} at each retry, and every build will until it is fixed.\n\n"
        "To fix it: check the index's URL in PIP_INDEX_URL or PIP_EXTRA_INDEX_URL\n"
        "(heroku config), and that Heroku can reach its host; remove it if the\n"
        "app no longer needs it.",
    )


def _pip_line_filter(line: str) -> Optional[str]:
    # The "Requirement already satisfied" flood says nothing a user needs.
    return None if line.startswith("Requirement already satisfied") else failures.shorten(line)


def install_pip(ctx: Context, python_version: str) -> None:
    """pip (and setuptools) at their pinned versions, with the pip wheel the runtime bundles."""
    kept = kept_tools(python_version)
    wheel = environment.bundled_pip_wheel(ctx.python_home)
    output.step("Installing " + " and ".join(f"{name} {version}" for name, version in kept.items()))
    env = pip_env(ctx)
    # Run pip from the bundled wheel (a zip pip can run from) to install the pinned pip.
    argv = [str(ctx.app_python), str(wheel / "pip"), "install", "--quiet", "--no-warn-script-location",
            *(f"{name}=={version}" for name, version in kept.items())]
    result = commands.run(argv, env, cwd=ctx.build_dir)
    if not result.ok:
        raise failures.tool_install_error("pip", kept["pip"], result.text, python_version, ctx.pip_config_vars())


def pip_install_argv(ctx: Context, requirements_file: Path) -> List[str]:
    return [
        str(ctx.app_python), "-m", "pip", "install", "-r", environment.relative_to_build(ctx, requirements_file),
        "--no-warn-script-location", "--progress-bar", "off", "--exists-action", "w",
        "--src", str(ctx.app_python_home.parent / "src"),
    ]


def uninstall(ctx: Context, names: List[str], uv: Optional[Path] = None) -> None:
    if not names:
        return
    env = pip_env(ctx)
    if uv is not None:
        argv = uv_tool.pip_uninstall_argv(uv, ctx, names)
    else:
        argv = [str(ctx.app_python), "-m", "pip", "uninstall", "--yes", *names]
    result = commands.run(argv, env, cwd=ctx.build_dir)
    if not result.ok:
        raise DependenciesError(
            "Could not uninstall packages that are no longer required.",
            result.text[-2000:],
            reason=reasons.DEPENDENCIES_UNINSTALL,
        )


class RequirementsFiles(PackageManager):
    name = "pip"
    title = "pip"

    def __init__(self, ctx: Context, for_ci: bool = False) -> None:
        self.sources = sources.find(ctx, for_ci)
        self.installer, self.pip_reason = choose_installer(ctx.setting(INSTALLER_VAR), self.sources)
        # The config vars the requirements files name as ${NAME} (a private index's token): pip
        # and uv expand them there, so they are the only config vars the installer is given.
        names = [name for path in self.sources for name in requirements.referenced_variables(path)]
        self.named_vars = indexes.requirements_vars(ctx.config_vars, list(dict.fromkeys(names)))

    def files(self) -> List[str]:
        return [path.name for path in self.sources]

    def tools(self, python_version: str) -> Dict[str, str]:
        # Not which installer: for the same requirements uv and pip leave the same set, so
        # a switch (PYTHON_INSTALLER, or a pip-only option) syncs rather than starts over.
        return {**kept_tools(python_version), "uv": tool_versions.UV}

    def fingerprint(self, ctx: Context) -> str:
        return sources.fingerprint(ctx, self.sources)

    def uses_uv(self) -> bool:
        return self.installer == "uv" and super().uses_uv()

    def install(self, ctx: Context, build_cache: BuildCache, python_version: str, action: Action,
                known: Optional[Dict[str, str]]) -> Dict[str, str]:
        if action == Action.REUSE:
            # A requirements.in is still compiled (from the cache, offline): the slug's
            # requirements.txt is the compiled lock, whatever the cache holds.
            self._prepare(ctx, build_cache, python_version)
        return super().install(ctx, build_cache, python_version, action, known)

    def install_fresh(self, ctx: Context, build_cache: BuildCache, python_version: str) -> Dict[str, str]:
        self._note_installer()
        uv = tools.uv_binary(build_cache, index=self.tool_index) if self.installer == "uv" else None
        if uv is not None:
            kept = kept_tools(python_version)
            output.step("Installing " + " and ".join(f"{name} {version}" for name, version in kept.items()))
            self._run_uv(ctx, build_cache, uv, None, [f"{n}=={v}" for n, v in kept.items()], python_version)
        else:
            install_pip(ctx, python_version)
        requirements_file = self._prepare(ctx, build_cache, python_version)
        if requirements_file is not None:
            self._install_requirements(ctx, build_cache, uv, requirements_file, python_version)
        return environment.inspect(ctx, None).installed

    def sync(self, ctx: Context, build_cache: BuildCache, python_version: str,
             known: Optional[Dict[str, str]]) -> Dict[str, str]:
        self._note_installer()
        before = known if known is not None else environment.inspect(ctx, None).installed
        uv = tools.uv_binary(build_cache, index=self.tool_index) if self.installer == "uv" else None
        requirements_file = self._prepare(ctx, build_cache, python_version)
        top = requirements.top_level(requirements_file) if requirements_file is not None else []
        keep = sorted(kept_tools(python_version))
        if requirements_file is not None:
            if top is None:
                # A requirement the installer names only once it is built (a path, a URL
                # without #egg=): the closure of what is needed cannot be known, so nothing
                # would ever be removed. Start from an empty environment instead.
                output.detail("Some requirements have no name (a path or a URL without #egg=): "
                              "reinstalling every package")
                uninstall(ctx, sorted(name for name in before if name not in keep), uv)
            self._install_requirements(ctx, build_cache, uv, requirements_file, python_version)
        current = environment.inspect(ctx, top, keep)
        extras = sorted(name for name in current.installed if current.needed is not None
                        and name not in set(current.needed))
        uninstall(ctx, extras, uv)
        after = {name: version for name, version in current.installed.items() if name not in extras}
        output.detail(describe_changes(before, after))
        return after

    def _note_installer(self) -> None:
        """What the log says before installing: why pip, if it is, and the config vars the
        requirements files name (names only, never values)."""
        if self.named_vars:
            output.detail("Config vars the requirements name: "
                          + ", ".join(f"{name} (set)" for name in sorted(self.named_vars)))
        if self.pip_reason:
            output.note(
                "Installing with pip instead of uv.",
                f"{self.pip_reason}, so pip installs\n"
                "the requirements (uv is the default installer: it is faster).\n\n"
                f"To use uv: remove that option. To choose pip and silence this note:\n"
                f"set the config var {INSTALLER_VAR}=pip.",
            )

    def _prepare(self, ctx: Context, build_cache: BuildCache, python_version: str) -> Optional[Path]:
        if not self.sources:
            output.step("No requirements.txt: no packages to install")
            return None
        return pip_compile.prepare(ctx, self.sources, build_cache, python_version)

    def _install_requirements(self, ctx: Context, build_cache: BuildCache, uv: Optional[Path],
                              requirements_file: Path, python_version: str) -> None:
        output.step(f"Installing requirements with {self.installer} (from {requirements_file.name})")
        if uv is not None:
            self._run_uv(ctx, build_cache, uv, requirements_file, [], python_version)
            return
        retries: List[str] = []

        def counted(line: str) -> Optional[str]:
            if _PIP_RETRY.search(line):
                retries.append(line)
            return _pip_line_filter(line)

        result = commands.run(pip_install_argv(ctx, requirements_file), {**pip_env(ctx), **self.named_vars},
                              cwd=ctx.build_dir, filter_line=counted)
        if not result.ok:
            raise failures.install_error(f"installing {requirements_file.name} with pip", result.text,
                                         python_version, ctx.pip_config_vars(), FIX)
        if retries:
            output.warning(*retried_warning(retries, ctx.pip_config_vars()))

    def _run_uv(self, ctx: Context, build_cache: BuildCache, uv: Path, requirements_file: Optional[Path],
                packages: List[str], python_version: str) -> None:
        argv = uv_tool.pip_install_argv(uv, ctx, requirements_file, packages)
        looking_in = uv_tool.describe_indexes(ctx.pip_config_vars())
        if looking_in:
            # pip says where it looks ("Looking in indexes"); uv does not, so we do.
            output.detail(looking_in)
        result = commands.run(argv, {**uv_tool.requirements_env(ctx, build_cache), **self.named_vars},
                              cwd=ctx.build_dir, filter_line=failures.shorten)
        if not result.ok:
            what = requirements_file.name if requirements_file is not None else "pip"
            raise failures.install_error(f"installing {what} with uv", result.text, python_version,
                                         ctx.pip_config_vars(), FIX)
