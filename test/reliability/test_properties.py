"""Property-based tests (hypothesis) for every parser the buildpack feeds user text to.

Each parser, given any text (or bytes, or file names), either returns a value or raises
the buildpack's own error: never another exception, never a hang. Where a value can be
written back (the release YAML, a version), it round-trips. The archive policy gets
random trees of files and links: either everything lands inside the target, or the
archive is refused and nothing lands outside.
"""
from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import localheroku
from buildpack import archive, cache, context, output
from buildpack.app import processes, procfile
from buildpack.dependencies import requirements
from buildpack.errors import ArchiveError, PythonVersionError
from buildpack.python import version_files

pytestmark = pytest.mark.figure("cases")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text that looks like what users write, with the awkward characters mixed in.
VERSIONISH = st.lists(st.sampled_from(list("python-3.12 \t\r\n#\ufeff\x00abc/xX*~=<>") + ["python-3.12.1", "3.12"]),
                      max_size=30).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), VERSIONISH)


@SETTINGS
@given(ANY_TEXT)
def test_runtime_txt_parses_or_refuses(text):
    try:
        request = version_files.parse_runtime_txt(text)
    except PythonVersionError as error:
        assert error.title and error.body
    else:
        assert request.version.count(".") in (1, 2)


@SETTINGS
@given(ANY_TEXT)
def test_python_version_file_parses_or_refuses(text):
    try:
        version_files.parse_python_version_file(text)
    except PythonVersionError as error:
        assert error.title and error.body


@SETTINGS
@given(st.binary(max_size=200))
def test_version_file_bytes_decode_or_refuse(data):
    try:
        text = version_files._decode(data, "runtime.txt")
    except PythonVersionError:
        return
    assert isinstance(text, str)


@SETTINGS
@given(st.integers(3, 3), st.integers(0, 30), st.one_of(st.none(), st.integers(0, 40)))
def test_a_well_formed_version_round_trips(major, minor, patch):
    version = f"{major}.{minor}" + ("" if patch is None else f".{patch}")
    assert version_files.parse_runtime_txt(f"python-{version}\n").version == version
    assert version_files.parse_python_version_file(f"{version}\n").version == version


REQUIREMENT_LINES = st.lists(st.one_of(
    st.text(max_size=80),
    st.sampled_from(["-r other.txt", "-c c.txt", "-e .", "-e /dev", "./pkg", "Django==5.2.8", "six ; python_version<'4'",
                     "pkg @ https://u:p@h/x.whl", "--hash=sha256:00", "\\", "# comment", "-e git+https://x#egg=y"]),
), max_size=12)


@SETTINGS
@given(REQUIREMENT_LINES)
def test_requirement_lines_never_crash_the_readers(lines):
    text = "\n".join(lines)
    for line in requirements.logical_lines(text):
        requirements.requirement_of(line)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "requirements.txt"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        requirements.top_level(path)
        requirements.unreadable_includes(path)
        first = requirements.fingerprint(path, {}, Path(scratch))
        assert first == requirements.fingerprint(path, {}, Path(scratch))


PROCFILE_TEXT = st.lists(st.one_of(st.text(max_size=60),
                                   st.sampled_from(["web: gunicorn x.wsgi", "release: python manage.py migrate",
                                                    "web gunicorn", ":", "  worker:  celery -A x  ", "#web: y"])),
                         max_size=10).map("\n".join)


@SETTINGS
@given(PROCFILE_TEXT)
def test_procfile_parses_to_names_and_commands(text):
    types = procfile.parse(text)
    for name, command in types.items():
        assert name and ":" not in name and "\n" not in name
        assert "\n" not in command


COMMANDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(str.strip)
NAMES = st.from_regex(r"\A[a-z][a-z0-9_-]{0,15}\Z")


@SETTINGS
@given(st.dictionaries(NAMES, COMMANDS, max_size=4), st.lists(st.sampled_from(["heroku-postgresql"]), max_size=1))
def test_release_yaml_round_trips_through_yaml_and_the_local_platform(types, addons):
    text = processes.render_release_yaml(types, addons)
    parsed = yaml.safe_load(text) or {}
    assert (parsed.get("default_process_types") or {}) == types
    assert localheroku.parse_release_yaml(text)["default_process_types"] == parsed.get("default_process_types", {})


