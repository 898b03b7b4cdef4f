"""The stack table and its end of life (python/stacks.py)."""
from __future__ import annotations

from datetime import date

import pytest

from buildpack.errors import StackUnknownError
from buildpack.python import stacks

# --- Stacks ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stack, ubuntu", [
    ("heroku-20", "20.04"), ("heroku-22", "22.04"), ("heroku-24", "24.04"), ("heroku-26", "26.04"),
])
def test_stack_ubuntu(stack, ubuntu):
    assert stacks.stack_info(stack).ubuntu == ubuntu


def test_heroku_20_warns():
    title, body = stacks.check_stack("heroku-20", today=date(2026, 1, 1))
    assert "heroku-20" in title and "2025-04-30" in body and "heroku stack:set heroku-24" in body


@pytest.mark.parametrize("stack", ["heroku-22", "heroku-24", "heroku-26"])
def test_current_stacks_do_not_warn(stack):
    assert stacks.check_stack(stack, today=date(2026, 1, 1)) is None


@pytest.mark.parametrize("stack, reason, phrase", [
    ("heroku-99", "stack::unknown", "'heroku-99'"),
    ("", "stack::unknown", "STACK environment variable is not set"),
    ("heroku-18", "stack::unsupported", "retired"),
    ("cedar-14", "stack::unsupported", "heroku stack:set heroku-24"),
])
def test_unknown_stacks(stack, reason, phrase):
    with pytest.raises(StackUnknownError) as caught:
        stacks.check_stack(stack)
    assert caught.value.reason == reason
    assert phrase in caught.value.body
