"""Read DAG files as source: literals, calls, the DAG call and its dag_id, the tasks.

The one reader behind the upstream lookup, the repo-wide dag_id index,
``update``'s locator and ``adopt`` (whose tasks and dependencies
``pipeline_source`` reads with the helpers here). A DAG file is never imported (it may
have side effects, fail, or be hostile): it is parsed with ``ast``, and only
literals are read from it. A file that cannot be read or parsed within
reasonable size and depth is reported (``UnreadableSource``) or, by scans,
skipped.
"""

from __future__ import annotations

import ast
import errno
import json
import math
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from createdag.errors import UnreadableSource
from createdag.escape import printable
from createdag.scan import read_regular, why_not_regular


class _NotFound:
    """The value of a node that is not a literal (a name, a call, an f-string...)."""

    _instance: _NotFound | None = None

    def __new__(cls) -> _NotFound:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_FOUND"

    def __bool__(self) -> bool:
        return False


NOT_FOUND: Final = _NotFound()
#: Larger ``.py`` files are not DAG files anyone wrote by hand: reported, not parsed.
MAX_SOURCE_BYTES = 4 * 1024 * 1024


def read_tree(path: Path) -> ast.Module:
    """The parsed source of ``path``; ``UnreadableSource`` (naming the file and why) otherwise."""
    return parse_text(read_source(path), path)


def read_bytes(path: Path) -> bytes:
    """The bytes of a DAG file, within ``MAX_SOURCE_BYTES``; ``UnreadableSource`` otherwise."""
    reason = why_not_regular(path)  # a FIFO, a socket, a loop...: never opened, so never a hang
    if reason is not None:
        raise UnreadableSource(f"cannot read {printable(path)}: {reason}")
    try:
        return read_regular(path, MAX_SOURCE_BYTES)
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise UnreadableSource(
                f"{printable(path)} is larger than {MAX_SOURCE_BYTES // 2**20} MiB: not read as a DAG file"
            ) from None
        raise UnreadableSource(f"cannot read {printable(path)}: {exc.strerror or exc}") from None


def read_source(path: Path) -> str:
    """The text of a DAG file (a UTF-8 BOM dropped), within ``MAX_SOURCE_BYTES``."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"{printable(path)} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


#: Python 3.10's ``ast.parse`` has no depth guard while it builds the tree: a chain of about
#: 150,000 operators (``1+1+...``, ``a.b.b...``) overflows the C stack and the process dies
#: (a segfault, no exception). A text this short holds at most ~100,000 levels, which the
#: default stack takes; a longer one is parsed, on 3.10, in a thread whose stack fits the
#: deepest tree a file within ``MAX_SOURCE_BYTES`` can hold. 3.11+ raise RecursionError.
_SHALLOW_ENOUGH = 200_000
_DEEP_STACK = 1024 * 2**20  # reserved address space, touched only as deep as the tree goes


def _parse(text: str, filename: str) -> ast.Module:
    if sys.version_info >= (3, 11) or len(text) <= _SHALLOW_ENOUGH:
        return ast.parse(text, filename=filename)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["tree"] = ast.parse(text, filename=filename)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            outcome["error"] = exc

    saved = threading.stack_size(_DEEP_STACK)
    try:
        worker = threading.Thread(target=run, name="create_dag-parse")
        worker.start()
    finally:
        threading.stack_size(saved)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["tree"]


def parse_text(text: str, path: Path) -> ast.Module:
    """``ast.parse`` with every way it can fail on hostile input turned into ``UnreadableSource``."""
    shown = printable(path)
    try:
        return _parse(text, str(path))
    except SyntaxError as exc:
        raise UnreadableSource(f"{shown} does not parse (line {exc.lineno}: {exc.msg}): fix it first") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # too deeply nested, too big, NUL bytes
        raise UnreadableSource(f"{shown} cannot be parsed ({type(exc).__name__}): not read as a DAG file") from None


def try_read_tree(path: Path, *, containing: tuple[str, ...] = ()) -> ast.Module | None:
    """``read_tree``, or None: for scans over a whole folder, where one bad file must not stop
    the rest. With ``containing``, a file holding none of those words is not even parsed."""
    try:
        text = read_source(path)
        if containing and not any(word in text for word in containing):
            return None
        return parse_text(text, path)
    except UnreadableSource:
        return None


def literal(node: ast.AST | None) -> Any:
    """The node's value when it is a literal, else ``NOT_FOUND``."""
    if node is None:
        return NOT_FOUND
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return NOT_FOUND


