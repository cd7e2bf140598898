"""What the support matrix promises, on whichever Airflow 3 is installed.

The main suite runs this on Airflow 3.3; ``.ci/run`` runs it again in a venv
with the oldest supported Airflow (3.0.x), with ``CREATE_DAG_EXPECT_AIRFLOW``
set so that a wrong install cannot pass for the old one. On each version:

- representative generated DAGs (the golden files, every gallery example, a pipeline with every pod option)
  parse through that version's own DAG processor function ``_parse_file``,
  serialization included, with the bundle root on ``sys.path`` as its entry
  point puts it;
- ``check`` and the integrity test that ``init`` writes run, and fail on a
  broken file;
- the alert module posts exactly one card through a real Connection.

About the alert: unconstrained installs of Airflow 3.0 break inside ``airflow
dags test`` (a pydantic error in Airflow's own execution API), so a task
cannot be run there. Instead the failure callback is taken from the parsed
DAG's task, exactly as the processor built it, and called with a callback
context made of real Airflow objects (the DAG, a ``TaskInstance`` of the
task, a timezone-aware logical date, the exception); the connection is an
``AIRFLOW_CONN_...`` variable resolved by that version's ``BaseHook``, and the
card goes to a local HTTP server. ``test_teams_e2e.py`` runs the whole chain
through ``dags test`` on 3.3.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.airflow

GOLDEN = REPO / "tests" / "golden"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed CLI (``python -m createdag``) of this interpreter, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "createdag", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def write_representative_dags(dags_dir: Path) -> list[Path]:
    """The golden files and every gallery example, with the alert module beside them."""
    from createdag import gallery

    for golden in sorted(GOLDEN.glob("*.py")):
        text = golden.read_text(encoding="utf-8")
        match = re.search(r'dag_id="(\w+)"', text)
        assert match, golden
        (dags_dir / f"{match[1]}.py").write_text(text, encoding="utf-8")
    for name in gallery.EXAMPLES:
        # --force: "child" writes its "parent" again, the same file
        result = cli("--example", name, "--force", "-o", str(dags_dir), cwd=dags_dir.parent)
        assert result.returncode == 0, f"--example {name}: {result.stderr}"
    from helpers import write_dag
    from test_pod_options import COMBINED, SHARDED

    # every pod option at once, and on parallel pods: the provider's oldest supported version takes them too
    write_dag(dags_dir, dag_id="pod_options_all", tasks=[
        {"task_id": "everything", **COMBINED}, {"task_id": "sharded", "shards": 2, "after": ["everything"], **SHARDED},
    ])  # fmt: skip
    files = sorted(p for p in dags_dir.glob("*.py") if p.name != "teams_alerts.py")
    assert len(files) >= len(gallery.EXAMPLES) + 4
    return files


def test_airflow_is_the_version_this_run_expects() -> None:
    import airflow

    expected = os.environ.get("CREATE_DAG_EXPECT_AIRFLOW")
    if not expected:
        pytest.skip("CREATE_DAG_EXPECT_AIRFLOW is set only by .ci/run's compatibility job")
    assert airflow.__version__ == expected


def test_generated_dags_parse_as_this_airflows_dag_processor_parses_them(dags_dir: Path) -> None:
    import structlog
    from airflow.dag_processing import processor

    files = write_representative_dags(dags_dir)
    if str(dags_dir) not in sys.path:  # what processor._parse_file_entrypoint does first
        sys.path.append(str(dags_dir))
    fields = processor.DagFileParseRequest.model_fields
    request_args: dict[str, Any] = {"bundle_path": dags_dir}
    if "bundle_name" in fields:  # from Airflow 3.1
        request_args["bundle_name"] = "dags-folder"
    for path in files:
        result = processor._parse_file(
            processor.DagFileParseRequest(file=str(path), **request_args), structlog.get_logger()
        )
        assert result is not None and result.import_errors == {}, f"{path.name}: {result and result.import_errors}"
        # every generated file is named after its one DAG
        assert [dag.dag_id for dag in result.serialized_dags] == [path.stem], path.name


def test_check_and_the_written_integrity_test_run_and_catch_a_broken_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("init", str(repo), cwd=tmp_path).returncode == 0
    assert cli("--example", "failing_alert", cwd=repo).returncode == 0
    made = cli("--no-input", "--set", "dag_id=orders_sync", "--set", "image=ghcr.io/acme/orders:2.0.1",
               "--set", "owner=data-team", "--set", "tags=orders", cwd=repo)  # fmt: skip
    assert made.returncode == 0, made.stderr
    integrity = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_dag_integrity.py"]

    checked = cli("check", cwd=repo)
    assert checked.returncode == 0, checked.stderr
    assert "0 problems" in checked.stderr
    tested = subprocess.run(integrity, cwd=repo, capture_output=True, text=True, timeout=300, check=False)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "10 passed" in tested.stdout  # every DAG loads, and each of the nine rules

    (repo / "dags" / "broken.py").write_text("from airflow.sdk import DAG\nimport no_such_module\n")
    checked = cli("check", cwd=repo)
    assert checked.returncode == 1 and "broken.py: import error" in checked.stderr, checked.stderr
    tested = subprocess.run(integrity, cwd=repo, capture_output=True, text=True, timeout=300, check=False)
    assert tested.returncode == 1 and "no_such_module" in tested.stdout, tested.stdout


def test_failure_callback_posts_one_card_through_a_real_connection(
    dags_dir: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pendulum
    from airflow.models.taskinstance import TaskInstance

    from createdag.integrity import integrity_module

    path = dags_dir / "sales_daily.py"
    shutil.copy(GOLDEN / "minimal.py", path)
    path.write_text(path.read_text(encoding="utf-8").replace('"minimal"', '"sales_daily"'), encoding="utf-8")
    from createdag.create import install_alerts_module

    install_alerts_module(dags_dir)
    ((_, bag, _),) = integrity_module().load_each(dags_dir, [path])
    assert bag.import_errors == {}
    dag = bag.dags["sales_daily"]
    (task,) = dag.tasks
    (notifier,) = task.on_failure_callback

    httpserver.expect_request("/workflows/x/triggers/manual/paths/invoke", method="POST").respond_with_data(
        "", status=202
    )
    url = httpserver.url_for("/workflows/x/triggers/manual/paths/invoke") + "?api-version=2016-06-01&sig=compat-sig"
    monkeypatch.setenv(f"AIRFLOW_CONN_{notifier.conn_id.upper()}", json.dumps({"conn_type": "http", "host": url}))
    try:
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 3.0: the alert module falls back to the same
        from airflow.hooks.base import BaseHook
    assert BaseHook.get_connection(notifier.conn_id).host == url  # a real Connection, this version's lookup

    run_id = "scheduled__2026-11-02T00:00:00+00:00"
    ti = TaskInstance(task=task, run_id=run_id, dag_version_id=None)
    ti.try_number = 1
    context = {
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "run_id": run_id,
        "logical_date": pendulum.datetime(2026, 11, 2, tz="UTC"),
        "exception": RuntimeError("Pod sales-daily-main-x returned a failure"),
    }
    notifier(context)

    assert len(httpserver.log) == 1, httpserver.log
    request, response = httpserver.log[0]
    assert response.status_code == 202
    assert request.args["sig"] == "compat-sig"
    card = json.dumps(request.get_json())
    for shown in ("sales_daily", task.task_id, run_id, "returned a failure"):
        assert shown in card


def test_the_run_date_template_renders_without_a_logical_date_on_this_airflow(dags_dir: Path) -> None:
    """Issue 26, on every supported Airflow: the task runner's ``dag_run`` model has ``run_after``,
    and the template create_dag suggests renders with the DAG's own Jinja environment (strict
    undefined) on a run without a logical date, where ``{{ ds }}`` fails. The whole run is proven
    on the 3.3 engine in ``test_run_dates_engine.py``."""
    import datetime as dt
    from types import SimpleNamespace

    import jinja2
    from airflow.sdk.api.datamodels._generated import DagRun
    from helpers import write_dag

    from createdag.run_dates import RUN_DATE, RUN_TS

    assert {"run_after", "logical_date"} <= set(DagRun.model_fields)
    path = write_dag(dags_dir, dag_id="run_dates", schedule=None, arguments=["--date", RUN_DATE, RUN_TS, "{{ ds }}"])
    from createdag.integrity import integrity_module

    ((_, bag, _),) = integrity_module().load_each(dags_dir, [path])  # this version's loader
    dag = bag.dags["run_dates"]
    env = dag.get_template_env()
    after = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.timezone.utc)
    context = {"dag_run": SimpleNamespace(logical_date=None, run_after=after)}  # what such a run's context holds
    date, ts, ds = dag.get_task("main").arguments[1:]
    assert env.from_string(date).render(context) == "2026-03-02"
    assert env.from_string(ts).render(context) == "2026-03-02T06:30:00+00:00"
    with pytest.raises(jinja2.UndefinedError, match="'ds' is undefined"):
        env.from_string(ds).render(context)
    given = {"dag_run": SimpleNamespace(logical_date=after - dt.timedelta(days=1), run_after=after)}
    assert env.from_string(date).render(given) == "2026-03-01"  # the logical date where the run has one
