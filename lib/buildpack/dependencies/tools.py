"""Build tools kept in the build cache (never in the slug): uv, Poetry, Pipenv.

- uv: the binary out of its PyPI wheel (a zip), downloaded once per version and
  CPU, checked against the pinned sha256, and moved into place only when whole.
- Poetry and Pipenv: each in its own virtualenv made by the app's Python (they
  run on it), installed by uv (or, on a CPU without a uv wheel, by the pip wheel
  the runtime bundles), so the venv needs no pip of its own.
A tool that is already there is reused without the network. Tools come from
PyPI, or from the app's own index when a config var makes it the only one
(indexes.tool_index): uv's wheel is then looked up on that index's simple page
and still checked against the pinned sha256.
"""
from __future__ import annotations

import contextlib
import os
import platform
import stat
import threading
import zipfile
from pathlib import Path
from typing import Iterator, List, Optional

from buildpack import build_env, commands, fetch, output, reasons
from buildpack.cache import BuildCache
from buildpack.cache_layout import UV_BINARY_PREFIX
from buildpack.context import Context
from buildpack.dependencies import environment, failures, indexes, tool_versions
from buildpack.errors import ChecksumMismatchError, DependenciesError, DownloadError

UV_MEMBER = "uv-{version}.data/scripts/uv"


def machine() -> str:
    return platform.machine()


def uv_binary(build_cache: BuildCache, arch: str = "", index: Optional[str] = None) -> Path:
    """The pinned uv binary, from the cache or downloaded into it (from PyPI, or `index`)."""
    arch = arch or machine()
    version = tool_versions.UV
    wheel = tool_versions.UV_WHEELS.get(arch)
    if wheel is None:
        raise DependenciesError(
            f"uv isn't available for this CPU ({arch}).",
            f"The buildpack pins uv {version} wheels for: {', '.join(sorted(tool_versions.UV_WHEELS))}.\n\n"
            "To fix it: set the config var PYTHON_INSTALLER=pip to install\n"
            "requirements.txt with pip instead.",
            reason=reasons.DEPENDENCIES_UV_UNAVAILABLE,
        )
    binary = _uv_path(build_cache, arch)
    if _usable(binary):
        return binary
    if index is not None:
        with output.timed(f"Installing uv {version} (from {indexes.describe_source(index)})"):
            _download_uv(binary, _uv_on_index(index, wheel.url, version), wheel.sha256, version)
        return binary
    with output.timed(f"Installing uv {version} (from PyPI)"):
        try:
            _download_uv(binary, wheel.url, wheel.sha256, version)
        except ChecksumMismatchError:
            raise
        except DownloadError as exc:
            cause = (exc.body.strip().splitlines() or [exc.title])[0]
            raise DependenciesError(
                "PyPI could not be reached to download uv.",
                f"Downloading uv {version} from PyPI (files.pythonhosted.org) failed:\n{cause}\n\n"
                "To fix it:\n"
                "1. Build again: this is often a passing network problem.\n"
                "2. If it persists, check PyPI's status at https://status.python.org.",
                reason=reasons.DEPENDENCIES_INDEX_UNREACHABLE,
            ) from None
    return binary


def _uv_on_index(index: str, pypi_url: str, version: str) -> str:
    """The URL of the pinned uv wheel on the app's index (the same file as on PyPI)."""
    filename = pypi_url.rsplit("/", 1)[-1]
    page = indexes.simple_page(index, "uv")
    shown = indexes.describe_source(index)
    try:
        html = fetch.to_bytes(page).decode("utf-8", errors="replace")
    except DownloadError as exc:
        raise _index_error(shown, version, exc) from None
    link = indexes.wheel_link(page, html, filename)
    if link is None:
        raise DependenciesError(
            f"The package index has no uv {version} wheel.",
            f"The config vars make {shown} the only index,\n"
            f"and its page for uv lists no {filename}.\n\n"
            "To fix it: add that file (from PyPI) to the index, or let the index\n"
            "mirror PyPI's uv, then deploy again.",
            reason=reasons.DEPENDENCIES_TOOL_NOT_ON_INDEX,
        )
    return link


def _index_error(shown: str, version: str, exc: DownloadError) -> DependenciesError:
    status = getattr(exc, "status", None)
    cause = (exc.body.strip().splitlines() or [exc.title])[0]
    if status in (401, 403):
        return DependenciesError(
            "The package index refused the credentials.",
            f"Downloading uv {version} from {shown} was refused\n"
            f"(HTTP {status}): the user name or password in the config var that\n"
            "names the index is wrong, or has no access to it.\n\n"
            "To fix it: correct the credentials in that config var (e.g.\n"
            "heroku config:set PIP_INDEX_URL=https://USER:TOKEN@host/simple),\n"
            "then deploy again.",
            reason=reasons.DEPENDENCIES_INDEX_AUTH,
        )
    return DependenciesError(
        "The package index could not be reached.",
        f"Downloading uv {version} from {shown} failed:\n{cause}\n\n"
        "To fix it:\n1. Build again: this is often a passing network problem.\n"
        "2. Check the index's address in the config var that names it.",
        reason=reasons.DEPENDENCIES_INDEX_UNREACHABLE,
    )


