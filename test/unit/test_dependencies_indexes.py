"""Private indexes: which config vars each manager gets, and where the build tools come from (issue 21)."""
from __future__ import annotations

import pytest

from buildpack.dependencies import failures, indexes, uv

SECRET = "s3cr3t-canary-pw"


@pytest.mark.parametrize(
    "config, index",
    [
        ({}, None),
        ({"PIP_INDEX_URL": "https://pypi.org/simple"}, None),
        ({"PIP_INDEX_URL": "https://u:p@pypi.org/simple/"}, None),
        ({"PIP_EXTRA_INDEX_URL": "https://acme.example/simple"}, None),  # an extra index: PyPI still used
        ({"PIP_INDEX_URL": " https://mirror.acme.example/simple \n"}, "https://mirror.acme.example/simple"),
        ({"UV_INDEX_URL": "https://uv.acme.example/simple", "PIP_INDEX_URL": "https://pip.acme.example/simple"},
         "https://uv.acme.example/simple"),
        ({"UV_DEFAULT_INDEX": "https://d.acme.example/simple", "UV_INDEX_URL": "https://uv.acme.example/simple"},
         "https://d.acme.example/simple"),
        # The first one set decides: uv's default index on PyPI means PyPI, whatever pip's says.
        ({"UV_DEFAULT_INDEX": "https://pypi.org/simple", "PIP_INDEX_URL": "https://m.acme.example/simple"}, None),
    ],
)
def test_the_build_tools_come_from_the_apps_only_index_when_it_is_not_pypi(config, index):
    assert indexes.tool_index(config) == index


def test_the_tool_source_is_said_with_credentials_hidden():
    assert indexes.describe_source(None) == "PyPI"
    shown = indexes.describe_source(f"https://ci:{SECRET}@mirror.acme.example/simple")
    assert shown == "https://****@mirror.acme.example/simple" and SECRET not in shown


@pytest.mark.parametrize(
    "pyproject, names",
    [
        ("[project]\nname = 'x'\n", []),
        ('[[tool.uv.index]]\nname = "acme"\nurl = "https://acme.example/simple"\n\n'
         '[[tool.uv.index]]\nname = "acme-Private.2"  # comment\nurl = "https://b.example/simple"\nexplicit = true\n',
         ["acme", "acme-Private.2"]),
        ('[tool.uv]\ndev-dependencies = []\nindex = [\n  { name = "inline", url = "https://i.example/simple" },\n]\n',
         ["inline"]),
        # A name in another table is not an index's.
        ('[project]\nname = "app"\n[[tool.uv.index]]\nurl = "https://x.example"\nname = "late"\n[tool.other]\n'
         'name = "no"\n', ["late"]),
    ],
)
def test_uv_index_names_are_read_from_pyproject(pyproject, names):
    assert indexes.uv_index_names(pyproject) == names


@pytest.mark.parametrize("name, env", [("acme", "ACME"), ("acme-private.2", "ACME_PRIVATE_2"), ("My Index", "MY_INDEX")])
def test_uv_spells_an_index_name_in_its_variables_upper_case_with_underscores(name, env):
    assert indexes.uv_env_name(name) == env


def test_a_uv_project_gets_uvs_index_vars_and_only_its_named_indexes_credentials():
    pyproject = '[[tool.uv.index]]\nname = "acme-private"\nurl = "https://acme.example/simple"\n'
    config = {
        "UV_INDEX_ACME_PRIVATE_USERNAME": "ci", "UV_INDEX_ACME_PRIVATE_PASSWORD": SECRET,
        "UV_INDEX_OTHER_PASSWORD": "not-this-one", "UV_INDEX_URL": "https://m.example/simple",
        "UV_EXTRA_INDEX_URL": "https://e.example/simple", "UV_DEFAULT_INDEX": "https://d.example/simple",
        "UV_CACHE_DIR": "/tmp/x", "SECRET_KEY": "django",
    }
    assert indexes.uv_project_vars(config, pyproject) == {
        "UV_INDEX_ACME_PRIVATE_USERNAME": "ci", "UV_INDEX_ACME_PRIVATE_PASSWORD": SECRET,
        "UV_INDEX_URL": "https://m.example/simple", "UV_EXTRA_INDEX_URL": "https://e.example/simple",
        "UV_DEFAULT_INDEX": "https://d.example/simple",
    }


def test_the_log_names_a_uv_projects_index_vars_never_a_secret():
    shown = uv.describe_project_indexes({"UV_INDEX_URL": f"https://ci:{SECRET}@m.example/simple",
                                         "UV_INDEX_ACME_PASSWORD": SECRET, "UV_INDEX_ACME_USERNAME": "ci"})
    assert shown == ("Index config vars: UV_INDEX_URL=https://****@m.example/simple, "
                     "UV_INDEX_ACME_PASSWORD (set), UV_INDEX_ACME_USERNAME (set)")
    assert uv.describe_project_indexes({}) is None


