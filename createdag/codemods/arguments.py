"""DAG and operator arguments Airflow 3 or today's cncf-kubernetes provider renamed or removed,
and the defaults that changed (``catchup``, the schedule), stated so the DAG runs as before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from createdag import schedule as schedules
from createdag.codemods import tables
from createdag.codemods.base import (
    FileContext,
    Fixer,
    Rule,
    add_arg,
    expression,
    keyword,
    literal,
    rename_arg,
    string,
)
from createdag.codemods.pod_objects import requirements

DAG_RENAMED = Rule(
    "AIR3-dag-argument", "change", "schedule_interval, timetable -> schedule; concurrency -> max_active_tasks"
)
DAG_REMOVED = Rule(
    "AIR3-dag-argument-removed", "change", "a DAG argument Airflow 3 removed (default_view, orientation): dropped"
)
DAG_CONFLICT = Rule("AIR3-dag-argument-conflict", "blocker", "schedule and schedule_interval both given")
SCHEDULE_DEFAULT = Rule(
    "AIR3-schedule-default",
    "change",
    "no schedule given: Airflow 2 ran it daily, Airflow 3 never; the daily schedule is stated",
)
CATCHUP_DEFAULT = Rule(
    "AIR3-catchup-default",
    "change",
    "catchup never set: Airflow 2 defaulted it to True, Airflow 3 to False; catchup=True is stated",
)
INTERVALS_KEPT = Rule(
    "AIR3-data-intervals",
    "change",
    "a cron or timedelta schedule whose runs read the logical date: Airflow 2's data-interval timetable is stated, so ds stays the interval's start",  # noqa: E501
)
SCHEDULE_UNREAD = Rule(
    "AIR3-schedule-unread",
    "review",
    "a schedule that is not a literal, in a DAG that reads the logical date: check that its runs keep their dates",
)
TASK_RENAMED = Rule(
    "AIR3-operator-argument",
    "change",
    "an operator argument Airflow 3 or the provider renamed (task_concurrency, is_delete_operator_pod, node_selectors, resources...)",  # noqa: E501
)
TASK_REMOVED = Rule(
    "AIR3-operator-argument-removed", "change", "an operator argument Airflow 3 removed (provide_context, sla): dropped"
)
RESOURCES = Rule(
    "AIR3-pod-resources", "change", "the 1.10 resources= dict becomes container_resources=k8s.V1ResourceRequirements"
)
RESOURCES_UNREAD = Rule("AIR3-pod-resources-unread", "blocker", "resources= given as a dict the tool cannot read")
TRIGGER_RULE = Rule(
    "AIR3-trigger-rule", "change", "a trigger rule Airflow 3 removed, replaced by the one with its meaning"
)

UNKNOWN_ARGUMENT = Rule(
    "AIR3-unknown-argument",
    "change",
    "an argument KubernetesPodOperator does not take: Airflow 1.10 ignored it with a warning, Airflow 2 and 3 "
    "refuse the DAG; dropped",
)
CONFIG = Rule(
    "AIR3-config",
    "change",
    "configuration read the Airflow 2 way: airflow.configuration.get() -> conf.get(); section [kubernetes] -> "
    "[kubernetes_executor]",
)

FIXER = Fixer(
    "arguments",
    (
        DAG_RENAMED,
        DAG_REMOVED,
        DAG_CONFLICT,
        SCHEDULE_DEFAULT,
        CATCHUP_DEFAULT,
        INTERVALS_KEPT,
        SCHEDULE_UNREAD,
        TASK_RENAMED,
        TASK_REMOVED,
        RESOURCES,
        RESOURCES_UNREAD,
        TRIGGER_RULE,
        CONFIG,
        UNKNOWN_ARGUMENT,
    ),
)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _short(ctx: FileContext, func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def is_operator(ctx: FileContext, call: cst.Call) -> bool:
    short = _short(ctx, call.func)
    return short.endswith(("Operator", "Sensor")) and short[:1].isupper()


def is_pod(ctx: FileContext, call: cst.Call) -> bool:
    return bool(ctx.qualnames(call.func) & tables.POD_OPERATORS) or _short(ctx, call.func) == "KubernetesPodOperator"


def is_dag(ctx: FileContext, call: cst.Call) -> bool:
    return bool(ctx.qualnames(call.func) & tables.DAG_CALLABLES)


# ---- DAGs ---------------------------------------------------------------------------------------------------


def _timezone(call: cst.Call) -> str:
    start = keyword(call, "start_date")
    if start is not None and isinstance(start.value, cst.Call):
        for name in ("tz", "tzinfo"):
            given = keyword(start.value, name)
            if given is not None and isinstance(literal(given.value), str):
                return literal(given.value)
    return "UTC"


def _kept_schedule(ctx: FileContext, call: cst.Call, value: cst.BaseExpression, line: int) -> cst.BaseExpression:
    """The schedule, on Airflow 2's data-interval timetable when the DAG reads the logical date."""
    if not ctx.facts.keeps_intervals:
        return value
    given = literal(value)
    if schedules.is_cron(given):
        zone = _timezone(call)
        ctx.need_import("airflow.timetables.interval", "CronDataIntervalTimetable")
        ctx.report(
            INTERVALS_KEPT,
            line,
            f"cron schedule {given!r}: the file reads the logical date or the interval "
            "start, which Airflow 2 took from the start of the interval a run covers and Airflow 3's default "
            f"cron timetable sets to the moment the run fires: CronDataIntervalTimetable({given!r}, "
            f"timezone={zone!r}) keeps Airflow 2's dates",
        )
        return cst.Call(
            func=cst.Name("CronDataIntervalTimetable"),
            args=[
                cst.Arg(value),
                cst.Arg(
                    string(zone),
                    keyword=cst.Name("timezone"),
                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                ),
            ],
        )
    if isinstance(value, cst.Call) and {q.rpartition(".")[2] for q in ctx.qualnames(value.func)} & {"timedelta"}:
        ctx.need_import("airflow.timetables.interval", "DeltaDataIntervalTimetable")
        ctx.report(
            INTERVALS_KEPT,
            line,
            f"schedule {_code(value)}: the file reads the logical date or the interval "
            "start; Airflow 3 runs a timedelta on DeltaTriggerTimetable, whose logical date is the moment the "
            "run fires: DeltaDataIntervalTimetable keeps Airflow 2's dates",
        )
        return cst.Call(func=cst.Name("DeltaDataIntervalTimetable"), args=[cst.Arg(value)])
    if given is ... and not isinstance(value, cst.Call):
        ctx.report(
            SCHEDULE_UNREAD,
            line,
            f"schedule {_code(value)} is not a literal and the file reads the logical "
            "date: if it is cron or a timedelta, Airflow 3 dates its runs one interval later; wrap it in "
            "CronDataIntervalTimetable / DeltaDataIntervalTimetable (airflow.timetables.interval)",
        )
    return value


