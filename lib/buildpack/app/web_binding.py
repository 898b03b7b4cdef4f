"""Whether a Procfile's web command listens where Heroku's router sends the requests.

The router connects to the port in $PORT (another one at each dyno start), on any
interface. A web process that listens on 127.0.0.1, on localhost or on a port of its
own is never reached, and Heroku stops it after 60 seconds (R10, boot timeout). Each
server is told where to listen its own way, with its own default; gunicorn without a
bind option reads PORT itself. Pure over a command's words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from buildpack.app.shell_command import Invocation

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class WrongPlace:
    listens_on: str  # "0.0.0.0:8000", "127.0.0.1:8000 (uvicorn's default)"
    fix: str  # the options to write instead: "--bind 0.0.0.0:$PORT"


def _values(args: Sequence[str], *options: str) -> List[str]:
    """The values given to any of `options` (`--bind X`, `--bind=X`, `-b X`)."""
    found = []
    for index, arg in enumerate(args):
        for option in options:
            if arg == option and index + 1 < len(args):
                found.append(args[index + 1])
            elif option.startswith("--") and arg.startswith(option + "="):
                found.append(arg[len(option) + 1:])
    return found


def _reads_port(value: str) -> bool:
    return "$PORT" in value or "${PORT" in value


def _is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def _host_port(value: str) -> Optional[str]:
    """A `host:port` bind that misses $PORT or any interface, said as the log shows it."""
    if value.startswith(("unix:", "fd://")):
        return None  # a socket another process serves on $PORT (the nginx buildpack)
    variable = value.find("$")  # "0.0.0.0:${PORT:-8000}": the host is what comes before it
    host = value[:variable].rstrip(":") if variable >= 0 else value.rpartition(":")[0]
    if _reads_port(value) and not _is_local(host):
        return None
    return value


def _gunicorn(args: Sequence[str]) -> Optional[WrongPlace]:
    for value in _values(args, "--bind", "-b"):
        wrong = _host_port(value)
        if wrong:
            return WrongPlace(wrong, "--bind 0.0.0.0:$PORT")
    return None  # no bind: gunicorn listens on 0.0.0.0:$PORT when PORT is set


def _host_and_port(args: Sequence[str], host_options: Sequence[str], port_options: Sequence[str],
                   skip_options: Sequence[str], default_host: str, default_port: str, fix: str,
                   name: str) -> Optional[WrongPlace]:
    if any(arg.split("=")[0] in skip_options for arg in args):
        return None  # a socket or an endpoint string: beyond a simple check
    hosts, ports = _values(args, *host_options), _values(args, *port_options)
    host, port = (hosts[-1] if hosts else default_host), (ports[-1] if ports else default_port)
    if _reads_port(port) and not _is_local(host):
        return None
    defaulted = [] if hosts and ports else [f"{name}'s default"]
    return WrongPlace(f"{host}:{port}" + (f" ({defaulted[0]})" if defaulted else ""), fix)


def _runserver(args: Sequence[str]) -> Optional[WrongPlace]:
    after = list(args[args.index("runserver") + 1:])
    addresses = [arg for arg in after if not arg.startswith("-")]
    if not addresses:
        return WrongPlace("127.0.0.1:8000 (runserver's default)", "runserver 0.0.0.0:$PORT")
    wrong = _host_port(addresses[0] if ":" in addresses[0] else f"127.0.0.1:{addresses[0]}")
    return WrongPlace(wrong, "runserver 0.0.0.0:$PORT") if wrong else None


def wrong_place(invocation: Invocation) -> Optional[WrongPlace]:
    """Where this web command listens when that is not 0.0.0.0:$PORT (None when it is, or
    when that cannot be told from the words: a config file, a socket, another server)."""
    program, args = invocation.program.rsplit("/", 1)[-1], list(invocation.args)
    if program.startswith("python") and args[:1] == ["-m"] and len(args) > 1:
        program, args = args[1], args[2:]
    if program == "gunicorn":
        return _gunicorn(args)
    if program == "uvicorn":
        return _host_and_port(args, ["--host"], ["--port"], ["--uds", "--fd"], "127.0.0.1", "8000",
                              "--host 0.0.0.0 --port $PORT", "uvicorn")
    if program == "daphne":
        return _host_and_port(args, ["--bind", "-b"], ["--port", "-p"], ["--unix-socket", "-u", "--fd",
                              "--endpoint", "-e"], "127.0.0.1", "8000", "--bind 0.0.0.0 --port $PORT", "daphne")
    if program in ("python", "python3", "django-admin") or program.startswith("python3."):
        if "runserver" in args and (program == "django-admin" or any(arg.endswith("manage.py") for arg in args)):
            return _runserver(args)
    return None
