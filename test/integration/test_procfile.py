"""Issues 9.3, 9.4 and 12: the Procfile through the real bin/ scripts.

An app without a Procfile gets one written into the slug (Heroku runs the release
phase only from the Procfile); an app's own Procfile is never rewritten, and each
of its mistakes gets a warning that quotes the line and says the fix. Every build
here is the tutorial app over a copy of the session's warm cache (no pip).
"""
from __future__ import annotations

from integration.conftest import clone_work, copy_fixture
from integration.local_platform import build

TUTORIAL_WEB = "gunicorn portfolio.wsgi:application --bind 0.0.0.0:$PORT"
MIGRATE = "python manage.py migrate --noinput"


def build_with_procfile(tutorial_build, tmp_path, procfile, config=None):
    """The tutorial app with `procfile` (text, bytes, or a callable that makes it) at its root."""
    app = copy_fixture("django_tutorial", tmp_path / "app")
    if callable(procfile):
        procfile(app / "Procfile")
    elif isinstance(procfile, bytes):
        (app / "Procfile").write_bytes(procfile)
    elif procfile is not None:
        (app / "Procfile").write_text(procfile)
    result = build(app, clone_work(tutorial_build[1].work, tmp_path / "work"), config=config or {}, echo=False)
    assert result.returncode == 0, result.output[-3000:]
    assert "Traceback" not in result.output
    return result


def test_an_app_without_a_procfile_gets_one_with_web_and_release(tutorial_build):
    _, result = tutorial_build
    assert (result.work / "slug" / "Procfile").read_text() == f"web: {TUTORIAL_WEB}\nrelease: {MIGRATE}\n"
    log = result.output
    assert ("-----> No Procfile in the app: wrote one with the web and release defaults above\n"
            "       (Heroku runs the release phase only from the Procfile; DISABLE_DEFAULT_PROCFILE=1 turns this off)\n"
            ) in log
    assert "Note: Run migrations in Heroku's release phase via your Procfile." not in log
    assert "       Procfile declares types     -> web, release\n" in log  # what the platform reads from the slug


def test_the_written_procfile_can_be_turned_off(tutorial_build, tmp_path):
    result = build_with_procfile(tutorial_build, tmp_path, None, {"DISABLE_DEFAULT_PROCFILE": "1"})
    assert not (result.work / "slug" / "Procfile").exists()
    assert "-----> No Procfile written (DISABLE_DEFAULT_PROCFILE is set to '1')\n" in result.output
    assert " !     Note: Run migrations in Heroku's release phase via your Procfile." in result.output


def test_an_apps_own_procfile_is_never_rewritten(tutorial_build, tmp_path):
    own = f"web: {TUTORIAL_WEB} --workers 1\n"
    result = build_with_procfile(tutorial_build, tmp_path, own)
    assert (result.work / "slug" / "Procfile").read_text() == own
    assert "wrote one" not in result.output
    assert " !     Note: Run migrations in Heroku's release phase via your Procfile." in result.output
    assert " !         release: python manage.py migrate --noinput" in result.output


MISTAKES = (
    "web gunicorn portfolio.wsgi\n"
    "relase: python manage.py migrate --noinput\n"
    "worker: gunicron portfolio.wsgi:application\n"
    "clock: gunicorn portfolio.wsgi:aplication --bind 0.0.0.0:$PORT\n"
)


def test_each_procfile_mistake_is_quoted_with_its_fix(tutorial_build, tmp_path):
    log = build_with_procfile(tutorial_build, tmp_path, MISTAKES).output
    assert (
        " !     Warning: Procfile line 1 is not `type: command`: Heroku ignores it.\n"
        " !\n"
        " !     Line 1 of the Procfile:\n"
        " !         web gunicorn portfolio.wsgi\n"
        " !     A process line is the type, a colon, then the command.\n"
        " !\n"
        " !     To fix it: write:\n"
        " !         web: gunicorn portfolio.wsgi\n"
    ) in log
    assert (
        " !     Warning: Procfile line 2 declares `relase`, probably meant as `release`.\n"
        " !\n"
        " !     Line 2 of the Procfile:\n"
        " !         relase: python manage.py migrate --noinput\n"
        " !     Heroku runs only the process type named `release` in the release phase;\n"
        " !     `relase` is an ordinary process type that nothing starts by itself.\n"
        " !\n"
        " !     To fix it: rename the type:\n"
        " !         release: python manage.py migrate --noinput\n"
    ) in log
    assert (
        " !     Warning: Procfile line 3 runs `gunicron`, which is not installed.\n"
        " !\n"
        " !     Line 3 of the Procfile:\n"
        " !         worker: gunicron portfolio.wsgi:application\n"
    ) in log
    assert " !     1. Did you mean `gunicorn`? It is installed: write\n" in log
    assert " !            worker: gunicorn portfolio.wsgi:application\n" in log
    assert (
        " !     Warning: Procfile line 4 names an application that does not exist: portfolio.wsgi:aplication.\n"
        " !\n"
        " !     Line 4 of the Procfile:\n"
        " !         clock: gunicorn portfolio.wsgi:aplication --bind 0.0.0.0:$PORT\n"
        " !     The module portfolio.wsgi defines no `aplication` (it has `application`),\n"
        " !     so gunicorn would fail to load the application and the process would crash.\n"
        " !\n"
        " !     To fix it: write portfolio.wsgi:application instead.\n"
    ) in log


def test_a_procfile_that_is_a_directory_is_said_so(tutorial_build, tmp_path):
    result = build_with_procfile(tutorial_build, tmp_path, lambda path: path.mkdir())
    assert " !     Warning: Procfile is a directory, not a file.\n" in result.output
    assert (result.work / "slug" / "Procfile").is_dir()  # never replaced


def test_a_huge_procfile_makes_a_short_log(tutorial_build, tmp_path):
    lines = "".join(f"proc{n} {'x' * 40}\n" for n in range(200_000))  # 200k lines, no colon: every one wrong
    result = build_with_procfile(tutorial_build, tmp_path, lines)
    log = result.output
    assert len(log) < 40_000, len(log)
    assert " !     Warning: Procfile is larger than 1 MB; only its first 1 MB was checked.\n" in log
    assert " !     Warning: Procfile line 1 is not `type: command`: Heroku ignores it.\n" in log
    assert " !     Warning: The Procfile has 2" in log  # "... more problems" with the count
    assert "proc5000 " not in log


def test_a_correct_procfile_gets_no_warning(tutorial_build, tmp_path):
    procfile = ("web: gunicorn portfolio.wsgi --workers 2 --bind 0.0.0.0:$PORT\n"
                "# a comment\n\nrelease: python -m gunicorn --check-config portfolio.wsgi:application\n"
                "worker: bash -c 'sleep 1'\n")
    log = build_with_procfile(tutorial_build, tmp_path, procfile).output
    assert "Warning: Procfile" not in log and "Warning: The Procfile" not in log
