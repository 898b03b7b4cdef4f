"""Dynos: a fresh copy of the slug at /app, .profile.d sourced, through the runner the slug was
built with. One-off dynos (`heroku run`), the release phase, the web dyno, and every process
type at once (`heroku local`)."""
from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Mapping

from localheroku.contract import BUILD_RECORD, NO_HOST_ENV, LocalHerokuError, dyno_command, run_env
from localheroku.files import read_env_dir, remove_tree
from localheroku.procfile import merge_process_types, parse_procfile, parse_release_yaml
from localheroku.runners import Invocation, Runner, from_record
from localheroku.stacks import STACKS

RELEASE_NOTE = ("Note: the release process came from the buildpack's default_process_types. On Heroku "
                "the release phase is documented through the Procfile:\n"
                "    release: python manage.py migrate --noinput")


@dataclasses.dataclass
class WebProcess:
    url: str
    port: int
    process: subprocess.Popen
    lines: list[str]

    @property
    def output(self) -> str:
        return "".join(self.lines)


def build_record(work: Path) -> dict[str, object]:
    """What the last successful build recorded; an error that says so when there is none."""
    record_file, slug = work / BUILD_RECORD, work / "slug"
    if not slug.is_dir():
        failed = " (the last build failed: see " + str(work / "build.log") + ")" if (work / "build.log").is_file() else ""
        raise LocalHerokuError(f"no successful build at {work}{failed}: build the app first "
                               "(`localheroku build`, or `make build APP=...`)")
    if not record_file.is_file():
        return {"runner": "sandbox", "stack": "heroku-20"}  # a slug from before build.json: built on heroku-20 then
    return json.loads(record_file.read_text())


def runner_for(work: Path, host_env: Mapping[str, str]) -> tuple[Runner, str]:
    record = build_record(work)
    return from_record(record, host_env), str(record.get("stack"))


def process_types(work: Path) -> dict[str, tuple[str, str]]:
    procfile, release_yml = work / "slug" / "Procfile", work / "release.yml"
    declared = parse_procfile(procfile.read_text(errors="replace")) if procfile.is_file() else {}
    defaults = parse_release_yaml(release_yml.read_text()) if release_yml.is_file() else {}
    return merge_process_types(declared, dict(defaults.get("default_process_types") or {}))  # type: ignore[call-overload]


@contextlib.contextmanager
def dyno_filesystem(work: Path) -> Iterator[Path]:
    """A fresh copy of the slug for one dyno, thrown away after it: Heroku's filesystem is
    ephemeral, so a release phase's SQLite file never reaches the web dyno. .heroku/ is
    hard-linked (fast; nothing writes into it at run time), the app's own files copied."""
    slug = work / "slug"
    build_record(work)
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


def dyno_invocation(work: Path, slug: Path, command: str, dyno: str, port: int, config: dict[str, str] | None,
                    interactive: bool = False, runner: Runner | None = None,
                    host_env: Mapping[str, str] = NO_HOST_ENV) -> tuple[Runner, Invocation]:
    found, stack = runner_for(work, host_env)
    runner = runner or found
    runner.prepare(STACKS[stack], lambda text: None)
    runner.hand_over(slug)
    merged = {**read_env_dir(work / "env"), **(config or {})}
    env = run_env(dyno, port, {})
    return runner, runner.dyno(STACKS[stack], slug, env, merged, dyno_command(command), work, dyno, interactive)


def run_process(work: str | Path, command: str, dyno: str = "run.1", config: dict[str, str] | None = None,
                timeout: float | None = None, interactive: bool = False,
                echo_prefix: str | None = None, host_env: Mapping[str, str] = NO_HOST_ENV) -> tuple[int, str]:
    """A one-off dyno (`heroku run`): (returncode, merged output). Interactive: the terminal's.
    With echo_prefix, each line is also printed as it comes, like `heroku logs`. host_env: the
    host's environment, which a container engine runs with."""
    with dyno_filesystem(Path(work)) as slug:
        runner, invocation = dyno_invocation(Path(work), slug, command, dyno, free_port(), config, interactive,
                                             host_env=host_env)
        try:
            if interactive:
                return subprocess.run(invocation.argv, env=invocation.env).returncode, ""
            with subprocess.Popen(invocation.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=invocation.env) as process:
                lines: list[str] = []
                reader = threading.Thread(target=pump, args=(process.stdout, lines, echo_prefix), daemon=True)
                reader.start()
                try:
                    returncode = process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    raise
                finally:
                    reader.join(10)
        finally:
            runner.stop(invocation)
    return returncode, "".join(lines)


def describe_process_types(types: dict[str, tuple[str, str]]) -> None:
    for name, (command, source) in types.items():
        print(f"-----> {name}: {command}   (from {source})")
    if types.get("release", ("", ""))[1] == "buildpack default":
        print(RELEASE_NOTE)


