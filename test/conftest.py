"""Test isolation: the developer's PIP_* and PYTHON* variables never reach a test."""
import os

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("PIP_", "PYTHON")) and name not in ("PIP_CERT",):
            monkeypatch.delenv(name, raising=False)
