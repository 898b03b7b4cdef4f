"""The build context: paths, stack and config vars, read once at start-up.

Other modules never read os.environ; they take a Context (or the values in it).
"""
from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

# The slug always runs here, whatever the build directory is called.
APP_HOME = Path("/app")

# Config vars that must never reach a buildpack step, whatever the app sets:
# they would change which interpreter, libraries or git dir a step uses.
CONFIG_VAR_DENYLIST = frozenset(
    {
        "PATH",
        "CPATH",
        "CPPPATH",
        "LD_PRELOAD",
        "LIBRARY_PATH",
        "LD_LIBRARY_PATH",
        "PYTHONHOME",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PYTHONUSERBASE",
        "PYTHONNOUSERSITE",
        "PYTHONEXECUTABLE",
        "GIT_DIR",
        "BUILD_DIR",
        "CACHE_DIR",
        "ENV_DIR",
        "BUILDPACK_DIR",
        "STACK",
        "HOME",
        "PIP_TARGET",
        "PIP_PREFIX",
        "PIP_USER",
        "PIP_ROOT",
        "PIP_REQUIREMENT",
        "PIP_CONFIG_FILE",
        "PIP_NO_CACHE_DIR",
        "PIP_CACHE_DIR",
        "PIP_SRC",
    }
)

# Config vars that pip may see: where to find packages, nothing that changes
# where or how they are installed.
PIP_CONFIG_VAR_ALLOWLIST = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST")

# Heroku keeps all of an app's config vars within 64 KB; one value past that could not
# come from it, and would make every child process fail to start (E2BIG).
MAX_CONFIG_VALUE = 64 * 1024
_CONFIG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def scan_config_vars(env_dir: Optional[Path]) -> Tuple[Dict[str, str], List[Tuple[str, str]]]:
    """Read ENV_DIR: one file per variable, the file's content is the raw value.

    Returns (values, skipped): a file that cannot be a variable (a name that is not an
    identifier or holds `=`, a value with a NUL byte or past MAX_CONFIG_VALUE, a
    directory, fifo or unreadable file) is skipped, with why (never its value).
    """
    if env_dir is None or not env_dir.is_dir():
        return {}, []
    values: Dict[str, str] = {}
    skipped: List[Tuple[str, str]] = []
    for entry in sorted(env_dir.iterdir()):
        name = entry.name
        if name.startswith("."):
            continue
        if not _CONFIG_NAME.fullmatch(name):
            skipped.append((name, "its name is not a valid variable name (letters, digits and _)"))
            continue
        try:
            mode = entry.stat().st_mode
        except OSError:
            skipped.append((name, "it is a broken link"))
            continue
        if not stat.S_ISREG(mode):
            skipped.append((name, "it is a directory" if stat.S_ISDIR(mode) else "it is not a regular file"))
            continue
        try:
            with entry.open("rb") as handle:
                data = handle.read(MAX_CONFIG_VALUE + 1)
        except OSError as exc:
            skipped.append((name, f"it could not be read ({exc.strerror})"))
            continue
        if len(data) > MAX_CONFIG_VALUE:
            skipped.append((name, f"its value is larger than {MAX_CONFIG_VALUE // 1024} KB"))
        elif b"\0" in data:
            skipped.append((name, "its value contains a NUL byte, which no environment can hold"))
        else:
            values[name] = data.decode("utf-8", errors="surrogateescape")
    return values, skipped


def _arg(argv: List[str], position: int) -> Optional[str]:
    return argv[position] if len(argv) > position else None


def is_enabled(value: Optional[str]) -> bool:
    """A switch config var: set to anything but empty or 0 means on."""
    return value is not None and value.strip() not in ("", "0")


@dataclass
class Context:
    build_dir: Path
    cache_dir: Optional[Path]
    env_dir: Optional[Path]
    buildpack_dir: Path
    stack: str
    environ: Mapping[str, str]
    config_vars: Dict[str, str] = field(default_factory=dict)
    # ENV_DIR files that could not be config vars: (file name, why); never their values.
    skipped_config_vars: List[Tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_args(cls, argv: List[str], environ: Mapping[str, str]) -> "Context":
        """bin/compile and bin/test-compile: BUILD_DIR CACHE_DIR ENV_DIR."""
        return cls.create(_arg(argv, 0), _arg(argv, 1), _arg(argv, 2), environ)

    @classmethod
    def from_test_args(cls, argv: List[str], environ: Mapping[str, str]) -> "Context":
        """bin/test: BUILD_DIR ENV_DIR, and no cache."""
        return cls.create(_arg(argv, 0), None, _arg(argv, 1), environ)

    @classmethod
    def create(cls, build_dir: Optional[str], cache_dir: Optional[str], env_dir: Optional[str],
               environ: Mapping[str, str]) -> "Context":
        env_path = Path(env_dir) if env_dir else None
        config_vars, skipped = scan_config_vars(env_path)
        return cls(
            build_dir=Path(build_dir).resolve() if build_dir is not None else Path.cwd(),
            cache_dir=Path(cache_dir) if cache_dir else None,
            env_dir=env_path,
            buildpack_dir=Path(environ.get("BUILDPACK_DIR") or Path(__file__).resolve().parents[2]),
            stack=environ.get("STACK", ""),
            environ=dict(environ),
            config_vars=config_vars,
            skipped_config_vars=skipped,
        )

    @property
    def python_home(self) -> Path:
        """Where the runtime lives in the build directory."""
        return self.build_dir / ".heroku" / "python"

    @property
    def app_python_home(self) -> Path:
        """Where the runtime lives once the slug runs (and, via a symlink, during the build)."""
        return APP_HOME / ".heroku" / "python"

    @property
    def app_python(self) -> Path:
        return self.app_python_home / "bin" / "python"

    def setting(self, name: str) -> Optional[str]:
        """A buildpack setting: the process environment first, then the app's config var."""
        value = self.environ.get(name)
        if value:
            return value
        return self.config_vars.get(name)

    def safe_config_vars(self) -> Dict[str, str]:
        """Config vars that may be given to the app's own code (collectstatic, hooks)."""
        return {k: v for k, v in self.config_vars.items() if k not in CONFIG_VAR_DENYLIST and not k.startswith("BUILDPACK_")}

    def pip_config_vars(self) -> Dict[str, str]:
        return {k: self.config_vars[k] for k in PIP_CONFIG_VAR_ALLOWLIST if k in self.config_vars}
