"""Adopt a hand-written DAG: read its answers from source, so that ``update`` can manage it.

The file is parsed, never imported (``dagsource``). What a literal says is
read back into answers: the DAG-level settings here, every pod task and the
dependencies between them in ``pipeline_source`` (the ``tasks:`` shape of
answers files). A DAG-level setting the reader cannot read takes the
generator's default or a ``--set``, and is listed; a task, or a schedule,
run timeout, deadline or params it cannot read, would make the record say
something else than the file, so adopt refuses, naming each line. The base of later three-way merges is the template's
render of the answers.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import dagmodel, dagsource, pipeline_source, records, repo_imports
from createdag.dagsource import NOT_FOUND, argument, call_name, kwargs, line_of, literal, source_of
from createdag.errors import InvalidAnswer, InvalidAnswers, RecordError, UserError
from createdag.escape import printable
from createdag.invocation import docs_hint
from createdag.pipeline_source import Unread
from createdag.questions import BY_KEY, TASKS

#: Lines of a refusal shown in its message, at most.
REFUSED_SHOWN = 30


def _start_date(node: ast.AST) -> tuple[Any, Any]:
    """(YYYY-MM-DD, timezone) from pendulum.datetime(Y, M, D, tz=...) or datetime(Y, M, D, tzinfo=...)."""
    if not (isinstance(node, ast.Call) and call_name(node) == "datetime" and len(node.args) >= 3):
        return NOT_FOUND, NOT_FOUND
    parts = [literal(arg) for arg in node.args[:3]]
    if not all(isinstance(part, int) for part in parts):
        return NOT_FOUND, NOT_FOUND
    date = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
    zone: Any = NOT_FOUND
    given = kwargs(node)
    tz = given.get("tz", given.get("tzinfo"))
    if tz is None:
        zone = "UTC"
    elif isinstance(literal(tz), str):
        zone = literal(tz)
    elif isinstance(tz, ast.Call) and call_name(tz) in ("timezone", "ZoneInfo", "Timezone") and tz.args:
        zone = literal(tz.args[0]) if isinstance(literal(tz.args[0]), str) else NOT_FOUND
    elif isinstance(tz, ast.Attribute) and tz.attr in ("utc", "UTC"):
        zone = "UTC"
    return date, zone


#: The timetables the template writes, and whether each is Airflow 2's data intervals.
TIMETABLES = {"CronTriggerTimetable": False, "CronDataIntervalTimetable": True,
              "DeltaTriggerTimetable": False, "DeltaDataIntervalTimetable": True}  # fmt: skip
#: ``DeadlineReference.X`` -> the ``deadline_from`` answer.
DEADLINE_REFERENCES = {"DAGRUN_QUEUED_AT": "queued", "DAGRUN_LOGICAL_DATE": "logical_date"}
#: The ``Param(...)`` keywords that are answers.
PARAM_KEYWORDS = frozenset({"default", "type", "description", "enum"})
_SCHEDULE_FORMS = (
    'a string (cron, preset, None), datetime.timedelta(...), CronTriggerTimetable("cron", timezone=TZ), '
    "CronDataIntervalTimetable(...), DeltaTriggerTimetable(timedelta), DeltaDataIntervalTimetable(...), "
    'Asset("uri") & Asset(...) (or |, or a list), AssetOrTimeSchedule(timetable=..., assets=...)'
)


_DEADLINE_FORM = (
    "DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT or DAGRUN_LOGICAL_DATE, "
    'interval=datetime.timedelta(...), callback=AsyncCallback(deadline_alert, kwargs={"conn_id": ...}))'
)


class _Unreadable(Exception):
    """A DAG argument no answer can say: the node, and what is wrong with it."""

    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(what)
        self.node, self.what = node, what


def _time(node: ast.AST, timezone: Any) -> tuple[Any, bool | None]:
    """(schedule answer, data_intervals) of a string, a timedelta or one of ``TIMETABLES``;
    data_intervals None where the file does not say (a string, a timedelta)."""
    value = literal(node)
    if value is None or isinstance(value, str):
        return value, None  # data intervals or not: Airflow's [scheduler] create_cron_data_intervals says
    every = dagsource.every_schedule(node)
    if every is not NOT_FOUND:
        return every, None
    name = call_name(node) if isinstance(node, ast.Call) else ""
    if not isinstance(node, ast.Call) or name not in TIMETABLES or dagsource.spread(node):
        raise _Unreadable(node, f"schedule={source_of(node)} is not read: create_dag reads {_SCHEDULE_FORMS}")
    intervals = TIMETABLES[name]
    if name.startswith("Delta"):
        every = dagsource.every_schedule(argument(node, "delta", 0))
        if every is NOT_FOUND or len(node.args) + len(node.keywords) != 1:
            raise _Unreadable(node, f"{name}(...) is not read: create_dag reads {name}(datetime.timedelta(...)) only")
        return every, intervals
    cron, zone = literal(argument(node, "cron", 0)), literal(argument(node, "timezone", 1))
    if not isinstance(cron, str) or not isinstance(zone, str) or len(node.args) + len(node.keywords) != 2:
        raise _Unreadable(node, f'{name}(...) is not read: create_dag reads {name}("cron", timezone="Area/City") only')
    if zone != timezone:
        raise _Unreadable(node, f"{name}(...) has timezone {dagsource.quoted(zone)}: create_dag writes the DAG's "
                                f"own, {dagsource.quoted(str(timezone))} (start_date's tz=)")  # fmt: skip
    return cron, intervals


def _schedule(node: ast.AST, timezone: Any, bound: dict[str, ast.expr]) -> dict[str, Any]:
    """The schedule, assets, assets_mode and data_intervals answers ``schedule=`` says."""
    if isinstance(node, ast.Call) and call_name(node) == "AssetOrTimeSchedule":
        given = kwargs(node)
        if set(given) != {"timetable", "assets"} or node.args or dagsource.spread(node):
            raise _Unreadable(node, "AssetOrTimeSchedule(...) is not read: create_dag reads "
                                    "AssetOrTimeSchedule(timetable=..., assets=...) only")  # fmt: skip
        timetable = given["timetable"]
        if not (isinstance(timetable, ast.Call) and call_name(timetable) in TIMETABLES):
            raise _Unreadable(timetable, f"timetable={source_of(timetable)} is not read: create_dag reads "
                                         f"one of {', '.join(TIMETABLES)}")  # fmt: skip
        schedule, intervals = _time(timetable, timezone)
        condition = dagsource.asset_condition(given["assets"], bound)
        if condition is NOT_FOUND:
            raise _Unreadable(given["assets"], f"assets={source_of(given['assets'])} is not read: create_dag "
                                               'reads Asset("uri") & Asset(...), or | for any of them')  # fmt: skip
    else:
        condition = dagsource.asset_condition(node, bound)
        if condition is NOT_FOUND:
            schedule, intervals = _time(node, timezone)
            return {"schedule": schedule, **({"data_intervals": intervals} if intervals is not None else {})}
        schedule, intervals = None, None
    uris, mode = condition
    found = {"schedule": schedule, "assets": uris, **({"data_intervals": intervals} if intervals is not None else {})}
    if len(uris) > 1:
        found["assets_mode"] = mode
    return found


def _param(node: ast.AST) -> dict[str, Any]:
    """``Param(default, type=..., description=..., enum=[...])``, or a plain value (its type inferred)."""
    value = literal(node)
    if isinstance(value, str | int | float):
        return {"default": value}
    if not (isinstance(node, ast.Call) and call_name(node) == "Param") or dagsource.spread(node):
        raise _Unreadable(node, f"param {source_of(node)} is not read: create_dag reads "
                                "Param(default, type=..., description=..., enum=[...]) or a literal")  # fmt: skip
    given = kwargs(node)
    if len(node.args) > 2 or set(given) - PARAM_KEYWORDS:
        extra = ", ".join(f"{key}=" for key in sorted(set(given) - PARAM_KEYWORDS)) or "a third argument"
        raise _Unreadable(node, f"Param(...) gives {extra}: create_dag reads default, type, description, enum")
    spec: dict[str, Any] = {}
    for key, position in (("default", 0), ("description", 1), ("type", None), ("enum", None)):
        part = argument(node, key, position) if position is not None else given.get(key)
        if part is None:
            continue
        value = literal(part)
        if value is NOT_FOUND:
            raise _Unreadable(part, f"Param(...) {key}={source_of(part)} is not read: create_dag reads a literal")
        spec[key] = list(value) if isinstance(value, tuple) else value
    return spec


def _params(node: ast.AST) -> dict[str, Any]:
    if literal(node) is None:
        return {}
    if not isinstance(node, ast.Dict):
        raise _Unreadable(node, f"params={source_of(node)} is not read: create_dag reads a dict written out, "
                                '{"name": Param(...), ...}')  # fmt: skip
    params: dict[str, Any] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        name = literal(key) if key is not None else NOT_FOUND
        if not isinstance(name, str):
            raise _Unreadable(value, "params={...} has a name that is no string literal (or a **spread)")
        params[name] = _param(value)
    return params


def _deadline(node: ast.AST) -> dict[str, Any]:
    """deadline_minutes, deadline_from and the Teams connection of create_dag's ``DeadlineAlert``."""
    if literal(node) is None:
        return {"deadline_minutes": 0}
    form = _DEADLINE_FORM
    if not (isinstance(node, ast.Call) and call_name(node) == "DeadlineAlert") or dagsource.spread(node):
        raise _Unreadable(node, f"deadline={source_of(node)} is not read: create_dag reads {form}")
    if len(node.args) + len(node.keywords) != 3 or set(kwargs(node)) - {"reference", "interval", "callback"}:
        raise _Unreadable(node, f"DeadlineAlert(...) is not read: create_dag reads {form}")
    reference = argument(node, "reference", 0)
    interval = argument(node, "interval", 1)
    callback = argument(node, "callback", 2)
    if not (isinstance(reference, ast.Attribute) and dagsource.dotted(reference.value).endswith("DeadlineReference")
            and reference.attr in DEADLINE_REFERENCES):  # fmt: skip
        shown = source_of(reference) if reference is not None else "no reference"
        raise _Unreadable(reference or node, f"DeadlineAlert reference {shown} is not read: create_dag reads "
                                             f"DeadlineReference.{' or .'.join(DEADLINE_REFERENCES)}")  # fmt: skip
    minutes = dagsource.timedelta_minutes(interval)
    if not isinstance(minutes, int) or minutes < 1:
        shown = source_of(interval) if interval is not None else "no interval"
        raise _Unreadable(interval or node, f"DeadlineAlert interval {shown} is not read: create_dag reads "
                                            "datetime.timedelta(...) of whole minutes")  # fmt: skip
    conn: Any = NOT_FOUND
    if (isinstance(callback, ast.Call) and call_name(callback) == "AsyncCallback" and len(callback.args) == 1
            and call_name(callback.args[0]) == "deadline_alert" and set(kwargs(callback)) == {"kwargs"}):  # fmt: skip
        given = literal(kwargs(callback)["kwargs"])
        if isinstance(given, dict) and set(given) == {"conn_id"} and isinstance(given["conn_id"], str):
            conn = given["conn_id"]
    if conn is NOT_FOUND:
        shown = source_of(callback) if callback is not None else "no callback"
        raise _Unreadable(callback or node, f"DeadlineAlert callback {shown} is not read: create_dag reads "
                                            'AsyncCallback(deadline_alert, kwargs={"conn_id": "..."})')  # fmt: skip
    return {"deadline_minutes": minutes, "deadline_from": DEADLINE_REFERENCES[reference.attr], "teams_conn_id": conn}


