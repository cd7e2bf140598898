"""Read a DAG's pod tasks and their dependencies from source, as the answers of a pipeline.

``adopt`` turns a hand-written DAG into a managed one; this module reads its
tasks: every ``KubernetesPodOperator`` of the DAG (inside ``with DAG(...)``,
in a ``@dag`` function, or given ``dag=``), ``.partial(...).expand(...)`` in
the sharded form the template writes, its pod options (the Kubernetes models
the template writes, ``k8s.V1Toleration(...)`` or imported from
``kubernetes.client.models``, and the dicts the operator also takes for
affinity, tolerations and the security context; an option left out is the
provider's default), the ``wait_for_upstream`` sensor, and the dependencies
between them (``>>``, ``<<``, ``chain``, ``cross_downstream``,
``set_upstream``/``set_downstream``). The file is parsed, never imported
(``dagsource``). What one argument's value says is read by ``pod_readers``
(``POD_READERS``, importable from here too).

The ``EmptyOperator`` the template writes after the last pods of a DAG whose
every task is mapped and that waits for no upstream DAG (``<leaf>_done``: it
gives the DAG its owner in Airflow's UI) is the template's own, as ``name=``
is: no task of the answers. It is read as such only in exactly the form and
place the template writes it; any other ``EmptyOperator`` is listed.

What it cannot read as an answer (a computed value, an argument no answer
stands for, another operator, tasks made in a loop, a dependency on an
unknown name...) is listed with its line in ``Pipeline.refused``: a record of
such a DAG would say something else than the file, so adopt refuses it.
Nothing is dropped silently.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from createdag import dagmodel, dagsource, questions
from createdag.dagsource import NOT_FOUND, DagCall, call_name, kwargs, line_of, literal, quoted, source_of
from createdag.pod_readers import (  # the readers of one argument's value, importable from here too
    INHERITED,
    KEPT_WHEN_NO_ANSWER_SAYS_IT,
    POD_ANSWER_OF,
    POD_OPTION_DEFAULTS,
    POD_READERS,
    text_value,
)
from createdag.pod_readers import (
    POD_ARGUMENT_OF as POD_ARGUMENT_OF,
)

POD = "KubernetesPodOperator"
SENSOR = "ExternalTaskSensor"
SENSOR_TASK_ID = "wait_for_upstream"
#: The task the template writes after the last pods of a DAG of mapped tasks only (no sensor).
JOIN = "EmptyOperator"
JOIN_ORIGIN = "airflow.providers.standard.operators.empty.EmptyOperator"
#: Arguments the template writes itself (the pod's name, from the dag and task ids): no answer
#: stands for them, and what the file says stays in the file (``update`` merges around it).
POD_AS_WRITTEN = frozenset({"name"})
SENSOR_AS_WRITTEN = frozenset({"allowed_states", "failed_states", "check_existence", "mode", "on_success_callback"})
#: Airflow's dependency helpers, when imported from ``airflow...``.
DEPENDENCY_FUNCTIONS = frozenset({"chain", "cross_downstream"})
#: Airflow's defaults for the sensor arguments a file may leave out.
SENSOR_TIMEOUT_SECONDS = 7 * 24 * 3600
SENSOR_POKE_SECONDS = 60


@dataclass(frozen=True)
class Unread:
    """Something in the file no answer can say: where, and what."""

    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


@dataclass(frozen=True)
class Pipeline:
    """What a DAG's tasks say, as answers, and what could not be read (in line order)."""

    #: DAG-level answers the tasks share: ``image_pull_secrets``, resources, ``namespace`` when
    #: the tasks give one, and every pod option (``POD_OPTION_DEFAULTS`` where a file leaves it out)
    defaults: dict[str, Any]
    #: ``external_*`` and ``sensor_*`` answers of the ``wait_for_upstream`` sensor; empty without one
    sensor: dict[str, Any]
    #: one dict per pod task, in file order: task_id, image, shards, cmds, arguments, env_vars,
    #: secrets, after, and the ``INHERITED`` keys and pod options where the task differs from ``defaults``
    tasks: list[dict[str, Any]]
    refused: list[Unread]
    #: each task's arguments no answer stands for, kept as written: task id -> name -> source
    carried: dict[str, dict[str, str]] = field(default_factory=dict)
    #: statements that do nothing (a bare task name, ``globals()[...] = dag``): left alone
    notes: list[Unread] = field(default_factory=list)
    #: the tasks whose file gives no ``name=``: the provider names their pods
    unnamed: list[str] = field(default_factory=list)
    #: mapped tasks: task id -> ``.expand(...)`` argument -> source, kept as written
    expand: dict[str, dict[str, str]] = field(default_factory=dict)
    #: mapped tasks: task id -> the ``.expand_kwargs(...)`` list, kept as written
    expand_kwargs: dict[str, str] = field(default_factory=dict)
    #: mapped tasks: task id -> the arguments its ``.partial(...)`` gives (and no other is written)
    partial: dict[str, list[str]] = field(default_factory=dict)
    #: task id -> (the line of its call, the line of each argument it gives)
    lines: dict[str, tuple[int, dict[str, int]]] = field(default_factory=dict)
    #: the answers read of each task refused (``refused`` says why), under ``_lines`` its lines:
    #: checked too, so that one refusal names every blocker of the file
    half_read: list[dict[str, Any]] = field(default_factory=list)

    def answers(self) -> dict[str, Any]:
        """The answers the tasks give, in the shape answers files hold (``tasks:``)."""
        return {**self.defaults, **self.sensor, "tasks": self.tasks}


def _shards(comp: ast.expr) -> tuple[int, dict[str, str]] | None:
    """The ``env_vars=`` of ``.expand(env_vars=[{"SHARD": str(shard), "SHARDS": "N", **static} for
    shard in range(N)])``, the template's parallel pods: (N, the static env), N >= 2; None for
    any other value."""
    if not (isinstance(comp, ast.ListComp) and len(comp.generators) == 1 and isinstance(comp.elt, ast.Dict)):
        return None
    loop = comp.generators[0]
    if loop.ifs or loop.is_async or not isinstance(loop.target, ast.Name):
        return None
    if not (isinstance(loop.iter, ast.Call) and dagsource.dotted(loop.iter.func) == "range"):
        return None
    count = literal(loop.iter.args[0]) if len(loop.iter.args) == 1 and not loop.iter.keywords else None
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        return None
    env: dict[str, str] = {}
    for key_node, value_node in zip(comp.elt.keys, comp.elt.values, strict=True):
        key = literal(key_node)
        if not isinstance(key, str) or key in env:
            return None
        if key == "SHARD":
            index = value_node
            is_index = (
                isinstance(index, ast.Call)
                and dagsource.dotted(index.func) == "str"
                and len(index.args) == 1
                and not index.keywords
                and isinstance(index.args[0], ast.Name)
                and index.args[0].id == loop.target.id
            )
            if not is_index:
                return None
            env[key] = ""
            continue
        value = literal(value_node)
        if not isinstance(value, str) or (key == "SHARDS" and value != str(count)):
            return None
        env[key] = value
    if "SHARD" not in env or "SHARDS" not in env:
        return None
    return count, {key: value for key, value in env.items() if key not in ("SHARD", "SHARDS")}


