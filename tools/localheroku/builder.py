"""A build as Heroku's builder runs it: the app as `git push` sends it, bin/detect, bin/compile and
bin/release of each buildpack in order, through a runner. On success WORK holds slug/,
cache/ (kept only after a successful build, as on Heroku), release.yml, build.json and
slug.tgz; the build's log is WORK/build.log."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Mapping, Sequence

from localheroku import appsource
from localheroku.contract import (
    CACHE_DIR,
    ENV_DIR,
    FAKE_SOURCE_VERSION,
    REPO,
    SOURCE_RUNTIMES,
    NO_HOST_ENV,
    LocalHerokuError,
    build_dir_path,
    build_env,
)
from localheroku.files import discard, link_tree, remove_tree, slug_tarball, write_env_dir
from localheroku.images import TAG_PREFIX
from localheroku.procfile import parse_procfile, parse_release_yaml, shown_types
from localheroku.runners import BuildLayout, Runner
from localheroku.runners.sandbox import SandboxRunner
from localheroku.stacks import STACKS, Stack

BUILD_RECORD = "build.json"


@dataclasses.dataclass
class BuildResult:
    returncode: int
    output: str
    work: Path


class Log:
    """Build output going to the terminal, build.log and memory at once, line by line."""

    def __init__(self, path: Path, echo: bool) -> None:
        self.file, self.echo = path.open("w", encoding="utf-8"), echo
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.file.write(text)
        self.file.flush()
        if self.echo:
            sys.stdout.write(text)
            sys.stdout.flush()

    def say(self, text: str) -> None:
        """A line of the tool's own (not the buildpack's): on the terminal, not in build.log."""
        if self.echo:
            print(f"-----> {text}", flush=True)

    def text(self) -> str:
        return "".join(self.parts)


def stream(argv: list[str], log: Log, env: dict[str, str] | None = None) -> int:
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=env) as proc:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            log.write(line.decode("utf-8", "replace"))
        return proc.wait()


def default_work(app_dir: str | Path) -> Path:
    return REPO / ".local" / Path(app_dir).resolve().name


def runtime_store(host_env: Mapping[str, str]) -> Path:
    url = host_env.get("PYTHON_RUNTIMES_URL", "")
    return Path(urllib.parse.urlparse(url).path) if url.startswith("file://") else REPO / ".runtimes"


def source_runtimes_root(host_env: Mapping[str, str]) -> Path:
    return Path(host_env.get("RUNTIMES_SRC_DIR") or SOURCE_RUNTIMES)


def store_for(record: Mapping[str, object], stack: Stack, host_env: Mapping[str, str]) -> Path | None:
    """The runtime store a build uses: PYTHON_RUNTIMES_URL if the host names one; in a stand-in
    image the runtimes built for its Debian release (make runtimes-src), else the local store;
    in Heroku's own images none: the buildpack downloads Heroku's runtimes, as on Heroku."""
    if host_env.get("PYTHON_RUNTIMES_URL", "").startswith("file://") or record.get("runner") != "container":
        return runtime_store(host_env)
    if not str(record.get("build_image", "")).startswith(TAG_PREFIX):
        return None
    built_here = source_runtimes_root(host_env) / stack.debian_suite / "store"
    return built_here if (built_here / "index.json").is_file() else runtime_store(host_env)


def recover_cache(work: Path) -> None:
    """A killed in-place build leaves the cache inside its scratch dir: put it back."""
    for stray in sorted(work.glob(".build-*")):
        cache = stray / "tmp" / CACHE_DIR[len("/tmp/"):]
        if cache.is_dir() and not (work / "cache").exists():
            cache.rename(work / "cache")
        remove_tree(stray)


def scratch_layout(scratch: Path, build_dir: str) -> tuple[Path, Path, Path]:
    """(tmp, build, cache) host dirs of one build: /tmp holds BUILD_DIR and CACHE_DIR."""
    tmp = scratch / "tmp"
    build_host = tmp / build_dir[len("/tmp/"):] if build_dir.startswith("/tmp/") else scratch / "build"
    return tmp, build_host, tmp / CACHE_DIR[len("/tmp/"):]


@dataclasses.dataclass
class BuildSandbox:
    """Host copies of the app, cache and buildpacks, and how to run a bin/ script over them."""
    scratch: Path
    layout: BuildLayout
    env: dict[str, str]
    network: bool
    runner: Runner
    stack: Stack
    buildpacks: list[Path]
    sent: appsource.SentTree

    @property
    def build_dir(self) -> str:
        return self.layout.build_dir

    @property
    def build_host(self) -> Path:
        return self.layout.build_host

    @property
    def cache_host(self) -> Path:
        return scratch_layout(self.scratch, self.build_dir)[2]

    def buildpack_layout(self, index: int) -> BuildLayout:
        return dataclasses.replace(self.layout, buildpack_host=self.scratch / f"buildpack{index}")

    @property
    def mounts(self) -> list[str]:
        """The sandbox's bubblewrap mounts for the first buildpack (tests compose their own argv)."""
        assert isinstance(self.runner, SandboxRunner), "only the sandbox runner has mounts"
        return self.runner.mounts(self.stack, self.layout)

    def argv(self, script: str, *args: str) -> list[str]:
        """The first buildpack's bin/<script> as one command line (the sandbox's needs no env)."""
        return self.invocation(0, script, *args).argv

    def invocation(self, index: int, script: str, *args: str, env: dict[str, str] | None = None):
        command = [f"/tmp/buildpack/bin/{script}", *args]
        return self.runner.build(self.stack, self.buildpack_layout(index), env or self.env, self.network, command)


