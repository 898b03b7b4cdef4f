"""localheroku: Heroku's build and run on this machine, with `heroku local` / `heroku run` habits.

Run it from the app's directory (or pass --app DIR):

    localheroku build                      build as `git push heroku` would (stack, runner, buildpacks)
    localheroku run                        release phase, then every process type, behind the router
    localheroku run python manage.py shell a one-off dyno (`heroku run`)
    localheroku config                     names of the app's config vars (values never shown)
    localheroku config:set NAME=VALUE ...  persisted per app, 0600; config:get NAME, config:unset NAME
    localheroku images [STACK ...]         pull or make the stack images now (once per machine)

Environment: STACK (default heroku-24), RUNNER=container|sandbox, CONTAINER_ENGINE, IMAGE,
RUN_IMAGE, BUILDPACKS (dirs, in order), PORT. This is the only module that reads os.environ.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import urllib.parse
from pathlib import Path

from localheroku import runners
from localheroku.builder import BuildRequest, default_work, run_build
from localheroku.configstore import ConfigStore, parse_assignments, parse_dotenv
from localheroku.contract import REPO, LocalHerokuError
from localheroku.dyno import WebProcess, build_record, fetch, run_process, start_all, wait_until_up
from localheroku.router import route
from localheroku.stacks import DEFAULT_STACK, STACKS


def say(text: str) -> None:
    print(f"-----> {text}", flush=True)


def warn(lines: list[str]) -> None:
    print("\n" + "\n".join(f" !     {line}" for line in lines) + "\n", file=sys.stderr, flush=True)


def app_and_work(args: argparse.Namespace) -> tuple[Path, Path]:
    app = Path(getattr(args, "app_dir", None) or getattr(args, "app", None) or ".").resolve()
    work = getattr(args, "work", None)
    return app, (Path(work).resolve() if work else default_work(app))


def split_buildpacks(text: str | None) -> list[str] | None:
    names = [part for part in (text or "").replace(",", " ").split() if part]
    return names or None


def cmd_build(args: argparse.Namespace) -> int:
    app, work = app_and_work(args)
    store = ConfigStore(work)
    given = parse_assignments(args.config)
    if given:
        store.set(given)
        say(f"Config vars set: {', '.join(sorted(given))} (values not shown)")
    runner = runners.choose(args.runner or os.environ.get("RUNNER"), os.environ, say)
    buildpacks = split_buildpacks(args.buildpacks or os.environ.get("BUILDPACKS"))
    if buildpacks:
        say(f"Buildpacks, in order: {', '.join(buildpacks)}")
    request = BuildRequest.of(app, work, stack=args.stack, config=store.all(), network=not args.no_network,
                              build_dir_name=args.build_dir_name, ci=args.ci,
                              buildpacks=buildpacks or ([args.buildpack] if args.buildpack else None),
                              cache_in_place=args.cache_in_place, tarball=args.tarball, host_env=os.environ)
    return run_build(request, runner).returncode


def dotenv_config(app: Path) -> dict[str, str]:
    dotenv = app / ".env"
    if not dotenv.is_file():
        return {}
    values = parse_dotenv(dotenv.read_text(errors="replace"))
    if values:
        warn([f"Warning: read {', '.join(sorted(values))} from {dotenv}, as `heroku local` does.",
              "Heroku never reads .env: on Heroku these come from config vars only.",
              "To set them there: heroku config:set NAME=VALUE (here: localheroku config:set)."])
    return values


def cmd_run(args: argparse.Namespace) -> int:
    app, work = app_and_work(args)
    build_record(work)  # "no successful build" before anything else
    config = {**dotenv_config(app), **parse_assignments(args.config)}
    port = args.port or (int(os.environ["PORT"]) if os.environ.get("PORT") else None)
    if args.one_off:
        command = " ".join(args.one_off) if len(args.one_off) > 1 else args.one_off[0]
        # The terminal's own stdin and stdout, as `heroku run` gives (createsuperuser prompts).
        returncode, output = run_process(work, command, dyno="run.1", config=config, interactive=sys.stdin.isatty(),
                                         host_env=os.environ)
        if not sys.stdin.isatty():
            print(output, end="", flush=True)
        return returncode
    with start_all(work, config, port, not args.no_release, args.type or None, host_env=os.environ) as dynos:
        web = next((d for d in dynos if d.name == "web.1"), None)
        if web is None:
            return wait_for_exit(dynos)
        web_process = WebProcess(f"http://127.0.0.1:{web.port}/", web.port, web.process, web.lines)  # type: ignore[attr-defined]
        wait_until_up(web_process, args.timeout)
        with route(web.port, work.parent / ".router", args.router_port) as router:  # type: ignore[attr-defined]
            print(f"Web process is up: {web_process.url}", flush=True)
            print(f"Router (HTTPS, as Heroku's, self-signed): {router.url}", flush=True)
            if args.check:
                statuses = []
                for path in args.check:
                    status, body = fetch(urllib.parse.urljoin(web_process.url, path.lstrip("/")))
                    statuses.append(status)
                    print(f"GET {path} -> {status} {body[:120]!r}", flush=True)
                return 0 if all(status < 400 for status in statuses) else 1
            return wait_for_exit(dynos)


def wait_for_exit(dynos: list) -> int:
    try:
        while all(d.process.poll() is None for d in dynos):
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping all processes", flush=True)
        return 0
    ended = next(d for d in dynos if d.process.poll() is not None)
    print(f"{ended.name} exited with status {ended.process.returncode}; stopping the others", flush=True)
    return ended.process.returncode or 1


def cmd_config(args: argparse.Namespace) -> int:
    _, work = app_and_work(args)
    store = ConfigStore(work)
    if args.command == "config:set":
        values = parse_assignments(args.pairs)
        store.set(values)
        say(f"Set {', '.join(sorted(values))} (values not shown; stored in {store.dir}, owner-only)")
    elif args.command == "config:unset":
        gone = store.unset(args.names)
        say(f"Unset {', '.join(gone) or 'nothing'}")
    elif args.command == "config:get":
        values = store.all()
        if args.name not in values:
            return 1
        print(values[args.name])
    else:
        values = store.all()
        print("\n".join(f"{name}: (set, {len(value)} characters)" for name, value in values.items())
              or "(no config vars)")
    return 0


def cmd_images(args: argparse.Namespace) -> int:
    runner = runners.choose("container", os.environ, say)
    unknown = [name for name in args.stacks if name not in STACKS]
    if unknown:
        raise LocalHerokuError(f"unknown stack(s) {', '.join(unknown)}; known: {', '.join(STACKS)}")
    for name in args.stacks or list(STACKS):
        runner.images = None  # type: ignore[attr-defined]
        runner.prepare(STACKS[name], say)
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's copy of an option must not reset what was given before the subcommand.
    common.add_argument("--app", default=argparse.SUPPRESS, help="the app's directory (default: the current one)")
    common.add_argument("--work", default=argparse.SUPPRESS,
                        help="where slug, cache, config and logs live (default: .local/<app>)")
    top = argparse.ArgumentParser(prog="localheroku", description=__doc__, parents=[common],
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = commands.add_parser("build", parents=[common], help="detect, compile and release the app")
    b.add_argument("app_dir", nargs="?", help="the app's directory (default: --app or the current one)")
    b.add_argument("--stack", default=os.environ.get("STACK") or DEFAULT_STACK, choices=sorted(STACKS))
    b.add_argument("--runner", choices=["container", "sandbox"], help="default: $RUNNER, else container if one works")
    b.add_argument("--buildpacks", help="buildpack dirs in order, comma-separated (default: $BUILDPACKS or this one)")
    b.add_argument("--config", action="append", default=[], metavar="K=V", help="also persisted, as config:set")
    b.add_argument("--no-network", action="store_true")
    b.add_argument("--build-dir-name", help="replaces the hash in /tmp/build_<hash>; absolute = whole path")
    b.add_argument("--buildpack", help="one buildpack dir (default: this repo)")
    b.add_argument("--ci", action="store_true", help="BUILD_DIR=/app, as Heroku CI")
    b.add_argument("--cache-in-place", action="store_true",
                   help="mount WORK/cache itself (as Dokku does), not a copy kept only on success")
    b.add_argument("--tarball", action=argparse.BooleanOptionalAction, default=False,
                   help="also write WORK/slug.tgz, as Heroku stores the slug, and say its size (takes seconds)")
    r = commands.add_parser("run", parents=[common], help="all process types (release first), or a one-off command")
    r.add_argument("one_off", nargs=argparse.REMAINDER, metavar="COMMAND", help="a one-off dyno's command (heroku run)")
    r.add_argument("--port", type=int, help="the web dyno's PORT (default: $PORT, else a free one)")
    r.add_argument("--router-port", type=int, default=0)
    r.add_argument("--type", action="append", default=[], help="only these process types")
    r.add_argument("--config", action="append", default=[], metavar="K=V", help="for this run only")
    r.add_argument("--no-release", action="store_true")
    r.add_argument("--check", action="append", default=[], metavar="PATH", help="GET PATH once up, then stop")
    r.add_argument("--timeout", type=float, default=60.0)
    commands.add_parser("config", parents=[common], help="config var names")
    s = commands.add_parser("config:set", parents=[common], help="NAME=VALUE ...")
    s.add_argument("pairs", nargs="+", metavar="NAME=VALUE")
    g = commands.add_parser("config:get", parents=[common], help="print one value")
    g.add_argument("name")
    u = commands.add_parser("config:unset", parents=[common], help="NAME ...")
    u.add_argument("names", nargs="+")
    i = commands.add_parser("images", parents=[common], help="pull or make the stack images now")
    i.add_argument("stacks", nargs="*", metavar="STACK", help=f"default: all of {', '.join(STACKS)}")
    commands.add_parser("help", help="this text")
    return top


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)  # so a killed tool still stops its dynos
    handlers = {"build": cmd_build, "run": cmd_run, "config": cmd_config, "config:set": cmd_config,
                "config:get": cmd_config, "config:unset": cmd_config, "images": cmd_images}
    if args.command == "help":
        top.print_help()
        return 0
    try:
        return handlers[args.command](args)
    except LocalHerokuError as error:
        print(f" !     {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


__all__ = ["REPO", "main"]
