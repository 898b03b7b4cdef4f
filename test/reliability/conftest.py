"""The reliability suite's shared builds and its figures.

One cold build of the base app per session; every case that needs a warm cache
starts from a hard-linked copy of its cache. Each test carries a `figure` marker
(cases, faults, kills, canaries, archives); the session ends with one line counting
the tests that passed per figure, and the failures.
"""
from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest

from reliability.harness import BASE_APP, assert_clean, make_app, run_build, signature, warm_copy

FIGURES = ("cases", "faults", "kills", "canaries", "archives")
_counts: collections.Counter = collections.Counter()
_ran = {"any": False}


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("figure")
        if marker is not None:
            # user_properties travel with the reports, from pytest-xdist's workers too.
            item.user_properties.append(("figure", marker.args[0]))


def pytest_runtest_logreport(report):
    figure = dict(report.user_properties).get("figure")
    if figure is None:
        return
    _ran["any"] = True
    if report.failed:
        _counts["failures"] += 1
    elif report.when == "call" and report.passed:
        _counts[figure] += 1


def pytest_unconfigure(config):
    if hasattr(config, "workerinput"):
        return  # a pytest-xdist worker: the controller counts and prints
    if _ran["any"]:  # after pytest's own summary, so it is the last line
        figures = ", ".join(f"{name} {_counts[name]}" for name in FIGURES)
        sys.stdout.write(f"{figures}, failures {_counts['failures']}\n")
        sys.stdout.flush()


@pytest.fixture(scope="session")
def base_cold(tmp_path_factory):
    """The base app built cold once (cache kept in place): (work, signature)."""
    root = tmp_path_factory.mktemp("base")
    app = make_app(root / "app", {})
    outcome = run_build(app, root / "work")
    assert_clean(outcome, expect="ok")
    return outcome.work, signature(outcome.work)


@pytest.fixture
def warm(base_cold, tmp_path) -> Path:
    """A private work dir whose cache is a copy of the base app's warm cache."""
    work, _ = base_cold
    return warm_copy(work, tmp_path / "work")


@pytest.fixture
def next_good_build(base_cold, tmp_path):
    """Build the base app on a work dir's cache and check it gives what the cold build gave."""
    _, cold = base_cold

    def check(work: Path, **options) -> None:
        app = tmp_path / "good-app"
        if not app.exists():
            make_app(app, {}, BASE_APP)
        outcome = run_build(app, work, **options)
        assert_clean(outcome, expect="ok")
        assert signature(work) == cold, outcome.output[-3000:]

    return check
