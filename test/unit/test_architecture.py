"""The shape of lib/buildpack, checked from its source so that it stays as the folders say.

- No import cycle.
- The folders are the stages of a build, in order: source/, python/,
  dependencies/, django/, app/. A stage imports the shared plumbing (the top-level modules),
  its own folder and earlier stages, never a later one.
- The plumbing imports only plumbing; nothing imports an entry module.
- Only `commands` runs subprocesses, only `cli` reads os.environ, only `output`
  writes to the terminal (and detect/release, whose stdout is the platform's
  protocol: the app's name, the release YAML).
The probes under scripts/ run in the app's own python and are not part of it.

tools/localheroku, the local platform the integration tests build with, is checked the same way:
no import cycle, its layers (LOCALHEROKU_LAYERS) imported only downward, and only its `cli`
reads os.environ (everything below takes the host's environment as an argument).
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import buildpack

LIB = Path(buildpack.__file__).resolve().parent
STAGES = ["source", "python", "dependencies", "django", "app"]
ENTRY_MODULES = {"cli", "compile", "detect", "release", "heroku_ci"}
TERMINAL_WRITERS = {"output", "detect", "release"}


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(part for part in parts if part != "__init__") or "__init__"


def sources() -> Dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(LIB.rglob("*.py")) if "scripts" not in path.parts}


SOURCES = sources()


def imports(tree: ast.Module) -> Set[str]:
    """The buildpack modules a module imports, named relative to the package."""
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "buildpack":
            base = node.module[len("buildpack."):] if node.module != "buildpack" else ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                found.add(candidate if candidate in SOURCES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name[len("buildpack."):] for alias in node.names if alias.name.startswith("buildpack."))
    return {name for name in found if name}


GRAPH = {name: imports(tree) for name, tree in SOURCES.items()}


def stage(name: str) -> int:
    """-1 for the plumbing and the entry modules, else the stage's position."""
    top = name.split(".")[0]
    return STAGES.index(top) if top in STAGES and "." in name else -1


def test_the_graph_is_read():
    assert {"compile", "cli", "output", "python.versions", "dependencies.pip", "django.project"} <= set(GRAPH)
    assert "python.versions" in GRAPH["compile"]


def test_no_import_cycle():
    visiting: List[str] = []
    done: Set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, " -> ".join(visiting[visiting.index(name):] + [name])
        if name in done:
            return
        visiting.append(name)
        for dependency in GRAPH.get(name, ()):
            visit(dependency)
        visiting.pop()
        done.add(name)

    for name in GRAPH:
        visit(name)


def test_a_stage_never_imports_a_later_stage_or_an_entry_module():
    for name, dependencies in GRAPH.items():
        if stage(name) < 0:
            continue
        for dependency in dependencies:
            assert dependency not in ENTRY_MODULES, f"{name} imports the entry module {dependency}"
            assert stage(dependency) <= stage(name), f"{name} imports {dependency}, a later stage"


def test_the_plumbing_imports_only_plumbing():
    for name, dependencies in GRAPH.items():
        if stage(name) >= 0 or name in ENTRY_MODULES:
            continue
        later = sorted(d for d in dependencies if stage(d) >= 0 or d in ENTRY_MODULES)
        assert later == [], f"{name} (plumbing) imports {later}"


def test_nothing_imports_an_entry_module():
    for name, dependencies in GRAPH.items():
        assert not (dependencies & ENTRY_MODULES) or name == "cli", f"{name} imports {dependencies & ENTRY_MODULES}"


def attribute_uses(tree: ast.Module, owner: str, attribute: str) -> int:
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == attribute
               and isinstance(node.value, ast.Name) and node.value.id == owner)


def test_only_commands_runs_subprocesses():
    users = sorted(name for name, tree in SOURCES.items()
                   if any(isinstance(node, (ast.Import, ast.ImportFrom))
                          and ("subprocess" in [a.name for a in node.names] if isinstance(node, ast.Import)
                               else node.module == "subprocess")
                          for node in ast.walk(tree)))
    assert users == ["commands"]