def prepare_build(app: Path, buildpacks: Path | list[Path], work: Path, stack_name: str, config: dict[str, str],
                  build_dir: str, network: bool, extra_env: dict[str, str] | None, cache_in_place: bool = False,
                  runner: Runner | None = None, log: Log | None = None,
                  host_env: Mapping[str, str] | None = None) -> BuildSandbox:
    if stack_name not in STACKS:
        raise LocalHerokuError(f"unknown stack {stack_name!r}; known: {', '.join(STACKS)}")
    stack, runner = STACKS[stack_name], runner or SandboxRunner()
    buildpacks = buildpacks if isinstance(buildpacks, list) else [buildpacks]
    host_env = dict(NO_HOST_ENV if host_env is None else host_env)
    say = log.say if log else (lambda text: None)
    for needed in (app, *buildpacks):
        if not needed.is_dir():
            raise LocalHerokuError(f"not a directory: {needed}")
    runner.prepare(stack, say)
    recover_cache(work)
    (work / "cache").mkdir(parents=True, exist_ok=True)
    write_env_dir(work / "env", config)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=work))
    tmp_host, build_host, cache_host = scratch_layout(scratch, build_dir)
    try:
        say(f"Copying {app} as `git push` would send it")
        build_host.mkdir(parents=True)
        sent = appsource.copy_app(app, build_host)
        sent.slugignored = appsource.apply_slugignore(build_host)
        cache_host.parent.mkdir(parents=True)
        # Heroku keeps the cache only after a successful build, so compile gets a hard-linked copy
        # (the buildpack replaces cached files, never edits them); in place (as Dokku/herokuish
        # mount it) a killed or failed build writes the real one.
        if cache_in_place:
            (work / "cache").rename(cache_host)
        else:
            link_tree(work / "cache", cache_host)
        for index, buildpack in enumerate(buildpacks):
            appsource.copy_buildpack(buildpack, scratch / f"buildpack{index}")
        runner.hand_over(tmp_host, work / "env", *(scratch / f"buildpack{i}" for i in range(len(buildpacks))))
    except BaseException:
        if cache_in_place and cache_host.is_dir():
            cache_host.rename(work / "cache")
        remove_tree(scratch)
        raise
    store = store_for(runner.record(), stack, host_env)
    stores = [str(store)] if store else []
    if "PYTHON_RUNTIMES_URL" in config:
        stores.append(str(runtime_store(config)))
    # A config var must reach the buildpack through ENV_DIR only, so the process env stays silent.
    runtimes_url = None if "PYTHON_RUNTIMES_URL" in config or store is None else f"file://{store}"
    source_version = sent.source_version or FAKE_SOURCE_VERSION
    env = build_env(stack.name, source_version, host_env, runtimes_url, extra_env)
    layout = BuildLayout(tmp_host, build_host, build_dir, work / "env", scratch / "buildpack0", tuple(stores), work)
    return BuildSandbox(scratch, layout, env, network, runner, stack, buildpacks, sent)


