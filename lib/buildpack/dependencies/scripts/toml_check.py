"""Runs under a build tool's Python (Poetry's or Pipenv's venv): is each file valid TOML?

Usage: python toml_check.py FILE...
Prints nothing and exits 0 when every file parses; otherwise prints
"FILE: <the parser's message>" for the first that does not, and exits 1.
The buildpack itself has no TOML parser (Python 3.8's standard library has
none); these venvs do: tomllib on 3.11+, else the tomlkit the tool depends on.
"""
import sys


def parser():
    try:
        import tomllib

        return lambda text: tomllib.loads(text)
    except ImportError:
        pass
    try:
        import tomlkit
    except ImportError:
        from pipenv.vendor import tomlkit  # Pipenv vendors its own
    return lambda text: tomlkit.parse(text)


def main():
    parse = parser()
    for name in sys.argv[1:]:
        try:
            with open(name, encoding="utf-8") as handle:
                parse(handle.read())
        except Exception as exc:  # any parser error is the answer
            print(f"{name}: {exc}")
            sys.exit(1)


main()
