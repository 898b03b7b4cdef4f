"""bin/compile (and bin/test-compile): the only place that knows the order of the build.

Read it as a table of contents; each step lives in its own module.
"""
from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import List, Mapping

from buildpack import build_env, cache, output
from buildpack.app import hooks, processes, profile, slug, source_tree
from buildpack.context import Context
from buildpack.dependencies import pip, pip_compile, tool_versions
from buildpack.dependencies import requirements as requirements_files
from buildpack.django import collectstatic, project, settings_advice
from buildpack.python import runtime, runtime_store, stacks, versions


def main(argv: List[str], environ: Mapping[str, str], command: str = "compile") -> int:
    started = time.monotonic()
    ctx = Context.from_args(argv, environ)
    for_ci = command == "test-compile"

    stack_warning = stacks.check_stack(ctx.stack)
    if stack_warning:
        output.warning(*stack_warning)
    source_tree.refuse_committed_environments(ctx.build_dir)
    hooks.run_hook(ctx, "pre_compile")

    build_cache = cache.BuildCache(ctx.cache_dir)
    previous = build_cache.load()
    previous_version = (previous.metadata or {}).get("python_version")

    store = runtime_store.open_store_or_cached(ctx, previous.metadata)
    arch = runtime_store.machine_arch()
    chosen = versions.select_version(
        ctx, store.available_versions(ctx.stack, arch), previous_version, datetime.date.today()
    )
    archive = store.archive_for(chosen.version, ctx.stack, arch)
    runtime_store.check_compatible(archive, runtime_store.this_machine(), ctx.stack)

    requirement_sources = find_requirements(ctx, for_ci)
    current = cache.Metadata(
        stack=ctx.stack,
        python_version=chosen.version,
        runtime=archive.identity,
        tools=tool_versions.for_python(chosen.version),
        requirements=requirements_fingerprint(ctx, requirement_sources),
    )
    decision = cache.decide(previous, current)
    announce(decision)

    build_env.link_app_home(ctx)
    if decision.action == "fresh":
        runtime.install(ctx, archive, ctx.python_home, build_cache.runtimes_dir)
        pip.install_pip(ctx, chosen.version)
    else:
        build_cache.restore(previous, ctx.python_home.parent)
    requirements_file = None
    if requirement_sources:
        requirements_file = pip_compile.prepare(ctx, requirement_sources, build_cache, chosen.version)
    else:
        output.step("No requirements.txt: no packages to install")
    known = previous.installed if decision.action != "fresh" else None
    installed = current.installed = pip.install(ctx, requirements_file, decision.action, known)
    pip.fix_build_paths(ctx)

    django_app = project.find(ctx, installed)
    if django_app is not None:
        project.describe(django_app)
        if not for_ci:
            pending_checks = settings_advice.start(ctx, django_app)
            collectstatic.collectstatic(ctx, django_app)
            settings_advice.run(ctx, django_app, installed, pending_checks)
    plan = processes.plan(ctx.build_dir, django_app, installed)
    processes.save(ctx.build_dir, plan)
    processes.announce(ctx.build_dir, plan)
    profile.write(ctx)

    post_compile = hooks.run_hook(ctx, "post_compile")
    if decision.action == "reuse" and not post_compile:
        # The cached generation already holds exactly this environment.
        output.step("Cache unchanged")
    else:
        build_cache.save(current, ctx.python_home.parent)
    build_cache.close()
    slug.finish(ctx)
    output.step(f"Build finished in {output.format_duration(time.monotonic() - started)}")
    return 0


def find_requirements(ctx: Context, for_ci: bool) -> List[Path]:
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


def requirements_fingerprint(ctx: Context, sources: List[Path]) -> str:
    if not sources:
        return "none"
    return "+".join(requirements_files.fingerprint(path, ctx.pip_config_vars()) for path in sources)


def announce(decision: cache.Decision) -> None:
    if decision.action == "reuse":
        output.step("Reusing the cached environment (requirements unchanged)")
    elif decision.action == "sync":
        output.step("Updating the cached environment since: the requirements changed")
    elif decision.reasons:
        output.step("Discarding cache since:")
        output.details(f"- {reason}" for reason in decision.reasons)
