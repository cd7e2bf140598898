"""One model of a DAG file: what its source says, read as Python would, without running it.

A hand-written DAG rarely writes every value where it is used: ``secret_env =
Secret(...)`` above the DAG then ``secrets=[secret_env]``, a ``default_args``
dict held in a variable, shared ``pod_defaults`` unpacked with ``**``, an
f-string of two constants. Python would see the values; a reader of literals
alone sees names. ``resolved`` gives the readers (``adopt``'s DAG reader,
``pipeline_source``) the file as Python would see it while it runs: every
module-level name bound once to a value that is data (not a task, a DAG or a
function) written in place where it is used, ``{**base, "k": v}`` merged,
``**defaults`` unpacked into keyword arguments, constant f-strings and
concatenations folded. Nothing is evaluated: a value computed while the file
is parsed (``os.getenv``, ``Variable.get``, ``datetime.now()``) stays the call
it is, and the readers name it with its line.

``carry`` is the other half: a keyword argument no answer stands for
(``in_cluster=True``, ``security_context=k8s.V1PodSecurityContext(...)``) is
kept as written when its value is *pure*: literals and the constructors a DAG
file builds values from (``k8s.V1...``, ``Secret``, ``datetime.timedelta``,
``datetime.datetime``, ``pendulum.datetime``), each name spelled the way the
template imports it. The record holds that canonical source text; the template
writes it back only after ``local_extensions.pure_source`` has parsed it again
and found it pure (records are input from strangers).
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from createdag import dagsource
from createdag.dagsource import NOT_FOUND, dotted, imported_names

#: Calls whose value is no data: a task, a DAG, a task group (a name bound to one is a task).
_NOT_DATA_SUFFIXES = ("Operator", "Sensor")
_NOT_DATA_NAMES = frozenset({"DAG", "dag", "TaskGroup", "task", "task_group"})

#: What an imported name stands for -> how the template spells it (the template imports
#: ``datetime``, ``pendulum``, ``k8s`` (kubernetes.client.models) and ``Secret``).
_CANONICAL_PREFIXES = (
    ("kubernetes.client.models.", "k8s."),
    ("kubernetes.client.", "k8s."),
    ("airflow.providers.cncf.kubernetes.secret.Secret", "Secret"),
    ("airflow.kubernetes.secret.Secret", "Secret"),
    ("airflow.contrib.kubernetes.secret.Secret", "Secret"),
    ("datetime.", "datetime."),
    ("pendulum.", "pendulum."),
)
_CANONICAL_MODULES = {"datetime": "datetime", "pendulum": "pendulum", "kubernetes.client.models": "k8s"}


def is_data(node: ast.AST) -> bool:
    """May a name bound to ``node`` be written where it is used? Not a task, DAG, function or lambda."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Lambda | ast.NamedExpr | ast.Yield | ast.Await):
            return False
        if isinstance(inner, ast.Call):
            name = dagsource.operator_name(inner)
            if name.endswith(_NOT_DATA_SUFFIXES) or name in _NOT_DATA_NAMES:
                return False
            if isinstance(inner.func, ast.Attribute) and inner.func.attr in ("partial", "expand", "output"):
                return False
    return True


def stores(tree: ast.AST) -> Counter[str]:
    """How many times each name is bound anywhere in the file (assignments, loops, imports, defs)."""
    counts: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            counts[node.id] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] += 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                counts[(alias.asname or alias.name).split(".")[0]] += 1
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                counts[name] += 2  # rebound elsewhere: never one value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            counts[node.target.id] += 1
    return counts


