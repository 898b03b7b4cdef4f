"""SIGKILL at every step of a build, cache save included: the next good build must simply work.

The build runs with its cache mounted in place (as Dokku mounts it), so whatever the
killed build left in the cache is what the next build faces; the whole process group
(the sandbox and everything in it) dies the moment a line of the log matches.
"""
from __future__ import annotations

import pytest

from reliability.harness import assert_clean, make_app, run_build

# A warm build whose requirements changed (one package added), with a post_compile hook:
# it passes through every step, the environment sync and the cache save included.
SYNC_APP = {"requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\nsix==1.17.0\n",
            "bin/post_compile": "#!/bin/bash\necho post-compile ran\n"}
WARM_STEPS = [
    r"^-----> Using Python",
    r"^-----> Updating the cached environment",
    r"\bsix\b",  # the installer's output naming the added package
    r"^-----> Running collectstatic",
    r"^-----> Checking the Django settings",
    r"^-----> Process types",
    r"^-----> Running bin/post_compile",
    r"^-----> Saving the build cache",
    r"^-----> Slug contents",
]
# A cold build: killed while the runtime downloads and while pip is installed.
COLD_STEPS = [r"^       Downloading ", r"^-----> Installing pip"]


@pytest.mark.figure("kills")
@pytest.mark.parametrize("pattern", WARM_STEPS)
def test_killed_warm_build_then_a_good_build(pattern, warm, next_good_build):
    app = make_app(warm.parent / "app", SYNC_APP)
    outcome = run_build(app, warm, kill_when=pattern)
    assert outcome.killed, f"no line matched {pattern!r}:\n{outcome.output[-3000:]}"
    next_good_build(warm)
    assert not list((warm / "cache").rglob("*.part"))


@pytest.mark.figure("kills")
@pytest.mark.parametrize("pattern", COLD_STEPS)
def test_killed_cold_build_then_a_good_build(pattern, tmp_path, next_good_build):
    app = make_app(tmp_path / "app", {})
    work = tmp_path / "work"
    outcome = run_build(app, work, kill_when=pattern)
    assert outcome.killed, f"no line matched {pattern!r}:\n{outcome.output[-3000:]}"
    next_good_build(work)
    leftovers = list((work / "cache").rglob("*.part")) + list((work / "cache").rglob(".*.tmp-*"))
    assert not leftovers, leftovers


def test_kill_harness_reports_a_build_that_was_not_killed(warm):
    """The premise check itself: a pattern that never matches leaves the build to finish."""
    app = make_app(warm.parent / "app", {})
    outcome = run_build(app, warm, kill_when=r"^no such line$")
    assert not outcome.killed
    assert_clean(outcome, expect="ok")
