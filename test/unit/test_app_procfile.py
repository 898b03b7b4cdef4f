"""The Procfile checks: table tests over text and a fake Lookup (no files, no subprocess)."""
from __future__ import annotations

import pytest

from buildpack.app import procfile, slug_lookup

WSGI = "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
MODULES = {"mysite.wsgi": WSGI, "backend/mysite.wsgi": WSGI, "mysite.asgi": "application = 1\n",
           "factory": "def create_app():\n    pass\n", "starry": "from x import *\n"}


def module_source(module, dirs):
    for directory in dirs:
        key = module if directory == "." else f"{directory}/{module}"
        if key in MODULES:
            return True, MODULES[key]
    return False, None


LOOKUP = slug_lookup.Lookup(
    command_exists=lambda name: name in {"gunicorn", "uvicorn", "daphne", "python", "bash", "celery", "newrelic-admin"},
    path_exists=lambda path: path in {"bin/start-web", "scripts/run.sh", "manage.py", "backend/manage.py"},
    module_source=module_source,
    installed_commands=("gunicorn", "uvicorn", "django-admin", "celery", "newrelic-admin"),
    path_executable=lambda path: path != "scripts/run.sh",
)
NESTED = slug_lookup.Lookup(
    command_exists=lambda name: name in {"python", "python3", "python3.12", "gunicorn"}, module_source=module_source,
    path_exists=lambda path: path == "backend/manage.py",
    files_named=lambda name: ["backend/manage.py"] if name == "manage.py" else [],
)


def slugs(text):
    return [finding.reason for finding in procfile.check(text, LOOKUP)]


@pytest.mark.parametrize("text", [
    "web: gunicorn mysite.wsgi\n",
    "web: gunicorn mysite.wsgi:application --bind 0.0.0.0:$PORT --workers 3\n",
    "web: gunicorn --chdir backend mysite.wsgi --bind 0.0.0.0:$PORT\n",
    "web: cd backend && gunicorn mysite.wsgi\n",
    "web: uvicorn mysite.asgi:application --host 0.0.0.0 --port $PORT\n",
    "web: python -m gunicorn mysite.wsgi:application\n",
    "web: newrelic-admin run-program gunicorn mysite.wsgi\n",
    "web: gunicorn 'factory:create_app()'\n",
    "web: gunicorn starry:anything\n",  # an import * could define it: no guess
    "worker: celery -A mysite worker -l info\n",
    "release: ./bin/start-web && bash scripts/run.sh\n",
    "worker2: python manage.py rqworker\n",
    "web_admin: gunicorn mysite.wsgi\n",
    "# a comment\n\n   \nweb: WEB_CONCURRENCY=2 gunicorn mysite.wsgi\n",
    "web: $START_COMMAND\n",
    "web: gunicorn mysite.wsgi --log-file -\n",
    "web: bash -c 'unbalanced\n",  # cannot be parsed: no guess
    "web: gunicorn mysite.wsgi -c gunicorn.conf.py\n",  # its config file may bind: no guess
    "web: gunicorn mysite.wsgi --bind unix:/tmp/nginx.socket\n",  # the nginx buildpack listens on $PORT
    'web: gunicorn mysite.wsgi -b "0.0.0.0:${PORT:-8000}"\n',
    "web: python manage.py runserver 0.0.0.0:$PORT\n",
    "web: uvicorn mysite.asgi:application --host=0.0.0.0 --port=$PORT\n",
    "worker: gunicorn mysite.wsgi --bind 127.0.0.1:9000\n",  # only web gets requests
])
def test_good_lines_raise_nothing(text):
    assert slugs(text) == []


@pytest.mark.parametrize("text, expected", [
    ("web gunicorn mysite.wsgi\n", ["procfile::malformed"]),
    ("web : gunicorn mysite.wsgi\n", ["procfile::malformed"]),
    ("  web: gunicorn mysite.wsgi\n", ["procfile::malformed"]),
    ("just words here\n", ["procfile::malformed"]),
    ("web:\n", ["procfile::no-command"]),
    ("relase: python manage.py migrate\n", ["procfile::misspelled-type"]),
    ("Web: gunicorn mysite.wsgi\n", ["procfile::misspelled-type"]),
    ("wbe: gunicorn mysite.wsgi\n", ["procfile::misspelled-type"]),
    ("wokrer: celery -A mysite worker\n", ["procfile::misspelled-type"]),
    ("web: gunicron mysite.wsgi\n", ["procfile::missing-program"]),
    ("web: ./start.sh\n", ["procfile::missing-program"]),
    # What a later step may provide: a file a post-build step writes into bin/, Node's programs.
    ("web: ./bin/missing\n", ["procfile::written-later"]),
    ("web: cd bin && ./server\n", ["procfile::written-later"]),
    ("web: node server.js\n", ["procfile::later-buildpack"]),
    ("worker: npm run worker\n", ["procfile::later-buildpack"]),
    ("worker: exec yarn start\n", ["procfile::later-buildpack"]),
    ("release: ./scripts/run.sh\n", ["procfile::not-executable"]),
    ("web: gunicorn mysite.wsgi:aplication\n", ["procfile::missing-application"]),
    ("web: gunicorn nosuch.wsgi\n", ["procfile::missing-application"]),
    ("web: gunicorn --chdir src mysite.wsgi\n", ["procfile::missing-application"]),
    ("web: gunicorn mysite.wsgi\nweb: gunicorn mysite.wsgi\n", ["procfile::duplicate-type"]),
    ("relase: gunicron x.wsgi\n", ["procfile::misspelled-type", "procfile::missing-program"]),
])
def test_each_mistake_is_found(text, expected):
    assert slugs(text) == expected


