"""Build the runtime store: relocatable CPython archives plus an index.json.

Takes the CPython installs under a pyenv `versions/` directory (3.8 or newer), trims each
one (no site-packages content, no test suites, no static libpython, no pip), makes it
relocatable (RUNPATHs made $ORIGIN-relative, baked-in prefix rewritten to
/app/.heroku/python), packs it as `python-X.Y.Z-<arch>.tar.gz` and describes it in
`index.json` (sha256, size, the glibc and OpenSSL it needs). Unchanged interpreters are not
repacked. Host tool: Python 3.11, standard library, GNU tar, gzip, patchelf, readelf.

    python3 tools/make_runtimes.py [--source DIR] [--out DIR] [--versions 3.12.1,3.13.0]
                                   [--stacks "heroku-20 heroku-22 heroku-24"]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))

# The index's format and the architecture names are the buildpack's, which reads the index.
from buildpack.python.runtime_store import ARCHES, INDEX_FORMAT, machine_arch  # noqa: E402

# Bump whenever the packing changes, so that every archive is rebuilt once.
TOOL_FORMAT = 3
TARGET_PREFIX = "/app/.heroku/python"
DEFAULT_SOURCE = "/root/.pyenv/versions"
DEFAULT_OUT = str(Path(__file__).resolve().parent.parent / ".runtimes")
DEFAULT_STACKS = "heroku-20 heroku-22 heroku-24"
MIN_VERSION = (3, 8)
TEST_DIRS = {"test", "tests", "idle_test"}
STATE_FILE = ".state.json"
INDEX_FILE = "index.json"


def parse_version(text: str) -> tuple[int, int, int] | None:
    """(3, 12, 1) for "3.12.1"; None for anything else (3.12-dev, 3.13.0t, pypy...)."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else None  # type: ignore[return-value]


def short_version(version: str) -> str:
    return ".".join(version.split(".")[:2])


def select_versions(source: Path, wanted: list[str] | None) -> list[str]:
    """Versions found in `source` that are >= 3.8, limited to `wanted` if given, sorted."""
    found = set()
    for entry in source.iterdir() if source.is_dir() else []:
        parsed = parse_version(entry.name)
        interpreter = entry / "bin" / f"python{short_version(entry.name)}"
        if parsed and parsed[:2] >= MIN_VERSION and interpreter.is_file():
            found.add(entry.name)
    if wanted:
        missing = sorted(set(wanted) - found)
        if missing:
            raise SystemExit(f"not found in {source} (or older than 3.8): {', '.join(missing)}")
        found = set(wanted)
    return sorted(found, key=lambda version: parse_version(version) or (0, 0, 0))


def host_arch() -> str:
    machine = platform.machine()
    if machine.lower() not in ARCHES:
        raise SystemExit(f"unsupported architecture: {machine}")
    return machine_arch(machine)


def archive_name(version: str, arch: str) -> str:
    return f"python-{version}-{arch}.tar.gz"


def dropped_names(rel_dir: str, names: list[str], xy: str) -> set[str]:
    """Which entries of prefix-relative directory `rel_dir` must not be copied.

    Pure, so that the trimming rules can be tested without a real install.
    """
    stdlib = f"lib/python{xy}"
    if rel_dir == f"{stdlib}/site-packages":
        return set(names)  # pip, setuptools and a machine-specific .pth; keep the dir
    if rel_dir == "bin":
        # Only what CPython's own `make install` puts there: anything else is a console
        # script of a site-packages distribution that is not shipped.
        own = re.compile(rf"(python|pydoc|idle|2to3)(3|{re.escape(xy)}|-{re.escape(xy)})?"
                         rf"(-config|-gdb\.py)?")
        return {name for name in names if not own.fullmatch(name)}
    if rel_dir.startswith(f"{stdlib}/config-"):
        return {name for name in names if re.fullmatch(r"libpython.*\.a", name)}
    if rel_dir == stdlib or rel_dir.startswith(stdlib + "/"):
        # Bytecode for `python -O`/`-OO` is a quarter of the stdlib's size and almost never
        # used on a dyno; Python writes it on demand if it is.
        optimised = {name for name in names if re.search(r"\.opt-[12]\.pyc$", name)}
        return {name for name in names if name in TEST_DIRS} | optimised
    return set()


