"""The modules of createdag form layers: no import cycle, and a core that imports nothing above it.

The import graph is read from source (``ast``), imports inside functions
included: an import moved into a function body to dodge a cycle at load
time is still the same dependency, and still a cycle. Imports under
``if TYPE_CHECKING:`` are left out: they never run, and only name types
(the question table's checks take the ``Settings`` that sit above them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "createdag"
#: The core: what an option is (its kind, its checks of one value, the schedule and image
#: rules, errors). It imports only from itself, never a reader, writer or command.
CORE = frozenset({"errors", "kinds", "validators", "modules", "schedule", "images", "identity"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _typing_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module of createdag it imports: the line of the first such import}."""
    files = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        skipped = _typing_only(tree)
        edges: dict[str, int] = {}
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                if target in files and target != name and target != "createdag":
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _described(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    edges = [
        f"{name} -> {target} (line {line})"
        for name in component
        for target, line in sorted(graph[name].items())
        if target in component
    ]
    return ", ".join(component) + ": " + "; ".join(edges)


def test_no_import_cycle_among_createdag_modules_counting_imports_inside_functions() -> None:
    graph = import_graph()
    assert "createdag.questions" in graph and graph["createdag.answers"]  # the graph was read
    found = cycles(graph)
    assert not found, "import cycles: " + " | ".join(_described(graph, c) for c in found)


def test_the_core_imports_nothing_above_it() -> None:
    graph = import_graph()
    core = {f"createdag.{name}" for name in CORE}
    above = {name: sorted(set(graph[name]) - core) for name in sorted(core) if set(graph[name]) - core}
    assert not above, f"core modules importing from above the core: {above}"


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b": 1}, "b": {"a": 2}}, [["a", "b"]]),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {}}, []),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, dict[str, int]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_function_level_and_relative_imports_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "createdag"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from createdag import b\n")
    (package / "b.py").write_text("from . import a\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from createdag import a\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", package)
    graph = import_graph()
    assert cycles(graph) == [["createdag.a", "createdag.b"]]
    assert graph["createdag.c"] == {}