def _run_options(bound: dict[str, ast.expr], given: dict[str, ast.expr], found: dict[str, Any]) -> list[Unread]:
    """Read schedule=, dagrun_timeout=, deadline= and params= into ``found``; what cannot be read
    (``bound``: the file's module-level bindings, for assets named once above the DAG)."""
    unread: list[Unread] = []

    def read(key: str, reader: Any) -> None:
        if key not in given:
            return
        try:
            found.update(reader(given[key]))
        except _Unreadable as exc:
            unread.append(Unread(line_of(exc.node), exc.what))

    read("schedule", lambda node: _schedule(node, found.get("timezone", "UTC"), bound))

    def timeout(node: ast.AST) -> dict[str, Any]:
        minutes = 0 if literal(node) is None else dagsource.timedelta_minutes(node)
        if minutes is NOT_FOUND:
            raise _Unreadable(node, f"dagrun_timeout={source_of(node)} is not read: create_dag reads "
                                    "datetime.timedelta(...) of whole minutes, or None")  # fmt: skip
        return {"dagrun_timeout_minutes": minutes}

    read("dagrun_timeout", timeout)
    read("params", lambda node: {"params": _params(node)})
    conn = found.get("teams_conn_id")
    read("deadline", _deadline)
    if conn is not None and found.get("teams_conn_id") != conn:
        unread.append(Unread(line_of(given["deadline"]), f"the deadline alert posts through connection "
                             f"{dagsource.quoted(str(found['teams_conn_id']))}, the task alerts through "
                             f"{dagsource.quoted(str(conn))}: create_dag writes one Teams connection"))  # fmt: skip
    return unread


