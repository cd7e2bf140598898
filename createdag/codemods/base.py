"""What every fixer shares: a rule (stable code, kind), a finding (file, line, code), and the
per-file context a fixer reads facts from and reports to.

Kinds: ``change`` (done, and said), ``review`` (left as it is or done with a caveat, and said
with what to check), ``blocker`` (the file is not migrated; all its blockers are listed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import libcst as cst
from libcst.metadata import PositionProvider

Kind = Literal["change", "review", "blocker"]


@dataclass(frozen=True)
class Rule:
    code: str
    kind: Kind
    summary: str  # what it detects and does, for docs/migrate.md and --list-rules


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str
    kind: Kind
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "code": self.code, "kind": self.kind, "message": self.message}


Handler = Callable[["FileContext", Any, Any], Any]


class Fixer:
    """One family of changes (django-upgrade's layout): its rules, and handlers per node type
    called on leaving each node with (context, original node, updated node)."""

    def __init__(self, name: str, rules: tuple[Rule, ...]) -> None:
        self.name = name
        self.rules = rules
        self.handlers: dict[type[cst.CSTNode], list[Handler]] = defaultdict(list)

    def on(self, *node_types: type[cst.CSTNode]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for node_type in node_types:
                self.handlers[node_type].append(handler)
            return handler

        return register


@dataclass
class Facts:
    """What the fixers must know about the whole file before changing any of it."""

    #: the migrated DAGs keep Airflow 2's data intervals (the file reads the logical date or the
    #: interval start): cron and timedelta schedules become the data-interval timetables
    keeps_intervals: bool = False
    #: names of functions posting an Office 365 card -> (event, connection id)
    card_callbacks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: top-level classes/functions only the card callbacks used: removed with them
    card_helpers: set[str] = field(default_factory=set)
    #: names this folder's files use as callbacks, with the event (on_failure_callback: failure)
    callback_events: dict[str, str] = field(default_factory=dict)
    #: names other files of the folder import from this one (kept whatever happens)
    imported_elsewhere: set[str] = field(default_factory=set)
    #: imported names only the removed Office 365 code used: their imports go
    dropped_imports: set[str] = field(default_factory=set)
    #: each name the file's imports bind -> the dotted name it stands for
    bound: dict[str, str] = field(default_factory=dict)
    #: module-level names bound once to a dict literal (``volume_config = {...}``)
    module_dicts: dict[str, cst.Dict] = field(default_factory=dict)
    #: names a callable's context goes by in this file (``context``, ``kwargs``, every ``**name``)
    context_names: frozenset[str] = frozenset({"context", "kwargs", "ctx", "kw"})


class FileContext:
    def __init__(self, path: str, wrapper: cst.MetadataWrapper, facts: Facts) -> None:
        self.path = path
        self.wrapper = wrapper
        self.facts = facts
        self.findings: list[Finding] = []
        #: imports the changes need: (module, name or None for ``import module``, alias)
        self.needed: list[tuple[str, str | None, str | None]] = []
        self._positions: Any = None  # resolved at the first finding: most nodes never need a line
        self.bound = facts.bound
        self.removed_import_names: set[str] = set()
        #: scratch space a fixer keeps per file (keyed by its name)
        self.scratch: dict[str, Any] = {}

    def line(self, node: cst.CSTNode) -> int:
        if self._positions is None:
            self._positions = self.wrapper.resolve(PositionProvider)
        position = _value(self._positions.get(node))
        return position.start.line if position else 0

    def qualnames(self, node: cst.CSTNode) -> set[str]:
        found = self._qualname(node)
        return {found} if found else set()

    def _qualname(self, node: cst.CSTNode) -> str | None:
        """What a name or dotted name refers to through the file's imports (``k8s.V1Pod`` ->
        ``kubernetes.client.models.V1Pod``); libcst's scope analysis costs more than the rest of a
        migration, and DAG files do not shadow what they import."""
        if isinstance(node, cst.Name):
            return self.bound.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self._qualname(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def qualname(self, node: cst.CSTNode) -> str | None:
        names = self.qualnames(node)
        return next(iter(sorted(names))) if names else None

    def report(self, rule: Rule, node: cst.CSTNode | int, message: str) -> None:
        line = node if isinstance(node, int) else self.line(node)
        self.findings.append(Finding(self.path, line, rule.code, rule.kind, message))

    def need_import(self, module: str, name: str | None = None, asname: str | None = None) -> None:
        if (module, name, asname) not in self.needed:
            self.needed.append((module, name, asname))

    def k8s(self) -> str:
        """The name the Kubernetes models go by in this file, importing them when absent."""
        self.need_import("kubernetes.client", "models", "k8s")
        return "k8s"


def _value(found: Any) -> Any:
    """libcst resolves some metadata lazily (``LazyValue``): the value itself."""
    return found() if callable(found) else found


# ---- small libcst helpers the fixers share ------------------------------------------------------------------


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def literal(node: cst.BaseExpression) -> Any:
    """The value of a literal string, number, bool or None; ``...`` (Ellipsis) when not a literal."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else ...
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.value, 0)
    return ...


def rename_arg(arg: cst.Arg, new: str) -> cst.Arg:
    assert arg.keyword is not None
    return arg.with_changes(keyword=arg.keyword.with_changes(value=new))


def drop_args(call: cst.Call, names: set[str]) -> cst.Call:
    """``call`` without its keyword arguments in ``names``, commas kept as the file wrote them."""
    kept = [a for a in call.args if not (a.keyword is not None and a.keyword.value in names)]
    if len(kept) == len(call.args):
        return call
    if kept and call.args and kept[-1] is not call.args[-1]:
        kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)
    return call.with_changes(args=kept)


def add_arg(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` after its last argument, laid out as its other arguments are."""
    args = list(call.args)
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    between = args[-2].comma if len(args) > 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(between, cst.MaybeSentinel):
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma) and isinstance(between, cst.Comma):
        # a trailing comma: the new argument goes on its own line as the others do
        args[-1] = last.with_changes(comma=between)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=between)
        args.append(new.with_changes(comma=last.comma))
    return call.with_changes(args=args)


def expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def string(value: str) -> cst.SimpleString:
    return cst.SimpleString(repr(value) if '"' in value else f'"{value}"')


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from walk(child)
