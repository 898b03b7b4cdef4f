"""bin/compile (and bin/test-compile): the only place that knows the order of the build.

Read it as a table of contents; each step lives in its own module.
"""
from __future__ import annotations

import dataclasses
import datetime
import time
from typing import List, Mapping

from buildpack import build_env, cache, output
from buildpack.app import processes, procfile, profile, slug
from buildpack.cache import Action
from buildpack.context import Context
from buildpack.dependencies import bytecode, environment, selection, tools
from buildpack.django import project, reuse, settings_advice
from buildpack.errors import DOCS_STACKS
from buildpack.python import runtime, runtime_store, stacks, versions
from buildpack.source import committed_environments, hooks


def main(argv: List[str], environ: Mapping[str, str], command: str = "compile") -> int:
    started = time.monotonic()
    ctx = Context.from_args(argv, environ)
    for_ci = command == "test-compile"
    output.hide(ctx.config_vars)  # before any step can print one of them
    build_env.warn_skipped_config_vars(ctx)

    stack_warning = stacks.check_stack(ctx.stack)
    if stack_warning:
        output.warning(*stack_warning, docs=DOCS_STACKS)
    committed_environments.refuse(ctx.build_dir)
    hooks.run_hook(ctx, "pre_compile")

    with cache.Session(ctx.cache_dir) as build_cache:
        previous = build_cache.load()
        recorded = previous.recorded

        store = runtime_store.open_store_or_cached(ctx, recorded)
        arch = runtime_store.machine_arch()
        chosen = versions.select_version(
            ctx, store.available_versions(ctx.stack, arch), recorded.python_version, datetime.date.today()
        )
        archive = store.archive_for(chosen.version, ctx.stack, arch)
        runtime_store.check_compatible(archive, runtime_store.this_machine(), ctx.stack)

        manager = selection.for_app(ctx, for_ci)
        current = cache.Metadata(
            stack=ctx.stack,
            python_version=chosen.version,
            runtime=archive.identity,
            tools=manager.tools(chosen.version),
            requirements=manager.fingerprint(ctx),
        )
        decision = cache.decide(previous, current)
        cache.announce(decision)

        build_env.link_app_home(ctx)
        home = ctx.python_home.parent
        if decision.action == Action.FRESH:
            with tools.uv_fetched_meanwhile(build_cache.cache, manager.uses_uv()):
                runtime.install(ctx, archive, ctx.python_home, build_cache.layout.runtimes)
        else:
            build_cache.restore(previous, home)
        known = recorded.installed if decision.action != Action.FRESH else None
        installed = manager.install(ctx, build_cache.cache, chosen.version, decision.action, known)
        environment.fix_build_paths(ctx)
        changed = None if known is None else [name for name, version in installed.items() if known.get(name) != version]
        compiling = bytecode.start(ctx, decision.action, changed)  # overlaps the Django steps, which only read it
        final = dataclasses.replace(current, installed=installed)
        build_cache.environment_ready(final, decision.action, home, after=compiling.wait,
                                      hook_follows=hooks.exists(ctx, "post_compile"))

        # What the last build's Django steps gave, reused when nothing they read changed.
        reused = reuse.Reuse(ctx, build_cache.cache, final) if not for_ci else reuse.Reuse(ctx)
        with project.open(ctx, installed, reused.start_process) as django_app:  # the build's one Django process
            if django_app is not None:
                project.describe(django_app)
                if not for_ci:
                    reused.collectstatic(ctx, django_app)
                    settings_advice.run(ctx, django_app, installed)
        compiling.wait()
        procfile.report(ctx.build_dir, ctx.python_home)
        plan = processes.plan(ctx.build_dir, django_app, installed)
        processes.save(ctx.build_dir, plan)
        written = processes.write_procfile(ctx.build_dir, plan, ctx.setting(processes.DISABLE_PROCFILE))
        processes.announce(ctx.build_dir, plan, written)
        profile.write(ctx)

        post_compile = hooks.run_hook(ctx, "post_compile")
        reused.save(django_app)
        environment_bytes = build_cache.finish(hook_ran=post_compile)
    slug.finish(ctx, environment_bytes)
    output.step(f"Build finished in {output.format_duration(time.monotonic() - started)}")
    return 0