def call_name(node: ast.AST) -> str:
    """``f`` for ``f(...)`` and ``a.b.f(...)`` (or for the bare name/attribute); '' otherwise."""
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def kwargs(call: ast.Call) -> dict[str, ast.expr]:
    """The call's keyword arguments by name (``**spread`` left out)."""
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    """The argument given as ``name=`` or at ``position``."""
    given = kwargs(call).get(name)
    if given is None and len(call.args) > position:
        return call.args[position]
    return given


@dataclass(frozen=True)
class DagCall:
    """A ``DAG(...)`` call or a ``@dag(...)`` decorator, with its dag_id when that is a literal."""

    call: ast.Call
    dag_id: Any  # str, or NOT_FOUND


def dag_calls(tree: ast.AST) -> Iterator[DagCall]:
    """Every ``DAG(...)`` call and ``@dag``/``@dag(...)`` decorator, in source order."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "DAG":
            yield DagCall(node, literal(argument(node, "dag_id", 0)))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if call_name(deco) != "dag":
                    continue
                call = deco if isinstance(deco, ast.Call) else ast.Call(func=deco, args=[], keywords=[])
                given = literal(argument(call, "dag_id", 0))
                yield DagCall(call, node.name if given is NOT_FOUND and not _has_dag_id(call) else given)


def _has_dag_id(call: ast.Call) -> bool:
    return bool(call.args) or "dag_id" in kwargs(call)


@dataclass(frozen=True)
class TaskIds:
    """The task ids a file's literals name."""

    ids: frozenset[str]
    #: tasks defined with ``.partial(...)``: mapped, so one run holds several instances
    mapped: frozenset[str]
    #: False when some ``task_id=`` is computed, not a literal
    complete: bool


def task_ids(tree: ast.AST) -> TaskIds:
    ids, mapped, complete = set(), set(), True
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        value = kwargs(node).get("task_id")
        if value is None:
            continue
        task_id = literal(value)
        if not isinstance(task_id, str):
            complete = False
            continue
        ids.add(task_id)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "partial":
            mapped.add(task_id)
    return TaskIds(frozenset(ids), frozenset(mapped), complete)


def calls_named(tree: ast.AST, *names: str) -> Iterator[ast.Call]:
    """Every call of one of ``names`` (``KubernetesPodOperator``, ``Secret``...), in walk order."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in names:
            yield node


# --- helpers for reading calls written by hand (``pipeline_source``, ``adopt``) -------------


def line_of(node: ast.AST) -> int:
    """The line a node starts on (0 for a node the parser did not place)."""
    return int(getattr(node, "lineno", 0) or 0)


def source_of(node: ast.AST, limit: int = 40) -> str:
    """The node as Python source, on one line and cut to about ``limit`` characters, for a message."""
    try:
        text = " ".join(ast.unparse(node).split())
    except (RecursionError, ValueError, MemoryError):  # nested too deeply for unparse
        return "..."
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def quoted(text: str, limit: int = 60) -> str:
    """A string as a message quotes it: in double quotes, as the DAG file would have it."""
    if len(text) > limit:
        text = f"{text[: limit // 2]}...{text[-(limit // 2) :]}"
    return json.dumps(text, ensure_ascii=False)


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a name or an attribute chain; '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def imported_names(tree: ast.AST) -> dict[str, str]:
    """Each name an import binds, with what it stands for: ``chain`` -> ``airflow.sdk.chain``
    (``from airflow.sdk import chain``), ``k8s`` -> ``kubernetes.client.models``."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:  # ``import a.b`` binds ``a``
                    root = alias.name.split(".")[0]
                    names[root] = root
    return names


def origin(node: ast.AST, names: dict[str, str]) -> str:
    """What a name or attribute chain stands for through the file's imports (``imported_names``):
    ``sdk.chain`` -> ``airflow.sdk.chain`` after ``from airflow import sdk``; '' when not imported."""
    path = dotted(node)
    root, _, rest = path.partition(".")
    if root not in names:
        return ""
    return f"{names[root]}.{rest}" if rest else names[root]


