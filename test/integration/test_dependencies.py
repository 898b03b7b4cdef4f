"""Issue 4: installing dependencies and the build cache, through the real bin/ scripts.

Cold builds download everything from PyPI (pip's HTTP cache cannot help on
this machine), so there are few of them: the tutorial app's (shared by the
session), a tiny app's (shared by this module), a complete lock's (the
reference for exactness), the requirements.in app's, and the ones whose
point is a discarded cache. Every other test starts from a copy of a warm
work dir, and most rebuilds mount that copy's cache in place (as Dokku does)
so that no test pays for copying a cache it owns anyway.
"""
from __future__ import annotations

import base64
import http.server
import os
import re
import subprocess
import threading
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from integration.conftest import assert_clean_failure, clone_work, copy_fixture
from integration.killing import build_killed_when
from integration.local_platform import BuildResult, build, run_process

SYNC_STEP = "-----> Updating the cached environment since: the requirements changed"
REUSE_STEP = "-----> Reusing the cached environment (requirements unchanged)"


# --- helpers ---------------------------------------------------------------------------------------------------


def rebuild(app: Path, work: Path, **options: object) -> BuildResult:
    """A build that must succeed, its cache mounted in place (the work dir is the test's own copy)."""
    result = build(app, work, echo=False, cache_in_place=True, **options)  # type: ignore[arg-type]
    assert result.returncode == 0, result.output[-5000:]
    return result


def freeze(work: Path) -> Set[str]:
    """`pip freeze --all` in a one-off dyno of the slug, as a set of lines."""
    code, out = run_process(work, "python -m pip freeze --all")
    assert code == 0, out
    return {line.strip() for line in out.splitlines() if line.strip()}


def names(frozen: Set[str]) -> Set[str]:
    return {canonical(re.split(r"==| @ ", line)[0]) for line in frozen}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def canonical_pins(lines: Set[str]) -> Set[str]:
    """name==version with the name canonicalised, so a lock and a freeze compare."""
    return {f"{canonical(name)}=={version}" for name, _, version in (line.partition("==") for line in lines)}


def cache_root(work: Path) -> Path:
    return work / "cache" / "django-buildpack"


def current_generation(work: Path) -> Tuple[str, str]:
    """(the generation `current` points to, its metadata) of a work dir's cache."""
    current = cache_root(work) / "current"
    return os.readlink(current), (current / "metadata.json").read_text()