def run_release(work: str | Path, config: dict[str, str] | None = None, echo: bool = True,
                host_env: Mapping[str, str] = NO_HOST_ENV) -> tuple[int, str]:
    """The release phase: run the `release` process type, if any, to completion."""
    command = process_types(Path(work)).get("release")
    if command is None:
        return 0, ""
    return run_process(work, command[0], dyno="release.1", config=config, echo_prefix="release.1" if echo else None,
                       host_env=host_env)


release = run_release  # the public name; start_web's `release` flag shadows it there


def timestamp() -> str:
    return time.strftime("%H:%M:%S")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect (e.g. SECURE_SSL_REDIRECT's to https://) is itself the answer


def fetch(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Any HTTP answer, 3xx, 4xx and 5xx included; a host proxy must not see loopback requests."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
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
    """SIGTERM the whole process group, then SIGKILL, as the dyno manager does."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)


def pump(stream_: object, lines: list[str], prefix: str | None) -> None:
    """A dyno's output, line by line; echoed like `heroku logs` when prefix is given."""
    for raw in iter(stream_.readline, b""):  # type: ignore[attr-defined]
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        if prefix is not None:
            sys.stdout.write(f"{timestamp()} {prefix} | {line}")
            sys.stdout.flush()


@dataclasses.dataclass
class Dyno:
    name: str
    process: subprocess.Popen
    invocation: Invocation
    runner: Runner
    lines: list[str]
    reader: threading.Thread


@contextlib.contextmanager
def dyno(work: Path, name: str, command: str, port: int, config: dict[str, str] | None,
         echo: bool, host_env: Mapping[str, str] = NO_HOST_ENV) -> Iterator[Dyno]:
    """One long-running dyno on its own slug copy, stopped (as a group) on the way out."""
    with dyno_filesystem(work) as slug:
        runner, invocation = dyno_invocation(work, slug, command, name, port, config, host_env=host_env)
        process = subprocess.Popen(invocation.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, env=invocation.env)
        lines: list[str] = []
        reader = threading.Thread(target=pump, args=(process.stdout, lines, name if echo else None), daemon=True)
        reader.start()
        try:
            yield Dyno(name, process, invocation, runner, lines, reader)
        finally:
            stop(process)
            runner.stop(invocation)
            reader.join(5)


@contextlib.contextmanager
def start_web(work: str | Path, config: dict[str, str] | None = None, port: int | None = None,
              release: bool = True, timeout: float = 60.0, echo: bool = True,
              host_env: Mapping[str, str] = NO_HOST_ENV) -> Iterator[WebProcess]:
    """Release phase (unless release=False), then the web dyno, up and answering on PORT."""
    work = Path(work)
    build_record(work)
    types = process_types(work)
    if echo:
        describe_process_types(types)
    if release:
        returncode, output = run_release(work, config, echo, host_env)
        if returncode != 0:
            raise LocalHerokuError(f"release phase failed with status {returncode}" + ("" if echo else f":\n{output}"))
    if "web" not in types:
        raise LocalHerokuError("no web process type in the Procfile or the buildpack defaults (Heroku: H14)")
    port = port or free_port()
    with dyno(work, "web.1", types["web"][0], port, config, echo, host_env) as web_dyno:
        web = WebProcess(f"http://127.0.0.1:{port}/", port, web_dyno.process, web_dyno.lines)
        wait_until_up(web, timeout)
        yield web


@contextlib.contextmanager
def start_all(work: Path, config: dict[str, str] | None = None, port: int | None = None,
              release: bool = True, only: list[str] | None = None, echo: bool = True,
              host_env: Mapping[str, str] = NO_HOST_ENV) -> Iterator[list[Dyno]]:
    """`heroku local`: the release phase first (nothing starts if it fails), then one dyno of every
    other process type, web on PORT."""
    types = process_types(work)
    if echo:
        describe_process_types(types)
    if release:
        returncode, output = run_release(work, config, echo, host_env)
        if returncode != 0:
            raise LocalHerokuError(f"release phase failed with status {returncode}: no process was started"
                                   + ("" if echo else f":\n{output}"))
    wanted = [name for name in types if name != "release" and (not only or name in only)]
    if not wanted:
        raise LocalHerokuError("no process types to run in the Procfile or the buildpack defaults (Heroku: H14)")
    with contextlib.ExitStack() as stack:
        dynos = []
        for name in wanted:
            dyno_port = (port or free_port()) if name == "web" else free_port()
            dynos.append(stack.enter_context(dyno(work, f"{name}.1", types[name][0], dyno_port, config, echo, host_env)))
            if name == "web":
                dynos[-1].port = dyno_port  # type: ignore[attr-defined]
        yield dynos
