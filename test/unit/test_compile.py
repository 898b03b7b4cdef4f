"""compile.main is the table of contents: the order of the build steps, with every step patched out."""
from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

from buildpack import build_env, cache
from buildpack import compile as compile_step
from buildpack.app import processes, procfile, profile, slug
from buildpack.cache import Action, Decision
from buildpack.cache_layout import CacheLayout
from buildpack.dependencies import environment, selection, tools
from buildpack.django import project, reuse, settings_advice
from buildpack.python import runtime, runtime_store, stacks, versions
from buildpack.source import committed_environments, hooks


class Recorder:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: List[str] = []
        self.monkeypatch = monkeypatch

    def patch(self, module: object, name: str, result: object = None) -> None:
        label = f"{module.__name__.replace('buildpack.', '')}.{name}"  # type: ignore[attr-defined]

        def step(*args: object, **kwargs: object) -> object:
            if name == "run_hook":
                self.calls.append(f"{label}:{args[1]}")
            else:
                self.calls.append(label)
            return result

        self.monkeypatch.setattr(module, name, step)


def fake_session(recorder: Recorder) -> type:
    class FakeSession:
        """The cache as compile sees it: load, restore, environment ready, finish (tested in test_cache)."""

        layout = CacheLayout(Path("/cache"))
        cache = "the build cache"

        def __init__(self, cache_dir: object) -> None:
            recorder.calls.append("cache.Session")

        def __enter__(self) -> "FakeSession":
            return self

        def __exit__(self, kind: object, error: object, trace: object) -> None:
            recorder.calls.append("cache.give_back" if kind else "cache.close")

        def load(self) -> cache.Previous:
            recorder.calls.append("cache.load")
            return cache.Previous(metadata={"python_version": "3.12.1", "installed": {"django": "5.2"}})

        def restore(self, previous: object, home: object) -> None:
            recorder.calls.append("cache.restore")

        def environment_ready(self, final: cache.Metadata, action: Action, home: object, after: object,
                              hook_follows: bool) -> None:
            recorder.calls.append(f"cache.environment_ready:{sorted(final.installed)}:{action.value}:{hook_follows}")

        def finish(self, hook_ran: bool) -> None:
            recorder.calls.append(f"cache.finish:{hook_ran}")

    return FakeSession


def fake_reuse(recorder: Recorder) -> type:
    class FakeReuse:
        """The last build's Django results (tested in test_django_reuse): compile's calls only."""

        def __init__(self, ctx: object, build_cache: object = None, metadata: object = None) -> None:
            recorder.calls.append(f"django.reuse.Reuse:{'on' if build_cache else 'off'}")

        def start_process(self, *args: object) -> None:
            raise AssertionError("project.find is patched")

        def collectstatic(self, ctx: object, app: object) -> None:
            recorder.calls.append("django.reuse.collectstatic")

        def save(self, app: object) -> None:
            recorder.calls.append("django.reuse.save")

    return FakeReuse


