"""Airflow 1.10's pod objects (``Port``, ``Volume``, ``VolumeMount``, ``Resources``, the
``resources=`` dict) and ``days_ago``, which Airflow 3 removed: each rebuilt as the value
Airflow 2 made of it, so the pod and the start date stay what they were."""

from __future__ import annotations

import re

import libcst as cst

from createdag.codemods import tables
from createdag.codemods.base import FileContext, Fixer, Rule, expression, literal

POD_OBJECT = Rule(
    "AIR3-pod-object",
    "change",
    "a 1.10 pod object (Port, Volume, VolumeMount, Resources) becomes the Kubernetes model Airflow 2 built from it",
)
POD_OBJECT_UNREAD = Rule(
    "AIR3-pod-object-unread",
    "blocker",
    "a 1.10 pod object written in a form that cannot be rebuilt exactly (Volume configs not a dict literal)",
)
DAYS_AGO = Rule(
    "AIR3-days-ago", "change", "days_ago(n) (removed) becomes pendulum.today('UTC').add(days=-n), the same moment"
)

FIXER = Fixer("pod_objects", (POD_OBJECT, POD_OBJECT_UNREAD, DAYS_AGO))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def _given(call: cst.Call, names: tuple[str, ...]) -> dict[str, cst.BaseExpression] | None:
    given: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(names):
                return None
            given[names[index]] = arg.value
        else:
            given[arg.keyword.value] = arg.value
    return given


def requirements(ctx: FileContext, given: dict[str, cst.BaseExpression]) -> cst.BaseExpression | None:
    """``k8s.V1ResourceRequirements(requests={...}, limits={...})`` from 1.10's resource keys."""
    parts: dict[str, list[cst.DictElement]] = {"requests": [], "limits": []}
    for key, value in given.items():
        if key not in tables.RESOURCE_KEYS:
            return None
        if literal(value) is None:
            continue  # 1.10 left a None resource out
        side, name = tables.RESOURCE_KEYS[key]
        parts[side].append(cst.DictElement(cst.SimpleString(repr(name)), value))
    args = [_kw(side, cst.Dict(elements)) for side, elements in parts.items() if elements]
    return cst.Call(func=expression(f"{ctx.k8s()}.V1ResourceRequirements"), args=_commas(args))


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    return [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in args[:-1]] + args[-1:]


@FIXER.on(cst.Call)
def pod_object(ctx: FileContext, original: cst.Call, updated: cst.Call):
    full = ctx.qualname(original.func)
    if full == "airflow.utils.dates.days_ago":
        return _days_ago(ctx, original, updated)
    if full not in tables.POD_OBJECTS:
        return updated
    model, names = tables.POD_OBJECTS[full]
    given = _given(updated, names)
    short = full.rpartition(".")[2]
    if given is None:
        ctx.report(
            POD_OBJECT_UNREAD,
            original,
            f"{short}(...) with arguments that cannot be read: write {ctx.k8s()}.{model}(...) instead",
        )
        return updated
    if model == "V1ResourceRequirements":
        built = requirements(ctx, given)
        if built is None:
            ctx.report(POD_OBJECT_UNREAD, original, f"{short}(...) with keys 1.10 did not know")
            return updated
        ctx.report(
            POD_OBJECT, original, f"{short}(...) becomes {ctx.k8s()}.V1ResourceRequirements, as Airflow 2 built it"
        )
        return built
    args: list[cst.Arg] = []
    for key, value in given.items():
        if model == "V1Volume" and key == "configs":
            if isinstance(value, cst.Name) and value.value in ctx.facts.module_dicts:
                value = ctx.facts.module_dicts[value.value]
            if not isinstance(value, cst.Dict) or any(
                not isinstance(e, cst.DictElement) or not isinstance(literal(e.key), str) for e in value.elements
            ):
                ctx.report(
                    POD_OBJECT_UNREAD,
                    original,
                    "Volume(name, configs) with configs not a dict literal: write "
                    f"{ctx.k8s()}.V1Volume(name=..., <volume source>=...) instead",
                )
                return updated
            for element in value.elements:
                assert isinstance(element, cst.DictElement)
                args.append(_kw(_snake(literal(element.key)), element.value))
        else:
            args.append(_kw(key, value))
    ctx.report(POD_OBJECT, original, f"{short}(...) becomes {ctx.k8s()}.{model}(...), as Airflow 2 built it")
    return cst.Call(func=expression(f"{ctx.k8s()}.{model}"), args=_commas(args))


def _days_ago(ctx: FileContext, original: cst.Call, updated: cst.Call):
    given = _given(updated, ("n", "hour", "minute", "second", "microsecond"))
    if given is None or "n" not in given:
        return updated
    n = given["n"]
    code = cst.Module([]).code_for_node(n)
    shifts = (
        []
        if literal(n) == 0
        else [_kw("days", expression(f"-{code}" if isinstance(n, cst.Integer | cst.Name) else f"-({code})"))]
    )
    for old, new in (("hour", "hours"), ("minute", "minutes"), ("second", "seconds"), ("microsecond", "microseconds")):
        if old in given:
            shifts.append(_kw(new, given[old]))
    ctx.need_import("pendulum")
    today = expression('pendulum.today("UTC")')
    built = cst.Call(func=cst.Attribute(value=today, attr=cst.Name("add")), args=_commas(shifts)) if shifts else today
    shown = cst.Module([]).code_for_node(built)
    ctx.report(
        DAYS_AGO,
        original,
        f"days_ago was removed in Airflow 3: {cst.Module([]).code_for_node(original)} "
        f"becomes {shown} (midnight UTC, n days ago: the same moving date; a fixed "
        "start date is better)",
    )
    return built
