"""`make bench`: how fast builds are, measured in the local sandbox (run by hand, not in CI).

For each reference app: a cold build with pip as the installer and one with uv (the
default), a warm rebuild (nothing changed), one requirement added, one removed,
detect, release, slug size (compressed and not) and web boot time to the first
answered request; then the scale line: the warm rebuild and the one-added rebuild of
the same project over 150 packages against its 5-package original; and a Wagtail site
(cold, warm, one added), whose collectstatic post-processes ~850 files. Each figure is
the median of BENCH_RUNS runs (default 3). Build figures are bin/compile's own time
("Build finished in"); `*_wall` figures are whole local builds (sandbox copies,
detect, compile, release), what `make build` takes. Prints a table, checks the
speed issues' goals, and writes bench-results.json. With OFFICIAL_BUILDPACK=/path (a
checkout of the official classic Python buildpack, never committed here) the tutorial is
also built cold, warm and with one requirement added by that buildpack, in the same
sandbox, and the ratios of whole-build wall times and slug sizes are checked; without it
those goals are "not measured".
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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import localheroku  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "test/fixtures/django_tutorial"
PIP = {"PYTHON_INSTALLER": "pip"}


@dataclass(frozen=True)
class App:
    """A reference app: the tutorial project (or another source), over its own requirements or a bigger lock."""

    lock: Optional[Path]  # a requirements.txt to use instead of the app's own
    extra: str  # the requirement the one-added build adds
    full: bool  # every figure, or only cold/warm/add (the scale line's 150 packages)
    source: Path = TUTORIAL
    config: Tuple[Tuple[str, str], ...] = ()  # its config vars


APPS = {
    "tutorial": App(None, "six==1.17.0", full=True),
    "large-lock": App(REPO / "test/fixtures/bench_large/requirements.txt", "text-unidecode==1.3", full=True),
    "scale-150": App(REPO / "test/fixtures/bench_scale/requirements.txt", "tomli-w==1.2.0", full=False),
    # Many static files: collectstatic post-processes ~850 of them (manifest storage, compression).
    "wagtail": App(None, "six==1.17.0", full=False, source=REPO / "test/fixtures/bench_wagtail",
                   config=(("DJANGO_SETTINGS_MODULE", "mysite.settings.production"),
                           ("SECRET_KEY", "bench-not-secret-4f9c2e7a1b8d6053e2a9c4f7b1d8e6a3"))),
}

# The goals of the speed issues: (figure, limit, what the figure is).
GOALS = (
    ("tutorial", "cold_uv_over_pip", 0.4, "cold build with uv / with pip"),
    ("large-lock", "cold_uv_over_pip", 0.4, "cold build with uv / with pip"),
    ("tutorial", "warm_compile", 0.5, "warm rebuild, bin/compile seconds"),
    ("tutorial", "warm_wall", 3.0, "warm rebuild, make build wall seconds"),
    ("tutorial", "add_compile", 3.0, "one requirement added, bin/compile seconds"),
    ("tutorial", "remove_compile", 2.0, "one requirement removed, bin/compile seconds"),
    ("scale", "warm_150_over_5", 1.2, "warm rebuild, 150 packages / 5"),
    ("scale", "add_150_over_5", 1.3, "one added, 150 packages / 5"),
    # Against the official classic buildpack (OFFICIAL_BUILDPACK=/path), same app, same sandbox, wall times.
    ("official", "cold_over_official", 0.5, "cold build, ours / official's"),
    ("official", "warm_over_official", 0.2, "warm rebuild, ours / official's"),
    ("official", "add_over_official", 0.15, "one added, ours / official's"),
    ("official", "slug_over_official", 0.5, "slug size, ours / official's"),
)


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def compile_seconds(output: str) -> float:
    """bin/compile's own figure ("Build finished in 4.8s" / "1m 5s"): the sandbox's copying excluded."""
    match = re.findall(r"-----> Build finished in (?:(\d+)m )?([\d.]+)s", output)
    minutes, seconds = match[-1]
    return int(minutes or 0) * 60 + float(seconds)


def build_or_fail(app: Path, work: Path, config: Optional[Dict[str, str]] = None) -> float:
    result = localheroku.build(app, work, config=config or {}, echo=False, cache_in_place=True, host_env=os.environ)
    if result.returncode != 0:
        raise SystemExit(f"build of {app} failed:\n{result.output[-3000:]}")
    return compile_seconds(result.output)


def compressed_size(slug: Path) -> int:
    with tempfile.TemporaryFile() as handle:
        with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as archive:
            archive.add(str(slug), arcname=".")
        return handle.tell()


def with_requirement(dest: Path, extra: Optional[str], lock: Optional[Path], source: Path = TUTORIAL) -> Path:
    """A copy of the `source` project, over `lock` if given, with `extra` added."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    requirements = dest / "requirements.txt"
    if lock is not None:
        shutil.copy2(lock, requirements)
    if extra:
        requirements.write_text(requirements.read_text() + extra + "\n")
    return dest