def dag_call(ctx: FileContext, original: cst.Call, updated: cst.Call) -> cst.Call:
    if keyword(updated, "schedule") is not None and keyword(updated, "schedule_interval") is not None:
        ctx.report(DAG_CONFLICT, original, "both schedule and schedule_interval are given: keep one")
        return updated
    args: list[cst.Arg] = []
    has_schedule = False
    for arg, before in zip(updated.args, original.args, strict=True):
        name = arg.keyword.value if arg.keyword is not None else None
        if name in tables.DAG_REMOVED:
            ctx.report(DAG_REMOVED, before, f"{name} dropped: {tables.DAG_REMOVED[name]}")
            continue
        if name in tables.DAG_RENAMES:
            new, why = tables.DAG_RENAMES[name]
            ctx.report(DAG_RENAMED, before, f"{name}={_code(arg.value)} becomes {new}={_code(arg.value)} ({why})")
            arg = rename_arg(arg, new)
            name = new
        if name == "schedule":
            has_schedule = True
            arg = arg.with_changes(value=_kept_schedule(ctx, updated, arg.value, ctx.line(before)))
        if name == "default_args" and isinstance(arg.value, cst.Dict):
            arg = arg.with_changes(value=default_args(ctx, arg.value))
        args.append(arg)
    updated = updated.with_changes(args=_kept_commas(args, updated.args))
    positional_schedule = len([a for a in updated.args if a.keyword is None]) >= 3
    if not has_schedule and not positional_schedule and not any(a.star for a in updated.args):
        ctx.need_import("datetime", "timedelta")
        value = _kept_schedule(ctx, updated, expression("timedelta(days=1)"), ctx.line(original))
        ctx.report(
            SCHEDULE_DEFAULT,
            original,
            "no schedule: Airflow 2 ran the DAG daily (timedelta(days=1)), "
            "Airflow 3 would never schedule it: schedule stated",
        )
        updated = add_arg(updated, "schedule", value)
    if keyword(updated, "catchup") is None and not any(a.star for a in updated.args):
        ctx.report(
            CATCHUP_DEFAULT,
            original,
            "catchup was never set: Airflow 2 defaulted it to True ([scheduler] "
            "catchup_by_default), Airflow 3 to False; catchup=True is stated, so missed runs are still caught up "
            "(set it to False if your Airflow 2 config did)",
        )
        updated = add_arg(updated, "catchup", cst.Name("True"))
    return updated