#: Keywords of ``DAG(...)`` that are answers (read above); any other is kept as written.
DAG_ANSWER_ARGUMENTS = frozenset({
    "dag_id", "description", "schedule", "start_date", "catchup", "max_active_runs", "max_active_tasks",
    "concurrency", "tags", "default_args", "dagrun_timeout", "params", "deadline",
})  # fmt: skip
#: ``default_args`` keys that are answers; any other is kept as written.
DEFAULT_ARGS_ANSWERS = {"owner": "owner", "retries": "retries", "retry_delay": "retry_delay_minutes",
                        "depends_on_past": "depends_on_past", "wait_for_downstream": "wait_for_downstream"}  # fmt: skip
#: The kind each plain DAG-level answer must be, read from a literal.
_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "description": ((str, type(None)), "a string"), "tags": ((list, tuple), "a list of strings"),
    "catchup": (bool, "True or False"), "max_active_runs": (int, "a whole number"),
    "max_active_tasks": (int, "a whole number"), "owner": (str, "a string"), "retries": (int, "a whole number"),
    "depends_on_past": (bool, "True or False"), "wait_for_downstream": (bool, "True or False"),
}  # fmt: skip


@dataclass
class Reading:
    """What the source of a hand-written DAG says: answers (its tasks under ``tasks``), the
    answer keys it leaves out (Airflow's defaults apply: recorded as absent) and the arguments
    no answer stands for, kept as written (``carried``: ``dag``, ``default_args``, ``tasks``)."""

    found: dict[str, Any]
    absent: list[str]
    carried: dict[str, Any]
    notes: list[Unread]
    #: what could not be read, by line (``read_dag(..., partial=True)`` only: else it raises)
    unread: list[Unread] = field(default_factory=list)
    #: where each answer is written: DAG-level key -> line, task id -> (line, argument -> line)
    dag_lines: dict[str, int] = field(default_factory=dict)
    task_lines: dict[str, tuple[int, dict[str, int]]] = field(default_factory=dict)

    @property
    def adopted(self) -> dict[str, Any]:
        """The record's ``adopted`` block: what the template needs beside the answers."""
        return {"absent": list(self.absent), **{key: value for key, value in self.carried.items() if value}}


