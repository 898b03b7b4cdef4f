import json
import subprocess
import sys
from pathlib import Path

import pytest

from buildpack import commands
from buildpack.dependencies import pip as dependencies
from buildpack.context import Context

INSPECT = Path(dependencies.INSPECT_SCRIPT)


def make_context(tmp_path, config=None, environ=None):
    env_dir = tmp_path / "env"
    env_dir.mkdir(exist_ok=True)
    for name, value in (config or {}).items():
        (env_dir / name).write_text(value)
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    return Context.from_args([str(build), str(tmp_path / "cache"), str(env_dir)], environ or {"PATH": "/usr/bin"})


@pytest.mark.parametrize(
    "files, phrase",
    [
        ({"uv.lock": ""}, "uv export"),
        ({"poetry.lock": ""}, "poetry export"),
        ({"Pipfile.lock": "{}"}, "pipenv requirements"),
        ({"pyproject.toml": "[project]\nname='x'\ndependencies = [\n 'django',\n]\n"}, "uv export"),
    ],
)
def test_lockfile_only_apps_are_told_how_to_export(tmp_path, files, phrase):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    error = dependencies.unsupported_lockfile_error(tmp_path)
    assert error is not None
    assert error.reason == "dependencies::lockfile-unsupported"
    assert phrase in error.body


def test_pyproject_without_dependencies_is_not_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert dependencies.unsupported_lockfile_error(tmp_path) is None


def test_describe_changes():
    before = {"django": "5.2.7", "sqlparse": "0.5", "pip": "26.3", "old": "1"}
    after = {"django": "5.2.8", "sqlparse": "0.5", "pip": "26.3", "new": "2"}
    assert dependencies.describe_changes(before, after) == "Synced: 2 installed, 1 removed (+django==5.2.8, +new==2, -old)"


def test_pip_install_argv_and_environment(tmp_path, monkeypatch):
    ctx = make_context(
        tmp_path,
        config={"PIP_INDEX_URL": "https://user:token@pypi.example/simple", "PIP_TARGET": "/nope", "SECRET_KEY": "s"},
        environ={"PATH": "/usr/bin", "PIP_FIND_LINKS": "/opt/wheels", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/app"},
    )
    calls = []
    monkeypatch.setattr(commands, "run", lambda argv, env, **kw: calls.append((argv, env)) or commands.Result(0, []))
    dependencies.pip_install(ctx, ctx.build_dir / "requirements.txt")
    argv, env = calls[0]
    assert argv == [
        "/app/.heroku/python/bin/python", "-m", "pip", "install", "-r", "requirements.txt",
        "--no-warn-script-location", "--progress-bar", "off", "--exists-action", "w", "--src", "/app/.heroku/src",
    ]
    assert env["PIP_INDEX_URL"] == "https://user:token@pypi.example/simple"
    assert env["PIP_CONFIG_FILE"] == "/dev/null"
    assert env["PATH"].split(":")[0] == "/app/.heroku/python/bin"
    for absent in ("PIP_TARGET", "PIP_FIND_LINKS", "PYTHONDONTWRITEBYTECODE", "SECRET_KEY"):
        assert absent not in env


def test_pip_failure_is_explained_without_traceback(tmp_path, monkeypatch):
    ctx = make_context(tmp_path)
    tail = ["ERROR: Could not find a version that satisfies the requirement Djangoo==9",
            "ERROR: No matching distribution found for Djangoo==9"]
    monkeypatch.setattr(commands, "run", lambda argv, env, **kw: commands.Result(1, tail))
    with pytest.raises(dependencies.DependenciesError) as caught:
        dependencies.pip_install(ctx, ctx.build_dir / "requirements.txt")
    assert caught.value.reason == "dependencies::pip-failed"
    assert "Djangoo==9" in caught.value.body


def test_credentials_in_child_output_are_redacted():
    assert commands.redact("Looking in indexes: https://user:s3cret@pypi.example/simple") == (
        "Looking in indexes: https://****@pypi.example/simple"
    )


def test_inspect_script_reports_the_dependency_closure():
    # Runs under a real python with pip (the test venv), as it does under the app's runtime.
    top = ["pytest==8.3.5", "not-installed-anything"]
    completed = subprocess.run([sys.executable, "-I", str(INSPECT), json.dumps(top)], capture_output=True, text=True)
    report = json.loads(completed.stdout)
    assert report["installed"]["pytest"] == "8.3.5"
    needed = set(report["needed"])
    assert {"pytest", "pluggy", "iniconfig", "packaging", "pip", "not-installed-anything"} <= needed
    assert "django" not in needed


def test_fix_build_paths_rewrites_the_build_dir_to_app(tmp_path):
    ctx = make_context(tmp_path)
    site = ctx.python_home / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (site / "__editable__.mylib.pth").write_text(f"{ctx.build_dir}/src\n")
    (ctx.python_home / "bin").mkdir()
    (ctx.python_home / "bin" / "tool").write_text(f"#!{ctx.build_dir}/.heroku/python/bin/python\n")
    dependencies.fix_build_paths(ctx)
    assert (site / "__editable__.mylib.pth").read_text() == "/app/src\n"
    assert (ctx.python_home / "bin" / "tool").read_text() == "#!/app/.heroku/python/bin/python\n"
