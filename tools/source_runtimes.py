"""Runtimes built from source inside a stack's stand-in image, for stores on machines like this one.

CPython's source comes from Debian's archive: `apt-get source --download-only` with a deb-src
entry, so the tarball is checked against the sha256 in Debian's signed source index. It is built
in the stand-in build image of the stack it is for (Debian 11 for heroku-20: glibc 2.31,
OpenSSL 1.1.1), installed at a host path mounted at the same path inside, and then packed by
make_runtimes exactly like a pyenv build (relocated, trimmed, stripped, indexed). Each build is
keyed by its inputs (image, source package and suite, configure flags) and made once per machine.

    python3 tools/source_runtimes.py [--root DIR] [--only heroku-20]
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_runtimes  # noqa: E402
from localheroku.contract import SOURCE_RUNTIMES, LocalHerokuError  # noqa: E402
from localheroku.runners.container import ContainerRunner, find_engine  # noqa: E402
from localheroku.stacks import STACKS  # noqa: E402

FORMAT = 1
# Not PGO, no test suite: CI time matters more than the last 10% of speed.
# The test suite is not installed (make_runtimes would drop it anyway): a third less to install
# and byte-compile.
CONFIGURE = ("--enable-shared", "--with-ensurepip=no", "--without-static-libpython", "--disable-test-modules")
# Where the sources are fetched: an image whose keyring knows the newer suites' keys.
FETCH_STACK = "heroku-24"


@dataclasses.dataclass(frozen=True)
class SourceRuntime:
    stack: str           # the stand-in it is built in (its Debian suite)
    package: str         # Debian source package
    source_suite: str    # the Debian suite carrying that source
    stacks: tuple[str, ...]  # the stacks the store offers it for


RUNTIMES = (
    # heroku-20's glibc 2.31: Django 5.2 needs Python >= 3.10, trixie carries 3.13.
    SourceRuntime("heroku-20", "python3.13", "trixie", ("heroku-20",)),
    # Not yet: Python 3.14 (sid) for the Debian 12 stand-ins and the local store. It needs the
    # store to merge these archives with the pyenv ones (one index per store), and another
    # ~10 minutes of CI on a cold machine.
)


def fetch_script(package: str, suite: str) -> str:
    return (f"echo 'deb-src http://deb.debian.org/debian {suite} main' > /etc/apt/sources.list.d/localheroku-src.list"
            " && apt-get update -qq && cd /src && apt-get source --download-only -qq " + package)


def build_script(tarball: str, prefix: str) -> str:
    flags = " ".join(CONFIGURE)
    return ("set -eu; cd /tmp && tar -xf /src/" + tarball + " && cd Python-*/ && "
            f"./configure --prefix={prefix} {flags} LDFLAGS=-Wl,-rpath,{prefix}/lib > /tmp/configure.log"
            " || { tail -50 /tmp/configure.log config.log; exit 1; }; "
            "make -j2 -s > /tmp/make.log 2>&1 || { tail -80 /tmp/make.log; exit 1; }; "
            # Say which optional modules could not be built (a missing -dev package in the image).
            "grep -A3 'necessary bits\\|Failed to build' /tmp/make.log || true; "
            # compileall on every core: the install's slowest part after the compile itself.
            "make -s install COMPILEALL_OPTS=-j0 > /tmp/install.log 2>&1 || { tail -80 /tmp/install.log; exit 1; }")


def key(image: str, spec: SourceRuntime) -> str:
    inputs = {"format": FORMAT, "image": image, "package": spec.package, "suite": spec.source_suite,
              "configure": CONFIGURE, "tool_format": make_runtimes.TOOL_FORMAT}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env)
    if result.returncode != 0:
        raise LocalHerokuError(f"`{' '.join(argv[:3])} ...` failed with status {result.returncode}")


def make(spec: SourceRuntime, root: Path, runner: ContainerRunner) -> None:
    stack = STACKS[spec.stack]
    say = lambda text: print(f"-----> {text}", flush=True)  # noqa: E731
    runner.images = None
    runner.prepare(stack, say)
    assert runner.images is not None
    image = runner.images[0]
    base = root / stack.debian_suite
    stamp_file = base / f"{spec.package}.key"
    wanted = key(image, spec)
    if stamp_file.is_file() and stamp_file.read_text().strip() == wanted and (base / "store" / "index.json").is_file():
        print(f"{spec.package} for {spec.stack} ({stack.debian_suite}): unchanged, kept", flush=True)
        return
    src = base / "src" / spec.package
    subprocess.run(["rm", "-rf", str(src)], check=True)
    src.mkdir(parents=True)
    engine_env = runner.engine_env()
    runner.images = None
    runner.prepare(STACKS[FETCH_STACK], say)
    assert runner.images is not None
    say(f"Fetching {spec.package} from Debian {spec.source_suite} (checked against its signed source index)")
    run([runner.engine.name, "run", "--rm", "--network", "host", "--volume", f"{src}:/src", runner.images[0],
         "bash", "-c", fetch_script(spec.package, spec.source_suite)], engine_env)
    tarballs = sorted(p.name for p in src.glob("*.orig.tar.*") if not p.name.endswith(".asc"))
    match = re.fullmatch(r"python3\.\d+_(\d+\.\d+\.\d+)\.orig\.tar\.\w+", tarballs[0]) if tarballs else None
    if match is None:
        raise LocalHerokuError(f"no upstream tarball among {sorted(os.listdir(src))}")
    version = match.group(1)
    prefixes = (base / "prefixes").absolute()
    prefix = prefixes / version
    subprocess.run(["rm", "-rf", str(prefix)], check=True)
    prefixes.mkdir(parents=True, exist_ok=True)
    say(f"Building CPython {version} in {image} (make -j2, no PGO, no tests)")
    started = time.monotonic()
    run([runner.engine.name, "run", "--rm", "--network", "none", "--volume", f"{src}:/src:ro",
         "--volume", f"{prefixes}:{prefixes}", image, "bash", "-c", build_script(tarballs[0], str(prefix))], engine_env)
    say(f"Built CPython {version} in {time.monotonic() - started:.0f} s; packing it")
    store = base / "store"
    built = sorted(p.name for p in prefixes.iterdir() if make_runtimes.parse_version(p.name))
    make_runtimes.build_store(prefixes, store.absolute(), built, list(spec.stacks) if len(built) == 1 else
                              sorted({s for r in RUNTIMES if STACKS[r.stack].debian_suite == stack.debian_suite
                                      for s in r.stacks}))
    stamp_file.write_text(wanted + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("RUNTIMES_SRC_DIR") or SOURCE_RUNTIMES),
                        help=f"default: $RUNTIMES_SRC_DIR or {SOURCE_RUNTIMES} (one per machine)")
    parser.add_argument("--only", action="append", default=[], help="stack(s) to build for (default: all)")
    args = parser.parse_args(argv)
    engine = find_engine(os.environ.get("CONTAINER_ENGINE"), os.environ)
    if engine is None:
        print(" !     Source runtimes are built in the stand-in images: no working podman or docker", file=sys.stderr)
        return 1
    runner = ContainerRunner(engine, dict(os.environ, IMAGE="", RUN_IMAGE=""))
    try:
        for spec in RUNTIMES:
            if not args.only or spec.stack in args.only:
                make(spec, args.root.absolute(), runner)
    except LocalHerokuError as error:
        print(f" !     {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
