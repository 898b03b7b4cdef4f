"""Local Heroku: Heroku's build and run containers, imitated with bubblewrap.

`build` runs a classic buildpack's bin/detect, bin/compile and bin/release against a copy of an
app, the way Heroku's builder does (BUILD_DIR=/tmp/build_<hash>, CACHE_DIR=/tmp/codon/tmp/cache,
ENV_DIR=/tmp/env, HOME=/app, a bare environment, the stack's python3 on PATH, no root).
`run` starts the resulting slug at /app the way a dyno does (.profile.d sourced, $PORT set,
release phase first). Host tool: Python 3.11, standard library only. See --help, and the
functions build(), start_web(), run_process(), detect() and release() for tests.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fnmatch
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
PYENV_VERSIONS = Path("/root/.pyenv/versions")
# The python3 each stack's build image has on PATH is stood in for by a pyenv build.
STACK_PYTHONS = {"heroku-20": "3.8.18", "heroku-22": "3.10.13", "heroku-24": "3.12.1", "heroku-26": "3.13.0"}
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CACHE_DIR = "/tmp/codon/tmp/cache"
ENV_DIR = "/tmp/env"
BUILDPACK_DIR = "/tmp/buildpack"
FAKE_SOURCE_VERSION = "0123456789abcdef0123456789abcdef01234567"
# Only what this machine needs to reach PyPI through its TLS-intercepting proxy; never PIP_*.
PASSTHROUGH_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PIP_CERT", "http_proxy",
                   "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY")
BUILDPACK_EXCLUDES = (".git", ".venv*", ".local", ".runtimes", "test", "__pycache__", ".pytest_cache", "export")
# Heroku builds and dynos do not run as root: map host root to an ordinary uid inside.
SANDBOX_UID = "1000"
# The command comes in as $1 and gets its own `bash -c`, so `a && b` or `a; b` run whole (a bare
# `exec a && b` would never run b), while a simple command still replaces the shell.
PROFILE_SCRIPT = ('for f in /app/.profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; '
                  '[ -f /app/.profile ] && . /app/.profile; cd /app; exec bash -c "$1"')
RELEASE_NOTE = ("Note: the release process came from the buildpack's default_process_types. On Heroku "
                "the release phase is documented through the Procfile:\n"
                "    release: python manage.py migrate --noinput")


class LocalHerokuError(Exception):
    """A failure to report to the user without a traceback."""


@dataclasses.dataclass(frozen=True)
class HostLayout:
    """What of this machine's root the sandboxes copy, relink or hide."""
    root_dirs: tuple[str, ...] = ()
    root_links: tuple[tuple[str, str], ...] = (("/bin", "usr/bin"), ("/lib", "usr/lib"),
                                               ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin"))
    pip_config_dirs: tuple[str, ...] = ("/etc/xdg/pip",)
    pip_config_files: tuple[str, ...] = ("/etc/pip.conf",)
    system_pythons: tuple[str, ...] = ("/usr/bin/python3.11",)
    dist_packages: tuple[str, ...] = ("/usr/lib/python3/dist-packages",)


@dataclasses.dataclass
class BuildResult:
    returncode: int
    output: str
    work: Path


@dataclasses.dataclass
class WebProcess:
    url: str
    port: int
    process: subprocess.Popen
    lines: list[str]

    @property
    def output(self) -> str:
        return "".join(self.lines)


def probe_host() -> HostLayout:
    """Look at the real root once; the argv builders below stay pure."""
    roots = ("/bin", "/lib", "/lib64", "/sbin")
    # python3.11 is a regular file; python3 is a symlink to it, and a bind follows symlinks.
    pythons = [str(p) for p in Path("/usr/bin").glob("python*")
               if re.fullmatch(r"python[0-9.]*", p.name) and p.is_file() and not p.is_symlink()]
    return HostLayout(
        root_dirs=tuple(d for d in roots if os.path.isdir(d) and not os.path.islink(d)),
        root_links=tuple((d, os.readlink(d)) for d in roots if os.path.islink(d)),
        pip_config_dirs=tuple(d for d in HostLayout.pip_config_dirs if os.path.isdir(d)),
        pip_config_files=tuple(f for f in HostLayout.pip_config_files if os.path.lexists(f)),
        system_pythons=tuple(sorted(pythons)),
        dist_packages=tuple(d for d in HostLayout.dist_packages if os.path.isdir(d)))


def system_mounts(host: HostLayout, empty_file: str, hide_system_python: bool) -> list[str]:
    """The stack image: the host's /usr and /etc read-only, minus its Pythons and pip config."""
    args = ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for path in host.root_dirs:
        args += ["--ro-bind", path, path]
    for path, target in host.root_links:
        args += ["--symlink", target, path]
    args += ["--ro-bind", "/etc", "/etc"]
    for path in host.pip_config_dirs:
        args += ["--tmpfs", path]
    for path in host.pip_config_files:
        args += ["--ro-bind", empty_file, path]
    # /root holds pyenv; /usr/local holds other host tools and a python3 that must not win on PATH.
    args += ["--tmpfs", "/root", "--tmpfs", "/usr/local", "--dir", "/usr/local/bin"]
    for path in host.dist_packages:
        args += ["--tmpfs", path]
    if hide_system_python:
        for path in host.system_pythons:  # an empty, non-executable file: `which` skips it
            args += ["--ro-bind", empty_file, path]
    return args


def build_mounts(host: HostLayout, *, tmp_host: str, build_host: str, build_dir: str, env_host: str,
                 buildpack_host: str, stack_python: str, stores: list[str], empty_file: str) -> list[str]:
    """The build image. One host dir is /tmp, holding BUILD_DIR and CACHE_DIR, as one
    filesystem does on Heroku: so the buildpack can hard-link between them."""
    args = system_mounts(host, empty_file, hide_system_python=True)
    # The pyenv build has an absolute RUNPATH, so it must sit at its own path.
    args += ["--ro-bind", stack_python, stack_python,
             "--symlink", f"{stack_python}/bin/python3", "/usr/local/bin/python3"]
    args += ["--bind", tmp_host, "/tmp"]
    if build_dir == "/app":
        args += ["--bind", build_host, "/app"]  # Heroku CI builds in place
    else:
        args += ["--tmpfs", "/app"]  # empty and writable: the buildpack symlinks .heroku/python here
        if not build_dir.startswith("/tmp/"):
            args += ["--bind", build_host, build_dir]
    args += ["--ro-bind", env_host, ENV_DIR, "--bind", buildpack_host, BUILDPACK_DIR]
    for store in stores:
        args += ["--ro-bind-try", store, store]
    return args


def run_mounts(host: HostLayout, slug: str, empty_file: str) -> list[str]:
    # The heroku-24 run image has no Python; Debian's stays executable only for fake test apps.
    return system_mounts(host, empty_file, hide_system_python=False) + ["--bind", slug, "/app"]


def sandbox_argv(mounts: list[str], env: dict[str, str], command: list[str], network: bool = True,
                 chdir: str = "/") -> list[str]:
    argv = ["bwrap", "--unshare-user", "--uid", SANDBOX_UID, "--gid", SANDBOX_UID,
            "--unshare-pid", "--die-with-parent"]
    if not network:
        argv.append("--unshare-net")
    # Read-only root: a relative write from the wrong cwd fails loudly instead of vanishing.
    argv += mounts + ["--remount-ro", "/", "--chdir", chdir, "--clearenv"]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    return argv + ["--"] + command


def build_env(stack: str, source_version: str, host_env: dict[str, str], runtimes_url: str | None,
              extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"STACK": stack, "SOURCE_VERSION": source_version, "DYNO": "run.1", "HOME": "/app",
           "PATH": PATH, "LANG": "C.UTF-8"}
    env.update({name: host_env[name] for name in PASSTHROUGH_ENV if name in host_env})
    if runtimes_url:
        env["PYTHON_RUNTIMES_URL"] = runtimes_url
    env.update(extra or {})
    return env


def run_env(dyno: str, port: int, config: dict[str, str]) -> dict[str, str]:
    return {"HOME": "/app", "PORT": str(port), "DYNO": dyno, "PATH": PATH, "LANG": "C.UTF-8", **config}


def dyno_command(command: str) -> list[str]:
    return ["bash", "-c", PROFILE_SCRIPT, "dyno", command]


def parse_config(pairs: list[str] | None) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name or "/" in name:
            raise LocalHerokuError(f"--config expects NAME=VALUE, got {pair!r}")
        config[name] = value
    return config


def parse_procfile(text: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+?)\s*$", line)
        if match:  # Heroku ignores anything else, comments included
            types[match.group(1)] = match.group(2)
    return types


def shown_types(declared: dict[str, str], limit: int = 20) -> str:
    """The declared type names, bounded: a 200k-line Procfile must not make a 12 MB log."""
    names = list(declared)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (", ".join(names[:limit]) + more) or "(none)"


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace('\\"', '"').replace("\\\\", "\\") if value[0] == '"' else inner.replace("''", "'")
    return value


def parse_release_yaml(text: str) -> dict[str, object]:
    """The little YAML bin/release prints: top-level keys holding a list or a map, one level deep."""
    result: dict[str, object] = {"addons": [], "default_process_types": {}}
    section = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.strip() in ("---", "...", "{}"):
            continue  # `{}` alone: the document is an empty map
        if not line[0].isspace():
            section, sep, rest = (part.strip() for part in line.partition(":"))
            if not sep:
                raise ValueError(f"not a YAML key: {raw!r}")
            if rest == "{}":
                result[section] = {}
            elif rest.startswith("[") and rest.endswith("]"):
                result[section] = [unquote(v.strip()) for v in rest[1:-1].split(",") if v.strip()]
            elif rest:
                raise ValueError(f"unsupported value for {section}: {rest!r}")
            continue
        item = line.strip()
        if section is None:
            raise ValueError(f"indented line outside a key: {raw!r}")
        if item.startswith("- "):
            values = result.get(section)
            result[section] = (values if isinstance(values, list) else []) + [unquote(item[2:].strip())]
        else:
            name, sep, command = item.partition(":")
            if not sep:
                raise ValueError(f"expected 'name: value' under {section}: {raw!r}")
            entries = result.get(section)
            result[section] = {**(entries if isinstance(entries, dict) else {}),
                               unquote(name.strip()): unquote(command.strip())}
    return result


def merge_process_types(procfile: dict[str, str], defaults: dict[str, str]) -> dict[str, tuple[str, str]]:
    """type -> (command, source); a Procfile entry wins per type, as on Heroku."""
    merged = {name: (command, "buildpack default") for name, command in defaults.items()}
    merged.update({name: (command, "Procfile") for name, command in procfile.items()})
    return merged


def build_dir_path(name: str | None, ci: bool) -> str:
    if ci:
        return "/app"  # Heroku CI and newer builders build in place
    if name and name.startswith("/"):
        return name  # e.g. /tmp/build, as herokuish does
    return "/tmp/build_" + (name or secrets.token_hex(16))


def default_work(app_dir: str | Path) -> Path:
    return REPO / ".local" / Path(app_dir).resolve().name


def runtime_store(host_env: dict[str, str]) -> Path:
    url = host_env.get("PYTHON_RUNTIMES_URL", "")
    return Path(urllib.parse.urlparse(url).path) if url.startswith("file://") else REPO / ".runtimes"


def git(app_dir: Path, *args: str) -> str | None:
    result = subprocess.run(["git", "-C", str(app_dir), *args], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def copy_app(app_dir: Path, dest: Path) -> None:
    """Copy what `git push heroku` would send: tracked and unignored files, never .git."""
    listing = git(app_dir, "ls-files", "-z", "-co", "--exclude-standard")
    if listing is None or (git(app_dir, "rev-parse", "--is-inside-work-tree") or "").strip() != "true":
        def ignore(directory: str, names: list[str]) -> list[str]:  # never copy the copy into itself
            return [n for n in names if n == ".git" or Path(directory, n) in (dest, *dest.parents)]
        shutil.copytree(app_dir, dest, symlinks=True, dirs_exist_ok=True, ignore=ignore)
        return
    for name in filter(None, listing.split("\0")):
        source, target = app_dir / name, dest / name
        if not os.path.lexists(source) or ".git" in Path(name).parts:
            continue  # deleted in the work tree but still in the index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_dir():  # a submodule
            shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        else:
            shutil.copy2(source, target)


def copy_buildpack(buildpack: Path, dest: Path) -> None:
    """A per-build copy: compile writes `export` into the buildpack root, never into the repo."""
    def ignore(directory: str, names: list[str]) -> list[str]:
        at_root = Path(directory) == buildpack
        return [n for n in names if n == "__pycache__"
                or (at_root and any(fnmatch.fnmatch(n, pattern) for pattern in BUILDPACK_EXCLUDES))]
    shutil.copytree(buildpack, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def copy_tree(source: Path, dest: Path) -> None:
    """cp -a: several times faster than shutil.copytree on a cache of many small files."""
    subprocess.run(["cp", "-a", str(source), str(dest)], check=True)


def remove_tree(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=True)


def write_env_dir(env_dir: Path, config: dict[str, str]) -> None:
    shutil.rmtree(env_dir, ignore_errors=True)
    env_dir.mkdir(parents=True)
    for name, value in config.items():
        (env_dir / name).write_text(value, encoding="utf-8")


def read_env_dir(env_dir: Path) -> dict[str, str]:
    if not env_dir.is_dir():
        return {}
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(env_dir.iterdir()) if f.is_file()}


def empty_file(work: Path) -> str:
    path = work / ".sandbox-empty"
    if not path.exists():
        path.write_bytes(b"")
    path.chmod(0o644)  # no execute bit, so a Python hidden under it is not found on PATH
    return str(path)


class Log:
    """Build output going to the terminal, build.log and memory at once, line by line."""

    def __init__(self, path: Path, echo: bool) -> None:
        self.file, self.echo, self.parts = path.open("w", encoding="utf-8"), echo, []

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.file.write(text)
        self.file.flush()
        if self.echo:
            sys.stdout.write(text)
            sys.stdout.flush()

    def text(self) -> str:
        return "".join(self.parts)


def stream(argv: list[str], log: Log) -> int:
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        for line in iter(proc.stdout.readline, b""):
            log.write(line.decode("utf-8", "replace"))
        return proc.wait()


def folder_size(path: Path) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(path) for f in files)


@dataclasses.dataclass
class BuildSandbox:
    """Host copies of the app, cache and buildpack, and how to run a bin/ script over them."""
    scratch: Path
    build_dir: str
    mounts: list[str]
    env: dict[str, str]
    network: bool
    build_host: Path = Path()
    cache_host: Path = Path()

    def argv(self, script: str, *args: str) -> list[str]:
        return sandbox_argv(self.mounts, self.env, [f"{BUILDPACK_DIR}/bin/{script}", *args], self.network)


def scratch_layout(scratch: Path, build_dir: str) -> tuple[Path, Path, Path]:
    """(tmp, build, cache) host dirs of one build: /tmp holds BUILD_DIR and CACHE_DIR."""
    tmp = scratch / "tmp"
    build_host = tmp / build_dir[len("/tmp/"):] if build_dir.startswith("/tmp/") else scratch / "build"
    return tmp, build_host, tmp / CACHE_DIR[len("/tmp/"):]


def recover_cache(work: Path) -> None:
    """A killed in-place build leaves the cache inside its scratch dir: put it back."""
    for stray in sorted(work.glob(".build-*")):
        cache = stray / "tmp" / CACHE_DIR[len("/tmp/"):]
        if cache.is_dir() and not (work / "cache").exists():
            cache.rename(work / "cache")
        remove_tree(stray)


def prepare_build(app: Path, buildpack: Path, work: Path, stack: str, config: dict[str, str],
                  build_dir: str, network: bool, extra_env: dict[str, str] | None,
                  cache_in_place: bool = False) -> BuildSandbox:
    if stack not in STACK_PYTHONS:
        raise LocalHerokuError(f"unknown stack {stack!r}; known: {', '.join(STACK_PYTHONS)}")
    stack_python = PYENV_VERSIONS / STACK_PYTHONS[stack]
    for needed in (app, buildpack, stack_python):
        if not needed.is_dir():
            raise LocalHerokuError(f"not a directory: {needed}")
    recover_cache(work)
    (work / "cache").mkdir(parents=True, exist_ok=True)
    write_env_dir(work / "env", config)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=work))
    tmp_host, build_host, cache_host = scratch_layout(scratch, build_dir)
    try:
        build_host.mkdir(parents=True)
        copy_app(app, build_host)
        cache_host.parent.mkdir(parents=True)
        # Heroku keeps the cache only after a successful build, so compile gets a copy;
        # in place (as Dokku/herokuish mount it) a killed or failed build writes the real one.
        if cache_in_place:
            (work / "cache").rename(cache_host)
        else:
            copy_tree(work / "cache", cache_host)
        copy_buildpack(buildpack, scratch / "buildpack")
    except BaseException:
        if cache_in_place and cache_host.is_dir():
            cache_host.rename(work / "cache")
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    store = runtime_store(dict(os.environ))
    stores = [str(store)] + ([str(runtime_store(config))] if "PYTHON_RUNTIMES_URL" in config else [])
    mounts = build_mounts(probe_host(), tmp_host=str(tmp_host), build_host=str(build_host), build_dir=build_dir,
                          env_host=str(work / "env"), buildpack_host=str(scratch / "buildpack"),
                          stack_python=str(stack_python), stores=stores, empty_file=empty_file(work))
    # A config var must reach the buildpack through ENV_DIR only, so the process env stays silent.
    runtimes_url = None if "PYTHON_RUNTIMES_URL" in config else f"file://{store}"
    source_version = (git(app, "rev-parse", "HEAD") or FAKE_SOURCE_VERSION).strip()
    env = build_env(stack, source_version, dict(os.environ), runtimes_url, extra_env)
    return BuildSandbox(scratch, build_dir, mounts, env, network, build_host, cache_host)