def _kept_commas(args: list[cst.Arg], before: Sequence[cst.Arg]) -> list[cst.Arg]:
    """After dropping arguments: the last one keeps the comma the call's last argument had."""
    if args and before and len(args) != len(before):
        args[-1] = args[-1].with_changes(comma=before[-1].comma)
    return args


# ---- operators and default_args -------------------------------------------------------------------------


def _finish_action(value: cst.BaseExpression) -> cst.BaseExpression:
    given = literal(value)
    if given is True:
        return string("delete_pod")
    if given is False:
        return string("keep_pod")
    return expression(f'"delete_pod" if {_code(value)} else "keep_pod"')


def _trigger_rule(ctx: FileContext, value: cst.BaseExpression, where: cst.CSTNode) -> cst.BaseExpression:
    given = literal(value)
    if isinstance(given, str) and given in tables.TRIGGER_RULES:
        new = tables.TRIGGER_RULES[given]
        ctx.report(TRIGGER_RULE, where, f"trigger_rule {given!r} was removed in Airflow 3: {new!r} has its meaning")
        return string(new)
    if isinstance(value, cst.Attribute) and value.attr.value.lower() in tables.TRIGGER_RULES:
        new = tables.TRIGGER_RULES[value.attr.value.lower()]
        ctx.report(
            TRIGGER_RULE,
            where,
            f"TriggerRule.{value.attr.value} was removed in Airflow 3: TriggerRule.{new.upper()} has its meaning",
        )
        return value.with_changes(attr=cst.Name(new.upper()))
    return value


def _renamed(name: str, pod: bool, operator: str) -> tuple[str, str] | None:
    if name in tables.TASK_RENAMES:
        return tables.TASK_RENAMES[name]
    if (operator, name) in tables.OPERATOR_RENAMES:
        return tables.OPERATOR_RENAMES[(operator, name)], f"{operator} renamed {name}"
    if pod and name in tables.POD_RENAMES and name != "resources":
        return tables.POD_RENAMES[name]
    return None


