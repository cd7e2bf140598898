"""Adopt a hand-written DAG: read its answers from source, so that ``update`` can manage it.

The file is parsed, never imported (``dagsource``). What a literal says is
read back into answers: the DAG-level settings here, every pod task and the
dependencies between them in ``pipeline_source`` (the ``tasks:`` shape of
answers files). A DAG-level setting the reader cannot read takes the
generator's default or a ``--set``, and is listed; a task it cannot read
would make the record say something else than the file, so adopt refuses,
naming each line. The base of later three-way merges is the template's
render of the answers.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from createdag import dagsource, pipeline_source, records
from createdag.dagsource import NOT_FOUND, call_name, kwargs, literal
from createdag.errors import InvalidAnswer, InvalidAnswers, RecordError, UserError

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
        raise UserError(f"{path} has no DAG(...) call nor @dag decorator: nothing to adopt")
    take("dag_id", dag.dag_id)
    given = kwargs(dag.call)
    for key in ("description", "tags", "catchup", "max_active_runs", "max_active_tasks"):
        take(key, literal(given.get(key)))
    if "max_active_tasks" not in found:
        take("max_active_tasks", literal(given.get("concurrency")))
    if "schedule" in given:
        value = literal(given["schedule"])
        if value is None or isinstance(value, str):
            found["schedule"] = value
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
    pipeline = pipeline_source.read_pipeline(tree, dag)
    if pipeline.refused:
        raise UserError(refusal(path, pipeline.refused))
    if not pipeline.tasks:
        raise UserError(f"{path} has no {pipeline_source.POD} task: nothing create_dag can manage")
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
        f"{path} is not adopted: a record would say something else than the file, which has",
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
        raise UserError(f"{path} is not a file: give the DAG file to adopt")
    if not path.resolve().is_relative_to(dags_dir.resolve()):
        raise UserError(f"{path} is not inside {dags_dir}: pass the dags folder that holds it with -o")
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