def test_only_cli_reads_the_environment():
    readers = sorted(name for name, tree in SOURCES.items()
                     if attribute_uses(tree, "os", "environ") or attribute_uses(tree, "os", "getenv"))
    assert readers == ["cli"], "take the host environment as an argument (host_env), as builder and dyno do"


def test_only_output_writes_to_the_terminal():
    writers = set()
    for name, tree in SOURCES.items():
        prints = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
                     for node in ast.walk(tree))
        if prints or attribute_uses(tree, "sys", "stdout") or attribute_uses(tree, "sys", "stderr"):
            writers.add(name)
    assert writers <= TERMINAL_WRITERS, sorted(writers - TERMINAL_WRITERS)
    assert "output" in writers


# tools/localheroku, bottom up. A module imports its own layer and the ones below, never one above.
LOCALHEROKU = Path(__file__).resolve().parents[2] / "tools" / "localheroku"
LOCALHEROKU_LAYERS = [
    {"contract", "stacks"},                                              # Heroku's contract, the stack table
    {"files", "procfile", "images", "runtimes", "configstore", "appsource"},  # host files, parsers, recipes
    {"runners", "runners.base", "runners.sandbox", "runners.container"},  # where a script runs
    {"builder", "dyno", "router"},                                       # a build, the dynos, the router
    {"cli", "__init__", "__main__"},                                     # the command line, the package's API
]


def localheroku_sources() -> Dict[str, ast.Module]:
    return {".".join(part for part in path.relative_to(LOCALHEROKU).with_suffix("").parts
                     if part != "__init__") or "__init__": ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(LOCALHEROKU.rglob("*.py"))}


LOCALHEROKU_SOURCES = localheroku_sources()


def localheroku_imports(tree: ast.Module) -> Set[str]:
    """The localheroku modules a module imports, named relative to the package."""
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "localheroku":
            base = node.module[len("localheroku."):] if node.module != "localheroku" else ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                found.add(candidate if candidate in LOCALHEROKU_SOURCES else base or "__init__")
        elif isinstance(node, ast.Import):
            found.update(alias.name[len("localheroku."):] for alias in node.names
                         if alias.name.startswith("localheroku."))
    return found


LOCALHEROKU_GRAPH = {name: localheroku_imports(tree) for name, tree in LOCALHEROKU_SOURCES.items()}


def localheroku_layer(name: str) -> int:
    return next(index for index, layer in enumerate(LOCALHEROKU_LAYERS) if name in layer)


def test_localheroku_graph_is_read_and_every_module_has_a_layer():
    assert {"builder", "dyno", "cli", "runners.container", "contract"} <= set(LOCALHEROKU_GRAPH)
    assert "runners" in LOCALHEROKU_GRAPH["builder"] and "contract" in LOCALHEROKU_GRAPH["runners.sandbox"]
    placed = set().union(*LOCALHEROKU_LAYERS)
    assert sorted(set(LOCALHEROKU_GRAPH) - placed) == [], "a new module: give it a layer in LOCALHEROKU_LAYERS"
    assert sorted(placed - set(LOCALHEROKU_GRAPH)) == [], "a layer names a module that is gone"


def test_localheroku_has_no_import_cycle():
    visiting: List[str] = []
    done: Set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, " -> ".join(visiting[visiting.index(name):] + [name])
        if name in done:
            return
        visiting.append(name)
        for dependency in LOCALHEROKU_GRAPH.get(name, ()):
            visit(dependency)
        visiting.pop()
        done.add(name)

    for name in LOCALHEROKU_GRAPH:
        visit(name)


def test_localheroku_imports_only_its_own_layer_and_the_ones_below():
    upward = sorted(f"{name} imports {dependency}" for name, dependencies in LOCALHEROKU_GRAPH.items()
                    for dependency in dependencies if localheroku_layer(dependency) > localheroku_layer(name))
    assert upward == []



def test_only_localheroku_cli_reads_the_environment():
    readers = sorted(name for name, tree in LOCALHEROKU_SOURCES.items()
                     if attribute_uses(tree, "os", "environ") or attribute_uses(tree, "os", "getenv"))
    assert readers == ["cli"], "take the host environment as an argument (host_env), as builder and dyno do"
