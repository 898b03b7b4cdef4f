"""Which requirement files the build installs from, and their fingerprint for the cache."""
from __future__ import annotations

from pathlib import Path
from typing import List

from buildpack.context import Context
from buildpack.dependencies import pip, pip_compile, requirements


def find(ctx: Context, for_ci: bool) -> List[Path]:
    """requirements.txt (or requirements.in), plus test requirements for CI; lockfile-only apps fail."""
    txt = ctx.build_dir / "requirements.txt"
    source = ctx.build_dir / "requirements.in"
    if txt.is_file():
        pip_compile.warn_if_stale(txt, source)
        found = [txt]
    elif source.is_file():
        found = [source]
    else:
        error = pip.unsupported_lockfile_error(ctx.build_dir)
        if error is not None:
            raise error
        found = []
    if for_ci and found:
        found.extend(pip_compile.test_requirements(ctx.build_dir))
    return found


def fingerprint(ctx: Context, sources: List[Path]) -> str:
    """What the cache compares to tell whether the requirements changed."""
    if not sources:
        return "none"
    return "+".join(requirements.fingerprint(path, ctx.pip_config_vars()) for path in sources)
