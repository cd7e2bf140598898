"""Templates that render on every kind of run, proven on the Airflow 3.3 engine (issue 26).

In Airflow 3 an asset-triggered run, and a manual run triggered without a
logical date (``airflow dags trigger`` without ``-l``, the REST API with
``"logical_date": null``), has ``logical_date=None``: the task runner then
leaves ``ds``, ``ts``, ``logical_date`` and the data interval out of the
context, and the DAG's ``StrictUndefined`` makes ``{{ ds }}`` fail. What every
run has is its ``dag_run`` with ``run_after`` (Airflow 3.0+, AIP-83), so
``{{ (dag_run.logical_date or dag_run.run_after) | ds }}`` (``createdag.run_dates.RUN_DATE``)
is the logical date's day where the run has one, and the day the run was due otherwise.

The DAGs are written by the library entry point, parsed and synced as the DAG
processor does; the scheduler is Airflow's own (``test_engine_behaviour``); the
test plays the worker and runs each task in-process with the SDK task runner,
its pod replaced by a recorder of what the pod would get.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_engine_behaviour import START, Scheduler, _session, activate, create_scheduled_runs, ti_states

from createdag.run_dates import RUN_DATE, RUN_TS

pytestmark = [
    pytest.mark.airflow,
    pytest.mark.filterwarnings("ignore:The HMAC key is"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]

UTC = dt.timezone.utc
ARGS = ["--date", RUN_DATE, f"--at={RUN_TS}"]
COMMON: dict[str, Any] = {"image": "busybox:1.36", "alerts": [], "catchup": True, "start_date": "2026-01-01"}
DAGS: dict[str, dict[str, Any]] = {
    "rd_daily": {"schedule": "@daily", "arguments": ARGS, "env_vars": {"RUN_DATE": RUN_DATE}},
    "rd_intervals": {"schedule": "@daily", "data_intervals": True, "arguments": ARGS},
    "rd_producer": {"schedule": None, "outlets": ["s3://rd-lake/a"]},
    "rd_on_asset": {"schedule": None, "assets": ["s3://rd-lake/a"], "arguments": ARGS},
    "rd_ds": {"schedule": None, "arguments": ["--date", "{{ ds }}"]},  # what the README used to say
}


@pytest.fixture(scope="module")
def bag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    from helpers import write_dag

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    dags_dir = tmp_path_factory.mktemp("run_dates")
    for name, answers in DAGS.items():
        write_dag(dags_dir, **{**COMMON, **answers, "dag_id": name})
    loaded = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir, safe_mode=False)
    assert loaded.import_errors == {}
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(loaded, "dags-folder", None)
    try:
        yield dags_dir, loaded
    finally:
        while str(dags_dir) in sys.path:
            sys.path.remove(str(dags_dir))
        sys.modules.pop("teams_alerts", None)


@pytest.fixture
def scheduler(bag: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Scheduler]:
    """Only the runs a test creates; the asset test also lets it create runs (asset-triggered
    runs are made in the same step as timetable runs: its DAGs have no timetable)."""
    creates_runs = "asset_triggered" in request.node.name
    monkeypatch.setenv("AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE", str(creates_runs))
    yield Scheduler()
    activate()


def trigger_without_a_date(name: str) -> str:
    """A manual run as ``airflow dags trigger`` without ``-l`` creates it: no logical date."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    after = dt.datetime.now(UTC) - dt.timedelta(seconds=2)
    with _session() as session:
        run = trigger_dag(name, triggered_by=DagRunTriggeredByType.CLI, run_after=after, session=session)
        assert run is not None and run.logical_date is None
        return run.run_id