def copy_trimmed(source: Path, stage: Path, xy: str) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = Path(directory).relative_to(source).as_posix()
        return dropped_names("" if rel == "." else rel, names, xy)

    # copy2 keeps mtimes: the shipped .pyc files are only valid for the sources' mtimes.
    shutil.copytree(source, stage, symlinks=True, ignore=ignore)


def iter_files(root: Path):
    """Regular files (not symlinks) under root."""
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            if not path.is_symlink():
                yield path


def is_linked_elf(path: Path) -> bool:
    """An ELF executable or shared object (not a .o: patchelf and readelf -V refuse those)."""
    with path.open("rb") as handle:
        header = handle.read(18)
    if len(header) < 18 or header[:4] != b"\x7fELF":
        return False
    e_type = int.from_bytes(header[16:18], "little" if header[5] == 1 else "big")
    return e_type in (2, 3)  # ET_EXEC, ET_DYN


def normalize_modes(stage: Path) -> None:
    """0755 for directories and executables, 0644 for the rest (installs ship some 0555)."""
    for directory, _, files in os.walk(stage):
        os.chmod(directory, 0o755)
        for name in files:
            path = Path(directory, name)
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def relocated_rpath(rpath: str, elf: Path, stage: Path, old_prefix: str) -> str:
    """Each entry inside the old prefix becomes $ORIGIN-relative; others are kept."""
    entries = []
    for entry in rpath.split(":"):
        if entry == old_prefix or entry.startswith(old_prefix + "/"):
            target = stage / entry[len(old_prefix):].lstrip("/")
            relative = os.path.relpath(target, elf.parent)
            entry = "$ORIGIN" if relative == "." else f"$ORIGIN/{relative}"
        entries.append(entry)
    return ":".join(entries)


def fix_rpaths(stage: Path, elves: list[Path], old_prefix: str) -> None:
    for elf in elves:
        rpath = subprocess.run(["patchelf", "--print-rpath", elf], check=True,
                               capture_output=True, text=True).stdout.strip()
        fixed = relocated_rpath(rpath, elf, stage, old_prefix)
        if fixed != rpath:
            subprocess.run(["patchelf", "--set-rpath", fixed, elf], check=True)


def strip_debug_info(elves: list[Path]) -> None:
    """Debug info is most of libpython's size, and every build copies the runtime twice."""
    if elves:
        subprocess.run(["strip", "--strip-debug", *map(str, elves)], check=True)


def rewritten_text(data: bytes, old_prefix: str, xy: str) -> bytes:
    """Shebangs into the old prefix -> `env pythonX.Y`; other mentions -> /app/.heroku/python."""
    old = old_prefix.encode()
    if data.startswith(b"#!") and old in data.split(b"\n", 1)[0]:
        rest = data.split(b"\n", 1)[1] if b"\n" in data else b""
        data = f"#!/usr/bin/env python{xy}\n".encode() + rest
    return data.replace(old, TARGET_PREFIX.encode())


def rewrite_text_files(stage: Path, files: list[Path], old_prefix: str, xy: str) -> list[Path]:
    """Rewrite the prefix in every text file mentioning it; returns the .py files changed."""
    changed = []
    for path in files:
        if path.suffix in (".pyc", ".a", ".o"):
            continue
        data = path.read_bytes()
        if old_prefix.encode() not in data or b"\0" in data:
            continue  # binaries keep it: libpython's compiled-in PREFIX is only a fallback
        path.write_bytes(rewritten_text(data, old_prefix, xy))
        if path.suffix == ".py":
            changed.append(path)
    return changed


