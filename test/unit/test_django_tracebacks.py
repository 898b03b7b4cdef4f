"""Reading a traceback out of a build step's output (real collectstatic output,
test/unit/collectstatic_outputs/, recorded from the build directory /tmp/build_0a1b2c3d)."""
from pathlib import Path

import pytest

from buildpack.django import tracebacks

OUTPUTS = Path(__file__).parent / "collectstatic_outputs"
BUILD_DIR = "/tmp/build_0a1b2c3d"


def lines(name):
    return (OUTPUTS / f"{name}.txt").read_text().splitlines()


def test_parse_traceback_takes_the_last_of_chained_tracebacks():
    parsed = tracebacks.parse_traceback(lines("py311_environ"))
    assert parsed.exception_type == "ImproperlyConfigured"
    assert parsed.message == "Set the SECRET_KEY environment variable"
    assert parsed.frames[0].path.endswith("manage.py")


def test_parse_traceback_keeps_multi_line_messages():
    parsed = tracebacks.parse_traceback(lines("py311_whitenoise"))
    assert parsed.exception_type == "MissingFileError"
    assert "The CSS file 'css/site.css' references a file which could not be found:" in parsed.message
    assert parsed.exception[-1].startswith("relative paths")


def test_no_traceback():
    assert tracebacks.parse_traceback(["0 static files copied."]) is None


@pytest.mark.parametrize("path, expected", [
    ("/tmp/build_0a1b2c3d/site_config/settings.py", "site_config/settings.py"),
    ("/app/site_config/settings.py", "site_config/settings.py"),
    ("/elsewhere/x.py", "/elsewhere/x.py"),
])
def test_relative_path(path, expected):
    assert tracebacks.relative_path(path, BUILD_DIR) == expected
