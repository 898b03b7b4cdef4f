"""Running child processes: the only module that imports subprocess.

Every child gets an environment built here on purpose (never the buildpack's own
environment wholesale), argv lists only, and its output streamed into the build
log indented, with a bounded tail kept so failures can be classified.
"""
from __future__ import annotations

import collections
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Deque, Dict, List, Mapping, Optional, Sequence, Tuple

from buildpack import output

TAIL_LINES = 200
STACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The search paths a buildpack before this one exports for the ones after it: the Apt
# buildpack's libraries, headers and .pc files under .apt/, the Geo buildpack's GDAL.
# pip builds against them and the app loads them at build time, as under the official
# buildpack, which passes on its whole environment. (Config vars of these names never
# get here: they come from ENV_DIR, and the denylist keeps them from every step.)
INHERITED_SEARCH_PATHS = ("LD_LIBRARY_PATH", "LIBRARY_PATH", "INCLUDE_PATH", "CPATH", "CPPPATH", "C_INCLUDE_PATH",
                          "CPLUS_INCLUDE_PATH", "PKG_CONFIG_PATH", "GI_TYPELIB_PATH")
# Bounded repetitions: an unbounded scheme made a 1 MB line without "://" cost ~10^12 steps
# (each start position scanned to the end of the line and back), which hung the build.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{0,31}://)(?P<userinfo>[^/@\s]{1,1024})@")


def redact(text: str) -> str:
    """Hide credentials embedded in URLs (https://user:token@host -> https://****@host)."""
    return _URL_CREDENTIALS.sub(lambda m: m.group("scheme") + "****@", text)


@dataclass
class Result:
    returncode: int
    tail: List[str]
    timed_out: bool = False  # stopped at its time limit (returncode is then the kill's)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        return "\n".join(self.tail)


