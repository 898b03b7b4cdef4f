import os
from pathlib import Path

import pytest

from buildpack.dependencies import requirements


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Django==5.2.8", "Django==5.2.8"),
        ("django[argon2]>=5 ; python_version >= '3.10'", "django[argon2]>=5 ; python_version >= '3.10'"),
        ("whitenoise==6.9.0 --hash=sha256:abc", "whitenoise==6.9.0"),
        ("-e git+file:///src/lib.git#egg=mylib", "mylib"),
        ("git+https://example.com/x.git#egg=xlib", "xlib"),
        ("mylib @ git+https://example.com/x.git", "mylib @ git+https://example.com/x.git"),
        ("-e .", None),
        ("./vendor/pkg", None),
        ("https://example.com/pkg-1.0.tar.gz", None),
    ],
)
def test_requirement_of(line, expected):
    assert requirements.requirement_of(line) == expected


def test_logical_lines_join_continuations_and_drop_comments():
    text = "# comment\nDjango==5.2 \\\n    --hash=sha256:aa\n\ngunicorn  # web server\n"
    assert list(requirements.logical_lines(text)) == ["Django==5.2      --hash=sha256:aa", "gunicorn"]


def test_nested_requirement_and_constraint_files_are_followed(tmp_path):
    main = write(tmp_path, "requirements.txt", "-r requirements/base.txt\n-c constraints.txt\ngunicorn\n")
    write(tmp_path, "requirements/base.txt", "Django==5.2.8\n--requirement=extra.txt\n")
    write(tmp_path, "requirements/extra.txt", "whitenoise\n")
    write(tmp_path, "constraints.txt", "sqlparse<1\n")
    files = [(p.relative_to(tmp_path).as_posix(), kind) for p, kind in requirements.included_files(main)]
    assert files == [
        ("requirements.txt", "requirement"),
        ("requirements/base.txt", "requirement"),
        ("requirements/extra.txt", "requirement"),
        ("constraints.txt", "constraint"),
    ]
    assert sorted(requirements.top_level(main)) == ["Django==5.2.8", "gunicorn", "whitenoise"]


def test_fingerprint_changes_with_nested_file_and_settings(tmp_path):
    main = write(tmp_path, "requirements.txt", "-r base.txt\n")
    base = write(tmp_path, "base.txt", "Django==5.2.8\n")
    first = requirements.fingerprint(main, {})
    base.write_text("Django==5.2.9\n")
    second = requirements.fingerprint(main, {})
    assert first != second
    assert requirements.fingerprint(main, {"PIP_INDEX_URL": "https://x"}) != second
    assert requirements.fingerprint(main, {}) == second


def test_include_cycles_terminate(tmp_path):
    a = write(tmp_path, "a.txt", "-r b.txt\nx\n")
    write(tmp_path, "b.txt", "-r a.txt\ny\n")
    assert sorted(requirements.top_level(a)) == ["x", "y"]


def test_unnameable_line_makes_top_level_unknown(tmp_path):
    assert requirements.top_level(write(tmp_path, "r.txt", "Django\n-e .\n")) is None


def test_local_package_code_is_part_of_the_fingerprint(tmp_path):
    main = write(tmp_path, "requirements.txt", "Django==5.2.8\n./vendor/plainlib\n-e .\n")
    module = write(tmp_path, "vendor/plainlib/plainlib/__init__.py", "VALUE = 1\n")
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup()\n")
    assert requirements.local_paths(main) == [(tmp_path / "vendor/plainlib").resolve(), tmp_path.resolve()]
    first = requirements.fingerprint(main, {})
    module.write_text("VALUE = 2\n")
    assert requirements.fingerprint(main, {}) != first


def test_pycache_and_git_do_not_change_the_fingerprint(tmp_path):
    main = write(tmp_path, "requirements.txt", "./lib\n")
    write(tmp_path, "lib/mod.py", "x = 1\n")
    first = requirements.fingerprint(main, {})
    write(tmp_path, "lib/__pycache__/mod.cpython-312.pyc", "junk")
    write(tmp_path, "lib/.git/HEAD", "ref: refs/heads/main\n")
    assert requirements.fingerprint(main, {}) == first


@pytest.mark.parametrize("line", ["-e /dev", "-e /", "-e /dev/zero", "/dev/zero", "-r /dev/zero", "-c /dev/urandom",
                                  "-e ./pipe", "-r pipe"])
