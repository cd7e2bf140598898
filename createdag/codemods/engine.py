"""One file through every fixer: parsed once (libcst, never imported), facts gathered, one
walk of the tree in which each fixer's handlers see each node, imports added and removed
after. Returns the new source (None: nothing to change) and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from createdag import airflow2
from createdag.codemods import office365
from createdag.codemods.base import Facts, FileContext, Finding, Fixer, Rule, walk

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

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def, override]
        result = updated_node
        for handler in self.handlers.get(type(original_node), ()):
            if type(result) is not type(original_node):
                break  # replaced or removed by an earlier fixer
            result = handler(self.ctx, original_node, result)
        return result


_START_NAMES = frozenset(name for name, reads in airflow2.DATE_VARIABLES.items() if reads == airflow2.START)


def gather(module: cst.Module, folder: Facts) -> Facts:
    facts = Facts(callback_events=folder.callback_events, imported_elsewhere=folder.imported_elsewhere)
    stars: set[str] = set()
    reads_start = False
    for node in walk(module):
        if isinstance(node, cst.Parameters) and isinstance(node.star_kwarg, cst.Param):
            stars.add(node.star_kwarg.name.value)
        elif isinstance(node, cst.Param) and node.name.value in _START_NAMES:
            reads_start = True
        elif isinstance(node, cst.SimpleString) and not reads_start:
            value = node.evaluated_value
            if not isinstance(value, str):
                continue
            if value in _START_NAMES:
                reads_start = True
            elif "{{" in value or "{%" in value:
                reads_start = any(
                    airflow2.DATE_VARIABLES.get(r.name) == airflow2.START for r in airflow2.template_references(value)
                )
    facts.context_names = facts.context_names | stars
    facts.keeps_intervals = reads_start
    office365.scan(module, facts)
    return facts


def migrate_source(path: str, source: str, fixers: tuple[Fixer, ...], folder: Facts | None = None) -> FileResult:
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
        new = AddImportsVisitor(ctx.codemod).transform_module(new)
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
