"""A build as Heroku's builder runs it: the app as `git push` sends it, bin/detect, bin/compile and
bin/release of each buildpack in order, through a runner. On success WORK holds slug/,
cache/ (kept only after a successful build, as on Heroku), release.yml, build.json and
slug.tgz; the build's log is WORK/build.log.

A build is asked for with a BuildRequest and runs in phases (`run_build` names them in order):
prepare (the stack's images, the app as `git push` sends it, the cache, the buildpacks, the
build's environment), each buildpack's detect and compile, the last one's release, then the slug
and cache kept and the build recorded, and the slug's tarball when asked for."""
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
from typing import Any, Callable, Mapping, Sequence

from localheroku import appsource
from localheroku.contract import (
    BUILD_RECORD,
    CACHE_DIR,
    ENV_DIR,
    FAKE_SOURCE_VERSION,
    NO_HOST_ENV,
    REPO,
    SOURCE_RUNTIMES,
    LocalHerokuError,
    build_dir_path,
    build_env,
)
from localheroku.files import discard, link_tree, remove_tree, slug_tarball, write_env_dir
from localheroku.images import TAG_PREFIX
from localheroku.procfile import parse_procfile, parse_release_yaml, shown_types
from localheroku.runners import BuildLayout, Invocation, Runner
from localheroku.runners.sandbox import SandboxRunner
from localheroku.runtimes import requested_version, source_build_needed
from localheroku.stacks import DEFAULT_STACK, STACKS, Stack


@dataclasses.dataclass(frozen=True)
class BuildRequest:
    """One build as asked for: which app, built where and on what, with what. Nothing in it changes
    during the build; `BuildRequest.of` makes one from what a caller has at hand."""
    app: Path                          # resolved
    work: Path                         # slug/, cache/, env/, build.log ... (resolved)
    stack: str = DEFAULT_STACK
    config: Mapping[str, str] = dataclasses.field(default_factory=dict)  # the app's config vars, in ENV_DIR
    buildpacks: tuple[Path, ...] = (REPO,)                               # in order; the last one's release wins
    build_dir: str = dataclasses.field(default_factory=lambda: build_dir_path(None, False))
    network: bool = True
    extra_env: Mapping[str, str] = dataclasses.field(default_factory=dict)  # added to the build's environment
    echo: bool = True                  # the log on the terminal too
    cache_in_place: bool = False       # WORK/cache itself (as Dokku mounts it), not a copy kept on success
    tarball: bool = False              # also WORK/slug.tgz, as Heroku stores the slug
    host_env: Mapping[str, str] = dataclasses.field(default_factory=lambda: NO_HOST_ENV)  # proxies, CA bundle, stores

    @classmethod
    def of(cls, app_dir: str | Path, work: str | Path | None = None, *, build_dir_name: str | None = None,
           ci: bool = False, buildpacks: Sequence[str | Path] | None = None, **fields: Any) -> BuildRequest:
        """Paths resolved, WORK by default .local/<app>, BUILD_DIR from its name (/app for Heroku CI),
        the buildpacks by default this repo; every other field as BuildRequest takes it."""
        app = Path(app_dir).resolve()
        return cls(app, Path(work).resolve() if work else default_work(app), build_dir=build_dir_path(build_dir_name, ci),
                   buildpacks=tuple(Path(pack).resolve() for pack in buildpacks or [REPO]), **fields)


class BuildFailed(Exception):
    """A phase ended the build, having said why in the log: the build's exit status."""

    def __init__(self, returncode: int) -> None:
        super().__init__(returncode)
        self.returncode = returncode


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

    def show(self, text: str) -> None:
        """The tool's own output as it comes (a child's lines): on the terminal, not in build.log."""
        if self.echo:
            sys.stdout.write(text)
            sys.stdout.flush()

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


def in_stand_in(record: Mapping[str, object], host_env: Mapping[str, str]) -> bool:
    """A container build in a Debian stand-in image, with no store of the host's own named."""
    return (record.get("runner") == "container" and str(record.get("build_image", "")).startswith(TAG_PREFIX)
            and not host_env.get("PYTHON_RUNTIMES_URL", "").startswith("file://"))


