import pytest
import yaml

from buildpack import processes


@pytest.mark.parametrize(
    "installed, project_dir, wsgi, asgi, expected",
    [
        ({"gunicorn"}, ".", "portfolio.wsgi.application", None,
         "gunicorn portfolio.wsgi:application --bind 0.0.0.0:$PORT"),
        ({"gunicorn"}, "src", "portfolio.wsgi.application", None,
         "gunicorn --chdir src portfolio.wsgi:application --bind 0.0.0.0:$PORT"),
        ({"gunicorn", "uvicorn"}, ".", "p.wsgi.application", "p.asgi.application",
         "gunicorn p.asgi:application -k uvicorn.workers.UvicornWorker --bind 0.0.0.0:$PORT"),
        ({"uvicorn"}, ".", None, "p.asgi.application", "uvicorn p.asgi:application --host 0.0.0.0 --port $PORT"),
        ({"daphne"}, ".", None, "p.asgi.application", "daphne -b 0.0.0.0 -p $PORT p.asgi:application"),
        (set(), ".", "p.wsgi.application", None, "python manage.py runserver 0.0.0.0:$PORT --noreload"),
        (set(), "site", "p.wsgi.application", None, "python site/manage.py runserver 0.0.0.0:$PORT --noreload"),
    ],
)
def test_web_command(installed, project_dir, wsgi, asgi, expected):
    command, warning = processes.web_command(installed, project_dir, wsgi, asgi)
    assert command == expected
    assert (warning is not None) == command.startswith("python ")


def test_release_yaml_is_hand_written_valid_yaml():
    text = processes.render_release_yaml(
        {"web": "gunicorn p.wsgi:application --bind 0.0.0.0:$PORT", "release": "python manage.py migrate --noinput",
         "odd": "echo 'a: b' # not a comment"},
        ["heroku-postgresql"],
    )
    assert yaml.safe_load(text) == {
        "addons": ["heroku-postgresql"],
        "default_process_types": {
            "web": "gunicorn p.wsgi:application --bind 0.0.0.0:$PORT",
            "release": "python manage.py migrate --noinput",
            "odd": "echo 'a: b' # not a comment",
        },
    }


def test_release_yaml_when_there_is_nothing_to_say():
    assert processes.render_release_yaml({}, []) == "---\n{}\n"


def test_saved_plan_round_trips(tmp_path):
    plan = processes.ProcessPlan({"web": "gunicorn x:y"}, ["heroku-postgresql"])
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
