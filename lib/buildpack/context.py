"""The build context: paths, stack and config vars, read once at start-up.

Other modules never read os.environ; they take a Context (or the values in it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

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

def read_config_vars(env_dir: Optional[Path]) -> Dict[str, str]:
    """Read ENV_DIR: one file per variable, the file's content is the raw value."""
    if env_dir is None or not env_dir.is_dir():
        return {}
    values = {}
    for entry in sorted(env_dir.iterdir()):
        if entry.is_file() and not entry.name.startswith("."):
            try:
                values[entry.name] = entry.read_text(encoding="utf-8", errors="surrogateescape")
            except OSError:
                continue
    return values


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
        return cls(
            build_dir=Path(build_dir).resolve() if build_dir is not None else Path.cwd(),
            cache_dir=Path(cache_dir) if cache_dir else None,
            env_dir=env_path,
            buildpack_dir=Path(environ.get("BUILDPACK_DIR") or Path(__file__).resolve().parents[2]),
            stack=environ.get("STACK", ""),
            environ=dict(environ),
            config_vars=read_config_vars(env_path),
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