def base_env(
    environ: Mapping[str, str],
    path_prefix: Sequence[Path] = (),
    extra: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """The environment every child starts from: a clean, predictable one."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "STACK", "DYNO", "SOURCE_VERSION", "SSL_CERT_FILE",
            "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PIP_CERT", "TERM") + INHERITED_SEARCH_PATHS
    env = {k: environ[k] for k in keep if environ.get(k)}
    env.setdefault("LANG", "C.UTF-8")
    env["PATH"] = os.pathsep.join([str(p) for p in path_prefix] + [environ.get("PATH") or STACK_PATH])
    env["PYTHONUNBUFFERED"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    # The build must not depend on the developer's or the image's pip configuration.
    env["PIP_CONFIG_FILE"] = os.devnull
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: Optional[Path] = None,
    echo: bool = True,
    filter_line: Optional[Callable[[str], Optional[str]]] = None,
    stdin_devnull: bool = True,
    time_limit: Optional[float] = None,
) -> Result:
    """Run argv, streaming its merged output indented into the build log.

    time_limit (seconds): past it the child and everything it started (its own
    process group) are killed, and the Result says timed_out.
    """
    tail: Deque[str] = collections.deque(maxlen=TAIL_LINES)
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=str(cwd) if cwd else None,
            env=dict(env),
            stdin=subprocess.DEVNULL if stdin_devnull else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=time_limit is not None,
        )
    except OSError as exc:
        return Result(127, [f"{argv[0]}: {exc.strerror}"])
    assert process.stdout is not None
    expired = threading.Event()
    timer = None
    if time_limit is not None:
        def stop() -> None:
            expired.set()
            kill_group(process.pid)
        timer = threading.Timer(time_limit, stop)
        timer.daemon = True
        timer.start()
    for raw in process.stdout:
        line = redact(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        tail.append(line)
        if filter_line is not None:
            shown = filter_line(line)
            if shown is None:
                continue
            line = shown
        if echo:
            output.detail(line)
    returncode = process.wait()
    if timer is not None:
        timer.cancel()
    if returncode < 0 and not expired.is_set():
        # Said here, for every step: a killed installer or hook prints no error of its own.
        status, cause = describe_exit(returncode)
        output.detail(f"({Path(argv[0]).name} was {status})")
        output.details(cause.splitlines())
    return Result(returncode, list(tail), timed_out=expired.is_set())


def kill_group(pid: int) -> None:
    """SIGKILL a child started with its own session, and all it started (nothing may hold the pipe)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# Signals a build step dies of, and what usually sends them.
SIGNAL_CAUSES = {
    "SIGKILL": "SIGKILL most often means the process ran out of memory: the kernel's\n"
               "out-of-memory killer ends the largest process when the build's memory\n"
               "limit is reached. (The platform also sends it to stop a build.)",
    "SIGTERM": "SIGTERM means something asked the process to stop: the platform (a\n"
               "cancelled build, a time limit) or another process.",
    "SIGSEGV": "SIGSEGV is a crash inside compiled code: usually a binary package built\n"
               "for another Python or system library version.",
    "SIGABRT": "SIGABRT is compiled code aborting: usually a binary package that does\n"
               "not match this Python or system.",
    "SIGBUS": "SIGBUS is a crash inside compiled code, or the disk filling up under a\n"
              "memory-mapped file.",
}


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def describe_exit(returncode: int) -> Tuple[str, str]:
    """(what happened, why it usually happens: may be empty) for a child's exit status.

    Negative: killed by a signal. 128+N from a shell: a command the shell ran was
    killed by signal N (how a hook's child dying of SIGKILL shows up).
    """
    if returncode < 0:
        name = signal_name(-returncode)
        return f"killed by signal {name}", SIGNAL_CAUSES.get(name, "")
    if 128 < returncode <= 128 + 64:
        name = signal_name(returncode - 128)
        if name in SIGNAL_CAUSES:
            return f"exit status {returncode}: a command it ran was killed by {name}", SIGNAL_CAUSES[name]
    return f"exit status {returncode}", ""


def capture_stdout(argv: Sequence[str], env: Mapping[str, str], cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Run argv and return stdout and stderr separately (for JSON-producing helpers)."""
    return subprocess.run(
        list(argv), cwd=str(cwd) if cwd else None, env=dict(env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
    )


def copy_tree(source: Path, destination: Path, hardlink: bool = False) -> None:
    """Copy a directory tree preserving links and modes (cp is much faster than shutil).

    hardlink=True shares the files' data instead of copying it (near-instant for
    a 100 MB environment; by two cp processes at once, see _link_in_parallel).
    That is safe for trees that are only ever changed by replacing or unlinking files, never by writing into them: what pip and
    Python's bytecode writer do. Across filesystems it falls back to a copy.
    A failed copy (a full disk) raises OSError with cp's last complaint, the
    partial copy removed.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    if hardlink:
        if _link_in_parallel(source, destination):
            return
        remove_tree(destination)
        linked = subprocess.run(["cp", "-al", str(source), str(destination)], stderr=subprocess.DEVNULL)
        if linked.returncode == 0:
            return
        remove_tree(destination)
    copied = subprocess.run(["cp", "-a", str(source), str(destination)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if copied.returncode != 0:
        complaints = copied.stderr.decode("utf-8", "replace").strip().splitlines()
        if os.path.lexists(destination):
            subprocess.run(["rm", "-rf", str(destination)], stderr=subprocess.DEVNULL)
        raise OSError(f"cp exited with status {copied.returncode}: {complaints[-1] if complaints else 'no message'}")


# A directory with more entries than this (site-packages) is shared out between the cp processes.
SPLIT_ENTRIES = 64


def _link_in_parallel(source: Path, destination: Path, jobs: int = 2) -> bool:
    """Hard-link a tree by `jobs` cp processes at once (False when that cannot be done):
    the directories down to each large one (site-packages) are made here, the entries
    below dealt out between the processes. A 150-package environment is 40,000 links,
    which one cp makes one after the other (measured: 1.26 s by one, 0.82 s by two)."""
    try:
        shares: List[List[str]] = [[] for _ in range(max(1, jobs))]
        _link_skeleton(source, destination, "", shares)
        running = [subprocess.Popen(["cp", "-al", "--parents", "--", *names, str(destination)], cwd=str(source),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for names in shares if names]
        return [process.wait() for process in running] == [0] * len(running)
    except OSError:
        return False


def _link_skeleton(source: Path, destination: Path, relative: str, shares: List[List[str]]) -> None:
    """Make destination (as source) and its directories down to the large ones; deal out
    the paths (relative to the tree's top) that cp links."""
    os.mkdir(destination)
    shutil.copystat(source, destination, follow_symlinks=False)
    entries = sorted(os.scandir(source), key=lambda entry: entry.name)
    if len(entries) > SPLIT_ENTRIES:
        for index, entry in enumerate(entries):
            shares[index % len(shares)].append(relative + entry.name)
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _link_skeleton(Path(entry.path), destination / entry.name, f"{relative}{entry.name}/", shares)
        else:
            min(shares, key=len).append(relative + entry.name)


def list_tree(directory: Path) -> Optional[List[Tuple[str, str, int]]]:
    """Every entry under directory, as (path relative to it, kind, size): kind d, l or f
    (anything else), the size of the entry itself (a link's: its target's length), from
    one `find` (C, not one Python call per file: a 150-package environment is 40,000
    entries). None when find is missing or fails, for the caller to walk the tree itself."""
    try:
        listed = subprocess.run(["find", str(directory), "-mindepth", "1", "-printf", "%P\\0%y\\0%s\\0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    if listed.returncode != 0:
        return None  # (an unreadable directory: the caller's walk decides what that means)
    fields = listed.stdout.split(b"\0")
    entries = []
    for index in range(0, len(fields) - 2, 3):
        kind = fields[index + 1].decode()
        entries.append((fields[index].decode("utf-8", "surrogateescape"), kind if kind in ("d", "l") else "f",
                        int(fields[index + 2])))
    return entries


class Background:
    """A quiet child started now and collected later, so it overlaps other steps.

    Its output goes to temporary files, not pipes: nothing reads it until the end,
    and a full pipe would stall the child.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Optional[Path] = None) -> None:
        self.argv = list(argv)
        self._stdout = tempfile.TemporaryFile()
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.argv, cwd=str(cwd) if cwd else None, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=self._stdout, stderr=self._stderr,
        )

    def result(self) -> subprocess.CompletedProcess:
        returncode = self.process.wait()
        texts = []
        for handle in (self._stdout, self._stderr):
            handle.seek(0)
            texts.append(handle.read().decode("utf-8", errors="replace"))
            handle.close()
        return subprocess.CompletedProcess(self.argv, returncode, texts[0], texts[1])


class Removal:
    """`rm -rf` running in the background, so deleting a large tree overlaps other work."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.process: Optional[subprocess.Popen] = None
        if paths:
            self.process = subprocess.Popen(
                ["rm", "-rf", *map(str, paths)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()


def remove_tree(path: Path) -> None:
    """Remove a file, link or directory tree, even one with read-only directories
    (an archive may carry them, and builds do not run as root)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        if subprocess.run(["rm", "-rf", str(path)], stderr=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["chmod", "-R", "u+rwx", str(path)], check=True)
            subprocess.run(["rm", "-rf", str(path)], check=True)


class Pipe:
    """A child whose stdout is read as a binary stream (e.g. `zstd -dc` feeding tarfile).

    stderr goes to a temporary file, not a pipe, so a chatty child can never block.
    """

    def __init__(self, process: subprocess.Popen, stderr: IO[bytes]) -> None:
        self._process = process
        self._stderr = stderr
        assert process.stdout is not None
        self.stdout: IO[bytes] = process.stdout

    def finish(self, drain: bool = True) -> Result:
        """Wait for the child; its Result's tail holds its stderr.

        drain=False closes the pipe unread (the reader gave up early): the child
        then dies of SIGPIPE, and its exit status means nothing.
        """
        if drain:
            while self.stdout.read(1 << 16):
                pass
        self.stdout.close()
        returncode = self._process.wait()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", errors="replace")
        self._stderr.close()
        return Result(returncode, [redact(line) for line in text.splitlines()[-TAIL_LINES:]])


def start_pipe(argv: Sequence[str], env: Mapping[str, str]) -> Pipe:
    """Start argv with stdout readable as a stream; OSError if it cannot be run."""
    import tempfile

    stderr = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(
            list(argv), env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr
        )
    except OSError:
        stderr.close()
        raise
    return Pipe(process, stderr)


class Conversation:
    """A child the build talks with, request by request (the one Django process).

    Its stdout and stderr are merged and streamed line by line; it writes records
    (one JSON object a line) to a pipe of its own, whose write end's number is
    appended to argv, so nothing the child's code prints can forge one; requests,
    one JSON line each, come on a second pipe whose read end's number follows it.
    Its stdin is /dev/null: app code that reads stdin (a settings module asking
    for input) gets end-of-file, never the requests. Every wait has a time limit: past it,
    the child's whole process group is killed and the wait ends with timed_out.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Optional[Path] = None) -> None:
        read_fd, write_fd = os.pipe()  # records: the child writes
        requests_read, requests_write = os.pipe()  # requests: the child reads
        try:
            self.process = subprocess.Popen(
                list(argv) + [str(write_fd), str(requests_read)], cwd=str(cwd) if cwd else None, env=dict(env),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(write_fd, requests_read), start_new_session=True,  # its own group: a time limit kills it all
            )
        except OSError:
            os.close(read_fd)
            os.close(requests_write)
            raise
        finally:
            os.close(write_fd)
            os.close(requests_read)
        self._requests = os.fdopen(requests_write, "wb")
        assert self.process.stdout is not None
        self._output_fd = self.process.stdout.fileno()
        self._records_fd = read_fd
        self._partial = {self._output_fd: b"", self._records_fd: b""}
        self._selector = selectors.DefaultSelector()
        for fd in self._partial:
            self._selector.register(fd, selectors.EVENT_READ)
        self._records: Deque[Dict[str, object]] = collections.deque()
        self._lines: Deque[str] = collections.deque()
        self.tail: Deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.timed_out = False

    def send(self, request: Mapping[str, object]) -> None:
        try:
            self._requests.write((json.dumps(dict(request)) + "\n").encode())
            self._requests.flush()
        except (BrokenPipeError, ValueError):
            pass  # it already ended: the wait that follows says how

    def wait_for(self, kind: str, time_limit: float,
                 on_line: Callable[[str], None] = lambda line: None) -> Optional[Dict[str, object]]:
        """Stream output lines to on_line until a record of `kind` arrives (returned).

        None when the child ended first, or was killed at the time limit (timed_out).
        Output the child wrote before the record is always passed on first.
        """
        deadline = time.monotonic() + time_limit
        while True:
            while self._lines:
                line = self._lines.popleft()
                self.tail.append(line)
                on_line(line)
            if self._records:
                found = self._records.popleft()
                if found.get("kind") == kind:
                    self._read(0)  # the output written before the record
                    while self._lines:
                        line = self._lines.popleft()
                        self.tail.append(line)
                        on_line(line)
                    return found
                continue
            if not self._selector.get_map():
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not self.timed_out:
                self.kill()
                self.timed_out = True
            self._read(None if self.timed_out else max(remaining, 0))

    def _read(self, timeout: Optional[float]) -> None:
        for key, _ in self._selector.select(timeout):
            fd = key.fd
            data = os.read(fd, 65536)
            if not data:
                self._selector.unregister(fd)
                rest, self._partial[fd] = self._partial[fd], b""
                if rest:
                    self._take(fd, [rest])
                continue
            pieces = (self._partial[fd] + data).split(b"\n")
            self._partial[fd] = pieces.pop()
            self._take(fd, pieces)

    def _take(self, fd: int, pieces: List[bytes]) -> None:
        for piece in pieces:
            if fd == self._records_fd:
                try:
                    value = json.loads(piece.decode("utf-8", errors="replace"))
                except ValueError:
                    continue
                if isinstance(value, dict):
                    self._records.append(value)
            else:
                self._lines.append(redact(piece.decode("utf-8", errors="replace").rstrip("\r")))

    def kill(self) -> None:
        kill_group(self.process.pid)

    def finish(self, time_limit: float) -> int:
        """Close the requests pipe (no more requests), drain its output, and return its exit status."""
        try:
            self._requests.close()
        except OSError:
            pass  # BrokenPipeError flushing to a child that already ended
        self.wait_for("(end)", time_limit)
        try:
            returncode = self.process.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            self.kill()
            returncode = self.process.wait()
        os.close(self._records_fd)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._selector.close()
        return returncode