def run_task(bag: tuple[Path, Any], scheduler: Scheduler, name: str, run: str, monkeypatch: pytest.MonkeyPatch):
    """Run the run's task as a worker does; what its pod would have got, or the error."""
    from airflow.sdk.execution_time.supervisor import run_task_in_process
    from helpers import load_dagbag

    dags_dir, _ = bag
    task = load_dagbag(dags_dir, dags_dir / f"{name}.py").dags[name].get_task("main")
    seen: list[Any] = []

    def execute(self: Any, context: Any) -> None:  # no cluster: record what the pod would get
        seen.append((list(self.arguments), {e.name: e.value for e in self.env_vars}))

    monkeypatch.setattr(type(task), "execute", execute)
    for _ in range(30):  # a run starts once SQLite's now() (whole seconds) has passed its run_after
        scheduler.tick()
        workloads = [w for k, w in scheduler.executor.queued_tasks.items() if (k.dag_id, k.run_id) == (name, run)]
        if workloads:
            break
        time.sleep(0.1)
    (workload,) = workloads
    scheduler.executor.queued_tasks.pop(workload.key)
    result = run_task_in_process(ti=workload.ti, task=task)
    return seen, result, ti_states(name, run)


def test_a_scheduled_run_renders_its_logical_date(bag, scheduler, monkeypatch) -> None:
    activate("rd_daily")
    (run,) = create_scheduled_runs("rd_daily", 1)
    seen, _, states = run_task(bag, scheduler, "rd_daily", run, monkeypatch)
    assert states == ["success"]
    assert seen == [(["--date", "2026-01-01", "--at=2026-01-01T00:00:00+00:00"], {"RUN_DATE": "2026-01-01"})]


def test_with_data_intervals_it_is_still_the_logical_date_not_the_end_of_the_interval(
    bag, scheduler, monkeypatch
) -> None:
    activate("rd_intervals")
    (run,) = create_scheduled_runs("rd_intervals", 1)
    seen, _, states = run_task(bag, scheduler, "rd_intervals", run, monkeypatch)
    assert states == ["success"]
    assert seen[0][0][:2] == ["--date", START.strftime("%Y-%m-%d")]  # ds: the start; run_after is the day after


@pytest.mark.parametrize("name", ["rd_daily", "rd_on_asset"])
def test_a_manual_run_without_a_logical_date_renders_the_day_it_ran(bag, scheduler, monkeypatch, name) -> None:
    activate(name)
    run = trigger_without_a_date(name)
    seen, _, states = run_task(bag, scheduler, name, run, monkeypatch)
    assert states == ["success"]
    today = dt.datetime.now(UTC).date()
    (arguments, _env), = seen
    assert dt.date.fromisoformat(arguments[1]) in (today, today - dt.timedelta(days=1))  # run_after: 2 s ago


def test_an_asset_triggered_run_renders_the_day_it_ran(bag, scheduler, monkeypatch) -> None:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    activate("rd_producer", "rd_on_asset")
    produced = trigger_without_a_date("rd_producer")
    monkeypatch.setattr(type(bag[1].dags["rd_producer"].get_task("main")), "execute", lambda self, context: None)
    _, _, states = run_task(bag, scheduler, "rd_producer", produced, monkeypatch)
    assert states == ["success"]
    scheduler.tick()
    with _session() as session:
        (consumer,) = session.scalars(select(DagRun).where(DagRun.dag_id == "rd_on_asset")).all()
        assert (consumer.run_type, consumer.logical_date) == ("asset_triggered", None)
        run, run_after = consumer.run_id, consumer.run_after
    seen, _, states = run_task(bag, scheduler, "rd_on_asset", run, monkeypatch)
    assert states == ["success"]
    assert seen[0][0] == ["--date", run_after.strftime("%Y-%m-%d"), f"--at={run_after.isoformat()}"]


def test_ds_alone_fails_to_render_on_a_run_without_a_logical_date(bag, scheduler, monkeypatch) -> None:
    """The failure this prevents: the task fails before its pod is created."""
    activate("rd_ds")
    run = trigger_without_a_date("rd_ds")
    seen, _, states = run_task(bag, scheduler, "rd_ds", run, monkeypatch)
    assert seen == []  # never reached execute: rendering failed
    assert states in (["failed"], ["up_for_retry"])
