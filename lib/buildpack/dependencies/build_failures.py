"""Packages that do not install on a dyno because they cannot be built there.

Pure functions over the installer's output (pip's or uv's), called by
failures.classify after the causes that explain every symptom (a full disk, the
network, credentials, a Python version, a hash) and before "not found" and
"conflict", which these failures look like to the installer. The most specific
cause first: a C library the build lacks (psycopg2's pg_config, mysqlclient's
client library), whose name the package's own build prints.
"""
from __future__ import annotations

import re
from typing import Optional

from buildpack import reasons
from buildpack.errors import Failure

# mysqlclient 2.2+ asks pkg-config ("Can not find valid pkg-config name."), older releases
# mysql_config ("OSError: mysql_config not found"): either way the build has no client library.
_MYSQL_LIBRARY = re.compile(r"Can not find valid pkg-config name|mysql_config not found")


def _missing_build_library(text: str) -> Optional[Failure]:
    """A package built from source whose C library (and its config tool) the build lacks."""
    if "pg_config executable not found" in text:
        return Failure(
            reasons.DEPENDENCIES_PG_CONFIG,
            "psycopg2 needs PostgreSQL's pg_config to build.",
            "psycopg2 (built from source) needs PostgreSQL's pg_config.\n\n"
            "To fix it:\n1. Use psycopg2-binary or psycopg[binary] instead, or\n"
            "2. Add a buildpack that provides libpq-dev before this one.",
        )
    if _MYSQL_LIBRARY.search(text):
        return Failure(
            reasons.DEPENDENCIES_MYSQL_CLIENT_LIBRARY,
            "mysqlclient needs the MySQL client library to build.",
            "mysqlclient is built from source (it has no wheels for Linux), and\n"
            "neither pkg-config nor mysql_config finds a MySQL or MariaDB client\n"
            "library in this build.\n\n"
            "To fix it:\n"
            "1. Use PyMySQL (pure Python) instead: replace mysqlclient with\n"
            "   PyMySQL in the requirements, and in settings.py add\n"
            "       import pymysql\n"
            "       pymysql.install_as_MySQLdb()\n"
            "2. Or add the Heroku Apt buildpack before this one, with an Aptfile\n"
            "   listing libmysqlclient-dev and pkg-config.",
        )
    return None


def classify(text: str) -> Optional[Failure]:
    """What kept a package from being built or installed here, or None if the output shows no such cause."""
    return _missing_build_library(text)
