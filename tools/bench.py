"""`make bench`: how fast builds are, measured in the local sandbox (run by hand, not in CI).

For each reference app: cold build (empty cache), warm rebuild (nothing changed),
one requirement added, one removed, detect, release, slug size (compressed and
not) and web boot time to the first answered request. Each figure is the median
of BENCH_RUNS runs (default 3). Ratios are bin/compile's own time ("Build finished
in") to the cold build's, same app, same run; the wall times include the
sandbox's copying of the app and slug. Prints a table and writes bench-results.json.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import localheroku  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "test/fixtures/django_tutorial"
# name -> (app, requirements.txt to use instead of the app's own, requirement to add)
APPS = {
    "tutorial": (TUTORIAL, None, "six==1.17.0"),
    # The tutorial project over a real-world lock of about 100 packages.
    "large-lock": (TUTORIAL, REPO / "test/fixtures/bench_large/requirements.txt", "text-unidecode==1.3"),
}
TARGETS = {"warm": 0.15, "add": 0.35}


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def compile_seconds(output: str) -> float:
    """bin/compile's own figure ("Build finished in 4.8s" / "1m 5s"): the sandbox's copying excluded."""
    match = re.findall(r"-----> Build finished in (?:(\d+)m )?([\d.]+)s", output)
    minutes, seconds = match[-1]
    return int(minutes or 0) * 60 + float(seconds)


def build_or_fail(app: Path, work: Path) -> float:
    result = localheroku.build(app, work, echo=False, cache_in_place=True)
    if result.returncode != 0:
        raise SystemExit(f"build of {app} failed:\n{result.output[-3000:]}")
    return compile_seconds(result.output)


def compressed_size(slug: Path) -> int:
    with tempfile.TemporaryFile() as handle:
        with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as archive:
            archive.add(str(slug), arcname=".")
        return handle.tell()


def with_requirement(app: Path, dest: Path, extra: str | None, lock: Path | None = None) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(app, dest)
    requirements = dest / "requirements.txt"
    if lock is not None:
        shutil.copy2(lock, requirements)
    if extra:
        requirements.write_text(requirements.read_text() + extra + "\n")
    return dest


def measure_once(name: str, app: Path, lock: Path | None, extra: str, scratch: Path) -> Dict[str, float]:
    work = scratch / f"{name}-work"
    shutil.rmtree(work, ignore_errors=True)
    base = with_requirement(app, scratch / f"{name}-app", None, lock)
    figures: Dict[str, float] = {}
    added = with_requirement(app, scratch / f"{name}-app-added", extra, lock)
    for key, source in (("cold", base), ("warm", base), ("add", added), ("remove", base)):
        started = time.monotonic()
        figures[f"{key}_compile"] = build_or_fail(source, work)
        figures[key] = time.monotonic() - started
    removed = base
    figures["detect"] = timed(lambda: localheroku.detect(removed))
    release_argv = [str(REPO / "bin/release"), str(work / "slug")]
    figures["release"] = timed(lambda: subprocess.run(release_argv, capture_output=True, check=True))
    figures["slug_mb"] = localheroku.folder_size(work / "slug") / 2**20
    figures["slug_compressed_mb"] = compressed_size(work / "slug") / 2**20
    started = time.monotonic()
    with localheroku.start_web(work, release=False, echo=False):
        figures["web_boot"] = time.monotonic() - started
    return figures


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    selected = os.environ.get("BENCH_APPS", ",".join(APPS)).split(",")
    results: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for name in selected:
            app, lock, extra = APPS[name]
            samples = [measure_once(name, app, lock, extra, Path(scratch)) for _ in range(runs)]
            figures = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
            for key in ("warm", "add", "remove"):
                figures[f"{key}_ratio"] = figures[f"{key}_compile"] / figures["cold_compile"]
            results[name] = figures
            print(f"{name} (median of {runs}):")
            for key, value in figures.items():
                target = f"   (target <= {TARGETS[key[:-6]]})" if key.endswith("_ratio") and key[:-6] in TARGETS else ""
                print(f"  {key:20} {value:8.2f}{target}")
    (REPO / "bench-results.json").write_text(json.dumps({"runs": runs, "results": results}, indent=2) + "\n")
    print(f"Wrote {REPO / 'bench-results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
