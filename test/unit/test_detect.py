import subprocess
from pathlib import Path

import pytest

from buildpack import detect

REPO = Path(__file__).resolve().parents[2]


def make(tmp_path, *files):
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return tmp_path


@pytest.mark.parametrize(
    "files, expected",
    [
        (["requirements.txt"], "Python"),
        (["runtime.txt"], "Python"),
        ([".python-version"], "Python"),
        (["pyproject.toml"], "Python"),
        (["requirments.txt"], "Python"),
        (["manage.py"], "Python/Django"),
        (["site/project/manage.py"], "Python/Django"),
        (["a/b/c/manage.py"], "Python/Django"),
        (["a/b/c/d/manage.py"], None),
        (["README.md", "package.json"], None),
        ([], None),
    ],
)
def test_framework_name(tmp_path, files, expected):
    assert detect.framework_name(make(tmp_path, *files)) == expected


def test_django_in_requirements_names_django(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django==5.2\n")
    assert detect.framework_name(tmp_path) == "Python/Django"


def test_shallowest_manage_py_wins(tmp_path):
    make(tmp_path, "z/manage.py", "a/b/manage.py")
    assert detect.find_manage_py(tmp_path) == tmp_path / "z" / "manage.py"


def test_skipped_dirs_are_not_searched(tmp_path):
    make(tmp_path, "requirements.txt", "node_modules/x/manage.py", ".venv/manage.py")
    assert detect.find_manage_py(tmp_path) is None


def test_bin_detect_fails_on_stderr_listing_the_root(tmp_path):
    make(tmp_path, "index.js", "src/app.js")
    completed = subprocess.run([str(REPO / "bin" / "detect"), str(tmp_path)], capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "requirements.txt" in completed.stderr
    assert "index.js, src/" in completed.stderr


def test_bin_detect_names_django(tmp_path):
    make(tmp_path, "manage.py", "requirements.txt")
    completed = subprocess.run([str(REPO / "bin" / "detect"), str(tmp_path)], capture_output=True, text=True)
    assert (completed.returncode, completed.stdout) == (0, "Python/Django\n")
