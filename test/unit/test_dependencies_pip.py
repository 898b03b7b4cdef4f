import json
import subprocess
import sys
from pathlib import Path

import pytest

from buildpack import commands
from buildpack.context import Context
from buildpack.dependencies import environment, manager, tool_versions
from buildpack.dependencies import pip as dependencies
from buildpack.errors import DependenciesError

INSPECT = Path(environment.INSPECT_SCRIPT)


def make_context(tmp_path, config=None, environ=None):
    env_dir = tmp_path / "env"
    env_dir.mkdir(exist_ok=True)
    for name, value in (config or {}).items():
        (env_dir / name).write_text(value)
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    return Context.from_args([str(build), str(tmp_path / "cache"), str(env_dir)], environ or {"PATH": "/usr/bin"})


def test_describe_changes():
    before = {"django": "5.2.7", "sqlparse": "0.5", "pip": "26.3", "old": "1"}
    after = {"django": "5.2.8", "sqlparse": "0.5", "pip": "26.3", "new": "2"}
    assert manager.describe_changes(before, after) == "Synced: 2 installed, 1 removed (+django==5.2.8, +new==2, -old)"


def test_pip_install_argv_and_environment(tmp_path, monkeypatch):
    ctx = make_context(
        tmp_path,
        config={"PIP_INDEX_URL": "https://user:token@pypi.example/simple", "PIP_TARGET": "/nope", "SECRET_KEY": "s"},
        environ={"PATH": "/usr/bin", "PIP_FIND_LINKS": "/opt/wheels", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/app"},
    )
    argv = dependencies.pip_install_argv(ctx, ctx.build_dir / "requirements.txt")
    env = dependencies.build_env.for_app(ctx)
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
    (ctx.build_dir / "requirements.txt").write_text("Djangoo==9\n")
    tail = ["ERROR: Could not find a version that satisfies the requirement Djangoo==9 (from versions: none)",
            "ERROR: No matching distribution found for Djangoo==9"]
    monkeypatch.setattr(commands, "run", lambda argv, env, **kw: commands.Result(1, tail))
    files = dependencies.RequirementsFiles.__new__(dependencies.RequirementsFiles)
    files.installer = "pip"
    files.named_vars = {}
    with pytest.raises(DependenciesError) as caught:
        files._install_requirements(ctx, None, None, ctx.build_dir / "requirements.txt", "3.12.1")
    assert caught.value.reason == "dependencies::package-not-found"
    assert caught.value.title == "The package Djangoo isn't on the package index."
    assert "Traceback" not in caught.value.body


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
    environment.fix_build_paths(ctx)
    assert (site / "__editable__.mylib.pth").read_text() == "/app/src\n"
    assert (ctx.python_home / "bin" / "tool").read_text() == "#!/app/.heroku/python/bin/python\n"


def test_inspect_script_needs_no_pip_to_list_what_is_installed(tmp_path):
    # uv, Poetry and Pipenv environments have no pip: listing must not import it.
    bare = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    completed = subprocess.run([str(bare / "bin" / "python"), "-I", str(INSPECT), "null"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"installed": {}, "needed": None}


def test_the_closure_keeps_the_buildpacks_own_tools():
    completed = subprocess.run([sys.executable, "-I", str(INSPECT), json.dumps(["pytest"]), json.dumps(["pip", "setuptools"])],
                               capture_output=True, text=True)
    needed = set(json.loads(completed.stdout)["needed"])
    assert {"pip", "setuptools", "pytest"} <= needed


@pytest.mark.parametrize(
    "python, kept",
    [
        ("3.9.18", {"pip": "25.3", "setuptools": "70.3.0"}),
        ("3.12.1", {"pip": "26.3", "setuptools": "70.3.0"}),
        ("3.13.0", {"pip": "26.3"}),
        ("3.14.7", {"pip": "26.3"}),
    ],
)
def test_setuptools_is_kept_up_to_python_3_12(python, kept):
    assert dependencies.kept_tools(python) == kept


@pytest.mark.parametrize(
    "requested, files, expected",
    [
        (None, {"requirements.txt": "django==5.2.8\n"}, ("uv", None)),
        ("pip", {"requirements.txt": "django==5.2.8\n"}, ("pip", None)),
        (" UV ", {"requirements.txt": "--pre\ndjango\n"}, ("uv", None)),
        (None, {"requirements.txt": "--pre\ndjango\n"}, ("pip", "requirements.txt uses --pre, which uv does not support")),
        (None, {"requirements.txt": "-r base.txt\n", "base.txt": "six --global-option=x\n"},
         ("pip", "base.txt gives a requirement the option --global-option, which uv does not support")),
    ],
)
def test_the_installer_is_uv_unless_asked_or_a_file_needs_pip(tmp_path, requested, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert dependencies.choose_installer(requested, [tmp_path / "requirements.txt"]) == expected


def test_an_unknown_installer_is_an_error():
    with pytest.raises(DependenciesError) as caught:
        dependencies.choose_installer("pipx", [])
    assert caught.value.reason == "dependencies::unknown-installer"
    assert "'pipx'" in caught.value.body


def test_setuptools_and_uv_are_part_of_the_cache_identity_but_not_the_installer(tmp_path):
    ctx = make_context(tmp_path)
    (ctx.build_dir / "requirements.txt").write_text("six\n")
    files = dependencies.RequirementsFiles(ctx)
    assert files.tools("3.12.1") == {"pip": "26.3", "setuptools": "70.3.0", "uv": tool_versions.UV}
    ctx.config_vars["PYTHON_INSTALLER"] = "pip"
    pip_only = dependencies.RequirementsFiles(ctx)
    assert pip_only.installer == "pip"
    assert pip_only.tools("3.13.0") == {"pip": "26.3", "uv": tool_versions.UV}, "a switch of installer syncs"


# pip 26.3's own line, with --extra-index-url http://127.0.0.1:9/simple (nothing listens there).
PIP_RETRY = ("WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after "
             "connection broken by 'NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=9): Failed to "
             "establish a new connection: [Errno 111] Connection refused\")': /simple/six/")


def test_an_index_pip_retried_is_named_after_a_good_install():
    assert dependencies._PIP_RETRY.search(PIP_RETRY)
    title, body = dependencies.retried_warning([PIP_RETRY, PIP_RETRY], {})
    assert title == "pip retried 2 requests to an index it could not reach."
    assert "pip waited on\n127.0.0.1 at each retry" in body
    assert "PIP_EXTRA_INDEX_URL" in body


def test_a_retry_without_a_host_names_the_indexes_without_credentials():
    _, body = dependencies.retried_warning(["WARNING: Retrying (Retry(total=3)) after ReadTimeoutError"],
                                           {"PIP_EXTRA_INDEX_URL": "https://user:s3cret@pkgs.example.com/simple"})
    assert "pkgs.example.com" in body and "s3cret" not in body
