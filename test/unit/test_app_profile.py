"""The .profile.d script and the export file, sourced by real bash.

WEB_CONCURRENCY depends on the dyno's cgroup memory limit: each case runs bash
in a bubblewrap sandbox with a tmpfs over /sys/fs/cgroup and fake cgroup files
bind-mounted at the real paths (never a real cgroup). The core count comes from
a fake `nproc` bound over /usr/bin/nproc, except in the test that pins the real
one with taskset.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

from buildpack.app import profile
from buildpack.context import Context

MB = 1024 * 1024
V2 = "/sys/fs/cgroup/memory.max"
V1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
V1_UNLIMITED = "9223372036854771712"
SHOWN = ("PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "LANG", "PYTHONUNBUFFERED", "WEB_CONCURRENCY",
         "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS", "PYTHONHOME", "VIRTUAL_ENV")
# Prints the variables the script may set ("<unset>" when it did not), then what leaked.
REPORT = ('for v in ' + " ".join(SHOWN) + '; do printf "%s=%s\\n" "$v" "${!v-<unset>}"; done; '
          'printf "functions=%s\\n" "$(declare -F | grep -c django_buildpack)"; '
          'printf "locals=%s\\n" "${limit-}${origin-}${cores-}${workers-}"')


def sandbox(tmp_path: Path, script: str, cgroup: Optional[Dict[str, str]] = None, cores: Optional[int] = None,
            env: Optional[Dict[str, str]] = None, command: str = REPORT, prefix=()) -> subprocess.CompletedProcess:
    """Source `script` in bash inside bwrap, with only the given cgroup files visible."""
    script_path = tmp_path / "python.sh"
    script_path.write_text(script)
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/sys/fs/cgroup"]
    for index, (path, content) in enumerate(sorted((cgroup or {}).items())):
        fake = tmp_path / f"cgroup-{index}"
        fake.write_text(content)
        argv += ["--dir", os.path.dirname(path), "--ro-bind", str(fake), path]
    if cores is not None:
        fake_nproc = tmp_path / "nproc"
        fake_nproc.write_text(f"#!/bin/sh\necho {cores}\n")
        fake_nproc.chmod(0o755)
        argv += ["--ro-bind", str(fake_nproc), "/usr/bin/nproc"]
    base = {"PATH": "/usr/bin:/bin", "HOME": "/app", "DYNO": "web.1"}
    base.update(env or {})
    bash = ["bash", "-u", "-c", f'. "$1"; echo "sourced=$?"; {command}', "bash", str(script_path)]
    return subprocess.run(argv + ["--", *prefix, *bash], env=base, capture_output=True, text=True, check=False)


def report(result: subprocess.CompletedProcess) -> Dict[str, str]:
    assert result.returncode == 0, result.stderr
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert values["sourced"] == "0"
    assert values["functions"] == "0", "helper functions leaked into the dyno's shell"
    assert values["locals"] == "", "helper variables leaked into the dyno's shell"
    return values


@pytest.mark.parametrize("path", [V2, V1], ids=["cgroup-v2", "cgroup-v1"])
@pytest.mark.parametrize(
    "limit_bytes, cores, expected",
    [
        (512 * MB, 8, "2"),  # standard-1x: memory decides
        (1024 * MB, 8, "4"),  # standard-2x
        (2560 * MB, 8, "10"),
        (2560 * MB, 2, "5"),  # the cores decide: 2 * 2 + 1
        (1536 * MB, 2, "5"),  # min(5, 6): memory would allow one more
        (100 * MB, 8, "1"),  # at least one worker
    ],
)
def test_web_concurrency_from_the_memory_limit(tmp_path, path, limit_bytes, cores, expected):
    values = report(sandbox(tmp_path, profile.render_profile(), {path: f"{limit_bytes}\n"}, cores=cores))
    assert values["WEB_CONCURRENCY"] == expected


@pytest.mark.parametrize(
    "cgroup",
    [
        {V2: "max\n"},
        {V1: V1_UNLIMITED + "\n"},
        {V1: "9223372036854775807"},
        {V2: ""},
        {V2: "garbage"},
        {},
    ],
    ids=["v2-max", "v1-unlimited", "v1-int64-max", "empty", "garbage", "no-files"],
)
def test_web_concurrency_unset_when_unlimited_or_unreadable(tmp_path, cgroup):
    result = sandbox(tmp_path, profile.render_profile(), cgroup, cores=8)
    assert report(result)["WEB_CONCURRENCY"] == "<unset>"
    assert "WEB_CONCURRENCY left unset" in result.stderr


def test_v2_wins_over_v1_when_both_are_there(tmp_path):
    cgroup = {V2: f"{512 * MB}\n", V1: f"{2560 * MB}\n"}
    assert report(sandbox(tmp_path, profile.render_profile(), cgroup, cores=8))["WEB_CONCURRENCY"] == "2"


def test_a_limit_without_trailing_newline_is_read(tmp_path):
    result = sandbox(tmp_path, profile.render_profile(), {V2: str(1024 * MB)}, cores=8)
    assert report(result)["WEB_CONCURRENCY"] == "4"


@pytest.mark.parametrize("path", [V2, V1], ids=["cgroup-v2", "cgroup-v1"])
def test_web_concurrency_set_by_the_user_is_untouched(tmp_path, path):
    result = sandbox(tmp_path, profile.render_profile(), {path: f"{512 * MB}\n"}, cores=8,
                     env={"WEB_CONCURRENCY": "7"})
    assert report(result)["WEB_CONCURRENCY"] == "7"
    assert "Using WEB_CONCURRENCY=7 (set by the app)" in result.stderr


def test_real_nproc_is_used_and_omp_num_threads_ignored(tmp_path):
    # taskset pins the sandbox to one CPU, so the real nproc says 1: min(1 * 2 + 1, 2560 / 256) = 3.
    # GNU nproc would obey OMP_NUM_THREADS=8 and give min(17, 10) = 10.
    result = sandbox(tmp_path, profile.render_profile(), {V2: f"{2560 * MB}\n"},
                     env={"OMP_NUM_THREADS": "8", "OMP_THREAD_LIMIT": "8"}, prefix=["taskset", "-c", "0"])
    values = report(result)
    assert values["WEB_CONCURRENCY"] == "3"
    assert "1 CPU core(s)" in result.stderr


def test_web_dynos_say_where_the_number_came_from(tmp_path):
    result = sandbox(tmp_path, profile.render_profile(), {V2: f"{512 * MB}\n"}, cores=8)
    assert result.stderr == (
        "Django buildpack: WEB_CONCURRENCY=2 (from the 512 MB memory limit in cgroup v2 memory.max and"
        " 8 CPU core(s); set WEB_CONCURRENCY to choose another number)\n"
    )


@pytest.mark.parametrize("dyno", ["run.1", "worker.2", "release.1", "scheduler.1234", ""])
def test_other_dynos_are_silent(tmp_path, dyno):
    for cgroup in ({V2: f"{512 * MB}\n"}, {V2: "max\n"}):
        result = sandbox(tmp_path, profile.render_profile(), cgroup, cores=8, env={"DYNO": dyno})
        report(result)
        assert result.stderr == ""
    result = sandbox(tmp_path, profile.render_profile(), {}, env={"DYNO": dyno, "WEB_CONCURRENCY": "3"})
    assert result.stderr == ""


def test_defaults_on_a_bare_dyno(tmp_path):
    values = report(sandbox(tmp_path, profile.render_profile(), env={"HOME": "/srv/slug"}))
    assert values["PATH"] == "/srv/slug/.heroku/python/bin:/usr/bin:/bin"  # $HOME expands at run time
    assert values["LD_LIBRARY_PATH"] == "/srv/slug/.heroku/python/lib"
    assert values["LIBRARY_PATH"] == "/srv/slug/.heroku/python/lib"
    assert values["LANG"] == "C.UTF-8"
    assert values["PYTHONUNBUFFERED"] == "1"
    assert values["FORWARDED_ALLOW_IPS"] == "*"
    assert values["GUNICORN_CMD_ARGS"] == "--access-logfile -"
    # uWSGI's `virtualenv = $(VIRTUAL_ENV)` and other tools find the installed environment.
    assert values["VIRTUAL_ENV"] == "/srv/slug/.heroku/python"
    # The runtimes are relocatable: PYTHONHOME would only break other Pythons on the dyno.
    assert values["PYTHONHOME"] == "<unset>"


def test_user_values_win(tmp_path):
    user = {
        "LANG": "de_DE.UTF-8",
        "PYTHONUNBUFFERED": "0",
        "FORWARDED_ALLOW_IPS": "10.0.0.1",
        "GUNICORN_CMD_ARGS": "--timeout 60",
        "LD_LIBRARY_PATH": "/opt/lib",
        "PATH": "/opt/bin:/usr/bin:/bin",
        "VIRTUAL_ENV": "/opt/venv",
    }
    values = report(sandbox(tmp_path, profile.render_profile(), env=user))
    for name in ("LANG", "PYTHONUNBUFFERED", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS", "VIRTUAL_ENV"):
        assert values[name] == user[name]
    # Path lists keep every entry the app set, after the runtime's own.
    assert values["PATH"] == "/app/.heroku/python/bin:/opt/bin:/usr/bin:/bin"
    assert values["LD_LIBRARY_PATH"] == "/app/.heroku/python/lib:/opt/lib"


def test_gunicorn_conf_py_keeps_its_own_access_log_setting(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "gunicorn.conf.py").write_text("accesslog = None\n")
    values = report(sandbox(tmp_path, profile.render_profile(), env={"HOME": str(home)}))
    assert values["GUNICORN_CMD_ARGS"] == "<unset>"
    assert values["FORWARDED_ALLOW_IPS"] == "*"


def test_sourcing_twice_does_not_grow_the_paths(tmp_path):
    command = '. "$1"; ' + REPORT
    values = report(sandbox(tmp_path, profile.render_profile(), command=command))
    assert values["PATH"] == "/app/.heroku/python/bin:/usr/bin:/bin"
    assert values["LD_LIBRARY_PATH"] == "/app/.heroku/python/lib"


def test_profile_never_exits_or_sets_errexit():
    script = profile.render_profile()
    assert not re.search(r"\bexit\b", script)
    assert not re.search(r"(^|[;&|]\s*)set\s+[-+]", script, re.MULTILINE)
    # The dyno's own Python-free image: nothing here may need python.
    assert "python " not in script and "python3" not in script


def test_export_uses_app_paths_and_no_home(tmp_path):
    text = profile.render_export()
    assert "$HOME" not in text and "${HOME" not in text
    values = report(sandbox(tmp_path, text, env={"HOME": "/tmp/whatever"}))
    assert values["PATH"] == "/app/.heroku/python/bin:/usr/bin:/bin"
    assert values["LD_LIBRARY_PATH"] == "/app/.heroku/python/lib"
    assert values["LIBRARY_PATH"] == "/app/.heroku/python/lib"
    assert values["LANG"] == "C.UTF-8"
    assert values["PYTHONUNBUFFERED"] == "1"
    assert values["VIRTUAL_ENV"] == "/app/.heroku/python"
    # Dyno-only settings are no business of the next buildpack's compile.
    assert values["WEB_CONCURRENCY"] == "<unset>"
    assert values["GUNICORN_CMD_ARGS"] == "<unset>"


def make_ctx(tmp_path: Path, buildpack_dir: Path) -> Context:
    build = tmp_path / "build"
    build.mkdir()
    return Context(build_dir=build, cache_dir=None, env_dir=None, buildpack_dir=buildpack_dir, stack="heroku-24",
                   environ={})


def test_write_puts_the_profile_in_the_slug_and_the_export_in_the_buildpack(tmp_path):
    buildpack = tmp_path / "buildpack"
    buildpack.mkdir()
    ctx = make_ctx(tmp_path, buildpack)
    profile.write(ctx)
    assert (ctx.build_dir / ".profile.d" / profile.PROFILE_NAME).read_text() == profile.render_profile()
    assert (buildpack / "export").read_text() == profile.render_export()


def test_a_read_only_buildpack_dir_only_loses_the_export(tmp_path):
    ctx = make_ctx(tmp_path, tmp_path / "missing" / "buildpack")  # cannot be written
    profile.write(ctx)
    assert (ctx.build_dir / ".profile.d" / profile.PROFILE_NAME).is_file()
    assert not (tmp_path / "missing").exists()


def test_the_apps_own_python_sh_is_kept_and_ours_is_named_apart(tmp_path, capsys):
    buildpack = tmp_path / "buildpack"
    buildpack.mkdir()
    ctx = make_ctx(tmp_path, buildpack)
    (ctx.build_dir / ".profile.d").mkdir()
    (ctx.build_dir / ".profile.d" / "python.sh").write_text("export APP_OWN=1\n")
    profile.write(ctx)
    assert (ctx.build_dir / ".profile.d" / "python.sh").read_text() == "export APP_OWN=1\n"
    assert (ctx.build_dir / ".profile.d" / profile.PROFILE_NAME).read_text() == profile.render_profile()
    assert "Keeping the app's own .profile.d/python.sh" in capsys.readouterr().out
    assert sorted(p.name for p in (ctx.build_dir / ".profile.d").iterdir())[0] == profile.PROFILE_NAME