def test_poetry_gets_its_source_credentials_and_repository_urls_only():
    config = {
        "POETRY_HTTP_BASIC_ACME_USERNAME": "ci", "POETRY_HTTP_BASIC_ACME_PASSWORD": SECRET,
        "POETRY_REPOSITORIES_ACME_URL": "https://acme.example/simple",
        "POETRY_VIRTUALENVS_CREATE": "true",  # would undo the buildpack's own setting
        "POETRY_HTTP_BASIC_ACME_TOKEN": "x", "PIP_INDEX_URL": "https://m.example/simple",
    }
    assert indexes.poetry_vars(config) == {
        "POETRY_HTTP_BASIC_ACME_USERNAME": "ci", "POETRY_HTTP_BASIC_ACME_PASSWORD": SECRET,
        "POETRY_REPOSITORIES_ACME_URL": "https://acme.example/simple",
    }


PIPFILE = """[[source]]
url = "https://pypi.org/simple"
name = "pypi"

[[source]]
url = "https://${ACME_USER}:${ACME_PASSWORD}@acme.example/$ACME_PATH/simple"
verify_ssl = true
name = "acme"

[packages]
url = "${NOT_A_SOURCE}"
"""


def test_pipfile_source_urls_name_the_variables_pipenv_expands():
    assert indexes.pipfile_source_vars(PIPFILE) == ["ACME_USER", "ACME_PASSWORD", "ACME_PATH"]


def test_pipenv_gets_what_its_sources_name_and_pip_index_url_as_the_pypi_mirror():
    config = {"ACME_USER": "ci", "ACME_PASSWORD": SECRET, "OTHER": "x",
              "PIP_INDEX_URL": "https://ci:pw@mirror.acme.example/simple"}
    assert indexes.pipenv_vars(config, PIPFILE) == {
        "ACME_USER": "ci", "ACME_PASSWORD": SECRET,
        "PIPENV_PYPI_MIRROR": "https://ci:pw@mirror.acme.example/simple",
    }
    assert indexes.missing_source_vars(config, PIPFILE) == ["ACME_PATH"]
    # PyPI as PIP_INDEX_URL is no mirror; a denied variable never reaches Pipenv.
    assert indexes.pipenv_vars({"PIP_INDEX_URL": "https://pypi.org/simple"}, PIPFILE) == {}
    assert indexes.pipenv_vars({"HOME": "/x"}, '[[source]]\nurl = "https://$HOME/simple"\n') == {}


@pytest.mark.parametrize(
    "page, html, found",
    [
        ("http://127.0.0.1:9/simple/uv/",
         '<a href="../../packages/uv-1-py3-none-any.whl#sha256=ab">uv-1-py3-none-any.whl</a>',
         "http://127.0.0.1:9/packages/uv-1-py3-none-any.whl"),
        ("https://u:p@m.example/simple/uv/", "<a href='https://files.example/x/uv-1-py3-none-any.whl'>x</a>",
         "https://files.example/x/uv-1-py3-none-any.whl"),
        ("https://m.example/simple/uv/", '<a href="uv-2-py3-none-any.whl">uv-2</a>', None),
    ],
)
def test_the_pinned_uv_wheel_is_found_on_a_simple_index_page(page, html, found):
    assert indexes.simple_page(page.rsplit("/uv/", 1)[0], "uv") == page
    assert indexes.wheel_link(page, html, "uv-1-py3-none-any.whl") == found


@pytest.mark.parametrize(
    "text",
    [
        "  × Failed to download `acme-private-utils==0.1.0`\n  ╰─▶ HTTP status client error (401 Unauthorized) for url "
        f"(http://ci:{SECRET}@127.0.0.1:8080/packages/acme_private_utils-0.1.0-py3-none-any.whl)",
        f"User for 127.0.0.1:8080: ERROR: 401 Error, Credentials not correct for http://ci:{SECRET}@127.0.0.1:8080/simple/x/",
        "HTTPError\n\n  401 Client Error: Unauthorized for url: http://127.0.0.1:8080/simple/acme-private-utils/",
    ],
)
def test_a_refused_password_is_named_with_the_url_and_no_credentials(text):
    found = failures.classify(text + "\nERROR: No matching distribution found for acme-private-utils==0.1.0", "3.12.1",
                              {"PIP_INDEX_URL": f"http://ci:{SECRET}@127.0.0.1:8080/simple"})
    assert found is not None and found.reason == "dependencies::index-auth"
    assert found.title == "The package index refused the credentials."
    assert "127.0.0.1:8080" in found.body and SECRET not in found.body and "ci:" not in found.body


def test_a_refused_tool_install_is_named_too():
    error = failures.tool_install_error("Poetry", "2.4.3", "HTTP status client error (401 Unauthorized) for url "
                                        "(http://127.0.0.1:1/simple/poetry/)", "3.12.1", {})
    assert error.reason == "dependencies::index-auth" and "While installing Poetry 2.4.3" in error.body
