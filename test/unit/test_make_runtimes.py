"""Tests for tools/make_runtimes.py: pure helpers, a store built from a fake pyenv tree, and
one real interpreter packed end to end."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from buildpack.python import runtime_store

TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_runtimes.py"
REAL_PYENV = Path("/root/.pyenv/versions")


def load_tool():
    spec = importlib.util.spec_from_file_location("make_runtimes", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_runtimes"] = module
    spec.loader.exec_module(module)
    return module


mr = load_tool()


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def fake_install(versions_dir: Path, version: str) -> Path:
    """A pyenv-like prefix with no ELF files: enough for staging, rewriting and packing."""
    prefix = versions_dir / version
    xy = mr.short_version(version)
    std = prefix / "lib" / f"python{xy}"
    write(prefix / "bin" / f"python{xy}", "not really an interpreter\n", 0o555)
    write(prefix / "bin" / f"pydoc{xy}", f"#!{prefix}/bin/python{xy}\nimport pydoc\n", 0o755)
    write(prefix / "bin" / "pip3", f"#!{prefix}/bin/python{xy}\n", 0o755)
    write(prefix / "bin" / "flask", f"#!{prefix}/bin/python\n", 0o755)
    write(prefix / "bin" / f"python{xy}-config", f'#!/bin/sh\nprefix="{prefix}"\n', 0o755)
    write(prefix / "lib" / f"libpython{xy}.so.1.0", "fake shared library\n", 0o555)
    write(prefix / "lib" / "pkgconfig" / f"python-{xy}.pc", f"prefix={prefix}\n")
    write(prefix / "include" / f"python{xy}" / "Python.h", "/* header */\n")
    write(std / "os.py", "# os\n")
    write(std / "_sysconfigdata__linux_x86_64-linux-gnu.py", f"build_time_vars = {{'prefix': '{prefix}'}}\n")
    write(std / f"config-{xy}-x86_64-linux-gnu" / "Makefile", f"prefix=\t{prefix}\n")
    write(std / f"config-{xy}-x86_64-linux-gnu" / f"libpython{xy}.a", "static\n")
    write(std / "ensurepip" / "__init__.py", "# ensurepip\n")
    write(std / "site-packages" / "pip" / "__init__.py", "# pip\n")
    write(std / "site-packages" / "machine.pth", "import something\n")
    for test_dir in ("test", "unittest/test", "idlelib/idle_test", "lib2to3/tests"):
        write(std / test_dir / "test_x.py", "# test\n")
    write(std / "unittest" / "__init__.py", "# unittest\n")
    return prefix


@pytest.fixture
def pyenv(tmp_path: Path) -> Path:
    versions = tmp_path / "versions"
    for version in ("3.9.18", "3.12.1"):
        fake_install(versions, version)
    write(versions / "3.7.16" / "bin" / "python3.7", "old\n")
    write(versions / "3.13-dev" / "bin" / "python3.13", "dev\n")
    (versions / "3.11.0" / "bin").mkdir(parents=True)  # broken install: no interpreter
    return versions


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {member.name: member for member in tar.getmembers()}


def read_member(archive: Path, name: str) -> str:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read().decode()


def test_select_versions_keeps_38_plus_sorted_numerically(pyenv: Path) -> None:
    fake_install(pyenv, "3.10.13")
    assert mr.select_versions(pyenv, None) == ["3.9.18", "3.10.13", "3.12.1"]
    assert mr.select_versions(pyenv, ["3.12.1"]) == ["3.12.1"]
    with pytest.raises(SystemExit, match="3.7.16"):
        mr.select_versions(pyenv, ["3.7.16"])


def test_dropped_names_trims_site_packages_tests_static_libs_and_foreign_scripts() -> None:
    assert mr.dropped_names("lib/python3.12/site-packages", ["pip", "x.pth"], "3.12") == {"pip", "x.pth"}
    assert mr.dropped_names("lib/python3.12", ["test", "os.py", "ensurepip"], "3.12") == {"test"}
    assert mr.dropped_names("lib/python3.12/tkinter", ["test", "ttk.py"], "3.12") == {"test"}
    assert mr.dropped_names("lib/python3.12/config-3.12-x86_64-linux-gnu",
                            ["Makefile", "libpython3.12.a"], "3.12") == {"libpython3.12.a"}
    kept = ["python", "python3", "python3.12", "python3.12-config", "python3-config",
            "python3.12-gdb.py", "pydoc3.12", "idle3", "2to3", "2to3-3.12"]
    dropped = ["pip", "pip3.12", "easy_install-3.12", "flask", "__pycache__", "aws"]
    assert mr.dropped_names("bin", kept + dropped, "3.12") == set(dropped)
    assert mr.dropped_names("include/python3.12", ["test"], "3.12") == set()


READELF_V = """
File: lib/python3.12/lib-dynload/cmath.so
Version needs section '.gnu.version_r' contains 1 entry:
  000000: Version: 1  File: libm.so.6  Cnt: 1
  0x0010:   Name: GLIBC_2.4  Flags: none  Version: 4
  0x0020:   Name: GLIBC_2.34  Flags: none  Version: 5
  0x0030:   Name: GLIBC_2.2.5  Flags: none  Version: 2
  0x0040:   Name: GLIBC_PRIVATE  Flags: none  Version: 6
