"""Standard-library modules that newer Pythons removed, and what brings an app back to life.

Python 3.12 removed distutils, imp, asyncore, asynchat and smtpd (PEP 632, PEP 594);
3.13 removed the other "dead batteries" of PEP 594 (cgi, crypt, imghdr, telnetlib...).
An app written for an older Python, built without a .python-version, gets the default
(newest) Python and fails with "No module named 'cgi'"; telling it to install a package
named cgi would be wrong. Pure: the module's name in, the explanation's parts out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

_REMOVED_IN = {
    **dict.fromkeys(("distutils", "imp", "asyncore", "asynchat", "smtpd"), "3.12"),
    **dict.fromkeys(("aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap", "msilib",
                     "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu",
                     "xdrlib"), "3.13"),
}
# Their copies on PyPI (checked there: each is the removed module under its old name).
_ON_PYPI = {
    "distutils": "setuptools", "imp": "zombie-imp", "asyncore": "pyasyncore", "asynchat": "pyasynchat",
    "smtpd": "standard-smtpd", "cgi": "legacy-cgi", "cgitb": "legacy-cgi", "audioop": "audioop-lts",
    **{name: f"standard-{name}" for name in ("aifc", "chunk", "crypt", "imghdr", "mailcap", "nntplib", "pipes",
                                              "sndhdr", "sunau", "telnetlib", "uu", "xdrlib")},
}


@dataclass(frozen=True)
class RemovedModule:
    name: str  # the top-level module: "cgi"
    removed_in: str  # the first Python without it: "3.13"
    on_pypi: Optional[str]  # the distribution that brings it back, if any

    @property
    def last_python(self) -> str:
        """The newest Python that still has it: "3.12"."""
        major, minor = self.removed_in.split(".")
        return f"{major}.{int(minor) - 1}"


def removed_module(module: str) -> Optional[RemovedModule]:
    """The removed standard-library module `module` belongs to, or None."""
    top = module.split(".")[0]
    removed_in = _REMOVED_IN.get(top)
    return RemovedModule(top, removed_in, _ON_PYPI.get(top)) if removed_in else None


def fixes(removed: RemovedModule, importer: Optional[str] = None) -> str:
    """The numbered steps: the Python it was written for first (it fixes every such import at
    once), then a newer release of the importing package, then the copy on PyPI."""
    steps = [f"Build with the Python the app was written for: a .python-version\n"
             f"   file in the root of the app holding {removed.last_python}, committed."]
    if importer:
        steps.append(f"Or upgrade {importer} to a release that supports this Python.")
    if removed.on_pypi:
        steps.append(f"Or add {removed.on_pypi} to the requirements: it brings '{removed.name}' back.")
    return "".join(f"{number}. {step}\n" for number, step in enumerate(steps, 1))
