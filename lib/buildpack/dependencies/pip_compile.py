"""pip-tools at build time: compiling requirements.in, and the test requirements for CI.

pip-compile runs from a tools environment kept in the cache (never in the
slug: the app does not need pip-tools to run). The compiled lock is cached by
the hash of requirements.in and the Python minor, so an unchanged
requirements.in is not re-resolved against the index.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

from buildpack import build_env, commands, output, reasons, version_numbers
from buildpack.cache import BuildCache
from buildpack.context import Context
from buildpack.dependencies import requirements, tool_versions
from buildpack.errors import DOCS_PIP, DependenciesError

CI_REQUIREMENTS = ("requirements-test.txt", "requirements-dev.txt")


def warn_if_stale(txt: Path, source: Path) -> None:
    if source.is_file() and source.stat().st_mtime > txt.stat().st_mtime + 1:
        output.warning(
            "requirements.in is newer than requirements.txt.",
            "Both files are in the app; requirements.txt is installed and\n"
            "requirements.in is ignored. If you changed requirements.in, the\n"
            "change is not deployed.\n\n"
            "To fix it: run `pip-compile requirements.in`, commit\n"
            "requirements.txt, and deploy again.",
            DOCS_PIP,
        )


def compile_requirements(ctx: Context, source: Path, target: Path, build_cache: BuildCache, python_version: str) -> Path:
    minor = version_numbers.minor(python_version)
    # Nested -r/-c files and the index settings change the resolution as much as
    # requirements.in itself does, and so does the pip-tools version.
    inputs = requirements.fingerprint(source, ctx.pip_config_vars())
    tools = tool_versions.pip_tools_version(python_version)
    key = hashlib.sha256(f"{inputs}\0python-{minor}\0pip-tools-{tools}".encode()).hexdigest()[:32]
    cached = build_cache.layout.pip_compile / f"{key}.txt"
    output.warning(
        "Compiling requirements.in at build time.",
        "The app has requirements.in but no requirements.txt, so each new\n"
        "requirements.in is resolved again at build time and may pick newer\n"
        "versions than the ones you tested.\n\n"
        "To fix it: run `pip-compile requirements.in` locally and commit\n"
        "the requirements.txt it writes.",
        DOCS_PIP,
    )
    if cached.is_file():
        output.step("Using the cached compile of requirements.in")
    else:
        output.step("Compiling requirements.in with pip-compile")
        pip_compile = ensure_pip_tools(ctx, build_cache, python_version)
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        env = build_env.for_app(ctx)
        argv = [
            str(pip_compile), "--quiet", "--no-header", "--strip-extras",
            # The index URLs reach pip from the config vars on every build; written into
            # the lock they would put their credentials into the slug.
            "--no-emit-index-url", "--no-emit-find-links",
            # Not pip-tools' default ~/.cache: HOME is /app, the slug itself in a CI build.
            "--cache-dir", str(build_cache.layout.pip_tools),
            "--output-file", str(partial), str(source),
        ]
        result = commands.run(argv, env, cwd=ctx.build_dir)
        if not result.ok:
            raise DependenciesError(
                "pip-compile could not resolve requirements.in.",
                "Its output is above.\n\nTo fix it: run `pip-compile requirements.in` locally,\n"
                "fix what fails, and commit requirements.txt.",
                reason=reasons.DEPENDENCIES_PIP_COMPILE,
            )
        partial.replace(cached)
    target.write_bytes(cached.read_bytes())
    return target


def ensure_pip_tools(ctx: Context, build_cache: BuildCache, python_version: str) -> Path:
    """A venv with the pinned pip-tools, made by the app's runtime, kept in the cache."""
    version = tool_versions.pip_tools_version(python_version)
    venv = build_cache.layout.tools / f"pip-tools-{version}-python-{python_version}"
    pip_compile = venv / "bin" / "pip-compile"
    if pip_compile.exists():
        return pip_compile
    commands.remove_tree(venv)
    env = build_env.for_app(ctx)
    steps = (
        [str(ctx.app_python), "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"pip-tools=={version}",
         f"pip=={tool_versions.pip_version(python_version)}"],
    )
    for argv in steps:
        result = commands.run(argv, env, cwd=ctx.build_dir)
        if not result.ok:
            commands.remove_tree(venv)
            raise DependenciesError(f"Could not install pip-tools {version} to compile requirements.in.",
                                    "The output is above; this is usually a network problem. Try again.")
    return pip_compile


def test_requirements(build_dir: Path) -> List[Path]:
    """For Heroku CI: requirements-test.txt, else requirements-dev.txt, when present."""
    return [build_dir / name for name in CI_REQUIREMENTS if (build_dir / name).is_file()][:1]


def prepare(ctx: Context, sources: List[Path], build_cache: BuildCache, python_version: str) -> Path:
    """The one requirements file to install: compiled from .in if needed, CI extras added."""
    main = sources[0]
    if main.suffix == ".in":
        main = compile_requirements(ctx, main, main.with_suffix(".txt"), build_cache, python_version)
    if len(sources) == 1:
        return main
    combined = ctx.build_dir / ".heroku" / "django-buildpack" / "requirements-ci.txt"
    combined.parent.mkdir(parents=True, exist_ok=True)
    combined.write_text("".join(f"-r {path}\n" for path in [main, *sources[1:]]))
    output.step(f"Adding test requirements from {sources[1].name}")
    return combined
