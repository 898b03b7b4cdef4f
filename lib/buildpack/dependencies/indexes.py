"""Private package indexes: which config vars each package manager is given, and where
the build tools themselves come from.

Pure functions over the config vars and the app's manifest text. A config var
reaches a manager only when it is one of that manager's index settings:
- uv projects: UV_INDEX_URL, UV_EXTRA_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX, and
  UV_INDEX_<NAME>_USERNAME / _PASSWORD for each index pyproject.toml names in
  [[tool.uv.index]] (NAME as uv spells it: upper case, other characters `_`);
- Poetry: POETRY_HTTP_BASIC_<SOURCE>_USERNAME / _PASSWORD and
  POETRY_REPOSITORIES_<NAME>_URL (Poetry reads them itself);
- Pipenv: the variables a Pipfile [[source]] url names as ${VAR} (Pipenv expands
  them itself, and the lock keeps them unexpanded), and PIP_INDEX_URL, which also
  replaces PyPI in the lock's sources (PIPENV_PYPI_MIRROR), as a mirror does;
- pip and uv installing requirements files: the variables those files name as
  ${VAR} (both expand them), e.g. a Gemfury token in an --extra-index-url line;
- pip's PIP_* index settings, as before, for every manager (context.py).
The build tools (uv, Poetry, Pipenv, pip, setuptools) come from PyPI, unless a
config var makes another index the app's only one (tool_index): a company
whose builds reach only its own mirror can build. Values are never printed;
URLs only through fetch.display_url (credentials hidden).
"""
from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, Tuple
from urllib.parse import urljoin

from buildpack import fetch
from buildpack.context import CONFIG_VAR_DENYLIST

PYPI_HOSTS = ("pypi.org", "pypi.python.org", "files.pythonhosted.org")
# Which config var makes another index the app's only one, in the order uv and pip read them.
TOOL_INDEX_VARS = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL")
UV_INDEX_VARS = ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX")
_POETRY_VAR = re.compile(r"POETRY_(?:HTTP_BASIC_[A-Z0-9_]+_(?:USERNAME|PASSWORD)|REPOSITORIES_[A-Z0-9_]+_URL)")
_TABLE = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_NAME_KEY = re.compile(r"""^\s*name\s*=\s*(?P<q>["'])(?P<value>[^"']*)(?P=q)""")
_INLINE_NAME = re.compile(r"""\bname\s*=\s*(?P<q>["'])(?P<value>[^"']*)(?P=q)""")
_URL_KEY = re.compile(r"""^\s*url\s*=\s*(?P<q>["'])(?P<value>[^"']*)(?P=q)""")
_VAR_REFERENCE = re.compile(r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


def is_pypi(url: str) -> bool:
    host = (url.split("://", 1)[-1].split("/", 1)[0]).rpartition("@")[2].split(":")[0].lower()
    return host in PYPI_HOSTS


def tool_index(config_vars: Mapping[str, str]) -> Optional[str]:
    """The index the build tools come from when it is not PyPI, else None."""
    for name in TOOL_INDEX_VARS:
        url = (config_vars.get(name) or "").strip()
        if url:
            return None if is_pypi(url) else url
    return None


def describe_source(index: Optional[str]) -> str:
    """Where a tool came from, for the log: "PyPI" or the index, credentials hidden."""
    return "PyPI" if index is None else fetch.display_url(index)


def simple_page(index: str, project: str) -> str:
    """The PEP 503 page of one project on a simple index."""
    return index.rstrip("/") + "/" + project + "/"


def wheel_link(page_url: str, html: str, filename: str) -> Optional[str]:
    """The absolute URL of `filename` on a simple index page (no #sha256 fragment), or None."""
    for href in re.findall(r"""href\s*=\s*["']([^"']+)["']""", html, re.IGNORECASE):
        path = href.split("#", 1)[0]
        if path.rstrip("/").rsplit("/", 1)[-1] == filename:
            return urljoin(page_url, path)
    return None


def uv_env_name(index_name: str) -> str:
    """UV_INDEX_<NAME>_...: uv upper-cases the name and turns other characters into `_`."""
    return re.sub(r"[^A-Z0-9]", "_", index_name.upper())


def _tables(text: str) -> List[Tuple[str, List[str]]]:
    """(table name, its lines) for each [table] / [[array]] header of a TOML text, in order."""
    tables: List[Tuple[str, List[str]]] = [("", [])]
    for line in text.splitlines():
        header = _TABLE.match(line)
        if header and not line.lstrip().startswith("#"):
            tables.append((header.group("name").strip(), []))
        else:
            tables[-1][1].append(line)
    return tables


def uv_index_names(pyproject: str) -> List[str]:
    """The names of the indexes pyproject.toml declares for uv ([[tool.uv.index]], or index = [...])."""
    names: List[str] = []
    for table, lines in _tables(pyproject):
        if table == "tool.uv.index":
            names += [m.group("value") for m in map(_NAME_KEY.match, lines) if m]
        elif table == "tool.uv":
            inline = re.search(r"^\s*index\s*=\s*\[(?P<body>.*?)^\s*\]", "\n".join(lines), re.MULTILINE | re.DOTALL)
            if inline:
                names += [m.group("value") for m in _INLINE_NAME.finditer(inline.group("body"))]
    return list(dict.fromkeys(names))


def uv_project_vars(config_vars: Mapping[str, str], pyproject: str) -> Dict[str, str]:
    """The config vars `uv sync` is given: uv's index settings and the named indexes' credentials."""
    wanted = set(UV_INDEX_VARS)
    for name in uv_index_names(pyproject):
        wanted.update(f"UV_INDEX_{uv_env_name(name)}_{part}" for part in ("USERNAME", "PASSWORD"))
    return {name: value for name, value in config_vars.items() if name in wanted}


def poetry_vars(config_vars: Mapping[str, str]) -> Dict[str, str]:
    """The config vars Poetry is given: its source credentials and repository URLs."""
    return {name: value for name, value in config_vars.items() if _POETRY_VAR.fullmatch(name)}


def pipfile_source_vars(pipfile: str) -> List[str]:
    """The variables the Pipfile's [[source]] urls name (${VAR} or $VAR), in order."""
    names: List[str] = []
    for table, lines in _tables(pipfile):
        if table != "source":
            continue
        for match in filter(None, map(_URL_KEY.match, lines)):
            for ref in _VAR_REFERENCE.finditer(match.group("value")):
                names.append(ref.group("braced") or ref.group("bare"))
    return list(dict.fromkeys(names))


def pipenv_vars(config_vars: Mapping[str, str], pipfile: str) -> Dict[str, str]:
    """The config vars Pipenv is given: what its source urls name, and PIP_INDEX_URL as the PyPI mirror."""
    values = {name: config_vars[name] for name in pipfile_source_vars(pipfile)
              if name in config_vars and name not in CONFIG_VAR_DENYLIST}
    mirror = (config_vars.get("PIP_INDEX_URL") or "").strip()
    if mirror and not is_pypi(mirror):
        values["PIPENV_PYPI_MIRROR"] = mirror
    return values


def requirements_vars(config_vars: Mapping[str, str], names: List[str]) -> Dict[str, str]:
    """The config vars a requirements installer is given: those its files name as ${NAME}."""
    return {name: config_vars[name] for name in names if name in config_vars and name not in CONFIG_VAR_DENYLIST}


def missing_source_vars(config_vars: Mapping[str, str], pipfile: str) -> List[str]:
    """Variables a Pipfile source url names that no config var sets (Pipenv would use the text as is)."""
    return [name for name in pipfile_source_vars(pipfile) if name not in config_vars]