def operator_call(ctx: FileContext, original: cst.Call, updated: cst.Call) -> cst.Call:
    pod = is_pod(ctx, original)
    operator = _short(ctx, original.func)
    args: list[cst.Arg] = []
    dropped = False
    for arg, before in zip(updated.args, original.args, strict=True):
        name = arg.keyword.value if arg.keyword is not None else None
        if name is None:
            args.append(arg)
            continue
        if name in tables.TASK_REMOVED:
            ctx.report(TASK_REMOVED, before, f"{name} dropped: {tables.TASK_REMOVED[name]}")
            dropped = True
            continue
        renamed = _renamed(name, pod, operator)
        if renamed:
            ctx.report(TASK_RENAMED, before, f"{name} becomes {renamed[0]} ({renamed[1]})")
            arg = rename_arg(arg, renamed[0])
        elif pod and name == "is_delete_operator_pod" and keyword(updated, "on_finish_action") is not None:
            ctx.report(
                TASK_REMOVED,
                before,
                "is_delete_operator_pod dropped: the call gives on_finish_action, which "
                "replaces it (the provider reads only on_finish_action)",
            )
            dropped = True
            continue
        elif pod and name == "is_delete_operator_pod":
            value = _finish_action(arg.value)
            ctx.report(
                TASK_RENAMED,
                before,
                f"is_delete_operator_pod={_code(arg.value)} becomes on_finish_action="
                f"{_code(value)} (the provider replaced is_delete_operator_pod)",
            )
            arg = rename_arg(arg, "on_finish_action").with_changes(value=value)
        elif pod and name == "resources":
            arg = _resources(ctx, arg, before)
        elif name == "trigger_rule":
            arg = arg.with_changes(value=_trigger_rule(ctx, arg.value, before))
        elif pod and name not in tables.POD_ARGUMENTS:
            ctx.report(
                UNKNOWN_ARGUMENT,
                before,
                f"{name}={_code(arg.value)} dropped: KubernetesPodOperator takes no "
                f"{name} (Airflow 1.10 ignored it with a warning; Airflow 2 and 3 refuse the DAG)",
            )
            dropped = True
            continue
        elif name == "default_args" and isinstance(arg.value, cst.Dict):
            arg = arg.with_changes(value=default_args(ctx, arg.value))
        args.append(arg)
    return updated.with_changes(args=_kept_commas(args, updated.args)) if dropped else updated.with_changes(args=args)


def _resources(ctx: FileContext, arg: cst.Arg, before: cst.Arg) -> cst.Arg:
    value = arg.value
    if isinstance(value, cst.Dict):
        given: dict[str, Any] = {}
        for element in value.elements:
            key = literal(element.key) if isinstance(element, cst.DictElement) else ...
            if not isinstance(key, str):
                ctx.report(
                    RESOURCES_UNREAD,
                    before,
                    "resources= is a dict the tool cannot read: write "
                    "container_resources=k8s.V1ResourceRequirements(...)",
                )
                return arg
            given[key] = element.value
        built = requirements(ctx, given)
        if built is None:
            ctx.report(RESOURCES_UNREAD, before, f"resources= has keys 1.10 did not know ({', '.join(given)})")
            return arg
        ctx.report(
            RESOURCES, before, f"resources={{...}} becomes container_resources={_code(built)}, as Airflow 2 built it"
        )
        return rename_arg(arg, "container_resources").with_changes(value=built)
    if isinstance(value, cst.Name):
        ctx.report(
            RESOURCES_UNREAD,
            before,
            f"resources={value.value}: the provider renamed resources to "
            "container_resources and takes only k8s.V1ResourceRequirements: check what the name holds",
        )
        return arg
    ctx.report(TASK_RENAMED, before, "resources becomes container_resources (the provider renamed it)")
    return rename_arg(arg, "container_resources")