"""


def test_highest_glibc_compares_numerically() -> None:
    assert mr.highest_glibc(READELF_V) == "2.34"  # not "2.4", the lexical maximum
    assert mr.highest_glibc("no version info") is None


def test_openssl_from_needed() -> None:
    needed = " 0x01 (NEEDED)  Shared library: [libssl.so.{}]\n 0x01 (NEEDED)  Shared library: [libc.so.6]"
    assert mr.openssl_from_needed(needed.format("3")) == "3"
    assert mr.openssl_from_needed(needed.format("1.1")) == "1.1"
    assert mr.openssl_from_needed("Shared library: [libc.so.6]") is None


@pytest.mark.parametrize("where, expected", [
    ("bin/python3.12", "$ORIGIN/../lib"),
    ("lib/libpython3.12.so.1.0", "$ORIGIN"),
    ("lib/python3.12/lib-dynload/_ssl.so", "$ORIGIN/../.."),
])
def test_relocated_rpath_is_origin_relative(tmp_path: Path, where: str, expected: str) -> None:
    old = "/root/.pyenv/versions/3.12.1"
    assert mr.relocated_rpath(f"{old}/lib", tmp_path / where, tmp_path, old) == expected
    assert mr.relocated_rpath(f"/opt/x:{old}/lib", tmp_path / where, tmp_path, old) == f"/opt/x:{expected}"


def test_rewritten_text_fixes_shebang_and_prefix() -> None:
    old = "/root/.pyenv/versions/3.12.1"
    script = f"#!{old}/bin/python3.12\nimport sys\n".encode()
    assert mr.rewritten_text(script, old, "3.12") == b"#!/usr/bin/env python3.12\nimport sys\n"
    config = f'#!/bin/sh\nprefix="{old}"\nLIBS="-L{old}/lib"\n'.encode()
    assert mr.rewritten_text(config, old, "3.12") == (
        b'#!/bin/sh\nprefix="/app/.heroku/python"\nLIBS="-L/app/.heroku/python/lib"\n')


def record(version: str) -> dict:
    return {"file": f"python-{version}-amd64.tar.gz", "sha256": "ab" * 32, "size": 10,
            "requires": {"glibc": "2.35", "openssl": "3"}, "fingerprint": {}}


def test_index_document_format_and_order() -> None:
    index = mr.index_document({v: record(v) for v in ("3.10.13", "3.9.18")}, "amd64",
                              ["heroku-22", "heroku-24"])
    assert index == {"format": 1, "runtimes": [
        {"version": v, "arch": "amd64", "stacks": ["heroku-22", "heroku-24"],
         "file": f"python-{v}-amd64.tar.gz", "sha256": "ab" * 32, "size": 10,
         "requires": {"glibc": "2.35", "openssl": "3"}} for v in ("3.9.18", "3.10.13")]}


def test_write_json_atomic_never_leaves_a_partial_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "index.json"
    mr.write_json_atomic(target, {"format": 1})
    monkeypatch.setattr(mr.os, "replace", lambda *_: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        mr.write_json_atomic(target, {"format": 2})
    assert json.loads(target.read_text()) == {"format": 1}


def test_the_index_it_writes_is_the_index_the_buildpack_reads(pyenv: Path, tmp_path: Path) -> None:
    """One format, defined by the reader: what the tool writes parses back entry for entry."""
    out = tmp_path / "store"
    index = mr.build_store(pyenv, out, ["3.12.1"], ["heroku-22", "heroku-24"])
    entries = runtime_store.parse_index((out / "index.json").read_bytes(), str(out / "index.json"))
    assert [(e.version, e.arch, e.stacks, e.file, e.sha256, e.size, e.requires) for e in entries] == [
        (raw["version"], raw["arch"], tuple(raw["stacks"]), raw["file"], raw["sha256"], raw["size"], raw["requires"])
        for raw in index["runtimes"]]
    assert entries[0].arch == runtime_store.machine_arch()


def test_fake_store_archive_is_trimmed_and_relocated(pyenv: Path, tmp_path: Path) -> None:
    out = tmp_path / "store"
    index = mr.build_store(pyenv, out, ["3.12.1"], ["heroku-24"])
    entry = index["runtimes"][0]
    assert json.loads((out / "index.json").read_text()) == index
    assert entry["file"] == f"python-3.12.1-{mr.host_arch()}.tar.gz"
    assert entry["stacks"] == ["heroku-24"]
    assert entry["requires"] == {"glibc": None, "openssl": None}
    archive = out / entry["file"]
    assert entry["size"] == archive.stat().st_size and entry["sha256"] == mr.sha256_of(archive)

    found = members(archive)
    names = set(found)
    assert "lib/python3.12/site-packages" in names
    assert not [n for n in names if n.startswith("lib/python3.12/site-packages/")]
    assert not [n for n in names if re.search(r"(^|/)(test|tests|idle_test)(/|$)", n)]
    assert not [n for n in names if n.startswith(("./", "/")) or n.endswith(".a")]
    assert {"bin/pip3", "bin/flask"}.isdisjoint(names)
    assert {"include/python3.12/Python.h", "lib/python3.12/ensurepip/__init__.py"} <= names
    assert found["bin/python3"].issym() and found["bin/python3"].linkname == "python3.12"
    assert {(m.uid, m.gid, m.uname, m.gname) for m in found.values()} == {(0, 0, "", "")}
    assert found["bin/python3.12"].mode == 0o755 and found["lib/python3.12/os.py"].mode == 0o644

    assert read_member(archive, "bin/pydoc3.12").startswith("#!/usr/bin/env python3.12\n")
    for name in ("lib/pkgconfig/python-3.12.pc", "bin/python3.12-config",
                 "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py",
                 "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile"):
        text = read_member(archive, name)
        assert "/app/.heroku/python" in text and str(pyenv) not in text
    assert not list(out.glob(".staging-*")) and not list(out.glob(".*.tmp"))


def test_store_is_incremental(pyenv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "store"
    mr.build_store(pyenv, out, ["3.9.18", "3.12.1"], ["heroku-24"])
    archive = out / f"python-3.12.1-{mr.host_arch()}.tar.gz"
    first = archive.stat().st_ino
    capsys.readouterr()

    mr.build_store(pyenv, out, ["3.9.18", "3.12.1"], ["heroku-22"])
    assert capsys.readouterr().out.count("unchanged, kept") == 2
    assert archive.stat().st_ino == first
    assert json.loads((out / "index.json").read_text())["runtimes"][0]["stacks"] == ["heroku-22"]

    write(pyenv / "3.12.1" / "bin" / "python3.12", "rebuilt interpreter\n", 0o755)
    (out / f"python-3.9.18-{mr.host_arch()}.tar.gz").write_bytes(b"corrupt")
    mr.build_store(pyenv, out, ["3.9.18", "3.12.1"], ["heroku-22"])
    output = capsys.readouterr().out
    assert "3.9.18: packed" in output and "3.12.1: packed" in output

    index = mr.build_store(pyenv, out, ["3.12.1"], ["heroku-22"])
    assert [r["version"] for r in index["runtimes"]] == ["3.12.1"]
    assert not (out / f"python-3.9.18-{mr.host_arch()}.tar.gz").exists()
    assert "no longer selected, removed" in capsys.readouterr().out


def test_failed_rebuild_leaves_no_index(pyenv: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "store"
    mr.build_store(pyenv, out, ["3.12.1"], ["heroku-24"])
    monkeypatch.setattr(mr, "build_runtime", lambda *_: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        mr.build_store(pyenv, out, ["3.9.18", "3.12.1"], ["heroku-24"])
    assert not (out / "index.json").exists()


def test_main_reads_stacks_from_environment(pyenv: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STACKS", "heroku-22 heroku-24")
    out = tmp_path / "store"
    assert mr.main(["--source", str(pyenv), "--out", str(out), "--versions", "3.9.18"]) == 0
    index = json.loads((out / "index.json").read_text())
    assert index["runtimes"][0]["stacks"] == ["heroku-22", "heroku-24"]
    mr.main(["--source", str(pyenv), "--out", str(out), "--stacks", "heroku-24"])
    index = json.loads((out / "index.json").read_text())
    assert [(r["version"], r["stacks"]) for r in index["runtimes"]] == [
        ("3.9.18", ["heroku-24"]), ("3.12.1", ["heroku-24"])]


def test_real_interpreter_packs_and_runs_relocated(tmp_path: Path) -> None:
    version = mr.select_versions(REAL_PYENV, None)[0]  # the oldest is the smallest
    xy = mr.short_version(version)
    index = mr.build_store(REAL_PYENV, tmp_path / "store", [version], ["heroku-24"])
    entry = index["runtimes"][0]
    assert entry["version"] == version
    assert re.fullmatch(r"2\.\d+", entry["requires"]["glibc"])
    assert re.fullmatch(r"\d+(\.\d+)?", entry["requires"]["openssl"])
    archive = tmp_path / "store" / entry["file"]
    assert entry["sha256"] == mr.sha256_of(archive) and entry["size"] == archive.stat().st_size

    names = set(members(archive))
    assert not [n for n in names if n.startswith(f"lib/python{xy}/site-packages/")]
    assert not [n for n in names if re.search(r"(^|/)(test|tests|idle_test)/", n)]
    assert f"include/python{xy}/Python.h" in names and f"lib/python{xy}/ensurepip/__init__.py" in names

    extracted = tmp_path / "somewhere" / "else"
    extracted.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", archive, "-C", extracted], check=True)
    rpath = subprocess.run(["patchelf", "--print-rpath", extracted / "bin" / f"python{xy}"],
                           check=True, capture_output=True, text=True).stdout.strip()
    assert rpath == "$ORIGIN/../lib"
    probe = "import sys, ssl, sqlite3, ctypes, zlib; print(sys.prefix)"
    result = subprocess.run([extracted / "bin" / "python3", "-E", "-c", probe], check=True,
                            capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert result.stdout.strip() == str(extracted)


def test_optimised_bytecode_is_not_shipped():
    names = ["os.cpython-312.pyc", "os.cpython-312.opt-1.pyc", "os.cpython-312.opt-2.pyc"]
    assert mr.dropped_names("lib/python3.12/__pycache__", names, "3.12") == set(names[1:])
