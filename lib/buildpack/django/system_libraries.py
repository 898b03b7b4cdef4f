"""A system library the stack image does not have, told from the error that says so, and the fix.

Heroku's stack images carry a fixed set of libraries. GeoDjango's GDAL and GEOS are not
among them: Heroku's Geo buildpack adds them. Any other library that a package loads
when it is imported (WeasyPrint's Pango, pyzbar's zbar, OpenCV's libGL) fails with the
dynamic loader's "cannot open shared object file"; the Apt buildpack installs it from
the stack's Ubuntu. Either runs before this buildpack, which passes on the library paths
they export (commands.INHERITED_SEARCH_PATHS). Pure functions over an exception's message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

GEO_BUILDPACK = "https://github.com/heroku/heroku-geo-buildpack.git"
APT_BUILDPACK = "heroku-community/apt"

# Django's own words when django.contrib.gis cannot load them.
_GEO_LIBRARY = re.compile(r"Could not find the (?P<library>GDAL|GEOS) library")
# The dynamic loader's (dlopen's) words, through ImportError or ctypes' OSError.
_SHARED_OBJECT = re.compile(r"(?P<library>[\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file")
# A library whose usual cause is fixed without a system package.
_INSTEAD = {
    "libGL.so.1": "If it is OpenCV (cv2): put opencv-python-headless in place of\n"
                  "   opencv-python in the requirements; it is the same cv2 without\n"
                  "   the windowing libraries a dyno does not have.",
}


@dataclass(frozen=True)
class MissingLibrary:
    library: str  # as a sentence names it: "the GDAL library", "libzbar.so.0"
    steps: str  # the numbered fix, ending in a newline


def missing_library(message: str) -> Optional[MissingLibrary]:
    """The library an exception's message says could not be loaded, or None."""
    geo = _GEO_LIBRARY.search(message)
    if geo:
        return MissingLibrary(f"the {geo.group('library')} library", (
            "1. Add Heroku's Geo buildpack (GDAL, GEOS and PROJ) before this one,\n"
            "   then push again:\n"
            f"   heroku buildpacks:add --index 1 {GEO_BUILDPACK}\n"
            "2. If the libraries are somewhere else, Django's GDAL_LIBRARY_PATH and\n"
            "   GEOS_LIBRARY_PATH settings name their files.\n"))
    shared = _SHARED_OBJECT.search(message)
    if shared is None:
        return None
    library = shared.group("library")
    steps = [_INSTEAD[library]] if library in _INSTEAD else []
    steps += [
        "Add the Apt buildpack before this one:\n"
        f"   heroku buildpacks:add --index 1 {APT_BUILDPACK}",
        f"Commit an Aptfile at the app's root naming the Ubuntu package that\n"
        f"   has {library} (packages.ubuntu.com searches packages' contents),\n"
        "   then push again.",
    ]
    return MissingLibrary(library, "".join(f"{number}. {step}\n" for number, step in enumerate(steps, 1)))
