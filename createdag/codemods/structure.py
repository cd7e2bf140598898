"""``--check``: what each original file's DAGs are, read statically (dag_ids, task_ids,
operator classes, dependencies, main arguments), compared with what the installed Airflow
loads from the migrated file. What the source does not say plainly (a task made in a loop, a
task_id computed) is compared as far as it resolves: the DAG is then ``partial``."""

from __future__ import annotations

import ast
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from createdag.codemods import tables
from createdag.codemods.base import Rule

if TYPE_CHECKING:
    from createdag.migrate import Outcome

CHECK_FAILED = Rule("AIR3-check-load", "blocker", "--check: the migrated file does not load in the installed Airflow")
CHECK_CHANGED = Rule(
    "AIR3-check-structure",
    "blocker",
    "--check: a DAG's dag_id, task_ids, dependencies, operators or main arguments would change",
)

_RENAMED = {old.rpartition(".")[2]: new.rpartition(".")[2] for old, new in tables.MOVED_NAMES.items()}


@dataclass
class StaticDag:
    dag_id: str
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)
    partial: bool = False


def _short(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _const(node: ast.expr | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else ...


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_dag(call: ast.Call) -> bool:
    return _short(call.func) in ("DAG", "dag")


def read(source: str) -> dict[str, StaticDag]:
    """The DAGs of a source, as far as they can be read without running it."""
    tree = ast.parse(source)
    dags: dict[str, StaticDag] = {}
    by_var: dict[str, str] = {}
    tasks: dict[str, tuple[str, str]] = {}  # variable -> (dag_id, task_id)
    unresolved: list[str] = []

    def dag_of(call: ast.Call, default: str | None) -> str | None:
        given = _kw(call, "dag")
        if isinstance(given, ast.Name) and given.id in by_var:
            return by_var[given.id]
        return default if default is not None else (next(iter(dags)) if len(dags) == 1 else None)

    def visit(node: ast.AST, current: str | None, loop: bool) -> None:
        if isinstance(node, ast.With):
            inner = current
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and _is_dag(call):
                    dag_id = _const(_kw(call, "dag_id") or (call.args[0] if call.args else None))
                    if isinstance(dag_id, str):
                        dags.setdefault(dag_id, StaticDag(dag_id, partial=loop))
                        inner = dag_id
                        if isinstance(item.optional_vars, ast.Name):
                            by_var[item.optional_vars.id] = dag_id
                    else:
                        unresolved.append("dag")
            for statement in node.body:
                visit(statement, inner, loop)
            return
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                decorator = deco if isinstance(deco, ast.Call) else None
                if (decorator and _is_dag(decorator)) or (isinstance(deco, ast.Name) and deco.id == "dag"):
                    dag_id = _const(_kw(decorator, "dag_id")) if decorator else ...
                    dag_id = dag_id if isinstance(dag_id, str) else node.name
                    dags.setdefault(dag_id, StaticDag(dag_id, partial=True))
                    for statement in node.body:
                        visit(statement, dag_id, loop)
                    return
            for statement in node.body:
                visit(statement, current, True)
            return
        if isinstance(node, ast.For | ast.While | ast.ListComp | ast.DictComp | ast.GeneratorExp | ast.SetComp):
            for child in ast.iter_child_nodes(node):
                visit(child, current, True)
            return
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if _is_dag(call):
                dag_id = _const(_kw(call, "dag_id") or (call.args[0] if call.args else None))
                if isinstance(dag_id, str):
                    dags.setdefault(dag_id, StaticDag(dag_id, partial=loop))
                    by_var.update(dict.fromkeys(names, dag_id))
                else:
                    unresolved.append("dag")
                return
            task = _task(call, current, loop)
            if task:
                tasks.update(dict.fromkeys(names, task))
                return
        if isinstance(node, ast.Expr):
            _edges(node, dags, tasks)
        if isinstance(node, ast.Call):
            _task(node, current, loop)
        for child in ast.iter_child_nodes(node):
            visit(child, current, loop)

    def _task(call: ast.Call, current: str | None, loop: bool) -> tuple[str, str] | None:
        short = _short(call.func)
        if not (short.endswith(("Operator", "Sensor")) and short[:1].isupper()):
            return None
        dag_id = dag_of(call, current)
        task_id = _const(_kw(call, "task_id"))
        if dag_id is None or dag_id not in dags:
            return None
        if not isinstance(task_id, str) or loop:
            dags[dag_id].partial = True
            return None
        found = {"class": _RENAMED.get(short, short)}
        for name in ("image", "namespace"):
            value = _const(_kw(call, name))
            if isinstance(value, str) and "{{" not in value:
                found[name] = value
        dags[dag_id].tasks[task_id] = found
        return dag_id, task_id

    for statement in tree.body:
        visit(statement, None, False)
    if unresolved:
        for dag in dags.values():
            dag.partial = True
    if "TaskGroup" in source or "task_group" in source:
        for dag in dags.values():
            dag.partial = True
    return dags


def _edges(statement: ast.Expr, dags: dict[str, StaticDag], tasks: dict[str, tuple[str, str]]) -> None:
    """The dependencies one statement sets (``a >> [b, c]``, ``a.set_downstream(b)``, ``chain(a, b)``),
    read with the task variables bound at that point of the file."""

    def side(node: ast.expr) -> list[tuple[str, str]] | None:
        if isinstance(node, ast.Name):
            return [tasks[node.id]] if node.id in tasks else None
        if isinstance(node, ast.List | ast.Tuple):
            found = [side(e) for e in node.elts]
            return None if any(f is None for f in found) else [t for f in found for t in f or ()]
        return None

    def chain(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            return [*chain(node.left), node.right]
        return [node]

    for node in (statement, statement.value):
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
            if isinstance(node.value.op, ast.RShift):
                parts = chain(node.value)
                pairs = list(itertools.pairwise(parts))
            elif isinstance(node.value.op, ast.LShift):
                pairs = [(node.value.right, node.value.left)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr == "set_downstream":
                pairs = [(node.func.value, node.args[0])]
            elif node.func.attr == "set_upstream":
                pairs = [(node.args[0], node.func.value)]
        elif isinstance(node, ast.Call) and _short(node.func) == "chain":
            pairs = list(zip(node.args, node.args[1:], strict=False))
        for up, down in pairs:
            ups, downs = side(up), side(down)
            if ups is None or downs is None:
                for dag in dags.values():
                    dag.partial = True
                continue
            for u_dag, u in ups:
                for d_dag, d in downs:
                    if u_dag == d_dag:
                        dags[u_dag].edges.add((u, d))


def compare(static: dict[str, StaticDag], loaded: dict[str, Any]) -> list[str]:
    """What differs between the original's DAGs and the loaded migrated ones (empty: the same)."""
    problems = []
    for dag_id, dag in static.items():
        got = loaded.get(dag_id)
        if got is None:
            problems.append(f"DAG {dag_id!r} is not in the migrated file")
            continue
        tasks = got["tasks"]
        edges = {tuple(e) for e in got["edges"]}
        if not dag.partial and set(tasks) != set(dag.tasks):
            problems.append(f"DAG {dag_id!r}: task_ids {sorted(dag.tasks)} became {sorted(tasks)}")
        for task_id, expected in dag.tasks.items():
            name = task_id if task_id in tasks else next((t for t in tasks if t.endswith(f".{task_id}")), None)
            if name is None:
                problems.append(f"DAG {dag_id!r}: task {task_id!r} is missing")
                continue
            for key, value in expected.items():
                if tasks[name].get(key) != value:
                    problems.append(
                        f"DAG {dag_id!r}, task {task_id!r}: {key} {value!r} became {tasks[name].get(key)!r}"
                    )
        missing = dag.edges - edges
        if missing:
            problems.append(f"DAG {dag_id!r}: dependencies {sorted(missing)} are gone")
        if not dag.partial and edges - dag.edges:
            problems.append(f"DAG {dag_id!r}: new dependencies {sorted(edges - dag.edges)}")
    return problems


def load(dags_dir: Path, files: list[Path]) -> dict[str, Any]:
    """Each file loaded by the installed Airflow in a process of its own (``codemods.load``)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "createdag.codemods.load", str(dags_dir), *map(str, files)],
        # ``-m`` puts the working folder first on sys.path: the copy's parent, so that a repo-rooted
        # import (``dags.hooks...``) finds the migrated copy, never the user's files where they ran it
        cwd=dags_dir.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {str(f.resolve()): {"error": f"loading failed: {tail}", "dags": {}} for f in files}


def check(result: Outcome, root: Path) -> None:
    """Load the migrated files from a copy of the dags folder; block each that fails or changes."""
    from createdag.create import install_alerts_module

    changed = [o for o in result.files if o.changed]
    if not changed:
        return
    root = root.resolve()
    with tempfile.TemporaryDirectory(prefix="createdag-check-") as tmp:
        copy = Path(tmp) / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", ".create_dag"))
        targets = {}
        for outcome in result.files:
            if not outcome.changed or not outcome.path.resolve().is_relative_to(root):
                continue
            target = copy / outcome.path.resolve().relative_to(root)
            assert outcome.result.new_source is not None
            target.write_text(outcome.result.new_source, encoding="utf-8")
            targets[outcome.path] = target
        install_alerts_module(copy)
        loaded = load(copy, list(targets.values()))
        for outcome in changed:
            written = targets.get(outcome.path)
            if written is None:
                continue
            try:
                static = read(outcome.result.source)
            except SyntaxError:
                continue
            if not static:
                continue  # a helper module: loaded through the files that import it
            got = loaded.get(str(written.resolve()), {"error": "not loaded", "dags": {}})
            if got["error"]:
                outcome.block(
                    CHECK_FAILED,
                    1,
                    f"the migrated file does not load in the installed Airflow: {got['error']}: left as it is",
                )
                continue
            for problem in compare(static, got["dags"]):
                outcome.block(CHECK_CHANGED, 1, f"{problem}: left as it is")
