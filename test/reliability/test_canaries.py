"""Canary secrets through every path: none may appear anywhere the buildpack writes or prints.

A canary is a config var value (or the password in a private index URL) that the
app's own code prints in every form it can: plain, repr-escaped, JSON-escaped, line
by line. The log, the slug, the cache, the export file and the release YAML are then
searched for it.
"""
from __future__ import annotations

import contextlib
import http.server
import secrets
import threading

import pytest

from reliability.harness import BASE_APP, assert_clean, find_canaries, make_app, run_build

SETTINGS = (BASE_APP / "site_app" / "settings.py").read_text()
PRINT_EVERY_FORM = """
import json as _json
for _name in {names!r}:
    _value = os.environ.get(_name, "")
    print("plain:", _value)
    print("repr:", repr(_value))
    print("json:", _json.dumps(_value))
    {extra}
"""


def canary(prefix: str = "canary") -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def printing_settings(names, extra: str = "pass") -> dict:
    return {"site_app/settings.py": SETTINGS + PRINT_EVERY_FORM.format(names=list(names), extra=extra)}


class NotFoundIndex(http.server.BaseHTTPRequestHandler):
    """A private package index that has nothing: pip fails, quoting the index URL."""

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextlib.contextmanager
def private_index():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFoundIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def check(outcome, work, values, expect="ok"):
    assert_clean(outcome, expect=expect)
    assert not find_canaries(work, outcome.output, values), find_canaries(work, outcome.output, values)


@pytest.mark.figure("canaries")
@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "DEBUG_COLLECTSTATIC"])
def test_collectstatic_success(debug, warm):
    secret = canary()
    config = {"SECRET_KEY": secret, **({"DEBUG_COLLECTSTATIC": "1"} if debug else {})}
    app = make_app(warm.parent / "app", printing_settings(["SECRET_KEY"]))
    outcome = run_build(app, warm, config=config)
    check(outcome, warm, [secret])
    if debug:
        assert "plain: " in outcome.output  # the app's line is shown, its secret hidden


@pytest.mark.figure("canaries")
def test_collectstatic_failure(warm):
    secret = canary()
    app = make_app(warm.parent / "app", printing_settings(
        ["SECRET_KEY"], extra="raise ValueError('rejected key ' + repr(_value))"))
    outcome = run_build(app, warm, config={"SECRET_KEY": secret})
    check(outcome, warm, [secret], expect="error")


@pytest.mark.figure("canaries")
def test_values_with_quotes_backslashes_and_newlines(warm):
    quoted = canary("quote'\"\\back") + "\\n\ttab"
    multiline = "-----BEGIN PRIVATE KEY-----\n" + canary("line1") + "\n" + canary("line2") + "\n-----END PRIVATE KEY-----"
    app = make_app(warm.parent / "app", printing_settings(["QUOTED_SECRET", "PRIVATE_KEY"], extra="print(_value.upper())"))
    outcome = run_build(app, warm, config={"QUOTED_SECRET": quoted, "PRIVATE_KEY": multiline, "DEBUG_COLLECTSTATIC": "1"})
    lines = [line for line in multiline.splitlines() if "canary" in line] + [quoted]
    check(outcome, warm, lines + [repr(quoted)[1:-1]])


@pytest.mark.figure("canaries")
def test_short_secret_in_a_secret_name(warm):
    short = secrets.token_hex(3)  # 6 characters
    app = make_app(warm.parent / "app", printing_settings(["API_TOKEN"]))
    outcome = run_build(app, warm, config={"API_TOKEN": short, "DEBUG_COLLECTSTATIC": "1"})
    check(outcome, warm, [short])


@pytest.mark.figure("canaries")
@pytest.mark.parametrize("fails", [False, True], ids=["hooks-succeed", "hook-fails"])
def test_hooks(fails, warm):
    secret = canary()
    post = "#!/bin/bash\necho \"post: $SECRET_KEY\"\nprintf '%q\\n' \"$SECRET_KEY\"\n" + ("exit 3\n" if fails else "")
    app = make_app(warm.parent / "app", {"bin/pre_compile": "#!/bin/bash\necho \"pre: $SECRET_KEY\"\n",
                                         "bin/post_compile": post})
    outcome = run_build(app, warm, config={"SECRET_KEY": secret})
    check(outcome, warm, [secret], expect="error" if fails else "ok")


@pytest.mark.figure("canaries")
@pytest.mark.parametrize("variable", ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"])
def test_pip_error_with_a_credentialed_index(variable, warm):
    password = canary()
    with private_index() as host:
        url = f"http://build-user:{password}@{host}/simple/"
        config = {variable: url}
        if variable == "PIP_EXTRA_INDEX_URL":
            config["PIP_INDEX_URL"] = url  # both point at the empty index: pip must fail
        app = make_app(warm.parent / "app", {"requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\nsix==1.17.0\n"})
        outcome = run_build(app, warm, config=config)
    check(outcome, warm, [password], expect="error")


@pytest.mark.figure("canaries")
def test_pip_compile_with_a_credentialed_extra_index(warm):
    """requirements.in compiled with a private extra index: the compiled file is cached and
    kept, and must not carry the password."""
    password = canary()
    with private_index() as host:
        app = make_app(warm.parent / "app", {"requirements.txt": None,
                                             "requirements.in": "Django==5.2.8\ngunicorn==23.0.0\n"})
        outcome = run_build(app, warm, config={"PIP_EXTRA_INDEX_URL": f"http://u:{password}@{host}/simple/"})
    check(outcome, warm, [password])
