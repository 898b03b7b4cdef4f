"""bin/release: print the process types compile decided, as YAML."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Mapping

from buildpack.app import processes


def main(argv: List[str], environ: Mapping[str, str], command: str = "release") -> int:
    build_dir = Path(argv[0] if argv else ".")
    process_types, addons = processes.load(build_dir)
    sys.stdout.write(processes.render_release_yaml(process_types, addons))
    return 0
