"""output's masking: no config var value reaches the log, in any form the app prints it."""
import json

import pytest

from buildpack import output


@pytest.fixture(autouse=True)
def no_masks_left_behind():
    yield
    output.hide({})


@pytest.mark.parametrize(
    "name, value, masked",
    [
        ("SECRET_KEY", "s3cr3t-value-long", True),
        ("DATABASE_URL", "postgres://u:p@host/db", True),
        ("SOME_SETTING", "eightchr", True),  # 8 characters: always
        ("SOME_SETTING", "sevench", False),  # 7, and the name does not look secret
        ("API_TOKEN", "abcd", True),  # 4, in a secret-looking name
        ("API_TOKEN", "abc", False),  # 3: never (would garble every line)
        ("DEBUG", "1", False),
        ("DJANGO_SETTINGS_MODULE", "site_app.settings", False),  # the buildpack reports it
        ("WEB_CONCURRENCY", "12345678", False),
    ],
)
def test_which_values_are_masked(name, value, masked):
    assert bool(output.masked_forms(name, value)) is masked


def test_every_printed_form_of_a_value_is_masked(capsys):
    value = "it's a \"quoted\" \\back\\slash secret\twith tab"
    output.hide({"SECRET_KEY": value})
    for form in (value, repr(value), json.dumps(value), f"{value!r:}"[1:-1]):
        output.detail(f"app printed: {form}")
    printed = capsys.readouterr().out
    assert "quoted" not in printed and "back" not in printed
    assert printed.count("app printed: ") == 4


def test_a_value_over_several_lines_is_masked_line_by_line_and_whole(capsys):
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB\n-----END PRIVATE KEY-----"
    output.hide({"PRIVATE_KEY": key})
    for line in key.splitlines():  # a child process's output arrives line by line
        output.detail(line)
    output.error("Something failed.", f"the app said:\n{key}")  # a block holds it whole
    captured = capsys.readouterr()
    assert "MIIEvQ" not in captured.out + captured.err
    assert "AQEFAA" not in captured.out + captured.err


def test_url_encoded_and_partial_prints_are_masked(capsys):
    output.hide({"DATABASE_PASSWORD": "p@ss/word+1"})
    output.step("connecting to postgres://user:p%40ss%2Fword%2B1@db/app")
    assert "p%40ss" not in capsys.readouterr().out


def test_hide_replaces_the_previous_values(capsys):
    output.hide({"SECRET_KEY": "first-secret-value"})
    output.hide({"SECRET_KEY": "second-secret-value"})
    output.detail("first-secret-value second-secret-value")
    assert capsys.readouterr().out.strip() == "first-secret-value ****"
