"""The one entry point the bin/ shims exec: `main.py <command> [args...]`.

Kept outside the package so that it can put the package on sys.path itself
(the shims run python with -E, which ignores PYTHONPATH).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from buildpack import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
