"""Stand-in stack images, made from Debian's archive when Heroku's cannot be pulled.

mmdebstrap writes a Debian root filesystem as a tarball; the container engine imports it as an
image. The tag carries a hash of everything that went into it (suite, package list, the hook,
this file's format), so an image is made once per machine and remade only when its inputs
change. Host tools: mmdebstrap (root or unshare mode) and the container engine.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json

from localheroku.stacks import Stack

FORMAT = 1
MIRROR = "http://deb.debian.org/debian"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TAG_PREFIX = "localhost/localheroku-stand-in"
# Heroku's images run builds and dynos as an ordinary user; ours is uid 1000, home /app.
USER_HOOK = "chroot \"$1\" useradd --uid 1000 --user-group --home-dir /app --no-create-home --shell /bin/bash heroku"

# What a Heroku build image has that builds of Python apps rely on: a C toolchain and the
# headers of the libraries CPython (dbm.ndbm: gdbm's compat; 3.14's compression.zstd: zstd) and
# common source builds (psycopg2: libpq; Pillow: libjpeg, zlib; lxml: libxml2, libxslt) link
# against; git and curl.
BUILD_PACKAGES = (
    "build-essential", "ca-certificates", "curl", "dpkg-dev", "git", "libbz2-dev", "libexpat1-dev",
    "libffi-dev", "libgdbm-compat-dev", "libgdbm-dev", "libjpeg-dev", "liblzma-dev", "libncurses-dev",
    "libpq-dev", "libreadline-dev", "libsqlite3-dev", "libssl-dev", "libxml2-dev", "libxslt1-dev", "libzstd-dev",
    "patchelf", "pkg-config", "python3", "tzdata", "uuid-dev", "xz-utils", "zlib1g-dev", "zstd",
)
# A run image: the shared libraries those builds link against, no compiler, no python3
# (heroku-24's run image has none either).
RUN_PACKAGES_COMMON = (
    "ca-certificates", "curl", "libbz2-1.0", "libexpat1", "libgdbm-compat4", "libgdbm6", "libjpeg62-turbo",
    "liblzma5", "libncursesw6", "libpq5", "libreadline8", "libsqlite3-0", "libuuid1", "libxml2", "libxslt1.1",
    "libzstd1", "tzdata", "zlib1g",
)
RUN_PACKAGES_BY_SUITE = {
    "bullseye": ("libffi7", "libssl1.1"),
    "bookworm": ("libffi8", "libssl3"),
}


@dataclasses.dataclass(frozen=True)
class ImageRecipe:
    suite: str
    kind: str  # "build" or "run"
    packages: tuple[str, ...]

    def inputs(self) -> dict[str, object]:
        return {"format": FORMAT, "suite": self.suite, "kind": self.kind, "packages": sorted(self.packages),
                "mirror": MIRROR, "hooks": [USER_HOOK], "path": PATH}

    @property
    def tag(self) -> str:
        digest = hashlib.sha256(json.dumps(self.inputs(), sort_keys=True).encode()).hexdigest()[:12]
        return f"{TAG_PREFIX}:{self.suite}-{self.kind}-{digest}"

    def mmdebstrap_argv(self, tarball: str) -> list[str]:
        return ["mmdebstrap", "--variant=minbase", "--format=tar", f"--include={','.join(sorted(self.packages))}",
                f"--customize-hook={USER_HOOK}", self.suite, tarball, MIRROR]

    def import_argv(self, engine: str, tarball: str) -> list[str]:
        return [engine, "import", "--change", f"ENV PATH={PATH}", "--change", "WORKDIR /app", tarball, self.tag]


def recipe(stack: Stack, kind: str) -> ImageRecipe:
    if kind == "build":
        return ImageRecipe(stack.debian_suite, "build", BUILD_PACKAGES)
    return ImageRecipe(stack.debian_suite, "run", RUN_PACKAGES_COMMON + RUN_PACKAGES_BY_SUITE[stack.debian_suite])