def _module_level(statements: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements that bind the names a DAG's tasks read: the module's body, the bodies of
    its ``with`` blocks (``with DAG(...) as dag:`` binds module names), nested ones included, and
    the body of a ``@dag`` function (its tasks read the names it binds; a name bound once in the
    whole file is bound nowhere else, so it means the same wherever it is read)."""
    for statement in statements:
        yield statement
        dag_function = isinstance(statement, ast.FunctionDef) and any(
            dagsource.call_name(deco) == "dag" for deco in statement.decorator_list
        )
        if isinstance(statement, ast.With | ast.AsyncWith) or dag_function:
            yield from _module_level(statement.body)  # type: ignore[attr-defined]


def data_bindings(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names bound exactly once in the whole file, to data (``is_data``): the
    values Python would see wherever the name is used."""
    counts = stores(tree)
    bound: dict[str, ast.expr] = {}
    for node in _module_level(tree.body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value = node.target.id, node.value
        else:
            continue
        if counts[name] == 1 and is_data(value):
            bound[name] = value
    docstring = ast.get_docstring(tree, clean=False)
    if not counts["__doc__"]:  # ``doc_md=__doc__``: the module's docstring, None without one
        bound["__doc__"] = ast.Constant(docstring)
    return bound


#: The attribute of a file's view (``DagFile.view``) holding why each name it imports from the
#: repo's modules was not read (``repo_imports``), for ``why_unread``'s messages.
UNREAD_IMPORTS = "createdag_unread_imports"


def why_unread(node: ast.AST, tree: ast.Module) -> str:
    """Why a value is not a literal, and what to write instead, for a refusal (or '')."""
    imports = imported_names(tree)
    counts = stores(tree)
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and not pure_callable(canonical_name(inner.func, imports)):
            return (f"`{dagsource.source_of(inner, 30)}` is computed when the file is parsed: "
                    "write the value itself")  # fmt: skip
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
            if inner.id in imports and not canonical_name(inner, imports):
                why = getattr(tree, UNREAD_IMPORTS, {}).get(inner.id)  # what repo_imports found
                if why:
                    return f"`{inner.id}` is imported from {why}: write its value in this file"
                return f"`{inner.id}` is imported ({imports[inner.id]}): write its value in this file"
            if counts[inner.id] > 1:
                return f"`{inner.id}` is bound more than once: bind it once, to a literal"
    return ""


def _place(node: ast.AST, where: ast.AST) -> ast.AST:
    """``node`` (a copy) placed at ``where``: messages name the line that uses a value."""
    for inner in ast.walk(node):
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if hasattr(where, attr):
                setattr(inner, attr, getattr(where, attr))
    return node


def _constant_text(node: ast.AST) -> Any:
    value = node.value if isinstance(node, ast.Constant) else NOT_FOUND
    return value if isinstance(value, str) else NOT_FOUND


class Resolver(ast.NodeTransformer):
    """The tree as Python sees it: bound names written in place, merges and unpacking done."""

    def __init__(self, bound: dict[str, ast.expr]) -> None:
        self.bound = bound
        self.active: list[str] = []  # names being resolved: a cycle stays a name

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load) or node.id not in self.bound or node.id in self.active:
            return node
        self.active.append(node.id)
        try:
            value = self.visit(copy.deepcopy(self.bound[node.id]))
        finally:
            self.active.pop()
        return _place(value, node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        base = node.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Name):
            return node  # ``k8s.V1Volume``, ``config.x``: a name's attribute is not its value
        # ``Operator.partial(image=IMAGE).expand(...)``: the call under the attribute reads names
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        node.value = self.visit(node.value)  # targets stay names
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name):  # ``X.partial(image=IMAGE).expand(...)``: the inner call
            node.func = self.visit(node.func)
        node.args = [self.visit(arg) for arg in node.args]
        keywords: list[ast.keyword] = []
        for keyword in node.keywords:
            keyword.value = self.visit(keyword.value)
            value = keyword.value
            if keyword.arg is None and isinstance(value, ast.Dict) and _plain_keys(value):
                for key, item in zip(value.keys, value.values, strict=True):
                    assert key is not None
                    keywords.append(_place(ast.keyword(arg=_constant_text(key), value=item), keyword))  # type: ignore[arg-type]
            else:
                keywords.append(keyword)
        node.keywords = keywords
        if isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args and all(
            keyword.arg for keyword in keywords
        ):  # ``dict(namespace="x", ...)``: the dict it makes
            return ast.copy_location(
                ast.Dict(keys=[ast.Constant(kw.arg) for kw in keywords], values=[kw.value for kw in keywords]),
                node,
            )
        folded = _string_method(node)
        return node if folded is None else _place(folded, node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        """``IMAGES["job"]`` of a dict written out, ``PARTS[0]`` of a list: the item Python reads."""
        self.generic_visit(node)
        key = node.slice
        if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub):
            operand = key.operand
            if isinstance(operand, ast.Constant) and type(operand.value) is int:
                key = ast.Constant(-operand.value)  # ``PARTS[-1]``
        if not isinstance(node.ctx, ast.Load) or not isinstance(key, ast.Constant):
            return node
        if isinstance(node.value, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.value.keys):
            found = [v for k, v in zip(node.value.keys, node.value.values, strict=True)
                     if isinstance(k, ast.Constant) and type(k.value) is type(key.value) and k.value == key.value]
            return _place(copy.deepcopy(found[-1]), node) if found else node  # the last of a key given twice
        if isinstance(node.value, ast.List | ast.Tuple) and type(key.value) is int:
            items = node.value.elts
            if -len(items) <= key.value < len(items) and not any(isinstance(i, ast.Starred) for i in items):
                return _place(copy.deepcopy(items[key.value]), node)
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        if not any(key is None for key in node.keys):
            return node
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None and isinstance(value, ast.Dict) and _plain_keys(value):
                for inner_key, inner_value in zip(value.keys, value.values, strict=True):
                    _merge(keys, values, inner_key, inner_value)
            elif key is None:
                keys.append(None)
                values.append(value)
            else:
                _merge(keys, values, key, value)
        node.keys, node.values = keys, values
        return node

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        """``[f"echo {x}" for x in ["a", "b"]]`` over a list or tuple written out (or a name bound
        once to one): the list Python makes while the file is parsed, item by item. Any other
        comprehension (over ``range(...)``, a call, with an ``if``) stays as it is written."""
        self.generic_visit(node)
        if len(node.generators) != 1:
            return node
        loop = node.generators[0]
        if loop.ifs or loop.is_async or not isinstance(loop.target, ast.Name):
            return node
        if not isinstance(loop.iter, ast.List | ast.Tuple) or len(loop.iter.elts) > _MAX_UNROLLED:
            return node
        if any(isinstance(item, ast.Starred) for item in loop.iter.elts):
            return node
        name = loop.target.id
        items = [self.visit(_substituted(copy.deepcopy(node.elt), name, item)) for item in loop.iter.elts]
        return ast.copy_location(ast.List(elts=items, ctx=ast.Load()), node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif (
                isinstance(value, ast.FormattedValue)
                and value.format_spec is None
                and value.conversion in (-1, 115)  # none or !s
                and isinstance(value.value, ast.Constant)
                and isinstance(value.value.value, str | int | float)
                and not isinstance(value.value.value, bool)
            ):
                parts.append(str(value.value.value))
            else:
                return node
        return ast.copy_location(ast.Constant("".join(parts)), node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Add):
            return node
        left, right = _constant_text(node.left), _constant_text(node.right)
        if left is not NOT_FOUND and right is not NOT_FOUND:
            return ast.copy_location(ast.Constant(left + right), node)
        if isinstance(node.left, ast.List) and isinstance(node.right, ast.List):
            return ast.copy_location(ast.List(elts=[*node.left.elts, *node.right.elts], ctx=ast.Load()), node)
        return node


#: The longest list a comprehension is unrolled into: past any list a DAG file maps over by hand.
_MAX_UNROLLED = 1000
#: ``str`` methods folded on a string constant: each gives the same text wherever the file runs.
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold",
                             "replace", "removeprefix", "removesuffix", "split", "rsplit", "splitlines", "join"})