def build(app_dir: str | Path, work: str | Path | None = None, stack: str = "heroku-20",
          config: dict[str, str] | None = None, network: bool = True, build_dir_name: str | None = None,
          ci: bool = False, buildpack: str | Path | None = None, extra_env: dict[str, str] | None = None,
          echo: bool = True, cache_in_place: bool = False) -> BuildResult:
    """detect, compile and release APP_DIR; on success work/slug, work/cache and work/release.yml."""
    started = time.monotonic()
    app, buildpack_src = Path(app_dir).resolve(), Path(buildpack or REPO).resolve()
    work_dir = Path(work).resolve() if work else default_work(app)
    work_dir.mkdir(parents=True, exist_ok=True)
    box = prepare_build(app, buildpack_src, work_dir, stack, config or {}, build_dir_path(build_dir_name, ci),
                        network, extra_env, cache_in_place)
    build_host, cache_host, log = box.build_host, box.cache_host, Log(work_dir / "build.log", echo)
    try:
        log.write(f"-----> Building on the Heroku-{stack.split('-')[1]} stack\n")
        detected = subprocess.run(box.argv("detect", box.build_dir), capture_output=True, text=True, errors="replace")
        if detected.returncode != 0:
            log.write(f"-----> App not compatible with buildpack: {buildpack_src}\n{detected.stderr}")
            return BuildResult(detected.returncode, log.text(), work_dir)
        name = detected.stdout.strip() or "(no name)"
        log.write(f"{detected.stderr}-----> {name} app detected\n")
        compiled = stream(box.argv("compile", box.build_dir, CACHE_DIR, ENV_DIR), log)
        if compiled != 0:
            log.write(f" !     Push rejected, failed to compile {name} app.\n")
            return BuildResult(compiled, log.text(), work_dir)
        released = subprocess.run(box.argv("release", box.build_dir), capture_output=True, text=True, errors="replace")
        log.write(released.stderr)
        (work_dir / "release.yml").write_text(released.stdout, encoding="utf-8")
        try:
            defaults = parse_release_yaml(released.stdout)["default_process_types"]
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
        kept_trees = [(work_dir / "slug", build_host)] + ([] if cache_in_place else [(work_dir / "cache", cache_host)])
        for kept, fresh in kept_trees:
            remove_tree(kept)
            fresh.rename(kept)
        (work_dir / "export").unlink(missing_ok=True)
        if (box.scratch / "buildpack" / "export").is_file():  # kept to look at what a next buildpack would source
            shutil.copy2(box.scratch / "buildpack" / "export", work_dir / "export")
        if echo:  # timing and size vary between runs, so they stay out of build.log
            print(f"-----> Slug: {folder_size(work_dir / 'slug') / 2**20:.1f} MB uncompressed at {work_dir / 'slug'}\n"
                  # Not "Build finished": that figure is bin/compile's own, and one log has one.
                  f"-----> Local build done: {time.monotonic() - started:.1f} s of wall time in all "
                  "(sandbox copies, detect, compile, release)")
        return BuildResult(0, log.text(), work_dir)
    finally:
        log.file.close()
        if cache_in_place and cache_host.is_dir():
            cache_host.rename(work_dir / "cache")
        remove_tree(box.scratch)


