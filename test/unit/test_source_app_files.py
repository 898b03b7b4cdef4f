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
