"""What the slug says it runs: the Procfile, bin/release's YAML, and how the two combine."""
from __future__ import annotations

import re


def parse_procfile(text: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+?)\s*$", line)
        if match:  # Heroku ignores anything else, comments included
            types[match.group(1)] = match.group(2)
    return types


def shown_types(declared: dict[str, str], limit: int = 20) -> str:
    """The declared type names, bounded: a 200k-line Procfile must not make a 12 MB log."""
    names = list(declared)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (", ".join(names[:limit]) + more) or "(none)"


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace('\\"', '"').replace("\\\\", "\\") if value[0] == '"' else inner.replace("''", "'")
    return value


def parse_release_yaml(text: str) -> dict[str, object]:
    """The little YAML bin/release prints: top-level keys holding a list or a map, one level deep."""
    result: dict[str, object] = {"addons": [], "default_process_types": {}}
    section = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.strip() in ("---", "...", "{}"):
            continue  # `{}` alone: the document is an empty map
        if not line[0].isspace():
            section, sep, rest = (part.strip() for part in line.partition(":"))
            if not sep:
                raise ValueError(f"not a YAML key: {raw!r}")
            if rest == "{}":
                result[section] = {}
            elif rest.startswith("[") and rest.endswith("]"):
                result[section] = [unquote(v.strip()) for v in rest[1:-1].split(",") if v.strip()]
            elif rest:
                raise ValueError(f"unsupported value for {section}: {rest!r}")
            continue
        item = line.strip()
        if section is None:
            raise ValueError(f"indented line outside a key: {raw!r}")
        if item.startswith("- "):
            values = result.get(section)
            result[section] = (values if isinstance(values, list) else []) + [unquote(item[2:].strip())]
        else:
            name, sep, command = item.partition(":")
            if not sep:
                raise ValueError(f"expected 'name: value' under {section}: {raw!r}")
            entries = result.get(section)
            result[section] = {**(entries if isinstance(entries, dict) else {}),
                               unquote(name.strip()): unquote(command.strip())}
    return result


def merge_process_types(procfile: dict[str, str], defaults: dict[str, str]) -> dict[str, tuple[str, str]]:
    """type -> (command, source); a Procfile entry wins per type, as on Heroku."""
    merged = {name: (command, "buildpack default") for name, command in defaults.items()}
    merged.update({name: (command, "Procfile") for name, command in procfile.items()})
    return merged
