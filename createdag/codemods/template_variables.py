"""Template variables Airflow 3 removed or changed, and the timetable a migrated cron DAG needs.

``translate_templates`` turns a removed variable into the Airflow 3 expression with the same
value where one exists under the timetable the migrated DAG runs on (``TEMPLATE_VARIABLES``
says which and why); the rest are left as they are and reported. ``decide_intervals`` says
whether a cron DAG must keep Airflow 2's data intervals for what it reads to stay the same.

Sources for the semantics: Airflow 2.10's ``TaskInstance.get_template_context``
(how each variable was computed) and ``Context._DEPRECATION_REPLACEMENTS``;
Airflow 3.3's ``airflow.sdk.definitions.context.Context`` (the keys that are
left), its ``[scheduler] create_cron_data_intervals`` setting and its
``CronTriggerTimetable``/``CronDataIntervalTimetable``; ruff's AIR301 rule
(``REMOVED_CONTEXT_KEYS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from createdag.schedule import is_cron

# --------------------------------------------------------------------------------------------
# Template variables
# --------------------------------------------------------------------------------------------

#: Airflow 2's run types whose ``next_*`` value was the run's own logical date
#: (``dag_run.external_trigger``): triggered by hand, the API, or TriggerDagRunOperator,
#: which Airflow 3.3 types ``operator_triggered``.
_TRIGGERED = "dag_run.run_type in ('manual', 'operator_triggered')"
_NEXT_KEPT = f"(logical_date if {_TRIGGERED} else data_interval_end)"
_PREV = (
    "Airflow 2: the cron tick before the logical date (the logical date itself for a triggered run); Airflow 3 "
    "has no variable for it, and {{ macros.ds_add(ds, -1) }} is that day only for a daily schedule in UTC, on "
    "scheduled runs"
)

#: What an Airflow 2 value was computed from, for the choice of timetable.
START = "start"  # the logical date, which Airflow 2 set to the start of a cron run's interval
END = "end"  # the end of the interval: the moment a cron run fires
OTHER = "other"


@dataclass(frozen=True)
class TemplateVariable:
    """A template variable Airflow 3 removed, and its exact Airflow 3 equivalent where one exists."""

    name: str
    #: the Airflow 3 expression with Airflow 2's value when the migrated DAG keeps Airflow 2's
    #: run dates: a cron schedule on ``CronDataIntervalTimetable``, or a schedule that is not cron
    #: (None, @once, @continuous); None when no expression has that value
    with_intervals: str | None
    #: the same under Airflow 3's default cron timetable, ``CronTriggerTimetable`` (each run's
    #: logical date, interval start and interval end are the moment it fires)
    without_intervals: str | None
    reads: str  # START, END or OTHER
    note: str


TEMPLATE_VARIABLES: dict[str, TemplateVariable] = {
    v.name: v
    for v in (
        TemplateVariable(
            "execution_date", "logical_date", None, START,
            "Airflow 2's alias of logical_date. With data intervals kept it is the same moment (a cron "
            "run's interval start; a manual run's logical date). Under CronTriggerTimetable logical_date "
            "is the moment the run fires, one interval later, and no variable holds the old value.",
        ),
        TemplateVariable(
            "next_execution_date", _NEXT_KEPT, "data_interval_end", END,
            "Airflow 2: the next run's logical date, i.e. this run's data_interval_end, except for a run "
            "triggered by hand or by another DAG, which got its own logical date. With data intervals kept "
            "such a run's data_interval_end is the end of the last complete interval, hence the condition; "
            "under CronTriggerTimetable data_interval_end is the moment a run fires, and a triggered run's "
            "logical date, so it is Airflow 2's value for every run.",
        ),
        TemplateVariable(
            "next_ds", f"{_NEXT_KEPT} | ds", "data_interval_end | ds", END,
            "next_execution_date as YYYY-MM-DD (see next_execution_date). Airflow 2's own suggestion, "
            "{{ data_interval_end | ds }}, is exact for every run only under CronTriggerTimetable; with "
            "data intervals kept it is exact for scheduled runs only.",
        ),
        TemplateVariable(
            "next_ds_nodash", f"{_NEXT_KEPT} | ds_nodash", "data_interval_end | ds_nodash", END,
            "next_execution_date as YYYYMMDD (see next_ds).",
        ),
        TemplateVariable("prev_execution_date", None, None, START, _PREV),
        TemplateVariable("prev_ds", None, None, START, f"{_PREV} (prev_ds: that tick as YYYY-MM-DD)"),
        TemplateVariable("prev_ds_nodash", None, None, START, f"{_PREV} (prev_ds_nodash: that tick as YYYYMMDD)"),
        TemplateVariable(
            "prev_execution_date_success", None, None, START,
            "Airflow 2: the logical date of the previous successful run. Airflow's suggested "
            "prev_data_interval_start_success is the start of that run's data interval: the same only when "
            "that run was a scheduled run with data intervals kept, which the DAG file cannot tell.",
        ),
        TemplateVariable(
            "tomorrow_ds", "macros.ds_add(ds, 1)", None, START,
            "Airflow 2: (logical_date + 1 day) as YYYY-MM-DD, which is ds_add(ds, 1) whenever ds is "
            "Airflow 2's ds (data intervals kept).",
        ),
        TemplateVariable(
            "tomorrow_ds_nodash", "macros.ds_add(ds, 1) | replace('-', '')", None, START,
            "tomorrow_ds without dashes, as Airflow 2 made it.",
        ),
        TemplateVariable(
            "yesterday_ds", "macros.ds_add(ds, -1)", None, START,
            "Airflow 2: (logical_date - 1 day) as YYYY-MM-DD, which is ds_add(ds, -1) whenever ds is "
            "Airflow 2's ds (data intervals kept).",
        ),
        TemplateVariable(
            "yesterday_ds_nodash", "macros.ds_add(ds, -1) | replace('-', '')", None, START,
            "yesterday_ds without dashes, as Airflow 2 made it.",
        ),
        TemplateVariable(
            "conf", None, None, OTHER,
            "Airflow 2 put its configuration object in the template context; Airflow 3 does not.",
        ),
        TemplateVariable(
            "triggering_dataset_events", None, None, OTHER,
            "Airflow 3's triggering_asset_events holds Asset events, not Airflow 2's Dataset events.",
        ),
    )
}  # fmt: skip

#: Attributes removed from what the context holds (``dag_run.execution_date``...).
TEMPLATE_ATTRIBUTES: dict[str, TemplateVariable] = {
    v.name: v
    for v in (
        TemplateVariable(
            "dag_run.execution_date",
            "dag_run.logical_date",
            None,
            START,
            "Airflow 2's alias of dag_run.logical_date (see execution_date).",
        ),
        TemplateVariable(
            "dag_run.external_trigger",
            None,
            None,
            OTHER,
            "Removed in Airflow 3; dag_run.run_type tells how a run was created.",
        ),
    )
}

#: Variables still in Airflow 3 whose value, for a cron schedule, depends on the timetable:
#: derived from the logical date or the interval start (START) or from the interval end (END).
DATE_VARIABLES: dict[str, str] = {
    **dict.fromkeys((
        "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "logical_date", "data_interval_start",
        "prev_data_interval_start_success", "task_instance_key_str", "dag_run.logical_date",
        "dag_run.data_interval_start",
    ), START),
    **dict.fromkeys(("data_interval_end", "prev_data_interval_end_success", "dag_run.data_interval_end"), END),
    **{name: v.reads for name, v in {**TEMPLATE_VARIABLES, **TEMPLATE_ATTRIBUTES}.items() if v.reads != OTHER},
}  # fmt: skip


@dataclass(frozen=True)
class Reference:
    """A variable (``next_ds``) or attribute (``dag_run.logical_date``) a template reads."""

    name: str
    offset: int  # where its ``{{ ... }}`` or ``{% ... %}`` starts in the text


@dataclass(frozen=True)
class Translation:
    variable: str
    offset: int
    before: str  # the whole ``{{ ... }}``, as it was
    after: str  # ... and as it is now


@dataclass(frozen=True)
class Untranslatable:
    variable: str
    offset: int
    expression: str
    why: str


_JINJA = re.compile(
    r"\{\{(?P<el>[-+]?)(?P<expr>.*?)(?P<er>[-+]?)\}\}|\{%(?P<sl>[-+]?)(?P<stmt>.*?)(?P<sr>[-+]?)%\}|\{#.*?#\}", re.S
)
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<op>==|!=|<=|>=|//|\*\*|.)""",
    re.X | re.S,
)
_SIMPLE = re.compile(r"[A-Za-z_][\w.]*\Z")
#: Words of Jinja's own grammar, never variables.
_JINJA_WORDS = frozenset({
    "if", "else", "elif", "endif", "for", "endfor", "in", "not", "and", "or", "is", "set", "endset", "with",
    "endwith", "block", "endblock", "macro", "endmacro", "call", "endcall", "filter", "endfilter", "import",
    "from", "as", "include", "extends", "recursive", "true", "false", "none", "True", "False", "None", "do",
    "break", "continue",
})  # fmt: skip


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(inner: str) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(inner):
        kind = match.lastgroup or "op"
        if kind != "ws":
            found.append(_Token(kind, match.group(), match.start(), match.end()))
    return found


