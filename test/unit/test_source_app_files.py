"""source/app_files: the app's own files, never a link out of the app or a directory taken for "absent"."""
import os

import pytest

from buildpack.errors import SourceTreeError
from buildpack.source import app_files


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    (root / "config").mkdir(parents=True)
    (root / "config" / "reqs.txt").write_text("Django\n")
    return root


def make(app, kind):
    path = app / "requirements.txt"
    if kind == "file":
        path.write_text("Django\n")
    elif kind == "directory":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to("nowhere.txt")
    elif kind == "outside":
        path.symlink_to("/etc/passwd")
    elif kind == "outside-relative":
        path.symlink_to("../../../../../../etc/passwd")
    elif kind == "inside-link":
        path.symlink_to("config/reqs.txt")
    elif kind == "fifo":
        os.mkfifo(path)


@pytest.mark.parametrize(
    "kind, reason, title",
    [
        ("directory", "source::not-a-file", "requirements.txt is a directory."),
        ("dangling", "source::not-a-file", "requirements.txt is a broken link."),
        ("fifo", "source::not-a-file", "requirements.txt is not a file."),
        ("outside", "source::link-outside-app", "requirements.txt is a link to a file outside the app."),
        ("outside-relative", "source::link-outside-app", "requirements.txt is a link to a file outside the app."),
    ],
)
def test_what_is_not_the_apps_own_file_is_an_error(app, kind, reason, title):
    make(app, kind)
    with pytest.raises(SourceTreeError) as error:
        app_files.app_file(app, "requirements.txt")
    assert (error.value.reason, error.value.title) == (reason, title)
    assert "root:" not in error.value.body  # the link's text may be quoted, never the content


@pytest.mark.parametrize("kind", ["file", "inside-link"])
def test_a_file_or_a_link_inside_the_app_is_used(app, kind):
    make(app, kind)
    assert app_files.app_file(app, "requirements.txt") == app / "requirements.txt"


def test_no_file_is_none(app):
    assert app_files.app_file(app, "requirements.txt") is None


LFS_POINTER_TEXT = (b"version https://git-lfs.github.com/spec/v1\n"
                    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


@pytest.mark.parametrize("data, found", [
    (b"#!/usr/bin/env python\nimport os\n", None),
    (b"\xef\xbb\xbfimport os\n", None),                                  # a UTF-8 BOM is fine
    ("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1"), None),  # so is a coding line
    (b"", None),
    (LFS_POINTER_TEXT, "a Git LFS pointer"),
    (b"\x00GITCRYPT\x00\x9a\x11", "a file encrypted by git-crypt"),
    ("import os\n".encode("utf-16"), "UTF-16 text (Python reads UTF-8)"),
    (b"\x7fELF\x02\x01\x01\x00\x00", "binary data (it contains NUL bytes)"),
    (b"import os\n\x93\xfe\xa0 = 1\n", "bytes that are not UTF-8 text"),
    (b"# -*- coding: no-such-codec -*-\n", "bytes that are not UTF-8 text"),
])
def test_what_a_python_file_holds_instead_of_source(data, found):
    assert app_files.not_python_text(data) == found


@pytest.mark.parametrize("data, reason, title, phrases", [
    (LFS_POINTER_TEXT, "source::lfs-pointer", "manage.py is a Git LFS pointer, not the file itself.",
     ["pointer in place of its Python source:\n    version https://git-lfs.github.com/spec/v1\n", "git lfs untrack manage.py",
      "git add --renormalize manage.py"]),
    (os.urandom(64) + b"\x00", "source::not-python-text", "manage.py is not a Python text file.",
     ["manage.py holds binary data (it contains NUL bytes), not Python\nsource (65 bytes).",
      "git show HEAD:manage.py", "Commit the real manage.py", ".gitattributes"]),
])
def test_a_python_file_that_is_not_source_is_an_error(app, data, reason, title, phrases):
    (app / "manage.py").write_bytes(data)
    with pytest.raises(SourceTreeError) as error:
        app_files.refuse_non_python(app, app / "manage.py")
    assert (error.value.reason, error.value.title) == (reason, title)
    for phrase in phrases:
        assert phrase in error.value.body


def test_python_source_is_left_alone(app):
    (app / "config" / "settings.py").write_text("DEBUG = False\n")
    app_files.refuse_non_python(app, app / "config" / "settings.py")
