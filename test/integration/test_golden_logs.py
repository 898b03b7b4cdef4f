"""Golden build logs: the whole log of the main scenarios, compared line for line.

Fragments prove that a line is there; a golden log proves also that nothing
else is, and shows a reviewer the build exactly as a user reads it. What
changes from run to run is normalised first (see `normalise`): durations,
sizes, temporary paths, hashes, and the installer's own output (the versions of
what it downloads), which is one placeholder line.

After an intended change of the log, regenerate the files and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest test/integration/test_golden_logs.py -q
    git diff test/integration/golden/

The scenarios reuse the session's cold tutorial build (no extra cold build):
the cold build itself, a warm rebuild of it, a collectstatic failure built
over its warm cache, and a Python version the store does not have.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import REPO, build

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DURATION = re.compile(r"\b(?:\d+m \d+s|\d+(?:\.\d+)?s)\b")
_SIZE = re.compile(r"\b\d+(?:\.\d+)? (?:B|kB|KB|MB|GB)\b")
_BUILD_DIR = re.compile(r"/tmp/build_[0-9a-f]+")
_HASH = re.compile(r"\b[0-9a-f]{12,64}\b")
# Steps whose child output is the installer's own (uv's or pip's): which versions it found,
# what it downloaded or took from its cache, how long each part took.
_INSTALLER_STEPS = ("-----> Installing requirements with ", "-----> Installing pip ")


def normalise(log: str, *paths: Path) -> str:
    """The log with what varies between runs replaced by <placeholders>."""
    text = _ANSI.sub("", log)
    for path in sorted({str(p) for p in paths} | {str(REPO)}, key=len, reverse=True):
        text = text.replace(path, "<repo>" if path == str(REPO) else "<tmp>")
    text = _BUILD_DIR.sub("<build>", text)
    text = _HASH.sub("<hash>", text)
    text = _SIZE.sub("<size>", text)
    text = _DURATION.sub("<time>", text)
    lines: list = []
    in_pip = False
    for line in text.splitlines():
        if line.startswith(_INSTALLER_STEPS):
            in_pip = True
            lines.append(line)
            lines.append("       <installer output>")
            continue
        if in_pip and line.startswith("       "):
            continue  # pip's own lines: which versions it found and downloaded, and how
        in_pip = False
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def check(name: str, log: str, *paths: Path) -> None:
    golden = GOLDEN / f"{name}.log"
    actual = normalise(log, *paths)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"no {golden.name}: run with UPDATE_GOLDEN=1 to write it"
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, f"{golden.name} differs (UPDATE_GOLDEN=1 rewrites it; review the diff)"


def test_normalise_keeps_the_words_and_replaces_what_varies():
    log = (
        "\x1b[1m-----> Installing Python 3.12.1\x1b[0m\n"
        "       Downloading file:///tmp/pytest-1/x/.runtimes/python-3.12.1.tar.gz\n"
        "       Verified sha256 3e69b2b823c8bff4...\n"
        "       Done in 1.8s\n"
        "-----> Installing requirements with uv (from requirements.txt)\n"
        "       Prepared 4 packages in 1.01s\n"
        "        + django==5.2.8\n"
        "-----> Running collectstatic in /tmp/build_0a1b2c/\n"
        "-----> Slug contents: 86.5 MB (uncompressed)   \n"
        "-----> Build finished in 1m 3s\n"
    )
    assert normalise(log, Path("/tmp/pytest-1/x")) == (
        "-----> Installing Python 3.12.1\n"
        "       Downloading file://<tmp>/.runtimes/python-3.12.1.tar.gz\n"
        "       Verified sha256 <hash>...\n"
        "       Done in <time>\n"
        "-----> Installing requirements with uv (from requirements.txt)\n"
        "       <installer output>\n"
        "-----> Running collectstatic in <build>/\n"
        "-----> Slug contents: <size> (uncompressed)\n"
        "-----> Build finished in <time>\n"
    )


def test_cold_build_of_the_tutorial_app(tutorial_build):
    app, result = tutorial_build
    check("tutorial_cold", result.output, app, result.work)


def test_warm_rebuild_of_the_tutorial_app(tutorial_build, warm_work):
    app, _ = tutorial_build
    result = build(app, warm_work, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    check("tutorial_warm", result.output, app, warm_work)


def test_a_collectstatic_failure(tutorial_build, tmp_path):
    app = copy_fixture("django_collectstatic", tmp_path / "app")
    work = clone_work(tutorial_build[1].work, tmp_path / "work")
    result = build(app, work, config={"DJANGO_SETTINGS_MODULE": "shop.settings_env_var"}, echo=False)
    assert result.returncode == 1
    check("collectstatic_failure", result.output, app, work, tmp_path)


def test_an_unavailable_python_version(tmp_path):
    app = copy_fixture("runtime_unavailable", tmp_path / "app")
    result = build(app, tmp_path / "work", echo=False)
    assert result.returncode == 1
    check("python_unavailable", result.output, app, tmp_path)


@pytest.mark.parametrize("name", ["tutorial_cold", "tutorial_warm", "collectstatic_failure", "python_unavailable"])
def test_golden_files_hold_no_machine_specific_text(name):
    text = (GOLDEN / f"{name}.log").read_text(encoding="utf-8")
    assert str(REPO) not in text and "/tmp/build_" not in text and "pytest-" not in text