def measure_once(name: str, app: App, scratch: Path) -> Dict[str, float]:
    base = with_requirement(scratch / f"{name}-app", None, app.lock, app.source)
    added = with_requirement(scratch / f"{name}-app-added", app.extra, app.lock, app.source)
    config = dict(app.config)
    figures: Dict[str, float] = {}
    if app.full:
        pip_work = scratch / f"{name}-pip-work"
        shutil.rmtree(pip_work, ignore_errors=True)
        figures["cold_pip_compile"] = build_or_fail(base, pip_work, {**config, **PIP})
        shutil.rmtree(pip_work, ignore_errors=True)
    work = scratch / f"{name}-work"
    shutil.rmtree(work, ignore_errors=True)
    steps = (("cold", base), ("warm", base), ("add", added), ("remove", base)) if app.full else (
        ("cold", base), ("warm", base), ("add", added))
    for key, source in steps:
        started = time.monotonic()
        figures[f"{key}_compile"] = build_or_fail(source, work, config)
        figures[f"{key}_wall"] = time.monotonic() - started
    if not app.full:
        return figures
    figures["detect"] = timed(lambda: localheroku.detect(base, host_env=os.environ))
    release_argv = [str(REPO / "bin/release"), str(work / "slug")]
    figures["release"] = timed(lambda: subprocess.run(release_argv, capture_output=True, check=True))
    figures["slug_mb"] = localheroku.folder_size(work / "slug") / 2**20
    figures["slug_compressed_mb"] = compressed_size(work / "slug") / 2**20
    started = time.monotonic()
    with localheroku.start_web(work, release=False, echo=False):
        figures["web_boot"] = time.monotonic() - started
    return figures


def ratios(results: Dict[str, Dict[str, float]]) -> None:
    """Each app's rebuilds against its cold build; uv's cold build against pip's; the scale line."""
    for figures in results.values():
        for key in ("warm", "add", "remove"):
            if f"{key}_compile" in figures:
                figures[f"{key}_ratio"] = figures[f"{key}_compile"] / figures["cold_compile"]
        if "cold_pip_compile" in figures:
            figures["cold_uv_over_pip"] = figures["cold_compile"] / figures["cold_pip_compile"]
    if "tutorial" in results and "scale-150" in results:
        small, large = results["tutorial"], results["scale-150"]
        results["scale"] = {
            "warm_150_over_5": large["warm_compile"] / small["warm_compile"],
            "add_150_over_5": large["add_compile"] / small["add_compile"],
        }


def goal_lines(results: Dict[str, Dict[str, float]]) -> List[str]:
    """Each goal met or MISSED; "not measured" when its figures were not taken in this run
    (an app left out by BENCH_APPS, the official buildpack without OFFICIAL_BUILDPACK)."""
    lines = []
    for app, key, limit, what in GOALS:
        value = results.get(app, {}).get(key)
        if value is None:
            why = "OFFICIAL_BUILDPACK not given" if app == "official" else "not in BENCH_APPS"
            lines.append(f"  {'not measured':12} {app:10} {what:45} (goal <= {limit}; {why})")
            continue
        verdict = "met" if value <= limit else "MISSED"
        lines.append(f"  {verdict:12} {app:10} {what:45} {value:6.2f} (goal <= {limit})")
    return lines


def measure_official(buildpack: Path, scratch: Path) -> Dict[str, float]:
    """The tutorial built by the official buildpack (whose code is not in this repository):
    cold, warm, one added, as whole local builds (it prints no build time of its own)."""
    base = with_requirement(scratch / "official-app", None, None)
    added = with_requirement(scratch / "official-app-added", APPS["tutorial"].extra, None)
    work = scratch / "official-work"
    shutil.rmtree(work, ignore_errors=True)
    figures: Dict[str, float] = {}
    for key, source in (("cold", base), ("warm", base), ("add", added)):
        started = time.monotonic()
        result = localheroku.build(source, work, echo=False, cache_in_place=True, buildpacks=[buildpack],
                                   host_env=os.environ)
        if result.returncode != 0:
            raise SystemExit(f"the official buildpack's build of {source} failed:\n{result.output[-3000:]}")
        figures[f"{key}_wall"] = time.monotonic() - started
    figures["slug_mb"] = localheroku.folder_size(work / "slug") / 2**20
    return figures


def against_official(results: Dict[str, Dict[str, float]]) -> None:
    ours, theirs = results.get("tutorial", {}), results.get("official-buildpack")
    if not theirs or not ours:
        return
    results["official"] = {f"{key}_over_official": ours[f"{key}_wall"] / theirs[f"{key}_wall"]
                           for key in ("cold", "warm", "add") if f"{key}_wall" in ours}
    results["official"]["slug_over_official"] = ours["slug_mb"] / theirs["slug_mb"]


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    selected = os.environ.get("BENCH_APPS", ",".join(APPS)).split(",")
    results: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for name in selected:
            print(f"-----> {name}: {runs} run(s)", flush=True)
            samples = [measure_once(name, APPS[name], Path(scratch)) for _ in range(runs)]
            results[name] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        official = os.environ.get("OFFICIAL_BUILDPACK")
        if official and "tutorial" in selected:
            print(f"-----> the official buildpack ({official}): {runs} run(s)", flush=True)
            samples = [measure_official(Path(official), Path(scratch)) for _ in range(runs)]
            results["official-buildpack"] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    ratios(results)
    against_official(results)
    for name, figures in results.items():
        print(f"{name} (median of {runs}):")
        for key, value in figures.items():
            print(f"  {key:20} {value:8.2f}")
    print("Goals:")
    print("\n".join(goal_lines(results)))
    machine = f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    (REPO / "bench-results.json").write_text(
        json.dumps({"runs": runs, "machine": machine, "results": results}, indent=2) + "\n")
    print(f"Wrote {REPO / 'bench-results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
