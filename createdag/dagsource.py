"""Read DAG files as source: literals, calls, the DAG call and its dag_id, the tasks.

The one reader behind the upstream lookup, the repo-wide dag_id index,
``update``'s locator and ``adopt``. A DAG file is never imported (it may
have side effects, fail, or be hostile): it is parsed with ``ast``, and only
literals are read from it. A file that cannot be read or parsed within
reasonable size and depth is reported (``UnreadableSource``) or, by scans,
skipped.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from createdag.errors import UnreadableSource


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
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise UnreadableSource(f"{path} is larger than {MAX_SOURCE_BYTES // 2**20} MiB: not read as a DAG file")
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read {path}: {exc.strerror or exc}") from None


def read_source(path: Path) -> str:
    """The text of a DAG file (a UTF-8 BOM dropped), within ``MAX_SOURCE_BYTES``."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


#: Python 3.10 crashes (a C stack overflow, not an exception) turning a very long left-nested chain
#: (``1+1+...``, ``a.b.c...``, ``f()()...``) into ``ast`` objects; 3.11 raises RecursionError. A chain
#: of 100,000 links parses there, 150,000 crash; no real DAG statement comes near either.
_PY310_MAX_CHAIN_TOKENS: Final = 200_000


def _refuse_chains_that_crash_python310(text: str) -> None:
    """On 3.10, raise RecursionError, as 3.11 would, for a statement long enough to crash ``ast.parse``.
    Grouping brackets are not counted (the parser refuses 200 nested ones itself); trailers are."""
    if sys.version_info >= (3, 11) or len(text) < _PY310_MAX_CHAIN_TOKENS:  # each link takes 2+ characters
        return
    count, previous = 0, None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                count = 0
            elif token.string not in ("(", "[", "{", ")", "]", "}") or (
                token.string in ("(", "[") and previous in (")", "]", tokenize.NAME)
            ):
                count += 1
                if count > _PY310_MAX_CHAIN_TOKENS:
                    raise RecursionError("statement too long to parse on Python 3.10")
            previous = tokenize.NAME if token.type == tokenize.NAME else token.string
    except (tokenize.TokenError, SyntaxError):
        return  # malformed: ast.parse says how, safely


def parse_text(text: str, path: Path) -> ast.Module:
    """``ast.parse`` with every way it can fail on hostile input turned into ``UnreadableSource``."""
    try:
        _refuse_chains_that_crash_python310(text)
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise UnreadableSource(f"{path} does not parse (line {exc.lineno}: {exc.msg}): fix it first") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # too deeply nested, too big, NUL bytes
        raise UnreadableSource(f"{path} cannot be parsed ({type(exc).__name__}): not read as a DAG file") from None


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


def dag_ids(tree: ast.AST) -> list[str]:
    """The literal dag_ids a file defines, in source order."""
    return [found.dag_id for found in dag_calls(tree) if isinstance(found.dag_id, str)]


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
