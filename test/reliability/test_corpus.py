"""The bad-input corpus: what a user's repository or config may hold, each fed to a real build.

Each case overlays files on a copy of the base app (a small Django project) or adds
config var files, builds it in the sandbox, and checks the suite's invariants (see
harness): exit 0 or an error block, no traceback, no hang, and a cache that still gives
a good build. Where the buildpack owes a specific answer, the case says so (expect,
phrases, and text that must never be echoed, such as a file outside the app).
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Sequence, Tuple

import pytest

from reliability.harness import (
    BASE_APP,
    Content,
    Directory,
    Sparse,
    Symlink,
    assert_clean,
    cache_generation,
    make_app,
    run_build,
)

SETTINGS = (BASE_APP / "site_app" / "settings.py").read_text()
# /etc/passwd is outside every app; its first line must never reach a build log.
PASSWD_LINE = "root:x:0:0"
# A warm build of the base app takes a few seconds: a minute means a hang.
CASE_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    overlay: Dict[str, Content] = dataclasses.field(default_factory=dict)
    config: Dict[str, str] = dataclasses.field(default_factory=dict)
    env_entries: Tuple[dict, ...] = ()
    expect: str = "any"  # ok | error | any (either, cleanly)
    phrases: Tuple[str, ...] = ()
    never: Tuple[str, ...] = ()  # text that must not appear in the log
    warm: bool = True  # False: fails before any install, so no cache is needed
    xfail: Optional[str] = None


def settings_with(code: str) -> Dict[str, Content]:
    return {"site_app/settings.py": SETTINGS + "\n" + code + "\n"}


def runtime(content: Content, **kwargs) -> Case:
    return dict(overlay={".python-version": None, "runtime.txt": content}, **kwargs)  # type: ignore[return-value]


RUNTIME_TXT = [
    Case("runtime-wildcard", {"runtime.txt": "python-3.12.x\n"}, expect="error", phrases=("python-3.12.x",), warm=False),
    Case("runtime-bom", {"runtime.txt": "\ufeffpython-3.12\n"}),
    Case("runtime-empty", {"runtime.txt": ""}),
    Case("runtime-trailing-blank-lines", {"runtime.txt": "python-3.12.1\n\n\n"}, expect="ok"),
    Case("runtime-binary", {"runtime.txt": b"\x00\xff\xfe\x89PNG\r\n"}, expect="error", warm=False),
    Case("runtime-5mb", {"runtime.txt": "python-3.12 " * 400_000}, expect="error", warm=False),
    Case("runtime-python2", {"runtime.txt": "python-2.7.18\n"}, expect="error", warm=False),
    Case("runtime-unknown-minor", {"runtime.txt": "python-3.99.0\n"}, expect="error", warm=False),
    Case("runtime-spaces", {"runtime.txt": "  python-3.12  \n"}),
    Case("runtime-pypy", {"runtime.txt": "pypy3.10-7.3.12\n"}, expect="error", warm=False),
    Case("runtime-directory", {"runtime.txt": Directory(1)}, expect="error", warm=False),
    Case("runtime-symlink-outside", {"runtime.txt": Symlink("/etc/passwd")}, expect="error",
         never=(PASSWD_LINE,), warm=False),
    Case("runtime-symlink-dangling", {"runtime.txt": Symlink("nowhere.txt")}, expect="error", warm=False),
    Case("runtime-symlink-inside", {"runtime.txt": Symlink("config/python.txt"),
                                    "config/python.txt": "python-3.12.1\n"}, expect="ok"),
    Case("runtime-crlf", {"runtime.txt": "python-3.12.1\r\n"}, expect="ok"),
]

PYTHON_VERSION = [
    Case("pyver-comment", {".python-version": "# pinned for prod\n3.12\n"}, expect="ok"),
    Case("pyver-system", {".python-version": "system\n"}, expect="error", warm=False),
    Case("pyver-major-only", {".python-version": "3\n"}, expect="error", warm=False),
    Case("pyver-two-versions", {".python-version": "3.12\n3.11\n"}),
    Case("pyver-symlink-outside", {".python-version": Symlink("/etc/passwd")}, expect="error",
         never=(PASSWD_LINE,), warm=False),
    Case("pyver-utf16", {".python-version": b"\xff\xfe3\x00.\x001\x002\x00"}, expect="ok"),  # PowerShell's echo
    Case("pyver-binary", {".python-version": b"\x00\x89PNG\xff\xff"}, expect="error", warm=False),
    Case("pyver-four-parts", {".python-version": "3.12.1.1\n"}, expect="error", warm=False),
    Case("pyver-1mb-line", {".python-version": "3" * 1_000_000}, expect="error", warm=False),
    Case("pyver-runtime-syntax", {".python-version": "python-3.12\n"}),
    Case("pyver-directory", {".python-version": Directory(0)}, expect="error", warm=False),
    Case("pyver-pypy", {".python-version": "pypy3.10\n"}, expect="error", warm=False),
]

REQUIREMENTS = [
    Case("req-directory", {"requirements.txt": Directory(2)}, expect="error", phrases=("requirements.txt",),
         warm=False),
    Case("req-dangling-symlink", {"requirements.txt": Symlink("reqs/missing.txt")}, expect="error",
         phrases=("requirements.txt",), warm=False),
    Case("req-symlink-outside", {"requirements.txt": Symlink("/etc/passwd")}, expect="error",
         never=(PASSWD_LINE,), warm=False),
    Case("req-editable-dev", {"requirements.txt": "-e /dev\n"}, expect="error"),
    Case("req-editable-root", {"requirements.txt": "-e /\n"}, expect="error"),
    Case("req-editable-dev-zero", {"requirements.txt": "-e /dev/zero\n"}, expect="error"),
    Case("req-path-dev-zero", {"requirements.txt": "/dev/zero\n"}, expect="error"),
    Case("req-include-dev-zero", {"requirements.txt": "-r /dev/zero\n"}, expect="error"),
    Case("req-constraint-urandom", {"requirements.txt": "-c /dev/urandom\nDjango==5.2.8\n"}, expect="error"),
    Case("req-include-itself", {"requirements.txt": "-r requirements.txt\nDjango==5.2.8\ngunicorn==23.0.0\n"}),
    Case("req-include-missing", {"requirements.txt": "-r missing.txt\n"}, expect="error"),
    Case("req-nul-byte", {"requirements.txt": b"Django==5.2.8\x00\ngunicorn==23.0.0\n"}, expect="error"),
    Case("req-binary", {"requirements.txt": bytes(range(256)) * 8}, expect="error"),
    Case("req-fifo-from-hook", {"requirements.txt": "-e ./pipe\n",
                                "bin/pre_compile": "#!/bin/bash\nmkfifo pipe\n"}, expect="error"),
    Case("req-fifo-dir-from-hook", {"requirements.txt": "-r ./pipe.txt\n",
                                    "bin/pre_compile": "#!/bin/bash\nmkfifo pipe.txt\n"}, expect="error"),
    Case("req-local-symlink-to-root", {"requirements.txt": "./everything\n", "everything": Symlink("/")},
         expect="error"),
    Case("req-conflict-markers", {"requirements.txt": "<<<<<<< HEAD\nDjango==5.2.8\n=======\nDjango==5.1.4\n>>>>>>> x\n"},
         expect="error", phrases=("merge conflict markers", "requirements.txt, line 3")),
    Case("req-editable-app-without-project", {"requirements.txt": "-e .\nDjango==5.2.8\n"}, expect="error",
         phrases=("is not a Python project",)),
    Case("req-empty", {"requirements.txt": ""}, expect="ok"),
    Case("req-50k-comments", {"requirements.txt": "# a comment\n" * 50_000 + "Django==5.2.8\ngunicorn==23.0.0\n"},
         expect="ok"),
    Case("req-utf16", {"requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\n".encode("utf-16")}),
    Case("req-in-binary", {"requirements.txt": None, "requirements.in": b"\x00\x01\x02\xff"}, expect="error"),
    Case("req-pipfile-lock-garbage", {"requirements.txt": None, "Pipfile.lock": "{not json", "Pipfile": "[["}),
    Case("req-uv-lock-garbage", {"requirements.txt": None, "uv.lock": "\x00garbage", "pyproject.toml": "[project"}),
    Case("req-huge-line", {"requirements.txt": "Django==5.2.8 ; " + "x" * 2_000_000 + "\n"}),
    # Saved on macOS or Windows, which do not tell capitals apart: never an empty install.
    Case("req-capitalised", {"requirements.txt": None, "Requirements.txt": "Django==5.2.8\ngunicorn==23.0.0\n"},
         expect="error", phrases=("git mv Requirements.txt requirements.txt",), warm=False),
    # `pip freeze` in a conda environment, and on Debian or Ubuntu: lines only that machine installs.
    Case("req-conda-file-url", {"requirements.txt": "Django==5.2.8\n"
                                "certifi @ file:///croot/certifi_1700501234/work/certifi\n"},
         expect="error", phrases=("requirements.txt line 2", "pip list --format=freeze")),
    Case("req-debian-pkg-resources", {"requirements.txt": "Django==5.2.8\npkg-resources==0.0.0\n"},
         expect="error", phrases=("pkg-resources==0.0.0",)),
]

PROCFILE = [
    Case("procfile-binary", {"Procfile": b"\x7fELF\x02\x01\x01\x00" + bytes(300)}),
    Case("procfile-directory", {"Procfile": Directory(1)}),
    Case("procfile-no-colon", {"Procfile": "web gunicorn site_app.wsgi\n"}),
    Case("procfile-symlink-outside", {"Procfile": Symlink("/etc/passwd")}, never=(PASSWD_LINE,)),
    Case("procfile-crlf", {"Procfile": "web: gunicorn site_app.wsgi --bind 0.0.0.0:$PORT\r\n"}, expect="ok"),
    Case("procfile-empty", {"Procfile": ""}, expect="ok"),
    Case("procfile-200k-lines", {"Procfile": "".join(f"worker{n}: python -c pass\n" for n in range(200_000))}),
    Case("procfile-utf16", {"Procfile": "web: gunicorn site_app.wsgi\n".encode("utf-16")}),
    Case("procfile-lowercase", {"procfile": "web: gunicorn site_app.wsgi\n"}, expect="ok",
         phrases=("procfile is not read: the name is Procfile.",)),
    Case("procfile-fixed-port", {"Procfile": "web: gunicorn site_app.wsgi --bind 0.0.0.0:8000\n"}, expect="ok",
         phrases=("the web process listens on 0.0.0.0:8000, not on $PORT.",)),
]

DJANGO = [
    Case("settings-raise", settings_with("raise RuntimeError('settings refuse to load')"), expect="error"),
    Case("settings-os-exit-0", settings_with("import os\nos._exit(0)"), expect="error"),
    Case("settings-syntax-error", settings_with("def broken(:\n    pass"), expect="error"),
    Case("settings-missing-env", settings_with("import os\nDATABASE_URL = os.environ['DATABASE_URL']"),
         expect="error", phrases=("DATABASE_URL",)),
    Case("settings-1mb-print", settings_with("print('x' * 1_000_000)")),
    Case("settings-no-static-url", settings_with("del STATIC_URL"), expect="error",
         phrases=("collectstatic failed: STATIC_URL is not set.",)),
    Case("settings-sys-exit-3", settings_with("import sys\nsys.exit(3)"), expect="error"),
    Case("manage-directory", {"manage.py": Directory(1)}),
    Case("manage-binary", {"manage.py": b"\x00\x01\x02\xff" * 64}),
    Case("manage-syntax-error", {"manage.py": "import os\ndef main(:\n"}),
    # Settings that read stdin get end-of-file (stdin is /dev/null), never the buildpack's requests.
    Case("settings-stdin-read", settings_with("import sys\nsys.stdin.read()")),
]

ENV_DIR = [
    Case("env-name-with-equals", config={"A=B": "value"}, expect="ok", phrases=("A=B",)),
    Case("env-value-nul", config={"NUL_VALUE": "abc\x00def-value"}, expect="ok", phrases=("NUL_VALUE",),
         never=("def-value",)),
    Case("env-name-not-identifier", config={"1BAD-NAME": "value"}, expect="ok", phrases=("1BAD-NAME",)),
    Case("env-name-with-space", config={"MY VAR": "value"}, expect="ok", phrases=("MY VAR",)),
    Case("env-directory", env_entries=({"name": "SOME_DIR", "kind": "dir"},), expect="ok", phrases=("SOME_DIR",)),
    Case("env-unreadable", env_entries=({"name": "LOCKED", "kind": "unreadable", "value": "hidden-value"},),
         expect="ok"),
    Case("env-symlink-outside", env_entries=({"name": "LINKED", "kind": "symlink", "target": "/etc/passwd"},),
         expect="ok", never=(PASSWD_LINE,)),
    Case("env-fifo", env_entries=({"name": "PIPE_VAR", "kind": "fifo"},), expect="ok"),
    Case("env-invalid-utf8", env_entries=({"name": "LATIN1", "kind": "bytes", "hex": "caf\xe9".encode("latin-1").hex()},),
         expect="ok"),
    Case("env-path", config={"PATH": "/nonexistent"}, expect="ok"),
    Case("env-pythonhome", config={"PYTHONHOME": "/nonexistent", "PYTHONPATH": "/nonexistent"}, expect="ok"),
    Case("env-ld-preload", config={"LD_PRELOAD": "/nonexistent/lib.so"}, expect="ok"),
    Case("env-10mb-value", config={"BIG_VALUE": "v" * 10_000_000}, expect="ok"),
    Case("env-django-settings-bogus", config={"DJANGO_SETTINGS_MODULE": "no.such.module"}),
]

APP_FILES = [
    Case("file-newline-name", {"notes\nsecond line.txt": "x"}, expect="ok"),
    Case("file-non-utf8-name", {"caf\udce9.txt": "x"}, expect="ok"),
    Case("file-deep-nesting", {"/".join(["d"] * 120) + "/leaf.txt": "x"}, expect="ok"),
    Case("file-symlink-loop", {"loop_a": Symlink("loop_b"), "loop_b": Symlink("loop_a")}, expect="ok"),
    Case("file-symlink-to-root", {"rootlink": Symlink("/")}, expect="ok"),
    Case("file-sparse-256mb", {"data/blob.bin": Sparse(256 << 20)}),
    Case("file-committed-venv", {"venv/bin/python": Symlink("/usr/bin/python3"),
                                 "venv/pyvenv.cfg": "home = /usr/bin\n"}),
    Case("file-heroku-dir", {".heroku/python/bin/python": "#!/bin/sh\necho fake\n"}),
    Case("file-profile-d", {".profile.d/python.sh": "export APP_OWN=1\n"}, expect="ok"),
    Case("hook-not-executable-garbage", {"bin/pre_compile": b"\x00\x01garbage"}, expect="error"),
    Case("hook-post-compile-fails", {"bin/post_compile": "#!/bin/bash\necho failing\nexit 7\n"}, expect="error"),
    Case("hook-pre-compile-directory", {"bin/pre_compile": Directory(1)}),
]

CASES = RUNTIME_TXT + PYTHON_VERSION + REQUIREMENTS + PROCFILE + DJANGO + ENV_DIR + APP_FILES


def params(cases: Sequence[Case]):
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.figure("cases")
@pytest.mark.parametrize("case", params(CASES))
def test_bad_input(case: Case, base_cold, tmp_path, next_good_build):
    base_work, _ = base_cold
    work = tmp_path / "work"
    if case.warm:
        from reliability.harness import warm_copy

        warm_copy(base_work, work)
    before = cache_generation(work)
    app = make_app(tmp_path / "app", case.overlay)
    outcome = run_build(app, work, config=case.config, env_entries=case.env_entries, timeout=CASE_TIMEOUT)
    assert_clean(outcome, *case.phrases, expect=case.expect)
    for text in case.never:
        assert text not in outcome.output, f"{text!r} echoed:\n{outcome.output[-3000:]}"
    if case.warm and cache_generation(work) != before:
        next_good_build(work)
