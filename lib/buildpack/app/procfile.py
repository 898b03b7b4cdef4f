"""The app's Procfile: reading it safely, and checking each line before Heroku runs it.

Heroku reads `<type>: <command>` lines from the Procfile at the root of the slug
and silently ignores every other line. The checks here catch what would only
show at run time: a line without its colon, a misspelled `web`/`release`, a
program that is not installed (or that only a later step provides: Node's, or a
file under bin/ a post-build step writes), a WSGI/ASGI application that does not exist.
The decisions are pure functions over the text and a Lookup (what is installed,
which files exist), so they are table tested; every finding quotes the line
and says the fix. What is quoted is bounded: a huge Procfile makes a short log.
The shell words of a command are read by shell_command, the application a server is
given by wsgi_target.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from buildpack import output, reasons
from buildpack.app import wsgi_target
from buildpack.app.shell_command import SHELL_WORDS, Invocation, invocations, join_path
from buildpack.app.slug_lookup import Lookup, filesystem_lookup
from buildpack.app.web_binding import wrong_place
from buildpack.errors import DOCS_PROCFILE, Finding
from buildpack.source import misnamed_files, node_assets
from buildpack.source.app_files import refuse_link_outside

PROCFILE = "Procfile"
# Heroku's own grammar for a process line.
_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+?)\s*$")
_LOOSE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?::\s*|\s+)(.*?)\s*$")
READ_LIMIT = 1024 * 1024  # bytes: what a sane Procfile never reaches
QUOTE_LIMIT = 120  # characters of a line shown in the log
MAX_FINDINGS_SHOWN = 5
SPECIAL_TYPES = ("web", "release", "worker")


@dataclass
class Procfile:
    """What the app's Procfile holds: its readable text, or why it has none."""

    exists: bool = False
    text: str = ""
    problem: Optional[Finding] = None  # unreadable, binary, not UTF-8, a directory, too big
    process_types: Dict[str, str] = field(default_factory=dict)