def stand_in_store(stack: Stack, host_env: Mapping[str, str]) -> Path:
    return source_runtimes_root(host_env) / stack.debian_suite / "store"


def store_for(record: Mapping[str, object], stack: Stack, host_env: Mapping[str, str]) -> Path | None:
    """The runtime store a build uses: PYTHON_RUNTIMES_URL if the host names one; in a stand-in
    image the one store made for its Debian release (tools/source_runtimes.py), else the local
    store; in Heroku's own images none: the buildpack downloads Heroku's runtimes, as on Heroku."""
    if host_env.get("PYTHON_RUNTIMES_URL", "").startswith("file://") or record.get("runner") != "container":
        return runtime_store(host_env)
    if not in_stand_in(record, host_env):
        return None
    built_here = stand_in_store(stack, host_env)
    return built_here if (built_here / "index.json").is_file() else runtime_store(host_env)


def check_store(request: BuildRequest, stack: Stack, record: Mapping[str, object]) -> None:
    """Refuse a build whose runtime store is not there, before anything is copied: the buildpack
    takes a directory without an index.json for a copy of Heroku's layout, so a skipped `make
    runtimes` would end in a misleading glibc mismatch with Heroku's archives."""
    if "PYTHON_RUNTIMES_URL" in request.config or in_stand_in(record, request.host_env):
        return  # the app's own store, or the stand-in's (built on demand): the buildpack judges those
    store = store_for(record, stack, request.host_env)
    if store is None or (store / "index.json").is_file():
        return
    if request.host_env.get("PYTHON_RUNTIMES_URL", "").startswith("file://"):
        if store.is_dir():
            return  # a copy of Heroku's layout, which the buildpack reads without an index
        raise LocalHerokuError(f"the runtime store was not found: PYTHON_RUNTIMES_URL names {store}, which does "
                               "not exist; point it at a store (a directory with an index.json) or unset it "
                               "to use this repo's .runtimes/")
    raise LocalHerokuError(f"the runtime store was not found: {store} has no index.json; make it with "
                           "`make runtimes` (or `make setup`), then build again")


def ensure_source_runtime(request: BuildRequest, stack: Stack, record: Mapping[str, object],
                          show: Callable[[str], None]) -> None:
    """In a stand-in image, the Python the app asks for is built from Debian's source the first
    time (minutes, its progress shown), then kept in the stand-in's store for every later build:
    the newest patch its recipe gives, unless the app pins a patch the store has. A minor no
    recipe builds is left to the buildpack, whose error names what the stack has."""
    if "PYTHON_RUNTIMES_URL" in request.config or not in_stand_in(record, request.host_env):
        return
    recipe = source_build_needed(stand_in_store(stack, request.host_env), stack.name, stack.debian_suite,
                                 requested_version(request.app))
    if recipe is None:
        return
    minor = recipe.minor
    show(f"-----> Python {minor} for {stack.name} is built from Debian's source the first time an app asks "
         f"for it (a few minutes, once per machine)\n")
    argv = [sys.executable, str(REPO / "tools" / "source_runtimes.py"), "--root",
            str(source_runtimes_root(request.host_env)), "--stack", stack.name, "--minor", minor]
    child = subprocess.Popen(argv, env=dict(request.host_env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, errors="replace")
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line)
        show(line)
    if child.wait() != 0:
        raise LocalHerokuError(f"building Python {minor} for the {stack.debian_suite} stand-in failed "
                               f"(exit status {child.returncode}):\n{''.join(lines[-30:])}")


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
    runner: Runner
    stack: Stack
    request: BuildRequest
    sent: appsource.SentTree

    @property
    def network(self) -> bool:
        return self.request.network

    @property
    def buildpacks(self) -> tuple[Path, ...]:
        return self.request.buildpacks

    @property
    def build_dir(self) -> str:
        return self.layout.build_dir

    @property
    def build_host(self) -> Path:
        return self.layout.build_host

    @property
    def cache_host(self) -> Path:
        return scratch_layout(self.scratch, self.build_dir)[2]

    def buildpack_host(self, index: int) -> Path:
        return self.scratch / f"buildpack{index}"

    def buildpack_layout(self, index: int) -> BuildLayout:
        return dataclasses.replace(self.layout, buildpack_host=self.buildpack_host(index))

    @property
    def mounts(self) -> list[str]:
        """The sandbox's bubblewrap mounts for the first buildpack (tests compose their own argv)."""
        assert isinstance(self.runner, SandboxRunner), "only the sandbox runner has mounts"
        return self.runner.mounts(self.stack, self.layout)

    def argv(self, script: str, *args: str) -> list[str]:
        """The first buildpack's bin/<script> as one command line (the sandbox's needs no env)."""
        return self.invocation(0, script, *args).argv

    def invocation(self, index: int, script: str, *args: str, env: dict[str, str] | None = None) -> Invocation:
        command = [f"/tmp/buildpack/bin/{script}", *args]
        return self.runner.build(self.stack, self.buildpack_layout(index), env or self.env, self.network, command)


