"""Faults outside the app: a misbehaving runtime store, no network, a full disk, two builds at once.

Every fault ends in exit 0 (a transient fault retried) or a clean error, and the next
good build on the same cache gives what a cold build gives.
"""
from __future__ import annotations

import concurrent.futures

import pytest

from buildpack.fetch import ARCHIVE_POLICY
from reliability.faultserver import archive_requests, fault_server
from reliability.harness import (
    assert_clean,
    cache_generation,
    make_app,
    run_build,
    signature,
    warm_copy,
)

# No requirements: the build installs the runtime and pip only, so a fault in the
# runtime download is reached in seconds.
BARE = {"requirements.txt": None}


@pytest.fixture(scope="session")
def bare_cold(tmp_path_factory):
    """The base app without requirements, built cold from a fault-free store: its signature."""
    root = tmp_path_factory.mktemp("bare")
    app = make_app(root / "app", BARE)
    with fault_server("none") as server:
        outcome = run_build(app, root / "work", config={"PYTHON_RUNTIMES_URL": server.url})
    assert_clean(outcome, expect="ok")
    return signature(outcome.work)


ATTEMPTS = ARCHIVE_POLICY.attempts
STORE_FAULTS = [
    # fault, expected outcome, phrases, how many times the archive was asked for
    ("500", "error", ("500",), ATTEMPTS),
    ("503-once", "ok", (), 2),
    ("reset", "error", (), ATTEMPTS),
    ("reset-once", "ok", (), 2),
    ("truncate", "error", (), ATTEMPTS),
    ("wrong-bytes", "error", ("sha256",), 1),
    ("index-garbage", "error", ("index.json",), 0),
]


@pytest.mark.figure("faults")
@pytest.mark.parametrize("fault, expect, phrases, requests", STORE_FAULTS, ids=[f[0] for f in STORE_FAULTS])
def test_runtime_store_fault(fault, expect, phrases, requests, bare_cold, tmp_path):
    app = make_app(tmp_path / "app", BARE)
    work = tmp_path / "work"
    with fault_server(fault) as server:
        outcome = run_build(app, work, config={"PYTHON_RUNTIMES_URL": server.url}, timeout=240)
        assert_clean(outcome, *phrases, expect=expect)
        assert archive_requests(server) == requests, server.requests
    assert not list((work / "cache").rglob("*.part")), "a download left a partial file in the cache"
    with fault_server("none") as server:
        again = run_build(app, work, config={"PYTHON_RUNTIMES_URL": server.url})
    assert_clean(again, expect="ok")
    assert signature(work) == bare_cold


@pytest.mark.figure("faults")
def test_runtime_store_stall_is_bounded(bare_cold, tmp_path):
    """A server that stops sending mid-file: the build gives up on its own, with a clean error."""
    app = make_app(tmp_path / "app", BARE)
    with fault_server("stall") as server:
        outcome = run_build(app, tmp_path / "work", config={"PYTHON_RUNTIMES_URL": server.url},
                            extra_env={"BUILDPACK_READ_TIMEOUT": "2"}, timeout=120)
        assert_clean(outcome, expect="error")
        assert archive_requests(server) >= 2, server.requests




@pytest.mark.figure("faults")
def test_pypi_unreachable_cold(tmp_path):
    app = make_app(tmp_path / "app", {})
    outcome = run_build(app, tmp_path / "work", network=False, timeout=240)
    assert_clean(outcome, expect="error")
    assert " !     Error: PyPI could not be reached to download uv.\n" in outcome.output


@pytest.mark.figure("faults")
def test_pypi_unreachable_warm_unchanged_requirements_builds(warm, base_cold):
    app = make_app(warm.parent / "app", {})
    outcome = run_build(app, warm, network=False)
    assert_clean(outcome, "Reusing the cached environment", expect="ok")
    assert signature(warm) == base_cold[1]


@pytest.mark.figure("faults")
def test_pypi_unreachable_warm_changed_requirements(warm, next_good_build):
    app = make_app(warm.parent / "app", {"requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\nsix==1.17.0\n"})
    generation = cache_generation(warm)
    outcome = run_build(app, warm, network=False, timeout=240)
    assert_clean(outcome, expect="error")
    assert cache_generation(warm) == generation
    next_good_build(warm, network=False)
    assert " !     Error: The package index could not be reached.\n" in outcome.output


@pytest.mark.figure("faults")
def test_disk_full_in_the_build_dir(warm, next_good_build):
    """The build dir's .heroku on a 20 MB filesystem: restoring the environment cannot fit."""
    app = make_app(warm.parent / "app", {})
    outcome = run_build(app, warm, disk_limit_mb=20, build_dir_name="diskfull")
    assert_clean(outcome, expect="error")
    next_good_build(warm)


@pytest.mark.figure("faults")
def test_two_concurrent_builds_on_one_cache_then_a_good_build(base_cold, tmp_path, next_good_build):
    """Two builds of one app at once on one cache dir (a Dokku-style host, or two local builds),
    each saving a generation; then a third build must be good."""
    shared = warm_copy(base_cold[0], tmp_path / "shared") / "cache"
    hook = {"bin/post_compile": "#!/bin/bash\necho post-compile ran\n"}  # so both save the cache
    apps = [make_app(tmp_path / f"app{n}", hook) for n in (1, 2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run_build, apps[n], tmp_path / f"work{n}", shared_cache=shared, in_place=False)
                   for n in (0, 1)]
        outcomes = [f.result() for f in futures]
    for outcome in outcomes:
        assert_clean(outcome, expect="ok")
    next_good_build(tmp_path / "third", shared_cache=shared, in_place=False)