class _DagReader:
    """The DAG-level answers of ``DAG(...)`` and its ``default_args``, as Python sees them."""

    def __init__(self, model: dagmodel.DagFile, dag: dagsource.DagCall) -> None:
        self.model, self.dag = model, dag
        self.found: dict[str, Any] = {}
        self.carried: dict[str, dict[str, str]] = {"dag": {}, "default_args": {}}
        self.unread: list[Unread] = []

    def refuse(self, node: ast.AST, what: str) -> None:
        hint = dagmodel.why_unread(node, self.model.view)
        self.unread.append(Unread(line_of(node), f"{what}{f' ({hint})' if hint else ''}"))

    def keep(self, where: str, key: str, node: ast.AST, label: str) -> bool:
        """Keep ``key=node`` as written (under ``where``); refused when its value cannot be read."""
        try:
            self.carried[where][key] = dagmodel.carry(node, self.model.imports)
        except dagmodel.NotPure as exc:
            hint = (dagmodel.CALLBACK_HINT if dagmodel.is_callback(key) else
                    dagmodel.why_unread(node, self.model.view) or f"{exc}: write the value itself")  # fmt: skip
            self.unread.append(Unread(line_of(node), f"{label} {key}={source_of(node)} is not read: {hint}"))
            return False
        return True

    def plain(self, key: str, node: ast.AST, label: str) -> None:
        kinds, words = _KINDS[key]
        value = literal(node)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in _as_tuple(kinds))
        if key == "tags" and ok:
            ok = all(isinstance(item, str) for item in value)
            value = list(value)
        if ok:
            self.found[key] = value
        else:
            self.refuse(node, f"{label} {key}={source_of(node)} is not read: create_dag reads {words} here")

    def read(self) -> None:
        given = kwargs(self.dag.call)
        self.found["dag_id"] = self.dag.dag_id
        for key, node in given.items():
            if key == "description" and literal(node) == "":  # not None, which the answer "" writes
                self.keep("dag", key, node, "DAG(...)")
            elif key in _KINDS:
                self.plain(key, node, "DAG(...)")
            elif key == "concurrency" and "max_active_tasks" not in given:
                self.plain("max_active_tasks", node, "DAG(...)")
            elif key == "start_date":
                date, zone = _start_date(node)
                exact = isinstance(node, ast.Call) and len(node.args) == 3 and set(kwargs(node)) <= {"tz", "tzinfo"}
                if date is not NOT_FOUND and zone is not NOT_FOUND and exact:
                    self.found.update(start_date=date, timezone=zone)
                else:  # a time of day, another calendar: kept as written, or refused
                    self.keep("dag", key, node, "DAG(...)")
            elif key not in DAG_ANSWER_ARGUMENTS:
                self.keep("dag", key, node, "DAG(...)")
        self.found["alerts"] = []
        if "default_args" in given:
            self.default_args(given["default_args"])

    def default_args(self, node: ast.AST) -> None:
        if literal(node) is None and isinstance(node, ast.Constant):
            return
        if not isinstance(node, ast.Dict) or any(key is None for key in node.keys):
            self.refuse(node, f"default_args={source_of(node)} is not read: create_dag reads a dict, written "
                              "here or bound once to a module-level name")  # fmt: skip
            return
        events: list[str] = []
        for key_node, value in zip(node.keys, node.values, strict=True):
            key = literal(key_node)
            if not isinstance(key, str):
                self.refuse(value, f"default_args key {source_of(key_node) if key_node else '**'} is not a string")
                continue
            answer = DEFAULT_ARGS_ANSWERS.get(key)
            if answer == "retry_delay_minutes":
                minutes = dagsource.timedelta_minutes(value)
                if isinstance(minutes, int):
                    self.found[answer] = minutes
                else:
                    self.keep("default_args", key, value, "default_args")
            elif answer is not None:
                self.plain(answer, value, "default_args")
            elif key.startswith("on_") and key.endswith("_callback") and self.teams(value, events):
                continue
            else:
                self.keep("default_args", key, value, "default_args")
        self.found["alerts"] = events

    def teams(self, node: ast.AST, events: list[str]) -> bool:
        """``TeamsNotifier(event=..., conn_id=...)`` (or a list of one): the Teams alert create_dag writes."""
        items = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
        if len(items) != 1 or call_name(items[0]) != "TeamsNotifier" or not isinstance(items[0], ast.Call):
            return False
        given = kwargs(items[0])
        event, conn = literal(given.get("event")), literal(given.get("conn_id"))
        if not isinstance(event, str) or not isinstance(conn, str):
            return False
        events.append(event)
        self.found["teams_conn_id"] = conn
        return True


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


