"""The contract every user-facing error, warning and note block keeps.

- Title: one sentence, ending in '.'; the title line fits the log (<= 78 columns
  once rendered, values counted as one character).
- Body: prose wrapped to fit 78 columns once rendered (71 characters after the
  ` !     ` prefix). Only indented example lines (commands, code) may run longer.
- Wording: "To fix it:" (never "To fix this", "To fix it,"), "Could not" (never
  "Couldn't").
- A documentation link where the Dev Center has a page for it (errors.DOCS_*).

The sites are found by reading the source, so an error or warning added anywhere
in lib/buildpack is covered without touching this file:
- every BuildpackError subclass, discovered by importing every module;
- every call that constructs one (and fetch's `_error(Class, title, body)`);
- every output.warning / output.error / output.note call;
- the (title, body) pairs that become blocks later: Finding, Failure, and tuples
  whose first element reads like a title.
Titles and bodies held in a local variable are followed to its assignments in
the same function. The dynamic half renders real messages from the pure
functions and checks the whole block.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

import buildpack
from buildpack import errors, output
from buildpack.dependencies import failures
from buildpack.django import collectstatic_failures
from buildpack.errors import BuildpackError, PythonVersionError, StackUnknownError
from buildpack.python import stacks, version_files, versions

LIB = Path(buildpack.__file__).resolve().parent
MAX_COLUMNS = 78
BODY_COLUMNS = MAX_COLUMNS - len(output.BLOCK_PREFIX)
PLACEHOLDER = "X"  # a value interpolated into a message, counted as one character
BLOCK_FUNCTIONS = {"warning", "error", "note"}
PAIR_CONSTRUCTORS = {"Finding": 1, "Failure": 1, "Diagnosis": 0}  # class name -> index of the title argument
FORBIDDEN = ("To fix this", "To fix it,", "Couldn't", "couldn't")
KNOWN_PAGES = {value for name, value in vars(errors).items() if name.startswith("DOCS_")}

# The error classes with a Dev Center page. A class missing here may have none
# (None); an error class that names a page must name one of errors.DOCS_*.
EXPECTED_DOCS = {
    "PythonVersionError": errors.DOCS_PYTHON_VERSION,
    "StackUnknownError": errors.DOCS_STACKS,
    "DependenciesError": errors.DOCS_PIP,
    "CollectstaticError": errors.DOCS_STATIC_ASSETS,
}


def error_classes() -> List[type]:
    for module in pkgutil.walk_packages(buildpack.__path__, "buildpack."):
        importlib.import_module(module.name)
    found: List[type] = []
    pending = [BuildpackError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


ERROR_CLASSES = error_classes()
ERROR_NAMES = {cls.__name__ for cls in ERROR_CLASSES}


# --- Reading the sites from the source -------------------------------------------------------


@dataclass
class Site:
    where: str  # path:line
    kind: str  # the called name: PythonVersionError, warning, Finding, tuple ...
    titles: List[str]  # static renderings (a variable may be assigned several times)
    bodies: List[str]
    has_docs: bool


def render(node: Optional[ast.AST]) -> Optional[str]:
    """The static text of a string expression, values as PLACEHOLDER; None when not a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else PLACEHOLDER for v in node.values)
    if isinstance(node, ast.IfExp):  # the longer of the two wordings
        both = [text for text in (render(node.body), render(node.orelse)) if text is not None]
        return max(both, key=lambda text: max(len(line) for line in text.split("\n"))) if both else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = render(node.left), render(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else PLACEHOLDER) + (right if right is not None else PLACEHOLDER)
    return None


