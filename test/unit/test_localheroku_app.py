"""What the local platform sends, stores and forwards: git trees, .slugignore, config vars, .env,
the router's headers."""
from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from localheroku import appsource, router  # noqa: E402
from localheroku.configstore import ConfigStore, parse_assignments, parse_dotenv  # noqa: E402
from localheroku.contract import LocalHerokuError  # noqa: E402


def git(app: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(app), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_a_git_app_sends_its_committed_tree_and_lists_what_it_left_out(tmp_path: Path) -> None:
    app = tmp_path / "repo" / "app"
    app.mkdir(parents=True)
    (app / "manage.py").write_text("committed\n")
    (app / "kept.txt").write_text("x")
    (tmp_path / "repo" / "outside.txt").write_text("not the app")
    git(tmp_path / "repo", "init", "-q")
    git(tmp_path / "repo", "add", ".")
    git(tmp_path / "repo", "commit", "-qm", "one")
    (app / "manage.py").write_text("edited, not committed\n")
    (app / "new.py").write_text("untracked")
    sent = appsource.copy_app(app, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["kept.txt", "manage.py"]
    assert (tmp_path / "out" / "manage.py").read_text() == "committed\n"
    assert sent.left_out == ["manage.py", "new.py"]
    assert sent.source_version and len(sent.source_version) == 40


@pytest.mark.parametrize("text, expected", [
    (" M a.py\0?? b/c.py\0", ["a.py", "b/c.py"]),
    ("R  new.py\0old.py\0 D gone.py\0", ["new.py", "gone.py"]),
    ("", []),
])
def test_parse_porcelain(text: str, expected: list[str]) -> None:
    assert appsource.parse_porcelain(text) == expected


@pytest.mark.parametrize("path, patterns, ignored", [
    ("docs", ["docs"], True),
    ("a/b/notes.md", ["*.md"], True),
    ("a/b/notes.md", ["/notes.md"], False),
    ("notes.md", ["/notes.md"], True),
    ("tests/data/x.bin", ["tests/data"], False),  # the walk meets tests/data first and removes it whole
    ("tests/data", ["tests/data"], True),
    ("media", ["media/"], True),
    ("app.py", ["*.md", "docs"], False),
])
def test_slugignored(path: str, patterns: list[str], ignored: bool) -> None:
    assert appsource.slugignored(path, patterns) is ignored


def test_apply_slugignore_removes_before_the_build(tmp_path: Path) -> None:
    for name in ("docs/a.md", "src/app.py", "src/README.md", "big/blob.bin"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / ".slugignore").write_text("# comment\n*.md\n/big\n\n")
    removed = appsource.apply_slugignore(tmp_path)
    assert sorted(removed) == ["big", "docs/a.md", "src/README.md"]
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [".slugignore", "src/app.py"]


@pytest.mark.parametrize("text, expected", [
    ("A=1\n# c\n\nexport B = two\n", {"A": "1", "B": "two"}),
    ("Q=\"line1\\nline2\"\nS='raw\\n'\n", {"Q": "line1\nline2", "S": "raw\\n"}),
    ("URL=postgres://u:p@h/db # the db\n", {"URL": "postgres://u:p@h/db"}),
    ("not a line\n1BAD=x\n", {}),
])
def test_parse_dotenv(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text) == expected


def test_config_store_persists_owner_only(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "work")
    store.set({"SECRET_KEY": "s3cret", "DEBUG": "0"})
    store.set({"DEBUG": "1"})
    assert ConfigStore(tmp_path / "work").all() == {"DEBUG": "1", "SECRET_KEY": "s3cret"}
    assert stat.S_IMODE(store.dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in store.dir.iterdir()} == {0o600}
    assert store.unset(["DEBUG", "NOPE"]) == ["DEBUG"]
    assert store.all() == {"SECRET_KEY": "s3cret"}


def test_a_bad_assignment_never_echoes_its_value() -> None:
    assert parse_assignments(["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(LocalHerokuError) as error:
        parse_assignments(["sk_live_abcdef"])
    assert "sk_live_abcdef" not in str(error.value)
    with pytest.raises(LocalHerokuError) as bad_name:
        parse_assignments(["a/b=sk_live_secretvalue"])
    assert "sk_live_secretvalue" not in str(bad_name.value)


def test_the_router_adds_herokus_headers_and_drops_spoofed_ones() -> None:
    headers = router.forwarded_headers([("Host", "127.0.0.1:8443"), ("X-Forwarded-Proto", "http"),
                                        ("Connection", "keep-alive"), ("Cookie", "a=b")], "127.0.0.1", 8443, "req-1")
    assert headers == [("Host", "127.0.0.1:8443"), ("Cookie", "a=b"), ("X-Forwarded-Proto", "https"),
                       ("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-Port", "8443"), ("X-Request-Id", "req-1")]
