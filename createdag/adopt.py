"""Adopt a hand-written DAG: read its answers from source, so that ``update`` can manage it.

The file is parsed, never imported (``dagsource``). What a literal says is
read back into answers; what the reader cannot read takes the generator's
defaults or a ``--set``, and is listed. The base of later three-way merges is
the template's render of those answers.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from createdag import dagsource, records
from createdag.dagsource import NOT_FOUND, call_name, kwargs, literal
from createdag.errors import InvalidAnswer, InvalidAnswers, UserError

#: Answer keys the reader looks for, in the order they are reported.
READ_KEYS = (
    "dag_id", "description", "schedule", "start_date", "timezone", "catchup", "max_active_runs",
    "max_active_tasks", "tags", "owner", "retries", "retry_delay_minutes", "depends_on_past",
    "wait_for_downstream", "alerts", "task_id", "image", "namespace", "cmds", "arguments",
    "secrets", "image_pull_secrets",
)  # fmt: skip


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


def _minutes(node: ast.AST) -> Any:
    if not (isinstance(node, ast.Call) and call_name(node) == "timedelta"):
        return NOT_FOUND
    factors = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
    total = 0.0
    for key, value in kwargs(node).items():
        number = literal(value)
        if key not in factors or not isinstance(number, int | float):
            return NOT_FOUND
        total += number * factors[key]
    return int(total) if total == int(total) and not node.args else NOT_FOUND


def _pull_secrets(node: ast.AST) -> Any:
    value = literal(node)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(node, ast.List):
        return NOT_FOUND
    names = []
    for item in node.elts:
        if isinstance(item, ast.Call) and call_name(item) == "V1LocalObjectReference":
            name = literal(dagsource.argument(item, "name", 0))
            if isinstance(name, str):
                names.append(name)
                continue
        return NOT_FOUND
    return names


def _secrets(node: ast.AST) -> Any:
    if not isinstance(node, ast.List):
        return NOT_FOUND
    found = []
    for item in node.elts:
        if not (isinstance(item, ast.Call) and call_name(item) == "Secret"):
            return NOT_FOUND
        fields = {
            name: literal(dagsource.argument(item, name, position))
            for position, name in enumerate(("deploy_type", "deploy_target", "secret", "key"))
        }
        if fields["deploy_type"] != "env" or not all(
            isinstance(fields[k], str) for k in ("deploy_target", "secret", "key")
        ):
            return NOT_FOUND
        found.append({"env": fields["deploy_target"], "secret": fields["secret"], "key": fields["key"]})
    return found


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
    """What the source of a hand-written DAG says, as raw answers, and the answer keys it could not read."""
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
            take("retry_delay_minutes", _minutes(items["retry_delay"]))
        events, conn = _alerts(default_args)
        found["alerts"] = events
        take("teams_conn_id", conn)
    pod = next(dagsource.calls_named(tree, "KubernetesPodOperator"), None)
    if pod is not None:
        pod_kwargs = kwargs(pod)
        for key in ("task_id", "image", "namespace", "cmds", "arguments"):
            take(key, literal(pod_kwargs.get(key)))
        for key in ("cmds", "arguments"):
            if key not in pod_kwargs:
                found[key] = []
        found["image_pull_secrets"] = (
            _pull_secrets(pod_kwargs["image_pull_secrets"]) if "image_pull_secrets" in pod_kwargs else []
        )
        found["secrets"] = _secrets(pod_kwargs["secrets"]) if "secrets" in pod_kwargs else []
    found = {key: value for key, value in found.items() if value is not NOT_FOUND}
    return found, [key for key in READ_KEYS if key not in found]


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
    try:
        answers, _ = resolve(raw, settings_for(dags_dir, force=True, existing_dag=True), source=str(path))
    except InvalidAnswers as exc:
        hint = InvalidAnswer("hint", "give what could not be read with --set KEY=VALUE", str(path))
        raise InvalidAnswers([*exc.problems, hint]) from None
    # the dag_id the record would be filed under, however it was given: never another DAG's record
    taken = records.record_path(dags_dir, answers["dag_id"])
    if taken.exists():
        raise UserError(f"{answers['dag_id']} is already recorded ({taken}): use update")
    return Adoption(
        path, found, [key for key in missing if key not in (sets or {})], answers, render_dag(answers)
    )


def adopt(dags_dir: Path, plan: Adoption) -> Path:
    """Record an adopted DAG; its base is the template's render of the answers read from it."""
    return records.record(Path(dags_dir), plan.answers, plan.pristine, plan.path)