def run_captured(box: BuildSandbox, index: int, script: str, *args: str,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    invocation = box.invocation(index, script, *args, env=env)
    return subprocess.run(invocation.argv, capture_output=True, text=True, errors="replace", env=invocation.env)


def warn_left_out(log: Log, sent: appsource.SentTree) -> None:
    if sent.left_out:
        listed = "\n".join(f" !       {path}" for path in sent.left_out[:20])
        more = f"\n !       ... and {len(sent.left_out) - 20} more" if len(sent.left_out) > 20 else ""
        log.write(f"\n !     Warning: building the committed tree ({(sent.source_version or '')[:12]}); "
                  f"these uncommitted or untracked\n !     files are left out, as `git push heroku` "
                  f"would leave them:\n{listed}{more}\n !     To include them: commit them, then build "
                  "again.\n\n")
    if sent.slugignored:
        log.write(f"-----> .slugignore removed {len(sent.slugignored)} path(s): "
                  f"{', '.join(sent.slugignored[:10])}{' ...' if len(sent.slugignored) > 10 else ''}\n")


def build(app_dir: str | Path, work: str | Path | None = None, stack: str = "heroku-20",
          config: dict[str, str] | None = None, network: bool = True, build_dir_name: str | None = None,
          ci: bool = False, buildpack: str | Path | None = None, extra_env: dict[str, str] | None = None,
          echo: bool = True, cache_in_place: bool = False, runner: Runner | None = None,
          buildpacks: Sequence[str | Path] | None = None, tarball: bool = False,
          host_env: Mapping[str, str] | None = None) -> BuildResult:
    """detect, compile and release APP_DIR with each buildpack in order (default: this repo)."""
    started = time.monotonic()
    app = Path(app_dir).resolve()
    packs = [Path(p).resolve() for p in (buildpacks or [buildpack or REPO])]
    work_dir = Path(work).resolve() if work else default_work(app)
    work_dir.mkdir(parents=True, exist_ok=True)
    log = Log(work_dir / "build.log", echo)
    try:
        box = prepare_build(app, packs, work_dir, stack, config or {}, build_dir_path(build_dir_name, ci), network,
                            extra_env, cache_in_place, runner, log, host_env)
    except BaseException:
        log.file.close()
        raise
    build_host, cache_host = box.build_host, box.cache_host
    try:
        log.write(f"-----> Building on the Heroku-{box.stack.number} stack\n")
        warn_left_out(log, box.sent)
        exports: list[str] = []
        name = "(no name)"
        for index, buildpack_src in enumerate(packs):
            detected = run_captured(box, index, "detect", box.build_dir)
            if detected.returncode != 0:
                log.write(f"-----> App not compatible with buildpack: {buildpack_src}\n{detected.stderr}")
                return BuildResult(detected.returncode, log.text(), work_dir)
            name = detected.stdout.strip() or "(no name)"
            log.write(f"{detected.stderr}-----> {name} app detected\n")
            command = ["/tmp/buildpack/bin/compile", box.build_dir, CACHE_DIR, ENV_DIR]
            if exports:  # each compile sources what the previous buildpacks exported, as Heroku's builder does
                sourced = "; ".join(f'. "{path}"' for path in exports)
                command = ["bash", "-c", f'{sourced}; exec "$@"', "compile", *command]
            invocation = box.runner.build(box.stack, box.buildpack_layout(index), box.env, box.network, command)
            compiled = stream(invocation.argv, log, invocation.env)
            if compiled != 0:
                log.write(f" !     Push rejected, failed to compile {name} app.\n")
                return BuildResult(compiled, log.text(), work_dir)
            export = box.scratch / f"buildpack{index}" / "export"
            if export.is_file():  # kept under /tmp, where the next buildpack's container sees it
                kept = box.layout.tmp_host / f"export_{index}"
                shutil.copy2(export, kept)
                exports.append(f"/tmp/export_{index}")
        last = len(packs) - 1
        released = run_captured(box, last, "release", box.build_dir)  # the last buildpack's release wins
        log.write(released.stderr)
        (work_dir / "release.yml").write_text(released.stdout, encoding="utf-8")
        try:
            defaults = dict(parse_release_yaml(released.stdout)["default_process_types"])  # type: ignore[call-overload]
        except ValueError as error:
            log.write(f" !     bin/release printed YAML this tool cannot read: {error}\n")
            return BuildResult(released.returncode or 1, log.text(), work_dir)
        if released.returncode != 0:
            log.write(f" !     bin/release failed with status {released.returncode}.\n")
            return BuildResult(released.returncode, log.text(), work_dir)
        procfile = build_host / "Procfile"
        declared = parse_procfile(procfile.read_text(errors="replace")) if procfile.is_file() else {}
        log.write("-----> Discovering process types\n"
                  f"       Procfile declares types     -> {shown_types(declared)}\n"
                  f"       Default types for buildpack -> {', '.join(defaults) or '(none)'}\n")
        for stale in ("export_0", "export_1"):
            (box.layout.tmp_host / stale).unlink(missing_ok=True)
        kept_trees = [(work_dir / "slug", build_host)] + ([] if cache_in_place else [(work_dir / "cache", cache_host)])
        for kept, fresh in kept_trees:
            # A fresh trash dir each time: a background rm may still be busy with the previous one.
            # Beside WORK, not in it: a copy of WORK made meanwhile must not meet a half-removed tree.
            discard(kept, work_dir.parent / f".trash-{work_dir.name}-{os.getpid()}-{kept.name}")
            fresh.rename(kept)
        log.say("Replaced the previous slug and cache (the old ones are removed in the background)")
        (work_dir / "export").unlink(missing_ok=True)
        if (box.scratch / f"buildpack{last}" / "export").is_file():  # what a next buildpack would source
            shutil.copy2(box.scratch / f"buildpack{last}" / "export", work_dir / "export")
        record = {**box.runner.record(), "stack": box.stack.name, "source_version": box.env["SOURCE_VERSION"]}
        (work_dir / BUILD_RECORD).write_text(json.dumps(record, indent=2) + "\n")
        (work_dir / "slug.tgz").unlink(missing_ok=True)
        log.say(f"Slug at {work_dir / 'slug'} (its size: above, from the buildpack)")
        if tarball:
            log.say("Compressing the slug, as Heroku stores it")
            size = slug_tarball(work_dir / "slug", work_dir / "slug.tgz")
            log.say(f"Slug tarball: {size / 2**20:.1f} MB at {work_dir / 'slug.tgz'}")
        # Not "Build finished": that figure is bin/compile's own, and one log has one.
        log.say(f"Local build done: {time.monotonic() - started:.1f} s of wall time in all "
                f"({box.runner.name}: copies, detect, compile, release)")
        return BuildResult(0, log.text(), work_dir)
    finally:
        log.file.close()
        if cache_in_place and cache_host.is_dir():
            cache_host.rename(work_dir / "cache")
        remove_tree(box.scratch)


def detect(app_dir: str | Path, stack: str = "heroku-20", buildpack: str | Path | None = None,
           runner: Runner | None = None, host_env: Mapping[str, str] = NO_HOST_ENV) -> tuple[int, str, str]:
    """Run only bin/detect in a build sandbox: (returncode, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as work:
        box = prepare_build(Path(app_dir).resolve(), [Path(buildpack or REPO).resolve()], Path(work), stack, {},
                            build_dir_path(None, False), True, None, runner=runner,
                            host_env=host_env)
        result = run_captured(box, 0, "detect", box.build_dir)
        return result.returncode, result.stdout, result.stderr