def detect(app_dir: str | Path, stack: str = "heroku-20", buildpack: str | Path | None = None) -> tuple[int, str, str]:
    """Run only bin/detect in a build sandbox: (returncode, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as work:
        box = prepare_build(Path(app_dir).resolve(), Path(buildpack or REPO).resolve(), Path(work), stack, {},
                            build_dir_path(None, False), True, None)
        result = subprocess.run(box.argv("detect", box.build_dir), capture_output=True, text=True, errors="replace")
        return result.returncode, result.stdout, result.stderr


def process_types(work: Path) -> dict[str, tuple[str, str]]:
    procfile, release_yml = work / "slug" / "Procfile", work / "release.yml"
    declared = parse_procfile(procfile.read_text(errors="replace")) if procfile.is_file() else {}
    defaults = parse_release_yaml(release_yml.read_text()) if release_yml.is_file() else {}
    return merge_process_types(declared, dict(defaults.get("default_process_types") or {}))


@contextlib.contextmanager
def dyno_filesystem(work: Path) -> Iterator[Path]:
    """A fresh copy of the slug for one dyno, thrown away after it: Heroku's filesystem is
    ephemeral, so a release phase's SQLite file never reaches the web dyno. .heroku/ is
    hard-linked (fast; nothing writes into it at run time), the app's own files copied."""
    slug = work / "slug"
    if not slug.is_dir():
        raise LocalHerokuError(f"no slug at {slug}: build first")
    scratch = Path(tempfile.mkdtemp(prefix=".dyno-", dir=work))
    try:
        subprocess.run(["cp", "-al", str(slug), str(scratch / "slug")], check=True)
        for entry in (scratch / "slug").iterdir():
            if entry.name != ".heroku":
                remove_tree(entry)
                subprocess.run(["cp", "-a", str(slug / entry.name), str(entry)], check=True)
        yield scratch / "slug"
    finally:
        remove_tree(scratch)