def test_the_fingerprint_never_reads_devices_fifos_or_paths_outside_the_app(tmp_path, line):
    app = tmp_path / "app"
    app.mkdir()
    os.mkfifo(app / "pipe")  # reading it would block for ever
    (app / "requirements.txt").write_text(f"{line}\nDjango==5.2.8\n")
    first = requirements.fingerprint(app / "requirements.txt", {}, app)
    assert first == requirements.fingerprint(app / "requirements.txt", {}, app)
    (app / "requirements.txt").write_text(f"{line}\nDjango==5.2.9\n")
    assert requirements.fingerprint(app / "requirements.txt", {}, app) != first


def test_a_local_package_inside_the_app_is_hashed_by_content_and_links_by_their_text(tmp_path):
    app = tmp_path / "app"
    (app / "pkg").mkdir(parents=True)
    (app / "pkg" / "setup.py").write_text("one")
    (app / "pkg" / "outside").symlink_to("/dev/zero")
    (app / "requirements.txt").write_text("-e ./pkg\n")
    first = requirements.fingerprint(app / "requirements.txt", {}, app)
    (app / "pkg" / "setup.py").write_text("two")
    assert requirements.fingerprint(app / "requirements.txt", {}, app) != first


def test_a_file_past_the_hashing_bound_counts_by_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(requirements, "MAX_HASHED_FILE", 10)
    (tmp_path / "big.bin").write_bytes(b"a" * 20)
    first = requirements.tree_digest(tmp_path)
    (tmp_path / "big.bin").write_bytes(b"b" * 20)
    assert requirements.tree_digest(tmp_path) == first  # same size: not read
    (tmp_path / "big.bin").write_bytes(b"b" * 21)
    assert requirements.tree_digest(tmp_path) != first


def test_includes_that_are_not_regular_files_are_named(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "dir.txt").mkdir()
    (tmp_path / "ok.txt").write_text("six\n")
    (tmp_path / "requirements.txt").write_text("-r pipe.txt\n-c /dev/urandom\n-r dir.txt\n-r ok.txt\n-r missing.txt\n")
    assert requirements.unreadable_includes(tmp_path / "requirements.txt") == [
        ("-r pipe.txt", "is not a regular file (a device or a named pipe)"),
        ("-c /dev/urandom", "is not a regular file (a device or a named pipe)"),
        ("-r dir.txt", "is a directory"),
    ]


@pytest.mark.parametrize("data, problem", [
    (b"Django==5.2.8\n", None),
    ("Django==5.2.8\n".encode("utf-16"), None),
    (b"\xef\xbb\xbfDjango\n", None),
    (b"Django\x00\n", "contains a NUL byte (it is not a text file)"),
    (bytes(range(128, 256)), "is not UTF-8 text"),
])
def test_a_requirements_file_pip_cannot_read_is_named(tmp_path, data, problem):
    (tmp_path / "requirements.txt").write_bytes(data)
    expected = [("requirements.txt", problem)] if problem else []
    assert requirements.unreadable_includes(tmp_path / "requirements.txt") == expected


def test_a_local_path_that_is_a_device_is_named(tmp_path):
    (tmp_path / "requirements.txt").write_text("/dev/zero\n-e /dev\n")
    assert requirements.unreadable_includes(tmp_path / "requirements.txt") == [
        ("/dev/zero", "is not a package: a device or a named pipe")]


def test_merge_conflict_markers_are_found_in_included_files_too(tmp_path):
    write(tmp_path, "base.txt", "Django==5.2.8\n<<<<<<< HEAD\nwhitenoise==6.9.0\n=======\nwhitenoise==6.8.0\n>>>>>>> main\n")
    write(tmp_path, "requirements.txt", "-r base.txt\ngunicorn==23.0.0\n")
    assert requirements.conflict_markers(tmp_path / "requirements.txt") == [
        ("base.txt", 2), ("base.txt", 4), ("base.txt", 6)]


def test_a_heading_of_equals_signs_is_not_a_conflict_marker(tmp_path):
    write(tmp_path, "requirements.txt", "# ======== web ========\nDjango==5.2.8  # =======\n")
    assert requirements.conflict_markers(tmp_path / "requirements.txt") == []


def test_local_directories_without_a_project_file_are_found(tmp_path):
    write(tmp_path, "libs/ours/pyproject.toml", "[project]\nname = 'ours'\n")
    (tmp_path / "libs/empty").mkdir()
    write(tmp_path, "requirements.txt", "-e .\n./libs/ours\n./libs/empty\n./dist/x.whl\n")
    found = requirements.local_dirs_without_project(tmp_path / "requirements.txt")
    assert found == [tmp_path.resolve(), (tmp_path / "libs/empty").resolve()]
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup()\n")
    found = requirements.local_dirs_without_project(tmp_path / "requirements.txt")
    assert found == [(tmp_path / "libs/empty").resolve()]