class Scope(ast.NodeVisitor):
    """Collects the message sites of one module, function by function."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sites: List[Site] = []
        self.assignments: Dict[str, List[ast.AST]] = {}

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer = self.assignments
        self.assignments = {}
        for child in ast.walk(node):
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self.assignments.setdefault(target.id, []).append(child.value)
        self.generic_visit(node)
        self.assignments = outer

    def texts(self, node: Optional[ast.AST]) -> List[str]:
        """Every static rendering of an argument (a variable: each of its assignments)."""
        if isinstance(node, ast.Name):
            rendered = [render(value) for value in self.assignments.get(node.id, [])]
            return [text for text in rendered if text is not None]
        text = render(node)
        return [] if text is None else [text]

    def add(self, node: ast.AST, kind: str, title: Optional[ast.AST], body: Optional[ast.AST],
            has_docs: bool) -> None:
        where = f"{self.path}:{getattr(node, 'lineno', '?')}"
        self.sites.append(Site(where, kind, self.texts(title), self.texts(body), has_docs))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        args = list(node.args)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        is_block = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "output" and name in BLOCK_FUNCTIONS)
        if name == "_error" and len(args) >= 3:
            self.add(node, name, args[1], args[2], False)
        elif name in ERROR_NAMES and not (args and isinstance(args[0], ast.Starred)):
            title = args[0] if args else keywords.get("title")
            body = args[1] if len(args) > 1 else keywords.get("body")
            self.add(node, name, title, body, len(args) > 3 or "docs" in keywords)
        elif is_block and args and isinstance(args[0], ast.Starred):
            # output.warning(*pair, docs=...): the pair is checked where it is built.
            self.add(node, name, None, None, "docs" in keywords)
        elif is_block and args:
            body = args[1] if len(args) > 1 else keywords.get("body")
            self.add(node, name, args[0], body, len(args) > 2 or "docs" in keywords)
        elif name in PAIR_CONSTRUCTORS and len(args) > PAIR_CONSTRUCTORS[name] + 1:
            index = PAIR_CONSTRUCTORS[name]
            self.add(node, name, args[index], args[index + 1], False)
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        if len(node.elts) == 2:
            title = render(node.elts[0])
            if title and title[:1].isupper() and title.rstrip().endswith((".", PLACEHOLDER)) and " " in title:
                self.add(node, "tuple", node.elts[0], node.elts[1], False)
        self.generic_visit(node)


def all_sites() -> List[Site]:
    sites: List[Site] = []
    for path in sorted(LIB.rglob("*.py")):
        if "scripts" in path.parts:
            continue  # probes run in the app's python: they print JSON, not blocks
        scope = Scope(str(path.relative_to(LIB)))
        scope.visit(ast.parse(path.read_text(encoding="utf-8")))
        sites.extend(scope.sites)
    return sites


SITES = all_sites()


def title_problems(title: str, kind: str = "Warning", check_width: bool = True) -> List[str]:
    problems = []
    stripped = title.rstrip()
    if not stripped.endswith("."):
        problems.append("does not end with '.'")
    if re.search(r"[.!?]\s+[A-Z]", stripped[:-1]):
        problems.append("is more than one sentence")
    if "\n" in title:
        problems.append("spans lines")
    rendered = output.format_block(kind, title).strip("\n").splitlines()[0]
    if check_width and len(rendered) > MAX_COLUMNS:
        problems.append(f"renders {len(rendered)} columns wide")
    return problems


def is_example(line: str) -> bool:
    """An indented command or code line: breaking it would break the example."""
    return line.startswith("   ") and bool(line.strip())


def body_problems(body: str, check_width: bool = True) -> List[str]:
    problems = [f"says {word!r}" for word in FORBIDDEN if word in body]
    for match in re.finditer(r"To fix\b[^\n]{0,4}", body):
        if not match.group().startswith("To fix it:"):
            problems.append(f"says {match.group()!r} (write 'To fix it:')")
    for line in body.splitlines():
        if check_width and len(line) > BODY_COLUMNS and not is_example(line):
            problems.append(f"has a {len(line)}-character line: {line!r}")
    return problems


# --- The static half: every site in the source -------------------------------------------------


def test_the_source_has_message_sites_of_every_kind():
    kinds = {site.kind for site in SITES}
    assert {"PythonVersionError", "warning", "note", "error", "_error", "Finding", "Failure", "tuple"} <= kinds
    assert len(SITES) > 80


@pytest.mark.parametrize("site", [s for s in SITES if s.titles], ids=lambda s: f"{s.where}:{s.kind}")
def test_every_title_is_one_sentence_that_fits(site):
    kind = "Warning" if site.kind in ("warning", "tuple", "Finding") else "Note" if site.kind == "note" else "Error"
    for title in site.titles:
        assert title_problems(title, kind) == [], f"{site.where}: {title!r}: {title_problems(title, kind)}"


@pytest.mark.parametrize("site", [s for s in SITES if s.bodies], ids=lambda s: f"{s.where}:{s.kind}")
def test_every_body_fits_and_says_to_fix_it_the_same_way(site):
    for body in site.bodies:
        assert body_problems(body) == [], f"{site.where}: {body_problems(body)}"


def test_no_fragment_of_a_message_uses_the_other_wordings():
    """Text assembled from pieces (helpers, tables) is checked where it is written."""
    for path in sorted(LIB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = render(node)
            if text:
                assert not [word for word in FORBIDDEN if word in text], f"{path.relative_to(LIB)}:{node.lineno}"


def test_every_error_class_has_a_reason_slug_and_a_known_page():
    for cls in ERROR_CLASSES:
        assert re.fullmatch(r"[a-z-]+::[a-z-]+", cls.reason), cls.__name__
        assert cls.docs is None or cls.docs in KNOWN_PAGES, cls.__name__
        assert cls.__name__.endswith("Error"), cls.__name__


@pytest.mark.parametrize("name, url", sorted(EXPECTED_DOCS.items()))
def test_error_classes_with_a_page_link_to_it(name, url):
    (cls,) = [cls for cls in ERROR_CLASSES if cls.__name__ == name]
    assert cls.docs == url


def test_the_documentation_pages_are_dev_center_articles():
    assert KNOWN_PAGES
    for url in KNOWN_PAGES:
        assert re.fullmatch(r"https://devcenter\.heroku\.com/articles/[a-z0-9-]+", url), url


@pytest.mark.parametrize("where", [
    "python/versions.py", "dependencies/pip_compile.py", "app/processes.py", "django/collectstatic.py",
    "compile.py", "django/settings_advice.py",
])
def test_warnings_with_a_page_link_to_it(where):
    warnings = [s for s in SITES if s.where.startswith(where + ":") and s.kind in ("warning", "note")]
    assert warnings
    assert all(s.has_docs for s in warnings), [s.where for s in warnings if not s.has_docs]


# --- The dynamic half: real messages, rendered whole ------------------------------------------


def blocks() -> Iterator[Tuple[str, str, str, Optional[str]]]:
    """(case, title, body, docs) for messages the pure functions really produce.

    Version and stack messages hold only short values, so their rendered lines
    must fit; collectstatic's quote the app's paths and names, as long as they are.
    """
    for text in ["python 3.12", "python-3", "3.12", "python-3.12\n# pinned", "python-3.12 python-3.13", "",
                 "python-3.12.x", "python-3.13t", "\x00\x01", "pypy3.10", "python->=3.10", "python-3.14rc1",
                 "# nothing"]:
        with pytest.raises(PythonVersionError) as caught:
            version_files.parse_runtime_txt(text)
        yield f"runtime.txt {text!r}", caught.value.title, caught.value.body, caught.value.docs
    for text in ["python-3.12", "3.12 3.13", "system", "3", "3.12.x", "# only a comment", "3.12 # pinned"]:
        with pytest.raises(PythonVersionError) as caught:
            version_files.parse_python_version_file(text)
        yield f".python-version {text!r}", caught.value.title, caught.value.body, caught.value.docs
    available = ["3.9.21", "3.10.16", "3.11.11", "3.12.8", "3.12.9", "3.13.1"]
    for request in ["python-2.7", "python-3.7.17", "python-3.15", "python-3.12.3", "python-3.12.99"]:
        with pytest.raises(PythonVersionError) as caught:
            versions.choose(version_files.Requests(version_files.parse_runtime_txt(request)), available)
        yield f"choose {request}", caught.value.title, caught.value.body, caught.value.docs
    both = version_files.Requests(version_files.parse_runtime_txt("python-3.12"),
                                  version_files.parse_python_version_file("3.13"))
    for title, body in versions.choose(both, available).notes:
        yield "runtime.txt and .python-version disagree", title, body, errors.DOCS_PYTHON_VERSION
    for previous in ["3.12.1", "3.8.20"]:
        for title, body in versions.choose(version_files.Requests(), available, previous).notes:
            yield f"previous {previous}", title, body, errors.DOCS_PYTHON_VERSION
    for version, source in [("3.9.21", "runtime.txt"), ("3.10.16", ".python-version"), ("3.8.20", "default"),
                            ("3.14.0", ".python-version")]:
        warning = versions.eol_warning(version, date(2026, 9, 1), source, "3.13")
        if warning:
            yield f"end of life {version}", warning[0], warning[1], errors.DOCS_PYTHON_SUPPORT
    for name in ["", "heroku-18", "heroku-99"]:
        with pytest.raises(StackUnknownError) as caught:
            stacks.stack_info(name)
        yield f"stack {name!r}", caught.value.title, caught.value.body, caught.value.docs
    stack_warning = stacks.check_stack("heroku-20", date(2026, 1, 1))
    assert stack_warning is not None
    yield "stack heroku-20", stack_warning[0], stack_warning[1], errors.DOCS_STACKS
    requests = version_files.Requests(misspelled=("runtime.text",), elsewhere=("app/runtime.txt",))
    for title, body in version_files.request_warnings(requests):
        yield f"version files {title}", title, body, errors.DOCS_PYTHON_VERSION
    outputs = Path(__file__).parent / "collectstatic_outputs"
    for sample in sorted(outputs.glob("*.txt")):
        failure = collectstatic_failures.classify(sample.read_text().splitlines(), "/tmp/build_abc",
                                                  settings_module="mysite.settings", app_modules={"mysite"})
        yield f"collectstatic {sample.name} (unbounded)", failure.title, failure.body, errors.DOCS_STATIC_ASSETS
    # The installers' recorded outputs: their paths and requirement lines are as long as they are.
    for sample in sorted((Path(__file__).parent / "dependency_outputs").glob("*.txt")):
        explained = failures.classify(sample.read_text(), "3.11.7", {})
        if explained is not None:
            yield f"dependencies {sample.name} (unbounded)", explained.title, explained.body, errors.DOCS_PIP


BLOCKS = list(blocks())


def test_the_dynamic_cases_cover_the_main_failures():
    assert len(BLOCKS) > 40


@pytest.mark.parametrize("case, title, body, docs", BLOCKS, ids=[block[0] for block in BLOCKS])
def test_real_messages_keep_the_contract(case, title, body, docs):
    # The user's values (module names, versions) make a real title as long as they are.
    assert title_problems(title, "Error", check_width=False) == []
    rendered = output.format_block("Error", title, body, docs)
    lines = rendered.strip("\n").splitlines()[1:]  # the title line has its own rule
    prose = [line for line in lines if not is_example(line[len(output.BLOCK_PREFIX):])]
    # The app's own output quoted in a block (a traceback) keeps its width.
    quoted = {line for line in body.splitlines() if line.startswith(("  ", "Traceback", "File "))}
    too_wide = [line for line in prose if len(line) > MAX_COLUMNS and line[len(output.BLOCK_PREFIX):] not in quoted]
    if "(unbounded)" not in case:
        assert too_wide == []
    own_text = "\n".join(line for line in body.splitlines() if line not in quoted)
    assert body_problems(own_text, check_width="(unbounded)" not in case) == []
    assert rendered.rstrip().endswith(docs) if docs else True
    assert docs is None or docs in KNOWN_PAGES
