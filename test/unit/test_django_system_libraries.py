"""Which system library an error says is missing, and the fix for it."""
from buildpack.django.system_libraries import APT_BUILDPACK, GEO_BUILDPACK, missing_library


def test_geodjango_without_geos_gets_the_geo_buildpack():
    found = missing_library('Could not find the GEOS library (tried "geos_c", "GEOS"). '
                            "Try setting GEOS_LIBRARY_PATH in your settings.")
    assert found is not None and found.library == "the GEOS library"
    assert f"heroku buildpacks:add --index 1 {GEO_BUILDPACK}" in found.steps


def test_an_extension_linked_to_a_missing_library_gets_the_apt_buildpack():
    found = missing_library("libpango-1.0.so.0: cannot open shared object file: No such file or directory")
    assert found is not None and found.library == "libpango-1.0.so.0"
    assert found.steps.startswith("1. Add the Apt buildpack") and APT_BUILDPACK in found.steps
    assert "2. Commit an Aptfile" in found.steps and "has libpango-1.0.so.0" in found.steps


def test_opencvs_libgl_first_suggests_the_headless_wheel():
    found = missing_library("libGL.so.1: cannot open shared object file: No such file or directory")
    assert found is not None
    assert found.steps.startswith("1. If it is OpenCV (cv2): put opencv-python-headless")
    assert "2. Add the Apt buildpack" in found.steps and "3. Commit an Aptfile" in found.steps


def test_other_errors_are_not_a_missing_library():
    assert missing_library("No module named 'django_extensions'") is None
    assert missing_library("[Errno 2] No such file or directory: 'config.json'") is None