@pytest.mark.parametrize("text, listens_on, fix", [
    ("web: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n", "0.0.0.0:8000", "--bind 0.0.0.0:$PORT"),
    ("web: gunicorn mysite.wsgi --bind=127.0.0.1:$PORT\n", "127.0.0.1:$PORT", "--bind 0.0.0.0:$PORT"),
    ("web: python -m gunicorn mysite.wsgi -b localhost:$PORT\n", "localhost:$PORT", "--bind 0.0.0.0:$PORT"),
    ("web: uvicorn mysite.asgi:application\n", "127.0.0.1:8000 (uvicorn's default)",
     "--host 0.0.0.0 --port $PORT"),
    ("web: uvicorn mysite.asgi:application --port $PORT\n", "127.0.0.1:$PORT (uvicorn's default)",
     "--host 0.0.0.0 --port $PORT"),
    ("web: python manage.py runserver\n", "127.0.0.1:8000 (runserver's default)", "runserver 0.0.0.0:$PORT"),
    ("web: python manage.py runserver 8000\n", "127.0.0.1:8000", "runserver 0.0.0.0:$PORT"),
    ("web: daphne mysite.asgi:application -p $PORT\n", "127.0.0.1:$PORT (daphne's default)",
     "--bind 0.0.0.0 --port $PORT"),
])
def test_a_web_line_that_does_not_listen_on_port_is_found(text, listens_on, fix):
    (finding,) = procfile.check(text, LOOKUP)
    assert finding.reason == "procfile::web-port"
    assert finding.title == f"Procfile line 1: the web process listens on {listens_on}, not on $PORT."
    assert f"To fix it: write `{fix}` in the line instead." in finding.body and "R10" in finding.body


def test_a_misspelled_program_is_matched_to_the_installed_one():
    (finding,) = procfile.check("web: gunicron mysite.wsgi --bind 0.0.0.0:$PORT\n", LOOKUP)
    assert finding.title == "Procfile line 1 runs `gunicron`, which is not installed."
    assert "    web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n" in finding.body


def test_an_unknown_program_without_a_near_name_says_to_add_its_package():
    (finding,) = procfile.check("worker: rqworker default\n", LOOKUP)
    assert finding.title == "Procfile line 1 runs `rqworker`, which is not installed."
    assert "1. Add the package that provides `rqworker` to requirements.txt," in finding.body


def test_a_node_program_names_the_node_buildpack_not_a_python_package():
    (finding,) = procfile.check("web: node server.js\n", LOOKUP)
    assert finding.title == "Procfile line 1 runs `node`, which another buildpack installs."
    assert "heroku buildpacks:add --index 1 heroku/nodejs" in finding.body
    assert "requirements.txt" not in finding.body and "not installed" not in finding.title


def test_a_program_in_bin_says_a_later_step_may_write_it():
    (finding,) = procfile.check("web: bin/server --port $PORT\n", LOOKUP)
    assert finding.title == "Procfile line 1 runs `bin/server`, which is not in the app yet."
    assert "bin/post_compile" in finding.body and "There is no file bin/server in the app so far." in finding.body


@pytest.mark.parametrize("text", [
    "release: python backend/manage.py migrate\n",
    "release: cd backend && python manage.py migrate\n",
    "web: python3 -m gunicorn mysite.wsgi\n",
    "worker: python $SCRIPT\n",
])
def test_a_python_script_that_is_there_raises_nothing(text):
    assert procfile.check(text, NESTED) == []


def test_a_script_in_a_subdirectory_is_named_in_the_fix():
    (found,) = procfile.check("release: python manage.py migrate --noinput\n", NESTED)
    assert found.reason == "procfile::missing-script"
    assert found.title == "Procfile line 1 runs manage.py, which is not in the app."
    assert "(and with it every release)" in found.body
    assert "To fix it: write release: python backend/manage.py migrate --noinput" in found.body


def test_a_missing_script_after_cd_is_a_path_to_correct():
    (found,) = procfile.check("web: cd site && python3.12 run.py\n", NESTED)
    assert found.title == "Procfile line 1 runs run.py, which is not in the app."
    assert "There is no file site/run.py in the app" in found.body


