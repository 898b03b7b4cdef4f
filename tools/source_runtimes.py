"""Runtimes built from source inside a stack's stand-in image, for stores on machines like this one.

CPython's source comes from Debian's archive (the recipes: localheroku/runtimes.py): `apt-get
source --download-only` with a deb-src entry, so the tarball is checked against the sha256 in
Debian's signed source index, or, for a version the pool keeps but no index lists any more, the
.dsc checked against its uploader's key in Debian's keyring. It is built in the stand-in build
image it is for (Debian 11 for heroku-20: glibc 2.31, OpenSSL 1.1.1), installed at a host path
mounted at the same path inside, packed by make_runtimes exactly like a pyenv build (relocated,
trimmed, stripped, indexed) and merged with the repacks that stand-in can run into one store.
Each build is keyed by its inputs (image, source package and version, configure flags) and made
once per machine; the builder runs this for a (stack, minor) the first time an app asks for it.

    python3 tools/source_runtimes.py [--root DIR] [--stack heroku-20] [--minor 3.11] [--all]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_runtimes  # noqa: E402
from localheroku.builder import runtime_store  # noqa: E402
from localheroku.contract import SOURCE_RUNTIMES, LocalHerokuError  # noqa: E402
from localheroku.images import MIRROR  # noqa: E402
from localheroku.runners.container import ContainerRunner, find_engine  # noqa: E402
from localheroku.runtimes import RECIPES, SETUP_BUILDS, SourceRuntime, merge_store, stacks_of  # noqa: E402
from localheroku.stacks import STACKS  # noqa: E402

FORMAT = 2
# Not PGO, no test suite: CI time matters more than the last 10% of speed.
# The test suite is not installed (make_runtimes would drop it anyway): a third less to install
# and byte-compile.
CONFIGURE = ("--enable-shared", "--with-ensurepip=no", "--without-static-libpython", "--disable-test-modules")
# Where the sources are fetched: an image whose keyring knows the newer suites' keys.
FETCH_STACK = "heroku-24"
# A mirror serves a suite's index for a while after its Valid-Until (a frozen or slow mirror: this
# machine's is a month behind). Freshness is all that check adds: the index's signature is still
# checked, and the tarball against the sha256 it lists.
APT = "apt-get -o Acquire::Check-Valid-Until=false"


def fetch_script(recipe: SourceRuntime) -> str:
    """Fetch the recipe's source package into /src, checked against a signature of Debian's."""
    if recipe.index_suite:  # the archive's signed source index lists it
        return (f"set -eu; echo 'deb-src {MIRROR} {recipe.index_suite} main' > /etc/apt/sources.list.d/localheroku-src.list"
                f" && {APT} update -qq && cd /src && {APT} source --download-only -qq {recipe.package}={recipe.version}")
    # The .dsc is signed by its uploader; Debian's keyring package (from the signed archive) has
    # the key; the signed part lists every file's sha256.
    pool = f"{MIRROR}/pool/main/p/{recipe.package}"
    dsc = f"{recipe.package}_{recipe.version}.dsc"
    return ("set -eu; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            "--no-install-recommends debian-keyring > /dev/null && cd /src"
            f" && curl -fsSO {pool}/{dsc}"
            f" && gpgv --keyring /usr/share/keyrings/debian-keyring.gpg --output /tmp/signed.dsc {dsc}"
            " && sed -n '/^Checksums-Sha256:/,/^[^ ]/{/^ /p}' /tmp/signed.dsc > /tmp/sums"
            f" && while read -r sum size name; do curl -fsSO {pool}/$name"
            " && echo \"$sum  $name\" | sha256sum -c --quiet; done < /tmp/sums")


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


def key(image: str, recipe: SourceRuntime) -> str:
    inputs = {"format": FORMAT, "image": image, "package": recipe.package, "version": recipe.version,
              "index": recipe.index_suite, "configure": CONFIGURE, "tool_format": make_runtimes.TOOL_FORMAT}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env)
    if result.returncode != 0:
        raise LocalHerokuError(f"`{' '.join(argv[:3])} ...` failed with status {result.returncode}")


IMAGES: dict[str, str] = {}  # stack -> its build image, found (pulled or made) once per run


def image_of(stack_name: str, runner: ContainerRunner) -> str:
    if stack_name not in IMAGES:
        runner.images = None
        runner.prepare(STACKS[stack_name], say)
        assert runner.images is not None
        IMAGES[stack_name] = runner.images[0]
    return IMAGES[stack_name]


def say(text: str) -> None:
    print(f"-----> {text}", flush=True)


def is_built(recipe: SourceRuntime, base: Path, image: str) -> bool:
    stamp = base / f"{recipe.package}.key"
    return (stamp.is_file() and stamp.read_text().strip() == key(image, recipe)
            and (base / "prefixes" / recipe.upstream / "bin").is_dir())


def make(recipe: SourceRuntime, base: Path, image: str, runner: ContainerRunner) -> None:
    """Fetch, build and install RECIPE into BASE/prefixes/<version>, in IMAGE; stamped with its key."""
    src = base / "src" / recipe.package
    subprocess.run(["rm", "-rf", str(src)], check=True)
    src.mkdir(parents=True)
    engine_env = runner.engine_env()
    say(f"Fetching {recipe.package} {recipe.version} from Debian's archive "
        f"({'its signed ' + recipe.index_suite + ' source index' if recipe.index_suite else 'its signed .dsc'})")
    run([runner.engine.name, "run", "--rm", "--network", "host", "--volume", f"{src}:/src",
         image_of(FETCH_STACK, runner), "bash", "-c", fetch_script(recipe)], engine_env)
    tarball = f"{recipe.package}_{recipe.upstream}.orig.tar"
    tarballs = sorted(p.name for p in src.glob(tarball + ".*") if not p.name.endswith(".asc"))
    if not tarballs:
        raise LocalHerokuError(f"no upstream tarball {tarball}.* among {sorted(os.listdir(src))}")
    prefixes = (base / "prefixes").absolute()
    prefix = prefixes / recipe.upstream
    subprocess.run(["rm", "-rf", str(prefix)], check=True)
    prefixes.mkdir(parents=True, exist_ok=True)
    say(f"Building CPython {recipe.upstream} in {image} (make -j2, no PGO, no tests: a few minutes)")
    started = time.monotonic()
    run([runner.engine.name, "run", "--rm", "--network", "none", "--volume", f"{src}:/src:ro",
         "--volume", f"{prefixes}:{prefixes}", image, "bash", "-c", build_script(tarballs[0], str(prefix))], engine_env)
    say(f"Built CPython {recipe.upstream} in {time.monotonic() - started:.0f} s")
    subprocess.run(["rm", "-rf", str(src)], check=True)
    (base / f"{recipe.package}.key").write_text(key(image, recipe) + "\n")


def refresh_store(suite: str, base: Path, image: str) -> None:
    """Pack what is built for SUITE (BASE/built), then merge it with the repacks SUITE can run
    into BASE/store, the one store the builder hands that stand-in."""
    built = [recipe.upstream for recipe in RECIPES if recipe.suite == suite and is_built(recipe, base, image)]
    prefixes = base / "prefixes"
    for leftover in prefixes.iterdir() if prefixes.is_dir() else []:
        if leftover.name not in built:  # an older patch, or a recipe no longer listed
            subprocess.run(["rm", "-rf", str(leftover)], check=True)
    make_runtimes.build_store(prefixes, (base / "built").absolute(), built, stacks_of(suite))
    index = merge_store(base / "store", [base / "built", runtime_store(os.environ)], suite)
    say(f"Runtime store for the {suite} stand-in ({', '.join(stacks_of(suite))}): Python "
        + ", ".join(entry["version"] for entry in index["runtimes"]))


def wanted_recipes(args: argparse.Namespace) -> list[SourceRuntime]:
    suites = {STACKS[name].debian_suite for name in args.stack} if args.stack else None
    if args.all or suites:
        chosen = [recipe for recipe in RECIPES if suites is None or recipe.suite in suites]
    else:
        chosen = [recipe for recipe in RECIPES if (recipe.suite, recipe.minor) in SETUP_BUILDS]
    return [recipe for recipe in chosen if not args.minor or recipe.minor in args.minor]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("RUNTIMES_SRC_DIR") or SOURCE_RUNTIMES),
                        help=f"default: $RUNTIMES_SRC_DIR or {SOURCE_RUNTIMES} (one per machine)")
    parser.add_argument("--stack", action="append", default=[], choices=sorted(STACKS),
                        help="every recipe for this stack's stand-in (default: what make setup needs)")
    parser.add_argument("--minor", action="append", default=[], help="only this minor, e.g. 3.11")
    parser.add_argument("--all", action="store_true", help="every recipe for every stand-in")
    args = parser.parse_args(argv)
    recipes = wanted_recipes(args)
    if not recipes:
        print(f"No recipe builds Python {', '.join(args.minor) or '(any)'} for "
              f"{', '.join(args.stack) or 'the stand-ins'}.", flush=True)
        return 0
    engine = find_engine(os.environ.get("CONTAINER_ENGINE"), os.environ)
    if engine is None:
        print(" !     Source runtimes are built in the stand-in images: no working podman or docker", file=sys.stderr)
        return 1
    runner = ContainerRunner(engine, dict(os.environ, IMAGE="", RUN_IMAGE=""))
    root = args.root.absolute()
    try:
        for suite in sorted({recipe.suite for recipe in recipes}):
            base, image = root / suite, image_of(stacks_of(suite)[0], runner)
            for recipe in recipes:
                if recipe.suite != suite:
                    continue
                if is_built(recipe, base, image):
                    print(f"{recipe.package} {recipe.upstream} for the {suite} stand-in: unchanged, kept", flush=True)
                else:
                    make(recipe, base, image, runner)
            refresh_store(suite, base, image)
    except LocalHerokuError as error:
        print(f" !     {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
