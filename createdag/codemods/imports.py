"""Imports Airflow 3 moved or removed: to ``airflow.sdk``, the standard provider, today's
cncf-kubernetes modules (``operators.pod``, ``secret``), out of ``airflow.contrib``; renamed
classes (``DummyOperator`` -> ``EmptyOperator``) renamed where the file uses them.
What moved where is data (``tables``)."""

from __future__ import annotations

import libcst as cst

from createdag.codemods import tables
from createdag.codemods.base import FileContext, Fixer, Rule

MOVED = Rule(
    "AIR3-import-moved", "change", "an import Airflow 3 or today's providers moved: imported from where it is now"
)
RENAMED = Rule("AIR3-name-renamed", "change", "a class Airflow 3 renamed (DummyOperator): renamed where it is used")
REMOVED = Rule(
    "AIR3-import-removed",
    "blocker",
    "an import Airflow 3 removed with nothing to move it to (SubDagOperator, airflow.contrib leftovers)",
)

FIXER = Fixer("imports", (MOVED, RENAMED, REMOVED))

#: Imports other fixers replace the uses of (their calls are rewritten): the import goes.
_DROPPED = frozenset(
    {"airflow.utils.dates.days_ago", *tables.POD_OBJECTS, *{name.rpartition(".")[0] for name in tables.POD_OBJECTS}}
)


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _module(dotted: str) -> cst.Attribute | cst.Name:
    node: cst.Attribute | cst.Name = cst.Name(dotted.split(".")[0])
    for part in dotted.split(".")[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _alias(name: str, asname: str | None) -> cst.ImportAlias:
    return cst.ImportAlias(
        name=cst.Name(name),
        asname=cst.AsName(name=cst.Name(asname)) if asname and asname != name else None,
    )


@FIXER.on(cst.SimpleStatementLine)
def import_line(ctx: FileContext, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
    if len(updated.body) == 1 and isinstance(updated.body[0], cst.Import) and ctx.facts.dropped_imports:
        kept_names = [
            a
            for a in updated.body[0].names
            if a.evaluated_alias or a.evaluated_name.split(".")[0] not in ctx.facts.dropped_imports
        ]
        if not kept_names:
            return cst.RemoveFromParent()
        if len(kept_names) != len(updated.body[0].names):
            kept_names[-1] = kept_names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(body=[updated.body[0].with_changes(names=kept_names)])
        return updated
    if len(updated.body) != 1 or not isinstance(updated.body[0], cst.ImportFrom):
        return updated
    statement = updated.body[0]
    if statement.relative or isinstance(statement.names, cst.ImportStar):
        return updated
    module = _dotted(statement.module)
    dropped = ctx.facts.dropped_imports
    if dropped and any((a.evaluated_alias or a.evaluated_name) in dropped for a in statement.names):
        kept = [a for a in statement.names if (a.evaluated_alias or a.evaluated_name) not in dropped]
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        statement = statement.with_changes(names=kept)
        updated = updated.with_changes(body=[statement])
    if not module.startswith("airflow"):
        return updated
    assert not isinstance(statement.names, cst.ImportStar)
    groups: dict[str, list[cst.ImportAlias]] = {}
    changed: list[str] = []
    renamed = ctx.scratch.setdefault("renamed", {})
    for alias in statement.names:
        name = _dotted(alias.name)
        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
        full = f"{module}.{name}"
        if full in tables.MOVED_NAMES:
            target = tables.MOVED_NAMES[full]
            new_module, _, new_name = target.rpartition(".")
            if new_name != name and asname is None:
                renamed[full] = new_name
                ctx.report(RENAMED, original, f"{name} is {new_name} in Airflow 3: renamed where the file uses it")
            groups.setdefault(new_module, []).append(_alias(new_name, asname))
            changed.append(f"{name} from {module} -> {new_module}")
        elif full in tables.MOVED_MODULES:
            package, _, leaf = tables.MOVED_MODULES[full].rpartition(".")
            groups.setdefault(package, []).append(_alias(leaf, asname or name))
            changed.append(f"module {full} -> {package}.{leaf}")
        elif full in _DROPPED:
            ctx.removed_import_names.add(asname or name)
            changed.append(f"{name} from {module}: no longer imported, its uses are rewritten")
        elif full in tables.REMOVED_NAMES:
            ctx.report(REMOVED, original, f"{full}: {tables.REMOVED_NAMES[full]}")
            groups.setdefault(module, []).append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif (
            full.startswith(tables.REMOVED_PREFIXES)
            and full not in tables.STILL_THERE
            and (module.startswith(("airflow.contrib", "airflow.kubernetes")))
        ):
            ctx.report(
                REMOVED,
                original,
                f"{full} is not in Airflow 3 and has no known new home: import it from "
                "its provider package (ruff check --select AIR names many)",
            )
            groups.setdefault(module, []).append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        else:
            groups.setdefault(module, []).append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    if not changed:
        return updated
    ctx.report(MOVED, original, "; ".join(changed))
    lines: list[cst.SimpleStatementLine] = []
    for new_module, aliases in groups.items():
        aliases = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
        lines.append(cst.SimpleStatementLine(body=[cst.ImportFrom(module=_module(new_module), names=aliases)]))
    if not lines:
        return cst.RemoveFromParent()
    lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
    lines[-1] = lines[-1].with_changes(trailing_whitespace=updated.trailing_whitespace)
    return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]


@FIXER.on(cst.Name)
def renamed_name(ctx: FileContext, original: cst.Name, updated: cst.Name):
    renamed = ctx.scratch.get("renamed")
    if not renamed:
        return updated
    for full in ctx.qualnames(original):
        new = renamed.get(full)
        if new and full.rpartition(".")[2] == original.value:
            return updated.with_changes(value=new)
    return updated


@FIXER.on(cst.Attribute)
def renamed_attribute(ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
    new = tables.RENAMED_ATTRIBUTES.get(original.attr.value)
    if new is None:
        return updated
    for full in ctx.qualnames(original):
        module = full.rpartition(".")[0]
        if module in tables.MOVED_MODULES:
            ctx.report(RENAMED, original, f"{original.attr.value} is {new} in Airflow 3: renamed")
            return updated.with_changes(attr=cst.Name(new))
    return updated
