"""The environment the app's own python and tools run in during the build.

Everything runs through /app/.heroku/python (a symlink to the build dir's copy
while building), so every path that pip or Django writes is already the one
the slug will have at run time.
"""
from __future__ import annotations

from typing import Dict

from buildpack import commands, output
from buildpack.cache_layout import CacheLayout
from buildpack.context import Context


def for_app(ctx: Context, with_config_vars: bool = False) -> Dict[str, str]:
    """Env for the app's python: its bin/ first, pip settings, optionally config vars."""
    extra: Dict[str, str] = {}
    if with_config_vars:
        # Config vars first, so the buildpack's own settings below always win.
        extra.update(ctx.safe_config_vars())
    extra.update(ctx.pip_config_vars())
    if ctx.cache_dir is not None:
        extra["PIP_CACHE_DIR"] = str(CacheLayout.under(ctx.cache_dir).pip)
    else:
        extra["PIP_NO_CACHE_DIR"] = "1"
    env = commands.base_env(ctx.environ, path_prefix=[ctx.app_python_home / "bin"], extra=extra)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def link_app_home(ctx: Context) -> None:
    """Make /app/.heroku/{python,src} point at the build dir's copies (as the official buildpack does)."""
    app_heroku = ctx.app_python_home.parent
    build_heroku = ctx.python_home.parent
    if app_heroku.resolve() == build_heroku.resolve():
        return  # BUILD_DIR is /app (Heroku CI): nothing to link.
    app_heroku.mkdir(parents=True, exist_ok=True)
    for name in ("python", "src"):
        link = app_heroku / name
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            commands.remove_tree(link)
        (build_heroku / name).mkdir(parents=True, exist_ok=True)
        link.symlink_to(build_heroku / name)


def warn_skipped_config_vars(ctx: Context) -> None:
    """One warning naming the ENV_DIR files that were not taken as config vars (never a value)."""
    if not ctx.skipped_config_vars:
        return
    listed = "\n".join(f"- {name!r}: {why}" for name, why in ctx.skipped_config_vars)
    output.warning(
        "Some config var files were skipped.",
        f"These files in the build's config directory (ENV_DIR) can't be\n"
        f"environment variables, so no step of the build sees them:\n{listed}\n\n"
        "To fix it:\n"
        "1. Rename or unset them, e.g. `heroku config:unset NAME`: a config\n"
        "   var's name may hold only letters, digits and underscores.",
    )
