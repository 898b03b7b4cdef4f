"""The build context: paths, stack and config vars, read once at start-up.

Other modules never read os.environ; they take a Context (or the values in it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional

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

# The machine's CA bundle variables (a TLS-intercepting proxy may need them);
# passed through to child processes when the build environment has them.
CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PIP_CERT")


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
    def from_args(cls, argv: list, environ: Mapping[str, str]) -> "Context":
        build_dir = Path(argv[0]).resolve() if argv else Path.cwd()
        cache_dir = Path(argv[1]) if len(argv) > 1 and argv[1] else None
        env_dir = Path(argv[2]) if len(argv) > 2 and argv[2] else None
        buildpack_dir = Path(environ.get("BUILDPACK_DIR") or Path(__file__).resolve().parents[2])
        return cls(
            build_dir=build_dir,
            cache_dir=cache_dir,
            env_dir=env_dir,
            buildpack_dir=buildpack_dir,
            stack=environ.get("STACK", ""),
            environ=dict(environ),
            config_vars=read_config_vars(env_dir),
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

    def ca_bundle_env(self) -> Dict[str, str]:
        return {k: self.environ[k] for k in CA_BUNDLE_VARIABLES if self.environ.get(k)}