#: Answers whose "none" is what a file that leaves them out says (no alert, run timeout, deadline,
#: params, assets, data intervals or upstream wait): recorded so, never as a team's default.
LEFT_OUT: dict[str, Any] = {"alerts": [], "dagrun_timeout_minutes": 0, "deadline_minutes": 0, "params": {},
                            "assets": [], "external_dag_id": ""}  # fmt: skip
#: DAG-level answers a file may leave out: recorded as absent, rendered absent.
ABSENT_KEYS = (
    "description", "schedule", "start_date", "timezone", "catchup", "max_active_runs", "max_active_tasks", "tags",
    "owner", "retries", "retry_delay_minutes", "depends_on_past", "wait_for_downstream", "namespace",
    "data_intervals",
)  # fmt: skip


def read_dag(path: Path, partial: bool = False) -> Reading:
    """What the source of a hand-written DAG says (``Reading``). ``UserError`` when a task, a
    dependency or a value cannot be read as answers: every such line of the file is named, once.
    ``partial``: what could be read, with what could not (``Reading.unread``), for a refusal that
    also names what the answers' own checks find wrong in the rest."""
    try:
        tree = dagsource.read_tree(path)
        imported = repo_imports.imported_values(tree, path)  # values from the repo's own modules
        model = dagmodel.DagFile.parse(tree, imported.bindings, imported.imports, imported.unread)
    except RecursionError:  # past any hand-written file
        raise UserError(f"{printable(path)} is nested too deeply to read: nothing to adopt") from None
    dag = next(iter(model.dags), None)
    if dag is None:
        raise UserError(f"{printable(path)} has no DAG(...) call nor @dag decorator: nothing to adopt")
    reader = _DagReader(model, dag)
    reader.read()
    found = reader.found
    unread = [*reader.unread, *_run_options(model.bindings, kwargs(dag.call), found)]
    pipeline = pipeline_source.read_pipeline(model.view, dag)
    blockers = sorted(dict.fromkeys([*unread, *pipeline.refused]), key=lambda item: item.line)
    if blockers and not partial:
        raise UserError(refusal(path, blockers))
    if not pipeline.tasks and not blockers:
        raise UserError(f"{printable(path)} has no {pipeline_source.POD} task: nothing create_dag can manage")
    found.update(pipeline.answers())
    found = {key: value for key, value in found.items() if value is not NOT_FOUND}
    for key, nothing in LEFT_OUT.items():  # what a file that leaves these out means: nothing of them
        found.setdefault(key, copy.deepcopy(nothing))
    if not any("namespace" in task for task in found["tasks"]) and "namespace" not in found:
        found.pop("namespace", None)
    carried = {**reader.carried, "tasks": pipeline.carried, "unnamed": pipeline.unnamed, "expand": pipeline.expand,
               "expand_kwargs": pipeline.expand_kwargs, "partial": pipeline.partial}  # fmt: skip
    task_lines = dict(pipeline.lines)
    if blockers:  # the tasks refused, as far as they were read: their answers are checked too
        for task in pipeline.half_read:
            task = dict(task)
            task_lines[str(task["task_id"])] = task.pop("_lines")
            found.setdefault(TASKS, []).append(task)
    return Reading(found, [key for key in ABSENT_KEYS if key not in found], carried, pipeline.notes, blockers,
                   _dag_lines(dag), task_lines)


