"""The cluster rules a team turns on in its config (issue 26): each off by default, each failing
a bad file and passing a good one in ``check`` (and the integrity test), and enforced when
creating a DAG. The bad files are hand-written in the styles teams use (keyword arguments,
``default_args``, ``.partial().expand()``); the good ones include what create_dag writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

CLI = [sys.executable, str(REPO / "create_dag.py")]
RULES = "require_memory_resources = true\nrequire_pod_timeouts = true\nremote_logging = false\n"

HEAD = """\
import datetime
from airflow.sdk import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

RES = k8s.V1ResourceRequirements(requests={"memory": "512Mi"}, limits={"memory": "1Gi"})
"""
ARGS = "'owner': 'data-team', 'retries': 1, 'on_failure_callback': [print]"


def dag_file(dag_id: str, task: str, schedule: str = "'@daily'", default_args: str = "") -> str:
    return (
        HEAD + f"with DAG({dag_id!r}, schedule={schedule}, start_date=datetime.datetime(2026, 1, 1), "
        f"catchup=False, tags=['data'], default_args={{{ARGS}{default_args}}}):\n    {task}\n"
    )


GOOD_POD = ("KubernetesPodOperator(task_id='t', image='x:1', container_resources=RES, startup_timeout_seconds=300, "
            "execution_timeout=datetime.timedelta(hours=1), on_finish_action='delete_succeeded_pod')")  # fmt: skip
GOOD = {
    "good_plain": dag_file("good_plain", GOOD_POD),
    # the timeouts and the finish action from default_args, a mapped task
    "good_mapped": dag_file(
        "good_mapped",
        "KubernetesPodOperator.partial(task_id='t', image='x:1', container_resources=RES, "
        "schedule_timeout_seconds=600).expand(env_vars=[{'A': '1'}, {'A': '2'}])",
        default_args=", 'execution_timeout': datetime.timedelta(hours=1), 'on_finish_action': 'keep_pod'",
    ),
    "good_run_date": dag_file("good_run_date", GOOD_POD.replace("image='x:1'", "image='x:1', arguments=['--date', "
                              "'{{ (dag_run.logical_date or dag_run.run_after) | ds }}']"), schedule="None"),
}  # fmt: skip
BAD = {  # file -> the rule it breaks
    "no_memory_limit": ("memory", dag_file("no_memory_limit", GOOD_POD.replace(
        "container_resources=RES", "container_resources=k8s.V1ResourceRequirements(requests={'memory': '1Gi'})")),
    ),
    "no_resources": ("memory", dag_file("no_resources", GOOD_POD.replace("container_resources=RES, ", ""))),
    "no_pending_timeout": ("pod timeouts", dag_file("no_pending_timeout", GOOD_POD.replace(
        "startup_timeout_seconds=300, ", ""))),
    "no_execution_timeout": ("pod timeouts", dag_file("no_execution_timeout", GOOD_POD.replace(
        "execution_timeout=datetime.timedelta(hours=1), ", ""))),
    "deletes_logs": ("pod logs", dag_file("deletes_logs", GOOD_POD.replace("delete_succeeded_pod", "delete_pod"))),
    "deletes_by_default": ("pod logs", dag_file("deletes_by_default", GOOD_POD.replace(
        ", on_finish_action='delete_succeeded_pod'", ""))),
    "mapped_no_memory": ("memory", dag_file("mapped_no_memory", "KubernetesPodOperator.partial(task_id='t', "
        "image='x:1', startup_timeout_seconds=60, execution_timeout=datetime.timedelta(hours=1), "
        "on_finish_action='keep_pod').expand(env_vars=[{'A': '1'}])")),
    # always on: this DAG's runs never have a logical date
    "asset_ds": ("logical date", dag_file("asset_ds", GOOD_POD.replace("image='x:1'", "image='x:1', "
        "env_vars={'DAY': '{{ ds }}'}"), schedule="None")),
}  # fmt: skip


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AIRFLOW_HOME": str(cwd / ".airflow")})  # fmt: skip


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cluster_rules")
    (root / ".create_dag.toml").write_text('output_dir = "dags"\n')
    (root / "dags").mkdir()
    for name, source in GOOD.items():
        (root / "dags" / f"{name}.py").write_text(source)
    for name, (_, source) in BAD.items():
        (root / "dags" / f"{name}.py").write_text(source)
    return root


def problems_of(result: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in result.stderr.splitlines():
        file, sep, rest = line.partition(".py: ")
        if sep:
            found.setdefault(file, set()).add(rest.split(":", 1)[0])
    return found


@pytest.mark.airflow
def test_each_rule_is_off_until_the_team_config_turns_it_on(repo: Path) -> None:
    result = cli("check", cwd=repo)
    assert problems_of(result) == {"asset_ds": {"logical date"}}, result.stderr  # the one rule always on


@pytest.mark.airflow
def test_each_rule_fails_its_bad_files_and_passes_the_good_ones(repo: Path) -> None:
    config = repo / ".create_dag.toml"
    config.write_text('output_dir = "dags"\n' + RULES)
    try:
        result = cli("check", cwd=repo)
    finally:
        config.write_text('output_dir = "dags"\n')
    assert result.returncode == 1
    assert problems_of(result) == {name: {rule} for name, (rule, _) in BAD.items()}, result.stderr
    assert "no memory limit: add container_resources=" in result.stderr
    assert "does not set how long its pod may stay Pending" in result.stderr
    assert "use on_finish_action='delete_succeeded_pod'" in result.stderr


@pytest.mark.airflow
def test_what_create_dag_writes_under_the_rules_passes_them(tmp_path: Path) -> None:
    (tmp_path / ".create_dag.toml").write_text('output_dir = "dags"\nrequire_run_date_templates = true\n' + RULES)
    base = ["--no-input", "--set", "image=ghcr.io/acme/x:1", "--set", "tags=data"]
    refused = cli(*base, "--set", "dag_id=refused", cwd=tmp_path)
    assert refused.returncode == 1
    for key in ("memory_request", "memory_limit", "execution_timeout_minutes", "on_finish_action"):
        assert key in refused.stderr, refused.stderr
    made = cli(*base, "--set", "dag_id=kept", "--set", "memory_request=512Mi", "--set", "memory_limit=1Gi",
               "--set", "execution_timeout_minutes=60", "--set", "on_finish_action=delete_succeeded_pod",
               "--set", "arguments=--date '{{ (dag_run.logical_date or dag_run.run_after) | ds }}'",
               cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    source = (tmp_path / "dags" / "kept.py").read_text()
    assert "startup_timeout_seconds=120," in source  # named: the task has a time limit
    checked = cli("check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    ds = cli(*base, "--set", "dag_id=ds", "--set", "memory_request=1Gi", "--set", "memory_limit=1Gi",
             "--set", "execution_timeout_minutes=5", "--set", "on_finish_action=keep_pod",
             "--set", "arguments=--date '{{ ds }}'", cwd=tmp_path)  # fmt: skip
    assert ds.returncode == 1 and "require_run_date_templates" in ds.stderr


@pytest.mark.airflow  # config_problems reads Airflow's own config options
def test_the_remote_logging_values_the_docs_point_at_pass_the_chart_schema() -> None:
    """docs/deploy.md's rules section says remote_logging = true means the Helm values of its
    section 5: that block names the three logging options and passes the official chart's schema
    (skipped, with the reason, where the schema is absent)."""
    from test_docs_deploy import (
        chart_schema,
        config_problems,
        official_values_blocks,
        schema_errors,
        unknown_keys,
    )

    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    rules = text[text.index("### 8.4 Rules for the cluster") :]
    for key in ("require_memory_resources", "require_pod_timeouts", "remote_logging", "require_run_date_templates"):
        assert f"`{key} = " in rules, key
    assert '`config.logging.remote_logging: "True"`' in rules
    import yaml

    (values,) = [yaml.safe_load(b.text) for b in official_values_blocks() if "remote_logging" in b.text]
    logging = values["config"]["logging"]
    assert logging["remote_logging"] == "True" and logging["remote_base_log_folder"] and logging["remote_log_conn_id"]
    assert config_problems(values["config"]) == []  # real Airflow options
    schema = chart_schema()
    assert schema_errors(values, schema) == [] and unknown_keys(values, schema) == []


def test_the_team_config_takes_the_rules_and_refuses_other_types(tmp_path: Path) -> None:
    from createdag.config import load_team_config
    from createdag.errors import ConfigError

    (tmp_path / ".create_dag.toml").write_text(RULES + "require_run_date_templates = true\n")
    team = load_team_config(tmp_path)
    assert (team.require_memory_resources, team.require_pod_timeouts, team.remote_logging,
            team.require_run_date_templates) == (True, True, False, True)  # fmt: skip
    assert load_team_config(tmp_path / "elsewhere").remote_logging is False  # found walking up
    (tmp_path / ".create_dag.toml").write_text('remote_logging = "no"\n')
    with pytest.raises(ConfigError, match="remote_logging"):
        load_team_config(tmp_path)


def test_every_team_setting_is_listed_where_the_unknown_setting_message_points() -> None:
    from createdag.config import _SETTINGS

    text = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    listed = text[text.index("## Team config settings") : text.index("## Checking a dags repo")]
    assert [key for key in _SETTINGS if f"`{key}`" not in listed] == []
