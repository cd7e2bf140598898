"""What changes when an Airflow 2 DAG file becomes Airflow 3, read from its source.

The Airflow 2 half of ``migrate``: pure functions over source text and its
``ast`` (the file is parsed, never imported nor executed, like every reader
of ``dagsource``). For each DAG in a file it reports what the template
carries over, each behaviour change a team must know (a stable code, the
file line, one sentence), what the template does not write (and whether that
blocks the migration), and the Airflow 2 settings the migration must give
(``MigrationReport.answers``), e.g. ``catchup=True`` stated explicitly.

Template variables removed in Airflow 3 are translated by ``translate_templates``
into the Airflow 3 expression that gives the same value, where one exists under
the timetable the migration picks (``TEMPLATE_VARIABLES`` says which and why);
the rest are left as they are and reported as blockers.

Sources for the semantics: Airflow 2.10's ``TaskInstance.get_template_context``
(how each variable was computed) and ``Context._DEPRECATION_REPLACEMENTS``;
Airflow 3.3's ``airflow.sdk.definitions.context.Context`` (the keys that are
left), its ``[scheduler] create_cron_data_intervals`` setting and its
``CronTriggerTimetable``/``CronDataIntervalTimetable``; ruff's AIR301 rule
(``REMOVED_CONTEXT_KEYS``).
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import dagsource, questions
from createdag.dagsource import NOT_FOUND, call_name, kwargs, literal

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

NOT_CRON = frozenset({"@once", "@continuous"})


def is_cron(schedule: Any) -> bool:
    """A cron expression or preset: Airflow 2 ran it on CronDataIntervalTimetable."""
    return (
        isinstance(schedule, str)
        and schedule.strip() not in NOT_CRON
        and (schedule.strip().startswith("@") or len(schedule.split()) in (5, 6))
    )


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


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A behaviour change (or a blocker): a stable code, the file line, one sentence."""

    code: str
    line: int | None
    text: str
    task_id: str | None = None


@dataclass(frozen=True)
class NotCarried:
    """Something in the file the template does not write."""

    code: str
    what: str
    line: int | None
    why: str
    blocks: bool


#: Behaviour change codes.
CHANGE_CODES = (
    "catchup-default", "cron-logical-date", "removed-template-variable", "schedule_interval",
    "schedule-default", "concurrency", "is_delete_operator_pod", "start-date-timezone", "office365-callback",
)  # fmt: skip


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


@dataclass
class MigrationReport:
    """What migrating one Airflow 2 DAG carries over, changes, and cannot carry."""

    dag_id: str | None  # None: not a literal
    source: Path
    line: int
    carried: list[str] = field(default_factory=list)
    behaviour_changes: list[Change] = field(default_factory=list)
    not_carried: list[NotCarried] = field(default_factory=list)
    blockers: list[Change] = field(default_factory=list)
    keeps_intervals: bool = True
    timetable: str | None = None
    #: answers the migration must give over what the source literally says: the schedule from
    #: schedule_interval, catchup stated, the start date and timezone, max_active_tasks from
    #: concurrency, the Teams alerts replacing an Office 365 callback
    answers: dict[str, Any] = field(default_factory=dict)
    #: task_id -> {argument: value} for pod arguments whose templates were translated, and
    #: on_finish_action where is_delete_operator_pod set it
    task_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: what the source says as it is, in answers: description, tags, max_active_runs, and the
    #: default_args owner, retries, retry_delay_minutes, depends_on_past, wait_for_downstream
    source_answers: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.dag_id if self.dag_id is not None else f"the DAG at line {self.line}"

    @property
    def migratable(self) -> bool:
        return not self.blockers

    @property
    def codes(self) -> set[str]:
        """The codes of the behaviour changes."""
        return {change.code for change in self.behaviour_changes}

    @property
    def not_carried_codes(self) -> set[str]:
        return {item.code for item in self.not_carried}

    @property
    def blocker_codes(self) -> set[str]:
        return {item.code for item in self.blockers}

    def _status(self) -> str:
        if self.migratable:
            return "can be migrated"
        count = len(self.blockers)
        return f"cannot be migrated: {count} blocker{'s' if count != 1 else ''}"

    def to_text(self) -> str:
        def at(line: int | None) -> str:
            return f"line {line}: " if line else ""

        out = [f"{self.name} ({self.source}, line {self.line}): {self._status()}"]
        out.append("  carried over:")
        out.extend(f"    - {line}" for line in self.carried or ["nothing"])
        out.append("  behaviour changes:")
        out.extend(f"    - {at(c.line)}{c.text} [{c.code}]" for c in self.behaviour_changes)
        if not self.behaviour_changes:
            out.append("    - none")
        out.append("  not carried:")
        out.extend(
            f"    - {at(n.line)}{n.what}: {n.why}{' (blocks)' if n.blocks else ''} [{n.code}]" for n in self.not_carried
        )
        if not self.not_carried:
            out.append("    - nothing")
        if self.blockers:
            out.append("  blockers:")
            out.extend(f"    - {at(b.line)}{b.text} [{b.code}]" for b in self.blockers)
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        def line(number: int | None) -> str:
            return str(number) if number else ""

        out = [f"## `{self.name}`", "", f"From `{self.source}`, line {self.line}: **{self._status()}**.", ""]
        out += ["### Carried over", ""]
        out += [f"- {_md(item)}" for item in self.carried or ["nothing"]]
        out += ["", "### Behaviour changes", ""]
        if self.behaviour_changes:
            out += ["| Line | Change | Code |", "| ---: | --- | --- |"]
            out += [f"| {line(c.line)} | {_md(c.text)} | `{c.code}` |" for c in self.behaviour_changes]
        else:
            out.append("None.")
        out += ["", "### Not carried", ""]
        if self.not_carried:
            out += ["| Line | What | Why | Blocks | Code |", "| ---: | --- | --- | --- | --- |"]
            out += [
                f"| {line(n.line)} | {_md(n.what)} | {_md(n.why)} | {'yes' if n.blocks else 'no'} | `{n.code}` |"
                for n in self.not_carried
            ]
        else:
            out.append("Nothing.")
        if self.blockers:
            out += ["", "### Blockers", ""]
            out += [
                f"- {('line ' + str(b.line) + ': ') if b.line else ''}{_md(b.text)} (`{b.code}`)" for b in self.blockers
            ]
        return "\n".join(out) + "\n"


def reports_to_markdown(reports: Sequence[MigrationReport]) -> str:
    """One Markdown document for several DAGs (``--report FILE``)."""
    head = ["# Migration report", ""]
    ready = sum(report.migratable for report in reports)
    head.append(f"{len(reports)} DAG{'s' if len(reports) != 1 else ''}, {ready} can be migrated.")
    return "\n".join([*head, "", *(report.to_markdown() for report in reports)])


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------

