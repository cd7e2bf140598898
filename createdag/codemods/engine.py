"""One file through every fixer: parsed once (libcst, never imported), facts gathered, one
walk of the tree in which each fixer's handlers see each node, imports added and removed
after. Returns the new source (None: nothing to change) and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from createdag.codemods import office365, template_variables
from createdag.codemods.base import Facts, FileContext, Finding, Fixer, Rule

SYNTAX = Rule("AIR3-syntax", "blocker", "the file does not parse as Python")
INTERNAL = Rule(
    "AIR3-not-handled", "blocker", "the codemod met a construct it cannot handle: the file is left as it is"
)


@dataclass
class FileResult:
    path: str
    source: str
    new_source: str | None  # None: nothing Airflow 3 needs changed
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(f.kind == "blocker" for f in self.findings)


class _Apply(cst.CSTTransformer):
    METADATA_DEPENDENCIES = ()

    def __init__(self, ctx: FileContext, fixers: tuple[Fixer, ...]) -> None:
        super().__init__()
        self.ctx = ctx
        self.handlers: dict[type, list] = {}
        for fixer in fixers:
            for node_type, handlers in fixer.handlers.items():
                self.handlers.setdefault(node_type, []).extend(handlers)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result = updated_node
        for handler in self.handlers.get(type(original_node), ()):
            if type(result) is not type(original_node):
                break  # replaced or removed by an earlier fixer
            result = handler(self.ctx, original_node, result)
        return result


#: A file without any of these has nothing a fixer changes (no Airflow import, card or template).
_MARKERS = ("airflow", "MessageCard", "{{", "{%")

_START_NAMES = frozenset(
    name for name, reads in template_variables.DATE_VARIABLES.items() if reads == template_variables.START
)


class _Gather(cst.CSTVisitor):
    """Every fact the fixers need, in one walk (libcst's ``children`` is costly: walk once)."""

    def __init__(self, facts: Facts) -> None:
        super().__init__()
        self.facts = facts
        self.stars: set[str] = set()
        self.reads_start = False
        self.card = False  # a string names a MessageCard: look for the Office 365 callback

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is None or node.relative or isinstance(node.names, cst.ImportStar):
            return
        base = cst.Module([]).code_for_node(node.module)
        for alias in node.names:
            self.facts.bound[alias.evaluated_alias or alias.evaluated_name] = f"{base}.{alias.evaluated_name}"

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.evaluated_alias:
                self.facts.bound[alias.evaluated_alias] = alias.evaluated_name
            else:
                top = alias.evaluated_name.split(".")[0]
                self.facts.bound[top] = top

    def visit_Parameters(self, node: cst.Parameters) -> None:
        if isinstance(node.star_kwarg, cst.Param):
            self.stars.add(node.star_kwarg.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.reads_start |= node.name.value in _START_NAMES

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.card |= "MessageCard" in node.value
        if self.reads_start:
            return
        value = node.evaluated_value
        if not isinstance(value, str):
            return
        if value in _START_NAMES:
            self.reads_start = True
        elif "{{" in value or "{%" in value:
            self.reads_start = any(
                template_variables.DATE_VARIABLES.get(r.name) == template_variables.START
                for r in template_variables.template_references(value)
            )


def gather(module: cst.Module, folder: Facts) -> Facts:
    facts = Facts(callback_events=folder.callback_events, imported_elsewhere=folder.imported_elsewhere)
    seen = _Gather(facts)
    module.visit(seen)
    facts.context_names = facts.context_names | seen.stars
    facts.keeps_intervals = seen.reads_start
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            assign = statement.body[0]
            if (
                len(assign.targets) == 1
                and isinstance(assign.targets[0].target, cst.Name)
                and isinstance(assign.value, cst.Dict)
            ):
                facts.module_dicts[assign.targets[0].target.value] = assign.value
    if seen.card:
        office365.scan(module, facts)
    return facts


def add_imports(
    module: cst.Module, needed: list[tuple[str, str | None, str | None]], bound: dict[str, str]
) -> cst.Module:
    """The imports the changes need, after the file's first block of imports (each once)."""
    lines = []
    for name_of, name, asname in needed:
        local = asname or name or name_of.split(".")[0]
        if bound.get(local) == (f"{name_of}.{name}" if name else name_of):
            continue
        if name is None:
            code = f"import {name_of}" + (f" as {asname}" if asname else "")
        else:
            code = f"from {name_of} import {name}" + (f" as {asname}" if asname and asname != name else "")
        lines.append(cst.parse_statement(code))
    if not lines:
        return module
    body = list(module.body)
    at = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(
            statement.body[0], cst.Import | cst.ImportFrom
        ):
            at = index + 1
        elif index == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr):
            at = 1  # the module docstring
        elif at:
            break
    return module.with_changes(body=[*body[:at], *lines, *body[at:]])


def migrate_source(path: str, source: str, fixers: tuple[Fixer, ...], folder: Facts | None = None) -> FileResult:
    if not any(marker in source for marker in _MARKERS):
        return FileResult(path, source, None)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return FileResult(
            path,
            source,
            None,
            [Finding(path, exc.raw_line, SYNTAX.code, SYNTAX.kind, f"does not parse: {exc.message}")],
        )
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    ctx = FileContext(path, wrapper, gather(module, folder or Facts()))
    try:
        new = module.visit(_Apply(ctx, fixers))
        new = add_imports(new, ctx.needed, ctx.facts.bound)
    except (cst.CSTValidationError, ValueError, TypeError, AttributeError, KeyError) as exc:
        # a shape of code no fixer was written for: said, never a traceback, and nothing written
        line = max((f.line for f in ctx.findings), default=1)
        return FileResult(
            path,
            source,
            None,
            [
                *ctx.findings,
                Finding(
                    path,
                    line,
                    INTERNAL.code,
                    INTERNAL.kind,
                    f"not migrated: the codemod could not rewrite it ({type(exc).__name__}: {exc}); please report it",
                ),
            ],
        )
    code = new.code
    ctx.findings.sort(key=lambda f: f.line)
    return FileResult(path, source, code if code != source else None, ctx.findings)