def recompile(stage: Path, xy: str, sources: list[Path]) -> None:
    """Refresh the .pyc files of edited modules (their size changed, so they are stale)."""
    cached = [src for src in sources if any((src.parent / "__pycache__").glob(f"{src.stem}.*.pyc"))]
    if not cached:
        return
    script = ("import py_compile, sys\n"
              "stage, target = sys.argv[1:3]\n"
              "for f in sys.argv[3:]:\n"
              "    for opt in (0, 1, 2):\n"
              "        py_compile.compile(f, dfile=target + f[len(stage):], doraise=True,\n"
              "            optimize=opt, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)\n")
    # Running the staged interpreter doubles as a smoke test of the relocation.
    subprocess.run([stage / "bin" / f"python{xy}", "-E", "-s", "-c", script,
                    str(stage), TARGET_PREFIX, *map(str, cached)], check=True)


def ensure_python_links(stage: Path, xy: str) -> None:
    for name in ("python3", "python"):
        link = stage / "bin" / name
        if not link.is_symlink() or os.readlink(link) != f"python{xy}":
            link.unlink(missing_ok=True)
            link.symlink_to(f"python{xy}")


def highest_glibc(readelf_output: str) -> str | None:
    """Highest GLIBC_x.y in `readelf -V` output (the version-needs entries)."""
    found = re.findall(r"Name: GLIBC_(\d+(?:\.\d+)+)", readelf_output)
    return max(found, key=lambda v: tuple(map(int, v.split(".")))) if found else None


def openssl_from_needed(readelf_output: str) -> str | None:
    """"3" for NEEDED libssl.so.3, "1.1" for libssl.so.1.1, in `readelf -d` output."""
    match = re.search(r"\[libssl\.so\.([\d.]+)\]", readelf_output)
    return match.group(1) if match else None


def readelf(*args: str | Path) -> str:
    return subprocess.run(["readelf", *map(str, args)], check=True,
                          capture_output=True, text=True).stdout


def machine_requirements(stage: Path, elves: list[Path], xy: str) -> dict[str, str | None]:
    ssl = sorted((stage / "lib" / f"python{xy}" / "lib-dynload").glob("_ssl*.so"))
    return {
        "glibc": highest_glibc(readelf("-V", "--wide", *elves)) if elves else None,
        "openssl": openssl_from_needed(readelf("-d", ssl[0])) if ssl else None,
    }


def pack(stage: Path, archive: Path) -> None:
    """tar | gzip -1 in two processes: one core archives while the other compresses."""
    members = sorted(os.listdir(stage))
    tar_cmd = ["tar", "-C", str(stage), "--sort=name", "--owner=0", "--group=0",
               "--numeric-owner", "-cf", "-", *members]
    with archive.open("wb") as out:
        tar = subprocess.Popen(tar_cmd, stdout=subprocess.PIPE)
        gzip = subprocess.run(["gzip", "-1", "-n"], stdin=tar.stdout, stdout=out)
        tar.stdout.close()  # type: ignore[union-attr]
        if tar.wait() != 0 or gzip.returncode != 0:
            raise RuntimeError(f"packing {archive.name} failed")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(prefix: Path, version: str) -> dict:
    """Cheap identity of a source install: changes when it is rebuilt or reinstalled."""
    xy = short_version(version)

    def stamp(path: Path) -> list[int] | None:
        return [path.stat().st_size, path.stat().st_mtime_ns] if path.exists() else None

    return {"tool_format": TOOL_FORMAT, "version": version,
            "python": stamp(prefix / "bin" / f"python{xy}"),
            "libpython": stamp(prefix / "lib" / f"libpython{xy}.so.1.0")}


