from types import SimpleNamespace

import pytest
import yaml

from buildpack.app import processes

GUNICORN_WSGI = "gunicorn portfolio.wsgi:application --bind 0.0.0.0:$PORT"


@pytest.mark.parametrize(
    "installed, project_dir, wsgi, asgi, asgi_fallback, expected, warned",
    [
        # WSGI with gunicorn: the usual case, also when the project has an asgi.py.
        ({"gunicorn"}, ".", "portfolio.wsgi.application", None, None, GUNICORN_WSGI, False),
        ({"gunicorn", "uvicorn"}, ".", "portfolio.wsgi.application", None, "portfolio.asgi.application",
         GUNICORN_WSGI, False),
        ({"gunicorn"}, "src", "portfolio.wsgi.application", None, None,
         "gunicorn --chdir src portfolio.wsgi:application --bind 0.0.0.0:$PORT", False),
        # ASGI_APPLICATION set: the first ASGI server installed.
        ({"gunicorn", "uvicorn"}, ".", "p.wsgi.application", "p.asgi.application", None,
         "gunicorn p.asgi:application --worker-class uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT", False),
        ({"gunicorn", "uvicorn", "uvicorn-worker"}, "site", "p.wsgi.application", "p.asgi.application", None,
         "gunicorn --chdir site p.asgi:application --worker-class uvicorn_worker.UvicornWorker --bind 0.0.0.0:$PORT",
         False),
        ({"uvicorn"}, ".", None, "p.asgi.application", None, "uvicorn p.asgi:application --host 0.0.0.0 --port $PORT",
         False),
        ({"uvicorn"}, "src", None, "p.asgi.application", None,
         "uvicorn --app-dir src p.asgi:application --host 0.0.0.0 --port $PORT", False),
        ({"daphne"}, ".", None, "p.asgi.application", None, "daphne --bind 0.0.0.0 --port $PORT p.asgi:application",
         False),
        ({"daphne"}, "src", None, "p.asgi.application", None,
         "cd src && daphne --bind 0.0.0.0 --port $PORT p.asgi:application", False),
        # No usable WSGI application: the project's asgi.py.
        ({"gunicorn", "uvicorn"}, ".", None, None, "p.asgi.application",
         "gunicorn p.asgi:application --worker-class uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT", False),
        # ASGI wanted but no ASGI server: gunicorn on WSGI, with a warning.
        ({"gunicorn"}, ".", "portfolio.wsgi.application", "portfolio.asgi.application", None, GUNICORN_WSGI, True),
        # No gunicorn: Django's development server, with a warning.
        (set(), ".", "p.wsgi.application", None, None, "python manage.py runserver 0.0.0.0:$PORT --noreload", True),
        (set(), "site", "p.wsgi.application", None, None,
         "python site/manage.py runserver 0.0.0.0:$PORT --noreload", True),
        ({"gunicorn"}, ".", None, None, None, "python manage.py runserver 0.0.0.0:$PORT --noreload", True),
        (set(), ".", None, "p.asgi.application", None, "python manage.py runserver 0.0.0.0:$PORT --noreload", True),
    ],
)
def test_web_command(installed, project_dir, wsgi, asgi, asgi_fallback, expected, warned):
    choice = processes.web_command(installed, project_dir, wsgi, asgi, asgi_fallback)
    assert choice.command == expected
    assert (choice.warning is not None) == warned
    assert "0.0.0.0" in choice.command and "$PORT" in choice.command
    assert choice.reason


@pytest.mark.parametrize(
    "installed, project_dir, asgi, expected",
    [
        ({"gunicorn"}, ".", None, "gunicorn --pythonpath src p.wsgi:application --bind 0.0.0.0:$PORT"),
        # gunicorn reads --pythonpath after its --chdir: relative to the project.
        ({"gunicorn"}, "backend", None,
         "gunicorn --chdir backend --pythonpath src p.wsgi:application --bind 0.0.0.0:$PORT"),
        ({"gunicorn", "uvicorn-worker"}, ".", "p.asgi.application",
         "gunicorn --pythonpath src p.asgi:application --worker-class uvicorn_worker.UvicornWorker --bind 0.0.0.0:$PORT"),
        ({"uvicorn"}, "backend", "p.asgi.application",
         "uvicorn --app-dir backend/src p.asgi:application --host 0.0.0.0 --port $PORT"),
        ({"daphne"}, "backend", "p.asgi.application",
         "cd backend && PYTHONPATH=src daphne --bind 0.0.0.0 --port $PORT p.asgi:application"),
    ],
)
def test_a_package_imported_from_src_is_on_the_servers_path(installed, project_dir, asgi, expected):
    choice = processes.web_command(installed, project_dir, "p.wsgi.application", asgi, None, import_dir="src")
    assert choice.command == expected


