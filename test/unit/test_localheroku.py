"""Self-test of tools/localheroku.py's pure parts: argv, environments, parsers, naming."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import localheroku as lh  # noqa: E402

HOST = lh.HostLayout(root_dirs=(), pip_config_dirs=("/etc/xdg/pip",), pip_config_files=("/etc/pip.conf",),
                     system_pythons=("/usr/bin/python3.11",), dist_packages=("/usr/lib/python3/dist-packages",))


def pairs(argv: list[str], flag: str) -> list[tuple[str, str]]:
    """Every (SRC, DEST) following FLAG in a bwrap argv."""
    return [(argv[i + 1], argv[i + 2]) for i, arg in enumerate(argv) if arg == flag]


@pytest.mark.parametrize("given, expected", [
    ([], {}),
    (["A=1", "B=x=y"], {"A": "1", "B": "x=y"}),
    (["EMPTY="], {"EMPTY": ""}),
    (["MULTI=a\nb"], {"MULTI": "a\nb"}),
    (["A=1", "A=2"], {"A": "2"}),
])
def test_parse_config(given: list[str], expected: dict[str, str]) -> None:
    assert lh.parse_config(given) == expected


@pytest.mark.parametrize("bad", ["NOVALUE", "=x", "a/b=1"])
def test_parse_config_rejects(bad: str) -> None:
    with pytest.raises(lh.LocalHerokuError):
        lh.parse_config([bad])


def test_parse_procfile() -> None:
    text = ("# comment\nweb: gunicorn app.wsgi --log-file -  \n\nrelease:python manage.py migrate\n"
            "not a line\nw-2_x: a: b\n")
    assert lh.parse_procfile(text) == {
        "web": "gunicorn app.wsgi --log-file -", "release": "python manage.py migrate", "w-2_x": "a: b"}


@pytest.mark.parametrize("text, expected", [
    ("", {"addons": [], "default_process_types": {}}),
    ("---\naddons: []\ndefault_process_types: {}\n", {"addons": [], "default_process_types": {}}),
    ("---\naddons:\n  - heroku-postgresql:hobby-dev\ndefault_process_types:\n"
     "  web: gunicorn x.wsgi\n  # comment\n  release: 'python manage.py migrate --noinput'\n",
     {"addons": ["heroku-postgresql:hobby-dev"],
      "default_process_types": {"web": "gunicorn x.wsgi", "release": "python manage.py migrate --noinput"}}),
    ("addons: [a, 'b']\ndefault_process_types:\n  web: \"echo \\\"hi\\\"\"\n",
     {"addons": ["a", "b"], "default_process_types": {"web": 'echo "hi"'}}),
    ("config_vars:\n  A: b\n", {"addons": [], "default_process_types": {}, "config_vars": {"A": "b"}}),
])
def test_parse_release_yaml(text: str, expected: dict[str, object]) -> None:
    assert lh.parse_release_yaml(text) == expected


@pytest.mark.parametrize("bad", ["just text\n", "  web: x\n", "default_process_types: web\n",
                                 "default_process_types:\n  no colon here\n"])
def test_parse_release_yaml_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        lh.parse_release_yaml(bad)


def test_procfile_wins_per_type() -> None:
    merged = lh.merge_process_types({"web": "gunicorn a"}, {"web": "gunicorn b", "release": "migrate"})
    assert merged == {"web": ("gunicorn a", "Procfile"), "release": ("migrate", "buildpack default")}


def test_build_dir_naming() -> None:
    first, second = lh.build_dir_path(None, False), lh.build_dir_path(None, False)
    assert re.fullmatch(r"/tmp/build_[0-9a-f]{32}", first) and first != second
    assert lh.build_dir_path("abc", False) == "/tmp/build_abc"
    assert lh.build_dir_path("/tmp/build", False) == "/tmp/build"
    assert lh.build_dir_path("abc", True) == "/app"


def test_build_env_is_explicit() -> None:
    host = {"SSL_CERT_FILE": "/ca.crt", "https_proxy": "http://p:3128", "PIP_CERT": "/ca.crt",
            "PIP_FIND_LINKS": "/opt/wheels", "PYTHONDONTWRITEBYTECODE": "1", "VIRTUAL_ENV": "/v", "HOME": "/root"}
    env = lh.build_env("heroku-22", "abc123", host, "file:///rt", {"EXTRA": "1"})
    assert env == {"STACK": "heroku-22", "SOURCE_VERSION": "abc123", "DYNO": "run.1", "HOME": "/app",
                   "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                   "SSL_CERT_FILE": "/ca.crt", "https_proxy": "http://p:3128", "PIP_CERT": "/ca.crt",
                   "PYTHON_RUNTIMES_URL": "file:///rt", "EXTRA": "1"}
    assert "PYTHON_RUNTIMES_URL" not in lh.build_env("heroku-22", "abc", {}, None)


def test_run_env_adds_config_last() -> None:
    env = lh.run_env("web.1", 5000, {"SECRET_KEY": "s", "LANG": "en_US.UTF-8"})
    assert env == {"HOME": "/app", "PORT": "5000", "DYNO": "web.1", "PATH": lh.PATH, "LANG": "en_US.UTF-8",
                   "SECRET_KEY": "s"}


def test_runtime_store(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lh.runtime_store({"PYTHON_RUNTIMES_URL": "file:///srv/runtimes"}) == Path("/srv/runtimes")
    assert lh.runtime_store({"PYTHON_RUNTIMES_URL": "https://example.invalid"}) == lh.REPO / ".runtimes"
    assert lh.runtime_store({}) == lh.REPO / ".runtimes"


def test_sandbox_argv_shape() -> None:
    argv = lh.sandbox_argv(["--tmpfs", "/tmp"], {"A": "1"}, ["/bin/true", "x"], network=False)
    assert argv[:8] == ["bwrap", "--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid",
                        "--die-with-parent"]
    assert "--unshare-net" in argv
    assert argv.index("--clearenv") < argv.index("--setenv")
    assert argv[-3:] == ["--", "/bin/true", "x"]
    assert "--unshare-net" not in lh.sandbox_argv([], {}, ["true"], network=True)


def test_system_mounts_hide_host_pythons_and_pip_config() -> None:
    args = lh.system_mounts(HOST, "/e", hide_system_python=True)
    assert args.index("/tmp") < args.index("/usr")  # tmpfs /tmp first: later binds land on it
    assert ("/e", "/etc/pip.conf") in pairs(args, "--ro-bind")
    assert ("/e", "/usr/bin/python3.11") in pairs(args, "--ro-bind")
    assert ("usr/bin", "/bin") in pairs(args, "--symlink")
    tmpfs = [args[i + 1] for i, a in enumerate(args) if a == "--tmpfs"]
    assert tmpfs == ["/tmp", "/etc/xdg/pip", "/root", "/usr/local", "/usr/lib/python3/dist-packages"]
    assert "/usr/bin/python3.11" not in lh.system_mounts(HOST, "/e", hide_system_python=False)


def test_build_mounts() -> None:
    args = lh.build_mounts(HOST, tmp_host="/h/tmp", build_host="/h/tmp/build_x", build_dir="/tmp/build_x",
                           env_host="/h/env", buildpack_host="/h/bp", stack_python="/root/.pyenv/versions/3.8.18",
                           stores=["/srv/rt"], empty_file="/e")
    binds = pairs(args, "--bind")
    # BUILD_DIR and CACHE_DIR share the one /tmp mount (hard links work between them, as on Heroku)
    assert binds == [("/h/tmp", "/tmp"), ("/h/bp", "/tmp/buildpack")]
    assert ("/h/env", "/tmp/env") in pairs(args, "--ro-bind")
    assert ("/srv/rt", "/srv/rt") in pairs(args, "--ro-bind-try")
    assert ("/root/.pyenv/versions/3.8.18/bin/python3", "/usr/local/bin/python3") in pairs(args, "--symlink")
    # the stack Python comes after /root is emptied, or the tmpfs would hide it
    assert args.index("/root/.pyenv/versions/3.8.18") > args.index("/root")
    assert args[args.index("/app") - 1] == "--tmpfs"
    ci = lh.build_mounts(HOST, tmp_host="/h/tmp", build_host="/h/build", build_dir="/app", env_host="/e",
                         buildpack_host="/b", stack_python="/p", stores=[], empty_file="/e")
    assert ("/h/build", "/app") in pairs(ci, "--bind") and "--tmpfs" not in ci[ci.index("/app") - 1:ci.index("/app")]


def test_scratch_layout_puts_build_and_cache_in_one_tmp(tmp_path: Path) -> None:
    tmp, build, cache = lh.scratch_layout(tmp_path, "/tmp/build_abc")
    assert (tmp, build, cache) == (tmp_path / "tmp", tmp_path / "tmp/build_abc", tmp_path / "tmp/codon/tmp/cache")
    assert lh.scratch_layout(tmp_path, "/app")[1] == tmp_path / "build"


def test_a_killed_in_place_build_gets_its_cache_back(tmp_path: Path) -> None:
    stray = tmp_path / ".build-x" / "tmp" / "codon" / "tmp" / "cache"
    stray.mkdir(parents=True)
    (stray / "marker").write_text("kept")
    lh.recover_cache(tmp_path)
    assert (tmp_path / "cache" / "marker").read_text() == "kept"
    assert not (tmp_path / ".build-x").exists()


def test_dyno_command_runs_compound_commands(tmp_path: Path) -> None:
    argv = lh.dyno_command("echo a && echo b; exit 3")
    assert argv[:2] == ["bash", "-c"] and argv[-1] == "echo a && echo b; exit 3"
    # Outside a sandbox there is no /app: run the same script with /app swapped for a temp dir.
    (tmp_path / ".profile.d").mkdir()
    (tmp_path / ".profile.d" / "x.sh").write_text('export GREETING="${GREETING:-hi}"\n')
    script = argv[2].replace("/app", str(tmp_path))
    result = subprocess.run(["bash", "-c", script, "dyno", 'echo "$GREETING $PWD" && echo b; exit 3'],
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (3, f"hi {tmp_path}\nb\n")


def test_env_dir_round_trip(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "STALE").write_text("old")
    lh.write_env_dir(tmp_path / "env", {"A": "1", "MULTI": "x\ny"})
    assert lh.read_env_dir(tmp_path / "env") == {"A": "1", "MULTI": "x\ny"}


def test_copy_app_sends_what_git_would(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "ignored").mkdir(parents=True)
    (app / ".gitignore").write_text("ignored/\n")
    (app / "ignored" / "junk").write_text("x")
    (app / "manage.py").write_text("")
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    lh.copy_app(app, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".gitignore", "manage.py"]
    plain = tmp_path / "plain"
    (plain / ".git").mkdir(parents=True)
    (plain / "a").write_text("")
    lh.copy_app(plain, plain / "copy")  # a copy inside the app must not copy itself
    assert sorted(p.name for p in (plain / "copy").iterdir()) == ["a"]


def test_copy_buildpack_leaves_out_dev_files(tmp_path: Path) -> None:
    for name in ("bin/compile", "lib/buildpack/x.py", "lib/buildpack/__pycache__/x.pyc", "test/t.py",
                 ".venv38/x", ".git/HEAD", ".runtimes/r.tar", "export", "buildpack.toml", "data/versions.json"):
        (tmp_path / "bp" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "bp" / name).write_text("")
    lh.copy_buildpack(tmp_path / "bp", tmp_path / "copy")
    kept = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert kept == ["bin/compile", "buildpack.toml", "data/versions.json", "lib/buildpack/x.py"]


def test_an_empty_map_document_parses_as_nothing_declared():
    assert lh.parse_release_yaml("---\n{}\n") == {"addons": [], "default_process_types": {}}
