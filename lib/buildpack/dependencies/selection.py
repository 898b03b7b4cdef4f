"""Which package manager installs the app's dependencies: chosen in this one place.

The PYTHON_PACKAGE_MANAGER config var when it is set (pip, uv, poetry or
pipenv); otherwise the first of these files the app has, in the order the
official Python buildpack uses, so that an app moved from it installs with the
same manager:
  1. Pipfile.lock (Pipenv)   2. requirements.txt (pip)   3. poetry.lock (Poetry)
  4. uv.lock (uv)            5. requirements.in (pip, compiled with pip-tools)
Files of the other managers are named in a warning: they are not installed.
A lock without its manifest, a manifest that needs a lock and has none, or a
Django project whose only requirements files are in subdirectories, is
an error that names the command that fixes it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from buildpack import output, reasons
from buildpack.context import Context
from buildpack.dependencies import indexes, pip, pipenv, poetry, uv
from buildpack.dependencies.manager import PackageManager
from buildpack.errors import DependenciesError
from buildpack.source import misnamed_files, project_layout

CONFIG_VAR = "PYTHON_PACKAGE_MANAGER"

# (manager name, the file that selects it), in order of precedence.
PRECEDENCE: Tuple[Tuple[str, str], ...] = (
    ("pipenv", "Pipfile.lock"),
    ("pip", "requirements.txt"),
    ("poetry", "poetry.lock"),
    ("uv", "uv.lock"),
    ("pip", "requirements.in"),
)
MANAGER_OF = {file: name for name, file in PRECEDENCE}
# The manifest each lock needs beside it.
MANIFESTS = {"Pipfile.lock": "Pipfile", "poetry.lock": "pyproject.toml", "uv.lock": "pyproject.toml"}
LOCK_COMMANDS = {"pipenv": "pipenv lock", "poetry": "poetry lock", "uv": "uv lock"}
TITLES = {"pip": "pip", "uv": "uv", "poetry": "Poetry", "pipenv": "Pipenv"}


@dataclass(frozen=True)
class Choice:
    name: str  # "pip", "uv", "poetry" or "pipenv"
    selected_by: Optional[str]  # the file or CONFIG_VAR; None: no dependency files at all
    ignored: Tuple[str, ...] = ()  # other managers' files that are present


def present(build_dir: Path) -> List[Tuple[str, str]]:
    return [(name, file) for name, file in PRECEDENCE if (build_dir / file).is_file()]


def choose(build_dir: Path, requested: Optional[str]) -> Choice:
    """The manager for this app, from its files and the config var (reads only file names)."""
    found = present(build_dir)
    if requested is not None and requested.strip():
        name = requested.strip().lower()
        if name not in TITLES:
            raise DependenciesError(
                f"Unknown package manager in {CONFIG_VAR}.",
                f"{CONFIG_VAR} is {output.quote(requested.strip())}.\n\n"
                f"To fix it: set it to one of pip, uv, poetry or pipenv, or unset it\n"
                "to let the buildpack choose from the app's files.",
                reason=reasons.DEPENDENCIES_UNKNOWN_MANAGER,
            )
        if not [file for manager, file in found if manager == name]:
            raise _missing_for_request(name)
        choice = Choice(name, CONFIG_VAR, tuple(file for manager, file in found if manager != name))
    elif found:
        name, file = found[0]
        choice = Choice(name, file, tuple(other for manager, other in found[1:] if manager != name))
    else:
        _refuse_misnamed_requirements(build_dir)
        _refuse_manifest_without_lock(build_dir)
        _refuse_requirements_only_elsewhere(build_dir)
        return Choice("pip", None)
    _check_manifest(build_dir, choice.name)
    return choice


def _check_manifest(build_dir: Path, name: str) -> None:
    """A lock without the file it locks: the tool can neither check nor install it."""
    for lock, manifest in MANIFESTS.items():
        if MANAGER_OF[lock] == name and (build_dir / lock).is_file() and not (build_dir / manifest).is_file():
            raise DependenciesError(
                f"{lock} is there but {manifest} is missing.",
                f"The app has {lock} but no {manifest} beside it in its root\n"
                f"directory. {TITLES[name]} installs from both: {lock} only locks\n"
                f"what {manifest} asks for.\n\n"
                "To fix it:\n"
                f"1. Commit {manifest} (check that .gitignore or .slugignore does not\n"
                f"   exclude it), then run `{LOCK_COMMANDS[name]}` if it changed, or\n"
                f"2. Delete {lock} if the app no longer uses {TITLES[name]}.",
                reason=reasons.DEPENDENCIES_LOCK_WITHOUT_MANIFEST,
            )


def _missing_for_request(name: str) -> DependenciesError:
    wanted = " or ".join(file for manager, file in PRECEDENCE if manager == name)
    first = (f"1. Run `{LOCK_COMMANDS[name]}` and commit the lock it writes, or\n" if name in LOCK_COMMANDS
             else "1. Add and commit a requirements.txt, or\n")
    return DependenciesError(
        f"{CONFIG_VAR} asks for {TITLES[name]}, but the app has no {wanted}.",
        f"{CONFIG_VAR} is {name!r}, and {TITLES[name]} installs from {wanted}\n"
        "in the root of the app, which isn't there.\n\n"
        f"To fix it:\n{first}2. Unset {CONFIG_VAR} to let the buildpack choose from the app's files.",
        reason=reasons.DEPENDENCIES_MANAGER_FILES_MISSING,
    )


def _refuse_misnamed_requirements(build_dir: Path) -> None:
    """No dependency file, but a near miss of requirements.txt: installing nothing would
    build an app without its packages (Django missing) and call it a success."""
    # Files only: a requirements/ directory is where requirements files live, not a misspelling.
    files = [name for name in os.listdir(build_dir) if (build_dir / name).is_file()]
    found = misnamed_files.near_misses(files, misnamed_files.REQUIREMENTS_TXT)
    if not found:
        return
    raise DependenciesError(
        f"{output.quote(found[0])} is not read: the name is requirements.txt.",
        f"The app's root directory holds {output.quote(found[0])}, which looks like\n"
        "requirements.txt spelt another way. Heroku's filesystem tells capitals\n"
        "apart and the build reads only the exact name, so nothing would be\n"
        "installed.\n\n"
        "To fix it:\n"
        f"1. Rename it: {misnamed_files.rename_command(found[0], misnamed_files.REQUIREMENTS_TXT)}\n"
        "2. Commit and deploy again.",
        reason=reasons.DEPENDENCIES_MISNAMED_REQUIREMENTS,
    )


def _refuse_requirements_only_elsewhere(build_dir: Path) -> None:
    """A Django project with no dependency file in its root but requirements files in
    subdirectories (requirements/production.txt, backend/requirements.txt): installing
    nothing would build a slug without Django and call it a success."""
    stray = project_layout.stray_requirements(build_dir)
    if not stray or project_layout.find_manage_py(build_dir) is None:
        return
    shown = "\n".join(f"- {name}" for name in stray[:6]) + ("\n- ..." if len(stray) > 6 else "")
    raise DependenciesError(
        "The app has no requirements.txt in its root directory.",
        "The build installs the dependency file in the root of the app\n"
        "(requirements.txt, or the lock of uv, Poetry or Pipenv) and found\n"
        "none, so nothing would be installed, Django included. These\n"
        "requirements files are elsewhere, and the build does not read them:\n"
        f"{shown}\n\n"
        "To fix it:\n"
        "1. Add requirements.txt to the root of the app, holding the line\n"
        f"   -r {stray[0]}\n"
        "   (the file your production dynos need).\n"
        "2. Commit it and deploy again.",
        reason=reasons.DEPENDENCIES_REQUIREMENTS_ELSEWHERE,
    )


def declares_dependencies(pyproject: str) -> bool:
    """A non-empty `dependencies = [...]` (PEP 621)."""
    return bool(re.search(r"^\s*dependencies\s*=\s*\[\s*[^\]\s]", pyproject, re.MULTILINE))


def _refuse_manifest_without_lock(build_dir: Path) -> None:
    """A manifest with no lock: installing it would resolve anew at every build."""
    if (build_dir / "Pipfile").is_file():
        raise _needs_lock("Pipfile", "Pipfile.lock", "pipenv")
    pyproject = build_dir / "pyproject.toml"
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8", errors="replace")
        if "[tool.poetry" in text or "poetry.core" in text:
            raise _needs_lock("pyproject.toml", "poetry.lock", "poetry")
        if declares_dependencies(text):
            raise _needs_lock("pyproject.toml", "uv.lock", "uv")


def _needs_lock(manifest: str, lock: str, name: str) -> DependenciesError:
    return DependenciesError(
        f"{manifest} has no {lock}.",
        f"The app has {manifest} but no {lock} (and no requirements.txt).\n"
        f"{TITLES[name]} installs exactly what {lock} records, so that every\n"
        "build gets the versions you tested.\n\n"
        "To fix it:\n"
        f"1. Run `{LOCK_COMMANDS[name]}` where you develop the app.\n"
        f"2. Commit {lock} and deploy again.",
        reason=reasons.DEPENDENCIES_NO_LOCK,
    )


def announce(choice: Choice) -> None:
    """Say which manager is used and why; name the other managers' files it ignores."""
    if choice.selected_by is None:
        return
    if choice.name == "pip" and choice.selected_by != CONFIG_VAR:
        # Which program installs a requirements file (uv or pip) is said when it runs.
        output.step(f"Using {choice.selected_by} for the dependencies")
    else:
        output.step(f"Using {TITLES[choice.name]} for the dependencies (from {choice.selected_by})")
    if choice.ignored and choice.selected_by == CONFIG_VAR:
        output.detail(f"Not installed ({CONFIG_VAR}): {', '.join(choice.ignored)}")
    elif choice.ignored:
        listed = "\n".join(f"- {file} ({TITLES[MANAGER_OF[file]]})" for file in choice.ignored)
        output.warning(
            "The app has files of more than one package manager.",
            f"Installing with {TITLES[choice.name]}: {choice.selected_by} comes first in the\n"
            "buildpack's order. These files are ignored:\n"
            f"{listed}\n\n"
            "To fix it: delete the files of the managers the app does not use,\n"
            f"or set the config var {CONFIG_VAR} to the one it uses (pip, uv,\n"
            "poetry or pipenv) to say so and silence this warning.",
        )


def for_app(ctx: Context, for_ci: bool) -> PackageManager:
    """The step: choose the manager, say so, and return it."""
    choice = choose(ctx.build_dir, ctx.setting(CONFIG_VAR))
    announce(choice)
    manager: PackageManager
    if choice.name == "uv":
        manager = uv.UvProject(for_ci)
    elif choice.name == "poetry":
        manager = poetry.Poetry(for_ci)
    elif choice.name == "pipenv":
        manager = pipenv.Pipenv(for_ci)
    else:
        manager = pip.RequirementsFiles(ctx, for_ci)
    manager.tool_index = indexes.tool_index(ctx.config_vars)
    return manager
