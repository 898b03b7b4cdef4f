"""Standard-library modules that newer Pythons removed: which, since when, what replaces them."""
from buildpack.python.removed_modules import fixes, removed_module


def test_distutils_went_in_312_and_setuptools_brings_it_back():
    removed = removed_module("distutils.core")
    assert removed is not None and (removed.name, removed.removed_in, removed.last_python) == ("distutils", "3.12", "3.11")
    assert removed.on_pypi == "setuptools"


def test_a_module_without_a_copy_on_pypi_gets_only_the_python_and_the_upgrade():
    removed = removed_module("lib2to3")
    assert removed is not None and removed.on_pypi is None
    steps = fixes(removed, "somepackage")
    assert steps.startswith("1. Build with the Python the app was written for: a .python-version\n"
                            "   file in the root of the app holding 3.12, committed.\n")
    assert "2. Or upgrade somepackage" in steps and "\n3. " not in steps


def test_the_app_importing_it_itself_is_not_told_to_upgrade_a_package():
    removed = removed_module("imghdr")
    assert removed is not None
    steps = fixes(removed)
    assert "upgrade" not in steps and "2. Or add standard-imghdr to the requirements" in steps


def test_modules_python_still_has_are_not_removed():
    assert removed_module("asyncio") is None and removed_module("django") is None