def dyno_argv(work: Path, slug: Path, command: str, dyno: str, port: int,
              config: dict[str, str] | None) -> list[str]:
    env = run_env(dyno, port, {**read_env_dir(work / "env"), **(config or {})})
    # No --unshare-net: the web process must be reachable from the host.
    return sandbox_argv(run_mounts(probe_host(), str(slug), empty_file(work)), env, dyno_command(command))


def run_process(work: str | Path, command: str, dyno: str = "run.1", config: dict[str, str] | None = None,
                timeout: float | None = None) -> tuple[int, str]:
    """A one-off dyno (`heroku run`): (returncode, merged output)."""
    with dyno_filesystem(Path(work)) as slug:
        argv = dyno_argv(Path(work), slug, command, dyno, free_port(), config)
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=timeout)
    return result.returncode, result.stdout.decode("utf-8", "replace")


def describe_process_types(types: dict[str, tuple[str, str]]) -> None:
    for name, (command, source) in types.items():
        print(f"-----> {name}: {command}   (from {source})")
    if types.get("release", ("", ""))[1] == "buildpack default":
        print(RELEASE_NOTE)


def run_release(work: str | Path, config: dict[str, str] | None = None, echo: bool = True) -> tuple[int, str]:
    """The release phase: run the `release` process type, if any, to completion."""
    command = process_types(Path(work)).get("release")
    if command is None:
        return 0, ""
    returncode, output = run_process(work, command[0], dyno="release.1", config=config)
    if echo:
        sys.stdout.write("".join(f"release.1 | {line}\n" for line in output.splitlines()))
    return returncode, output


