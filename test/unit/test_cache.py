import hashlib
import json
import os
import shutil

import pytest

from buildpack import cache


def metadata(**changes):
    values = dict(stack="heroku-22", python_version="3.12.1", runtime="sha-a", tools={"pip": "26.3"}, requirements="r1")
    values.update(changes)
    return cache.Metadata(**values)


def test_no_previous_cache_is_a_silent_fresh_build():
    decision = cache.decide(cache.Previous(), metadata())
    assert (decision.action, decision.reasons) == ("fresh", [])


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"stack": "heroku-24"}, "the stack changed from heroku-22 to heroku-24"),
        ({"python_version": "3.12.8"}, "the Python version changed from 3.12.1 to 3.12.8"),
        ({"runtime": "sha-b"}, "the Python runtime archive changed"),
        ({"tools": {"pip": "27.0"}}, "the buildpack's pinned tool versions changed"),
        ({"tools": {"package manager": "uv", "uv": "0.12.24"}}, "the package manager changed from pip to uv"),
    ],
)
def test_environment_is_discarded_with_a_reason(changes, reason):
    previous = cache.Previous(metadata=metadata().to_json())
    decision = cache.decide(previous, metadata(**changes))
    assert decision.action == "fresh"
    assert decision.reasons == [reason]


def test_unchanged_requirements_reuse_and_changed_ones_sync():
    previous = cache.Previous(metadata=metadata().to_json())
    assert cache.decide(previous, metadata()).action == "reuse"
    assert cache.decide(previous, metadata(requirements="r2")).action == "sync"


def test_unreadable_metadata_means_discard_with_reason(tmp_path):
    build_cache = cache.BuildCache(tmp_path)
    build_cache.save(metadata(), _home(tmp_path))
    current = build_cache.root / "current"
    (current / "metadata.json").write_text("{not json")
    previous = build_cache.load()
    decision = cache.decide(previous, metadata())
    assert decision.action == "fresh"
    assert "metadata could not be read" in decision.reasons[0]


def _home(tmp_path, marker="one"):
    home = tmp_path / "build" / ".heroku"
    (home / "python" / "bin").mkdir(parents=True, exist_ok=True)
    # A new file each time, as a build writes: the cache shares files with the build (hard links).
    (home / "python" / "bin" / "marker").unlink(missing_ok=True)
    (home / "python" / "bin" / "marker").write_text(marker)
    (home / "python" / "bin" / "python").unlink(missing_ok=True)
    (home / "python" / "bin" / "python").write_text("#!/bin/sh\n")
    return home


