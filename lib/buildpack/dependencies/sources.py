"""Which requirement files the build installs from, and their fingerprint for the cache."""
from __future__ import annotations

from pathlib import Path
from typing import List

from buildpack.source_files import app_file
from buildpack.context import Context
from buildpack.dependencies import pip_compile, requirements


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
    return found


def fingerprint(ctx: Context, sources: List[Path]) -> str:
    """What the cache compares to tell whether the requirements changed."""
    if not sources:
        return "none"
    return "+".join(requirements.fingerprint(path, ctx.pip_config_vars(), ctx.build_dir) for path in sources)
