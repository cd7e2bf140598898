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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from createdag import dagsource, pipeline_source, records
from createdag.dagsource import NOT_FOUND, argument, call_name, kwargs, line_of, literal, source_of
from createdag.errors import InvalidAnswer, InvalidAnswers, RecordError, UserError
from createdag.escape import printable
from createdag.pipeline_source import Unread

#: DAG-level answer keys the reader looks for, in the order they are reported when not read
#: (the tasks' answers are read, or adopt refuses the file).
READ_KEYS = (
    "dag_id", "description", "schedule", "start_date", "timezone", "catchup", "max_active_runs",
    "max_active_tasks", "tags", "owner", "retries", "retry_delay_minutes", "depends_on_past",
    "wait_for_downstream", "alerts", "namespace",
)  # fmt: skip
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


def _alerts(default_args: ast.Dict) -> tuple[list[str], Any]:
    events, conn = [], NOT_FOUND
    for key, value in zip(default_args.keys, default_args.values, strict=True):
        name = literal(key)
        if not (isinstance(name, str) and name.startswith("on_") and name.endswith("_callback")):
            continue
        for call in dagsource.calls_named(value, "TeamsNotifier"):
            given = kwargs(call)
            event = literal(given.get("event"))
            if isinstance(event, str):
                events.append(event)
            if isinstance(literal(given.get("conn_id")), str):
                conn = literal(given["conn_id"])
    return events, conn


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


def _time(node: ast.AST, timezone: Any) -> tuple[Any, bool]:
    """(schedule answer, data_intervals) of a string, a timedelta or one of ``TIMETABLES``."""
    value = literal(node)
    if value is None or isinstance(value, str):
        return value, False
    every = dagsource.every_schedule(node)
    if every is not NOT_FOUND:
        return every, False
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
            return {"schedule": schedule, "data_intervals": intervals}
        schedule, intervals = None, False
    uris, mode = condition
    found = {"schedule": schedule, "data_intervals": intervals, "assets": uris}
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


def _run_options(tree: ast.Module, given: dict[str, ast.expr], found: dict[str, Any]) -> list[Unread]:
    """Read schedule=, dagrun_timeout=, deadline= and params= into ``found``; what cannot be read."""
    unread: list[Unread] = []

    def read(key: str, reader: Any) -> None:
        if key not in given:
            return
        try:
            found.update(reader(given[key]))
        except _Unreadable as exc:
            unread.append(Unread(line_of(exc.node), exc.what))

    bound = dagsource.module_bindings(tree)
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


def read_answers(path: Path) -> tuple[dict[str, Any], list[str]]:
    """What the source of a hand-written DAG says, as raw answers (its tasks under ``tasks``),
    and the DAG-level answer keys it could not read. ``UserError`` when a task, a dependency or
    anything else in the DAG cannot be read as answers: each such line is named."""
    tree = dagsource.read_tree(path)
    found: dict[str, Any] = {}

    def take(key: str, value: Any) -> None:
        if value is not NOT_FOUND:
            found[key] = value

    dag = next(dagsource.dag_calls(tree), None)
    if dag is None:
        raise UserError(f"{printable(path)} has no DAG(...) call nor @dag decorator: nothing to adopt")
    take("dag_id", dag.dag_id)
    given = kwargs(dag.call)
    for key in ("description", "tags", "catchup", "max_active_runs", "max_active_tasks"):
        take(key, literal(given.get(key)))
    if "max_active_tasks" not in found:
        take("max_active_tasks", literal(given.get("concurrency")))
    if "start_date" in given:
        date, zone = _start_date(given["start_date"])
        take("start_date", date)
        take("timezone", zone)
    default_args = given.get("default_args")
    if isinstance(default_args, ast.Dict):
        items = {
            literal(k): v for k, v in zip(default_args.keys, default_args.values, strict=True) if k is not None
        }
        for key in ("owner", "retries", "depends_on_past", "wait_for_downstream"):
            take(key, literal(items.get(key)))
        if "retry_delay" in items:
            take("retry_delay_minutes", dagsource.timedelta_minutes(items["retry_delay"]))
        events, conn = _alerts(default_args)
        found["alerts"] = events
        take("teams_conn_id", conn)
    unread = _run_options(tree, given, found)
    pipeline = pipeline_source.read_pipeline(tree, dag)
    if unread or pipeline.refused:
        raise UserError(refusal(path, sorted([*unread, *pipeline.refused], key=lambda item: item.line)))
    if not pipeline.tasks:
        raise UserError(f"{printable(path)} has no {pipeline_source.POD} task: nothing create_dag can manage")
    found.update(pipeline.answers())
    found = {key: value for key, value in found.items() if value is not NOT_FOUND}
    return found, [key for key in READ_KEYS if key not in found]


def refusal(path: Path, refused: list[pipeline_source.Unread]) -> str:
    """The message of a refused adoption: every line that cannot be read (the first
    ``REFUSED_SHOWN``), and what to do."""
    lines = [f"  {item}" for item in refused[:REFUSED_SHOWN]]
    if len(refused) > REFUSED_SHOWN:
        lines.append(f"  ... and {len(refused) - REFUSED_SHOWN} more")
    return "\n".join([
        f"{printable(path)} is not adopted: a record would say something else than the file, which has",
        *lines,
        "Write these the way create_dag writes them (see 'What adopt reads' in docs/update.md), "
        "or keep this DAG unmanaged.",
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
    missing: list[str]
    answers: dict[str, Any]
    pristine: str


def plan_adopt(dags_dir: Path, path: Path, sets: Mapping[str, Any] | None = None) -> Adoption:
    """Read ``path`` and validate what it says (``sets`` fill or override); writes nothing."""
    from createdag.answers import resolve
    from createdag.render import render_dag
    from createdag.settings import settings_for

    dags_dir, path = Path(dags_dir), Path(path)
    if not path.is_file():
        raise UserError(f"{printable(path)} is not a file: give the DAG file to adopt")
    if not path.resolve().is_relative_to(dags_dir.resolve()):
        raise UserError(f"{printable(path)} is not inside {dags_dir}: pass the dags folder that holds it with -o")
    found, missing = read_answers(path)
    raw = {**found, **dict(sets or {})}
    _refuse_recorded(dags_dir, raw.get("dag_id"))
    try:
        answers, _ = resolve(raw, settings_for(dags_dir, force=True, existing_dag=True), source=str(path))
    except InvalidAnswers as exc:
        hint = InvalidAnswer("hint", "give what could not be read with --set KEY=VALUE", str(path))
        raise InvalidAnswers([*exc.problems, hint]) from None
    _refuse_recorded(dags_dir, answers["dag_id"])
    return Adoption(
        path, found, [key for key in missing if key not in (sets or {})], answers, render_dag(answers)
    )


def adopt(dags_dir: Path, plan: Adoption) -> Path:
    """Record an adopted DAG; its base is the template's render of the answers read from it."""
    return records.record(Path(dags_dir), plan.answers, plan.pristine, plan.path)