def _dag_lines(dag: dagsource.DagCall) -> dict[str, int]:
    """The line of each DAG-level answer as the file writes it: its ``DAG(...)`` argument, its
    ``default_args`` entry, else the DAG's own line (under ``""``)."""
    from createdag.update import ARGUMENT_OF

    given = kwargs(dag.call)
    lines = {"": line_of(dag.call)}
    entries: dict[str, int] = {}
    default_args = given.get("default_args")
    if isinstance(default_args, ast.Dict):
        for key, value in zip(default_args.keys, default_args.values, strict=True):
            if isinstance(literal(key), str):
                entries[literal(key)] = line_of(value)
    for question in BY_KEY.values():
        argument = ARGUMENT_OF.get(question.key, question.key)
        where = given.get(argument)
        if where is not None:
            lines[question.key] = line_of(where)
        elif argument in entries:
            lines[question.key] = entries[argument]
    return lines


def read_answers(path: Path) -> tuple[dict[str, Any], list[str]]:
    """What the source of a hand-written DAG says as raw answers, and the answer keys it leaves out."""
    reading = read_dag(path)
    return reading.found, reading.absent


_TASK_KEY = re.compile(r"tasks\[(\d+)\]\.(\w+)")


def _checked_lines(reading: Reading, problems: list[InvalidAnswer], blocked: bool, sets: set[str]) -> list[Unread]:
    """The answers' own checks (a namespace Kubernetes refuses, an env var name...) as blockers
    at the line the file writes each value. Beside blockers of the reading, a check of what the
    reading left out (a task not read, so ``after`` names nothing; an answer required) is its
    echo, not another blocker: left out."""
    from createdag.update import ARGUMENT_OF

    tasks = reading.found.get(TASKS) or []
    checked = []
    for problem in problems:
        if problem.key == "hint" or problem.key.split(".")[-1] in sets:
            continue
        match = _TASK_KEY.fullmatch(problem.key)
        if match:
            number, key = int(match[1]), match[2]
            task = tasks[number] if number < len(tasks) else {}
            task_id = str(task.get("task_id", ""))
            if blocked and (key not in task or key == "after"):
                continue
            call_line, arguments = reading.task_lines.get(task_id, (reading.dag_lines[""], {}))
            line = arguments.get(ARGUMENT_OF.get(key, key), call_line)
            checked.append(Unread(line, f"task {task_id!r} {key}: {problem.reason}"))
        elif not blocked or (problem.key in reading.found and problem.key != TASKS):
            argument = ARGUMENT_OF.get(problem.key, problem.key)  # a task answer every task gives alike
            written = [lines[argument] for _, lines in reading.task_lines.values() if argument in lines]
            line = reading.dag_lines.get(problem.key) or min(written, default=reading.dag_lines[""])
            checked.append(Unread(line, f"{problem.key}: {problem.reason}"))
    return checked