def generation_manifest(work: Path) -> Dict[str, Tuple[int, int]]:
    """path -> (size, mtime) of every file in the current generation: the build shares these
    files with the cache through hard links, so a write into one in place would show here."""
    root = cache_root(work) / "current"
    manifest = {}
    for directory, _, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(directory, name)
            info = path.lstat()
            manifest[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    assert manifest, f"no cached generation in {root}"
    return manifest


def assert_one_clean_generation(work: Path) -> None:
    """After a good build: one generation, `current` on it, no partial trees or stray links
    (a replaced generation may wait as trash-* for the next build to delete)."""
    entries = sorted(p.name for p in cache_root(work).iterdir() if not p.name.startswith("trash-"))
    generations = [name for name in entries if name.startswith("gen-")]
    assert len(generations) == 1 and not generations[0].endswith(".partial"), entries
    assert os.readlink(cache_root(work) / "current") == generations[0]
    assert not [name for name in entries if name.startswith(("current.", "link-probe."))], entries
    assert not list(work.glob(".build-*")), "a build's scratch dir was left behind"


def write_requirements(app: Path, *lines: str) -> None:
    (app / "requirements.txt").write_text("".join(f"{line}\n" for line in lines))


def append_requirement(app: Path, line: str) -> None:
    with (app / "requirements.txt").open("a") as handle:
        handle.write(f"{line}\n")


# --- shared warm starts ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory) -> BuildResult:
    """A small app (Python and six) built cold once: a cheap warm cache to start from."""
    root = tmp_path_factory.mktemp("tiny")
    app = copy_fixture("deps_tiny", root / "app")
    result = build(app, root / "work", echo=False)
    assert result.returncode == 0, result.output[-5000:]
    return result


@pytest.fixture
def tiny_work(tiny_build, tmp_path) -> Path:
    return clone_work(tiny_build.work, tmp_path / "work")


@pytest.fixture
def tiny_freeze(tiny_build) -> Set[str]:
    return freeze(tiny_build.work)


# --- 1. exact environments -------------------------------------------------------------------------------------


def test_a_complete_lock_rebuilt_warm_is_exactly_the_cold_environment(tmp_path):
    app = copy_fixture("deps_locked", tmp_path / "app")
    work = tmp_path / "work"
    lock = {line for line in (app / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")}
    cold = rebuild(app, work)
    assert "-----> Installing Python 3.12.1" in cold.output
    f1 = freeze(work)
    # pip and setuptools are the buildpack's own (pinned in tool_versions), not the lock's.
    tool_lines = {line for line in f1 if line.startswith(("pip==", "setuptools=="))}
    assert {line.split("==")[0] for line in tool_lines} == {"pip", "setuptools"}
    assert canonical_pins(f1 - tool_lines) == canonical_pins(lock), "the cold build installs exactly the lock"

    append_requirement(app, "six==1.17.0")
    added = rebuild(app, work)
    assert SYNC_STEP in added.output
    assert "Synced: 1 installed, 0 removed (+six==1.17.0)" in added.output
    assert "Installing pip" not in added.output
    assert freeze(work) == f1 | {"six==1.17.0"}

    locked = (app / "requirements.txt").read_text()
    (app / "requirements.txt").write_text(locked.replace("sqlparse==0.6.1", "sqlparse==0.5.3"))
    changed = rebuild(app, work)
    assert "Synced: 1 installed, 0 removed (+sqlparse==0.5.3)" in changed.output
    assert freeze(work) == (f1 - {"sqlparse==0.6.1"}) | {"sqlparse==0.5.3", "six==1.17.0"}

    copy_fixture("deps_locked", tmp_path / "original")
    (app / "requirements.txt").write_bytes((tmp_path / "original" / "requirements.txt").read_bytes())
    back = rebuild(app, work)
    assert "Synced: 1 installed, 1 removed (+sqlparse==0.6.1, -six)" in back.output
    assert freeze(work) == f1
    assert_one_clean_generation(work)


def synced(output: str) -> Tuple[Set[str], Set[str]]:
    """The names a sync says it installed and removed."""
    match = re.search(r"Synced: (\d+) installed, (\d+) removed(?: \((.*)\))?", output)
    assert match, output[-3000:]
    changes = (match.group(3) or "").split(", ")
    installed = {canonical(c[1:].split("==")[0]) for c in changes if c.startswith("+")}
    removed = {canonical(c[1:]) for c in changes if c.startswith("-")}
    assert (len(installed), len(removed)) == (int(match.group(1)), int(match.group(2))), match.group(0)
    return installed, removed


def test_loose_requirements_added_then_removed_leave_nothing_behind(tutorial_build, warm_work, tmp_path):
    app = copy_fixture("django_tutorial", tmp_path / "app")
    before = freeze(warm_work)
    assert "python-dateutil" not in names(before)

    append_requirement(app, "python-dateutil")  # unpinned, and it has dependencies of its own
    added = rebuild(app, warm_work)
    assert SYNC_STEP in added.output
    installed, removed = synced(added.output)
    assert "python-dateutil" in installed and len(installed) >= 2 and not removed, added.output[-3000:]
    assert names(freeze(warm_work)) == names(before) | installed

    copy_fixture("django_tutorial", tmp_path / "original")
    (app / "requirements.txt").write_bytes((tmp_path / "original" / "requirements.txt").read_bytes())
    result = rebuild(app, warm_work)
    assert synced(result.output) == (set(), installed), "the package and the dependencies only it needed go"
    assert freeze(warm_work) == before


def test_a_requirement_without_a_name_still_leaves_nothing_behind(tiny_work, tmp_path):
    # ./vendor/plainlib has no name until pip builds it, so the closure of what is
    # needed cannot be computed: six, no longer required, must go all the same.
    app = copy_fixture("deps_local_path", tmp_path / "app")
    result = rebuild(app, tiny_work)
    assert SYNC_STEP in result.output
    assert synced(result.output) == ({"plainlib"}, {"six"})
    assert names(freeze(tiny_work)) == {"pip", "setuptools", "plainlib"}


# --- 2. no network on a warm rebuild ---------------------------------------------------------------------------


def test_a_warm_rebuild_with_unchanged_requirements_needs_no_network(tutorial_build, warm_work, tmp_path):
    app = copy_fixture("django_tutorial", tmp_path / "app")
    before = freeze(warm_work)
    result = build(app, warm_work, network=False, echo=False)
    assert result.returncode == 0, result.output[-5000:]
    assert REUSE_STEP in result.output
    assert "Installing pip" not in result.output
    assert "Installing requirements" not in result.output
    assert "Installing Python" not in result.output
    assert freeze(warm_work) == before


# --- 3. killed builds ------------------------------------------------------------------------------------------


STARTS_AFRESH = "its last generation has no Python interpreter"


def test_a_build_killed_mid_install_is_followed_by_a_good_build(tiny_work, tiny_freeze, tmp_path):
    """The build moved the cached environment into itself (a rename), so with the cache
    mounted in place the killed build leaves it incomplete: the next build says so and
    starts afresh (on Heroku a failed build's cache is thrown away anyway)."""
    app = copy_fixture("deps_tiny", tmp_path / "app")
    append_requirement(app, "requests")  # several packages, one with compiled code
    old = current_generation(tiny_work)
    # uv's "Prepared N packages" comes after the downloads, right before it writes into site-packages.
    output = build_killed_when(app, tiny_work, r"^\s+Prepared \d+ packages? in ")
    assert "Build finished" not in output
    assert current_generation(tiny_work) == old, "a killed build never publishes a generation"

    result = rebuild(app, tiny_work)
    assert STARTS_AFRESH in result.output, result.output[-3000:]
    after = names(freeze(tiny_work))
    assert "requests" in after and names(tiny_freeze) < after, sorted(after)
    assert_one_clean_generation(tiny_work)


def test_a_build_killed_during_collectstatic_is_followed_by_a_good_build(tutorial_build, warm_work, tmp_path):
    app = copy_fixture("django_tutorial", tmp_path / "app")
    before = freeze(warm_work)
    assert "gunicorn==23.0.0" in before
    pinned = (app / "requirements.txt").read_text()
    (app / "requirements.txt").write_text(pinned.replace("gunicorn==23.0.0", "gunicorn==22.0.0") + "six==1.17.0\n")
    old = current_generation(warm_work)
    output = build_killed_when(app, warm_work, r"^-----> Running collectstatic")
    assert "Synced: 2 installed, 0 removed (+gunicorn==22.0.0, +six==1.17.0)" in output
    assert current_generation(warm_work) == old, "the sync was not saved: the build did not finish"

    result = rebuild(app, warm_work)
    assert STARTS_AFRESH in result.output, result.output[-3000:]
    assert freeze(warm_work) == (before - {"gunicorn==23.0.0"}) | {"gunicorn==22.0.0", "six==1.17.0"}
    assert (result.work / "slug" / "staticfiles" / "staticfiles.json").is_file()
    assert_one_clean_generation(warm_work)


def test_a_build_killed_right_after_installing_python_is_followed_by_a_good_build(tiny_work, tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "runtime.txt").write_text("python-3.11.7\n")
    old = current_generation(tiny_work)
    output = build_killed_when(app, tiny_work, r"^-----> Installing Python 3\.11\.7")
    assert "the Python version changed from 3.12.1 to 3.11.7" in output
    assert current_generation(tiny_work) == old

    result = rebuild(app, tiny_work)
    assert "-----> Installing Python 3.11.7" in result.output
    frozen = freeze(tiny_work)
    assert "six==1.17.0" in frozen and names(frozen) == {"pip", "setuptools", "six"}
    code, out = run_process(tiny_work, "python --version")
    assert "Python 3.11.7" in out, out
    assert_one_clean_generation(tiny_work)


# --- 4. unreadable cache metadata ------------------------------------------------------------------------------


def corrupt_metadata(work: Path) -> None:
    (cache_root(work) / "current" / "metadata.json").write_text('{"format": 1, "stack": "heroku-')


def remove_current_generation(work: Path) -> None:
    current = cache_root(work) / "current"
    subprocess.run(["rm", "-rf", str(current.resolve())], check=True)
    assert current.is_symlink() and not current.exists()


@pytest.mark.parametrize(
    "damage, reason",
    [
        (corrupt_metadata, "- its metadata could not be read (JSONDecodeError)"),
        (remove_current_generation, "- its current generation is missing"),
    ],
    ids=["corrupt-metadata", "current-points-nowhere"],
)
def test_an_unreadable_cache_is_discarded_with_a_reason(tiny_work, tiny_freeze, tmp_path, damage, reason):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    damage(tiny_work)
    result = rebuild(app, tiny_work)
    assert "-----> Discarding cache since:" in result.output
    assert reason in result.output
    assert "-----> Installing Python 3.12.1" in result.output
    assert freeze(tiny_work) == tiny_freeze
    assert_one_clean_generation(tiny_work)


def test_a_file_damaged_in_the_cache_is_not_linked_back_from_uvs_cache(warm_work, tmp_path):
    """uv hard-links its package cache into the environment, so truncating a file of the
    cached environment truncates uv's copy too: discarding the generation is not enough."""
    app = copy_fixture("django_tutorial", tmp_path / "app")
    home = warm_work / "slug" / ".heroku"
    installed = next(home.glob("python/lib/python3.*/site-packages/django/shortcuts.py"))
    intact = installed.read_bytes()
    cached = cache_root(warm_work) / "current" / installed.relative_to(home)
    assert cached.read_bytes() == intact and cached.stat().st_nlink > 2, "shared with uv's cache"
    cached.write_bytes(b"")
    result = rebuild(app, warm_work)
    assert "- its last generation is damaged (files changed since it was saved)" in result.output
    assert "- uv's package cache goes too: it shares those files" in result.output
    assert "Reusing the last build's Django results" not in result.output
    assert installed.read_bytes() == intact
    code, out = run_process(warm_work, "python -c 'import django.shortcuts'")
    assert code == 0, out
    assert_one_clean_generation(warm_work)


# --- 5. pip-tools ----------------------------------------------------------------------------------------------


def test_requirements_in_is_compiled_at_build_time_and_the_compile_is_reused(tmp_path, private_index):
    app = copy_fixture("deps_requirements_in", tmp_path / "app")
    work = tmp_path / "work"
    port, _ = private_index
    # pip-compile writes the index URLs it used into the lock unless told not to.
    config = {"PIP_EXTRA_INDEX_URL": f"http://user:s3cr3tpass@127.0.0.1:{port}/simple/"}
    # BUILD_DIR=/app, as in Heroku CI: HOME is then the build dir, so a tool that
    # writes to ~/.cache would put its cache into the slug.
    first = rebuild(app, work, ci=True, config=config)
    assert "s3cr3tpass" not in first.output
    assert "Warning: Compiling requirements.in at build time." in first.output
    assert "-----> Compiling requirements.in with pip-compile" in first.output
    compiled = (work / "slug" / "requirements.txt").read_text()
    assert "django==5.2.8" in compiled.lower() and re.search(r"(?m)^gunicorn==", compiled), compiled
    assert "--index-url" not in compiled and "--extra-index-url" not in compiled
    pins = {line for line in compiled.splitlines() if "==" in line and not line.startswith((" ", "#"))}
    frozen = freeze(work)
    assert canonical_pins({line for line in frozen if not line.startswith(("pip==", "setuptools=="))}) == canonical_pins(pins), \
        "the app's environment is the compiled lock, and no pip-tools"
    assert_no_caches_in_slug(work / "slug")
    assert not list((work / "slug").rglob("piptools")), "pip-tools is a build tool: not in the slug"

    assert not files_containing(work / "slug", b"s3cr3tpass")

    second = rebuild(app, work, network=False, config=config)
    assert REUSE_STEP in second.output
    assert "Warning: Compiling requirements.in at build time." in second.output
    assert "-----> Using the cached compile of requirements.in" in second.output
    assert "Compiling requirements.in with pip-compile" not in second.output
    assert (work / "slug" / "requirements.txt").read_text() == compiled


def test_requirements_in_newer_than_requirements_txt_warns(tiny_work, tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "requirements.in").write_text("six\n")
    stamp = (app / "requirements.txt").stat().st_mtime
    os.utime(app / "requirements.in", (stamp + 3600, stamp + 3600))
    result = rebuild(app, tiny_work, network=False)
    assert "Warning: requirements.in is newer than requirements.txt." in result.output
    assert "run `pip-compile requirements.in`" in result.output
    assert REUSE_STEP in result.output, "requirements.txt is the one installed"


def test_requirements_txt_newer_than_requirements_in_is_quiet(tiny_work, tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / "requirements.in").write_text("six\n")
    stamp = (app / "requirements.txt").stat().st_mtime
    os.utime(app / "requirements.in", (stamp - 3600, stamp - 3600))
    result = rebuild(app, tiny_work, network=False)
    assert "requirements.in is newer" not in result.output


# --- 6. hooks --------------------------------------------------------------------------------------------------


def test_pre_and_post_compile_hooks_run_with_the_config_vars(tiny_work, tmp_path):
    app = copy_fixture("deps_hooks", tmp_path / "app")
    result = rebuild(app, tiny_work, config={"HOOK_MARKER": "marker-from-config"}, build_dir_name="hooks")
    log = result.output
    assert "-----> Running bin/pre_compile hook" in log
    assert "pre_compile running in /tmp/build_hooks" in log
    assert "-----> Running bin/post_compile hook" in log
    assert log.index("bin/pre_compile hook") < log.index("Using Python") < log.index("bin/post_compile hook")
    assert log.index("bin/post_compile hook") < log.index("Slug contents:")
    slug = result.work / "slug"
    assert (slug / "pre_compile_saw.txt").read_text() == "marker-from-config\n"
    assert (slug / "post_compile_saw.txt").read_text() == "marker-from-config\n"
    assert (slug / "post_compile_python.txt").read_text().strip() == "/app/.heroku/python"


def test_a_failing_post_compile_hook_fails_the_build_and_keeps_the_old_cache(tiny_work, tmp_path):
    app = copy_fixture("deps_hook_fails", tmp_path / "app")
    old = current_generation(tiny_work)
    result = build(app, tiny_work, echo=False, cache_in_place=True)
    assert_clean_failure(result, "post_compile: generating assets", "post_compile: the asset pipeline is broken",
                         "The app's bin/post_compile hook failed (exit status 3).")
    assert "Slug contents" not in result.output
    assert current_generation(tiny_work) == old, "the cache is saved only after a successful build"


# --- 7. private index credentials ------------------------------------------------------------------------------


class IndexRequests(http.server.BaseHTTPRequestHandler):
    """A private index that has nothing: answers 404, remembers who asked for what."""

    seen: List[Tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def private_index() -> Iterator[Tuple[int, List[Tuple[str, str]]]]:
    handler = type("Handler", (IndexRequests,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_private_index_credentials_never_show_in_the_build(tiny_work, tmp_path, private_index):
    port, seen = private_index
    password = "s3cr3tpass"
    app = copy_fixture("deps_tiny", tmp_path / "app")
    append_requirement(app, "python-dateutil")
    config = {"PIP_EXTRA_INDEX_URL": f"http://user:{password}@127.0.0.1:{port}/simple/"}
    result = rebuild(app, tiny_work, config=config)
    assert password not in result.output
    assert f"127.0.0.1:{port}" in result.output, "pip says which indexes it looks in (with the password hidden)"
    token = base64.b64encode(f"user:{password}".encode()).decode()
    assert ("/simple/python-dateutil/", f"Basic {token}") in seen, seen
    assert "python-dateutil" in names(freeze(tiny_work)), "the package still came from PyPI"
    assert not files_containing(tiny_work / "slug", password.encode())


def files_containing(root: Path, needle: bytes) -> List[Path]:
    found = []
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            if not path.is_symlink() and needle in path.read_bytes():
                found.append(path)
    return found


# --- 8, 9. what the buildpack refuses --------------------------------------------------------------------------


def test_a_committed_virtualenv_is_refused_with_instructions(tmp_path):
    app = copy_fixture("deps_committed_venv", tmp_path / "app")
    result = build(app, tmp_path / "work", echo=False)
    assert_clean_failure(result, "The app's source contains a Python environment (venv/).",
                         "git rm -r --cached venv", "Add `venv/` to .gitignore")


def test_a_committed_dot_venv_with_a_dangling_python_link_is_refused(tmp_path):
    app = copy_fixture("deps_tiny", tmp_path / "app")
    (app / ".venv" / "bin").mkdir(parents=True)
    (app / ".venv" / "bin" / "python").symlink_to("/Users/someone/.pyenv/versions/3.12.1/bin/python3.12")
    result = build(app, tmp_path / "work", echo=False)
    assert_clean_failure(result, "The app's source contains a Python environment (.venv/).", "git rm -r --cached .venv")


# --- 10, 11. editable VCS requirements and packages built from source ------------------------------------------


def make_git_package(source: Path, bare: Path) -> None:
    """A tiny flit package `mylib` in a git repository, cloned bare to `bare`."""
    (source / "mylib").mkdir(parents=True)
    (source / "mylib" / "__init__.py").write_text('"""A library vendored as a git repository."""\n')
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.4,<4"]\nbuild-backend = "flit_core.buildapi"\n\n'
        '[project]\nname = "mylib"\nversion = "0.1.0"\ndescription = "A test library"\n'
    )
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q", str(source)], ["-C", str(source), "add", "."],
                 ["-C", str(source), "commit", "-q", "-m", "mylib 0.1.0"],
                 ["clone", "-q", "--bare", str(source), str(bare)]):
        subprocess.run(git + args, check=True)


def test_an_editable_vcs_requirement_works_from_app(tiny_work, tmp_path):
    app = copy_fixture("deps_vcs", tmp_path / "app")
    make_git_package(tmp_path / "mylib-src", app / "vendor" / "mylib.git")
    result = rebuild(app, tiny_work, build_dir_name="vcs")
    assert "Synced:" in result.output
    code, out = run_process(tiny_work, 'python -c "import mylib; print(mylib.__file__)"')
    assert code == 0, out
    path = out.strip().splitlines()[-1]
    assert path.startswith("/app/") and path.endswith("mylib/__init__.py"), out
    assert "/tmp/build_vcs" not in out
    assert not files_containing(tiny_work / "slug" / ".heroku" / "python", b"/tmp/build_vcs")


def test_psycopg2_builds_from_source_against_the_runtime(tiny_work, tmp_path):
    app = copy_fixture("deps_psycopg2", tmp_path / "app")
    result = rebuild(app, tiny_work)
    assert "Synced: 1 installed, 1 removed (+psycopg2==2.9.10, -six)" in result.output
    code, out = run_process(tiny_work, 'python -c "import psycopg2; print(psycopg2.__version__)"')
    assert code == 0, out
    assert out.strip().startswith("2.9.10"), out


# --- 12. the slug --------------------------------------------------------------------------------------------


def assert_no_caches_in_slug(slug: Path) -> None:
    assert not (slug / ".cache").exists(), "a tool's cache under HOME landed in the slug"
    assert not list(slug.rglob("http-v2")) and not list(slug.rglob("selfcheck.json")), "pip's cache is in the slug"
    ours = slug / ".heroku" / "django-buildpack"
    kept = sorted(p.name for p in ours.iterdir()) if ours.is_dir() else []
    cache_trees = ("pip", "pip-tools-cache", "runtimes", "tools", "pip-compile", "current")
    assert not [name for name in kept if name in cache_trees or name.startswith("gen-")], kept
    assert not (slug / ".heroku" / "python" / "bin" / "pip-compile").exists(), "pip-tools is not the app's"


def test_the_slug_carries_no_caches_and_its_size_is_reported(tutorial_build):
    _, result = tutorial_build
    slug = result.work / "slug"
    assert_no_caches_in_slug(slug)
    assert {p.name for p in (slug / ".heroku").iterdir()} <= {"django-buildpack", "python", "src"}
    report = re.search(r"-----> Slug contents: ([0-9.]+) (MB|KB|GB) \(uncompressed\)", result.output)
    assert report, result.output[-2000:]
    assert report.group(2) == "MB" and 20 < float(report.group(1)) < 500
    assert result.output.index("-----> Process types") < report.start(), "measured once the slug is complete"