# --- the reader --------------------------------------------------------------------------


_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class _Pod:
    line: int
    column: int
    answers: dict[str, Any]  # task_id, image, shards, cmds, arguments, env_vars, secrets
    #: the INHERITED keys this task gives (namespace may be absent) and every pod option
    inherited: dict[str, Any]
    after: list[str] = field(default_factory=list)
    carried: dict[str, str] = field(default_factory=dict)  # argument -> its source, kept as written
    named: bool = True  # the file gives name=
    #: a mapped task's ``.expand(argument=...)``, each value kept as written (the parallel pods'
    #: ``env_vars`` excepted: those are the ``shards`` answer)
    expand: dict[str, str] = field(default_factory=dict)
    #: a mapped task's ``.expand_kwargs([...])``, kept as written
    expand_kwargs: str | None = None
    #: a mapped task's ``.partial(...)`` arguments: Airflow serializes each one given, default or not
    partial: list[str] | None = None
    #: the answers the file writes for this task (an argument read as an answer): no other is recorded
    written: set[str] = field(default_factory=set)
    #: the line of each argument the file gives (a check of its value names that line)
    lines: dict[str, int] = field(default_factory=dict)


#: The answers ``container_resources=`` gives, all of them: the file says the pod's resources.
_RESOURCES = ("cpu_request", "memory_request", "cpu_limit", "memory_limit")
#: A task's answers the reader always has a value for; recorded only when the file writes them.
_TASK_BASICS = ("shards", "cmds", "arguments", "env_vars", "secrets")

#: Arguments a mapped task cannot map: Airflow's own, and the one image create_dag writes per task.
_NOT_MAPPED = frozenset({"task_id", "dag", "image"})


@dataclass
class _Mapped:
    """What a mapped task's ``.expand(...)``/``.expand_kwargs(...)`` says."""

    shards: tuple[int, dict[str, str]] | None = None
    carried: dict[str, str] = field(default_factory=dict)
    kwargs: str | None = None


