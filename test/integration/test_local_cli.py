"""The local platform's command line, used as `heroku local` users would, from the app's dir.

Tiny bash buildpacks keep these fast (no pip): what is under test is the platform around the
buildpack: config vars, .env, git trees, .slugignore, several buildpacks, the release phase and
process types. Runs in the sandbox runner; test_container.py covers the container runner.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from integration.local_platform import REPO

SECRET = "sk_live_0123456789abcdef-never-printed"


def localheroku(app: Path, work: Path, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PYTHONPATH=str(REPO / "tools"), RUNNER="sandbox", STACK="heroku-24")
    result = subprocess.run([sys.executable, "-m", "localheroku", "--work", str(work), *args], cwd=app, env=env,
                            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def buildpack(root: Path, name: str, compile_script: str, release: str = "---\n{}\n") -> Path:
    """A classic buildpack in a few lines of bash."""
    bp = root / name
    (bp / "bin").mkdir(parents=True)
    scripts = {"detect": f"#!/bin/bash\necho {name}\n", "compile": f"#!/bin/bash\nset -eu\n{compile_script}\n",
               "release": f"#!/bin/bash\ncat <<'EOF'\n{release}EOF\n"}
    for script, text in scripts.items():
        (bp / "bin" / script).write_text(text)
        (bp / "bin" / script).chmod(0o755)
    return bp


def app_dir(root: Path, files: dict[str, str]) -> Path:
    app = root / "app"
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    return app


def test_config_vars_persist_and_never_show(tmp_path: Path) -> None:
    bp = buildpack(tmp_path, "secret-reader", 'echo "SECRET_KEY has $(wc -c < "$3/SECRET_KEY") bytes"')
    app, work = app_dir(tmp_path, {"Procfile": "web: true\n"}), tmp_path / "work"
    set_ = localheroku(app, work, "config:set", f"SECRET_KEY={SECRET}", "DEBUG=0")
    first = localheroku(app, work, "build", "--buildpack", str(bp))
    second = localheroku(app, work, "build", "--buildpack", str(bp))  # persisted: no --config this time
    listed = localheroku(app, work, "config")
    dyno = localheroku(app, work, "run", f'test "$SECRET_KEY" = "{SECRET}" && echo the-dyno-has-it')
    assert f"SECRET_KEY has {len(SECRET)} bytes" in second.stdout
    assert "the-dyno-has-it" in dyno.stdout
    for result in (set_, first, second, listed):
        assert SECRET not in result.stdout + result.stderr
    assert "SECRET_KEY: (set, 38 characters)" in listed.stdout
    assert localheroku(app, work, "config:get", "SECRET_KEY").stdout == SECRET + "\n"
    for path in work.rglob("*"):  # nothing world- or group-readable holds the value
        if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o044:
            assert SECRET not in path.read_text(errors="replace"), path
    assert stat.S_IMODE((work / "env" / "SECRET_KEY").stat().st_mode) == 0o600
    localheroku(app, work, "config:unset", "SECRET_KEY")
    assert "SECRET_KEY" not in localheroku(app, work, "config").stdout


def test_dotenv_is_read_for_local_runs_and_warned_about(tmp_path: Path) -> None:
    bp = buildpack(tmp_path, "noop", "true")
    app, work = app_dir(tmp_path, {".env": "# local only\nFROM_DOTENV=dotenv-value\n", "Procfile": "web: true\n"}), tmp_path / "w"
    localheroku(app, work, "build", "--buildpack", str(bp))
    ran = localheroku(app, work, "run", "echo got-$FROM_DOTENV")
    assert "got-dotenv-value" in ran.stdout
    assert "Warning: read FROM_DOTENV from" in ran.stderr
    assert "Heroku never reads .env" in ran.stderr


def test_run_without_a_successful_build_says_so(tmp_path: Path) -> None:
    app = app_dir(tmp_path, {"Procfile": "web: true\n"})
    ran = localheroku(app, tmp_path / "never-built", "run", check=False)
    assert ran.returncode == 1
    assert "no successful build" in ran.stderr
    assert "no web process type" not in ran.stderr


def test_a_failing_release_starts_nothing(tmp_path: Path) -> None:
    bp = buildpack(tmp_path, "noop", "true")
    app = app_dir(tmp_path, {"Procfile": "release: echo releasing; exit 3\nweb: echo web-started; sleep 60\n"})
    localheroku(app, tmp_path / "w", "build", "--buildpack", str(bp))
    ran = localheroku(app, tmp_path / "w", "run", check=False)
    assert ran.returncode == 1
    assert "release.1 | releasing" in ran.stdout
    assert "release phase failed with status 3: no process was started" in ran.stderr
    assert "| web-started" not in ran.stdout and "web.1 |" not in ran.stdout


def test_a_worker_runs_with_timestamped_prefixed_lines(tmp_path: Path) -> None:
    bp = buildpack(tmp_path, "noop", "true")
    app = app_dir(tmp_path, {"Procfile": "worker: echo working as $DYNO\n"})
    localheroku(app, tmp_path / "w", "build", "--buildpack", str(bp))
    ran = localheroku(app, tmp_path / "w", "run", check=False)
    lines = [line for line in ran.stdout.splitlines() if "worker.1 | " in line]
    assert lines and lines[0].endswith("worker.1 | working as worker.1"), ran.stdout
    assert lines[0][2] == ":" and lines[0][5] == ":"  # HH:MM:SS first, as heroku logs
    assert "worker.1 exited with status 0" in ran.stdout


def test_a_git_app_builds_its_committed_tree_and_warns(tmp_path: Path) -> None:
    bp = buildpack(tmp_path, "lister", 'cd "$1"; find . -type f -not -path "./.git/*" | sort; cat manage.py')
    app = app_dir(tmp_path, {"manage.py": "print('committed')\n", "Procfile": "web: true\n",
                             ".slugignore": "*.md\n/docs\n", "docs/guide.txt": "x", "src/NOTES.md": "x",
                             "src/app.py": "x"})
    git = ["git", "-C", str(app), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "first"], check=True)
    (app / "manage.py").write_text("print('uncommitted')\n")
    (app / "scratch.py").write_text("untracked\n")
    built = localheroku(app, tmp_path / "w", "build", "--buildpack", str(bp))
    log = built.stdout + built.stderr
    assert "print('committed')" in log and "uncommitted')" not in log
    assert "./scratch.py" not in log and "./src/app.py" in log
    assert "Warning: building the committed tree" in log
    assert " !       manage.py\n" in log and " !       scratch.py\n" in log
    assert ".slugignore removed 2 path(s): docs, src/NOTES.md" in log
    assert "./docs/guide.txt" not in log and "./src/NOTES.md" not in log


def test_two_buildpacks_in_order_each_seeing_the_previous_export(tmp_path: Path) -> None:
    first = buildpack(tmp_path, "first", 'echo "export FROM_FIRST=first-was-here" > "$(dirname "$0")/../export"')
    second = buildpack(tmp_path, "second", 'echo "second sees FROM_FIRST=${FROM_FIRST:-unset}"',
                       release="---\ndefault_process_types:\n  web: echo from-second\n")
    app = app_dir(tmp_path, {"a.txt": "x"})
    env_bps = f"{first},{second}"
    built = localheroku(app, tmp_path / "w", "build", "--buildpacks", env_bps)
    assert "-----> first app detected" in built.stdout and "-----> second app detected" in built.stdout
    assert built.stdout.index("first app detected") < built.stdout.index("second app detected")
    assert "second sees FROM_FIRST=first-was-here" in built.stdout
    assert "Default types for buildpack -> web" in built.stdout  # the last buildpack's release wins