def test_web_command_reasons_name_the_server_and_application():
    assert processes.web_command({"gunicorn"}, ".", "a.wsgi.application").reason == (
        "gunicorn on the WSGI application a.wsgi.application"
    )
    asgi = processes.web_command({"uvicorn"}, ".", "a.wsgi.application", "a.asgi.application")
    assert asgi.reason == "uvicorn on the ASGI application a.asgi.application (ASGI_APPLICATION is set)"
    fallback = processes.web_command({"daphne"}, ".", None, None, "a.asgi.application")
    assert fallback.reason == "daphne on the ASGI application a.asgi.application (no WSGI application was found)"


def test_runserver_warning_says_how_to_add_gunicorn():
    title, body = processes.web_command(set(), ".", "p.wsgi.application").warning
    assert "development server" in title
    assert "Add gunicorn to requirements.txt" in body
    assert "Procfile" in body


def test_missing_asgi_server_warning_lists_the_servers():
    title, body = processes.web_command({"gunicorn"}, ".", "p.wsgi.application", "p.asgi.application").warning
    assert title == "ASGI_APPLICATION is set, but no ASGI server is installed."
    for server in ("uvicorn-worker", "uvicorn[standard]", "daphne"):
        assert server in body


@pytest.mark.parametrize("project_dir, expected", [
    (".", "python manage.py migrate --noinput"),
    ("backend/src", "python backend/src/manage.py migrate --noinput"),
])
def test_release_command(project_dir, expected):
    assert processes.release_command(project_dir) == expected


def django_app(project_dir=".", wsgi="portfolio.wsgi.application", asgi=None, asgi_fallback=None):
    return SimpleNamespace(project_dir=project_dir, wsgi_application=wsgi, asgi_application=asgi,
                           asgi_fallback=asgi_fallback)


def test_plan_for_a_django_app(tmp_path):
    plan = processes.plan(tmp_path, django_app(), {"django": "5.2", "gunicorn": "23.0.0", "psycopg2-binary": "2.9"})
    assert plan.process_types == {"web": GUNICORN_WSGI, "release": "python manage.py migrate --noinput"}
    assert plan.addons == ["heroku-postgresql"]
    assert plan.warnings == []
    assert set(plan.reasons) == {"web", "release"}


@pytest.mark.parametrize("driver", ["psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary"])
def test_postgres_addon_for_each_driver(tmp_path, driver):
    assert processes.plan(tmp_path, django_app(), {"django": "5", driver: "1"}).addons == ["heroku-postgresql"]


def test_no_addon_without_a_postgres_driver(tmp_path):
    assert processes.plan(tmp_path, django_app(), {"django": "5", "gunicorn": "23"}).addons == []


def test_no_defaults_for_a_non_django_app(tmp_path):
    plan = processes.plan(tmp_path, None, {"psycopg2": "2.9", "gunicorn": "23"})
    assert (plan.process_types, plan.addons) == ({}, [])


def test_procfile_web_silences_the_runserver_warning(tmp_path):
    assert processes.plan(tmp_path, django_app(), {"django": "5"}).warnings
    (tmp_path / "Procfile").write_text("web: waitress-serve --port=$PORT portfolio.wsgi:application\n")
    assert processes.plan(tmp_path, django_app(), {"django": "5"}).warnings == []


