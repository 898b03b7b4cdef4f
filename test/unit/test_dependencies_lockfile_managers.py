"""uv, Poetry and Pipenv: their exact commands, environments, fingerprints and lock errors."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import pipenv, poetry, tool_versions, tools, uv
from buildpack.errors import ChecksumMismatchError, DependenciesError, DownloadError

OUTPUTS = Path(__file__).parent / "dependency_outputs"


def make_context(tmp_path, config=None):
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    env_dir = tmp_path / "env"
    env_dir.mkdir(exist_ok=True)
    for name, value in (config or {}).items():
        (env_dir / name).write_text(value)
    return Context.from_args([str(build), str(tmp_path / "cache"), str(env_dir)], {"PATH": "/usr/bin", "HOME": "/app"})


@pytest.mark.parametrize(
    "manager, for_ci, argv",
    [
        (uv.UvProject, False, ["/t/uv", "sync", "--locked", "--no-default-groups"]),
        (uv.UvProject, True, ["/t/uv", "sync", "--locked"]),
        (pipenv.Pipenv, False, ["/t/pipenv", "install", "--deploy"]),
        (pipenv.Pipenv, True, ["/t/pipenv", "install", "--deploy", "--dev"]),
    ],
)
def test_each_manager_runs_its_tool_with_the_lock_enforced(manager, for_ci, argv):
    tool = Path(argv[0])
    assert manager(for_ci).argv(tool) == argv


@pytest.mark.parametrize(
    "version, for_ci, argv",
    [
        ("2.4.3", False, ["/t/poetry", "sync", "--only", "main", "--no-ansi", "--no-interaction"]),
        ("2.4.3", True, ["/t/poetry", "sync", "--no-ansi", "--no-interaction"]),
        ("2.2.1", False, ["/t/poetry", "sync", "--only", "main", "--no-ansi", "--no-interaction"]),
        # Poetry 1.8 (Python 3.8) has no `poetry sync`: `install --sync` is its same command.
        ("1.8.5", False, ["/t/poetry", "install", "--sync", "--only", "main", "--no-ansi", "--no-interaction"]),
        ("1.8.5", True, ["/t/poetry", "install", "--sync", "--no-ansi", "--no-interaction"]),
    ],
)
def test_poetry_runs_the_exact_sync_command_of_its_version(version, for_ci, argv):
    assert poetry.Poetry(for_ci).argv(Path("/t/poetry"), version) == argv
    assert poetry.Poetry(for_ci).command(version) == ["poetry", *argv[1:-2]]


@pytest.mark.parametrize("python", ["3.8.18", "3.9.18", "3.12.1", "3.14.0"])
def test_every_pinned_poetry_has_a_command_and_a_lock_format(python):
    version = tool_versions.poetry_version(python)
    assert version is not None
    assert tool_versions.poetry_command(version, False)[-2:] == ("--only", "main")
    assert tool_versions.poetry_lock_format(version) in ((2, 0), (2, 1))


@pytest.mark.parametrize(
    "text, found",
    [
        ('[metadata]\nlock-version = "2.1"\npython-versions = ">=3.8"\n', (2, 1)),
        ("[metadata]\nlock-version = '2.0'\n", (2, 0)),
        ('[metadata]\npython-versions = "*"\n', None),
        ('[[package]]\nname = "x"\n# lock-version = "9.9" is not the key\n', None),
    ],
)
def test_the_poetry_lock_format_is_read_from_its_metadata(text, found):
    assert poetry.lock_format(text) == found


def test_a_newer_lock_than_poetry_1_8_reads_is_a_warning_with_both_fixes():
    assert poetry.newer_lock_warning((2, 0), "1.8.5", "3.8.18") is None
    assert poetry.newer_lock_warning((2, 1), "2.4.3", "3.12.1") is None
    title, body = poetry.newer_lock_warning((2, 1), "1.8.5", "3.8.18")
    assert title == "poetry.lock is of a newer format (2.1) than Poetry 1.8.5 reads."
    assert "reads lock-version 2.0 and older" in body and "Python 3.8.18" in body
    assert "poetry==1.8.5 lock" in body and ".python-version" in body


def test_uv_works_on_the_runtime_prefix_with_its_cache_in_cache_dir(tmp_path):
    ctx = make_context(tmp_path)
    values = uv.env(ctx, BuildCache(ctx.cache_dir))
    assert values["UV_CACHE_DIR"] == str(tmp_path / "cache" / "django-buildpack" / "uv")
    assert values["UV_PYTHON_DOWNLOADS"] == "never" and values["UV_NO_MANAGED_PYTHON"] == "1"
    assert values["UV_LINK_MODE"] in ("hardlink", "copy")
    assert values["PATH"].split(":")[0] == "/app/.heroku/python/bin"


@pytest.mark.parametrize(
    "manager, files",
    [(uv.UvProject, ("pyproject.toml", "uv.lock")), (poetry.Poetry, ("pyproject.toml", "poetry.lock")),
     (pipenv.Pipenv, ("Pipfile", "Pipfile.lock"))],
)
def test_the_fingerprint_changes_with_each_file_it_reads(tmp_path, manager, files):
    ctx = make_context(tmp_path)
    for name in files:
        (ctx.build_dir / name).write_text(f"{name} v1\n")
    first = manager().fingerprint(ctx)
    assert manager().fingerprint(ctx) == first
    assert manager(for_ci=True).fingerprint(ctx) != first, "CI installs the dev groups too"
    for name in files:
        (ctx.build_dir / name).write_text(f"{name} v2\n")
        assert manager().fingerprint(ctx) != first
        (ctx.build_dir / name).write_text(f"{name} v1\n")
    (ctx.build_dir / "README.md").write_text("unrelated\n")
    assert manager().fingerprint(ctx) == first


def test_uv_fingerprint_follows_local_path_sources(tmp_path):
    ctx = make_context(tmp_path)
    (ctx.build_dir / "pyproject.toml").write_text("[project]\n")
    (ctx.build_dir / "uv.lock").write_text('[[package]]\nname = "lib"\nsource = { directory = "vendor/lib" }\n')
    (ctx.build_dir / "vendor" / "lib").mkdir(parents=True)
    (ctx.build_dir / "vendor" / "lib" / "code.py").write_text("A = 1\n")
    first = uv.UvProject().fingerprint(ctx)
    (ctx.build_dir / "vendor" / "lib" / "code.py").write_text("A = 2\n")
    assert uv.UvProject().fingerprint(ctx) != first


@pytest.mark.parametrize(
    "manager, tools_used",
    [
        (uv.UvProject, {"package manager": "uv", "uv": tool_versions.UV}),
        (poetry.Poetry, {"package manager": "poetry", "poetry": "2.4.3"}),
        (pipenv.Pipenv, {"package manager": "pipenv", "pipenv": "2026.10.3"}),
    ],
)
def test_the_manager_and_its_tool_version_are_the_cache_identity(manager, tools_used):
    assert manager().tools("3.12.1") == tools_used


def test_uv_lock_errors_name_the_file_and_the_command():
    outdated = ("Resolved 20 packages in 857ms\nerror: The lockfile at `uv.lock` needs to be updated, but "
                "`--locked` was provided.\n\nhint: To update the lockfile, run `uv lock`.")
    error = uv.lock_error(outdated)
    assert error is not None and error.title == "uv.lock is out of date with pyproject.toml."
    assert error.reason == "dependencies::lock-outdated" and "`uv lock`" in error.body
    corrupt = ("error: Failed to parse `uv.lock`\n  cause: TOML parse error at line 1, column 9\n    |\n"
               "  1 | garbage [[[\n    |         ^\n  key with no value, expected `=`")
    error = uv.lock_error(corrupt)
    assert error is not None and error.title == "uv.lock can't be read."
    assert error.reason == "dependencies::lock-corrupt"
    assert "TOML parse error at line 1, column 9" in error.body and "`uv lock`" in error.body
    assert uv.lock_error("error: something else") is None


def test_poetry_lock_errors_name_the_file_and_the_command():
    text = ("pyproject.toml changed significantly since poetry.lock was last generated. "
            "Run `poetry lock` to fix the lock file.")
    error = poetry.lock_error(text)
    assert error is not None and error.title == "poetry.lock is out of date with pyproject.toml."
    assert "`poetry lock`" in error.body
    corrupt = poetry.corrupt_file_error("poetry.lock: Expected '=' after a key in a key/value pair (at line 1, column 9)")
    assert corrupt.title == "poetry.lock can't be read."
    assert "(at line 1, column 9)" in corrupt.body and "`poetry lock`" in corrupt.body


def test_pipenv_out_of_date_lock_is_recognised_in_its_real_output():
    error = pipenv.lock_error((OUTPUTS / "pipenv_outdated_lock.txt").read_text())
    assert error is not None and error.title == "Pipfile.lock is out of date with the Pipfile."
    assert "`pipenv lock`" in error.body


@pytest.mark.parametrize("text", ['{"_meta": ', "[]", '{"default": []}', "\udcff"])
def test_a_corrupt_pipfile_lock_is_reported_before_pipenv_runs(tmp_path, text):
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(text, errors="surrogateescape")
    with pytest.raises(DependenciesError) as caught:
        pipenv.read_lock(lock)
    assert caught.value.title == "Pipfile.lock can't be read."
    assert "`pipenv lock`" in caught.value.body


def test_pipenv_keeps_only_what_the_lock_lists():
    lock = {"default": {"Django": {}, "typing_extensions": {}}, "develop": {"pytest": {}}}
    assert pipenv.locked_names(lock, for_ci=False) == {"django", "typing-extensions"}
    assert pipenv.locked_names(lock, for_ci=True) == {"django", "typing-extensions", "pytest"}


def test_pipenvs_traceback_frames_are_kept_out_of_the_log():
    assert pipenv._quiet("[DeployException]:   File \"/x/install.py\", line 405") is None
    assert pipenv._quiet("ERROR:: Aborting deploy") == "ERROR:: Aborting deploy"


@pytest.mark.parametrize(
    "python, poetry_version, pipenv_version",
    [("3.7.17", None, None), ("3.8.18", "1.8.5", "2024.4.1"), ("3.9.18", "2.2.1", "2025.0.4"),
     ("3.12.1", "2.4.3", "2026.10.3")],
)
def test_tool_pins_follow_the_python_they_run_on(python, poetry_version, pipenv_version):
    assert tool_versions.poetry_version(python) == poetry_version
    assert tool_versions.pipenv_version(python) == pipenv_version


def test_poetry_and_pipenv_below_python_3_8_are_refused_with_the_fix():
    error = poetry.unsupported_python("3.7.17")
    assert error.title == "Poetry doesn't run on Python 3.7.17." and "3.8 or newer" in error.body
    error = pipenv.unsupported_python("3.7.17")
    assert error.title == "Pipenv doesn't run on Python 3.7.17." and "3.8 or newer" in error.body


def test_uv_wheels_are_pinned_per_cpu_with_sha256():
    assert set(tool_versions.UV_WHEELS) == {"x86_64", "aarch64"}
    for arch, wheel in tool_versions.UV_WHEELS.items():
        assert wheel.url.startswith("https://files.pythonhosted.org/") and f"uv-{tool_versions.UV}-" in wheel.url
        assert len(wheel.sha256) == 64 and ("x86_64" if arch == "x86_64" else "aarch64") in wheel.url


def fake_wheel(path: Path, members: dict) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_the_uv_binary_is_taken_out_of_its_wheel_and_made_executable(tmp_path):
    wheel = tmp_path / "uv.whl"
    fake_wheel(wheel, {"uv-1.2.3.data/scripts/uv": b"#!binary", "uv/__init__.py": b""})
    binary = tmp_path / "uv"
    tools.extract_uv(wheel, binary, "1.2.3")
    assert binary.read_bytes() == b"#!binary" and binary.stat().st_mode & 0o111
    assert not list(tmp_path.glob("*.partial"))


def test_a_wheel_without_the_binary_is_an_error_and_leaves_nothing(tmp_path):
    wheel = tmp_path / "uv.whl"
    fake_wheel(wheel, {"uv/__init__.py": b""})
    with pytest.raises(DependenciesError) as caught:
        tools.extract_uv(wheel, tmp_path / "uv", "1.2.3")
    assert caught.value.reason == "dependencies::uv-wheel"
    assert not (tmp_path / "uv").exists() and not list(tmp_path.glob("*.partial"))


def test_a_cached_uv_is_used_without_the_network(tmp_path, monkeypatch):
    cache = BuildCache(tmp_path)
    home = cache.layout.tools / f"uv-{tool_versions.UV}-x86_64"
    home.mkdir(parents=True)
    (home / "uv").write_bytes(b"")
    (home / "uv").chmod(0o755)
    monkeypatch.setattr(tools.fetch, "to_file", lambda *a, **k: pytest.fail("no download for a cached uv"))
    assert tools.uv_binary(cache, "x86_64") == home / "uv"


def test_uv_is_downloaded_with_its_pinned_sha256(tmp_path, monkeypatch):
    cache = BuildCache(tmp_path)
    calls = []

    def to_file(url, destination, sha256, *args, **kwargs):
        calls.append((url, sha256))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"uv-{tool_versions.UV}.data/scripts/uv", b"uv!")
        destination.write_bytes(buffer.getvalue())
        return sha256

    monkeypatch.setattr(tools.fetch, "to_file", to_file)
    binary = tools.uv_binary(cache, "aarch64")
    wheel = tool_versions.UV_WHEELS["aarch64"]
    assert calls == [(wheel.url, wheel.sha256)]
    assert binary.read_bytes() == b"uv!"
    assert [p.name for p in binary.parent.iterdir()] == ["uv"]  # the wheel is gone


def test_uv_comes_from_the_apps_only_index_with_the_same_pinned_sha256(tmp_path, monkeypatch):
    cache = BuildCache(tmp_path)
    wheel = tool_versions.UV_WHEELS["x86_64"]
    filename = wheel.url.rsplit("/", 1)[-1]
    pages, calls = [], []
    monkeypatch.setattr(tools.fetch, "to_bytes", lambda url: pages.append(url) or
                        f'<a href="../../packages/{filename}#sha256={wheel.sha256}">{filename}</a>'.encode())

    def to_file(url, destination, sha256, *args, **kwargs):
        calls.append((url, sha256))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"uv-{tool_versions.UV}.data/scripts/uv", b"uv!")
        destination.write_bytes(buffer.getvalue())
        return sha256

    monkeypatch.setattr(tools.fetch, "to_file", to_file)
    binary = tools.uv_binary(cache, "x86_64", index="https://ci:pw@mirror.example/simple")
    assert pages == ["https://ci:pw@mirror.example/simple/uv/"]
    assert calls == [(f"https://ci:pw@mirror.example/packages/{filename}", wheel.sha256)]
    assert binary.read_bytes() == b"uv!"


@pytest.mark.parametrize(
    "page, reason, phrase",
    [
        (b"<a href='uv-0.0.1-py3-none-any.whl'>old</a>", "dependencies::tool-not-on-index", "lists no uv-"),
        (401, "dependencies::index-auth", "(HTTP 401)"),
        (503, "dependencies::index-unreachable", "https://****@mirror.example/simple"),
    ],
)
def test_uv_missing_from_or_refused_by_the_index_is_a_named_error(tmp_path, monkeypatch, page, reason, phrase):
    def to_bytes(url):
        if isinstance(page, bytes):
            return page
        error = DownloadError("HTTP error", f"The server answered HTTP {page}.", "download::http-error")
        error.status = page
        raise error

    monkeypatch.setattr(tools.fetch, "to_bytes", to_bytes)
    with pytest.raises(DependenciesError) as caught:
        tools.uv_binary(BuildCache(tmp_path), "x86_64", index="https://ci:pw@mirror.example/simple")
    assert caught.value.reason == reason and phrase in caught.value.body
    assert "ci:pw" not in caught.value.body


@pytest.mark.parametrize("index, arguments", [(None, []), ("https://m.example/simple", ["--index-url", "https://m.example/simple"])])
def test_a_venv_tool_is_installed_from_the_apps_only_index(index, arguments):
    assert tools.tool_index_arguments(index) == arguments


def test_the_manager_downloads_uv_from_pypi_meanwhile_only_without_a_private_index(tmp_path):
    manager = uv.UvProject()
    assert manager.uses_uv()
    manager.tool_index = "https://m.example/simple"
    assert not manager.uses_uv()


def test_an_unknown_cpu_gets_an_error_pointing_at_pip(tmp_path):
    with pytest.raises(DependenciesError) as caught:
        tools.uv_binary(BuildCache(tmp_path), "riscv64")
    assert "PYTHON_INSTALLER=pip" in caught.value.body


def test_uv_index_options_come_from_pips_config_vars():
    settings = {"PIP_INDEX_URL": "https://u:p@mirror.example/simple", "PIP_EXTRA_INDEX_URL": "https://a/ https://b/",
                "PIP_FIND_LINKS": "/wheels", "PIP_TRUSTED_HOST": "mirror.example"}
    assert uv.index_arguments(settings) == [
        "--index-url", "https://u:p@mirror.example/simple", "--extra-index-url", "https://a/",
        "--extra-index-url", "https://b/", "--find-links", "/wheels", "--allow-insecure-host", "mirror.example",
        "--index-strategy", "unsafe-first-match",
    ]
    assert uv.index_arguments({}) == []
    assert uv.describe_indexes(settings) == ("Looking in indexes: https://****@mirror.example/simple, https://a/, "
                                             "https://b/; links: /wheels")
    assert uv.describe_indexes({}) is None


def test_uv_pip_install_argv(tmp_path):
    ctx = make_context(tmp_path)
    argv = uv.pip_install_argv(Path("/t/uv"), ctx, ctx.build_dir / "requirements.txt", [])
    assert argv == ["/t/uv", "pip", "install", "--python", "/app/.heroku/python/bin/python",
                    "-r", "requirements.txt"]
    assert uv.requirements_env(ctx, BuildCache(ctx.cache_dir))["UV_NO_CONFIG"] == "1"


def test_pypi_out_of_reach_while_fetching_uv_is_called_that(tmp_path, monkeypatch):
    def to_file(*args, **kwargs):
        raise DownloadError("Could not download the file.", "4 attempts failed; the last one with: Temporary "
                                                            "failure in name resolution.")

    monkeypatch.setattr(tools.fetch, "to_file", to_file)
    with pytest.raises(DependenciesError) as caught:
        tools.uv_binary(BuildCache(tmp_path), "x86_64")
    assert caught.value.title == "PyPI could not be reached to download uv."
    assert caught.value.reason == "dependencies::index-unreachable"
    assert "Temporary failure in name resolution" in caught.value.body


def test_a_uv_wheel_with_the_wrong_checksum_is_not_called_a_network_problem(tmp_path, monkeypatch):
    def to_file(*args, **kwargs):
        raise ChecksumMismatchError("The download does not match its checksum.", "x")

    monkeypatch.setattr(tools.fetch, "to_file", to_file)
    with pytest.raises(ChecksumMismatchError):
        tools.uv_binary(BuildCache(tmp_path), "x86_64")