ENV_NAMES = st.text(alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
                    min_size=1, max_size=20).filter(lambda n: n not in (".", ".."))


@SETTINGS
@given(st.dictionaries(ENV_NAMES, st.binary(max_size=50), max_size=6))
def test_config_var_files_become_variables_or_are_skipped_with_why(files):
    with tempfile.TemporaryDirectory() as scratch:
        env_dir = Path(scratch)
        written = {}
        for name, data in files.items():
            try:
                (env_dir / name).write_bytes(data)
            except OSError:  # a name the filesystem refuses (too long in bytes)
                continue
            written[name] = data
        values, skipped = context.scan_config_vars(env_dir)
    skipped_names = {name for name, _ in skipped}
    for name in written:
        if name.startswith("."):
            continue
        assert (name in values) != (name in skipped_names)
    for name, value in values.items():
        assert name.isidentifier() and name.isascii() and "\0" not in value
    for name, why in skipped:  # why never quotes the value
        assert len(written[name]) < 8 or written[name] not in why.encode("utf-8", "surrogateescape")


@SETTINGS
@given(st.text(min_size=8, max_size=40).filter(lambda v: v.strip() == v and "\n" not in v and "\r" not in v),
       st.text(max_size=30))
def test_a_masked_value_never_survives_in_any_printed_form(value, around, ):
    output.hide({"SECRET_KEY": value})
    try:
        for form in (value, repr(value)[1:-1]):
            assert value not in output.mask(around + form + around) or value in output.MASK
    finally:
        output.hide({})


METADATA = st.dictionaries(st.sampled_from(["format", "stack", "python_version", "runtime", "tools", "requirements",
                                            "installed"]),
                           st.one_of(st.none(), st.integers(), st.text(max_size=10), st.lists(st.text(max_size=3)),
                                     st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)))


@SETTINGS
@given(METADATA)
def test_any_previous_metadata_gives_a_decision(raw):
    current = cache.Metadata(stack="heroku-24", python_version="3.12.1", runtime="r", tools={"pip": "1"},
                             requirements="x")
    decision = cache.decide(cache.Previous(metadata=raw), current)
    assert decision.action in tuple(cache.Action)
    assert isinstance(cache.Previous(metadata=raw).recorded, cache.Recorded)  # typed reading never raises


# --- Archives: random trees of files and links ------------------------------------------------

SEGMENTS = st.sampled_from(["a", "b", "c", ".", "..", "d"])
PATHS = st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join)
MEMBERS = st.lists(st.tuples(st.sampled_from([tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE]),
                             PATHS, st.one_of(PATHS, PATHS.map(lambda p: "/" + p))), min_size=1, max_size=8)


def tarball(members) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for kind, name, link in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = 0o755
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = link
            data = b"x" if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return raw.getvalue()


@pytest.mark.figure("archives")
@settings(max_examples=300, deadline=None)
@given(MEMBERS, st.booleans())
def test_a_random_archive_lands_inside_or_is_refused(members, use_filter):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        outside = root / "outside"
        target = root / "deep" / "er" / "target"
        outside.mkdir()
        (root / "deep" / "er").mkdir(parents=True)
        path = root / "a.tar"
        path.write_bytes(tarball(members))
        try:
            archive.extract_tar(path, target, use_data_filter=use_filter)
        except ArchiveError:
            pass
        else:
            real_root = os.path.realpath(target)
            for directory, dirs, files in os.walk(target):
                for entry in dirs + files:
                    resolved = os.path.realpath(os.path.join(directory, entry))
                    assert resolved == real_root or resolved.startswith(real_root + os.sep), (members, entry)
        written = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                         if not str(p.relative_to(root)).startswith(("deep/er/target", "a.tar")))
        assert written == ["deep", "deep/er", "outside"], (members, written)