def say_nothing(text: str) -> None:
    pass


def prepare_build(request: BuildRequest, runner: Runner | None = None, log: Log | None = None) -> BuildSandbox:
    """Phase 1: the stack's images, WORK's cache dir and ENV_DIR, then a scratch dir holding what
    the build sees (copy_sources) and the build's environment."""
    if request.stack not in STACKS:
        raise LocalHerokuError(f"unknown stack {request.stack!r}; known: {', '.join(STACKS)}")
    stack, runner = STACKS[request.stack], runner or SandboxRunner()
    say = log.say if log else say_nothing
    for needed in (request.app, *request.buildpacks):
        if not needed.is_dir():
            raise LocalHerokuError(f"not a directory: {needed}")
    runner.prepare(stack, say)
    check_store(request, stack, runner.record())
    ensure_source_runtime(request, stack, runner.record(), log.show if log else say_nothing)
    work = request.work
    recover_cache(work)
    (work / "cache").mkdir(parents=True, exist_ok=True)
    write_env_dir(work / "env", dict(request.config))
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=work))
    tmp_host, build_host, _ = scratch_layout(scratch, request.build_dir)
    sent = copy_sources(request, runner, scratch, say)
    env, stores = build_environment(request, stack, runner.record(), sent.source_version or FAKE_SOURCE_VERSION)
    layout = BuildLayout(tmp_host, build_host, request.build_dir, work / "env", scratch / "buildpack0", stores, work)
    return BuildSandbox(scratch, layout, env, runner, stack, request, sent)


def copy_sources(request: BuildRequest, runner: Runner, scratch: Path, say: Callable[[str], None]) -> appsource.SentTree:
    """The app as `git push` sends it (minus .slugignore), the cache and the buildpacks, in the
    scratch dir and handed over to the build's user. On a failure the scratch dir is removed."""
    work = request.work
    tmp_host, build_host, cache_host = scratch_layout(scratch, request.build_dir)
    try:
        say(f"Copying {request.app} as `git push` would send it")
        build_host.mkdir(parents=True)
        sent = appsource.copy_app(request.app, build_host)
        sent.slugignored = appsource.apply_slugignore(build_host)
        cache_host.parent.mkdir(parents=True)
        # Heroku keeps the cache only after a successful build, so compile gets a hard-linked copy
        # (the buildpack replaces cached files, never edits them); in place (as Dokku/herokuish
        # mount it) a killed or failed build writes the real one.
        if request.cache_in_place:
            (work / "cache").rename(cache_host)
        else:
            link_tree(work / "cache", cache_host)
        for index, buildpack in enumerate(request.buildpacks):
            appsource.copy_buildpack(buildpack, scratch / f"buildpack{index}")
        runner.hand_over(tmp_host, work / "env", *(scratch / f"buildpack{i}" for i in range(len(request.buildpacks))))
    except BaseException:
        if request.cache_in_place and cache_host.is_dir():
            cache_host.rename(work / "cache")
        remove_tree(scratch)
        raise
    return sent