@dataclass(frozen=True)
class _Ref:
    name: str
    start: int  # span in the region's inner text
    end: int
    first: bool  # the expression starts with it
    then: str  # the token after it ('' at the end)


def _region_refs(inner: str) -> list[_Ref]:
    """Free names in one Jinja expression or statement, with ``dag_run.<attr>`` kept whole."""
    tokens = _tokens(inner)
    refs = []
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text in _JINJA_WORDS:
            continue
        before = tokens[i - 1].text if i else ""
        if before in (".", "|", "is") or (before == "not" and i > 1 and tokens[i - 2].text == "is"):
            continue  # an attribute, a filter, a test
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if after == "=":
            continue  # a keyword argument, or the target of {% set %}
        name, end, j = token.text, token.end, i + 1
        if name == "dag_run" and j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].kind == "name":
            name, end, j = f"dag_run.{tokens[j + 1].text}", tokens[j + 1].end, j + 2
        refs.append(_Ref(name, token.start, end, i == 0, tokens[j].text if j < len(tokens) else ""))
    return refs


def _regions(text: str) -> Iterator[tuple[re.Match[str], str, str]]:
    """Each ``{{ expr }}`` and ``{% stmt %}``: the match, its group name and its inner text."""
    for match in _JINJA.finditer(text):
        if match.group("expr") is not None:
            yield match, "expr", match.group("expr")
        elif match.group("stmt") is not None:
            yield match, "stmt", match.group("stmt")