def refusal(path: Path, refused: list[pipeline_source.Unread], fixable: bool = False) -> str:
    """The message of a refused adoption: every line that cannot be read (the first
    ``REFUSED_SHOWN``), and what to do (``fixable``: only answers' checks failed, which
    ``--set KEY=VALUE`` can give instead)."""
    lines = [f"  {item}" for item in refused[:REFUSED_SHOWN]]
    if len(refused) > REFUSED_SHOWN:
        lines.append(f"  ... and {len(refused) - REFUSED_SHOWN} more")
    return "\n".join([
        f"{printable(path)} is not adopted: a record would say something else than the file, which has",
        *lines,
        f"Write these the way create_dag writes them (see 'What adopt reads' in {docs_hint('update')}), "
        + ("give the values with --set KEY=VALUE (TASK.KEY=VALUE for one task), " if fixable else "")
        + "or keep this DAG unmanaged.",
    ])  # fmt: skip


def _refuse_recorded(dags_dir: Path, dag_id: Any) -> None:
    """The dag_id the record would be filed under, however it was given: never another DAG's record."""
    try:
        taken = records.record_path(dags_dir, dag_id) if isinstance(dag_id, str) else None
    except RecordError:  # not a name a record can have: resolve says why
        return
    if taken is not None and taken.exists():
        raise UserError(f"{dag_id} is already recorded ({taken}): use update")


