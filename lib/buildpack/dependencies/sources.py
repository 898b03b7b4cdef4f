"""Which requirement files the build installs from, and their fingerprint for the cache."""
from __future__ import annotations

from pathlib import Path
from typing import List

from buildpack import reasons
from buildpack.context import Context
from buildpack.dependencies import pip_compile, requirements
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


def fingerprint(ctx: Context, sources: List[Path]) -> str:
    """What the cache compares to tell whether the requirements changed."""
    if not sources:
        return "none"
    return "+".join(requirements.fingerprint(path, ctx.pip_config_vars(), ctx.build_dir) for path in sources)
