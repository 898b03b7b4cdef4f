"""Packages that cannot be built on a dyno, on the real output of pip and uv, recorded.

classify() is failures.classify: where these cases fall among the others is
part of what is tested.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from buildpack.dependencies import failures

OUTPUTS = Path(__file__).parent / "dependency_outputs"


def recorded(name: str) -> str:
    return (OUTPUTS / f"{name}.txt").read_text()


@pytest.mark.parametrize("sample", ["uv_mysqlclient_no_pkg_config", "pip_mysqlclient_no_library",
                                    "pip_mysqlclient_mysql_config"])
def test_mysqlclient_without_its_library_suggests_pymysql_or_apt(sample):
    failure = failures.classify(recorded(sample), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::mysql-client-library"
    assert failure.title == "mysqlclient needs the MySQL client library to build."
    assert "pymysql.install_as_MySQLdb()" in failure.body and "libmysqlclient-dev" in failure.body


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_psycopg2_without_pg_config_suggests_the_binary_package(installer):
    failure = failures.classify(recorded(f"{installer}_psycopg2_pg_config"), "3.11.7", {})
    assert failure is not None
    assert failure.reason == "dependencies::pg-config"
    assert "psycopg2-binary or psycopg[binary]" in failure.body