@dataclass
class Adoption:
    path: Path
    found: dict[str, Any]
    #: answer keys the file leaves out: recorded as absent, so Airflow's defaults still apply
    absent: list[str]
    answers: dict[str, Any]
    pristine: str
    #: the record's ``adopted`` block (absent keys, arguments kept as written)
    adopted: dict[str, Any]
    notes: list[Unread]

    @property
    def missing(self) -> list[str]:
        """Nothing takes a default any more: what a file leaves out is recorded as absent."""
        return []

    @property
    def kept(self) -> list[str]:
        """The arguments kept as written, one line each, for adopt's summary."""
        lines = [f"DAG(...) {key}={source}" for key, source in self.adopted.get("dag", {}).items()]
        lines += [f"default_args {key!r}: {source}" for key, source in self.adopted.get("default_args", {}).items()]
        for task_id, given in self.adopted.get("tasks", {}).items():
            lines += [f"task {task_id!r} {key}={source}" for key, source in given.items()]
        for task_id, given in self.adopted.get("expand", {}).items():
            lines += [f"task {task_id!r} .expand({key}={source})" for key, source in given.items()]
        for task_id, source in self.adopted.get("expand_kwargs", {}).items():
            lines.append(f"task {task_id!r} .expand_kwargs({source})")
        return lines

    @property
    def mapped(self) -> dict[str, list[str]]:
        """Each mapped task's arguments ``.expand``/``.expand_kwargs`` maps (their values kept as written)."""
        return pipeline_source.mapped_arguments(self.adopted)

    #: the answer keys given with ``--set``
    sets: tuple[str, ...] = ()

    @property
    def recorded(self) -> dict[str, Any]:
        """The answers the record holds: only what the file says (and ``--set``), never a default."""
        given = {*self.found, *self.sets}
        recorded = {key: value for key, value in self.answers.items() if key in given and key not in self.absent}
        if isinstance(recorded.get(TASKS), list):  # each task: what the file writes for it
            written = {task.get("task_id"): set(task) | set(self.found) for task in self.found.get(TASKS) or []}
            recorded[TASKS] = [{key: value for key, value in task.items()
                                if key in written.get(task.get("task_id"), task)
                                or key in {str(set_key).rpartition(".")[2] for set_key in self.sets}}
                               for task in recorded[TASKS]]  # fmt: skip
        return recorded


def plan_adopt(dags_dir: Path, path: Path, sets: Mapping[str, Any] | None = None) -> Adoption:
    """Read ``path`` and validate what it says (``sets`` fill or override); writes nothing."""
    from createdag.answers import resolve
    from createdag.render import render_dag
    from createdag.settings import settings_for
    from createdag.update import with_adopted

    dags_dir, path = Path(dags_dir), Path(path)
    if not path.is_file():
        raise UserError(f"{printable(path)} is not a file: give the DAG file to adopt")
    if not path.resolve().is_relative_to(dags_dir.resolve()):
        raise UserError(f"{printable(path)} is not inside {dags_dir}: pass the dags folder that holds it with -o")
    reading = read_dag(path, partial=True)
    found = reading.found
    raw = pipeline_source.left_out({**found, **dict(sets or {})})
    _refuse_recorded(dags_dir, raw.get("dag_id"))
    problems: list[InvalidAnswer] = []
    try:
        settings = dataclasses.replace(settings_for(dags_dir, force=True, existing_dag=True), adopted=True)
        answers, _ = resolve(raw, settings, source=str(path))
    except InvalidAnswers as exc:
        problems = exc.problems
    if reading.unread or problems:  # every blocker of the file at once, each at its line
        checked = _checked_lines(reading, problems, bool(reading.unread), set(sets or {}))
        blockers = sorted(dict.fromkeys([*reading.unread, *checked]), key=lambda item: item.line)
        if not blockers:  # only problems of what the file does not say (a task left unread): its blockers say it
            blockers = list(reading.unread)
        raise UserError(refusal(path, blockers, fixable=bool(checked) and not reading.unread))
    _refuse_recorded(dags_dir, answers["dag_id"])
    absent = [key for key in reading.absent if key not in (sets or {})]
    adopted = {**reading.adopted, "absent": absent}
    pristine = render_dag(with_adopted(answers, adopted))
    return Adoption(path, found, absent, answers, pristine, adopted, reading.notes, tuple(sets or {}))



def adopt(dags_dir: Path, plan: Adoption) -> Path:
    """Record an adopted DAG; its base is the template's render of the answers read from it."""
    return records.record(Path(dags_dir), plan.recorded, plan.pristine, plan.path, extra={"adopted": plan.adopted})
