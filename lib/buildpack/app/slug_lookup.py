"""What the Procfile checks may ask about the built app (the Lookup they take), and its
answers from the slug as it is: the environment's console scripts, the stack's programs,
what other buildpacks put under .heroku/*/bin, bin/ and node_modules/.bin, the app's
files and modules. The only file reads of the checks besides reading the Procfile."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from buildpack import commands
from buildpack.app import wsgi_target
from buildpack.source import node_assets


@dataclass(frozen=True)
class Lookup:
    """What the checks may ask about the slug (pure callables, so tests pass fakes).

    command_exists(name): an installed console script or a program of the stack.
    path_exists(relative): a file in the app (relative to its root).
    path_executable(relative): that file may be run (its execute bit, as git keeps it).
    files_named(name): the app's files of that name, shallowest first.
    module_source(module, search_dirs): (found, text) for an importable module;
    text is None when it is found but cannot be read (a compiled module).
    """

    command_exists: Callable[[str], bool]
    path_exists: Callable[[str], bool]
    module_source: Callable[[str, Sequence[str]], Tuple[bool, Optional[str]]]
    installed_commands: Sequence[str] = ()
    path_executable: Callable[[str], bool] = lambda relative: True
    # The app's files of that name (relative paths, a few levels deep): where a script really is.
    files_named: Callable[[str], Sequence[str]] = lambda name: ()


STACK_PATH = tuple(commands.STACK_PATH.split(":"))
# How deep files_named looks: a manage.py is at the root or a directory or two below it.
FILES_NAMED_DEPTH = 3


def filesystem_lookup(build_dir: Path, python_home: Path) -> Lookup:
    """Lookups against the built app: its environment's console scripts, the stack's programs,
    the programs other buildpacks put under .heroku/*/bin, bin/ and node_modules/.bin."""
    python_bin = python_home / "bin"
    installed = sorted(_names(python_bin))
    program_dirs = [python_bin, build_dir / "bin", build_dir / "node_modules" / ".bin"]
    program_dirs += sorted((build_dir / ".heroku").glob("*/bin"))
    app_dirs = list(program_dirs)
    program_dirs += [Path(directory) for directory in STACK_PATH]
    site_packages = sorted((python_home / "lib").glob("python*/site-packages"))

    def command_exists(name: str) -> bool:
        # Node's programs are not in Heroku's stack images: only a buildpack installs them.
        dirs = app_dirs if name in node_assets.NODE_PROGRAMS else program_dirs
        return any((directory / name).is_file() for directory in dirs)

    def path_exists(relative: str) -> bool:
        return (build_dir / relative).exists()

    def path_executable(relative: str) -> bool:
        path = build_dir / relative
        return path.is_dir() or os.access(path, os.X_OK)  # a directory is another problem

    def module_source(module: str, dirs: Sequence[str]) -> Tuple[bool, Optional[str]]:
        parts = module.split(".")
        for relative in dirs:
            found = wsgi_target.module_file(build_dir / relative, parts)
            if found is not None:
                return True, wsgi_target.read_source(found)
        for packages in site_packages:
            if wsgi_target.module_file(packages, parts, compiled=True) is not None:
                return True, None  # an installed package: its attributes are its business
        return False, None

    def files_named(name: str) -> Sequence[str]:
        found = []
        for depth in range(1, FILES_NAMED_DEPTH + 1):
            for path in sorted(build_dir.glob("/".join(["*"] * (depth - 1) + [name]))):
                relative = path.relative_to(build_dir).as_posix()
                if path.is_file() and not relative.startswith((".", "node_modules/")):
                    found.append(relative)
        return found

    return Lookup(command_exists, path_exists, module_source, installed, path_executable, files_named)


def _names(directory: Path) -> List[str]:
    try:
        return [entry.name for entry in directory.iterdir()]
    except OSError:
        return []