class FakeManager:
    """A package manager that records the interface calls compile makes."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def tools(self, python_version: str) -> dict:
        self.recorder.calls.append("manager.tools")
        return {"pip": "26.3"}

    def fingerprint(self, ctx: object) -> str:
        self.recorder.calls.append("manager.fingerprint")
        return "sha-r"

    def uses_uv(self) -> bool:
        return True

    def install(self, ctx: object, build_cache: object, python_version: str, action: Action, known: object) -> dict:
        self.recorder.calls.append(f"manager.install:{action.value}")
        return {"django": "5.2", "gunicorn": "23.0"}


def patch_build(monkeypatch: pytest.MonkeyPatch, action: Action, django_app: object = "app") -> Recorder:
    recorder = Recorder(monkeypatch)
    if django_app == "app":
        django_app = SimpleNamespace(close=lambda: recorder.calls.append("django.project.DjangoApp.close"))
    store = SimpleNamespace(available_versions=lambda stack, arch: ["3.12.1"],
                            archive_for=lambda version, stack, arch: SimpleNamespace(identity="sha-x", version=version))
    recorder.patch(stacks, "check_stack")
    recorder.patch(committed_environments, "refuse")
    recorder.patch(hooks, "run_hook", result=False)
    monkeypatch.setattr(hooks, "exists", lambda ctx, name: False)
    monkeypatch.setattr(cache, "Session", fake_session(recorder))
    recorder.patch(runtime_store, "open_store_or_cached", result=store)
    recorder.patch(runtime_store, "machine_arch", result="amd64")
    recorder.patch(versions, "select_version", result=versions.ChosenVersion("3.12.1", "runtime.txt"))
    recorder.patch(runtime_store, "this_machine")
    recorder.patch(runtime_store, "check_compatible")
    recorder.patch(selection, "for_app", result=FakeManager(recorder))
    recorder.patch(cache, "decide", result=Decision(action))
    recorder.patch(cache, "announce")
    recorder.patch(build_env, "link_app_home")
    recorder.patch(runtime, "install")
    monkeypatch.setattr(tools, "uv_fetched_meanwhile", lambda build_cache, needed: contextlib.nullcontext())
    recorder.patch(environment, "fix_build_paths")
    recorder.patch(project, "find", result=django_app)
    recorder.patch(project, "describe")
    monkeypatch.setattr(reuse, "Reuse", fake_reuse(recorder))
    recorder.patch(settings_advice, "run")
    recorder.patch(procfile, "report")
    recorder.patch(processes, "plan")
    recorder.patch(processes, "save")
    recorder.patch(processes, "write_procfile", result=True)
    recorder.patch(processes, "announce")
    recorder.patch(profile, "write")
    recorder.patch(slug, "finish")
    return recorder


BEFORE_INSTALL = [
    "python.stacks.check_stack",
    "source.committed_environments.refuse",
    "source.hooks.run_hook:pre_compile",
    "cache.Session",
    "cache.load",
    "python.runtime_store.open_store_or_cached",
    "python.runtime_store.machine_arch",
    "python.versions.select_version",
    "python.runtime_store.this_machine",
    "python.runtime_store.check_compatible",
    "dependencies.selection.for_app",
    "manager.tools",
    "manager.fingerprint",
    "cache.decide",
    "cache.announce",
    "build_env.link_app_home",
]

def after_environment(action: Action, hook_follows: bool = False, for_ci: bool = False) -> List[str]:
    return [
        "dependencies.environment.fix_build_paths",
        # the session may write the new generation in the background while the Django steps run
        f"cache.environment_ready:['django', 'gunicorn']:{action.value}:{hook_follows}",
        f"django.reuse.Reuse:{'off' if for_ci else 'on'}",  # the last build's Django results, when unchanged
        "django.project.find",
    ]


DJANGO_STEPS = [
    "django.project.describe",
    "django.reuse.collectstatic",  # collectstatic, or its last output restored
    "django.settings_advice.run",
    "django.project.DjangoApp.close",  # the one Django process ends once nothing more is asked
]
SLUG_STEPS = [
    "app.procfile.report",
    "app.processes.plan",
    "app.processes.save",
    "app.processes.write_procfile",
    "app.processes.announce",
    "app.profile.write",
    "source.hooks.run_hook:post_compile",
    "django.reuse.save",
]


def test_a_fresh_build_installs_python_and_pip_then_everything_else(monkeypatch, tmp_path, capsys):
    recorder = patch_build(monkeypatch, Action.FRESH)
    assert compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"}) == 0
    assert recorder.calls == (
        BEFORE_INSTALL
        + ["python.runtime.install", "manager.install:fresh"]
        + after_environment(Action.FRESH) + DJANGO_STEPS + SLUG_STEPS
        + ["cache.finish:False", "cache.close", "app.slug.finish"]
    )
    assert capsys.readouterr().out.splitlines()[-1].startswith("-----> Build finished in ")


def test_a_reused_cache_is_restored_then_finished(monkeypatch, tmp_path):
    recorder = patch_build(monkeypatch, Action.REUSE)
    assert compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"}) == 0
    assert recorder.calls == (
        BEFORE_INSTALL + ["cache.restore", "manager.install:reuse"] + after_environment(Action.REUSE)
        + DJANGO_STEPS + SLUG_STEPS
        + ["cache.finish:False", "cache.close", "app.slug.finish"]
    )


def test_a_synced_cache_is_restored_then_saved(monkeypatch, tmp_path):
    recorder = patch_build(monkeypatch, Action.SYNC)
    compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"})
    assert recorder.calls[len(BEFORE_INSTALL):len(BEFORE_INSTALL) + 2] == ["cache.restore", "manager.install:sync"]
    assert recorder.calls[-3:] == ["cache.finish:False", "cache.close", "app.slug.finish"]


def test_with_a_post_compile_hook_the_session_knows_the_hook_follows_and_ran(monkeypatch, tmp_path):
    """The hook may change the environment: the session saves it once the hook has run."""
    recorder = patch_build(monkeypatch, Action.SYNC)
    monkeypatch.setattr(hooks, "exists", lambda ctx, name: name == "post_compile")
    recorder.patch(hooks, "run_hook", result=True)
    compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"})
    assert "cache.environment_ready:['django', 'gunicorn']:sync:True" in recorder.calls
    assert recorder.calls[-5:] == ["source.hooks.run_hook:post_compile", "django.reuse.save", "cache.finish:True",
                                   "cache.close", "app.slug.finish"]


def test_test_compile_skips_collectstatic_and_the_settings_advice(monkeypatch, tmp_path):
    recorder = patch_build(monkeypatch, Action.FRESH)
    compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"}, command="test-compile")
    assert "django.project.describe" in recorder.calls
    assert not {"django.reuse.collectstatic", "django.settings_advice.run"} & set(recorder.calls)
    assert "django.reuse.Reuse:off" in recorder.calls
    assert "django.project.DjangoApp.close" in recorder.calls


def test_without_a_django_project_the_django_steps_are_skipped(monkeypatch, tmp_path):
    recorder = patch_build(monkeypatch, Action.FRESH, django_app=None)
    compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"})
    assert not set(DJANGO_STEPS) & set(recorder.calls)
    assert recorder.calls.index("django.project.find") < recorder.calls.index("app.processes.plan")


def test_a_failed_build_ends_django_and_gives_the_cache_back_as_it_found_it(monkeypatch, tmp_path):
    recorder = patch_build(monkeypatch, Action.REUSE)

    def fail(*args: object) -> None:
        raise RuntimeError("collectstatic failed")

    monkeypatch.setattr(reuse.Reuse, "collectstatic", fail)
    with pytest.raises(RuntimeError):
        compile_step.main([str(tmp_path), str(tmp_path / "cache"), ""], {"STACK": "heroku-24"})
    assert recorder.calls[-2:] == ["django.project.DjangoApp.close", "cache.give_back"]
    assert "cache.close" not in recorder.calls
