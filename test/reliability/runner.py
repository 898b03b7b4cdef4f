"""One sandboxed build, run as a child process of the reliability suite.

The suite needs what the localheroku command line cannot express: config
var files with any name and value (a name with `=`, a value with a NUL byte), odd
entries in ENV_DIR (a directory, an unreadable file, a symlink), and one cache
directory shared by two builds at once (as a Dokku host mounts it). So this child
reads a JSON spec, adjusts the sandbox through localheroku's own functions and
calls localheroku.build(), streaming the build log on stdout. Running it as a
child lets the parent bound it with a timeout and SIGKILL its whole process group.

    python runner.py SPEC.json
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import localheroku  # noqa: E402
from localheroku import builder  # noqa: E402
from localheroku.runners import sandbox  # noqa: E402


def add_env_entries(env_dir: Path, entries: list) -> None:
    for entry in entries:
        path = env_dir / entry["name"]
        kind = entry["kind"]
        if kind == "dir":
            path.mkdir()
            (path / "inner").write_text("inside a directory")
        elif kind == "unreadable":
            path.write_bytes(entry.get("value", "x").encode())
            path.chmod(0)
        elif kind == "symlink":
            os.symlink(entry["target"], path)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "bytes":
            path.write_bytes(bytes.fromhex(entry["hex"]))
        else:
            raise ValueError(f"unknown env entry kind {kind!r}")


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    entries = spec.get("env_entries") or []
    shared_cache = spec.get("shared_cache")
    disk_limit_mb = spec.get("disk_limit_mb")

    write_env_dir = builder.write_env_dir

    def write_env_dir_with_entries(env_dir: Path, config: dict) -> None:
        write_env_dir(env_dir, config)
        add_env_entries(env_dir, entries)

    build_mounts = sandbox.build_mounts

    def build_mounts_adjusted(*args: object, **kwargs: object) -> list:
        mounts = build_mounts(*args, **kwargs)  # type: ignore[arg-type]
        if shared_cache:
            # Mounted over the build's own CACHE_DIR: both builds then write the same directory.
            mounts += ["--bind", shared_cache, localheroku.CACHE_DIR]
        if disk_limit_mb:
            # A small filesystem where the build installs Python and the packages: a full disk.
            build_dir = kwargs["build_dir"]
            mounts += ["--size", str(disk_limit_mb << 20), "--tmpfs", f"{build_dir}/.heroku"]
        return mounts

    # Patched where they are looked up: the builder writes ENV_DIR, the sandbox runner mounts.
    builder.write_env_dir = write_env_dir_with_entries  # type: ignore[assignment]
    sandbox.build_mounts = build_mounts_adjusted  # type: ignore[assignment]
    result = localheroku.build(
        spec["app"], spec["work"], stack=spec["stack"], config=spec.get("config") or {},
        network=spec.get("network", True), build_dir_name=spec.get("build_dir_name"),
        extra_env=spec.get("extra_env") or {}, echo=True, cache_in_place=spec.get("in_place", True),
        host_env=os.environ)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
