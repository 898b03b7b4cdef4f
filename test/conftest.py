"""Test isolation: the developer's PIP_* and PYTHON* variables never reach a test."""
import os
import subprocess

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("PIP_", "PYTHON")) and name not in ("PIP_CERT",):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", autouse=True)
def _remove_build_trees_at_the_end(tmp_path_factory):
    """Integration builds leave slugs and caches of ~10,000 files each in the temp dirs;
    pytest would later delete them file by file in Python, minutes of a next run. `rm -rf`
    them now (KEEP_TEST_DIRS=1 keeps them to look at)."""
    yield
    if not os.environ.get("KEEP_TEST_DIRS"):
        subprocess.run(["rm", "-rf", str(tmp_path_factory.getbasetemp())], check=False)