#: The longest text a folded method may make (``"x" * ...`` is not folded at all; this bounds ``replace``).
_MAX_FOLDED = 1_000_000


def _string_method(node: ast.Call) -> ast.expr | None:
    """``"  a b ".strip()``, ``" ".join(["a", "b"])``, ``"a,b".split(",")``... of constants: the
    value Python makes while the file is parsed; None for any other call."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in _STRING_METHODS and node.keywords == []):
        return None
    if not (isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)):
        return None
    arguments: list[Any] = []
    for arg in node.args:
        if func.attr == "join" and isinstance(arg, ast.List | ast.Tuple):
            items = [item.value if isinstance(item, ast.Constant) else None for item in arg.elts]
            if not all(isinstance(item, str) for item in items):
                return None
            arguments.append(items)
        elif isinstance(arg, ast.Constant) and type(arg.value) in (str, int):
            arguments.append(arg.value)
        else:
            return None
    text = func.value.value
    if func.attr == "replace" and len(arguments) >= 2 and (len(text) + 1) * (len(str(arguments[1])) + 1) > _MAX_FOLDED:
        return None  # what it could make is checked before it is made
    if func.attr == "join" and arguments and len(text) * len(arguments[0]) + sum(map(len, arguments[0])) > _MAX_FOLDED:
        return None
    try:
        value = getattr(text, func.attr)(*arguments)
    except (TypeError, ValueError):
        return None
    if isinstance(value, list):
        if sum(len(item) for item in value) > _MAX_FOLDED:
            return None
        return ast.List(elts=[ast.Constant(item) for item in value], ctx=ast.Load())
    return ast.Constant(value) if isinstance(value, str) and len(value) <= _MAX_FOLDED else None


def _substituted(node: ast.expr, name: str, value: ast.expr) -> ast.expr:
    """``node`` with each read of ``name`` replaced by a copy of ``value`` (a comprehension's item);
    a nested scope that binds ``name`` again is left alone."""

    class _Substitute(ast.NodeTransformer):
        def visit_Name(self, inner: ast.Name) -> ast.AST:
            if inner.id == name and isinstance(inner.ctx, ast.Load):
                return _place(copy.deepcopy(value), inner)
            return inner

        def visit_Lambda(self, inner: ast.Lambda) -> ast.AST:
            return inner

        def _scope(self, inner: ast.AST) -> ast.AST:
            targets = [g.target for g in getattr(inner, "generators", [])]
            bound = {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
            return inner if name in bound else self.generic_visit(inner)

        def visit_ListComp(self, inner: ast.ListComp) -> ast.AST:
            return self._scope(inner)

        def visit_SetComp(self, inner: ast.SetComp) -> ast.AST:
            return self._scope(inner)

        def visit_DictComp(self, inner: ast.DictComp) -> ast.AST:
            return self._scope(inner)

        def visit_GeneratorExp(self, inner: ast.GeneratorExp) -> ast.AST:
            return self._scope(inner)

    result = _Substitute().visit(node)
    assert isinstance(result, ast.expr)
    return result


def _plain_keys(node: ast.Dict) -> bool:
    """Every key a string literal (what ``**`` of a dict into a call needs)."""
    return all(key is not None and _constant_text(key) is not NOT_FOUND for key in node.keys)


def _merge(keys: list[ast.expr | None], values: list[ast.expr], key: ast.expr | None, value: ast.expr) -> None:
    """Add ``key: value`` to a dict being merged: a later key replaces an earlier one in place."""
    literal_key = dagsource.literal(key)
    if literal_key is not NOT_FOUND:
        for index, existing in enumerate(keys):
            if existing is not None and dagsource.literal(existing) == literal_key:
                values[index] = value
                return
    keys.append(key)
    values.append(value)


def _needs(node: ast.AST, bound: dict[str, ast.expr]) -> bool:
    """Does anything under ``node`` read differently as Python sees it? (``ast.walk`` is iterative:
    a chain of thousands of ``>>`` is looked at without recursion.)"""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load) and inner.id in bound:
            return True
        if isinstance(inner, ast.JoinedStr) or (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add)):
            return True
        if isinstance(inner, ast.Dict) and None in inner.keys:
            return True
        if isinstance(inner, ast.ListComp) and any(isinstance(g.iter, ast.List | ast.Tuple) for g in inner.generators):
            return True
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and isinstance(
            inner.func.value, ast.Constant
        ):  # ``"...".strip()``
            return True
        if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Dict | ast.List | ast.Tuple):
            return True
        if isinstance(inner, ast.Call) and (
            any(keyword.arg is None for keyword in inner.keywords) or dotted(inner.func) == "dict"
        ):
            return True
    return False


def _resolve_statement(statement: ast.stmt, resolver: Resolver) -> ast.stmt:
    """``statement`` as Python sees it: a copy where something changes, else itself. A block
    (``with DAG(...)``, a ``@dag`` function) is copied statement by statement, so that a very deep
    statement in it (left as written: the readers report it) spoils nothing else."""
    if not _needs(statement, resolver.bound):
        return statement
    if isinstance(statement, ast.With | ast.AsyncWith | ast.FunctionDef | ast.AsyncFunctionDef):
        block = copy.copy(statement)
        if isinstance(block, ast.With | ast.AsyncWith):
            block.items = [copy.copy(item) for item in block.items]
            for item in block.items:
                item.context_expr = _resolve_expression(item.context_expr, resolver)
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            # ``@dag(default_args=DEFAULTS)``: the decorator's call reads names too
            block.decorator_list = [_resolve_expression(deco, resolver) for deco in statement.decorator_list]
        block.body = [_resolve_statement(inner, resolver) for inner in statement.body]
        return block
    try:
        return resolver.visit(copy.deepcopy(statement))
    except RecursionError:
        return statement


def _resolve_expression(node: ast.expr, resolver: Resolver) -> ast.expr:
    if not _needs(node, resolver.bound):
        return node
    try:
        return resolver.visit(copy.deepcopy(node))
    except RecursionError:
        return node


def resolved(tree: ast.Module, imported: dict[str, ast.expr] | None = None) -> ast.Module:
    """``tree`` as Python sees it while the file runs (see the module docstring): statements
    that read the same are shared with ``tree``, the others are resolved copies; the
    module-level bindings themselves stay as they are written. ``imported``: names the file
    imports, with their values (read from the repo's modules by ``repo_imports``)."""
    resolver = Resolver({**(imported or {}), **data_bindings(tree)})
    result = copy.copy(tree)
    result.body = [_resolve_statement(statement, resolver) for statement in tree.body]
    return result


# --- what the file says, in one place ---------------------------------------------------------


@dataclass(frozen=True)
class DagFile:
    """A DAG file parsed once: its tree as written and as Python sees it, its imports, its
    module-level bindings, its DAG calls."""

    tree: ast.Module
    view: ast.Module
    imports: dict[str, str]
    bindings: dict[str, ast.expr]
    dags: tuple[dagsource.DagCall, ...]

    @classmethod
    def parse(
        cls, tree: ast.Module, imported: dict[str, ast.expr] | None = None, aliases: Iterable[ast.stmt] = (),
        unread_imports: dict[str, str] | None = None,
    ) -> DagFile:
        """``imported``: values the file imports from its repo's modules (``repo_imports``), with
        ``aliases``, the imports those values' constructors are named through, added to the view;
        ``unread_imports``: why each other name imported from them was not read (for messages)."""
        view = resolved(tree, imported)
        if aliases:
            view.body = [*view.body, *aliases]
        setattr(view, UNREAD_IMPORTS, dict(unread_imports or {}))
        return cls(tree, view, imported_names(view), data_bindings(tree), tuple(dagsource.dag_calls(view)))


def dag_ids(tree: ast.Module) -> list[str]:
    """The dag_ids ``DagFile.parse(tree).dags`` names, in the same order, at a fraction of its cost:
    only a ``DAG(...)`` call whose dag_id is no literal as written (``DAG(DAG_ID)``,
    ``DAG(**args)``) is resolved. The repo index reads every file of a dags repo for this alone."""
    resolver: Resolver | None = None
    ids: list[str] = []
    for found in dagsource.dag_calls(tree):
        dag_id = found.dag_id
        if dag_id is NOT_FOUND and dagsource.call_name(found.call) == "DAG":
            resolver = resolver or Resolver(data_bindings(tree))
            call = _resolve_expression(found.call, resolver)
            if isinstance(call, ast.Call):
                dag_id = dagsource.literal(dagsource.argument(call, "dag_id", 0))
        if isinstance(dag_id, str):
            ids.append(dag_id)
    return ids


# --- carried arguments: kept as written -------------------------------------------------------


class NotPure(Exception):
    """A value that is not a literal or a constructor of literals: what it is, for a message."""


def canonical_name(node: ast.AST, imports: dict[str, str]) -> str:
    """``k8s.V1Volume`` for ``V1Volume`` imported from kubernetes.client.models, ``datetime.timedelta``
    for ``timedelta`` from datetime...; '' when the name is none the template can write."""
    path = dotted(node)
    if not path:
        return ""
    root, _, rest = path.partition(".")
    where = imports.get(root)
    if where is None:
        return ""
    full = f"{where}.{rest}" if rest else where
    if full in _CANONICAL_MODULES:
        return _CANONICAL_MODULES[full]
    for prefix, spelled in _CANONICAL_PREFIXES:
        if full == prefix or full.startswith(prefix):
            return spelled + full[len(prefix) :] if prefix.endswith(".") else spelled
    return ""


def canonical(node: ast.AST, imports: dict[str, str]) -> ast.expr:
    """``node`` (resolved) as pure source in the template's spelling; ``NotPure`` otherwise."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str | int | float | bool | type(None)):
            return ast.Constant(node.value)
        raise NotPure(f"the constant {dagsource.source_of(node)}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = canonical(node.operand, imports)
        if isinstance(operand, ast.Constant) and isinstance(operand.value, int | float):
            return ast.UnaryOp(op=node.op, operand=operand)
        raise NotPure(dagsource.source_of(node))
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [canonical(item, imports) for item in node.elts]
        if isinstance(node, ast.Set):
            return ast.Set(elts=items)
        return (ast.List if isinstance(node, ast.List) else ast.Tuple)(elts=items, ctx=ast.Load())
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise NotPure(f"the **unpacking in {dagsource.source_of(node)}")
        return ast.Dict(
            keys=[canonical(key, imports) for key in node.keys if key is not None],
            values=[canonical(value, imports) for value in node.values],
        )
    if isinstance(node, ast.Attribute):  # an enum member: OnFinishAction.KEEP_POD
        name = canonical_name(node, imports)
        if name.startswith("k8s."):
            return ast.parse(name, mode="eval").body
        raise NotPure(f"`{dagsource.source_of(node)}`, a name no literal stands for")
    if isinstance(node, ast.Call):
        name = canonical_name(node.func, imports)
        if not pure_callable(name):
            raise NotPure(f"`{dagsource.source_of(node)}`, a call create_dag does not write")
        if dagsource.spread(node):
            raise NotPure(f"the unpacking in `{dagsource.source_of(node)}`")
        return ast.Call(
            func=ast.parse(name, mode="eval").body,
            args=[canonical(arg, imports) for arg in node.args],
            keywords=[ast.keyword(arg=kw.arg, value=canonical(kw.value, imports)) for kw in node.keywords],
        )
    if isinstance(node, ast.Name):
        raise NotPure(f"`{node.id}`, a name whose value is not written in this file as a literal")
    raise NotPure(f"`{dagsource.source_of(node)}`, computed when the file is parsed")


#: Why a callback argument is not kept: it runs code, and the one create_dag manages is its own alert.
CALLBACK_HINT = ("create_dag manages the Teams alert it writes (TeamsNotifier: `create-dag docs alerts`) and no "
                 "other callback: replace this one with it, or keep this DAG unmanaged")  # fmt: skip


def is_callback(argument: str) -> bool:
    """``on_failure_callback``, ``on_success_callback``, ``sla_miss_callback``...: code to run, not a value."""
    return argument.endswith("_callback")


def pure_callable(name: str) -> bool:
    """The constructors a carried value may call, as the template spells them."""
    from createdag import resources

    return bool(resources.template_extensions().pure_callable(name))


def carry(node: ast.AST, imports: dict[str, str]) -> str:
    """The canonical source of a value kept as written; ``NotPure`` when it cannot be. The
    template's own check (``pure_source``, which renders it back) has the last word."""
    from createdag import resources

    source = ast.unparse(canonical(node, imports))
    try:
        return str(resources.template_extensions().check_pure_source(source))
    except (ValueError, SyntaxError, RecursionError) as exc:
        raise NotPure(f"`{dagsource.source_of(node)}`") from exc


def carried_names(sources: Iterable[str]) -> set[str]:
    """The template's imports a set of carried sources needs: ``k8s``, ``Secret``, ``datetime``, ``pendulum``."""
    names: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source, mode="eval")):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names