def is_unchanged(record: dict | None, print_: dict, archive: Path) -> bool:
    return (record is not None and record.get("fingerprint") == print_
            and archive.is_file() and archive.stat().st_size == record.get("size")
            and sha256_of(archive) == record.get("sha256"))


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def load_state(out: Path) -> dict[str, dict]:
    try:
        state = json.loads((out / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state.get("runtimes", {}) if state.get("format") == TOOL_FORMAT else {}


def index_document(records: dict[str, dict], arch: str, stacks: list[str]) -> dict:
    runtimes = [{"version": version, "arch": arch, "stacks": list(stacks),
                 "file": records[version]["file"], "sha256": records[version]["sha256"],
                 "size": records[version]["size"], "requires": records[version]["requires"]}
                for version in sorted(records, key=lambda version: parse_version(version) or (0, 0, 0))]
    return {"format": INDEX_FORMAT, "runtimes": runtimes}


def build_runtime(prefix: Path, version: str, out: Path, arch: str) -> dict:
    """Stage, relocate and pack one interpreter; returns its state record."""
    xy = short_version(version)
    name = archive_name(version, arch)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    partial = out / f".{name}.tmp"
    try:
        stage = staging / "python"
        copy_trimmed(prefix, stage, xy)
        normalize_modes(stage)
        files = list(iter_files(stage))
        elves = [path for path in files if is_linked_elf(path)]
        old_prefix = str(prefix)
        fix_rpaths(stage, elves, old_prefix)
        strip_debug_info(elves)
        recompile(stage, xy, rewrite_text_files(stage, files, old_prefix, xy))
        ensure_python_links(stage, xy)
        requires = machine_requirements(stage, elves, xy)
        pack(stage, partial)
        os.replace(partial, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    archive = out / name
    return {"fingerprint": fingerprint(prefix, version), "file": name,
            "sha256": sha256_of(archive), "size": archive.stat().st_size, "requires": requires}


def build_store(source: Path, out: Path, versions: list[str], stacks: list[str]) -> dict:
    arch = host_arch()
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.glob(".staging-*"):  # from an interrupted run
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in out.glob(".*.tmp"):
        leftover.unlink()
    old = load_state(out)
    kept = {v: old[v] for v in versions
            if is_unchanged(old.get(v), fingerprint(source / v, v), out / archive_name(v, arch))}
    wanted = {archive_name(v, arch) for v in versions}
    stale = [path for path in out.glob("python-*.tar.gz") if path.name not in wanted]
    if len(kept) < len(versions) or stale:
        # An index must never describe archives that are being replaced: drop it first.
        (out / INDEX_FILE).unlink(missing_ok=True)
    for path in stale:
        path.unlink()
        print(f"{path.name}: no longer selected, removed")
    records = dict(kept)
    for version in versions:
        if version in kept:
            print(f"{version}: unchanged, kept ({kept[version]['size'] / 1e6:.1f} MB)")
            continue
        started = time.monotonic()
        records[version] = build_runtime(source / version, version, out, arch)
        # Saved after each archive so that an interrupted run keeps what it finished.
        write_json_atomic(out / STATE_FILE, {"format": TOOL_FORMAT, "runtimes": records})
        print(f"{version}: packed in {time.monotonic() - started:.1f}s "
              f"({records[version]['size'] / 1e6:.1f} MB)")
    write_json_atomic(out / STATE_FILE, {"format": TOOL_FORMAT, "runtimes": records})
    index = index_document(records, arch, stacks)
    write_json_atomic(out / INDEX_FILE, index)  # last: its presence means the store is whole
    return index


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path(DEFAULT_SOURCE),
                        help=f"pyenv versions directory (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT),
                        help="runtime store directory (default: .runtimes in the repo)")
    parser.add_argument("--versions", help="comma-separated X.Y.Z list (default: all >= 3.8)")
    parser.add_argument("--stacks", default=os.environ.get("STACKS") or DEFAULT_STACKS,
                        help=f"stacks the index offers the archives for (default $STACKS "
                             f"or {DEFAULT_STACKS!r})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    wanted = [v.strip() for v in args.versions.split(",") if v.strip()] if args.versions else None
    versions = select_versions(args.source, wanted)
    if not versions:
        raise SystemExit(f"no CPython >= 3.8 found in {args.source}")
    stacks = args.stacks.replace(",", " ").split()
    started = time.monotonic()
    # absolute(), not resolve(): the prefix baked into the install is the path as given.
    build_store(args.source.absolute(), args.out.absolute(), versions, stacks)
    print(f"runtime store {args.out}: {len(versions)} runtime(s) in "
          f"{time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