def operator_name(call: ast.Call) -> str:
    """The operator a call makes a task of: ``X`` for ``X(...)``, ``X.partial(...)`` and
    ``X.partial(...).expand(...)`` (any ``.expand*``), ``mod.X(...)`` included."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr.startswith("expand") and isinstance(func.value, ast.Call):
        inner = func.value.func
        if isinstance(inner, ast.Attribute) and inner.attr == "partial":
            return call_name(inner.value)
    if isinstance(func, ast.Attribute) and func.attr == "partial":
        return call_name(func.value)
    return call_name(call)


def spread(call: ast.Call) -> list[ast.expr]:
    """The ``*args`` and ``**kwargs`` of a call: arguments no reader can see."""
    starred = [arg for arg in call.args if isinstance(arg, ast.Starred)]
    return [*starred, *(kw.value for kw in call.keywords if kw.arg is None)]


def repeated_keywords(call: ast.Call) -> list[str]:
    """Keyword arguments given twice (``ast.parse`` takes them; Python refuses to run them)."""
    seen: set[str] = set()
    twice = []
    for kw in call.keywords:
        if kw.arg in seen:
            twice.append(kw.arg)
        elif kw.arg:
            seen.add(kw.arg)
    return twice


def strings(node: ast.AST | None) -> Any:
    """A list (or tuple) literal of strings, as a list; ``NOT_FOUND`` otherwise."""
    value = literal(node) if isinstance(node, ast.List | ast.Tuple) else NOT_FOUND
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    return NOT_FOUND


def string_dict(node: ast.AST | None) -> Any:
    """A dict literal from strings to strings; ``NOT_FOUND`` otherwise (``**spread`` included)."""
    value = literal(node) if isinstance(node, ast.Dict) else NOT_FOUND
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return NOT_FOUND


_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def timedelta_seconds(node: ast.AST | None) -> Any:
    """The seconds of ``timedelta(hours=..., minutes=...)`` (keywords, literal numbers), or of a
    literal number; ``NOT_FOUND`` otherwise."""
    number = literal(node)
    if isinstance(number, int | float) and not isinstance(number, bool):
        return number if math.isfinite(number) else NOT_FOUND
    if not (isinstance(node, ast.Call) and call_name(node) == "timedelta") or node.args:
        return NOT_FOUND
    total: float = 0
    for key, value in kwargs(node).items():
        number = literal(value)
        if key not in _SECONDS or isinstance(number, bool) or not isinstance(number, int | float):
            return NOT_FOUND
        total += number * _SECONDS[key]
    if len(node.keywords) != len(kwargs(node)) or not math.isfinite(total):  # ``**spread``, or 1e999
        return NOT_FOUND
    return total


def timedelta_minutes(node: ast.AST | None) -> Any:
    """Whole minutes of ``timedelta(...)`` (keywords only); ``NOT_FOUND`` otherwise."""
    if not (isinstance(node, ast.Call) and call_name(node) == "timedelta"):
        return NOT_FOUND
    seconds = timedelta_seconds(node)
    if seconds is NOT_FOUND or seconds % 60:
        return NOT_FOUND
    return int(seconds // 60)


# --- assets: which DAG's tasks list which asset as an outlet --------------------------------------

#: the classes whose first argument names an asset (``Dataset``: Airflow 2's name for it)
ASSET_CLASSES = ("Asset", "Dataset")


def _asset_uri(node: ast.AST, bound: dict[str, ast.expr]) -> Any:
    """The URI of ``Asset("uri")``, ``Asset(name, uri)``, ``Asset(uri=...)`` or ``Asset(name=...)``
    (the name is its URI then), or of a module-level name bound to one; ``NOT_FOUND`` otherwise."""
    if isinstance(node, ast.Name) and node.id in bound:
        node = bound[node.id]
    if not (isinstance(node, ast.Call) and call_name(node) in ASSET_CLASSES):
        return NOT_FOUND
    given = kwargs(node)
    for candidate in (given.get("uri"), node.args[1] if len(node.args) > 1 else None,
                      node.args[0] if node.args else None, given.get("name")):  # fmt: skip
        if candidate is not None:
            value = literal(candidate)
            return value if isinstance(value, str) else NOT_FOUND
    return NOT_FOUND


def _outlets_in(scope: ast.AST, bound: dict[str, ast.expr]) -> list[str]:
    uris: list[str] = []
    for node in ast.walk(scope):
        if not isinstance(node, ast.Call):
            continue
        value = kwargs(node).get("outlets")
        if value is None:
            continue
        if isinstance(value, ast.Name) and value.id in bound:
            value = bound[value.id]
        items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        for item in items:
            uri = _asset_uri(item, bound)
            if isinstance(uri, str) and uri not in uris:
                uris.append(uri)
    return uris


def asset_outlets(tree: ast.Module, bound: dict[str, ast.expr]) -> dict[str, list[str]]:
    """The asset URIs each DAG of a file lists as task outlets, by dag_id, from literals only;
    ``bound``: the file's module-level bindings (``dagmodel.DagFile.bindings``).

    A task belongs to the DAG whose ``with DAG(...)`` block or ``@dag`` function holds it; in a
    file that defines one DAG, every task outlet is that DAG's.
    """
    calls = [found for found in dag_calls(tree) if isinstance(found.dag_id, str)]
    if len(calls) == 1:
        return {calls[0].dag_id: _outlets_in(tree, bound)}
    result: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        scope_id = None
        if isinstance(node, ast.With):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and call_name(expr) == "DAG":
                    scope_id = literal(argument(expr, "dag_id", 0))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for found in calls:
                if any(deco in (found.call, found.call.func) for deco in node.decorator_list):
                    scope_id = found.dag_id
        if isinstance(scope_id, str):
            result.setdefault(scope_id, []).extend(
                uri for uri in _outlets_in(node, bound) if uri not in result.get(scope_id, [])
            )
    return result


# --- Airflow 3 DAG arguments as the template writes them (read by ``adopt``) ---------------------


def asset_uri(node: ast.AST, bound: dict[str, ast.expr]) -> Any:
    """The URI of ``Asset("uri")`` (or of a module-level name bound to one); ``NOT_FOUND`` otherwise."""
    return _asset_uri(node, bound)


def asset_condition(node: ast.AST, bound: dict[str, ast.expr]) -> Any:
    """``(uris, mode)`` for ``Asset(a)``, ``Asset(a) & Asset(b) & ...`` ("all"), ``Asset(a) | ...``
    ("any") or a list of assets ("all", as Airflow reads a list); ``NOT_FOUND`` for anything else
    (``&`` and ``|`` mixed, an asset whose URI is no literal)."""
    if isinstance(node, ast.List | ast.Tuple):
        uris = [asset_uri(item, bound) for item in node.elts]
        ok = bool(uris) and all(isinstance(uri, str) for uri in uris)
        return (uris, "all") if ok else NOT_FOUND
    ops: set[type] = set()
    items: list[ast.AST] = []
    pending: list[ast.AST] = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitAnd | ast.BitOr):
            ops.add(type(current.op))
            pending.extend([current.right, current.left])  # popped left first: file order
        else:
            items.append(current)
    if len(ops) > 1:
        return NOT_FOUND
    uris = [asset_uri(item, bound) for item in items]
    if not all(isinstance(uri, str) for uri in uris):
        return NOT_FOUND
    return uris, "any" if ops == {ast.BitOr} else "all"


_EVERY_UNIT_SECONDS = (("day", 86400), ("hour", 3600), ("minute", 60))


def every_schedule(node: ast.AST | None) -> Any:
    """``every N minutes|hours|days`` for ``timedelta(...)`` of a whole number of minutes (in the
    unit it is written in when that is one keyword, else the largest exact one); ``NOT_FOUND`` otherwise."""
    if not (isinstance(node, ast.Call) and call_name(node) == "timedelta"):
        return NOT_FOUND
    seconds = timedelta_seconds(node)
    if seconds is NOT_FOUND or seconds <= 0 or seconds % 60:
        return NOT_FOUND
    given = kwargs(node)
    units = dict(_EVERY_UNIT_SECONDS)
    if len(given) == 1:
        ((key, value),) = given.items()
        number = literal(value)
        if key.rstrip("s") in units and isinstance(number, int) and not isinstance(number, bool):
            return f"every {number} {key.rstrip('s')}" + ("s" if number != 1 else "")
    for unit, size in _EVERY_UNIT_SECONDS:
        if seconds % size == 0:
            count = int(seconds // size)
            return f"every {count} {unit}" + ("s" if count != 1 else "")
    return NOT_FOUND  # pragma: no cover - a whole minute is always a minute
