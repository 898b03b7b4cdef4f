"""The app's Node.js asset step: package.json's build script (webpack, Vite, Tailwind ...).

This buildpack installs Python only. On Heroku, an app whose static files are built by
Node needs the Node.js buildpack before this one: it installs Node, runs the build
script and exports its PATH, so collectstatic finds the built files. What a previous
buildpack installed shows on the build's PATH, which is the platform's fixed PATH plus
what the previous buildpacks' `export` files added; the stack images have no Node, so a
`node` in the fixed directories (a local machine's /usr/bin) is not counted.
The decisions are pure functions over package.json's text and the PATH.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from buildpack import commands, output, reasons
from buildpack.errors import SourceTreeError
from buildpack.source.app_files import app_file

PACKAGE_JSON = "package.json"
READ_LIMIT = 1024 * 1024  # bytes: a package.json is a few KB
# What the Node.js buildpack runs after installing the packages: heroku-postbuild instead
# of build when the app has both.
BUILD_SCRIPTS = ("heroku-postbuild", "build")
NODE_BUILDPACK = "heroku/nodejs"
NODE_BUILDPACK_FIX = f"heroku buildpacks:add --index 1 {NODE_BUILDPACK}"
# The programs the Node.js buildpack puts on the PATH (the build's and the dyno's).
NODE_PROGRAMS = frozenset({"node", "nodejs", "npm", "npx", "yarn", "pnpm", "corepack"})
# The platform's fixed PATH (the stack image's directories): Heroku's have no Node.
STACK_DIRS = tuple(commands.STACK_PATH.split(":"))
# Where the Node.js buildpack installs Node in the app (and adds to PATH through its export).
NODE_HOME = Path(".heroku") / "node" / "bin"
# How collectstatic's output says that files it expected were not there (built files, when
# the app builds its assets with Node): Django's check for a STATICFILES_DIRS directory
# that does not exist, and ManifestStaticFilesStorage asked for a file it did not collect.
MISSING_BUILT_FILE_MARKERS = ("in the STATICFILES_DIRS setting does not exist", "Missing staticfiles manifest entry")
MISSING_BUILT_FILE_REASONS = frozenset({reasons.COLLECTSTATIC_MANIFEST_MISSING_FILE,
                                        reasons.COLLECTSTATIC_MANIFEST_MISSING_ENTRY})


def build_script(text: str) -> Optional[Tuple[str, str]]:
    """(script name, command) of the asset build the Node.js buildpack would run, or None."""
    try:
        package = json.loads(text)
    except ValueError:
        return None
    scripts = package.get("scripts") if isinstance(package, dict) else None
    if not isinstance(scripts, dict):
        return None
    for name in BUILD_SCRIPTS:
        command = scripts.get(name)
        if isinstance(command, str) and command.strip():
            return name, command.strip()
    return None


def read_build_script(build_dir: Path) -> Optional[Tuple[str, str]]:
    """The build script of the app's package.json; None without one (or an unreadable file:
    that is the Node.js buildpack's to report, not this one's)."""
    try:
        path = app_file(build_dir, PACKAGE_JSON)
    except SourceTreeError:
        return None
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(READ_LIMIT)
    except OSError:
        return None
    return build_script(data.decode("utf-8", errors="replace"))


def path_entries(path_value: str, build_dir: Path) -> List[str]:
    """The build's PATH, and the Node.js buildpack's own directory in the app (it may be
    there without its export having been read, as when the buildpacks ran in another order)."""
    return [entry for entry in path_value.split(os.pathsep) if entry] + [str(build_dir / NODE_HOME)]


def node_before_us(entries: Sequence[str], is_program: Callable[[str], bool]) -> Tuple[Optional[str], Optional[str]]:
    """(node installed by a previous buildpack, node of the stack image's own directories)."""
    added, stack = None, None
    for entry in entries:
        candidate = f"{entry.rstrip('/')}/node"
        if not is_program(candidate):
            continue
        if entry.rstrip("/") in STACK_DIRS:
            stack = stack or candidate
        else:
            added = added or candidate
    return added, stack


def is_program(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def unbuilt_warning(script: Tuple[str, str], stack_node: Optional[str]) -> Tuple[str, str]:
    """The warning (title, body) for an asset build that nothing will run."""
    name, command = script
    shown = command if len(command) <= 60 else command[:57] + "..."
    machine = (f"(The {stack_node} of this build machine's image is not counted:\n"
               "Heroku's stack images have no Node.js.)\n" if stack_node else "")
    return (
        "package.json has a build script, but Node.js is not installed.",
        f'package.json\'s "{name}" script builds the app\'s assets:\n'
        f"    {shown}\n"
        "and nothing will run it: no buildpack before this one installed\n"
        "Node.js (there is no `node` on the build's PATH), and this buildpack\n"
        "installs Python only. collectstatic will not find the files it writes,\n"
        "and the site will miss them.\n"
        + machine
        + "\nTo fix it: add the Node.js buildpack before this one, then deploy:\n"
        f"   {NODE_BUILDPACK_FIX}\n"
        "It installs Node.js and runs the build script before collectstatic.",
    )


def warn_if_unbuilt(build_dir: Path, path_value: str) -> Optional[Tuple[str, str]]:
    """The step: warn when package.json has a build script and no earlier buildpack installed Node."""
    script = read_build_script(build_dir)
    if script is None:
        return None
    added, stack = node_before_us(path_entries(path_value, build_dir), is_program)
    if added is not None:
        return None
    warning = unbuilt_warning(script, stack)
    output.warning(*warning)
    return warning


def missing_built_file(reason: str, lines: Iterable[str]) -> bool:
    """Whether a collectstatic failure looks like a file the asset build should have written."""
    return reason in MISSING_BUILT_FILE_REASONS or any(
        marker in line for line in lines for marker in MISSING_BUILT_FILE_MARKERS)


def collectstatic_advice(script: Tuple[str, str], node_installed: bool) -> str:
    """The paragraph a collectstatic failure on a missing built file gets, for an app with a build script."""
    name, _ = script
    if node_installed:
        return ("\n\nThe app builds assets with Node.js (package.json's \"" + name + "\" script),\n"
                "which ran before this buildpack: check that it writes its files where\n"
                "STATICFILES_DIRS looks for them.")
    return ("\n\nThe app builds assets with Node.js (package.json's \"" + name + "\" script),\n"
            "and nothing ran it, so the files it writes are missing. Add the\n"
            "Node.js buildpack before this one, then deploy again:\n"
            f"   {NODE_BUILDPACK_FIX}")


def node_installed(build_dir: Path, path_value: str) -> bool:
    return node_before_us(path_entries(path_value, build_dir), is_program)[0] is not None