def build_environment(request: BuildRequest, stack: Stack, record: Mapping[str, object],
                      source_version: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The build's process environment, and the runtime stores its runner mounts read-only."""
    store = store_for(record, stack, request.host_env)
    stores = [str(store)] if store else []
    if "PYTHON_RUNTIMES_URL" in request.config:
        stores.append(str(runtime_store(request.config)))
    # A config var must reach the buildpack through ENV_DIR only, so the process env stays silent.
    runtimes_url = None if "PYTHON_RUNTIMES_URL" in request.config or store is None else f"file://{store}"
    env = build_env(stack.name, source_version, request.host_env, runtimes_url, dict(request.extra_env))
    return env, tuple(stores)


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


def build(app_dir: str | Path, work: str | Path | None = None, runner: Runner | None = None,
          **options: Any) -> BuildResult:
    """detect, compile and release APP_DIR with each buildpack in order (default: this repo).
    options: BuildRequest.of's (stack, config, buildpacks, build_dir_name, ci, host_env ...)."""
    return run_build(BuildRequest.of(app_dir, work, **options), runner)


def run_build(request: BuildRequest, runner: Runner | None = None) -> BuildResult:
    """The build, phase by phase; a phase that fails says why in the log and ends it."""
    started = time.monotonic()
    request.work.mkdir(parents=True, exist_ok=True)
    log = Log(request.work / "build.log", request.echo)
    try:
        box = prepare_build(request, runner, log)
    except BaseException:
        log.file.close()
        raise
    try:
        log.write(f"-----> Building on the Heroku-{box.stack.number} stack\n")
        warn_left_out(log, box.sent)
        compile_all(box, log)
        release_slug(box, log)
        keep_slug_and_cache(box, log)
        record_build(box)
        log.say(f"Slug at {request.work / 'slug'} (its size: above, from the buildpack)")
        if request.tarball:
            write_tarball(request.work, log)
        # Not "Build finished": that figure is bin/compile's own, and one log has one.
        log.say(f"Local build done: {time.monotonic() - started:.1f} s of wall time in all "
                f"({box.runner.name}: copies, detect, compile, release)")
        return BuildResult(0, log.text(), request.work)
    except BuildFailed as failed:
        return BuildResult(failed.returncode, log.text(), request.work)
    finally:
        log.file.close()
        if request.cache_in_place and box.cache_host.is_dir():
            box.cache_host.rename(request.work / "cache")
        remove_tree(box.scratch)


def compile_all(box: BuildSandbox, log: Log) -> None:
    """Phases 2 and 3, for each buildpack in order: bin/detect, then bin/compile."""
    exports: list[str] = []
    for index, buildpack in enumerate(box.buildpacks):
        name = detect_one(box, index, buildpack, log)
        compile_one(box, index, name, exports, log)


def detect_one(box: BuildSandbox, index: int, buildpack: Path, log: Log) -> str:
    """bin/detect of one buildpack: the name it prints, or the build ends."""
    detected = run_captured(box, index, "detect", box.build_dir)
    if detected.returncode != 0:
        log.write(f"-----> App not compatible with buildpack: {buildpack}\n{detected.stderr}")
        raise BuildFailed(detected.returncode)
    name = detected.stdout.strip() or "(no name)"
    log.write(f"{detected.stderr}-----> {name} app detected\n")
    return name


def compile_one(box: BuildSandbox, index: int, name: str, exports: list[str], log: Log) -> None:
    """bin/compile of one buildpack, streamed into the log, after sourcing what the buildpacks
    before it exported (as Heroku's builder does); adds its own export to `exports`."""
    command = ["/tmp/buildpack/bin/compile", box.build_dir, CACHE_DIR, ENV_DIR]
    if exports:
        sourced = "; ".join(f'. "{path}"' for path in exports)
        command = ["bash", "-c", f'{sourced}; exec "$@"', "compile", *command]
    invocation = box.runner.build(box.stack, box.buildpack_layout(index), box.env, box.network, command)
    compiled = stream(invocation.argv, log, invocation.env)
    if compiled != 0:
        log.write(f" !     Push rejected, failed to compile {name} app.\n")
        raise BuildFailed(compiled)
    export = box.buildpack_host(index) / "export"
    if export.is_file():  # kept under /tmp, where the next buildpack's container sees it
        shutil.copy2(export, box.layout.tmp_host / f"export_{index}")
        exports.append(f"/tmp/export_{index}")


def release_slug(box: BuildSandbox, log: Log) -> None:
    """Phase 4: the last buildpack's bin/release (its YAML in WORK/release.yml), and the process
    types it and the app's Procfile declare."""
    released = run_captured(box, len(box.buildpacks) - 1, "release", box.build_dir)
    log.write(released.stderr)
    (box.request.work / "release.yml").write_text(released.stdout, encoding="utf-8")
    try:
        defaults = dict(parse_release_yaml(released.stdout)["default_process_types"])  # type: ignore[call-overload]
    except ValueError as error:
        log.write(f" !     bin/release printed YAML this tool cannot read: {error}\n")
        raise BuildFailed(released.returncode or 1) from None
    if released.returncode != 0:
        log.write(f" !     bin/release failed with status {released.returncode}.\n")
        raise BuildFailed(released.returncode)
    procfile = box.build_host / "Procfile"
    declared = parse_procfile(procfile.read_text(errors="replace")) if procfile.is_file() else {}
    log.write("-----> Discovering process types\n"
              f"       Procfile declares types     -> {shown_types(declared)}\n"
              f"       Default types for buildpack -> {', '.join(defaults) or '(none)'}\n")


def keep_slug_and_cache(box: BuildSandbox, log: Log) -> None:
    """Phase 5: the built tree becomes WORK/slug and the cache WORK/cache (an in-place cache is
    already WORK's own); the last buildpack's export is kept for a next buildpack to source."""
    work = box.request.work
    for stale in ("export_0", "export_1"):
        (box.layout.tmp_host / stale).unlink(missing_ok=True)
    kept_trees = [(work / "slug", box.build_host)]
    if not box.request.cache_in_place:
        kept_trees.append((work / "cache", box.cache_host))
    for kept, fresh in kept_trees:
        # A fresh trash dir each time: a background rm may still be busy with the previous one.
        # Beside WORK, not in it: a copy of WORK made meanwhile must not meet a half-removed tree.
        discard(kept, work.parent / f".trash-{work.name}-{os.getpid()}-{kept.name}")
        fresh.rename(kept)
    log.say("Replaced the previous slug and cache (the old ones are removed in the background)")
    (work / "export").unlink(missing_ok=True)
    last_export = box.buildpack_host(len(box.buildpacks) - 1) / "export"
    if last_export.is_file():  # what a next buildpack would source
        shutil.copy2(last_export, work / "export")


def record_build(box: BuildSandbox) -> None:
    """Phase 6: WORK/build.json, so the slug's dynos run where and on what it was built; an
    older slug.tgz no longer matches the slug."""
    work = box.request.work
    record = {**box.runner.record(), "stack": box.stack.name, "source_version": box.env["SOURCE_VERSION"]}
    (work / BUILD_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    (work / "slug.tgz").unlink(missing_ok=True)


def write_tarball(work: Path, log: Log) -> None:
    """Phase 7, when asked for: WORK/slug.tgz, as Heroku stores the slug."""
    log.say("Compressing the slug, as Heroku stores it")
    size = slug_tarball(work / "slug", work / "slug.tgz")
    log.say(f"Slug tarball: {size / 2**20:.1f} MB at {work / 'slug.tgz'}")


def detect(app_dir: str | Path, stack: str = DEFAULT_STACK, buildpack: str | Path | None = None,
           runner: Runner | None = None, host_env: Mapping[str, str] = NO_HOST_ENV) -> tuple[int, str, str]:
    """Run only bin/detect in a build sandbox: (returncode, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as work:
        request = BuildRequest.of(app_dir, work, stack=stack, buildpacks=[buildpack or REPO], host_env=host_env)
        box = prepare_build(request, runner)
        result = run_captured(box, 0, "detect", box.build_dir)
        return result.returncode, result.stdout, result.stderr
