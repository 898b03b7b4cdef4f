"""Where each thing the buildpack keeps between builds lives: the one place that names them.

Everything is under CACHE_DIR/django-buildpack/, because CACHE_DIR is shared by every
buildpack of the app. The installed environment's generations (current, gen-*, the lock)
are the cache module's own; the directories below are handed to whoever fills them,
and each tool writes its own atomically or has its leftovers swept by the cache.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

NAMESPACE = "django-buildpack"
# Where a build without a CACHE_DIR (a one-off local build) keeps what it downloads meanwhile.
NO_CACHE_DIR = Path("/tmp/django-buildpack-nocache")
# uv's own binary sits in tools/ beside the package managers' venvs, as uv-<version>-<arch>.
UV_BINARY_PREFIX = "uv-"


@dataclass(frozen=True)
class CacheLayout:
    root: Path

    @classmethod
    def under(cls, cache_dir: Optional[Path]) -> "CacheLayout":
        return cls((cache_dir or NO_CACHE_DIR) / NAMESPACE)

    @property
    def pip(self) -> Path:
        """pip's download and wheel cache (PIP_CACHE_DIR)."""
        return self.root / "pip"

    @property
    def uv(self) -> Path:
        """uv's package cache (UV_CACHE_DIR), for the app's packages and the tools' own."""
        return self.root / "uv"

    @property
    def poetry(self) -> Path:
        return self.root / "poetry"

    @property
    def pipenv(self) -> Path:
        return self.root / "pipenv"

    @property
    def pip_tools(self) -> Path:
        """pip-compile's own cache."""
        return self.root / "pip-tools-cache"

    @property
    def pip_compile(self) -> Path:
        """requirements.txt files compiled from requirements.in, by their inputs."""
        return self.root / "pip-compile"

    @property
    def runtimes(self) -> Path:
        """Downloaded Python runtime archives (checked before each use)."""
        return self.root / "runtimes"

    @property
    def tools(self) -> Path:
        """The package managers' own installs (uv's binary, Poetry's and Pipenv's venvs)."""
        return self.root / "tools"

    @property
    def django_reuse(self) -> Path:
        """The last build's collectstatic output and production checks' findings, with their keys."""
        return self.root / "django-reuse"