def test_save_then_load_and_restore_round_trip(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    previous = build_cache.load()
    assert previous.metadata == metadata().to_json()
    target = tmp_path / "other-build" / ".heroku"
    build_cache.restore(previous, target)
    assert (target / "python" / "bin" / "marker").read_text() == "one"


def test_a_restore_on_one_filesystem_moves_the_trees_out_of_the_generation(tmp_path):
    """The new generation is written anyway: the old one's trees are renamed, not copied."""
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    previous = build_cache.load()
    cached = previous.directory / "python" / "bin" / "marker"
    inode = cached.stat().st_ino
    target = tmp_path / "other-build" / ".heroku"
    (target / "python").mkdir(parents=True)  # link_app_home makes it empty first
    assert build_cache.restore(previous, target) is True
    assert (target / "python" / "bin" / "marker").stat().st_ino == inode
    assert not cached.exists()
    assert "no Python interpreter" in cache.decide(build_cache.load(), metadata()).reasons[0]


def test_a_failed_build_gives_the_moved_trees_back_and_the_cache_stays_good(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    target = tmp_path / "other-build" / ".heroku"
    assert build_cache.restore(build_cache.load(), target) is True
    pending = build_cache.start_save(metadata(requirements="r2"), target)
    build_cache.give_back()  # e.g. collectstatic failed
    assert not (target / "python").exists()
    assert not list(build_cache.root.glob("*.partial")), "the unpublished generation is removed"
    assert pending is not None and cache.decide(build_cache.load(), metadata()).action == "reuse"


def test_a_reused_generation_gets_its_moved_trees_linked_back_not_a_new_generation(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    home = _home(tmp_path)
    build_cache.save(metadata(), home)
    first = os.readlink(build_cache.root / "current")
    previous = build_cache.load()
    target = tmp_path / "other-build" / ".heroku"
    assert build_cache.restore(previous, target) is True
    pending = build_cache.start_save(metadata(), target, previous=previous)
    files = [path for path in (target / "python").rglob("*") if not path.is_dir()]
    assert build_cache.finish_save(pending) == sum(path.lstat().st_size for path in files)
    assert os.readlink(build_cache.root / "current") == first
    marker = build_cache.root / "current" / "python" / "bin" / "marker"
    assert marker.stat().st_ino == (target / "python" / "bin" / "marker").stat().st_ino
    assert cache.decide(build_cache.load(), metadata()).action == "reuse"


def test_a_save_in_the_background_waits_for_its_precondition_and_reports_the_size(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    home = _home(tmp_path)
    ready = []
    pending = build_cache.start_save(metadata(), home, after=lambda: ready.append("compiled"))
    files = [path for path in (home / "python").rglob("*") if not path.is_dir()]
    assert build_cache.finish_save(pending) == sum(path.lstat().st_size for path in files)
    assert ready == ["compiled"]
    assert cache.decide(build_cache.load(), metadata()).action == "reuse"


def test_a_background_save_that_fails_is_a_warning_and_keeps_the_old_generation(tmp_path, capsys):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path, "one"))
    first = os.readlink(build_cache.root / "current")

    def fail() -> None:
        raise OSError(28, "No space left on device")

    pending = build_cache.start_save(metadata(requirements="r2"), _home(tmp_path, "two"), after=fail)
    assert build_cache.finish_save(pending) is None
    assert "The build cache could not be saved." in capsys.readouterr().err
    assert os.readlink(build_cache.root / "current") == first
    assert not list(build_cache.root.glob("*.partial"))


def test_cache_and_build_share_file_data(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    home = _home(tmp_path)
    build_cache.save(metadata(), home)
    cached = build_cache.load().directory / "python" / "bin" / "marker"
    assert cached.stat().st_ino == (home / "python" / "bin" / "marker").stat().st_ino


def test_saving_again_keeps_exactly_one_generation(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path, "one"))
    first = os.readlink(build_cache.root / "current")
    build_cache.save(metadata(requirements="r2"), _home(tmp_path, "two"))
    generations = [p.name for p in build_cache.root.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 1
    # The next build deletes the replaced generation in the background, and waits for it.
    next_build = cache.BuildCache(tmp_path / "cache")
    next_build.load()
    next_build.save(metadata(requirements="r3"), _home(tmp_path, "three"))
    next_build.close()
    trash = [p.name for p in build_cache.root.iterdir() if p.name.startswith("trash-")]
    assert trash == [f"trash-{generations[0]}"]  # the first one's trash is gone
    assert first != generations[0]
    assert build_cache.load().metadata["requirements"] == "r3"


def test_a_save_killed_before_the_swap_leaves_the_old_cache(tmp_path, monkeypatch):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path, "one"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        build_cache.save(metadata(requirements="r2"), _home(tmp_path, "two"))
    monkeypatch.undo()
    previous = build_cache.load()
    assert previous.metadata["requirements"] == "r1"
    assert (previous.directory / "python" / "bin" / "marker").read_text() == "one"
    # The next successful save cleans the leftovers up (the replaced generation is
    # kept as trash for the next build to delete in the background).
    build_cache.save(metadata(requirements="r3"), _home(tmp_path, "three"))
    leftovers = sorted(p.name for p in build_cache.root.iterdir() if p.name not in ("current", "lock"))
    assert [name.split("-")[0] for name in leftovers] == ["gen", "trash", "trash"]
    build_cache.close()
    next_build = cache.BuildCache(tmp_path / "cache")
    next_build.load()  # a next build
    next_build.close()
    build_cache.prune()
    assert [p.name.split("-")[0] for p in build_cache.root.iterdir() if p.name not in ("current", "lock")] == ["gen"]
    assert json.loads((build_cache.root / "current" / "metadata.json").read_text())["requirements"] == "r3"


def test_current_pointing_nowhere_means_discard_with_reason(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    current = build_cache.root / "current"
    shutil.rmtree(current.resolve())
    decision = cache.decide(build_cache.load(), metadata())
    assert (decision.action, decision.reasons) == ("fresh", ["its current generation is missing"])


def test_a_generation_without_its_python_tree_means_discard_with_reason(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    shutil.rmtree(build_cache.root / "current" / "python")
    decision = cache.decide(build_cache.load(), metadata())
    assert (decision.action, decision.reasons) == (
        "fresh", ["its last generation has no Python interpreter (python/bin/python is missing)"])


def test_the_hard_link_probe_leaves_nothing_behind(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    home = tmp_path / "build" / ".heroku"
    assert build_cache.can_hardlink(home) is True  # one filesystem
    assert not list(build_cache.root.iterdir()) and not list(home.iterdir())


def test_the_installed_packages_are_remembered_but_never_a_reason_to_discard():
    previous = cache.Previous(metadata=metadata(installed={"django": "5.2.7"}).to_json())
    assert previous.installed == {"django": "5.2.7"}
    assert cache.decide(previous, metadata(installed={"django": "5.2.8"})).action == "reuse"
    assert cache.Previous(metadata={"installed": ["not", "a", "map"]}).installed is None


def test_a_generation_whose_files_changed_is_discarded_with_a_reason(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    gutted = build_cache.root / "current" / "python" / "bin" / "marker"
    gutted.unlink()
    decision = cache.decide(build_cache.load(), metadata())
    assert decision.action == "fresh"
    assert decision.reasons == ["its last generation is damaged (3 entries instead of 4)"]


def test_a_file_rewritten_in_place_is_noticed(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    (build_cache.root / "current" / "python" / "bin" / "marker").write_text("longer than before")
    decision = cache.decide(build_cache.load(), metadata())
    assert decision.reasons == ["its last generation is damaged (files changed since it was saved)"]


def test_a_damaged_generation_takes_the_caches_sharing_its_files_with_it(tmp_path):
    """uv hard-links its cache into the environment and the tools' venvs: a file truncated in
    one is truncated in all, and a fresh install from that cache would bring it back."""
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    layout = build_cache.layout
    for kept_or_not in (layout.uv / "archive-v0" / "x", layout.django_reuse / "record.json",
                        layout.tools / "poetry-2.2.1-python-3.12.1" / "bin" / "poetry",
                        layout.tools / "uv-0.12.24-x86_64" / "uv", layout.pip / "wheels" / "x"):
        kept_or_not.parent.mkdir(parents=True)
        kept_or_not.write_text("x")
    build_cache.close()
    (build_cache.root / "current" / "python" / "bin" / "marker").write_text("")  # truncated
    again = cache.BuildCache(tmp_path / "cache")
    decision = cache.decide(again.load(), metadata())
    again.close()
    assert decision.reasons == [
        "its last generation is damaged (files changed since it was saved)",
        "uv's package cache goes too: it shares those files",
        "the last build's Django results go too: they were taken with them",
        "the package managers' installs go too: uv linked them from its cache",
    ]
    assert not layout.uv.exists() and not layout.django_reuse.exists()
    assert sorted(entry.name for entry in layout.tools.iterdir()) == ["uv-0.12.24-x86_64"]  # a download, not linked
    assert (layout.pip / "wheels" / "x").is_file()  # pip's cache holds copies


def test_an_interrupted_generation_keeps_the_package_caches(tmp_path):
    """A build killed after moving the trees out is not a damage: uv's cache is still good."""
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    (build_cache.layout.uv / "archive-v0").mkdir(parents=True)
    build_cache.close()
    shutil.rmtree(build_cache.root / "current" / "python")
    again = cache.BuildCache(tmp_path / "cache")
    decision = cache.decide(again.load(), metadata())
    again.close()
    assert len(decision.reasons) == 1 and "no Python interpreter" in decision.reasons[0]
    assert (build_cache.layout.uv / "archive-v0").is_dir()


def test_a_generation_without_a_manifest_is_not_trusted(tmp_path):
    """A generation renamed into place by a build that predates manifests, or forged by hand."""
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    (build_cache.root / "current" / cache.MANIFEST).unlink()
    decision = cache.decide(build_cache.load(), metadata())
    assert decision.action == "fresh"
    assert "no manifest" in decision.reasons[0]


def test_a_second_build_waits_for_the_lock_and_then_goes_on_without_the_cache(tmp_path, capsys):
    first = cache.BuildCache(tmp_path / "cache")
    first.save(metadata(), _home(tmp_path))
    assert first.load().metadata is not None
    second = cache.BuildCache(tmp_path / "cache")
    assert second.lock(wait=0.0, poll=0.0) is False
    assert second.enabled is False
    second.save(metadata(requirements="r2"), _home(tmp_path, "two"))  # a no-op without the lock
    out = capsys.readouterr()
    assert "Waiting for another build that is using the build cache" in out.out
    assert "Building without the build cache." in out.err
    first.close()
    third = cache.BuildCache(tmp_path / "cache")
    assert third.load().metadata["requirements"] == "r1"
    third.close()


def test_leftovers_of_a_killed_build_are_swept_at_the_next_start(tmp_path):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    build_cache.layout.runtimes.mkdir()
    uv_dir = build_cache.layout.tools / "uv-0.12.24-x86_64"
    uv_dir.mkdir(parents=True)
    kept = uv_dir / "uv"  # a finished tool stays
    kept.write_text("binary")
    # uv's wheel is fetched beside the runtime, so a kill during the runtime's download cuts it too.
    leftovers = [build_cache.layout.runtimes / ".python-3.12.1.tar.gz.abc123.part",
                 build_cache.root / "gen-1-deadbeef.partial", build_cache.root / "current.0badf00d",
                 uv_dir / ".uv.whl.partial.k102963t.part", uv_dir / "uv.whl.partial", uv_dir / "uv.partial"]
    for path in leftovers:
        path.write_text("half")
    cache.BuildCache(tmp_path / "cache").load()
    assert [p for p in leftovers if os.path.lexists(p)] == []
    assert kept.read_text() == "binary"


def test_a_restore_that_cannot_be_written_is_a_clean_error(tmp_path, monkeypatch):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    previous = build_cache.load()

    def full_disk(source, destination, hardlink=False):
        raise OSError("cp exited with status 1: No space left on device")

    monkeypatch.setattr(cache.commands, "copy_tree", full_disk)
    monkeypatch.setattr(build_cache, "can_hardlink", lambda home: False)  # another filesystem: copied
    with pytest.raises(cache.CacheRestoreError) as error:
        build_cache.restore(previous, tmp_path / "other" / ".heroku")
    assert "No space left on device" in error.value.body


def test_a_save_that_cannot_be_written_warns_and_keeps_the_old_generation(tmp_path, monkeypatch, capsys):
    build_cache = cache.BuildCache(tmp_path / "cache")
    build_cache.save(metadata(), _home(tmp_path))
    first = os.readlink(build_cache.root / "current")

    def full_disk(source, destination, hardlink=False):
        raise OSError("cp exited with status 1: No space left on device")

    monkeypatch.setattr(cache.commands, "copy_tree", full_disk)
    build_cache.save(metadata(requirements="r2"), _home(tmp_path, "two"))
    assert os.readlink(build_cache.root / "current") == first
    assert not list(build_cache.root.glob("*.partial"))
    assert "The build cache could not be saved." in capsys.readouterr().err


def test_the_manifest_digest_is_stable_across_buildpack_versions(tmp_path):
    """The digest is over `path NUL kind NUL size` lines: a cache saved by an earlier
    version of the buildpack must still match after the walk is rewritten."""
    generation = tmp_path / "gen"
    (generation / "python" / "bin").mkdir(parents=True)
    (generation / "python" / "bin" / "python").write_bytes(b"12345")
    (generation / "python" / "lib").symlink_to("bin")
    (generation / "metadata.json").write_text("{}")
    lines = sorted(["python/bin\0d\0" "0", "python/bin/python\0f\0" "5", "python/lib\0l\0" "3", "metadata.json\0f\0" "2"])
    expected = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert cache.take_manifest(generation) == cache.Manifest(4, expected)


class RecordingCache:
    """A BuildCache that records what the session asks of it."""

    def __init__(self, moves: bool) -> None:
        self.calls = []
        self.moves = moves

    def load(self):
        self.calls.append("load")
        return cache.Previous(metadata=metadata().to_json())

    def restore(self, previous, home):
        self.calls.append("restore")
        return self.moves

    def start_save(self, final, home, after, previous=None):
        self.calls.append(f"start_save:{'relink' if previous is not None else 'new'}")
        return "pending"

    def finish_save(self, pending):
        self.calls.append(f"finish_save:{pending}")
        return 7

    def save(self, final, home):
        self.calls.append("save")
        return 9

    def give_back(self):
        self.calls.append("give_back")

    def close(self):
        self.calls.append("close")


def session_over(moves, action, hook_follows=False, hook_ran=False, capsys=None):
    session = cache.Session(None)
    recording = session.cache = RecordingCache(moves)  # type: ignore[assignment]
    with session:
        previous = session.load()
        if action != cache.Action.FRESH:
            session.restore(previous, "home")
        session.environment_ready(metadata(), action, "home", after=lambda: None, hook_follows=hook_follows)
        size = session.finish(hook_ran=hook_ran)
    return recording.calls, size


@pytest.mark.parametrize(
    "moves, action, hook_follows, hook_ran, calls, size",
    [
        # fresh or synced: the new generation is written while the Django steps run
        (True, cache.Action.FRESH, False, False, ["load", "start_save:new", "finish_save:pending", "close"], 7),
        (True, cache.Action.SYNC, False, False, ["load", "restore", "start_save:new", "finish_save:pending", "close"], 7),
        # reused and moved into the build: linked back into the generation it came from
        (True, cache.Action.REUSE, False, False, ["load", "restore", "start_save:relink", "finish_save:pending", "close"],
         7),
        # reused and copied into the build: the cached generation already holds it
        (False, cache.Action.REUSE, False, False, ["load", "restore", "close"], None),
        # a post_compile hook may change the environment: saved once it has run
        (True, cache.Action.SYNC, True, True, ["load", "restore", "save", "close"], 9),
        (False, cache.Action.REUSE, True, True, ["load", "restore", "save", "close"], 9),
        (False, cache.Action.REUSE, True, False, ["load", "restore", "close"], None),
    ],
)
def test_the_session_saves_by_one_of_three_paths(moves, action, hook_follows, hook_ran, calls, size):
    assert session_over(moves, action, hook_follows, hook_ran) == (calls, size)


def test_an_unchanged_cache_is_said_in_the_log(capsys):
    session_over(False, cache.Action.REUSE)
    assert "-----> Cache unchanged\n" in capsys.readouterr().out


def test_a_session_whose_build_fails_gives_the_trees_back_and_keeps_the_lock_until_exit():
    session = cache.Session(None)
    recording = session.cache = RecordingCache(True)  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        with session:
            session.restore(session.load(), "home")
            raise RuntimeError("collectstatic failed")
    assert recording.calls == ["load", "restore", "give_back"]


def test_the_manifest_is_the_same_from_find_as_from_the_walk(tmp_path, monkeypatch):
    generation = tmp_path / "gen"
    (generation / "python" / "lib" / "empty").mkdir(parents=True)
    (generation / "python" / "lib" / "a.py").write_text("x = 1\n")
    (generation / "python" / "lib" / "ünïcode.txt").write_text("")
    (generation / "python" / "bin").mkdir()
    (generation / "python" / "bin" / "python3").symlink_to("../lib/a.py")
    (generation / "metadata.json").write_text("{}")
    listed = cache.take_manifest(generation)
    monkeypatch.setattr(cache.commands, "list_tree", lambda directory: None)  # no find: the walk
    walked = cache.take_manifest(generation)
    assert (listed.files, listed.digest, listed.tree_bytes) == (walked.files, walked.digest, walked.tree_bytes)
    assert listed.files == 7


def test_a_tree_hard_linked_by_several_cp_processes_is_the_same_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(cache.commands, "SPLIT_ENTRIES", 3)  # share out even this small tree
    source = tmp_path / "python"
    site = source / "lib" / "python3.12" / "site-packages"
    for index in range(7):
        (site / f"pkg{index}").mkdir(parents=True)
        (site / f"pkg{index}" / "__init__.py").write_text(str(index))
    (site / "top.pth").write_text("x")
    (source / "bin").mkdir()
    (source / "bin" / "python").symlink_to("python3.12")
    (source / "lib" / "python3.12" / "empty").mkdir()
    assert cache.commands._link_in_parallel(source, tmp_path / "linked", jobs=2)
    assert sorted(cache.commands.list_tree(tmp_path / "linked")) == sorted(cache.commands.list_tree(source))
    assert os.path.samefile(site / "pkg3" / "__init__.py", tmp_path / "linked/lib/python3.12/site-packages/pkg3/__init__.py")
    assert os.readlink(tmp_path / "linked" / "bin" / "python") == "python3.12"


def test_a_parallel_hard_link_that_fails_falls_back_to_one_cp(tmp_path, monkeypatch):
    source = tmp_path / "python"
    (source / "lib").mkdir(parents=True)
    (source / "lib" / "a.py").write_text("a")

    def refuse(*args, **kwargs):
        (tmp_path / "linked").mkdir()  # a half-made skeleton, removed before the one cp
        raise OSError("no cp --parents here")

    monkeypatch.setattr(cache.commands, "_link_skeleton", refuse)
    cache.commands.copy_tree(source, tmp_path / "linked", hardlink=True)
    assert (tmp_path / "linked" / "lib" / "a.py").read_text() == "a"


def test_a_cache_the_build_cannot_open_is_gone_without_and_said(tmp_path, capsys):
    """Another user's cache (a container build's, as root), a read-only mount: no traceback."""
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("")
    build_cache = cache.BuildCache(not_a_directory)
    previous = build_cache.load()
    assert previous.metadata is None and previous.problem is None
    assert build_cache.enabled is False
    assert build_cache.layout.root == cache.CacheLayout.under(None).root  # downloads go where a build without CACHE_DIR puts them
    assert build_cache.save(metadata(), _home(tmp_path)) is None
    build_cache.close()
    err = capsys.readouterr().err
    assert "Building without the build cache." in err
    assert "The build cache could not be opened: Not a directory" in err
