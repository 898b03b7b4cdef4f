"""The app's own build hooks: bin/pre_compile and bin/post_compile.

They run where the official buildpack runs them (pre_compile before the cache
is restored, post_compile before it is saved), with the app's config vars,
from the build dir, within a time limit (step_limits). A failing hook fails the
build with its output shown and, when it was killed, the signal and its likely cause.
"""
from __future__ import annotations

from buildpack import build_env, commands, output, reasons, step_limits
from buildpack.context import Context
from buildpack.errors import HookError

_REASONS = {"pre_compile": reasons.HOOK_PRE_COMPILE, "post_compile": reasons.HOOK_POST_COMPILE}


def exists(ctx: Context, name: str) -> bool:
    return (ctx.build_dir / "bin" / name).is_file()


def run_hook(ctx: Context, name: str) -> bool:
    """Run bin/<name> if the app has one; True when it ran."""
    hook = ctx.build_dir / "bin" / name
    if not exists(ctx, name):
        return False
    output.step(f"Running bin/{name} hook")
    env = build_env.for_app(ctx, with_config_vars=True)
    env.update({"BUILD_DIR": str(ctx.build_dir), "ENV_DIR": str(ctx.env_dir or "")})
    if ctx.cache_dir is not None:
        env["CACHE_DIR"] = str(ctx.cache_dir)
    argv = [str(hook)] if hook.stat().st_mode & 0o111 else ["bash", str(hook)]
    limit = step_limits.limit(ctx, "hook")
    result = commands.run(argv, env, cwd=ctx.build_dir, time_limit=limit)
    if result.timed_out:
        raise step_limits.timeout_error(f"the bin/{name} hook", limit)
    if not result.ok:
        status, cause = commands.describe_exit(result.returncode)
        raise HookError(
            f"The app's bin/{name} hook failed ({status}).",
            f"bin/{name} ran from the root of the app with its config vars\n"
            "and exited with an error; its output is above.\n"
            + (f"{cause}\n" if cause else "")
            + f"\nTo fix it: run `bash bin/{name}` locally and fix what fails,\n"
            f"or remove bin/{name} if the app no longer needs it.",
            reason=_REASONS[name],
        )
    return True
