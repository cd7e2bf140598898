"""End to end on real Airflow 3.3: a generated DAG fails and Teams (a local test server) gets one card.

The chain under test is the one that runs in production: create_dag.py
writes the DAG and ``teams_alerts.py`` into a dags folder, ``airflow dags
test`` parses and runs it in its own process, KubernetesPodOperator fails
because there is no kube config (no cluster is contacted), and the task's
``on_failure_callback`` posts the card to the URL held by
``AIRFLOW_CONN_MSTEAMS_WEBHOOK_URL``. Each ``dags test`` takes ~10 s, so the
file runs two of them and migrates the metadata database once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from helpers import REPO

pytestmark = pytest.mark.airflow

BASE_URL = "https://airflow.example.test/"
SIG = "E2Esig-Secret_987"
PATH = "/workflows/e2e/triggers/manual/paths/invoke"
QUERY = {"api-version": "2016-06-01", "sig": SIG}
LOGICAL_DATE = "2026-11-01"
TASK_ID = "run_busybox"


def airflow_command() -> list[str]:
    """The ``airflow`` script of this interpreter's environment, or ``python -m airflow`` without one."""
    script = Path(sys.executable).with_name("airflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "airflow"]


class AirflowHome:
    """A throwaway AIRFLOW_HOME with a migrated database, and the environment that points at it."""

    def __init__(self, root: Path) -> None:
        self.dags = root / "dags"
        self.dags.mkdir()
        home = root / "home"
        home.mkdir()
        inherited = {
            key: value
            for key, value in os.environ.items()
            # nothing from the test session's Airflow config, and no way to reach a real cluster
            if not key.startswith(("AIRFLOW", "KUBE", "PYTEST_"))
        }
        self.env = {
            **inherited,
            "HOME": str(home),
            "AIRFLOW_HOME": str(root / "airflow_home"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__API__BASE_URL": BASE_URL,
            "KUBECONFIG": str(root / "no-such-kubeconfig"),
            "NO_PROXY": "localhost,127.0.0.1",
            "no_proxy": "localhost,127.0.0.1",
        }

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            env=env or self.env,
            cwd=self.dags.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )

    def create_dag(self, dag_id: str, *sets: str) -> Path:
        """Write a DAG with the scaffolder's CLI, as a user would."""
        answers = ["image=busybox:1.36", "retries=0", f"start_date={LOGICAL_DATE[:4]}-01-01", f"task_id={TASK_ID}"]
        args = [f"--set={answer}" for answer in [f"dag_id={dag_id}", *answers, *sets]]
        done = self.run(sys.executable, str(REPO / "create_dag.py"), "--no-input", *args, "-o", str(self.dags))
        assert done.returncode == 0, done.stdout
        return self.dags / f"{dag_id}.py"

    def dags_test(self, dag_id: str, webhook_url: str) -> str:
        """``airflow dags test``, with the Teams connection in the environment as a JSON connection."""
        env = {
            **self.env,
            "AIRFLOW_CONN_MSTEAMS_WEBHOOK_URL": json.dumps({"conn_type": "http", "host": webhook_url}),
        }
        done = self.run(*airflow_command(), "dags", "test", dag_id, LOGICAL_DATE, env=env)
        # The run must end, failed (that is what fires the callback): a crash of the command is no such run.
        finished = [
            line for line in done.stdout.splitlines() if "DagRun Finished" in line and f"dag_id={dag_id}," in line
        ]
        assert finished and "state=failed" in finished[-1], done.stdout[-5000:]
        return done.stdout


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowHome]:
    home = AirflowHome(tmp_path_factory.mktemp("e2e"))
    migrated = home.run(*airflow_command(), "db", "migrate")
    assert migrated.returncode == 0, migrated.stdout[-5000:]
    yield home


@pytest.fixture
def teams(httpserver: HTTPServer) -> tuple[HTTPServer, str]:
    """The stand-in for Teams: answers 202 with an empty body, like a Workflows webhook."""
    httpserver.expect_request(PATH, method="POST", query_string=QUERY).respond_with_data("", status=202)
    query = "&".join(f"{key}={value}" for key, value in QUERY.items())
    return httpserver, f"{httpserver.url_for(PATH)}?{query}"


def received_cards(server: HTTPServer) -> list[dict[str, Any]]:
    """Every card the server got, whichever path or query they came on (a stray one must count too)."""
    return [json.loads(request.get_data())["attachments"][0]["content"] for request, _ in server.log]


def test_failed_task_posts_one_card_to_teams(airflow_home: AirflowHome, teams: tuple[HTTPServer, str]) -> None:
    server, webhook_url = teams
    dag_id = "e2e_alerting"
    airflow_home.create_dag(dag_id)
    assert (airflow_home.dags / "teams_alerts.py").read_text() == (REPO / "hooks" / "teams_alerts.py").read_text()

    output = airflow_home.dags_test(dag_id, webhook_url)

    assert len(server.log) == 1, output[-5000:]
    _, response = server.log[0]
    assert response.status_code == 202  # it matched the handler: right path, whole query string
    (card,) = received_cards(server)
    (fact_set,) = [block for block in card["body"] if block["type"] == "FactSet"]
    facts = {fact["title"]: fact["value"] for fact in fact_set["facts"]}
    assert facts["DAG"] == dag_id
    assert facts["Task"] == TASK_ID
    assert facts["Logical date"].startswith(LOGICAL_DATE)
    assert "failed" in card["body"][0]["text"]
    (button,) = card["actions"]
    assert button["title"] == "View log"
    assert button["url"].startswith(BASE_URL)
    assert f"/dags/{dag_id}/" in button["url"] and f"/tasks/{TASK_ID}" in button["url"]

    assert f"Teams alert for {dag_id}.{TASK_ID} sent (HTTP 202)" in output  # our log lines are in this output...
    assert SIG not in output  # ...and the credential is not


def test_alerts_none_posts_nothing(airflow_home: AirflowHome, teams: tuple[HTTPServer, str]) -> None:
    server, webhook_url = teams
    dag_id = "e2e_quiet"
    dag_file = airflow_home.create_dag(dag_id, "alerts=none")
    assert "TeamsNotifier" not in dag_file.read_text()

    output = airflow_home.dags_test(dag_id, webhook_url)  # the task fails all the same

    assert received_cards(server) == [] and server.log == []
    assert SIG not in output