@contextlib.contextmanager
def uv_fetched_meanwhile(build_cache: BuildCache, needed: bool) -> Iterator[None]:
    """Download uv in a thread while the block runs (the runtime's install: both mostly
    wait on the network). Quiet, and any failure forgotten: uv_binary then downloads it
    again and says what went wrong."""
    wheel = tool_versions.UV_WHEELS.get(machine())
    binary = _uv_path(build_cache, machine())
    if not (needed and wheel is not None and build_cache.enabled) or _usable(binary):
        yield
        return
    assert wheel is not None
    url, sha256 = wheel.url, wheel.sha256

    def fetch_quietly() -> None:
        try:
            _download_uv(binary, url, sha256, tool_versions.UV)
        except Exception:  # noqa: BLE001, S110 - uv_binary tries again and reports it
            pass

    thread = threading.Thread(target=fetch_quietly, name="uv-download")
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if _usable(binary):
        output.step(f"Installed uv {tool_versions.UV} (from PyPI, while Python was installed)")


def _uv_path(build_cache: BuildCache, arch: str) -> Path:
    return build_cache.layout.tools / f"{UV_BINARY_PREFIX}{tool_versions.UV}-{arch}" / "uv"


def _usable(binary: Path) -> bool:
    return binary.is_file() and os.access(binary, os.X_OK)


def _download_uv(binary: Path, url: str, sha256: str, version: str) -> None:
    binary.parent.mkdir(parents=True, exist_ok=True)
    # A .partial name: a build killed before it is deleted leaves it to the next one's sweep.
    download = binary.with_name("uv.whl.partial")
    try:
        fetch.to_file(url, download, sha256)
        extract_uv(download, binary, version)
    finally:
        if download.exists():
            download.unlink()


def extract_uv(wheel: Path, binary: Path, version: str) -> None:
    """Copy the uv executable out of its wheel, then rename it into place."""
    member = UV_MEMBER.format(version=version)
    partial = binary.with_name(binary.name + ".partial")
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, partial.open("wb") as sink:
            while True:
                chunk = source.read(1 << 20)
                if not chunk:
                    break
                sink.write(chunk)
    except (KeyError, zipfile.BadZipFile) as exc:
        if partial.exists():
            partial.unlink()
        raise DependenciesError(
            f"The uv {version} wheel has no uv binary.",
            f"Looked for {member} in the wheel ({type(exc).__name__}).\n\n"
            "This is a bug in the buildpack's pinned uv wheel; set the config\n"
            "var PYTHON_INSTALLER=pip to install requirements.txt with pip.",
            reason=reasons.DEPENDENCIES_UV_WHEEL,
        ) from None
    os.chmod(partial, os.stat(partial).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(partial, binary)


def tool_index_arguments(index: Optional[str]) -> List[str]:
    """Installer options that take a build tool from the app's only index (uv and pip spell it alike)."""
    return ["--index-url", index] if index is not None else []


def venv_tool(ctx: Context, build_cache: BuildCache, package: str, version: str, script: str,
              python_version: str, title: str) -> Path:
    """`script` from `package==version`, in a venv of the app's Python kept in the cache."""
    venv = build_cache.layout.tools / f"{package}-{version}-python-{python_version}"
    program = venv / "bin" / script
    # The venv's python links to /app/.heroku/python, which every build links to its own
    # runtime: the venv keeps working as long as the Python version is the same.
    if program.is_file() and (venv / "bin" / "python").exists():
        return program
    commands.remove_tree(venv)
    build_cache.layout.tools.mkdir(parents=True, exist_ok=True)
    env = build_env.for_app(ctx)
    index = indexes.tool_index(ctx.config_vars)
    create = [str(ctx.app_python), "-m", "venv", "--without-pip", str(venv)]
    if machine() in tool_versions.UV_WHEELS:
        # uv fetches a tool's ~40 dependencies in parallel: seconds, where pip takes a minute
        # or more; its package cache (CACHE_DIR) serves the next tool install too.
        install = [str(uv_binary(build_cache, index=index)), "pip", "install", "--python",
                   str(venv / "bin" / "python"), "--no-config", "--cache-dir", str(build_cache.layout.uv),
                   "--quiet", *tool_index_arguments(index), f"{package}=={version}"]
    else:
        wheel = environment.bundled_pip_wheel(ctx.python_home)
        install = [str(venv / "bin" / "python"), str(wheel / "pip"), "install", "--quiet", "--no-warn-script-location",
                   "--disable-pip-version-check", *tool_index_arguments(index), f"{package}=={version}"]
    source = f" (from {indexes.describe_source(index)})" if index is not None else ""
    with output.timed(f"Installing {title} {version}{source}"):
        for argv in (create, install):
            result = commands.run(argv, env, cwd=build_cache.layout.tools)
            if not result.ok:
                commands.remove_tree(venv)
                raise failures.tool_install_error(title, version, result.text, python_version,
                                                  ctx.pip_config_vars())
    return program
