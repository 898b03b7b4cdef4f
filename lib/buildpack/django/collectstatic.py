"""The collectstatic step: `manage.py collectstatic`, run by the build's Django process
(django/process.py) with the app's config vars; a failure explained, and a process
that vanished without finishing caught.

Django's output is classified as it is, and printed through `output`, whose one
masking rule hides the config vars' values in everything the build prints: masking it
here first would hide what the classifier reads ("No module named '****'").
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from buildpack import output, reasons
from buildpack.context import Context, is_enabled
from buildpack.django import collectstatic_failures, process, project, tracebacks
from buildpack.django.project import DjangoApp, without_build_dir
from buildpack.errors import DOCS_STATIC_ASSETS, CollectstaticError
from buildpack.source import node_assets


def collectstatic(ctx: Context, app: DjangoApp, note: Optional[str] = None) -> Optional[str]:
    """Run it; its summary line ("127 static files copied ..."), None when skipped.
    note: a line to say once it succeeded (why the last build's output was not reused)."""
    # Assets built by Node are collected here: say now when nothing will build them.
    node_assets.warn_if_unbuilt(ctx.build_dir, ctx.environ.get("PATH", ""))
    disabled = ctx.setting("DISABLE_COLLECTSTATIC")
    if is_enabled(disabled):
        output.step(f"Skipping collectstatic (DISABLE_COLLECTSTATIC is set to '{(disabled or '').strip()}')")
        output.detail("Static files are not collected: serve them some other way, or unset it")
        return None
    if app.staticfiles_installed is False:
        output.step("Skipping collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS")
        return None
    if app.process_ended is not None or app.process is None:
        # The settings import ended the process without an error: collectstatic cannot run.
        raise process.vanished_error("inspected", app.settings_module, app.process_ended)
    warn_if_static_root_outside(ctx, app)
    verbose = is_enabled(ctx.setting("DEBUG_COLLECTSTATIC"))
    where = "" if app.project_dir == "." else f" in {app.project_dir}/"
    with output.timed(f"Running collectstatic{where}" + (" (DEBUG_COLLECTSTATIC: verbose)" if verbose else "")):
        if verbose:
            output.detail("$ python manage.py collectstatic --noinput --verbosity 2 --traceback")
            # Names only: values can be secrets.
            env_names = project.django_env(ctx, app)
            output.detail("Environment variable names (values not shown): " + ", ".join(sorted(env_names)))
            # What the settings printed when the process imported them, as `manage.py collectstatic` shows it.
            output.details(app.process.settings_output)

        def show(line: str) -> None:
            if verbose:
                output.detail(line)

        outcome = app.process.collectstatic(verbose, show)
        record = outcome.record or {}
        tail = app.process.settings_output + outcome.tail
        if outcome.record is None:
            if outcome.returncode not in (0, None) and any(line.strip() == tracebacks.TRACEBACK_HEADER
                                                         for line in tail):
                raise collectstatic_error(ctx, app, tail, outcome.returncode or 1)
            raise process.vanished_error("collectstatic", app.settings_module, outcome.returncode)
        status = int(str(record.get("status") or 0))
        if status != 0:
            raise collectstatic_error(ctx, app, tail, status)
        if not record.get("finished"):
            # Exit status 0 without the command returning: sys.exit(0) in the app's code.
            raise process.vanished_error("collectstatic", app.settings_module, 0)
        summary = [line for line in outcome.tail if "static file" in line]
        output.details(without_build_dir(line, ctx.build_dir) for line in summary[-1:])
        if note:
            output.detail(note)
        return without_build_dir(summary[-1], ctx.build_dir) if summary else None


def collectstatic_error(ctx: Context, app: DjangoApp, tail: List[str], returncode: int) -> CollectstaticError:
    withheld = sorted(set(ctx.config_vars) - set(ctx.safe_config_vars()))
    failure = collectstatic_failures.classify(
        tail,
        build_dir=str(ctx.build_dir),
        settings_module=app.settings_module,
        app_modules=app_modules(app.project_root),
        withheld_config_vars=withheld,
        returncode=returncode,
    )
    body = failure.body
    script = node_assets.read_build_script(ctx.build_dir)
    if script is not None and node_assets.missing_built_file(failure.reason, tail):
        body += node_assets.collectstatic_advice(script, node_assets.node_installed(ctx.build_dir, ctx.environ.get("PATH", "")))
    other = project.web_settings_default(app)
    if other is not None:
        # cookiecutter-django's split: the build failed on the local settings manage.py chose.
        web_module_file, web_settings = other
        body += (f"\n\nThe build used {app.settings_module}, manage.py's default;\n"
                 f"{web_module_file} defaults to {web_settings}, which the web process\n"
                 "would use. If those are the settings for Heroku, choose them for\n"
                 "every process (the build included):\n"
                 f"   heroku config:set DJANGO_SETTINGS_MODULE={web_settings}")
    return CollectstaticError(failure.title, body, reason=reasons.collectstatic(failure.reason))


def warn_if_static_root_outside(ctx: Context, app: DjangoApp) -> None:
    """Files collected outside the build dir never reach the slug."""
    if app.introspection != "django" or not app.static_root:
        return
    root = Path(app.static_root)
    inside = any(_is_within(root, base) for base in (ctx.build_dir, ctx.build_dir.resolve()))
    if not inside:
        output.warning(
            "STATIC_ROOT is outside the app's directory.",
            f"STATIC_ROOT is '{app.static_root}', which is not inside the app's\n"
            "directory, so the collected files will not be in the slug and the\n"
            "app will not find them at run time.\n\n"
            "To fix it: set it relative to the project, for example:\n"
            '    STATIC_ROOT = BASE_DIR / "staticfiles"',
            DOCS_STATIC_ASSETS,
        )


def _is_within(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
        return True
    except ValueError:
        return False


def app_modules(project_root: Path) -> List[str]:
    """Top-level modules and packages of the app's own source (what `import x` finds there)."""
    names = []
    for entry in _entries(project_root):
        if entry.is_dir() and not entry.name.startswith(".") and entry.name.isidentifier():
            names.append(entry.name)
        elif entry.suffix == ".py":
            names.append(entry.stem)
    return sorted(names)


def _entries(directory: Path) -> List[Path]:
    try:
        return list(directory.iterdir())
    except OSError:
        return []
