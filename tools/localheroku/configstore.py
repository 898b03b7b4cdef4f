"""Config vars per app, as `heroku config:set/get/unset` keeps them, and `.env` as `heroku local`
reads it. The store is WORK/env: one file per variable (the build's ENV_DIR), directory 0700,
files 0600. Values are never printed by this module's callers except by config:get."""
from __future__ import annotations

import re
from pathlib import Path

from localheroku.contract import LocalHerokuError
from localheroku.files import read_env_dir, write_env_dir

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_assignments(pairs: list[str] | None) -> dict[str, str]:
    """NAME=VALUE arguments (config:set, --config)."""
    config: dict[str, str] = {}
    for position, pair in enumerate(pairs or [], 1):
        name, sep, value = pair.partition("=")
        if not sep:  # the whole argument may be a pasted secret: never repeat it
            raise LocalHerokuError(f"config vars are set as NAME=VALUE; argument {position} has no '='")
        if not NAME.fullmatch(name):
            raise LocalHerokuError(f"config vars are set as NAME=VALUE; argument {position} has a name that "
                                   "is not letters, digits and underscores")
        config[name] = value
    return config


parse_config = parse_assignments


def parse_dotenv(text: str) -> dict[str, str]:
    """`.env` as heroku local reads it: NAME=VALUE lines, optional `export `, quotes removed
    (\\n in double quotes is a newline), # comments and blank lines skipped."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not NAME.fullmatch(name):
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].replace("\\n", "\n") if value[0] == '"' else value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


class ConfigStore:
    def __init__(self, work: Path) -> None:
        self.dir = work / "env"

    def all(self) -> dict[str, str]:
        return read_env_dir(self.dir)

    def set(self, values: dict[str, str]) -> None:
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        write_env_dir(self.dir, {**self.all(), **values})

    def unset(self, names: list[str]) -> list[str]:
        current = self.all()
        gone = [name for name in names if name in current]
        write_env_dir(self.dir, {k: v for k, v in current.items() if k not in names})
        return gone