def test_procfile_next_to_a_nested_manage_py_is_pointed_out(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Procfile").write_text("web: gunicorn mysite.wsgi\n")
    plan = processes.plan(tmp_path, django_app("src"), {"django": "5", "gunicorn": "23"})
    assert [title for title, _ in plan.warnings] == ["Your Procfile is in src/, where Heroku does not read it."]
    (tmp_path / "Procfile").write_text("web: gunicorn --chdir src mysite.wsgi\n")
    assert processes.plan(tmp_path, django_app("src"), {"django": "5", "gunicorn": "23"}).warnings == []


def test_release_yaml_is_hand_written_valid_yaml():
    text = processes.render_release_yaml(
        {"web": "gunicorn p.wsgi:application --bind 0.0.0.0:$PORT", "release": "python manage.py migrate --noinput",
         "odd": "echo 'a: b' # not a comment", "asgi": "cd src && daphne --bind 0.0.0.0 --port $PORT p.asgi:app"},
        ["heroku-postgresql"],
    )
    assert yaml.safe_load(text) == {
        "addons": ["heroku-postgresql"],
        "default_process_types": {
            "web": "gunicorn p.wsgi:application --bind 0.0.0.0:$PORT",
            "release": "python manage.py migrate --noinput",
            "odd": "echo 'a: b' # not a comment",
            "asgi": "cd src && daphne --bind 0.0.0.0 --port $PORT p.asgi:app",
        },
    }


def test_release_yaml_when_there_is_nothing_to_say():
    assert processes.render_release_yaml({}, []) == "---\n{}\n"


def test_saved_plan_round_trips(tmp_path):
    plan = processes.ProcessPlan({"web": "gunicorn x:y"}, ["heroku-postgresql"], reasons={"web": "why"})
    processes.save(tmp_path, plan)
    assert processes.load(tmp_path) == ({"web": "gunicorn x:y"}, ["heroku-postgresql"])


def test_missing_or_broken_plan_loads_as_empty(tmp_path):
    assert processes.load(tmp_path) == ({}, [])
    (tmp_path / processes.PROCESSES_FILE).parent.mkdir(parents=True)
    (tmp_path / processes.PROCESSES_FILE).write_text("[1,")
    assert processes.load(tmp_path) == ({}, [])


def test_procfile_wins_per_type(tmp_path):
    (tmp_path / "Procfile").write_text("web: gunicorn custom.wsgi\n# comment\nworker: celery -A x worker\n")
    plan = processes.ProcessPlan({"web": "gunicorn p.wsgi:application", "release": "python manage.py migrate"})
    assert processes.effective(tmp_path, plan) == {
        "web": ("gunicorn custom.wsgi", "Procfile"),
        "release": ("python manage.py migrate", "buildpack default"),
        "worker": ("celery -A x worker", "Procfile"),
    }


def test_announce_lists_each_type_with_its_source(tmp_path, capsys):
    (tmp_path / "Procfile").write_text("web: gunicorn custom.wsgi\nworker: celery -A x worker\n")
    plan = processes.ProcessPlan(
        {"web": "gunicorn p.wsgi:application", "release": "python manage.py migrate --noinput"},
        reasons={"web": "gunicorn on the WSGI application p.wsgi.application", "release": "migrations"},
    )
    processes.announce(tmp_path, plan)
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "-----> Process types (a Procfile entry wins over the default of the same name):",
        "       web: gunicorn custom.wsgi",
        "           (from Procfile, instead of the buildpack default)",
        "       release: python manage.py migrate --noinput",
        "           (buildpack default: migrations)",
        "       worker: celery -A x worker",
        "           (from Procfile)",
    ]
    # The default release process: one note on how to put it in the Procfile.
    assert " !     Note: Run migrations in Heroku's release phase via your Procfile." in err
    assert " !         release: python manage.py migrate --noinput" in err


def test_announce_without_a_release_default_has_no_note(tmp_path, capsys):
    (tmp_path / "Procfile").write_text("web: gunicorn a.wsgi\nrelease: ./release.sh\n")
    processes.announce(tmp_path, processes.ProcessPlan({"release": "python manage.py migrate --noinput"}))
    out, err = capsys.readouterr()
    assert "release: ./release.sh" in out
    assert "Note:" not in err


