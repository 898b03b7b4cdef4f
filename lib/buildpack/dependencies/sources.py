"""Which requirement files the build installs from, and their fingerprint for the cache."""
from __future__ import annotations

from pathlib import Path
from typing import List

from buildpack import reasons
from buildpack.context import Context
from buildpack.dependencies import freeze_lines, pip_compile, requirements
from buildpack.errors import DependenciesError
from buildpack.source.app_files import app_file


def find(ctx: Context, for_ci: bool) -> List[Path]:
    """requirements.txt (or requirements.in), plus test requirements for CI; none: no packages."""
    # A requirements.txt that is a directory or a broken link is an error, not "no
    # requirements": that would uninstall every package and cache the empty environment.
    txt = app_file(ctx.build_dir, "requirements.txt")
    source = app_file(ctx.build_dir, "requirements.in")
    if txt is not None:
        pip_compile.warn_if_stale(txt, ctx.build_dir / "requirements.in")
        found = [txt]
    elif source is not None:
        found = [source]
    else:
        found = []
    if for_ci and found:
        found.extend(pip_compile.test_requirements(ctx.build_dir))
    for path in found:
        refuse_unreadable_includes(ctx, path)
        refuse_conflict_markers(path)
        refuse_local_dirs_without_project(ctx, path)
        refuse_machine_paths(ctx, path)
        refuse_debian_pkg_resources(ctx, path)
    return found


def refuse_unreadable_includes(ctx: Context, path: Path) -> None:
    problems = requirements.unreadable_includes(path)
    if not problems:
        return
    listed = "\n".join(f"- {line!r}: {why}" for line, why in problems)
    raise DependenciesError(
        f"{path.name} can't be read by pip.",
        f"pip could not read these as requirements files or packages:\n{listed}\n\n"
        "pip would stop with a traceback, or read a device or a named pipe\nfor ever.\n\n"
        "To fix it:\n"
        "1. Save requirements files as UTF-8 text.\n"
        "2. Point -r, -c and local paths at files committed in the app.",
        reason=reasons.DEPENDENCIES_UNREADABLE_INCLUDE,
    )


def refuse_conflict_markers(path: Path) -> None:
    markers = requirements.conflict_markers(path)
    if not markers:
        return
    listed = "\n".join(f"- {name}, line {number}" for name, number in markers[:10])
    raise DependenciesError(
        f"{path.name} has unresolved merge conflict markers.",
        "These lines are Git's merge conflict markers\n"
        f"(<<<<<<<, =======, >>>>>>>):\n{listed}\n\n"
        "A merge was committed before its conflict was resolved, so the\n"
        "file names both sides' requirements and the installer cannot read it.\n\n"
        "To fix it:\n"
        "1. Keep the lines you want between the markers, delete the markers\n"
        "   and the other side's lines.\n"
        "2. Check it installs: `pip install -r requirements.txt` in a clean\n"
        "   virtualenv.\n"
        "3. Commit the file and deploy again.",
        reason=reasons.DEPENDENCIES_CONFLICT_MARKERS,
    )


def refuse_local_dirs_without_project(ctx: Context, path: Path) -> None:
    missing = requirements.local_dirs_without_project(path)
    if not missing:
        return
    listed = "\n".join(f"- {_shown(ctx, local)}" for local in missing)
    raise DependenciesError(
        f"{path.name} installs a directory that is not a Python project.",
        f"{path.name} installs these local directories (a line like `-e .`),\n"
        f"but they have no pyproject.toml or setup.py to build them from:\n{listed}\n\n"
        "To fix it:\n"
        "1. Remove the line: a Django project does not need to be installed\n"
        "   to run (the dyno runs it from /app).\n"
        "2. Or commit the directory's pyproject.toml (or setup.py), if it is\n"
        "   a package of your own.",
        reason=reasons.DEPENDENCIES_LOCAL_NOT_A_PROJECT,
    )


def refuse_machine_paths(ctx: Context, path: Path) -> None:
    found = freeze_lines.machine_paths(path, ctx.build_dir)
    if not found:
        return
    raise DependenciesError(
        f"{path.name} installs packages from paths on another machine.",
        "These lines install a path outside the app, which the build does\n"
        "not have:\n"
        f"{_listed(found)}\n\n"
        "`pip freeze` writes lines like these for what a conda environment\n"
        "installed (the path is where conda built the package), and for a\n"
        "project installed from a directory of that machine.\n\n"
        "To fix it:\n"
        "1. Replace each line with the package's name and version\n"
        "   (certifi==2024.2.2): `pip list --format=freeze` prints the\n"
        "   environment's packages that way.\n"
        "2. For a package of your own, commit it into the app and install\n"
        "   it by a relative path (./libs/mypackage), or from a git+https URL.",
        reason=reasons.DEPENDENCIES_MACHINE_PATH,
    )


def refuse_debian_pkg_resources(ctx: Context, path: Path) -> None:
    found = freeze_lines.debian_pkg_resources(path, ctx.build_dir)
    if not found:
        return
    raise DependenciesError(
        f"{path.name} requires pkg-resources==0.0.0, which is on no package index.",
        f"{_listed(found)}\n\n"
        "`pip freeze` under Debian's and Ubuntu's own pip writes this line:\n"
        "it is pip's vendored pkg_resources, not a package to install.\n\n"
        "To fix it:\n"
        "1. Delete the line, commit and deploy again (setuptools provides\n"
        "   pkg_resources, if the app imports it).",
        reason=reasons.DEPENDENCIES_DEBIAN_PKG_RESOURCES,
    )


def _listed(lines: List[freeze_lines.FreezeLine], limit: int = 10) -> str:
    shown = [f"- {line.file} line {line.number}: {line.text}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"- and {len(lines) - limit} more")
    return "\n".join(shown)


def _shown(ctx: Context, local: Path) -> str:
    """A local path as the app names it: relative to the app ("." for the app itself)."""
    try:
        return str(local.relative_to(ctx.build_dir.resolve())) or "."
    except ValueError:
        return str(local)


def fingerprint(ctx: Context, sources: List[Path]) -> str:
    """What the cache compares to tell whether the requirements changed."""
    if not sources:
        return "none"
    return "+".join(requirements.fingerprint(path, ctx.pip_config_vars(), ctx.build_dir) for path in sources)