def quote(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= QUOTE_LIMIT else line[: QUOTE_LIMIT - 3] + "..."


def parse(text: str) -> Dict[str, str]:
    """type -> command, as Heroku reads them (a later line of the same type wins)."""
    types: Dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            types[match.group(1)] = match.group(2)
    return types


def read(build_dir: Path) -> Procfile:
    """The Procfile at the root of the app, read with a bound; a problem instead of silence."""
    path = build_dir / PROCFILE
    if not path.exists() and not path.is_symlink():
        return Procfile()
    refuse_link_outside(build_dir, path, PROCFILE)
    if path.is_dir():
        return Procfile(exists=True, problem=_unreadable(
            reasons.PROCFILE_DIRECTORY, "Procfile is a directory, not a file.",
            "The app has a directory named Procfile at its root. Heroku reads\n"
            "process types only from a file of that name, so none are declared.\n\n"
            "To fix it: move what is in the Procfile/ directory elsewhere and\n"
            "write a Procfile file with lines such as:\n"
            "    web: gunicorn myproject.wsgi"))
    try:
        with path.open("rb") as handle:
            data = handle.read(READ_LIMIT + 1)
    except OSError as exc:
        return Procfile(exists=True, problem=_unreadable(
            reasons.PROCFILE_UNREADABLE, "Procfile cannot be read.",
            f"Reading the Procfile failed: {exc.strerror or exc}.\n"
            "(A symbolic link to a file outside the app cannot work on Heroku.)\n\n"
            "To fix it: commit the Procfile as an ordinary file."))
    if b"\0" in data:
        return Procfile(exists=True, problem=_unreadable(
            reasons.PROCFILE_BINARY, "Procfile is not a text file.",
            "The Procfile contains NUL bytes: it is binary data (an image, an\n"
            "archive, a file saved in UTF-16), not text. Heroku cannot read process\n"
            "types from it.\n\n"
            "To fix it: write the Procfile as plain UTF-8 text, for example:\n"
            "    web: gunicorn myproject.wsgi"))
    problem = None
    if len(data) > READ_LIMIT:
        data = data[:READ_LIMIT].rsplit(b"\n", 1)[0]
        problem = Finding(
            reasons.PROCFILE_TOO_BIG, "Procfile is larger than 1 MB; only its first 1 MB was checked.",
            "A Procfile holds a few process types, one line each. This one is\n"
            "larger than 1 MB: almost certainly not what you meant to commit.\n\n"
            "To fix it: keep only the `<type>: <command>` lines you need.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_number = data[: exc.start].count(b"\n") + 1
        text = data.decode("utf-8", errors="replace")
        problem = Finding(
            reasons.PROCFILE_ENCODING, "Procfile is not UTF-8 text.",
            f"Line {line_number} of the Procfile has bytes that are not UTF-8:\n"
            f"    {quote(text.splitlines()[line_number - 1] if text.splitlines() else '')}\n"
            "Heroku may misread that line.\n\n"
            "To fix it: save the Procfile as UTF-8 (the shell commands in it\n"
            "rarely need anything but ASCII).")
    return Procfile(exists=True, text=text, problem=problem, process_types=parse(text))


def _unreadable(slug: str, title: str, body: str) -> Finding:
    return Finding(slug, title, body)


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (`wbe` -> `web`)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def misspelled_type(name: str) -> Optional[str]:
    """The special type `name` looks like a typo of, if any (`relase` -> release, `Web` -> web)."""
    if name in SPECIAL_TYPES:
        return None
    lowered = name.lower()
    for special in SPECIAL_TYPES:
        if lowered == special:
            return special
        if lowered.startswith(special) or any(ch.isdigit() for ch in lowered):
            continue  # worker2, web_admin: deliberate names
        allowed = 1 if len(special) <= 4 else 2
        if osa_distance(lowered, special) <= allowed:
            return special
    return None


def _block(number: int, line: str) -> str:
    return f"Line {number} of the Procfile:\n    {quote(line)}\n"


def check_line_form(number: int, line: str) -> Optional[Finding]:
    """A line Heroku would ignore although it looks like a process type."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or _LINE.match(line):
        return None
    loose = _LOOSE.match(line)
    if loose and loose.group(2):
        name, command = loose.group(1), loose.group(2)
        fixed = f"{name}: {command}"
        if ":" in line.split(command, 1)[0] or line.startswith((" ", "\t")):
            why = "A process line starts at the beginning of the line with the type,\nthen a colon right after it."
        else:
            why = "A process line is the type, a colon, then the command."
        return Finding(
            reasons.PROCFILE_MALFORMED,
            f"Procfile line {number} is not `type: command`: Heroku ignores it.",
            _block(number, line) + why + "\n\nTo fix it: write:\n" + f"    {quote(fixed)}",
        )
    loose_name = re.match(r"^\s*([A-Za-z0-9_-]+)\s*:\s*$", line)
    if loose_name:
        return Finding(
            reasons.PROCFILE_NO_COMMAND,
            f"Procfile line {number} declares `{loose_name.group(1)}` with no command.",
            _block(number, line) + "Heroku ignores a type without a command.\n\n"
            "To fix it: add the command after the colon, or remove the line.",
        )
    return Finding(
        reasons.PROCFILE_MALFORMED,
        f"Procfile line {number} is not `type: command`: Heroku ignores it.",
        _block(number, line) + "Each line of a Procfile is a process type, a colon and a command,\n"
        "for example `web: gunicorn myproject.wsgi`.\n\n"
        "To fix it: rewrite the line in that form, or start it with # to\nmake it a comment.",
    )


def check_type(number: int, line: str, name: str, command: str) -> Optional[Finding]:
    special = misspelled_type(name)
    if special is None:
        return None
    role = {
        "web": "Heroku sends HTTP requests only to the process type named `web`",
        "release": "Heroku runs only the process type named `release` in the release phase",
        "worker": "`worker` is the name Heroku's docs and add-ons expect for a background worker",
    }[special]
    return Finding(
        reasons.PROCFILE_MISSPELLED_TYPE,
        f"Procfile line {number} declares `{name}`, probably meant as `{special}`.",
        _block(number, line) + f"{role};\n`{name}` is an ordinary process type that nothing starts by itself.\n\n"
        f"To fix it: rename the type:\n    {quote(f'{special}: {command}')}",
    )


def check_program(number: int, line: str, invocation: Invocation, lookup: Lookup) -> Optional[Finding]:
    program = invocation.program
    if program.startswith(("$", "~")) or program in SHELL_WORDS or "$" in program:
        return None
    if "/" in program:
        if program.startswith("/") and not program.startswith("/app/"):
            return None  # a system path: the run image's business
        relative = program[len("/app/"):] if program.startswith("/app/") else join_path(invocation.cwd, program)
        if lookup.path_exists(relative):
            return None if lookup.path_executable(relative) else _not_executable(number, line, program, relative)
        if relative.startswith("bin/"):
            return _written_later(number, line, program, relative)
        return Finding(
            reasons.PROCFILE_MISSING_PROGRAM,
            f"Procfile line {number} runs `{program}`, which is not in the app.",
            _block(number, line) + f"There is no file {relative} in the app, so this process would\n"
            "crash as soon as it starts.\n\n"
            "To fix it: correct the path (it is relative to the root of the app,\n"
            "where the dyno starts) or commit the missing file.",
        )
    if lookup.command_exists(program):
        return None
    if program in node_assets.NODE_PROGRAMS:
        return _from_node_buildpack(number, line, program)
    close = difflib.get_close_matches(program, list(lookup.installed_commands), n=1, cutoff=0.75)
    fix = (f"1. Did you mean `{close[0]}`? It is installed: write\n       {quote(line.replace(program, close[0], 1))}\n"
           f"2. Or add the package that provides `{program}` to requirements.txt."
           if close else
           f"1. Add the package that provides `{program}` to requirements.txt,\n"
           "   or correct the command's name.")
    return Finding(
        reasons.PROCFILE_MISSING_PROGRAM,
        f"Procfile line {number} runs `{program}`, which is not installed.",
        _block(number, line) + f"No package installed in the app provides a `{program}` command, and\n"
        "the stack has no program of that name, so this process would crash\n"
        "as soon as it starts.\n\nTo fix it:\n" + fix,
    )


def _from_node_buildpack(number: int, line: str, program: str) -> Finding:
    return Finding(
        reasons.PROCFILE_LATER_BUILDPACK,
        f"Procfile line {number} runs `{program}`, which another buildpack installs.",
        _block(number, line) + f"`{program}` comes with Node.js, which this buildpack does not install,\n"
        "and no buildpack before it installed it. If the app's buildpacks\n"
        f"include {node_assets.NODE_BUILDPACK} (after this one), nothing to do; otherwise\n"
        "this process would crash as soon as it starts.\n\n"
        "To fix it: add the Node.js buildpack, then deploy again:\n"
        f"   {node_assets.NODE_BUILDPACK_FIX}",
    )


def _written_later(number: int, line: str, program: str, relative: str) -> Finding:
    return Finding(
        reasons.PROCFILE_WRITTEN_LATER,
        f"Procfile line {number} runs `{program}`, which is not in the app yet.",
        _block(number, line) + f"There is no file {relative} in the app so far. If a later step\n"
        "writes it (the app's bin/post_compile, or a buildpack after this one\n"
        "that builds a binary into bin/), nothing to do; otherwise this process\n"
        "would crash as soon as it starts.\n\n"
        "To fix it: commit the file (check that .gitignore does not leave it\n"
        "out), or correct the path: it is relative to the root of the app.",
    )


def _not_executable(number: int, line: str, program: str, relative: str) -> Finding:
    return Finding(
        reasons.PROCFILE_NOT_EXECUTABLE,
        f"Procfile line {number} runs `{program}`, which is not executable.",
        _block(number, line) + f"{relative} is in the app without execute permission (committed\n"
        "from Windows, or never `chmod +x`-ed), so this process would fail\n"
        'with "Permission denied" as soon as it starts.\n\n'
        "To fix it: commit it as executable, then deploy again:\n"
        f"   git update-index --chmod=+x {relative}\n"
        f"(or run it through its interpreter in the Procfile: `bash {program}`).",
    )


_PYTHON = re.compile(r"^python(?:3(?:\.\d+)?)?$")


def check_script(number: int, line: str, invocation: Invocation, lookup: Lookup) -> Optional[Finding]:
    """`python manage.py migrate` where manage.py is elsewhere (a project in a subdirectory)."""
    if not _PYTHON.match(invocation.program) or not invocation.args:
        return None
    script = invocation.args[0]
    if not script.endswith(".py") or script.startswith(("-", "/", "~")) or "$" in script:
        return None
    relative = join_path(invocation.cwd, script)
    if lookup.path_exists(relative):
        return None
    name = script.rsplit("/", 1)[-1]
    elsewhere = [path for path in lookup.files_named(name) if path != relative]
    fix = (f"To fix it: write {quote(line.replace(script, elsewhere[0], 1))}\n"
           f"(the app's {name} is {elsewhere[0]}; paths are relative\n"
           "to the root of the app, where the dyno starts)."
           if elsewhere and invocation.cwd == "." else
           "To fix it: correct the path (it is relative to the root of the app,\n"
           "where the dyno starts, or to the directory a `cd` before it enters).")
    return Finding(
        reasons.PROCFILE_MISSING_SCRIPT,
        f"Procfile line {number} runs {script}, which is not in the app.",
        _block(number, line) + f"There is no file {relative} in the app, so this process would\n"
        "fail as soon as it starts"
        + (" (and with it every release)" if line.startswith("release:") else "") + ".\n\n" + fix,
    )


def check_target(number: int, line: str, invocation: Invocation, lookup: Lookup) -> Optional[Finding]:
    server = wsgi_target.server_of(invocation)
    if server is None:
        return None
    target = wsgi_target.application_target(*server)
    if target is None:
        return None
    module, attribute, extra_dirs = target
    dirs = list(dict.fromkeys(join_path(invocation.cwd, d) or "." for d in extra_dirs))
    found, source = lookup.module_source(module, dirs)
    shown = f"{module}:{attribute}"
    if not found:
        path = module.replace(".", "/")
        where = " or ".join(f"{join_path(d, path)}.py" for d in dirs)
        return Finding(
            reasons.PROCFILE_MISSING_APPLICATION,
            f"Procfile line {number} names a module that does not exist: {module}.",
            _block(number, line) + f"{server[0]} imports {module} to find `{attribute}`, but the app has no\n"
            f"such module (looked for {where} and in the installed\n"
            "packages), so this process would crash as soon as it starts.\n\n"
            "To fix it: name the module of your project's wsgi.py (or asgi.py),\n"
            "for example `myproject.wsgi`, as a dotted path from the directory the\n"
            "command runs in (use --chdir for a project in a subdirectory).",
        )
    if source is None:
        return None
    defined = wsgi_target.defines(source, attribute)
    if defined is None or defined:
        return None
    close = difflib.get_close_matches(attribute, wsgi_target.top_level_names(source), n=1, cutoff=0.6)
    suggestion = f"{module}:{close[0]}" if close else f"{module}:application"
    return Finding(
        reasons.PROCFILE_MISSING_APPLICATION,
        f"Procfile line {number} names an application that does not exist: {shown}.",
        _block(number, line) + f"The module {module} defines no `{attribute}`"
        + (f" (it has `{close[0]}`)" if close else "") + ",\n"
        f"so {server[0]} would fail to load the application and the process would crash.\n\n"
        f"To fix it: write {suggestion}" + (" instead." if close else " (the name startproject uses)."),
    )


def check(text: str, lookup: Lookup) -> List[Finding]:
    """Every problem of the Procfile's lines, in line order."""
    findings: List[Finding] = []
    seen: Dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        form = check_line_form(number, line)
        if form is not None:
            findings.append(form)
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        name, command = match.group(1), match.group(2)
        if name in seen:
            findings.append(Finding(
                reasons.PROCFILE_DUPLICATE_TYPE,
                f"Procfile line {number} declares `{name}` again (first on line {seen[name]}).",
                _block(number, line) + "Heroku keeps only the last line of a type, so the earlier one is\n"
                "ignored.\n\nTo fix it: keep one line per process type.",
            ))
        seen[name] = number
        typo = check_type(number, line, name, command)
        if typo is not None:
            findings.append(typo)
        for invocation in invocations(command) or []:
            problem = (check_program(number, line, invocation, lookup) or check_script(number, line, invocation, lookup)
                       or check_target(number, line, invocation, lookup)
                       or (check_web_port(number, line, invocation) if name == "web" else None))
            if problem is not None:
                findings.append(problem)
                break
    return findings


def check_web_port(number: int, line: str, invocation: Invocation) -> Optional[Finding]:
    """The web process must listen on 0.0.0.0:$PORT, or the router never reaches it."""
    wrong = wrong_place(invocation)
    if wrong is None:
        return None
    return Finding(
        reasons.PROCFILE_WEB_PORT,
        f"Procfile line {number}: the web process listens on {wrong.listens_on}, not on $PORT.",
        _block(number, line)
        + "Heroku's router sends requests to the port in $PORT (another one at\n"
        "each dyno start), on any interface. A web process listening elsewhere\n"
        "is never reached, and Heroku stops it after 60 seconds (R10, boot\n"
        "timeout).\n\n"
        f"To fix it: write `{wrong.fix}` in the line instead.",
    )


def shown_findings(findings: List[Finding]) -> Tuple[List[Finding], int]:
    """The findings to print in full, and how many more there are (a huge Procfile makes a short log)."""
    return findings[:MAX_FINDINGS_SHOWN], max(0, len(findings) - MAX_FINDINGS_SHOWN)


def misnamed_procfile(build_dir: Path) -> Optional[Finding]:
    """No Procfile, but a file named like one: Heroku would read none of its commands."""
    found = misnamed_files.near_misses(os.listdir(build_dir), PROCFILE)
    if not found:
        return None
    return Finding(
        reasons.PROCFILE_MISNAMED,
        f"{quote(found[0])} is not read: the name is Procfile.",
        f"The app's root directory holds {quote(found[0])}, which looks like a\n"
        "Procfile named another way. Heroku reads process types only from a\n"
        "file named exactly Procfile (capital P, no extension), so none of its\n"
        "commands would run; the buildpack's defaults are used instead.\n\n"
        "To fix it:\n"
        f"1. Rename it: {misnamed_files.rename_command(found[0], PROCFILE)}\n"
        "2. Commit and deploy again.",
    )


def report(build_dir: Path, python_home: Path) -> List[Finding]:
    """The warnings for the app's own Procfile: how it reads, then each line; a bounded number shown."""
    found = read(build_dir)
    if not found.exists:
        misnamed = misnamed_procfile(build_dir)
        if misnamed is not None:
            output.warning(misnamed.title, misnamed.body, DOCS_PROCFILE)
        return [misnamed] if misnamed is not None else []
    findings = [found.problem] if found.problem is not None else []
    if found.text:
        findings += check(found.text, filesystem_lookup(build_dir, python_home))
    shown, more = shown_findings(findings)
    for finding in shown:
        output.warning(finding.title, finding.body, DOCS_PROCFILE)
    if more:
        output.warning(
            f"The Procfile has {more} more problems like these (not shown).",
            "Only the first few are quoted, to keep the log readable.\n\n"
            "To fix it: correct the lines above, then build again to see the rest.",
            DOCS_PROCFILE,
        )
    return findings
