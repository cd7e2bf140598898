"""Every answer that changes the output, rendered and loaded by real Airflow 3.3.

Each case is written into ``tmp_path`` through the real pipeline (resolve ->
cookiecutter -> black -> atomic write), parsed by ``BundleDagBag`` as the DAG
processor would, and the loaded DAG and task are compared with the answers.
The pod each task would create is taken from ``KubernetesPodOperator.dry_run``
and compared too, and every file must pass ``ruff check --select AIR``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import load_dagbag, resolve_answers, write_dag

pytestmark = pytest.mark.airflow

CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "manual_no_alerts": {
        "schedule": "None",
        "alerts": [],
        "catchup": True,
        "max_active_runs": 3,
        "max_active_tasks": 4,
        "retries": 0,
        "image_pull_secrets": [],
    },
    "cron_everything": {
        "dag_id": "billing.v2-export",
        "description": "Export billing to the warehouse",
        "tags": ["billing", "export"],
        "schedule": "30 6 * * 1-5",
        "timezone": "Europe/Paris",
        "depends_on_past": True,
        "wait_for_downstream": True,
        "max_active_runs": 2,
        "max_active_tasks": 8,
        "retries": 3,
        "retry_delay_minutes": 10,
        "alerts": ["failure", "retry", "success"],
        "teams_conn_id": "teams_billing",
        "task_id": "export",
        "namespace": "billing",
        "cmds": ["python", "-m", "billing.export"],
        "arguments": ["--date", "{{ ds }}", "--dry-run=false"],
        "secrets": [
            {"env": "DB_PASSWORD", "secret": "billing-db", "key": "password"},
            {"env": "API_TOKEN", "secret": "billing-api", "key": "token"},
        ],
        "image_pull_secrets": ["regcred", "ghcr-pull"],
        "cpu_request": "250m",
        "memory_request": "512Mi",
        "cpu_limit": "1",
        "memory_limit": "1Gi",
    },
    "preset_requests_only": {
        "schedule": "@hourly",
        "alerts": ["retry"],
        "cpu_request": "500m",
        "memory_request": "256Mi",
    },
    "once_limits_only": {"schedule": "@once", "cpu_limit": "2", "memory_limit": "4Gi"},
    "continuous": {"schedule": "@continuous", "max_active_runs": 1, "alerts": ["success"]},
}

CALLBACK_FOR = {"failure": "on_failure_callback", "retry": "on_retry_callback", "success": "on_success_callback"}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest, dags_dir: Path):
    overrides = CASES[request.param]
    answers = resolve_answers(dags_dir, **overrides)
    path = write_dag(dags_dir, **overrides)
    bag = load_dagbag(dags_dir, path)
    return answers, path, bag


def test_loads_without_import_errors(case) -> None:
    answers, path, bag = case
    assert bag.import_errors == {}
    assert list(bag.dag_ids) == [answers["dag_id"]]


def test_dag_attributes_match_answers(case) -> None:
    answers, _, bag = case
    dag = bag.dags[answers["dag_id"]]
    assert dag.catchup is answers["catchup"]
    assert dag.max_active_runs == answers["max_active_runs"]
    assert dag.max_active_tasks == answers["max_active_tasks"]
    assert set(dag.tags) == set(answers["tags"])
    assert dag.description == (answers["description"] or None)
    assert str(dag.timezone) == answers["timezone"]
    assert dag.start_date.in_timezone(answers["timezone"]).date() == dt.date.fromisoformat(answers["start_date"])
    expected_schedule = answers["schedule"]
    assert dag.schedule == expected_schedule
    if expected_schedule is None:
        assert type(dag.timetable).__name__ == "NullTimetable"
    elif expected_schedule.startswith("@") and expected_schedule not in ("@once", "@continuous"):
        assert type(dag.timetable).__name__ == "CronTriggerTimetable"

    args = dag.default_args
    assert args["owner"] == answers["owner"]
    assert args["depends_on_past"] is answers["depends_on_past"]
    assert args["wait_for_downstream"] is answers["wait_for_downstream"]
    assert args["retries"] == answers["retries"]
    assert args["retry_delay"] == dt.timedelta(minutes=answers["retry_delay_minutes"])
    for event, key in CALLBACK_FOR.items():
        notifiers = args.get(key, [])
        if event in answers["alerts"]:
            assert [(type(n).__name__, n.event, n.conn_id) for n in notifiers] == [
                ("TeamsNotifier", event, answers["teams_conn_id"])
            ]
        else:
            assert not notifiers


def test_task_fields_match_answers(case) -> None:
    answers, _, bag = case
    answers = {**answers, **answers["tasks"][0]}  # one task: its answers beside the DAG's
    task = bag.dags[answers["dag_id"]].get_task(answers["task_id"])
    assert type(task).__name__ == "KubernetesPodOperator"
    assert task.image == answers["image"]
    assert task.namespace == answers["namespace"]
    assert task.cmds == answers["cmds"]
    assert task.arguments == answers["arguments"]
    assert [(s.deploy_type, s.deploy_target, s.secret, s.key) for s in task.secrets] == [
        ("env", s["env"], s["secret"], s["key"]) for s in answers["secrets"]
    ]
    assert [ref.name for ref in task.image_pull_secrets or []] == answers["image_pull_secrets"]
    assert task.get_logs is True
    assert task.on_finish_action.value == "delete_pod"
    assert task.retries == answers["retries"]
    assert task.depends_on_past is answers["depends_on_past"]
    assert task.wait_for_downstream is answers["wait_for_downstream"]
    requests = {k: answers[f"{k}_request"] for k in ("cpu", "memory") if answers[f"{k}_request"]}
    limits = {k: answers[f"{k}_limit"] for k in ("cpu", "memory") if answers[f"{k}_limit"]}
    if requests or limits:
        assert task.container_resources.requests == requests
        assert task.container_resources.limits == limits
    else:
        assert task.container_resources is None


def test_pod_dry_run_carries_the_answers(case) -> None:
    answers, _, bag = case
    answers = {**answers, **answers["tasks"][0]}
    task = bag.dags[answers["dag_id"]].get_task(answers["task_id"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        task.dry_run()
    printed = out.getvalue()  # Airflow's own log lines may come first on stdout
    pod = yaml.safe_load(printed[printed.index("api_version:") :])
    container = pod["spec"]["containers"][0]
    assert container["image"] == answers["image"]
    assert container.get("command", []) == answers["cmds"]
    assert container.get("args", []) == answers["arguments"]
    env = {e["name"]: e["value_from"]["secret_key_ref"] for e in container.get("env", [])}
    assert env == {s["env"]: {"name": s["secret"], "key": s["key"]} for s in answers["secrets"]}
    assert [s["name"] for s in pod["spec"].get("image_pull_secrets", [])] == answers["image_pull_secrets"]
    assert pod["metadata"]["namespace"] == answers["namespace"]
    assert pod["metadata"]["name"].startswith(answers["dag_id"].lower().replace("_", "-").replace(".", "-"))
    resources = container.get("resources", {})
    assert resources.get("requests", {}) == {
        k: answers[f"{k}_request"] for k in ("cpu", "memory") if answers[f"{k}_request"]
    }
    assert resources.get("limits", {}) == {k: answers[f"{k}_limit"] for k in ("cpu", "memory") if answers[f"{k}_limit"]}


def test_ruff_airflow_rules_pass(case) -> None:
    _, path, _ = case
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "AIR", "--preview", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_flags_airflow2_code(tmp_path: Path) -> None:
    """The ruff check above can fail: it does flag an Airflow 2 idiom."""
    old = tmp_path / "old.py"
    old.write_text(
        "from airflow import DAG\nfrom airflow.utils.dates import days_ago\n"
        "dag = DAG('x', schedule_interval='@daily', start_date=days_ago(1))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "AIR", "--preview", str(old)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "schedule_interval" in result.stdout and "days_ago" in result.stdout


def test_nothing_but_the_dag_at_module_level(dags_dir: Path) -> None:
    """No Variable, connection or hook look-ups at parse time: only imports and the DAG."""
    import ast

    source = write_dag(dags_dir, alerts=["failure", "retry"]).read_text(encoding="utf-8")
    tree = ast.parse(source)
    kinds = [type(node).__name__ for node in tree.body]
    assert set(kinds) <= {"Expr", "ImportFrom", "Import", "With"}
    assert "Variable" not in source and "get_connection" not in source and "BaseHook" not in source