_POD = "KubernetesPodOperator"
#: The pod arguments the template writes (``dag_template``), besides ``dag=``.
TEMPLATE_POD_ARGUMENTS = frozenset(
    {"task_id", "namespace", "image", "cmds", "arguments", "env_vars", "secrets", "image_pull_secrets",
     "container_resources"}
)  # fmt: skip
#: The pod options the template writes (task answers; ``affinity`` is the answer node_affinity): read
#: by ``pipeline_source`` in the forms it knows, the others listed there (a blocker of the migration).
TEMPLATE_POD_OPTIONS = frozenset(q.place.argument for q in questions.POD_OPTIONS if q.place is not None)
#: KubernetesPodOperator's template fields (cncf-kubernetes 10): the arguments whose strings are rendered.
POD_TEMPLATE_FIELDS = frozenset(
    {"image", "name", "hostname", "cmds", "annotations", "arguments", "env_vars", "labels", "config_file",
     "pod_template_file", "namespace", "container_resources", "volumes", "volume_mounts", "cluster_context",
     "env_from", "node_selector", "kubernetes_conn_id", "pod_template_dict", "base_container_name"}
)  # fmt: skip
TEMPLATE_DAG_ARGUMENTS = frozenset(
    {"dag_id", "description", "schedule", "start_date", "catchup", "max_active_runs", "max_active_tasks", "tags",
     "default_args"}
)  # fmt: skip
TEMPLATE_DEFAULT_ARGS = frozenset(
    {"owner", "retries", "retry_delay", "depends_on_past", "wait_for_downstream", "start_date"}
)
_CALLBACKS = {"on_failure_callback": "failure", "on_retry_callback": "retry", "on_success_callback": "success"}
#: Calls a DAG file may make while it is parsed that the template writes or the reader reads.
_KNOWN_CALLS = frozenset(
    {"DAG", _POD, "Secret", "timedelta", "datetime", "date", "days_ago", "duration", "timezone", "ZoneInfo",
     "Timezone", "TeamsNotifier", "dict", "list", "tuple", "set", "str", "int", "float", "bool"}
)  # fmt: skip
_OLD_IMPORTS = {
    "airflow.providers.cncf.kubernetes.operators.kubernetes_pod": "airflow.providers.cncf.kubernetes.operators.pod",
    "airflow.kubernetes.secret": "airflow.providers.cncf.kubernetes.secret",
    "airflow.kubernetes.pod": "airflow.providers.cncf.kubernetes",
}
_OFFICE365_STRINGS = re.compile(
    r"MessageCard|webhook\.office\.com|outlook\.office(?:365)?\.com/webhook|office365", re.I
)
_OFFICE365_CALLS = re.compile(r"ms_?teams.*webhook|office365", re.I)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _is_operator(call: ast.Call) -> bool:
    name = call_name(call)
    return name.endswith(("Operator", "Sensor")) or name == "TaskGroup"


