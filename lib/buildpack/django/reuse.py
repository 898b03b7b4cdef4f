"""Reusing the last build's Django results when nothing they read changed.

Two levels, each decided by a key of the inputs the results depend on:
- everything (the app's files, the installed packages, the config vars and the
  rest of the Django process's environment, the buildpack's own Django script): the settings Django reported, the production
  checks' findings and collectstatic's output are all reused, and Django is not
  started at all;
- collectstatic alone (when the app's other files changed): the directories its
  finders read (the app's static directories and those of installed apps), the
  app's templates, what STATIC_ROOT held before it ran, the settings that shape
  its output (STATIC_ROOT, STATIC_URL, STORAGES, STATICFILES_STORAGE,
  STATICFILES_DIRS, STATICFILES_FINDERS), the installed packages and the config
  vars. Only when its finders are Django's own, its storage writes to the local
  disk and the command is Django's own: otherwise it runs.

Keys are digests of file contents, never of times (Heroku's checkout is new at
every build). The config vars and the static settings (which can hold
credentials) enter only as HMACs under a random key kept in the cache, and every
component is stored as such an HMAC: the cache never holds a value in clear. The
saved output carries a manifest (names, sizes and SHA-256 of every file),
checked before it is restored: a damaged or half-written one is never used. The
record is written last, and only by a build that succeeded.

Layout, under the cache's django-reuse/:
  key                  the HMAC key (owner-only)
  record.json          the last successful build's keys and results (written last, atomically)
  static-<id>/         collectstatic's output that record names
"""
from __future__ import annotations

import json
import os
import secrets as random_bytes
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from buildpack import commands, output
from buildpack.cache import BuildCache, Metadata
from buildpack.context import Context, is_enabled
from buildpack.django import collectstatic as collectstatic_step
from buildpack.django import project
from buildpack.django.process import DjangoProcess, Outcome
from buildpack.django.project import DjangoApp
from buildpack.django.reuse_keys import (
    DJANGO_COLLECTSTATIC,
    FORMAT,
    Digests,
    buildpack_digest,
    filled_in,
    first_change,
    keyed,
    masked,
    packages_digest,
    placeholders,
    relative_to,
    static_components,
    take_manifest,
    tree_digests,
    whole_components,
    without_build,
)

RECORD = "record.json"


# --- the last build's results, replayed ---------------------------------------------------------

class ReplayedProcess(DjangoProcess):
    """The Django process's answers from the last build, for a build whose inputs are all
    the same: nothing is started."""

    replayed = True

    def __init__(self, report: Dict[str, object], facts: Dict[str, object]) -> None:
        self._answers: Dict[str, Dict[str, object]] = {"inspected": {"kind": "inspected", "report": report},
                                                       "checks": {"kind": "checks", "facts": facts}}
        self.records = dict(self._answers)
        self.returncode = None
        self.settings_output = []
        self.settings_module = str(report.get("settings_module") or "") or None
        self._conversation = None

    def inspect(self) -> Outcome:
        return Outcome(self._answers["inspected"])

    def checks(self) -> Outcome:
        return Outcome(self._answers["checks"])

    def collectstatic(self, verbose: bool, on_line: Callable[[str], None]) -> Outcome:
        raise AssertionError("collectstatic is never asked of a replayed process")

    def close(self) -> None:
        pass


# --- the step -------------------------------------------------------------------------------------