def template_references(text: str) -> list[Reference]:
    """Every variable the Jinja expressions and statements of ``text`` read, in order."""
    return [Reference(ref.name, match.start()) for match, _, inner in _regions(text) for ref in _region_refs(inner)]


def _wrapped(expression: str) -> bool:
    if not (expression.startswith("(") and expression.endswith(")")):
        return False
    depth = 0
    for i, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i == len(expression) - 1
    return False


def _equivalent(variable: TemplateVariable, keeps_intervals: bool, once: bool) -> tuple[str | None, str]:
    """The Airflow 3 expression for ``variable``, or None and why there is none."""
    if once and variable.reads == END:
        return None, "an @once DAG has no next run: Airflow 2 gave None, Airflow 3's interval ends at the start date"
    replacement = variable.with_intervals if keeps_intervals else variable.without_intervals
    if replacement is not None:
        return replacement, ""
    if keeps_intervals or variable.with_intervals is None:
        return None, variable.note
    return None, (
        f"its Airflow 2 value was derived from the start of the run's interval, which Airflow 3's "
        f"CronTriggerTimetable does not give: keep data intervals to use {variable.with_intervals}"
    )


def translate_templates(
    text: str, keeps_intervals: bool, *, once: bool = False
) -> tuple[str, list[Translation], list[Untranslatable]]:
    """``text`` with each removed template variable replaced by its exact Airflow 3 equivalent.

    ``keeps_intervals``: the migrated DAG keeps Airflow 2's run dates (a cron schedule on
    ``CronDataIntervalTimetable``, or no cron schedule); False for a cron schedule on Airflow 3's
    default ``CronTriggerTimetable``. ``once``: the DAG is scheduled ``@once``. A variable with
    no exact equivalent is left as it is and returned as ``Untranslatable``.
    """
    pieces: list[str] = []
    changes: list[Translation] = []
    blockers: list[Untranslatable] = []
    last = 0
    for match, kind, inner in _regions(text):
        replaced = inner
        names: list[str] = []
        for ref in reversed(_region_refs(inner)):
            variable = TEMPLATE_VARIABLES.get(ref.name) or TEMPLATE_ATTRIBUTES.get(ref.name)
            if variable is None:
                continue
            replacement, why = _equivalent(variable, keeps_intervals, once)
            if replacement is None:
                blockers.append(Untranslatable(ref.name, match.start(), match.group(), why))
                continue
            bare = bool(_SIMPLE.match(replacement)) or _wrapped(replacement)
            if not bare and not (kind == "expr" and ref.first and ref.then in ("", "|")):
                replacement = f"({replacement})"
            replaced = replaced[: ref.start] + replacement + replaced[ref.end :]
            names.append(ref.name)
        if not names:
            continue
        side = ("el", "er") if kind == "expr" else ("sl", "sr")
        opening, closing = ("{{", "}}") if kind == "expr" else ("{%", "%}")
        after = f"{opening}{match.group(side[0])}{replaced}{match.group(side[1])}{closing}"
        pieces.append(text[last : match.start()] + after)
        last = match.end()
        changes.extend(Translation(name, match.start(), match.group(), after) for name in reversed(names))
    pieces.append(text[last:])
    blockers.sort(key=lambda b: b.offset)
    return "".join(pieces), changes, blockers