release = run_release  # the public name; start_web's `release` flag shadows it there


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Any HTTP answer, 4xx and 5xx included; a host proxy must not see loopback requests."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read(200)
    except urllib.error.HTTPError as error:
        return error.code, error.read(200)


def wait_until_up(web: WebProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.process.poll() is not None:
            raise LocalHerokuError(f"web process exited with status {web.process.returncode} before "
                                   f"answering on {web.url} (Heroku: H10 App crashed)")
        with contextlib.suppress(OSError, http.client.HTTPException):
            fetch(web.url, timeout=2)
            return
        time.sleep(0.25)
    raise LocalHerokuError(f"web process did not answer on {web.url} within {timeout:g} s (Heroku: R10 Boot timeout)")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the whole bwrap process group, then SIGKILL, as the dyno manager does."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)


def pump(stream_: object, lines: list[str], echo: bool) -> None:
    for raw in iter(stream_.readline, b""):
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        if echo:
            sys.stdout.write(f"web.1 | {line}")
            sys.stdout.flush()


@contextlib.contextmanager
def start_web(work: str | Path, config: dict[str, str] | None = None, port: int | None = None,
              release: bool = True, timeout: float = 60.0, echo: bool = True) -> Iterator[WebProcess]:
    """Release phase (unless release=False), then the web dyno, up and answering on PORT."""
    work = Path(work)
    types = process_types(work)
    if echo:
        describe_process_types(types)
    if release:
        returncode, output = run_release(work, config, echo)
        if returncode != 0:
            raise LocalHerokuError(f"release phase failed with status {returncode}" + ("" if echo else f":\n{output}"))
    if "web" not in types:
        raise LocalHerokuError("no web process type in the Procfile or the buildpack defaults (Heroku: H14)")
    port = port or free_port()
    with dyno_filesystem(work) as slug:
        argv = dyno_argv(work, slug, types["web"][0], "web.1", port, config)
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # stopped as a group
        web = WebProcess(f"http://127.0.0.1:{port}/", port, process, [])
        reader = threading.Thread(target=pump, args=(process.stdout, web.lines, echo), daemon=True)
        reader.start()
        try:
            wait_until_up(web, timeout)
            yield web
        finally:
            stop(process)
            reader.join(5)


def run_cli(args: argparse.Namespace) -> int:
    work = Path(args.work).resolve() if args.work else default_work(args.app_dir)
    with start_web(work, parse_config(args.config), args.port, not args.no_release, args.timeout) as web:
        print(f"Web process is up: {web.url}", flush=True)
        if args.check:
            statuses = []
            for path in args.check:
                status, body = fetch(urllib.parse.urljoin(web.url, path.lstrip("/")))
                statuses.append(status)
                print(f"GET {path} -> {status} {body[:120]!r}", flush=True)
            return 0 if all(status < 400 for status in statuses) else 1
        try:
            while web.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nStopping web process", flush=True)
            return 0
        print(f"web process exited with status {web.process.returncode}", flush=True)
        return web.process.returncode or 1


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="localheroku", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="detect, compile and release an app into WORK/slug")
    build_cmd.add_argument("app_dir")
    build_cmd.add_argument("--stack", default="heroku-20", choices=sorted(STACK_PYTHONS))
    build_cmd.add_argument("--config", action="append", default=[], metavar="K=V")
    build_cmd.add_argument("--work")
    build_cmd.add_argument("--no-network", action="store_true")
    build_cmd.add_argument("--build-dir-name", help="replaces the hash in /tmp/build_<hash>; absolute = whole path")
    build_cmd.add_argument("--buildpack", help="buildpack dir (default: this repo)")
    build_cmd.add_argument("--ci", action="store_true", help="BUILD_DIR=/app, as Heroku CI")
    build_cmd.add_argument("--cache-in-place", action="store_true",
                           help="mount WORK/cache itself (as Dokku does), not a copy kept only on success")
    run_cmd = commands.add_parser("run", help="run the release phase and the web process of WORK/slug")
    run_cmd.add_argument("app_dir")
    run_cmd.add_argument("--work")
    run_cmd.add_argument("--port", type=int)
    run_cmd.add_argument("--config", action="append", default=[], metavar="K=V")
    run_cmd.add_argument("--no-release", action="store_true")
    run_cmd.add_argument("--check", action="append", default=[], metavar="PATH")
    run_cmd.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)  # so a killed tool still stops its web process
    try:
        if args.command == "build":
            return build(args.app_dir, args.work, args.stack, parse_config(args.config), not args.no_network,
                         args.build_dir_name, args.ci, args.buildpack,
                         cache_in_place=args.cache_in_place).returncode
        return run_cli(args)
    except LocalHerokuError as error:
        print(f" !     {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