def mapped_arguments(adopted: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each mapped task of an adopted DAG's record (its ``adopted`` block) with the arguments its
    ``.expand``/``.expand_kwargs`` maps."""
    mapped = {task_id: list(given) for task_id, given in adopted.get("expand", {}).items()}
    for task_id, source in adopted.get("expand_kwargs", {}).items():
        mapped.setdefault(task_id, []).extend(sorted(expand_kwargs_names(source) or ()))
    return mapped


def expand_kwargs_names(source: str) -> set[str] | None:
    """The argument names an ``.expand_kwargs`` list of dicts gives; None unless it is one."""
    node = ast.parse(source, mode="eval").body
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    names: set[str] = set()
    for item in node.elts:
        if not isinstance(item, ast.Dict):
            return None
        for key in item.keys:
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier()):
                return None
            names.add(key.value)
    return names


@dataclass
class _Join:
    """An ``EmptyOperator(task_id=...)`` written as the template writes its join."""

    task_id: str
    line: int
    label: str
    after: set[str] = field(default_factory=set)
    before: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Refs:
    """The tasks an expression in a dependency stands for (None: a task that was not read)."""

    ids: list[str | None]
    many: bool  # a list or tuple: Python's >> is not defined between two of them


class _Reader:
    def __init__(self, tree: ast.Module, dag: DagCall) -> None:
        self.tree = tree
        self.dag = dag
        self.names_imported = dagsource.imported_names(tree)
        self.refused: list[Unread] = []
        self.notes: list[Unread] = []
        self.pods: dict[str, _Pod] = {}
        self.task_ids: set[str] = set()  # of every task read, whole or not
        self.half_read: list[dict[str, Any]] = []  # the answers read of each task refused
        self.joins: dict[str, _Join] = {}  # EmptyOperators written as the template's join, by task id
        self.sensor: dict[str, Any] | None = None
        self.sensor_line = 0
        self.tasks_by_name: dict[str, str | None] = {}  # variable -> task id (None: a task not read)
        self.dag_names: set[str] = set()
        self.seen: set[int] = set()  # ids of the nodes read or already reported
        self.edges: list[tuple[str, str, int]] = []  # (upstream, downstream, line)
        self.reached = False  # the DAG's definition was found where tasks are read
        #: the file's other DAGs, by the id of their call (and of a bare ``@dag``'s name)
        self.others: dict[int, DagCall] = {}
        for found in dagsource.dag_calls(tree):
            if found.call is not dag.call:
                self.others[id(found.call)] = self.others[id(found.call.func)] = found

    # what nodes are ------------------------------------------------------------------

    def is_ours(self, node: ast.AST) -> bool:
        """The DAG call being read (for a bare ``@dag``, the decorator name it was made from)."""
        return node is self.dag.call or node is self.dag.call.func

    def other_dag(self, node: ast.AST) -> DagCall | None:
        return self.others.get(id(node))

    def is_task(self, node: ast.AST) -> TypeGuard[ast.Call]:
        """A call that makes a task: an operator or sensor, anything given a ``task_id`` or this DAG."""
        if not isinstance(node, ast.Call):
            return False
        name = dagsource.operator_name(node)
        if name in (POD, SENSOR, "TaskGroup") or name.endswith(("Operator", "Sensor")):
            return True
        given = kwargs(node)
        dag = given.get("dag")
        return "task_id" in given or (isinstance(dag, ast.Name) and dag.id in self.dag_names)

    def dependency_function(self, node: ast.AST) -> str:
        """``chain`` or ``cross_downstream`` when the call is Airflow's; '' otherwise."""
        if not isinstance(node, ast.Call):
            return ""
        where = dagsource.origin(node.func, self.names_imported)
        name = where.rsplit(".", 1)[-1]
        return name if where.startswith("airflow.") and name in DEPENDENCY_FUNCTIONS else ""

    @staticmethod
    def is_set_call(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("set_upstream", "set_downstream")
        )

    @staticmethod
    def is_shift(node: ast.AST) -> bool:
        return isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift | ast.LShift)

    def is_dependency(self, node: ast.AST) -> bool:
        return self.is_shift(node) or self.is_set_call(node) or bool(self.dependency_function(node))

    def task_decorated(self, node: ast.AST) -> bool:
        """``@task``, ``@task.kubernetes(...)``, ``@task_group``: tasks create_dag does not write."""
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            root = dagsource.dotted(target).split(".")[0]
            if root in ("task", "task_group") or call_name(deco) in ("task", "task_group"):
                return True
        return False

    def makes_tasks(self, node: ast.AST) -> bool:
        """Does code under ``node`` make tasks or dependencies, or touch a task?"""
        for inner in ast.walk(node):
            if self.is_task(inner) or self.task_decorated(inner):
                return True
            if self.is_set_call(inner) or self.dependency_function(inner):  # a shift counts by its operands
                return True
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load) and inner.id in self.tasks_by_name:
                return True
        return False

    def loop_makes_tasks(self, node: ast.AST) -> bool:
        """Is there a loop (``for``, ``while``, a comprehension) under ``node`` that makes tasks?
        Each node is looked at once: a loop that makes none has no inner loop that does."""
        pending = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, _LOOPS):
                if self.makes_tasks(current):
                    return True
                continue
            pending.extend(ast.iter_child_nodes(current))
        return False

    # reporting ---------------------------------------------------------------------------

    def refuse(self, node: ast.AST | int, what: str, *, cover: ast.AST | None = None) -> None:
        """List ``what`` at the line of ``node`` (or at line ``node``)."""
        self.refused.append(Unread(node if isinstance(node, int) else line_of(node), what))
        if cover is not None:
            self.cover(cover)

    def cover(self, node: ast.AST) -> None:
        """Everything under ``node`` is read or reported: not to be reported again."""
        self.seen.update(id(inner) for inner in ast.walk(node))

    def label(self, call: ast.Call) -> str:
        """``KubernetesPodOperator(task_id="x")``: how a message names a task."""
        name = dagsource.operator_name(call) or "a task"
        inner = (
            call.func.value if isinstance(call.func, ast.Attribute) and call.func.attr.startswith("expand") else call
        )
        task_id = literal(kwargs(inner).get("task_id")) if isinstance(inner, ast.Call) else NOT_FOUND
        return f"{name}(task_id={quoted(task_id)})" if isinstance(task_id, str) else f"{name}(...)"

    # statements ------------------------------------------------------------------------

    def body(self, statements: Iterable[ast.stmt], in_dag: bool) -> None:
        for statement in statements:
            self.statement(statement, in_dag)

    def statement(self, stmt: ast.stmt, in_dag: bool) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # a docstring
        if isinstance(stmt, ast.With | ast.AsyncWith) and self.with_dag(stmt):
            return
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and self.dag_function(stmt):
            return
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None and self.assignment(stmt, in_dag):
            return
        if self.does_nothing(stmt):
            self.notes.append(Unread(line_of(stmt), f"`{source_of(stmt)}` does nothing to the DAG: left alone"))
            return
        if isinstance(stmt, ast.Expr):
            if self.is_dependency(stmt.value):
                self.dependency(stmt.value, in_dag)
                return
            if self.is_task(stmt.value):
                self.define(stmt.value, in_dag)
                return
        self.other(stmt, in_dag)

    def does_nothing(self, stmt: ast.stmt) -> bool:
        """A bare task or DAG name as a statement, or ``globals()[...] = dag``: no task, no edge."""
        known = set(self.tasks_by_name) | self.dag_names
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Name):
            return stmt.value.id in known
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in self.dag_names:
            return all(
                isinstance(target, ast.Subscript) and call_name(target.value) == "globals" for target in stmt.targets
            )
        return False

    def with_dag(self, stmt: ast.With | ast.AsyncWith) -> bool:
        contexts = [item.context_expr for item in stmt.items]
        for context in contexts:
            found = self.other_dag(context)
            if found is not None:
                self.refuse(stmt, self.another_dag(found), cover=stmt)
                return True
        ours = [
            item
            for item in stmt.items
            if self.is_ours(item.context_expr)
            or (isinstance(item.context_expr, ast.Name) and item.context_expr.id in self.dag_names)
        ]
        if not ours:
            return False
        if len(stmt.items) > 1:
            extra = next(item.context_expr for item in stmt.items if item not in ours)
            self.refuse(extra, f"`with {source_of(extra)}` around the DAG's tasks is not read", cover=extra)
        for item in ours:
            if isinstance(item.optional_vars, ast.Name):
                self.dag_names.add(item.optional_vars.id)
        self.reached = True
        self.seen.add(id(self.dag.call))
        self.body(stmt.body, True)
        return True

    def dag_function(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        for deco in stmt.decorator_list:
            found = self.other_dag(deco)
            if found is not None:
                self.refuse(stmt, self.another_dag(found), cover=stmt)
                return True
        if not any(self.is_ours(deco) for deco in stmt.decorator_list):
            return False
        self.reached = True
        self.seen.add(id(self.dag.call))
        self.body(stmt.body, True)
        return True

    def another_dag(self, found: DagCall) -> str:
        named = f" (dag_id {quoted(found.dag_id)})" if isinstance(found.dag_id, str) else ""
        return f"another DAG{named} in the same file: adopt reads a file that defines one DAG"

    def assignment(self, stmt: ast.Assign | ast.AnnAssign, in_dag: bool) -> bool:
        """Read ``x = DAG(...)``, ``x = Operator(...)``, ``dag.doc_md = ...``; False for another statement."""
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        assert value is not None
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if self.is_ours(value):
            self.dag_names.update(names)
            self.reached = True
            self.seen.add(id(value))
            return True
        found = self.other_dag(value)
        if found is not None:
            self.refuse(stmt, self.another_dag(found), cover=stmt)
            return True
        if self.is_task(value):
            if len(targets) == 1 and names:
                self.tasks_by_name[names[0]] = self.define(value, in_dag)
            else:
                self.refuse(
                    stmt,
                    f"{self.label(value)} is assigned to `{source_of(targets[0])}`: create_dag reads a "
                    "task assigned to one name, `load = KubernetesPodOperator(...)`",
                    cover=stmt,
                )
            return True
        if self.is_dependency(value) and self.makes_tasks(value):  # not ``FLAGS = 1 << 4``
            self.dependency(value, in_dag)
            for name in names:
                self.tasks_by_name.pop(name, None)
            return True
        # DAG-level, like DAG(...) arguments adopt does not know: dag.doc_md = __doc__
        if len(targets) == 1 and isinstance(targets[0], ast.Attribute):
            owner = targets[0].value
            if isinstance(owner, ast.Name) and owner.id in self.dag_names and not self.makes_tasks(value):
                return True
        if self.makes_tasks(stmt) or (in_dag and literal(value) is NOT_FOUND and not self.pure(value)):
            return False  # reported by ``other``
        if len(names) == len(targets):
            for name in names:
                self.tasks_by_name.pop(name, None)
            return True
        return False

    def pod_name(self, task_id: str) -> str:
        from createdag import resources

        return str(resources.template_extensions().template_pod_name(self.dag.dag_id, task_id))

    def pure(self, value: ast.AST) -> bool:
        """A value kept as written could be: literals and constructors of literals."""
        try:
            dagmodel.carry(value, self.names_imported)
        except dagmodel.NotPure:
            return False
        return True

    def carry(self, node: ast.AST, label: str, key: str, reason: str = "") -> str | None:
        """The source of an argument kept as written; refused (None) when it is not pure."""
        try:
            return dagmodel.carry(node, self.names_imported)
        except dagmodel.NotPure as exc:
            hint = (dagmodel.CALLBACK_HINT if dagmodel.is_callback(key) else
                    dagmodel.why_unread(node, self.tree) or f"{exc}: write the value itself")  # fmt: skip
            reason = f" {reason.strip()} nor kept as written" if reason else ""
            self.refuse(node, f"{label} argument {key}={source_of(node)} is not read{reason}: {hint}")
            return None

    def other(self, stmt: ast.stmt, in_dag: bool) -> None:
        """A statement the reader does not read: fine outside the DAG unless it makes tasks."""
        if self.task_decorated(stmt):
            name = getattr(stmt, "name", "")
            self.refuse(stmt, f"@task function {name}: create_dag manages KubernetesPodOperator tasks", cover=stmt)
            return
        makes = self.makes_tasks(stmt)
        if not makes and (not in_dag or isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)):
            return
        if makes and self.loop_makes_tasks(stmt):
            reason = "a loop that makes tasks or dependencies: create_dag reads tasks written one by one"
        elif makes and isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            reason = f"{stmt.name} makes tasks or dependencies: create_dag reads them where the DAG is written"
        elif makes and isinstance(stmt, ast.If | ast.Try | ast.With | ast.AsyncWith | ast.Match):
            reason = (
                f"tasks or dependencies under `{source_of(stmt, 30)}`: create_dag reads them written "
                "unconditionally in the DAG"
            )
        else:
            reason = (
                f"`{source_of(stmt)}` is not read: create_dag reads tasks, their dependencies and literals in a DAG"
            )
        self.refuse(stmt, reason, cover=stmt)

    # tasks ------------------------------------------------------------------------------

    def define(self, call: ast.Call, in_dag: bool) -> str | None:
        """Read a task call; its task id, or None when it cannot be read (and is refused)."""
        self.cover(call)
        label = self.label(call)
        outer = call
        if isinstance(call.func, ast.Attribute) and call.func.attr.startswith("expand"):
            inner = call.func.value
            call = inner if isinstance(inner, ast.Call) else call
        dag = kwargs(call).get("dag")
        if dag is not None and not (isinstance(dag, ast.Name) and dag.id in self.dag_names):
            self.refuse(call, f"{label} belongs to another DAG (dag={source_of(dag)})")
            return None
        if dag is None and not in_dag:
            self.refuse(call, f"{label} belongs to no DAG: it is neither in the DAG's `with` block nor given dag=")
            return None
        name = dagsource.operator_name(outer)
        if name == POD:
            return self.pod(outer, label)
        if name == SENSOR:
            return self.read_sensor(outer, label)
        if outer is call and self.join_form(call):
            return self.join(call, label)
        self.refuse(call, self.not_a_pod(label))
        return None

    @staticmethod
    def not_a_pod(label: str) -> str:
        return f"{label} is not a {POD}: create_dag writes {POD} tasks (and the {SENSOR_TASK_ID} sensor) only"

    def join_form(self, call: ast.Call) -> bool:
        """``EmptyOperator(task_id="...")``, ``on_success_callback=None`` beside it or not: the
        template's join as written (where it stands is checked once the dependencies are read)."""
        if dagsource.origin(call.func, self.names_imported) != JOIN_ORIGIN:
            return False
        if call.args or dagsource.spread(call) or dagsource.repeated_keywords(call):
            return False
        given = kwargs(call)
        if set(given) - {"task_id", "on_success_callback", "dag"} or not isinstance(literal(given.get("task_id")), str):
            return False
        callback = given.get("on_success_callback")
        return callback is None or (isinstance(callback, ast.Constant) and callback.value is None)

    def join(self, call: ast.Call, label: str) -> str | None:
        task_id = literal(kwargs(call)["task_id"])
        assert isinstance(task_id, str)
        if task_id in self.task_ids or task_id == SENSOR_TASK_ID:
            self.refuse(call, f"task_id {quoted(task_id)} is given to two tasks")
            return None
        self.task_ids.add(task_id)
        self.joins[task_id] = _Join(task_id, line_of(call), label)
        return task_id

    def arguments_problems(self, call: ast.Call, label: str) -> bool:
        """Refuse positional, ``*args``/``**kwargs`` and repeated arguments; True when any."""
        before = len(self.refused)
        for node in dagsource.spread(call):
            written = source_of(node, 20) if isinstance(node, ast.Starred) else f"**{source_of(node, 20)}"
            hint = dagmodel.why_unread(node, self.tree)
            self.refuse(node, f"{label} argument `{written}` is unpacked: create_dag reads arguments written out"
                              + (f" ({hint})" if hint else ""))  # fmt: skip
        positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
        if positional:
            self.refuse(positional[0], f"{label} has positional arguments: create_dag reads key=value ones")
        for name in dagsource.repeated_keywords(call):
            self.refuse(call, f"{label} argument {name}= is given twice")
        return len(self.refused) > before

    def pod(self, call: ast.Call, label: str) -> str | None:
        expand: ast.Call | None = None
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr.startswith("expand") and isinstance(func.value, ast.Call):
            expand, call = call, func.value  # operator_name saw .partial(...) in it
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "partial":
            self.refuse(call, f"{label} is .partial(...) without .expand(...): no task create_dag can write")
            return None
        before = len(self.refused)
        given = kwargs(call)
        task_id = literal(given.get("task_id"))
        if not isinstance(task_id, str):
            where = f"task_id={source_of(given['task_id'])}" if "task_id" in given else "no task_id"
            self.refuse(call, f"{POD}(...) has {where}: create_dag reads a task id written as a string")
            return None
        self.arguments_problems(call, label)
        answers: dict[str, Any] = {
            "task_id": task_id,
            "image": None,
            "shards": 1,
            "cmds": [],
            "arguments": [],
            "env_vars": {},
            "secrets": [],
        }
        inherited: dict[str, Any] = {
            "image_pull_secrets": [],
            **dict.fromkeys(INHERITED[2:], ""),
            **copy.deepcopy(POD_OPTION_DEFAULTS),
        }
        carried: dict[str, str] = {}
        for key, node in given.items():
            if key in ("task_id", "dag"):
                continue
            if key == "name" and literal(node) == self.pod_name(task_id):
                continue  # the name the template writes itself
            if key not in POD_READERS or (expand is not None and key == "env_vars" and not isinstance(node, ast.Dict)):
                # no answer stands for it: kept as written, when it can be read. A mapped task's
                # [k8s.V1EnvVar(...)] too: Airflow serializes .partial's env_vars as written
                source = self.carry(node, label, key)
                if source is not None:
                    carried[key] = source
                continue
            reader, expected = POD_READERS[key]
            value = reader(node)
            if value is NOT_FOUND and key in KEPT_WHEN_NO_ANSWER_SAYS_IT and not (expand and key == "env_vars"):
                # a form no answer holds (a gpu resource, a host_path volume, value_from): as written
                source = self.carry(node, label, key, f" as an answer ({expected})")
                if source is not None:
                    carried[key] = source
            elif value is NOT_FOUND:
                hint = dagmodel.why_unread(node, self.tree)
                self.refuse(
                    node,
                    f"{label} argument {key}={source_of(node)} is not read: create_dag reads {expected} here"
                    + (f" ({hint})" if hint else ""),
                )
            elif key == "container_resources":
                inherited.update(value)
            elif key in INHERITED or POD_ANSWER_OF.get(key, key) in POD_OPTION_DEFAULTS:
                inherited[POD_ANSWER_OF.get(key, key)] = value
            else:
                answers[POD_ANSWER_OF.get(key, key)] = value
        self.keep_together(given, answers, inherited, carried, label)
        if "image" not in given:
            self.refuse(call, f"{label} has no image=")
        mapped = _Mapped()
        if expand is not None:
            mapped = self.mapped(expand, given, label)
            if mapped.shards is not None:
                answers["shards"], answers["env_vars"] = mapped.shards
        if task_id in self.task_ids or task_id == SENSOR_TASK_ID:
            self.refuse(call, f"task_id {quoted(task_id)} is given to two tasks")
        self.task_ids.add(task_id)
        written = {"task_id", "image"}
        for key in given:
            if key in POD_READERS and key not in carried:
                written.update(_RESOURCES if key == "container_resources" else (POD_ANSWER_OF.get(key, key),))
        if len(self.refused) > before:  # what was read of it, for the checks a refusal names too
            self.half_read.append({**{k: v for k, v in inherited.items() if k in written},
                                   **{k: v for k, v in answers.items()
                                      if (k in written or k not in _TASK_BASICS) and v is not None},
                                   "_lines": (line_of(call), {key: line_of(node) for key, node in given.items()})})
            return None
        if mapped.shards is not None:
            written.update(("shards", "env_vars"))
        self.pods[task_id] = _Pod(
            line_of(call), getattr(call, "col_offset", 0), answers, inherited, carried=carried, named="name" in given,
            expand=mapped.carried, expand_kwargs=mapped.kwargs,
            partial=None if expand is None else [key for key in given if key not in ("task_id", "dag")],
            written=written, lines={key: line_of(node) for key, node in given.items()},
        )  # fmt: skip
        return task_id

    def keep_together(self, given: dict[str, ast.expr], answers: dict[str, Any], inherited: dict[str, Any],
                      carried: dict[str, str], label: str) -> None:  # fmt: skip
        """Answers the tool checks against each other, kept as written where the file pairs them in
        a way a new DAG may not be written, but Airflow takes: a mount of a volume kept as written
        (a CSI volume, a host path) names no volume the answers hold; an env var that a secret also
        sets (the pod gets both). Both keep their values, as written."""
        if "volumes" in carried and "volume_mounts" in given and "volume_mounts" not in carried:
            source = self.carry(given["volume_mounts"], label, "volume_mounts")
            if source is not None:
                carried["volume_mounts"] = source
                inherited["volume_mounts"] = copy.deepcopy(POD_OPTION_DEFAULTS["volume_mounts"])
        secret_envs = {secret.get("env") for secret in answers["secrets"] if isinstance(secret, dict)}
        if "env_vars" in given and "env_vars" not in carried and secret_envs & set(answers["env_vars"]):
            source = self.carry(given["env_vars"], label, "env_vars")
            if source is not None:
                carried["env_vars"], answers["env_vars"] = source, {}

    def mapped(self, expand: ast.Call, partial: dict[str, ast.expr], label: str) -> _Mapped:
        """What ``.expand(...)`` or ``.expand_kwargs(...)`` maps: the template's parallel pods
        (``env_vars`` sharded), and any argument the template can write, its values kept as
        written. ``image`` is refused (a task has one image in create_dag), as is an argument
        given to both ``.partial`` and ``.expand`` (Airflow refuses it too)."""
        read = _Mapped()
        assert isinstance(expand.func, ast.Attribute)
        if expand.func.attr == "expand_kwargs":
            if len(expand.args) != 1 or expand.keywords:
                self.refuse(expand, f"{label} .expand_kwargs(...) is read with one list of dicts")
                return read
            source = self.carry(expand.args[0], f"{label}.expand_kwargs(...)", "the list")
            if source is None:
                return read
            names = expand_kwargs_names(source)
            if names is None:
                self.refuse(expand, f"{label} .expand_kwargs({source_of(expand.args[0], 30)}) is read as a list of "
                                    "dicts with string keys, written out")  # fmt: skip
                return read
            for name in sorted(names & (set(partial) | _NOT_MAPPED)):
                self.refuse(expand, self.not_mapped(label, name, partial))
            read.kwargs = source
            return read
        if expand.func.attr != "expand":
            self.refuse(expand, f"{label} .{expand.func.attr}(...) is not read: create_dag reads .expand(...) "
                                "and .expand_kwargs(...)")  # fmt: skip
            return read
        if expand.args or dagsource.spread(expand):
            self.refuse(expand, f"{label} .expand(...) is read with key=value arguments only")
            return read
        for key, node in kwargs(expand).items():
            if key == "env_vars" and (shards := _shards(node)) is not None:
                if "env_vars" in partial and literal(partial["env_vars"]) not in (None, {}):
                    self.refuse(partial["env_vars"], f"{label} gives env_vars= to both .partial and .expand")
                read.shards = shards
            elif key in partial or key in _NOT_MAPPED:
                self.refuse(node, self.not_mapped(label, key, partial))
            else:
                source = self.carry(node, f"{label}.expand(...)", key)
                if source is not None:
                    read.carried[key] = source
        return read

    @staticmethod
    def not_mapped(label: str, key: str, partial: dict[str, ast.expr]) -> str:
        if key == "image":
            return f"{label} maps image=: create_dag writes one image per task; write one task per image"
        if key in partial:
            return f"{label} gives {key}= to both .partial and .expand: Airflow refuses that, give it once"
        return f"{label} maps {key}=: Airflow does not map it"

    def read_sensor(self, call: ast.Call, label: str) -> str | None:
        given = kwargs(call)
        if literal(given.get("task_id")) != SENSOR_TASK_ID:
            self.refuse(
                call, f"{label} is not read: create_dag's wait for an upstream DAG is the task {quoted(SENSOR_TASK_ID)}"
            )
            return None
        if self.sensor is not None:
            self.refuse(call, f"{label} is given twice")
            return None
        before = len(self.refused)
        self.arguments_problems(call, label)
        read: dict[str, Any] = {
            "external_task_id": "",
            "external_delta_minutes": 0,
            "sensor_timeout_minutes": SENSOR_TIMEOUT_SECONDS // 60,
            "sensor_poke_interval_seconds": SENSOR_POKE_SECONDS,
        }
        for key, node in given.items():
            if key in ("task_id", "dag") or key in SENSOR_AS_WRITTEN:
                continue
            value: Any = NOT_FOUND
            if key == "external_dag_id":
                value, answer, expected = text_value(node), "external_dag_id", "a string"
            elif key == "external_task_id":
                value, answer, expected = literal(node), "external_task_id", "a string or None"
                value = "" if value is None else value if isinstance(value, str) else NOT_FOUND
            elif key == "execution_delta":
                value, answer = dagsource.timedelta_minutes(node), "external_delta_minutes"
                expected = "datetime.timedelta(minutes=...) in whole minutes"
            elif key == "timeout":
                seconds = dagsource.timedelta_seconds(node)
                value = NOT_FOUND if seconds is NOT_FOUND or seconds % 60 else int(seconds // 60)
                answer, expected = "sensor_timeout_minutes", "seconds in whole minutes"
            elif key == "poke_interval":
                seconds = dagsource.timedelta_seconds(node)
                value = NOT_FOUND if seconds is NOT_FOUND or seconds % 1 else int(seconds)
                answer, expected = "sensor_poke_interval_seconds", "whole seconds"
            else:
                self.refuse(node, f"{label} argument {key}=... is not an answer create_dag knows")
                continue
            if value is NOT_FOUND:
                self.refuse(
                    node, f"{label} argument {key}={source_of(node)} is not read: create_dag reads {expected} here"
                )
            else:
                read[answer] = value
        if "external_dag_id" not in given:
            self.refuse(call, f"{label} has no external_dag_id=")
        if len(self.refused) > before:
            return None
        self.sensor = {"external_dag_id": read.pop("external_dag_id"), **read}
        self.sensor_line = line_of(call)
        return SENSOR_TASK_ID

    # dependencies ------------------------------------------------------------------------

    def dependency(self, node: ast.expr, in_dag: bool) -> None:
        self.cover(node)
        if self.is_shift(node):
            self.shift(node, in_dag)
            return
        assert isinstance(node, ast.Call)
        function = self.dependency_function(node)
        if function == "chain":
            self.chain(node, in_dag)
        elif function == "cross_downstream":
            self.cross_downstream(node, in_dag)
        else:
            self.set_relative(node, in_dag)

    def refs(self, node: ast.AST, in_dag: bool) -> _Refs | None:
        """The tasks ``node`` stands for in a dependency; None when it cannot be read (refused)."""
        if self.is_shift(node):
            return self.shift(node, in_dag)
        items = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
        found = [self.ref(item, in_dag) for item in items]
        if not all(ok for ok, _ in found):
            return None
        return _Refs([task_id for _, task_id in found], isinstance(node, ast.List | ast.Tuple))

    def ref(self, node: ast.AST, in_dag: bool) -> tuple[bool, str | None]:
        """One task: a name bound to a task, a task call, ``dag.get_task("id")``: (True, its id, None
        for a task that could not be read); (False, None) when ``node`` is no task (refused)."""
        if isinstance(node, ast.Name):
            if node.id in self.tasks_by_name:
                return True, self.tasks_by_name[node.id]
            self.refuse(node, f"{node.id} in a dependency is not a task create_dag knows")
            return False, None
        if self.is_task(node):
            return True, self.define(node, in_dag)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_task"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in self.dag_names
            and len(node.args) == 1
            and not node.keywords
        ):
            task_id = literal(node.args[0])
            if isinstance(task_id, str) and (task_id in self.pods or (task_id == SENSOR_TASK_ID and self.sensor)):
                return True, task_id
        self.refuse(node, f"`{source_of(node)}` in a dependency is not a task create_dag knows")
        return False, None

    def link(self, ups: _Refs, downs: _Refs, line: int) -> None:
        for up in ups.ids:
            for down in downs.ids:
                if up is not None and down is not None:
                    self.edges.append((up, down, line))

    def shift(self, node: ast.AST, in_dag: bool) -> _Refs | None:
        """``a >> b << c``...: the edges, and what the whole expression stands for (its right end,
        as Airflow's ``>>`` returns its right operand). Read without recursion: the chain may be long."""
        operands: list[ast.AST] = []
        operators: list[ast.AST] = []
        current: ast.AST = node
        while isinstance(current, ast.BinOp) and isinstance(current.op, ast.RShift | ast.LShift):
            operands.append(current.right)
            operators.append(current.op)
            current = current.left
        operands.append(current)
        operands.reverse()
        operators.reverse()
        value = self.refs(operands[0], in_dag)
        for operator, operand in zip(operators, operands[1:], strict=True):
            right = self.refs(operand, in_dag)
            if value is not None and right is not None:
                if value.many and right.many:
                    self.refuse(
                        operand,
                        f"a list on both sides of {'>>' if isinstance(operator, ast.RShift) else '<<'}"
                        ": Python cannot run it (use chain or cross_downstream)",
                    )
                elif isinstance(operator, ast.RShift):
                    self.link(value, right, line_of(operand))
                else:
                    self.link(right, value, line_of(operand))
            value = right
        return value

    def chain(self, call: ast.Call, in_dag: bool) -> None:
        if call.keywords or any(isinstance(arg, ast.Starred) for arg in call.args):
            self.refuse(call, f"`{source_of(call)}` is not read: create_dag reads chain(a, b, [c, d], ...)")
            return
        groups = [self.refs(arg, in_dag) for arg in call.args]
        for up, down in itertools.pairwise(groups):
            if up is None or down is None:
                continue
            if not up.many or not down.many:
                self.link(up, down, line_of(call))
            elif len(up.ids) == len(down.ids):  # two lists of one length: linked pairwise
                for one, other in zip(up.ids, down.ids, strict=True):
                    self.link(_Refs([one], False), _Refs([other], False), line_of(call))
            else:
                self.refuse(
                    call,
                    f"chain(...) between lists of {len(up.ids)} and {len(down.ids)} tasks: "
                    "Airflow refuses lists of different lengths",
                )

    def cross_downstream(self, call: ast.Call, in_dag: bool) -> None:
        given = kwargs(call)
        sources = dagsource.argument(call, "from_tasks", 0)
        targets = dagsource.argument(call, "to_tasks", 1)
        if (
            dagsource.spread(call)
            or set(given) - {"from_tasks", "to_tasks"}
            or len(call.args) > 2
            or not (sources is not None and targets is not None)
        ):
            self.refuse(call, f"`{source_of(call)}` is not read: create_dag reads cross_downstream([a, b], [c, d])")
            return
        ups, downs = self.refs(sources, in_dag), self.refs(targets, in_dag)
        if ups is not None and not ups.many:
            self.refuse(sources, "cross_downstream(...) takes a list of tasks first")
        elif ups is not None and downs is not None:
            self.link(ups, downs, line_of(call))

    def set_relative(self, call: ast.Call, in_dag: bool) -> None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if call.keywords or len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
            self.refuse(
                call, f"`{source_of(call)}` is not read: create_dag reads a.{func.attr}(b) and a.{func.attr}([b, c])"
            )
            return
        task = self.refs(func.value, in_dag)
        others = self.refs(call.args[0], in_dag)
        if task is None or others is None:
            return
        if task.many:
            self.refuse(func.value, f"a list has no .{func.attr}(): Python cannot run it")
        elif func.attr == "set_downstream":
            self.link(task, others, line_of(call))
        else:
            self.link(others, task, line_of(call))

    # the whole file ------------------------------------------------------------------------

    def read(self) -> Pipeline:
        self.body(self.tree.body, False)
        if not self.reached:
            self.refuse(
                self.dag.call,
                "the DAG is defined where create_dag does not read its tasks "
                "(inside a function, a condition...): write it at the top level of the file",
            )
            self.cover(self.tree)
        self.leftovers()
        tasks = self.task_answers()
        defaults, tasks = self.shared(tasks)
        refused = sorted(dict.fromkeys(self.refused), key=lambda item: item.line)  # then as found
        carried = {task_id: pod.carried for task_id, pod in self.pods.items() if pod.carried}
        unnamed = [task["task_id"] for task in tasks if not self.pods[task["task_id"]].named]
        expand = {task_id: pod.expand for task_id, pod in self.pods.items() if pod.expand}
        expand_kwargs = {task_id: pod.expand_kwargs for task_id, pod in self.pods.items() if pod.expand_kwargs}
        partial = {task_id: pod.partial for task_id, pod in self.pods.items() if pod.partial is not None}
        lines = {task_id: (pod.line, pod.lines) for task_id, pod in self.pods.items()}
        return Pipeline(defaults, dict(self.sensor or {}), tasks, refused, carried, list(self.notes), unnamed,
                        expand, expand_kwargs, partial, lines, list(self.half_read))  # fmt: skip

    def leftovers(self) -> None:
        """Report every task, dependency or DAG the reading above did not reach."""
        for node in ast.walk(self.tree):
            if id(node) in self.seen:
                continue
            found = self.other_dag(node)
            if found is not None:
                self.refuse(node, self.another_dag(found), cover=node)
            elif self.task_decorated(node):
                self.refuse(
                    node, f"@task function {getattr(node, 'name', '')}: create_dag manages {POD} tasks", cover=node
                )
            elif self.is_task(node):
                self.refuse(
                    node,
                    f"{self.label(node)} is not read where it is written: create_dag reads "
                    "tasks assigned or used in the DAG's body",
                    cover=node,
                )
            elif self.is_dependency(node):
                if self.makes_tasks(node):
                    self.refuse(
                        node,
                        f"the dependency `{source_of(node)}` is not read where it is written: "
                        "create_dag reads dependencies written as statements",
                    )
                self.cover(node)  # ``1 << 2 << 3``: its inner shifts are not walked again

    def task_answers(self) -> list[dict[str, Any]]:
        """Each pod's answers with ``after``, in file order; edges to and from the sensor checked."""
        order = sorted(self.pods, key=lambda task_id: (self.pods[task_id].line, self.pods[task_id].column))
        rank = {task_id: index for index, task_id in enumerate(order)}
        after_sensor: set[str] = set()
        for up, down, line in self.edges:
            if up == down:
                self.refuse(line, f"task {quoted(up)} runs after itself")
            elif down == SENSOR_TASK_ID:
                self.refuse(
                    line,
                    f"{SENSOR_TASK_ID} runs after {quoted(up)}: create_dag's "
                    "wait for the upstream DAG runs before every other task",
                )
            elif up == SENSOR_TASK_ID:
                after_sensor.add(down)
            elif up in self.pods and down in self.pods and up not in self.pods[down].after:
                self.pods[down].after.append(up)
            if down in self.joins:
                self.joins[down].after.add(up)
            if up in self.joins:
                self.joins[up].before.add(down)
        for pod in self.pods.values():
            pod.after.sort(key=rank.__getitem__)
        self.cycles(order)
        self.check_joins(order)
        if self.sensor is not None:
            for task_id in order:
                pod = self.pods[task_id]
                if not pod.after and task_id not in after_sensor:
                    self.refuse(
                        pod.line,
                        f"task {quoted(task_id)} does not run after "
                        f"{SENSOR_TASK_ID}: create_dag's wait for the upstream DAG runs before every "
                        "first task",
                    )
        return [
            {**{key: value for key, value in self.pods[task_id].answers.items()
                if key not in _TASK_BASICS or key in self.pods[task_id].written},
             "after": list(self.pods[task_id].after)}
            for task_id in order
        ]  # fmt: skip

    def check_joins(self, order: list[str]) -> None:
        """Each ``EmptyOperator`` written as the template's join is the template's only where the
        template writes it: the one after the last pods of a DAG whose every task is mapped and
        that waits for no upstream DAG, with the task id the template gives it. Any other is refused."""
        if not self.joins:
            return
        mapped = bool(order) and self.sensor is None and all(self.pods[t].answers.get("shards", 1) > 1 for t in order)
        ran_after = {up for task_id in order for up in self.pods[task_id].after}
        leaves = [task_id for task_id in order if task_id not in ran_after]
        expected = join_task_id(order, leaves)
        for index, join in enumerate(sorted(self.joins.values(), key=lambda item: item.line)):
            if not mapped:
                self.refuse(join.line, self.not_a_pod(join.label))
            elif index:
                self.refuse(join.line, f"{join.label} is a second {JOIN}: create_dag writes one, after the last pods")
            elif join.task_id != expected:
                self.refuse(
                    join.line,
                    f"{join.label} is not read: create_dag's {JOIN} after the last pods is the task {quoted(expected)}",
                )
            elif join.after != set(leaves):
                names = ", ".join(quoted(task_id) for task_id in sorted(join.after, key=str)) or "nothing"
                last = ", ".join(quoted(task_id) for task_id in leaves)
                self.refuse(
                    join.line,
                    f"{join.label} runs after {names}: create_dag's {JOIN} runs after the last pod tasks, {last}",
                )
            elif join.before:
                names = ", ".join(quoted(task_id) for task_id in sorted(join.before, key=str))
                self.refuse(join.line, f"{names} runs after {join.label}: create_dag's {JOIN} comes last")

    def cycles(self, order: list[str]) -> None:
        """Refuse tasks that run after each other in a circle (Airflow refuses such a DAG)."""
        upstream = {task_id: self.pods[task_id].after for task_id in order}
        downstream: dict[str, list[str]] = {task_id: [] for task_id in order}
        for task_id, ups in upstream.items():
            for up in ups:
                downstream[up].append(task_id)
        left = set(order)
        # take away the tasks with nothing left before them, then those with nothing left after
        # them: what remains is on a cycle (or between two)
        for before, after in ((upstream, downstream), (downstream, upstream)):
            count = {task_id: sum(1 for other in before[task_id] if other in left) for task_id in left}
            ready = [task_id for task_id in left if not count[task_id]]
            while ready:
                task_id = ready.pop()
                left.discard(task_id)
                for other in after[task_id]:
                    if other in left:
                        count[other] -= 1
                        if not count[other]:
                            ready.append(other)
        stuck = [task_id for task_id in order if task_id in left]
        if stuck:
            names = ", ".join(quoted(task_id) for task_id in stuck[:5]) + (" ..." if len(stuck) > 5 else "")
            self.refuse(self.pods[stuck[0]].line, f"tasks {names} run after each other in a cycle")

    def shared(self, tasks: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The ``INHERITED`` values and pod options every task writes, most of them alike, become
        DAG-level answers (a task answer given at the DAG level is every task's); a task that
        differs overrides them. One that only some tasks write is those tasks' own, and one that
        none writes is no answer at all: the record holds only what the file says (what renders
        it left out: ``left_out``)."""
        merging = {question.key for question in questions.QUESTIONS if question.merges}  # labels, annotations
        defaults: dict[str, Any] = {}
        pods = [self.pods[task["task_id"]] for task in tasks]
        for key in (*INHERITED, *POD_OPTION_DEFAULTS):
            given = [pod for pod in pods if key in pod.inherited]
            if key != "namespace":  # the namespace is in ``inherited`` only where written
                given = [pod for pod in given if key in pod.written]
                if len(given) < len(pods):
                    for task, pod in zip(tasks, pods, strict=True):
                        if pod in given:
                            task[key] = pod.inherited[key]
                    continue
            if not given:
                continue
            if len(given) < len(pods):  # only the namespace can be left out
                for pod in pods:
                    if key not in pod.inherited:
                        named = quoted(pod.answers["task_id"])
                        self.refuse(
                            pod.line,
                            f"task {named} gives no {key}= while other tasks do: give it "
                            "one, so the record says where it runs",
                        )
            counts = Counter(repr(pod.inherited[key]) for pod in given)
            common = max(given, key=lambda pod: counts[repr(pod.inherited[key])]).inherited[key]
            if key in merging and len(counts) > 1:  # a task's own value adds to the DAG's: none then
                common = {}
            defaults[key] = common
            for task, pod in zip(tasks, pods, strict=True):
                if key in pod.inherited and pod.inherited[key] != common:
                    task[key] = pod.inherited[key]
        return defaults, tasks


def left_out(answers: Mapping[str, Any]) -> dict[str, Any]:
    """An adopted DAG's recorded answers with what its file leaves out filled in as the tool
    writes nothing (each task answer's own default: the provider's, no team default), for
    rendering: a team's defaults are for new DAGs, never for a file that did not say them."""
    filled = dict(answers)
    for key, nothing in _NOTHING.items():
        filled.setdefault(key, copy.deepcopy(nothing))
    return filled


#: What each task answer is when a file leaves it out: the value the template writes nothing
#: for (never ``image_pull_secrets``' default ``regcred``, nor a team's). The namespace left out
#: is the record's ``absent``; ``data_intervals`` off writes a plain cron string, which Airflow's
#: own config then reads, as it read the file's.
_NOTHING: dict[str, Any] = {
    **POD_OPTION_DEFAULTS, "shards": 1, "cmds": [], "arguments": [], "env_vars": {}, "secrets": [],
    "image_pull_secrets": [], **dict.fromkeys(_RESOURCES, ""), "outlets": [], "execution_timeout_minutes": 0,
    "data_intervals": False,
}  # fmt: skip


def join_task_id(task_ids: list[str], leaves: list[str]) -> str:
    """The task id the template gives its ``EmptyOperator`` after the last pods (``leaves``):
    the template's own rule (``join_task_id`` in dag_template/local_extensions.py)."""
    from createdag import resources

    return str(resources.template_extensions().join_task_id(task_ids, leaves))


def read_pipeline(tree: ast.Module, dag: DagCall | None = None) -> Pipeline:
    """The pod tasks, the upstream sensor and the dependencies of ``dag`` (the file's first DAG
    when not given) as answers, and what could not be read as ``Pipeline.refused``."""
    try:
        if dag is None:  # read the file as Python sees it (``dagmodel``); given a DAG, ``tree`` is that view
            tree = dagmodel.resolved(tree)
            dag = next(dagsource.dag_calls(tree), None)
            if dag is None:
                return Pipeline({}, {}, [], [Unread(1, "no DAG(...) call nor @dag decorator")])
        return _Reader(tree, dag).read()
    except RecursionError:  # nested past what the reader follows (a file past any hand-written one)
        line = line_of(dag.call) if dag is not None else 1
        return Pipeline({}, {}, [], [Unread(line, "the DAG's tasks are nested too deeply to read")])