def default_args(ctx: FileContext, node: cst.Dict) -> cst.Dict:
    """default_args keys Airflow 3 renamed or removed (they reach every operator)."""
    elements: list[cst.BaseDictElement] = []
    for element in node.elements:
        key = literal(element.key) if isinstance(element, cst.DictElement) else ...
        if not isinstance(key, str) or not isinstance(element, cst.DictElement):
            elements.append(element)
            continue
        if key in tables.TASK_REMOVED:
            ctx.report(TASK_REMOVED, element, f"default_args {key!r} dropped: {tables.TASK_REMOVED[key]}")
            continue
        renamed = _renamed(key, True, "") if key != "resources" else None
        if renamed:
            ctx.report(TASK_RENAMED, element, f"default_args {key!r} becomes {renamed[0]!r} ({renamed[1]})")
            element = element.with_changes(key=string(renamed[0]))
        elif key == "is_delete_operator_pod":
            value = _finish_action(element.value)
            ctx.report(
                TASK_RENAMED,
                element,
                f"default_args 'is_delete_operator_pod' becomes 'on_finish_action': {_code(value)}",
            )
            element = element.with_changes(key=string("on_finish_action"), value=value)
        elif key == "trigger_rule":
            element = element.with_changes(value=_trigger_rule(ctx, element.value, element))
        elements.append(element)
    if len(elements) != len(node.elements) and elements and node.elements:
        last = node.elements[-1]
        if elements[-1] is not last:
            elements[-1] = elements[-1].with_changes(comma=last.comma)
    return node.with_changes(elements=elements)


def _variable_get(ctx: FileContext, original: cst.Call, updated: cst.Call) -> cst.Call:
    given = keyword(updated, "default_var")
    if given is None:
        return updated
    ctx.report(
        TASK_RENAMED,
        original,
        "Variable.get(default_var=...) becomes Variable.get(default=...) (airflow.sdk.Variable names it default)",
    )
    return updated.with_changes(args=[rename_arg(a, "default") if a is given else a for a in updated.args])


def _config_call(ctx: FileContext, original: cst.Call, updated: cst.Call) -> cst.Call:
    full = ctx.qualname(original.func) or ""
    if full not in (
        "airflow.configuration.get",
        "airflow.configuration.conf.get",
        "airflow.configuration.getboolean",
        "airflow.configuration.conf.getboolean",
        "airflow.configuration.getint",
        "airflow.configuration.conf.getint",
    ):
        return updated
    if ".conf." not in full and isinstance(updated.func, cst.Attribute):
        ctx.report(
            CONFIG,
            original,
            f"airflow.configuration.{full.rpartition('.')[2]}() was removed in Airflow 3: "
            "it reads airflow.configuration.conf now",
        )
        updated = updated.with_changes(
            func=updated.func.with_changes(value=cst.Attribute(value=updated.func.value, attr=cst.Name("conf")))
        )
    if updated.args and literal(updated.args[0].value) == "kubernetes":
        ctx.report(CONFIG, original, "the [kubernetes] config section is [kubernetes_executor] in Airflow 3")
        first = updated.args[0].with_changes(value=string("kubernetes_executor"))
        updated = updated.with_changes(args=[first, *updated.args[1:]])
    return updated


@FIXER.on(cst.Call)
def call(ctx: FileContext, original: cst.Call, updated: cst.Call):
    if isinstance(original.func, cst.Attribute) and original.func.attr.value.startswith("get"):
        updated = _config_call(ctx, original, updated)
        if ctx.qualname(original.func) in (
            "airflow.models.Variable.get",
            "airflow.sdk.Variable.get",
            "airflow.models.variable.Variable.get",
        ):
            return _variable_get(ctx, original, updated)
    if is_dag(ctx, original):
        return dag_call(ctx, original, updated)
    if is_operator(ctx, original):
        return operator_call(ctx, original, updated)
    return updated


@FIXER.on(cst.Assign)
def assigned_default_args(ctx: FileContext, original: cst.Assign, updated: cst.Assign):
    """``default_args = {...}`` (or ``args``) at module level, passed to the DAG by name."""
    names = [t.target.value for t in original.targets if isinstance(t.target, cst.Name)]
    if isinstance(updated.value, cst.Dict) and any(n.endswith("args") for n in names):
        return updated.with_changes(value=default_args(ctx, updated.value))
    return updated