def test_announce_says_when_there_is_no_web_process(tmp_path, capsys):
    (tmp_path / "Procfile").write_text("worker: python worker.py\n")
    processes.announce(tmp_path, processes.ProcessPlan())
    assert "no web process" in capsys.readouterr().out


def test_announce_with_nothing_at_all(tmp_path, capsys):
    processes.announce(tmp_path, processes.ProcessPlan())
    assert capsys.readouterr().out == "-----> No process types: add a Procfile with a `web:` command\n"


def test_every_default_web_command_is_valid_in_the_yaml(tmp_path):
    """Whatever web_command produces survives the hand-written YAML."""
    commands = [
        processes.web_command(installed, project_dir, "p.wsgi.application", asgi).command
        for installed in ({"gunicorn"}, {"uvicorn"}, {"daphne"}, {"gunicorn", "uvicorn"}, set())
        for project_dir in (".", "src", "my app")
        for asgi in (None, "p.asgi.application")
    ]
    types = {f"t{i}": command for i, command in enumerate(commands)}
    assert yaml.safe_load(processes.render_release_yaml(types, []))["default_process_types"] == types


def test_a_project_dir_with_a_space_is_quoted():
    assert processes.web_command({"gunicorn"}, "my app", "p.wsgi.application").command == (
        "gunicorn --chdir 'my app' p.wsgi:application --bind 0.0.0.0:$PORT"
    )
    assert processes.release_command("my app") == "python 'my app/manage.py' migrate --noinput"


@pytest.mark.parametrize("command", ["0", "1.5", "true", "no", "null", "~", "0x1F", "-3"])
def test_a_command_yaml_would_read_as_a_number_or_boolean_is_quoted(command):
    import yaml

    text = processes.render_release_yaml({"web": command}, [])
    assert yaml.safe_load(text) == {"default_process_types": {"web": command}}


def test_the_defaults_are_written_as_the_procfile_only_when_the_app_has_none(tmp_path):
    plan = processes.ProcessPlan({"web": "gunicorn p.wsgi:application", "release": "python manage.py migrate"})
    assert processes.write_procfile(tmp_path, plan, None) is True
    assert (tmp_path / "Procfile").read_text() == "web: gunicorn p.wsgi:application\nrelease: python manage.py migrate\n"
    (tmp_path / "Procfile").write_text("web: own\n")
    assert processes.write_procfile(tmp_path, plan, None) is False
    assert (tmp_path / "Procfile").read_text() == "web: own\n"


@pytest.mark.parametrize("make", [lambda p: p.mkdir(), lambda p: p.symlink_to("missing")])
def test_an_unreadable_procfile_is_never_replaced(tmp_path, make):
    make(tmp_path / "Procfile")
    assert processes.write_procfile(tmp_path, processes.ProcessPlan({"web": "x"}), None) is False


def test_the_config_var_turns_the_written_procfile_off(tmp_path, capsys):
    assert processes.write_procfile(tmp_path, processes.ProcessPlan({"web": "x"}), "1") is False
    assert not (tmp_path / "Procfile").exists()
    assert capsys.readouterr().out == "-----> No Procfile written (DISABLE_DEFAULT_PROCFILE is set to '1')\n"
    assert processes.write_procfile(tmp_path, processes.ProcessPlan({"web": "x"}), "0") is True


def test_a_written_procfile_is_announced_as_the_defaults(tmp_path, capsys):
    plan = processes.ProcessPlan({"web": "gunicorn p.wsgi:application"}, reasons={"web": "why"})
    processes.write_procfile(tmp_path, plan, None)
    processes.announce(tmp_path, plan, written=True)
    captured = capsys.readouterr()
    assert "       web: gunicorn p.wsgi:application\n           (buildpack default: why)\n" in captured.out
    assert "-----> No Procfile in the app: wrote one with the web and release defaults above\n" in captured.out
    assert "Note:" not in captured.err


def test_the_announced_list_is_bounded(tmp_path, capsys):
    (tmp_path / "Procfile").write_text("".join(f"p{n}: run {n}\n" for n in range(1000)))
    processes.announce(tmp_path, processes.ProcessPlan())
    out = capsys.readouterr().out
    assert "       ... and 980 more process types from the Procfile\n" in out
    assert "p500" not in out