def test_the_app_files_of_a_name_are_found_shallowest_first(tmp_path):
    for path in ("manage.py", "backend/manage.py", "a/b/manage.py", "a/b/c/manage.py", ".heroku/x/manage.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    lookup = slug_lookup.filesystem_lookup(tmp_path, tmp_path / ".heroku" / "python")
    assert lookup.files_named("manage.py") == ["manage.py", "backend/manage.py", "a/b/manage.py"]


def test_a_missing_module_says_where_it_looked():
    (finding,) = procfile.check("web: gunicorn --chdir src mysite.wsgi\n", LOOKUP)
    assert finding.title == "Procfile line 1 names a module that does not exist: mysite.wsgi."
    assert "(looked for src/mysite/wsgi.py and in the installed" in finding.body


@pytest.mark.parametrize("name, expected", [
    ("relase", "release"), ("releas", "release"), ("Release", "release"), ("wbe", "web"), ("webb", None),
    ("worke", "worker"), ("web", None), ("worker2", None), ("webhooks", None), ("clock", None),
    ("celery", None), ("beat", None), ("rel", None),
])
def test_misspelled_type(name, expected):
    assert procfile.misspelled_type(name) == expected


def test_parse_keeps_what_heroku_reads():
    text = "web: gunicorn a.wsgi \n# web: old\nbad line\nworker:python w.py\nweb: gunicorn b.wsgi\n"
    assert procfile.parse(text) == {"web": "gunicorn b.wsgi", "worker": "python w.py"}


def test_quotes_are_bounded():
    line = "web: " + "x" * 500
    (finding,) = procfile.check(line.replace(":", "", 1) + "\n", LOOKUP)
    assert max(len(body_line) for body_line in finding.body.splitlines()) <= procfile.QUOTE_LIMIT + 8


@pytest.mark.parametrize("content, slug", [
    (b"web: gunicorn a.wsgi\n\x00\x01", "procfile::binary"),
    (b"web: echo caf\xe9\n", "procfile::encoding"),
    (b"web: x\n" * 200_000, "procfile::too-big"),
])
def test_reading_says_what_is_wrong_with_the_file(tmp_path, content, slug):
    (tmp_path / "Procfile").write_bytes(content)
    found = procfile.read(tmp_path)
    assert found.exists and found.problem is not None and found.problem.reason == slug


def test_reading_a_directory_or_nothing(tmp_path):
    assert procfile.read(tmp_path) == procfile.Procfile()
    (tmp_path / "Procfile").mkdir()
    assert procfile.read(tmp_path).problem.reason == "procfile::directory"


def test_reading_strips_a_bom(tmp_path):
    (tmp_path / "Procfile").write_bytes(b"\xef\xbb\xbfweb: gunicorn a.wsgi\n")
    assert procfile.read(tmp_path).process_types == {"web": "gunicorn a.wsgi"}


def test_only_a_few_findings_are_shown():
    findings = procfile.check("bad\n" * 50, LOOKUP)
    shown, more = procfile.shown_findings(findings)
    assert (len(shown), more) == (procfile.MAX_FINDINGS_SHOWN, 50 - procfile.MAX_FINDINGS_SHOWN)


def test_the_wording_for_a_binary_or_non_utf8_procfile(tmp_path):
    (tmp_path / "Procfile").write_bytes("web: gunicorn a.wsgi\n".encode("utf-16"))
    binary = procfile.read(tmp_path).problem
    assert binary.title == "Procfile is not a text file."
    assert binary.body.startswith("The Procfile contains NUL bytes: it is binary data (an image, an\n")
    (tmp_path / "Procfile").write_bytes(b"web: gunicorn a.wsgi\nworker: echo caf\xe9\n")
    found = procfile.read(tmp_path)
    assert found.problem.title == "Procfile is not UTF-8 text."
    assert found.problem.body.startswith(
        "Line 2 of the Procfile has bytes that are not UTF-8:\n    worker: echo caf\N{REPLACEMENT CHARACTER}\n")
    assert found.process_types == {"web": "gunicorn a.wsgi", "worker": "echo caf\N{REPLACEMENT CHARACTER}"}


def test_a_script_committed_without_its_execute_bit_is_found_on_disk(tmp_path):
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "release.sh"
    script.write_text("#!/bin/sh\npython manage.py migrate\n")
    script.chmod(0o644)
    lookup = slug_lookup.filesystem_lookup(tmp_path, tmp_path / ".heroku" / "python")
    found = procfile.check("release: ./bin/release.sh\n", lookup)
    assert [finding.reason for finding in found] == ["procfile::not-executable"]
    assert "git update-index --chmod=+x bin/release.sh" in found[0].body
    script.chmod(0o755)
    assert procfile.check("release: ./bin/release.sh\n", lookup) == []
