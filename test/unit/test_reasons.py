"""The table of reason slugs: every slug the code uses is in it, every entry is used.

The sites are read from the source (every module of lib/buildpack but the
probes), so a slug written as text, a name missing from the table or an entry no
code uses fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Set

import pytest

import buildpack
from buildpack import reasons
from buildpack.errors import BuildpackError

LIB = Path(buildpack.__file__).resolve().parent
SLUG = re.compile(r"[a-z][a-z-]*::[a-z][a-z0-9_-]*")
SLUG_START = re.compile(r"^[a-z][a-z-]*::")
NAMES = {name: value for name, value in vars(reasons).items() if name.isupper() and isinstance(value, str)}


def trees() -> Dict[str, ast.Module]:
    return {str(path.relative_to(LIB)): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(LIB.rglob("*.py")) if "scripts" not in path.parts and path.name != "reasons.py"}


TREES = trees()


def imports_the_table(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "buildpack"
               and any(alias.name == "reasons" and alias.asname is None for alias in node.names)
               for node in ast.walk(tree))


def used_names() -> Dict[str, List[str]]:
    """reasons.NAME -> where it is read."""
    used: Dict[str, List[str]] = {}
    for where, tree in TREES.items():
        if not imports_the_table(tree):
            continue  # a local `reasons` (cache.py's list of them) is not the table
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "reasons":
                used.setdefault(node.attr, []).append(f"{where}:{node.lineno}")
    return used


USED = used_names()


def test_the_table_is_read_from_the_source():
    assert "errors.py" in TREES and "reasons.py" not in TREES
    assert len(NAMES) > 100
    assert len(USED) > 100
    # Read as reasons.NAME only, so that every use is found here.
    assert [where for where, tree in TREES.items() for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "buildpack.reasons"] == []


def test_no_module_writes_a_slug_as_text():
    written = []
    for where, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SLUG.fullmatch(node.value):
                written.append(f"{where}:{node.lineno}: {node.value}")
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and SLUG_START.match(first.value):
                    written.append(f"{where}:{node.lineno}: f-string {first.value}...")
    assert written == [], "use a name from buildpack.reasons"


def test_every_name_used_is_in_the_table():
    missing = {name: places for name, places in USED.items() if name not in vars(reasons)}
    assert missing == {}


def test_every_entry_of_the_table_is_used():
    unused = sorted(set(NAMES) - set(USED))
    assert unused == []


def test_every_entry_has_a_name_and_a_one_line_meaning():
    named: Set[str] = {reasons.collectstatic(value) if name.startswith("COLLECTSTATIC_") else value
                       for name, value in NAMES.items()}
    assert named == set(reasons.MEANINGS)
    for slug, meaning in reasons.MEANINGS.items():
        assert SLUG.fullmatch(slug), slug
        assert meaning.strip() and "\n" not in meaning, slug


def test_a_name_is_its_slug_spelt_in_capitals():
    for name, value in NAMES.items():
        slug = reasons.collectstatic(value) if name.startswith("COLLECTSTATIC_") else value
        assert name == re.sub(r"[-:]+", "_", slug).upper(), name


def test_every_error_class_has_a_reason_from_the_table():
    pending, classes = [BuildpackError], []
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    assert len(classes) > 10
    assert [cls.__name__ for cls in classes if cls.reason not in reasons.MEANINGS] == []


def test_a_slug_twice_in_the_table_fails_at_import():
    with pytest.raises(ValueError, match="twice"):
        reasons._reason(reasons.CHECKS_DEBUG, "again")


def test_a_collectstatic_kind_not_in_the_table_fails():
    assert reasons.collectstatic(reasons.COLLECTSTATIC_ENV_VAR_MISSING) == "collectstatic::env-var-missing"
    with pytest.raises(KeyError):
        reasons.collectstatic("env-var-mising")