class Reuse:
    """This build's view of the last build's results: what may be reused, and saving this one's."""

    def __init__(self, ctx: Context, build_cache: Optional[BuildCache] = None,
                 metadata: Optional[Metadata] = None) -> None:
        self.ctx = ctx
        self.enabled = build_cache is not None and build_cache.enabled and metadata is not None
        self.whole_match = False
        self.record: Dict[str, object] = {}
        self._snapshot: Optional[Dict[str, object]] = None
        self._static: Optional[Dict[str, str]] = None
        self._collectstatic: Optional[Dict[str, object]] = None  # this build's, for the record
        if not self.enabled or build_cache is None or metadata is None:
            return
        self.cache = build_cache
        self.directory = build_cache.layout.django_reuse
        self.directory.mkdir(parents=True, exist_ok=True)
        for stale in self.directory.glob("*.partial"):
            commands.remove_tree(stale)
        self.metadata = metadata
        self.tree: Digests = {}

    def _take_inputs(self, env: Dict[str, str]) -> None:
        """This build's keys and the last build's record: once a Django project is found
        (an app without one does not pay for digests of its files). env: the Django
        process's environment; what it has besides the config vars (PATH, STACK,
        SOURCE_VERSION ...) is an input too, keyed with them."""
        self.key = self._key()
        self.tree = tree_digests(self.ctx.build_dir)
        self.packages = packages_digest(self.metadata)
        environment = sorted((name, value) for name, value in env.items() if name not in self.ctx.config_vars)
        self.config = keyed(self.key, [sorted(self.ctx.config_vars.items()), environment])
        self.buildpack = buildpack_digest()
        self.whole = self._keyed(whole_components(self.tree, self.packages, self.config, self.buildpack))
        self.record = self._read_record()
        self.whole_match = (first_change(self.record.get("whole"), self.whole) is None
                            and isinstance(self.record.get("report"), dict)
                            and isinstance(self.record.get("facts"), dict)
                            and self._saved_static_usable())

    def _key(self) -> bytes:
        path = self.directory / "key"
        try:
            key = path.read_bytes()
            if len(key) == 32:
                return key
        except OSError:
            pass
        key = random_bytes.token_bytes(32)
        partial = path.with_name(f"key.{uuid.uuid4().hex[:8]}.partial")
        descriptor = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        os.replace(partial, path)
        return key

    def _keyed(self, components: Dict[str, str]) -> Dict[str, str]:
        return {name: keyed(self.key, value) for name, value in components.items()}

    def _read_record(self) -> Dict[str, object]:
        try:
            record = json.loads((self.directory / RECORD).read_text())
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) and record.get("format") == FORMAT else {}

    def _saved_static_usable(self) -> bool:
        saved = self.record.get("collectstatic")
        if not isinstance(saved, dict):
            return False
        return bool(saved.get("skipped")) or self._saved_tree() is not None

    def _saved_tree(self) -> Optional[Path]:
        """The saved output, when it still matches its manifest."""
        saved = self.record.get("collectstatic")
        if not isinstance(saved, dict) or not isinstance(saved.get("tree"), str):
            return None
        tree = self.directory / str(saved["tree"])
        if not tree.is_dir() or take_manifest(tree) != saved.get("manifest"):
            return None
        return tree

    # -- the Django process ---------------------------------------------------------------------

    def start_process(self, ctx: Context, env: Dict[str, str], root: Path, manage_py: str) -> DjangoProcess:
        if self.enabled:
            self._take_inputs(env)
        if self.whole_match:
            report, facts = self.record["report"], self.record["facts"]
            assert isinstance(report, dict) and isinstance(facts, dict)
            output.step("Reusing the last build's Django results: the app's files, the installed packages")
            output.detail("and the config vars are unchanged, so Django is not started")
            return ReplayedProcess(filled_in(report, ctx.build_dir), filled_in(facts, ctx.build_dir))
        return DjangoProcess(ctx, env, root, manage_py)

    # -- collectstatic ----------------------------------------------------------------------------

    def collectstatic(self, ctx: Context, app: DjangoApp) -> None:
        """Restore collectstatic's last output when nothing it reads changed, else run it."""
        skipped = is_enabled(ctx.setting("DISABLE_COLLECTSTATIC")) or app.staticfiles_installed is False
        verbose = is_enabled(ctx.setting("DEBUG_COLLECTSTATIC"))
        # (Settings that cannot be imported: collectstatic runs, to fail with its own explanation.)
        if not self.enabled or skipped or verbose or app.process is None or app.introspection != "django":
            collectstatic_step.collectstatic(ctx, app)
            self._collectstatic = {"skipped": True} if skipped else None
            return
        replayed = isinstance(app.process, ReplayedProcess)
        settings_static = self._report(app).get("static_settings")
        saved = self.record.get("collectstatic")
        saved_static = self.record.get("static")
        why: Optional[str] = None
        if isinstance(saved, dict) and saved.get("skipped"):
            why = "it did not run in the last build"
        elif not replayed:  # (replayed: every input is the same, these included)
            last_inputs = saved.get("static_inputs") if isinstance(saved, dict) else None
            components, cannot = self._static_components(ctx, app, settings_static, last_inputs)
            why = cannot if components is None else self._static_change(components)
        if why is None and self._restore(ctx, app):
            self._static = dict(saved_static) if isinstance(saved_static, dict) else None
            return
        if why is None:  # the saved output failed its manifest (or could not be copied)
            why = "its saved output did not match its manifest"
        if replayed:
            # Nothing else to replay from: ask Django after all.
            project.start_process(ctx, app)
            assert app.process is not None
            app.process.inspect()
        note = f"(the last build's output is not reused: {why})" if why and self.record else None
        summary = collectstatic_step.collectstatic(ctx, app, note=note)
        ran = app.process.records.get("collectstatic") or {}
        static_inputs = ran.get("static_inputs") if isinstance(ran, dict) else None
        components, _ = self._static_components(ctx, app, settings_static, static_inputs)
        self._static = components
        self._take_snapshot(ctx, app, summary, static_inputs)

    def _report(self, app: DjangoApp) -> Dict[str, object]:
        inspected = app.process.records.get("inspected") if app.process is not None else None
        report = inspected.get("report") if isinstance(inspected, dict) else None
        return report if isinstance(report, dict) else {}

    def _static_components(self, ctx: Context, app: DjangoApp, settings_static: object,
                           static_inputs: object) -> Tuple[Optional[Dict[str, str]], str]:
        components, cannot = static_components(settings_static, static_inputs, ctx.build_dir, self.tree,
                                               app.static_root, self.packages, self.config, self.buildpack)
        return (self._keyed(components) if components is not None else None), cannot

    def _static_change(self, components: Dict[str, str]) -> Optional[str]:
        changed = first_change(self.record.get("static"), components)
        if changed is None:
            return None
        return "there is no last build to reuse" if changed == "" else f"{changed} changed"

    def _restore(self, ctx: Context, app: DjangoApp) -> bool:
        saved = self.record.get("collectstatic")
        tree = self._saved_tree()
        if tree is None or not isinstance(saved, dict) or not app.static_root:
            return False
        relative = relative_to(Path(app.static_root), ctx.build_dir)
        if relative is None or relative != saved.get("static_root"):
            return False
        target = ctx.build_dir / relative
        started = time.monotonic()
        try:
            commands.remove_tree(target)
            commands.copy_tree(tree, target, hardlink=self.cache.can_hardlink(ctx.build_dir))
        except OSError:
            commands.remove_tree(target)
            return False
        output.step("Reusing collectstatic's output from the last build: nothing it reads changed")
        if saved.get("summary"):
            output.detail(str(saved["summary"]))
        files = (saved.get("manifest") or {}).get("files")  # type: ignore[union-attr]
        output.detail(f"{files} files restored from the build cache, checked against their manifest, "
                      f"in {output.format_duration(time.monotonic() - started)}")
        self._collectstatic = saved
        return True

    def _take_snapshot(self, ctx: Context, app: DjangoApp, summary: Optional[str], static_inputs: object) -> None:
        """collectstatic's output, hard-linked (or copied) aside now, before a post_compile
        hook can change it; saved with the record if the build succeeds."""
        if not isinstance(static_inputs, dict) or not static_inputs.get("local_storage") \
                or static_inputs.get("command_app") != DJANGO_COLLECTSTATIC or not app.static_root:
            return
        relative = relative_to(Path(app.static_root), ctx.build_dir)
        source = ctx.build_dir / relative if relative is not None else None
        if source is None or not source.is_dir():
            return
        name = f"static-{int(time.time())}-{uuid.uuid4().hex[:8]}"
        partial = self.directory / f"{name}.partial"
        try:
            commands.copy_tree(source, partial, hardlink=self.cache.can_hardlink(ctx.build_dir))
        except OSError:
            commands.remove_tree(partial)
            return
        self._snapshot = {"tree": name, "partial": partial}
        self._collectstatic = {"tree": name, "static_root": relative, "manifest": take_manifest(partial),
                               "summary": masked(without_build(summary, ctx.build_dir)),
                               "static_inputs": masked(static_inputs)}

    # -- saving -------------------------------------------------------------------------------------

    def save(self, app: Optional[DjangoApp]) -> None:
        """After a successful build: this build's keys and results, for the next one."""
        if not self.enabled or app is None or app.process is None or (self.whole_match and self._snapshot is None):
            return  # (nothing changed: the record already holds this build's results)
        inspected = app.process.records.get("inspected") or {}
        checks = app.process.records.get("checks") or {}
        raw = inspected.get("report") if isinstance(inspected, dict) else None
        report = dict(raw) if isinstance(raw, dict) else {}
        report.pop("static_settings", None)  # its digest is in the static key, keyed
        facts = checks.get("facts") if isinstance(checks, dict) else None
        if self._snapshot is not None:
            partial = self._snapshot["partial"]
            assert isinstance(partial, Path)
            os.rename(partial, self.directory / str(self._snapshot["tree"]))
        record = {
            "format": FORMAT,
            "whole": self.whole,
            "static": self._static,
            # (Texts as the log shows them; not the digests, which a masked value could match by chance.)
            "report": masked(placeholders(report, self.ctx.build_dir)) if report and not report.get("error") else None,
            "facts": masked(placeholders(facts, self.ctx.build_dir)) if isinstance(facts, dict) else None,
            "collectstatic": self._collectstatic,
        }
        partial_record = self.directory / f"record.{uuid.uuid4().hex[:8]}.partial"
        partial_record.write_text(json.dumps(record, indent=1))
        os.replace(partial_record, self.directory / RECORD)  # last: the record names only whole trees
        kept = (self._collectstatic or {}).get("tree")
        for entry in self.directory.glob("static-*"):
            if entry.name != kept:
                commands.remove_tree(entry)