def _walk_outside_functions(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter function bodies, lambdas or classes (not run at parse time)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                todo.append(child)


@dataclass
class _Dag:
    call: ast.Call
    dag_id: Any
    kind: str  # "module", "loop", "factory", "decorated"
    scope: ast.AST  # the module, loop or function its tasks live in
    report: MigrationReport | None = None


class _File:
    """One parsed file: its DAGs, its tasks and who owns them, and every finding."""

    def __init__(self, tree: ast.Module, path: Path, *, timezone: str, today: dt.date, airflow2_timezone: str):
        self.tree, self.path = tree, path
        self.timezone, self.today, self.airflow2_timezone = timezone, today, airflow2_timezone
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions = {
            node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.bindings: list[tuple[str, int, ast.AST]] = []
        self._collect_bindings(tree.body)
        self.dags = [self._dag(found) for found in dagsource.dag_calls(tree)]
        for dag in self.dags:  # names bound in a @dag function's body, where its tasks are
            if dag.kind == "decorated" and isinstance(dag.scope, ast.FunctionDef | ast.AsyncFunctionDef):
                self._collect_bindings(dag.scope.body)
        for dag in self.dags:  # DAG(dag_id, ...) with dag_id = "..." above it
            if dag.dag_id is NOT_FOUND and dag.kind == "module":
                dag.dag_id = self.value(dagsource.argument(dag.call, "dag_id", 0), dag.call.lineno)
        self.callbacks_used: set[str] = set()  # functions recognised as Office 365 callbacks
        self.dag_functions = {
            dag.scope.name
            for dag in self.dags
            if isinstance(dag.scope, ast.FunctionDef | ast.AsyncFunctionDef) and dag.kind == "decorated"
        }

    # -- names -------------------------------------------------------------------------------

    def _collect_bindings(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.bindings.append((target.id, stmt.lineno, stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.bindings.append((stmt.target.id, stmt.lineno, stmt.value))
            elif isinstance(stmt, ast.With):
                for item in stmt.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self.bindings.append((item.optional_vars.id, stmt.lineno, item.context_expr))
                self._collect_bindings(stmt.body)

    def resolve(self, node: ast.AST | None, at: int | None = None, depth: int = 0) -> ast.AST | None:
        """A module-level name's value as bound before line ``at`` (the node itself otherwise)."""
        if not isinstance(node, ast.Name) or depth > 8:
            return node
        line = at if at is not None else node.lineno
        value = None
        for name, bound_at, bound in self.bindings:
            if name == node.id and bound_at <= line and bound is not node:
                value = bound
        return node if value is None else self.resolve(value, line, depth + 1)

    def value(self, node: ast.AST | None, at: int | None = None) -> Any:
        resolved = self.resolve(node, at)
        return literal(resolved) if isinstance(resolved, ast.expr) else NOT_FOUND

    # -- DAGs and tasks ----------------------------------------------------------------------

    def _ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def _dag(self, found: dagsource.DagCall) -> _Dag:
        call = found.call
        if call not in self.parents:  # a bare ``@dag`` decorator: dag_calls made this Call
            function = next(
                f
                for f in ast.walk(self.tree)
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and any(d is found.call.func for d in f.decorator_list)
            )
            return _Dag(call, found.dag_id, "decorated", function)
        for parent in self._ancestors(call):
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                if call in parent.decorator_list:
                    return _Dag(call, found.dag_id, "decorated", parent)
                return _Dag(call, found.dag_id, "factory", parent)
            if isinstance(parent, ast.For | ast.AsyncFor | ast.While | ast.comprehension):
                scope = parent if not isinstance(parent, ast.comprehension) else self.parents[parent]
                return _Dag(call, found.dag_id, "loop", scope)
        return _Dag(call, found.dag_id, "module", self.tree)

    def _dag_named(self, node: ast.AST, at: int) -> _Dag | None:
        resolved = self.resolve(node, at)
        return next((dag for dag in self.dags if dag.call is resolved), None)

    def owner(self, node: ast.AST) -> _Dag | None:
        """The DAG a node belongs to: an operator's ``dag=``, the ``with DAG`` block or ``@dag``
        function around it, the one DAG of its loop or function, or the file's only DAG."""
        chain = [node, *self._ancestors(node)]
        for current in chain:
            if isinstance(current, ast.Call):
                for dag in self.dags:
                    if dag.call is current:
                        return dag
                if _is_operator(current) and "dag" in kwargs(current):
                    named = self._dag_named(kwargs(current)["dag"], current.lineno)
                    if named is not None:
                        return named
            if isinstance(current, ast.With):
                for item in current.items:
                    named = self._dag_named(item.context_expr, current.lineno)
                    if named is not None:
                        return named
            for dag in self.dags:
                if dag.kind == "decorated" and dag.scope is current:
                    return dag
            if isinstance(current, ast.For | ast.AsyncFor | ast.While | ast.FunctionDef | ast.AsyncFunctionDef):
                inside = [dag for dag in self.dags if dag.scope is current]
                if len(inside) == 1:
                    return inside[0]
        return self.dags[0] if len(self.dags) == 1 else None

    def operators(self) -> Iterator[ast.Call]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _is_operator(node):
                yield node


def _line(node: ast.AST | None) -> int | None:
    return getattr(node, "lineno", None)


@dataclass(frozen=True)
class _Text:
    """A string constant of the source and the line it starts on."""

    text: str
    line: int

    def line_of(self, offset: int) -> int:
        """The line of ``offset`` (exact for strings without escaped newlines)."""
        return self.line + self.text[:offset].count("\n")


def _strings(node: ast.AST) -> Iterator[_Text]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield _Text(child.value, child.lineno)


class _Analysis:
    def __init__(self, file: _File):
        self.file = file
        self.file_level: list[tuple[str, Any]] = []  # ("change"|"not"|"blocker", item) for every DAG

    # -- helpers -----------------------------------------------------------------------------

    def add(self, dag: _Dag | None, item: Change | NotCarried, kind: str) -> None:
        targets = [dag] if dag is not None else self.file.dags
        for target in targets:
            report = target.report
            assert report is not None
            if kind == "change" and isinstance(item, Change):
                report.behaviour_changes.append(item)
            elif kind == "blocker" and isinstance(item, Change):
                report.blockers.append(item)
            elif isinstance(item, NotCarried):
                report.not_carried.append(item)
                if item.blocks:
                    report.blockers.append(Change(item.code, item.line, f"{item.what}: {item.why}"))

    def not_carried(
        self, node: ast.AST | None, code: str, what: str, why: str, blocks: bool, owner: _Dag | None = None
    ) -> None:
        if owner is None and node is not None:
            owner = self.file.owner(node)
        self.add(owner, NotCarried(code, what, _line(node), why, blocks), "not")

    # -- the whole file ----------------------------------------------------------------------

    def run(self) -> list[MigrationReport]:
        file = self.file
        for dag in file.dags:
            dag.report = MigrationReport(
                dag.dag_id if isinstance(dag.dag_id, str) else None, file.path, dag.call.lineno
            )
        for dag in file.dags:
            self.dag(dag)
        self.statements(file.tree.body, top=True)
        for dag in file.dags:
            if dag.kind == "decorated" and isinstance(dag.scope, ast.FunctionDef | ast.AsyncFunctionDef):
                self.statements(dag.scope.body, top=True)  # a docstring, then tasks and dependencies
                for expr in self.parse_time_expressions(dag.scope.body):
                    self.parse_time_call(expr)
        self.imports()
        self.parse_time_calls()
        self.operators()
        dependencies = self.dependencies()
        for dag in file.dags:
            report = dag.report
            assert report is not None
            if len(file.dags) > 1 and dag.kind in ("module", "decorated"):
                report.carried.append(f"one of {len(file.dags)} DAGs in {file.path.name}: written to a file of its own")
            edges = dependencies.get(id(dag), [])
            if edges:
                report.carried.append("dependencies: " + ", ".join(f"{a} >> {b}" for a, b in edges))
            self.dedupe(report)
        return [dag.report for dag in file.dags if dag.report is not None]

    @staticmethod
    def dedupe(report: MigrationReport) -> None:
        def unique(items: list[Any]) -> list[Any]:
            return sorted(dict.fromkeys(items), key=lambda i: i.line or 0)

        report.behaviour_changes = unique(report.behaviour_changes)
        report.not_carried = unique(report.not_carried)
        report.blockers = unique(report.blockers)

    # -- one DAG -----------------------------------------------------------------------------

    def dag(self, dag: _Dag) -> None:
        report = dag.report
        assert report is not None
        file, call = self.file, dag.call
        given = kwargs(call)
        at = call.lineno
        if dag.kind == "loop":
            self.add(
                dag,
                NotCarried(
                    "dag-loop",
                    "DAGs made in a loop",
                    at,
                    "one DAG per pass of the loop cannot be represented: write each DAG out, or migrate them by hand",
                    True,
                ),
                "not",
            )
        elif dag.kind == "factory":
            self.add(
                dag,
                NotCarried(
                    "dag-factory",
                    "a DAG made inside a function",
                    at,
                    "a function that makes DAGs cannot be represented: write each DAG out, or migrate them by hand",
                    True,
                ),
                "not",
            )
        elif not isinstance(dag.dag_id, str):
            self.add(dag, Change("unreadable", at, "the dag_id is not a literal string"), "blocker")
        if isinstance(dag.dag_id, str):
            report.carried.append(f"dag_id {dag.dag_id!r}")
        default_args = file.resolve(given.get("default_args"), at)
        items: dict[str, ast.expr] = {}
        if isinstance(default_args, ast.Dict):
            items = {
                key: value
                for k, value in zip(default_args.keys, default_args.values, strict=True)
                if k is not None and isinstance(key := literal(k), str)
            }
        for key in ("description", "tags", "max_active_runs"):
            if key in given and file.value(given[key], at) is not NOT_FOUND:
                report.carried.append(f"{key} {file.value(given[key], at)!r}")
                report.source_answers[key] = file.value(given[key], at)
            elif key in given:
                self.add(dag, Change("unreadable", _line(given[key]), f"{key} is not a literal"), "blocker")
        self.schedule(dag, given, items)
        self.catchup(dag, given)
        self.concurrency(dag, given)
        self.start_date(dag, given, items)
        self.default_args(dag, items, default_args)
        self.callbacks(dag, given, items)
        for key, value in given.items():
            if key in TEMPLATE_DAG_ARGUMENTS or key in ("schedule_interval", "concurrency", *_CALLBACKS):
                continue
            harmless = {
                "doc_md": "the DAG's documentation: the template writes the description only",
                "default_view": "removed in Airflow 3 (the UI has one view)",
                "orientation": "removed in Airflow 3 (the UI lays out the graph)",
                "is_paused_upon_creation": "the DAG starts as the deployment's dags_are_paused_at_creation says",
            }
            if key in harmless:
                self.add(dag, NotCarried("dag-setting", f"DAG {key}", _line(value), harmless[key], False), "not")
            elif key == "sla_miss_callback":
                self.add(
                    dag,
                    NotCarried(
                        "dag-setting",
                        "DAG sla_miss_callback",
                        _line(value),
                        "SLAs were removed in Airflow 3: remove it (or move to Deadline Alerts) before migrating",
                        True,
                    ),
                    "not",
                )
            else:
                self.add(
                    dag,
                    NotCarried("dag-setting", f"DAG {key}", _line(value), "the template does not write it", True),
                    "not",
                )

    def schedule(self, dag: _Dag, given: dict[str, ast.expr], items: dict[str, ast.expr]) -> None:
        report = dag.report
        assert report is not None
        file, at = self.file, dag.call.lineno
        node = given.get("schedule", given.get("schedule_interval"))
        if "timetable" in given:
            self.add(
                dag,
                NotCarried(
                    "dag-setting",
                    "DAG timetable",
                    _line(given["timetable"]),
                    "a custom timetable: the template writes a cron or preset schedule",
                    True,
                ),
                "not",
            )
            return
        if node is None:
            start = self.start_node(given, items)
            hour, minute = self.start_time(start)
            schedule = "@daily" if (hour, minute) == (0, 0) else f"{minute} {hour} * * *"
            report.answers["schedule"] = schedule
            self.add(
                dag,
                Change(
                    "schedule-default",
                    at,
                    f"no schedule was set: Airflow 2 ran the DAG every day (timedelta(days=1) from the start date), "
                    f"Airflow 3 would not schedule it at all; the migrated DAG states schedule={schedule!r}",
                ),
                "change",
            )
            self.interval_decision(dag, schedule)
            return
        value = file.value(node, at)
        resolved = file.resolve(node, at)
        if value is NOT_FOUND and isinstance(resolved, ast.Call) and call_name(resolved) == "timedelta":
            delta = {k: literal(v) for k, v in kwargs(resolved).items()}
            if delta == {"days": 1} and not resolved.args:
                hour, minute = self.start_time(self.start_node(given, items))
                value = "@daily" if (hour, minute) == (0, 0) else f"{minute} {hour} * * *"
        if value is not None and not isinstance(value, str):
            self.add(
                dag,
                Change(
                    "unreadable", _line(node), "the schedule is not a cron string, a preset, None or timedelta(days=1)"
                ),
                "blocker",
            )
            return
        report.answers["schedule"] = value
        report.carried.append(f"schedule {value!r}")
        if "schedule_interval" in given:
            self.add(
                dag,
                Change(
                    "schedule_interval",
                    _line(given["schedule_interval"]),
                    f"schedule_interval={value!r} becomes schedule={value!r} (Airflow 3 removed schedule_interval)",
                ),
                "change",
            )
        self.interval_decision(dag, value)

    def interval_decision(self, dag: _Dag, schedule: Any) -> None:
        report = dag.report
        assert report is not None
        strings = self.template_strings(dag)
        refs: list[tuple[str, int | None]] = []
        for node, _key, _task in strings:
            for ref in template_references(node.text):
                refs.append((ref.name, node.line_of(ref.offset)))
        decision = decide_intervals(schedule, (name for name, _ in refs))
        report.keeps_intervals, report.timetable = decision.keeps_intervals, decision.timetable
        if decision.timetable is not None:
            line = next((line for name, line in refs if name in decision.evidence), None)
            if decision.evidence:
                self.add(
                    dag, Change("cron-logical-date", line, f"cron schedule {schedule!r}: {decision.reason}"), "change"
                )
            else:
                report.carried.append(
                    f"runs of {schedule!r} fire at the same moments ({decision.reason.split(':')[0]})"
                )
        self.translate(dag, strings, once=isinstance(schedule, str) and schedule.strip() == "@once")

    def template_strings(self, dag: _Dag) -> list[tuple[_Text, str, str | None]]:
        """Every string in a templated argument of the DAG's pod tasks: (node, argument, task_id)."""
        found: list[tuple[_Text, str, str | None]] = []
        for call in self.file.operators():
            if call_name(call) != _POD or self.file.owner(call) is not dag:
                continue
            task_id = self.file.value(kwargs(call).get("task_id"), call.lineno)
            for key, value in kwargs(call).items():
                if key in POD_TEMPLATE_FIELDS:
                    resolved = self.file.resolve(value, call.lineno)
                    if resolved is not None:
                        found.extend(
                            (node, key, task_id if isinstance(task_id, str) else None) for node in _strings(resolved)
                        )
        return found

    def translate(self, dag: _Dag, strings: list[tuple[_Text, str, str | None]], *, once: bool) -> None:
        report = dag.report
        assert report is not None
        keeps = report.keeps_intervals
        for node, key, task_id in strings:
            _, changes, blockers = translate_templates(node.text, keeps, once=once)
            for change in changes:
                self.add(
                    dag,
                    Change(
                        "removed-template-variable",
                        node.line_of(change.offset),
                        f"{change.variable} was removed in Airflow 3: {change.before!r} becomes {change.after!r}"
                        + (f" (task {task_id!r}, {key})" if task_id else ""),
                        task_id,
                    ),
                    "change",
                )
            for blocker in blockers:
                self.add(
                    dag,
                    Change(
                        "removed-template-variable",
                        node.line_of(blocker.offset),
                        f"{blocker.variable} was removed in Airflow 3 and has no exact equivalent here "
                        f"({blocker.expression!r}): {blocker.why}",
                        task_id,
                    ),
                    "blocker",
                )
        # the translated literals, argument by argument, for the task answers
        for call in self.file.operators():
            if call_name(call) != _POD or self.file.owner(call) is not dag:
                continue
            task_id = self.file.value(kwargs(call).get("task_id"), call.lineno)
            if not isinstance(task_id, str):
                continue
            for key, value in kwargs(call).items():
                if key not in POD_TEMPLATE_FIELDS:
                    continue
                given = self.file.value(value, call.lineno)
                new, changes, _ = translate_value(given, keeps, once=once)
                if changes:
                    report.task_answers.setdefault(task_id, {})[key] = new

    def catchup(self, dag: _Dag, given: dict[str, ast.expr]) -> None:
        report = dag.report
        assert report is not None
        if "catchup" not in given:
            report.answers["catchup"] = True
            self.add(
                dag,
                Change(
                    "catchup-default",
                    dag.call.lineno,
                    "catchup was never set: Airflow 2 defaulted it to True, Airflow 3 to False; the migrated DAG "
                    "states catchup=True, so missed runs are still caught up",
                ),
                "change",
            )
            return
        value = self.file.value(given["catchup"], dag.call.lineno)
        if isinstance(value, bool):
            report.answers["catchup"] = value
            report.carried.append(f"catchup {value}")
        else:
            self.add(dag, Change("unreadable", _line(given["catchup"]), "catchup is not True or False"), "blocker")

    def concurrency(self, dag: _Dag, given: dict[str, ast.expr]) -> None:
        report = dag.report
        assert report is not None
        if "max_active_tasks" in given:
            report.carried.append(f"max_active_tasks {self.file.value(given['max_active_tasks'])!r}")
        if "concurrency" not in given:
            return
        value = self.file.value(given["concurrency"], dag.call.lineno)
        if not isinstance(value, int):
            self.add(dag, Change("unreadable", _line(given["concurrency"]), "concurrency is not a number"), "blocker")
            return
        report.answers["max_active_tasks"] = value
        self.add(
            dag,
            Change(
                "concurrency",
                _line(given["concurrency"]),
                f"concurrency={value} becomes max_active_tasks={value} (Airflow 3 removed the DAG's concurrency)",
            ),
            "change",
        )

    # -- start date --------------------------------------------------------------------------

    def start_node(self, given: dict[str, ast.expr], items: dict[str, ast.expr]) -> ast.AST | None:
        node = given.get("start_date", items.get("start_date"))
        return self.file.resolve(node) if node is not None else None

    @staticmethod
    def start_time(node: ast.AST | None) -> tuple[int, int]:
        if isinstance(node, ast.Call) and call_name(node) == "datetime":
            parts = [literal(arg) for arg in node.args[3:5]]
            parts += [0] * (2 - len(parts))
            if all(isinstance(p, int) for p in parts):
                return int(parts[0]), int(parts[1])
        if isinstance(node, ast.Call) and call_name(node) == "days_ago":
            given = {k: literal(v) for k, v in kwargs(node).items()}
            hour, minute = given.get("hour", 0), given.get("minute", 0)
            if isinstance(hour, int) and isinstance(minute, int):
                return hour, minute
        return 0, 0

    def start_date(self, dag: _Dag, given: dict[str, ast.expr], items: dict[str, ast.expr]) -> None:
        report = dag.report
        assert report is not None
        raw = given.get("start_date", items.get("start_date"))
        node = self.file.resolve(raw) if raw is not None else None
        where = _line(raw)
        if node is None:
            self.add(dag, Change("unreadable", dag.call.lineno, "the DAG has no start_date"), "blocker")
            return
        zone = self.file.timezone
        if isinstance(node, ast.Call) and call_name(node) == "days_ago":
            days = literal(dagsource.argument(node, "n", 0))
            if not isinstance(days, int):
                self.add(dag, Change("unreadable", where, "days_ago(...) is not given a number"), "blocker")
                return
            date = self.file.today - dt.timedelta(days=days)
            plural = "s" if days != 1 else ""
            source = f"start_date=days_ago({days}) moved with every parse (midnight UTC, {days} day{plural} back)"
            fixed = f", {days} day{plural} before the migration"
            hour, minute = self.start_time(node)
        elif isinstance(node, ast.Call) and call_name(node) == "datetime" and self.naive(node):
            parts = [literal(arg) for arg in node.args[:3]]
            if len(parts) < 3 or not all(isinstance(p, int) for p in parts):
                self.add(
                    dag, Change("unreadable", where, "the start date's year, month and day are not numbers"), "blocker"
                )
                return
            date = dt.date(*parts)
            hour, minute = self.start_time(node)
            shown = ", ".join(str(p) for p in [*parts, *((hour, minute) if (hour, minute) != (0, 0) else ())])
            fixed = ""
            source = (
                f"start_date=datetime({shown}) is naive (Airflow 2 read it in its [core] default_timezone, "
                f"{self.file.airflow2_timezone} here)"
            )
        else:
            aware = self.aware(node)
            if aware is None:
                self.add(dag, Change("unreadable", where, "the start date is not a literal date"), "blocker")
                return
            report.answers["start_date"], report.answers["timezone"] = aware
            report.carried.append(f"start date {aware[0]} in {aware[1]}")
            return
        report.answers["start_date"], report.answers["timezone"] = date.isoformat(), zone
        text = f"{source}: it becomes pendulum.datetime({date.year}, {date.month}, {date.day}, tz={zone!r}){fixed}"
        if (hour, minute) != (0, 0):
            text += f" and its time, {hour:02d}:{minute:02d}, is dropped (the template writes a date)"
        schedule = report.answers.get("schedule")
        if zone != self.file.airflow2_timezone and is_cron(schedule):
            text += (
                f"; the cron schedule {schedule!r} is now read in {zone}, not {self.file.airflow2_timezone}: "
                f"its runs fire at {zone} wall-clock times"
            )
        self.add(dag, Change("start-date-timezone", where, text), "change")

    @staticmethod
    def naive(node: ast.Call) -> bool:
        """``datetime(...)`` without a zone (pendulum's datetime defaults to UTC: not naive)."""
        if _dotted(node.func).startswith("pendulum"):
            return False
        return "tzinfo" not in kwargs(node) and len(node.args) < 8

    def aware(self, node: ast.AST) -> tuple[str, str] | None:
        if not (isinstance(node, ast.Call) and call_name(node) == "datetime" and len(node.args) >= 3):
            return None
        parts = [literal(arg) for arg in node.args[:3]]
        if not all(isinstance(p, int) for p in parts):
            return None
        given = kwargs(node)
        tz = given.get("tz", given.get("tzinfo"))
        if tz is None and len(node.args) >= 4 and _dotted(node.func).startswith("pendulum"):
            tz = node.args[3]
        zone: Any = NOT_FOUND
        if tz is None and _dotted(node.func).startswith("pendulum"):
            zone = "UTC"  # pendulum.datetime's default
        elif isinstance(literal(tz), str):
            zone = literal(tz)
        elif isinstance(tz, ast.Call) and call_name(tz) in ("timezone", "ZoneInfo", "Timezone") and tz.args:
            zone = literal(tz.args[0])
        elif isinstance(tz, ast.Attribute) and tz.attr in ("utc", "UTC"):
            zone = "UTC"
        if not isinstance(zone, str):
            return None
        return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}", zone

    # -- default_args and callbacks ----------------------------------------------------------

    def default_args(self, dag: _Dag, items: dict[str, ast.expr], node: ast.AST | None) -> None:
        report = dag.report
        assert report is not None
        if node is not None and not isinstance(node, ast.Dict):
            self.add(
                dag, Change("unreadable", _line(node), "default_args is not a dict written in the file"), "blocker"
            )
            return
        for key in ("owner", "retries", "depends_on_past", "wait_for_downstream"):
            if key in items:
                value = self.file.value(items[key])
                if value is NOT_FOUND:
                    self.add(dag, Change("unreadable", _line(items[key]), f"default_args {key} is not a literal"),
                             "blocker")  # fmt: skip
                    continue
                report.carried.append(f"{key} {value!r}")
                report.source_answers[key] = value
        if "retry_delay" in items:
            minutes = dagsource.timedelta_minutes(self.file.resolve(items["retry_delay"]))
            if minutes is NOT_FOUND:
                self.add(
                    dag,
                    Change("unreadable", _line(items["retry_delay"]), "retry_delay is not timedelta(...) in whole "
                           "minutes (the template writes minutes)"),
                    "blocker",
                )  # fmt: skip
            else:
                report.carried.append(f"retry_delay {ast.unparse(items['retry_delay'])}")
                report.source_answers["retry_delay_minutes"] = minutes
        email = items.get("email")
        quiet = all(self.file.value(items.get(key)) is False for key in ("email_on_failure", "email_on_retry"))
        for key, value in items.items():
            if key in TEMPLATE_DEFAULT_ARGS or key in _CALLBACKS:
                continue
            if key in ("email", "email_on_failure", "email_on_retry"):
                if email is None or quiet:
                    why = (
                        "no email is sent (email_on_failure and email_on_retry are False)"
                        if email is not None
                        else "no email address is set"
                    )
                    self.add(dag, NotCarried("default-arg", f"default_args {key}", _line(value), why, False), "not")
                else:
                    self.add(
                        dag,
                        NotCarried(
                            "default-arg",
                            f"default_args {key}",
                            _line(value),
                            "email alerts: the template writes Teams alerts only",
                            True,
                        ),
                        "not",
                    )
            elif key == "provide_context":
                self.add(
                    dag,
                    NotCarried(
                        "provide-context",
                        "default_args provide_context",
                        _line(value),
                        "removed in Airflow 3 (the context is always given): dropped",
                        False,
                    ),
                    "not",
                )
            elif key == "sla":
                self.add(
                    dag,
                    NotCarried(
                        "default-arg",
                        "default_args sla",
                        _line(value),
                        "SLAs were removed in Airflow 3: remove it before migrating",
                        True,
                    ),
                    "not",
                )
            else:
                self.add(
                    dag,
                    NotCarried(
                        "default-arg", f"default_args {key}", _line(value), "the template does not write it", True
                    ),
                    "not",
                )

    def callbacks(self, dag: _Dag, given: dict[str, ast.expr], items: dict[str, ast.expr]) -> None:
        places: list[tuple[str, str, ast.expr]] = [
            (key, "DAG", value) for key, value in given.items() if key in _CALLBACKS
        ]
        places += [(key, "default_args", value) for key, value in items.items() if key in _CALLBACKS]
        for call in self.file.operators():
            if self.file.owner(call) is dag:
                places += [(k, "task", v) for k, v in kwargs(call).items() if k in _CALLBACKS]
        report = dag.report
        assert report is not None
        events: list[str] = []
        office: list[tuple[str, str, ast.expr, dict[str, Any]]] = []
        for key, level, value in places:
            if literal(value) is None:
                continue
            if any(call_name(c) == "TeamsNotifier" for c in ast.walk(value) if isinstance(c, ast.Call)):
                events.append(_CALLBACKS[key])
                report.carried.append(f"Teams alert on {_CALLBACKS[key]}")
                continue
            found = self.office365(value)
            if found is not None:
                office.append((key, level, value, found))
                events.append(_CALLBACKS[key])
                continue
            self.add(
                dag,
                NotCarried(
                    "callback",
                    f"{level} {key} {ast.unparse(value)[:60]}",
                    _line(value),
                    "a callback the template cannot write (it writes the Teams alert): migrate it by hand",
                    True,
                ),
                "not",
            )
        if events:
            report.answers["alerts"] = sorted(set(events), key=list(_CALLBACKS.values()).index)
        if not office:
            return
        conns = {c for *_, found in office if (c := found.get("conn_id"))}
        if len(conns) == 1:
            report.answers["teams_conn_id"] = next(iter(conns))
        names = ", ".join(dict.fromkeys(found["function"] for *_, found in office))
        where = ", ".join(dict.fromkeys(f"{level} {key}" for key, level, _, _ in office))
        text = (
            f"the Office 365 connector callback {names} ({where}) becomes the Teams Workflows alert "
            f"(TeamsNotifier on {', '.join(report.answers['alerts'])}): Office 365 connectors are retired, so the "
            f"connection must now hold a Workflows URL"
        )
        if conns:
            text += f" (connection {', '.join(sorted(conns))})"
        sources = {s for *_, found in office if (s := found.get("url_from"))}
        if sources:
            text += (
                f"; the webhook URL was read from {', '.join(sorted(sources))}: put the Workflows URL in a connection"
            )
        if any(level == "DAG" for _, level, _, _ in office):
            text += "; a DAG-level callback ran once per failed run, the alert now posts once per failed task"
        if any(level == "task" for _, level, _, _ in office):
            text += "; a callback on one task now alerts for every task of the DAG"
        self.add(dag, Change("office365-callback", _line(office[0][2]), text), "change")

    def office365(self, value: ast.expr) -> dict[str, Any] | None:
        """What an Office 365 connector callback tells: its function, its connection or URL source."""
        names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name)]
        for name in names:
            function = self.file.functions.get(name)
            if function is None or not self.posts_message_card(function):
                continue
            self.file.callbacks_used.add(name)
            found: dict[str, Any] = {"function": name}
            for call in (c for c in ast.walk(function) if isinstance(c, ast.Call)):
                dotted, given = _dotted(call), kwargs(call)
                if dotted.endswith("get_connection") and call.args and isinstance(literal(call.args[0]), str):
                    found["conn_id"] = literal(call.args[0])
                for key in ("http_conn_id", "conn_id", "webhook_conn_id"):
                    if isinstance(literal(given.get(key)), str):
                        found["conn_id"] = literal(given[key])
                if dotted.endswith("Variable.get") and call.args and isinstance(literal(call.args[0]), str):
                    found["url_from"] = f"the Variable {literal(call.args[0])!r}"
            written = any(_OFFICE365_STRINGS.search(s.text) and "http" in s.text for s in _strings(function))
            if "conn_id" not in found and "url_from" not in found and written:
                found["url_from"] = "a URL written in the file"
            return found
        return None

    @staticmethod
    def posts_message_card(function: ast.AST) -> bool:
        if any(_OFFICE365_STRINGS.search(s.text) for s in _strings(function)):
            return True
        return any(_OFFICE365_CALLS.search(_dotted(c)) for c in ast.walk(function) if isinstance(c, ast.Call))

    # -- tasks -------------------------------------------------------------------------------

    def operators(self) -> None:
        file = self.file
        dag_kwargs: dict[int, list[tuple[int, str]]] = {}
        for call in file.operators():
            owner = file.owner(call)
            name = call_name(call)
            given = kwargs(call)
            if "dag" in given and owner is not None:
                dag_kwargs.setdefault(id(owner), []).append((given["dag"].lineno, ast.unparse(given["dag"])))
            if "provide_context" in given:
                self.add(
                    owner,
                    NotCarried(
                        "provide-context",
                        f"provide_context on {name}",
                        given["provide_context"].lineno,
                        "removed in Airflow 3 (the context is always given): dropped",
                        False,
                    ),
                    "not",
                )
            if name != _POD:
                self.add(
                    owner,
                    NotCarried(
                        "other-operator",
                        name,
                        call.lineno,
                        "the template writes KubernetesPodOperator tasks only: run it in a pod, or migrate by hand",
                        True,
                    ),
                    "not",
                )
                continue
            self.pod(owner, call)
        for dag in file.dags:
            found = sorted(dag_kwargs.get(id(dag), []))
            if not found:
                continue
            count, names = len(found), " or ".join(dict.fromkeys(f"dag={text}" for _, text in found))
            lines = ", ".join(str(line) for line, _ in found)
            self.add(
                dag,
                NotCarried(
                    "dag-kwarg",
                    f"{names} on {count} operator{'s' if count != 1 else ''} (line{'s' if count != 1 else ''} {lines})",
                    found[0][0],
                    "harmless: the template writes the tasks inside `with DAG(...)`; dropped",
                    False,
                ),
                "not",
            )

    def pod(self, owner: _Dag | None, call: ast.Call) -> None:
        file = self.file
        given = kwargs(call)
        task_id = file.value(given.get("task_id"), call.lineno)
        label = repr(task_id) if isinstance(task_id, str) else f"at line {call.lineno}"
        if owner is not None and owner.report is not None:
            image = file.value(given.get("image"), call.lineno)
            shown = f", image {image!r}" if isinstance(image, str) else ""
            owner.report.carried.append(f"task {label}: KubernetesPodOperator{shown}")
            secrets = file.resolve(given.get("secrets"), call.lineno)
            if isinstance(secrets, ast.List):
                names = []
                for item in secrets.elts:
                    fields = [
                        file.value(dagsource.argument(item, k, i), call.lineno)
                        if isinstance(item, ast.Call)
                        else NOT_FOUND
                        for i, k in enumerate(("deploy_type", "deploy_target", "secret", "key"))
                    ]
                    if all(isinstance(f, str) for f in fields):
                        names.append(f"{fields[1]} from {fields[2]}/{fields[3]}")
                if names:
                    owner.report.carried.append(f"task {label} secrets: {', '.join(names)}")
            env = file.value(given.get("env_vars"), call.lineno)
            if isinstance(env, dict) and env:
                owner.report.carried.append(f"task {label} env vars: {', '.join(map(str, env))}")
            resources = file.resolve(given.get("container_resources"), call.lineno)
            if isinstance(resources, ast.Call):
                parts = [
                    f"{key} " + ", ".join(f"{k} {v}" for k, v in found.items())
                    for key, value in kwargs(resources).items()
                    if isinstance(found := literal(value), dict)
                ]
                if parts:
                    owner.report.carried.append(f"task {label} resources: {'; '.join(parts)}")
            pulls = file.resolve(given.get("image_pull_secrets"), call.lineno)
            if isinstance(pulls, ast.List):
                refs = [file.value(dagsource.argument(i, "name", 0)) for i in pulls.elts if isinstance(i, ast.Call)]
                if refs and all(isinstance(r, str) for r in refs):
                    owner.report.carried.append(f"task {label} image pull secrets: {', '.join(refs)}")
        for key, value in given.items():
            if key in TEMPLATE_POD_ARGUMENTS or key in ("dag", "provide_context") or key in _CALLBACKS:
                continue
            literal_value = file.value(value, call.lineno)
            if key == "is_delete_operator_pod":
                if not isinstance(literal_value, bool):
                    self.add(
                        owner,
                        Change("unreadable", _line(value), "is_delete_operator_pod is not True or False"),
                        "blocker",
                    )
                    continue
                action = "delete_pod" if literal_value else "keep_pod"
                if isinstance(task_id, str) and owner is not None and owner.report is not None:
                    owner.report.task_answers.setdefault(task_id, {})["on_finish_action"] = action
                self.add(
                    owner,
                    Change(
                        "is_delete_operator_pod",
                        _line(value),
                        f"is_delete_operator_pod={literal_value} becomes on_finish_action={action!r} (task {label}; "
                        f"the provider removed is_delete_operator_pod)",
                        task_id if isinstance(task_id, str) else None,
                    ),
                    "change",
                )
            elif key == "name":
                self.add(
                    owner,
                    NotCarried(
                        "pod-setting",
                        f"task {label} name",
                        _line(value),
                        "the template names the pod from the dag_id and task_id",
                        False,
                    ),
                    "not",
                )
            elif key in TEMPLATE_POD_OPTIONS:
                if owner is not None and owner.report is not None:
                    shown = f"={literal_value!r}" if literal_value is not NOT_FOUND else ""
                    owner.report.carried.append(f"task {label} {key}{shown}")
            else:
                self.add(
                    owner,
                    NotCarried(
                        "pod-setting", f"task {label} {key}", _line(value), "the template does not write it", True
                    ),
                    "not",
                )

    def dependencies(self) -> dict[int, list[tuple[str, str]]]:
        """``a >> b`` chains (and ``set_downstream``), by the DAG that owns the tasks."""
        file = self.file
        edges: dict[int, list[tuple[str, str]]] = {}

        def tasks(node: ast.AST, at: int) -> list[ast.Call] | None:
            if isinstance(node, ast.List | ast.Tuple):
                found = [tasks(e, at) for e in node.elts]
                return None if any(f is None for f in found) else [c for f in found if f for c in f]
            resolved = file.resolve(node, at)
            return [resolved] if isinstance(resolved, ast.Call) and _is_operator(resolved) else None

        def chain(node: ast.AST, at: int) -> list[list[ast.Call]] | None:
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift | ast.LShift):
                left, right = chain(node.left, at), tasks(node.right, at)
                if left is None or right is None:
                    return None
                return [*left, right] if isinstance(node.op, ast.RShift) else [right, *left]
            single = tasks(node, at)
            return [single] if single is not None else None

        def task_id(call: ast.Call) -> str:
            value = file.value(kwargs(call).get("task_id"), call.lineno)
            return value if isinstance(value, str) else f"<line {call.lineno}>"

        def add(upstream: list[ast.Call], downstream: list[ast.Call]) -> None:
            for a in upstream:
                for b in downstream:
                    owner = file.owner(a)
                    if owner is not None:
                        edges.setdefault(id(owner), []).append((task_id(a), task_id(b)))

        scopes: list[ast.AST] = [file.tree]
        scopes += [stmt for dag in file.dags if dag.kind == "decorated" for stmt in getattr(dag.scope, "body", [])]
        for node in (found for scope in scopes for found in _walk_outside_functions(scope)):
            if not isinstance(node, ast.Expr):
                continue
            expr = node.value
            if isinstance(expr, ast.BinOp):
                links = chain(expr, node.lineno)
                if links:
                    for upstream, downstream in itertools.pairwise(links):
                        add(upstream, downstream)
            elif isinstance(expr, ast.Call) and call_name(expr) in ("set_downstream", "set_upstream"):
                assert isinstance(expr.func, ast.Attribute)
                this, other = (
                    tasks(expr.func.value, node.lineno),
                    tasks(expr.args[0], node.lineno) if expr.args else None,
                )
                if this and other:
                    add(this, other) if call_name(expr) == "set_downstream" else add(other, this)
        return edges

    # -- the rest of the file ----------------------------------------------------------------

    def imports(self) -> None:
        for node in ast.walk(self.file.tree):
            if not isinstance(node, ast.ImportFrom | ast.Import):
                continue
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for module in modules:
                if module in _OLD_IMPORTS:
                    self.not_carried(
                        node,
                        "old-import",
                        f"import from {module}",
                        f"the template imports from {_OLD_IMPORTS[module]}",
                        False,
                    )
                elif module == "airflow.contrib" or module.startswith("airflow.contrib."):
                    self.not_carried(
                        node,
                        "contrib-import",
                        f"import from {module}",
                        "airflow.contrib is gone since Airflow 2; the template writes Airflow 3 imports",
                        False,
                    )

    def statements(self, body: list[ast.stmt], *, top: bool) -> None:
        """Module-level statements (and those of ``with DAG`` blocks) the template does not write."""
        file = self.file
        for index, stmt in enumerate(body):
            if index == 0 and top and isinstance(stmt, ast.Expr) and isinstance(literal(stmt.value), str):
                continue  # the module docstring
            if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
                continue
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Subscript) and _dotted(t.value) == "globals" for t in targets):
                    registered = file._dag_named(stmt.value, stmt.lineno) if stmt.value is not None else None
                    self.not_carried(
                        stmt,
                        "globals-registration",
                        ast.unparse(stmt)[:60],
                        "harmless: Airflow finds a DAG made at module level without it; dropped",
                        False,
                        owner=registered,
                    )
                elif not all(isinstance(t, ast.Name) for t in targets):
                    self.custom(stmt, f"{ast.unparse(stmt)[:60]}", "an assignment the template does not write")
                continue
            if isinstance(stmt, ast.With):
                if any(file._dag_named(item.context_expr, stmt.lineno) for item in stmt.items):
                    self.statements(stmt.body, top=False)
                else:
                    self.custom(stmt, "a with block", "code the template does not write")
                continue
            if isinstance(stmt, ast.Expr):
                if self.structural(stmt.value) or isinstance(stmt.value, ast.Constant):
                    continue
                self.custom(stmt, ast.unparse(stmt)[:60], "runs when the file is parsed")
                continue
            if (
                isinstance(stmt, ast.If)
                and "__name__" in ast.unparse(stmt.test)
                and "__main__" in ast.unparse(stmt.test)
            ):
                self.not_carried(
                    stmt,
                    "main-block",
                    "if __name__ == '__main__': ...",
                    "runs only when the file is run as a script: dropped",
                    False,
                )
                continue
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt.name in file.callbacks_used or any(
                    d.kind == "decorated" and d.scope is stmt for d in file.dags
                ):
                    continue
                if any(d.kind == "factory" and d.scope is stmt for d in file.dags):
                    continue  # reported as dag-factory
                self.custom(stmt, f"function {stmt.name}()", "custom Python the template does not write")
                continue
            if isinstance(stmt, ast.ClassDef):
                self.custom(stmt, f"class {stmt.name}", "custom Python the template does not write")
                continue
            if isinstance(stmt, ast.For | ast.AsyncFor | ast.While) and any(d.scope is stmt for d in file.dags):
                continue  # reported as dag-loop
            self.custom(stmt, ast.unparse(stmt).splitlines()[0][:60], "code the template does not write")

    def custom(self, node: ast.AST, what: str, why: str) -> None:
        self.not_carried(node, "custom-python", what, why, True)

    def parse_time_expressions(self, body: list[ast.stmt]) -> Iterator[ast.AST]:
        """The expressions evaluated while the file is parsed, in the statements the template writes
        (statements it does not write are reported whole by ``statements``)."""
        file = self.file
        for stmt in body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if all(isinstance(t, ast.Name) for t in targets):
                    yield stmt.value
            elif isinstance(stmt, ast.With) and any(file._dag_named(i.context_expr, stmt.lineno) for i in stmt.items):
                yield from (item.context_expr for item in stmt.items)
                yield from self.parse_time_expressions(stmt.body)
            elif isinstance(stmt, ast.Expr) and self.structural(stmt.value):
                yield stmt.value

    def structural(self, value: ast.expr) -> bool:
        """A task, a DAG, a dependency: an expression statement the template writes."""
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.RShift | ast.LShift):
            return True
        if isinstance(value, ast.Call):
            name = call_name(value)
            return (
                _is_operator(value)
                or name in ("DAG", "set_downstream", "set_upstream", "chain")
                or (name in self.file.dag_functions)
            )
        return False

    def parse_time_calls(self) -> None:
        """Calls made while the file is parsed, outside what the template writes and the reader reads."""
        for expr in self.parse_time_expressions(self.file.tree.body):
            self.parse_time_call(expr)

    def parse_time_call(self, expr: ast.AST) -> None:
        file = self.file
        for node in _walk_outside_functions(expr):
            if not isinstance(node, ast.Call):
                continue
            dotted, name = _dotted(node), call_name(node)
            if dotted == "Variable.get" or dotted.endswith(".Variable.get"):
                self.not_carried(
                    node,
                    "variable-at-parse-time",
                    ast.unparse(node)[:60],
                    "a Variable read while the file is parsed: give its value, or read it in a "
                    "template ({{ var.value.NAME }})",
                    True,
                )
            elif not (
                name in _KNOWN_CALLS
                or _is_operator(node)
                or name.startswith("V1")
                or dotted == "globals"
                or name in ("set_downstream", "set_upstream", "chain")
                or name in file.dag_functions
            ):
                self.custom(node, ast.unparse(node)[:60], "a call made while the file is parsed")


def analyse_source(
    text: str,
    path: Path | str,
    *,
    timezone: str = "UTC",
    today: dt.date | None = None,
    airflow2_timezone: str = "UTC",
) -> list[MigrationReport]:
    """One report per DAG of an Airflow 2 DAG file's source (parsed, never executed).

    ``timezone``: the zone the migrated start dates are written in (the repo's); ``today``: the date
    ``days_ago(n)`` counts from (today in UTC by default); ``airflow2_timezone``: the Airflow 2
    deployment's ``[core] default_timezone``, in which it read naive dates.
    """
    path = Path(path)
    tree = dagsource.parse_text(text, path)
    day = today or dt.datetime.now(dt.timezone.utc).date()
    file = _File(tree, path, timezone=timezone, today=day, airflow2_timezone=airflow2_timezone)
    return _Analysis(file).run()


def analyse_file(path: Path | str, **options: Any) -> list[MigrationReport]:
    """``analyse_source`` of a file, read within ``dagsource``'s bounds (``UnreadableSource`` otherwise)."""
    return analyse_source(dagsource.read_source(Path(path)), path, **options)
