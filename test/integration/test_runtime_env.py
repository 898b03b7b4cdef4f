"""Django at run time, through the real bin/ scripts in the sandbox: the production checks in the
build log, the dyno environment .profile.d gives gunicorn, and the export a next buildpack sources.

Two builds of test/fixtures/checks_app, both from a copy of the session's warm tutorial
build (same Django, gunicorn and whitenoise): its production-ready settings, then, chained
with a second buildpack as Heroku's builder runs them, a laptop's settings.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import localheroku as lh
from integration.conftest import FIXTURES, clone_work, copy_fixture
from integration.local_platform import build

SECRET_KEY = "pr0duct10n-k3y-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
MB = 1024 * 1024
CHECK_TITLES = (
    "Warning: DEBUG is on",
    "Warning: ALLOWED_HOSTS will reject",
    "Warning: The database is SQLite",
    "Warning: SECRET_KEY is not safe",
    "Warning: Nothing will serve the static files",
    "Warning: Errors will not reach",
)


@pytest.fixture(scope="module")
def production_build(tutorial_build, tmp_path_factory):
    """checks_app with its production-ready settings: (app, BuildResult)."""
    _, tutorial = tutorial_build
    root = tmp_path_factory.mktemp("checks-production")
    app = copy_fixture("checks_app", root / "app")
    work = clone_work(tutorial.work, root / "work")
    result = build(app, work, config={"SECRET_KEY": SECRET_KEY}, echo=False)
    assert result.returncode == 0, result.output[-5000:]
    return app, result


def test_production_ready_settings_raise_no_warning(production_build):
    _, result = production_build
    assert (
        "-----> Checking the Django settings for production\n"
        "       manage.py check --deploy: no issues\n"
        "       No problems found\n"
    ) in result.output
    for title in CHECK_TITLES:
        assert title not in result.output
    assert SECRET_KEY not in result.output


def dyno(work: Path, command: str, cgroup: dict, dyno_name: str = "web.1") -> subprocess.CompletedProcess:
    """A one-off dyno on the slug, with fake cgroup files bound over a tmpfs (never a real cgroup)."""
    mounts = lh.run_mounts(lh.probe_host(), str(work / "slug"), lh.empty_file(work)) + ["--tmpfs", "/sys/fs/cgroup"]
    for index, (path, content) in enumerate(sorted(cgroup.items())):
        fake = work / f"fake-cgroup-{index}"
        fake.write_text(content)
        mounts += ["--dir", str(Path(path).parent), "--ro-bind", str(fake), path]
    env = lh.run_env(dyno_name, lh.free_port(), lh.read_env_dir(work / "env"))
    return subprocess.run(lh.sandbox_argv(mounts, env, lh.dyno_command(command)), capture_output=True, text=True)


GUNICORN_CONFIG = "gunicorn --print-config site_config.wsgi:application | grep -E '^(workers|accesslog|forwarded_allow_ips) '"


@pytest.mark.parametrize(
    "path",
    ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"],
    ids=["cgroup-v2", "cgroup-v1"],
)
def test_gunicorn_on_a_512_mb_web_dyno(production_build, path):
    # 512 MB / 256 MB = 2 workers, whatever the cores (cores * 2 + 1 >= 3).
    _, result = production_build
    ran = dyno(result.work, GUNICORN_CONFIG, {path: f"{512 * MB}\n"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    settings = {line.split("=")[0].strip(): line.split("=", 1)[1].strip() for line in ran.stdout.splitlines()}
    assert settings == {"workers": "2", "accesslog": "-", "forwarded_allow_ips": "['*']"}
    assert "Django buildpack: WEB_CONCURRENCY=2 (from the 512 MB memory limit" in ran.stderr


def test_a_user_set_web_concurrency_reaches_gunicorn(production_build, tmp_path):
    _, result = production_build
    work = clone_work(result.work, tmp_path / "work")
    lh.write_env_dir(work / "env", {**lh.read_env_dir(work / "env"), "WEB_CONCURRENCY": "5"})
    ran = dyno(work, GUNICORN_CONFIG, {"/sys/fs/cgroup/memory.max": f"{512 * MB}\n"})
    assert "workers                            = 5" in ran.stdout, ran.stdout + ran.stderr
    assert "Using WEB_CONCURRENCY=5 (set by the app)" in ran.stderr


def test_one_off_dynos_are_quiet_and_find_the_slugs_python(production_build):
    _, result = production_build
    ran = dyno(result.work, "command -v python; echo \"WEB_CONCURRENCY=${WEB_CONCURRENCY-unset}\"; "
               "echo \"VIRTUAL_ENV=$VIRTUAL_ENV\"", {"/sys/fs/cgroup/memory.max": "max\n"}, dyno_name="run.1")
    assert ran.returncode == 0
    # VIRTUAL_ENV: what uWSGI's `virtualenv = $(VIRTUAL_ENV)` and similar tools need to find the packages.
    assert ran.stdout == ("/app/.heroku/python/bin/python\nWEB_CONCURRENCY=unset\n"
                          "VIRTUAL_ENV=/app/.heroku/python\n")
    assert ran.stderr == ""


def test_laptop_settings_warn_and_the_next_buildpack_sees_the_export(production_build, tmp_path):
    """compile, then the builder sources bin/../export and runs the next buildpack's compile, in one build."""
    _, result = production_build
    app = copy_fixture("checks_app", tmp_path / "app")
    work = clone_work(result.work, tmp_path / "work")
    box = lh.prepare_build(lh.BuildRequest.of(app, work, config={"DJANGO_SETTINGS_MODULE": "site_config.unready"},
                                              host_env=os.environ))
    try:
        chain = (
            f'{lh.BUILDPACK_DIR}/bin/compile "$1" "$2" "$3" || exit $?; '
            'command -v python || echo "(no python before the export)"; '
            f'. {lh.BUILDPACK_DIR}/export; /tmp/next-buildpack/bin/compile "$1" "$2" "$3"'
        )
        mounts = box.mounts + ["--ro-bind", str(FIXTURES / "next_buildpack"), "/tmp/next-buildpack"]
        argv = lh.sandbox_argv(mounts, box.env, ["bash", "-c", chain, "builder", box.build_dir, lh.CACHE_DIR,
                                                 lh.ENV_DIR], box.network)
        ran = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finally:
        lh.remove_tree(box.scratch)
    output = ran.stdout
    assert ran.returncode == 0, output[-5000:]
    # The build log: every problem of a laptop's settings, with Django's own count, no secret.
    for title in CHECK_TITLES[:-1]:
        assert f" !     {title}" in output, output[-5000:]
    assert "Warning: Errors will not reach" not in output  # DEBUG on: Django logs to the console
    assert " !     - it starts with 'django-insecure-'" in output
    assert ("manage.py check --deploy: 6 warnings: security.W004, security.W008, security.W009, security.W016,"
            " security.W018, security.W020") in output
    assert "django-insecure-l4pt0p" not in output
    # The next buildpack: no python of its own, then the slug's through the export's /app paths.
    assert "(no python before the export)\n" in output
    assert "-----> Next buildpack: python is /app/.heroku/python/bin/python\n" in output
    assert "       Python 3.12.1\n" in output
    assert "       Django 5.2.8 in /app/.heroku/python\n" in output
    assert "       LANG=C.UTF-8 PYTHONUNBUFFERED=1\n" in output
