"""``check`` applies the deployment's cluster policies, as Airflow's DAG processor does.

A team's ``airflow_local_settings.py`` (in ``$AIRFLOW_HOME/config``, where
Airflow looks for it) may define ``dag_policy`` and ``task_policy``; the DagBag
applies them to every DAG it loads, and a policy that raises
``AirflowClusterPolicyViolation`` turns the file into an import error. The
check runs the real command in a subprocess with its own AIRFLOW_HOME, with and
without the cache: the policy's verdict is reported either way, and changing the
policy makes the cache check the files again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

DAG = """\
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("{dag_id}", schedule=None, tags=["t"],
         default_args={{"owner": "data-team", "retries": 1, "on_failure_callback": [print]}}):
    EmptyOperator(task_id="{task_id}")
"""
POLICY = """\
from airflow.exceptions import AirflowClusterPolicyViolation


def task_policy(task):
    if task.task_id == "{forbidden}":
        raise AirflowClusterPolicyViolation(f"task {{task.task_id!r}} is not allowed on this cluster")


def dag_policy(dag):
    if not dag.dag_id.startswith("team_"):
        raise AirflowClusterPolicyViolation(f"DAG {{dag.dag_id!r}} must start with team_")
"""


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repo of three DAGs, and an AIRFLOW_HOME whose local settings hold two cluster policies."""
    dags = tmp_path / "repo" / "dags"
    dags.mkdir(parents=True)
    (dags / "good.py").write_text(DAG.format(dag_id="team_good", task_id="load"))
    (dags / "bad_task.py").write_text(DAG.format(dag_id="team_bad_task", task_id="shell"))
    (dags / "bad_name.py").write_text(DAG.format(dag_id="orders", task_id="load"))
    home = tmp_path / "airflow_home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "airflow_local_settings.py").write_text(POLICY.format(forbidden="shell"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "AIRFLOW_HOME": str(home)}
    return tmp_path / "repo", env


def check(repo: Path, env: dict[str, str], *options: str) -> tuple[int, dict]:
    argv = [sys.executable, str(REPO / "create_dag.py"), "check", str(repo), "--format", "json", *options]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def problems(report: dict) -> list[tuple[str, str, str]]:
    return [(p["file"], p["rule"], p["message"]) for p in report["problems"]]


@pytest.mark.airflow
def test_a_cluster_policy_violation_is_reported_on_its_file(deployment, tmp_path: Path) -> None:
    repo, env = deployment
    code, report = check(repo, env, "--no-cache")
    assert code == 1
    assert problems(report) == [
        ("bad_name.py", "import error",
         "AirflowClusterPolicyViolation: DAG 'orders' must start with team_"),
        ("bad_task.py", "import error",
         "AirflowClusterPolicyViolation: task 'shell' is not allowed on this cluster"),
    ]  # fmt: skip
    cache = ["--cache-dir", str(tmp_path / "cache")]
    for cached in (0, 3):  # the cache's first run, then every file answered from it
        code, remembered = check(repo, env, *cache)
        assert code == 1 and remembered["summary"]["cached_files"] == cached
        assert problems(remembered) == problems(report)


@pytest.mark.airflow
def test_changing_the_policy_checks_every_file_again(deployment, tmp_path: Path) -> None:
    """The policies are part of the cache's key: another verdict, not the remembered one."""
    repo, env = deployment
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check(repo, env, *cache)
    settings = Path(env["AIRFLOW_HOME"]) / "config" / "airflow_local_settings.py"
    settings.write_text(POLICY.format(forbidden="load").replace("team_", ""))
    code, report = check(repo, env, *cache)
    assert code == 1 and report["summary"]["cached_files"] == 0
    assert problems(report) == [
        ("bad_name.py", "import error",
         "AirflowClusterPolicyViolation: task 'load' is not allowed on this cluster"),
        ("good.py", "import error",
         "AirflowClusterPolicyViolation: task 'load' is not allowed on this cluster"),
    ]  # fmt: skip
    assert problems(check(repo, env, "--no-cache")[1]) == problems(report)
