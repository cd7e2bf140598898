"""Template variables and context keys Airflow 3 removed or changed (``execution_date``,
``next_ds``, ``tomorrow_ds``, ``conf``...): translated where the translation is exact for the
timetable the migrated DAG runs on, reported otherwise; and every template that needs a logical
date, which a manual run without one or an asset-triggered run does not have (issue 26)."""

from __future__ import annotations

import libcst as cst

from createdag.codemods import tables, template_variables
from createdag.codemods.base import FileContext, Fixer, Rule, literal, string

TRANSLATED = Rule(
    "AIR3-template-variable", "change", "a removed template variable with an exact Airflow 3 expression: translated"
)
UNTRANSLATED = Rule(
    "AIR3-template-variable-removed",
    "review",
    "a removed template variable with no exact Airflow 3 expression (prev_ds, conf...): left, fails to render until rewritten",  # noqa: E501
)
CONTEXT_KEY = Rule(
    "AIR3-context-key",
    "change",
    "context['execution_date'] in a Python callable: context['logical_date'], the same value",
)
CONTEXT_KEY_REMOVED = Rule(
    "AIR3-context-key-removed",
    "review",
    "a context key or callable parameter Airflow 3 no longer passes (next_ds, tomorrow_ds, conf...)",
)
NO_LOGICAL_DATE = Rule(
    "AIR3-logical-date-optional",
    "review",
    "a template reads the logical date (ds, ts, logical_date, data interval): undefined on a manual run without a logical date and on an asset-triggered run",  # noqa: E501
)

FIXER = Fixer("templates", (TRANSLATED, UNTRANSLATED, CONTEXT_KEY, CONTEXT_KEY_REMOVED, NO_LOGICAL_DATE))

#: What a run without a logical date lacks.
NEEDS_DATE = frozenset(
    name
    for name, reads in template_variables.DATE_VARIABLES.items()
    if reads in (template_variables.START, template_variables.END)
    and name not in template_variables.TEMPLATE_VARIABLES
    and name not in template_variables.TEMPLATE_ATTRIBUTES
)

_EVERY_RUN_FIX = (
    f"where the moment the run was due or created will do, use {{{{ {tables.EVERY_RUN} | ds }}}} "
    f"({tables.EVERY_RUN}: set on every Airflow 3 run), or trigger by hand with a logical date"
)


def _rewritten(node: cst.SimpleString, before: str, after: str) -> cst.SimpleString:
    raw = node.value
    if before in raw:
        return node.with_changes(value=raw.replace(before, after, 1))
    return string(after)


def _template(ctx: FileContext, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
    text = updated.evaluated_value
    if not isinstance(text, str) or ("{{" not in text and "{%" not in text):
        return updated
    new, changes, left = template_variables.translate_templates(text, ctx.facts.keeps_intervals)
    for change in changes:
        ctx.report(
            TRANSLATED,
            original,
            f"{change.variable} was removed in Airflow 3: {change.before!r} becomes {change.after!r}",
        )
        updated = _rewritten(updated, change.before, change.after)
    for unknown in left:
        ctx.report(
            UNTRANSLATED,
            original,
            f"{unknown.variable} was removed in Airflow 3 and has no exact equivalent "
            f"({unknown.why}): rewrite {unknown.expression!r}, it fails to render as it is",
        )
    dated = sorted({ref.name for ref in template_variables.template_references(new) if ref.name in NEEDS_DATE})
    if dated:
        ctx.report(
            NO_LOGICAL_DATE,
            original,
            f"the template reads {', '.join(dated)}: a manual run triggered without "
            f"a logical date, and an asset-triggered run, have none, so it fails to "
            f"render on them; {_EVERY_RUN_FIX}",
        )
    return updated


@FIXER.on(cst.SimpleString)
def template_string(ctx: FileContext, original: cst.SimpleString, updated: cst.SimpleString):
    return _template(ctx, original, updated)


def _key(ctx: FileContext, original: cst.BaseExpression, updated: cst.BaseExpression, where: cst.CSTNode):
    key = literal(updated)
    if not isinstance(key, str):
        return updated
    if key in tables.CONTEXT_RENAMES and ctx.facts.keeps_intervals:
        new = tables.CONTEXT_RENAMES[key]
        ctx.report(CONTEXT_KEY, where, f"the context has no {key!r} in Airflow 3: {new!r} holds the same value")
        return string(new)
    if key in template_variables.TEMPLATE_VARIABLES:
        ctx.report(
            CONTEXT_KEY_REMOVED,
            where,
            f"the context has no {key!r} in Airflow 3: {template_variables.TEMPLATE_VARIABLES[key].note}",
        )
    return updated


@FIXER.on(cst.Subscript)
def context_subscript(ctx: FileContext, original: cst.Subscript, updated: cst.Subscript):
    if not (isinstance(original.value, cst.Name) and original.value.value in ctx.facts.context_names):
        return updated
    if len(updated.slice) != 1 or not isinstance(updated.slice[0].slice, cst.Index):
        return updated
    index = updated.slice[0].slice
    before = original.slice[0].slice
    assert isinstance(before, cst.Index)
    new = _key(ctx, before.value, index.value, original)
    if new is index.value:
        return updated
    return updated.with_changes(slice=[updated.slice[0].with_changes(slice=index.with_changes(value=new))])


@FIXER.on(cst.Call)
def context_get(ctx: FileContext, original: cst.Call, updated: cst.Call):
    func = original.func
    if not (
        isinstance(func, cst.Attribute)
        and func.attr.value == "get"
        and isinstance(func.value, cst.Name)
        and func.value.value in ctx.facts.context_names
        and updated.args
    ):
        return updated
    first = updated.args[0]
    new = _key(ctx, original.args[0].value, first.value, original)
    if new is first.value:
        return updated
    return updated.with_changes(args=[first.with_changes(value=new), *updated.args[1:]])


@FIXER.on(cst.Param)
def callable_parameter(ctx: FileContext, original: cst.Param, updated: cst.Param):
    name = original.name.value
    if name in template_variables.TEMPLATE_VARIABLES:
        ctx.report(
            CONTEXT_KEY_REMOVED,
            original,
            f"a callable takes {name!r}, which Airflow 3 no longer passes "
            f"({template_variables.TEMPLATE_VARIABLES[name].note}); read it from the context instead",
        )
    return updated