def translate_value(
    value: Any, keeps_intervals: bool, *, once: bool = False
) -> tuple[Any, list[Translation], list[Untranslatable]]:
    """``translate_templates`` over every string of a literal (a list of arguments, a dict of env vars)."""
    changes: list[Translation] = []
    blockers: list[Untranslatable] = []

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            new, done, left = translate_templates(item, keeps_intervals, once=once)
            changes.extend(done)
            blockers.extend(left)
            return new
        if isinstance(item, list | tuple):
            return type(item)(walk(part) for part in item)
        if isinstance(item, dict):
            return {key: walk(part) for key, part in item.items()}
        return item

    return walk(value), changes, blockers


# --------------------------------------------------------------------------------------------
# Cron schedules: keep data intervals or not
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IntervalDecision:
    keeps_intervals: bool
    #: what the migrated DAG must run on: "CronDataIntervalTimetable" (an explicit timetable, or
    #: ``[scheduler] create_cron_data_intervals = True``), "CronTriggerTimetable" (Airflow 3's
    #: default for a cron string), or None for a schedule that is not cron
    timetable: str | None
    reason: str
    #: the template references the decision rests on, first one first (empty: none)
    evidence: tuple[str, ...] = ()


def decide_intervals(schedule: Any, references: Iterable[str]) -> IntervalDecision:
    """Whether the migrated DAG must keep Airflow 2's data intervals to behave the same, and why.

    Airflow 2 ran a cron schedule on ``CronDataIntervalTimetable``: a run fires at the end of its
    interval and its logical date (``ds``...) is the interval's start. Airflow 3's default for a
    cron string, ``CronTriggerTimetable``, gives a run the moment it fires as logical date and as
    both ends of its interval. So values read from the logical date or the interval start need
    the data intervals kept; values read from the interval end are the same under both.
    """
    if not is_cron(schedule):
        return IntervalDecision(
            True, None, f"schedule {schedule!r} is not cron: Airflow 3 dates its runs as Airflow 2 did"
        )
    seen = list(dict.fromkeys(references))
    starts = [name for name in seen if DATE_VARIABLES.get(name) == START]
    ends = [name for name in seen if DATE_VARIABLES.get(name) == END]
    if starts:
        shown = ", ".join(starts)
        return IntervalDecision(
            True, "CronDataIntervalTimetable",
            f"data intervals kept (CronDataIntervalTimetable): the commands read {shown}, which Airflow 2 "
            f"took from the start of the interval a run covers and which Airflow 3's default cron timetable "
            f"would set to the moment the run fires, one interval later",
            tuple(starts),
        )  # fmt: skip
    if ends:
        shown = ", ".join(ends)
        return IntervalDecision(
            False, "CronTriggerTimetable",
            f"Airflow 3's default cron timetable (CronTriggerTimetable): the commands read only the end of "
            f"the interval ({shown}), which is the moment the run fires under both timetables",
            tuple(ends),
        )  # fmt: skip
    return IntervalDecision(
        False, "CronTriggerTimetable",
        "Airflow 3's default cron timetable (CronTriggerTimetable): runs fire at the same moments and the "
        "commands read no run date",
    )  # fmt: skip
