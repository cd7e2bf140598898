"""Each DAG option does what its help text says, proven on the real Airflow 3.3 engine.

The gallery DAGs are written into a temp folder, parsed by ``BundleDagBag`` and
written to a real metadata DB (SQLite in the session's AIRFLOW_HOME) by
``sync_bag_to_db``, as the DAG processor does. Then:

* the scheduler is Airflow's own ``SchedulerJobRunner``: each ``tick()`` is one
  pass of its loop (``_do_scheduling``: create runs, start queued runs, decide
  which task instances are ready, queue them to the executor within the
  max_active_tasks and pool limits);
* the executor accepts what the scheduler queues and runs nothing: the test
  plays the worker, reporting a queued task instance as succeeded or failed,
  as the task runner would once its pod finished (no cluster here);
* the sensor really runs: the SDK task runner executes ExternalTaskSensor
  against the in-process Execution API, as ``dag.test()`` does, and pokes the
  metadata DB through it;
* catchup is read off the timetable the scheduler uses
  (``SerializedDAG.next_dagrun_info``), and off the runs the scheduler creates.

The option tests are paired: the "_on" example must behave one way and the
"_off" example the other, so flipping the option in the gallery fails a test
on what the engine does, not only on the DAG's attribute. A few DAGs beside
the gallery (rendered by the same pipeline from gallery answers with one
change) show what docs/options.md warns about: max_active_tasks counting per
run, a sensor waiting on a task with parallel pods. Each test's name is the
one docs/options.md cites.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.airflow,
    # The session's generated [api_auth] jwt_secret is short; irrelevant to what is tested here.
    pytest.mark.filterwarnings("ignore:The HMAC key is"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),  # the in-process API
]

UTC = dt.timezone.utc
START = dt.datetime(2026, 1, 1, tzinfo=UTC)  # the gallery's start_date
# Not gallery examples, rendered by the same pipeline from gallery answers with one change each:
#: max_active_tasks_on with max_active_runs=2, to show that the limit counts per run.
TWO_RUNS = "max_active_tasks_two_runs"
#: the parent with three parallel pods, and two children: one waits for its task, one for its run.
SHARDED = "sharded_parent"
WAITS_FOR_TASK = "waits_for_sharded_task"
WAITS_FOR_RUN = "waits_for_sharded_run"
VARIANTS = (TWO_RUNS, SHARDED, WAITS_FOR_TASK, WAITS_FOR_RUN)


def dag_id(name: str) -> str:
    from createdag.gallery import EXAMPLES
    from createdag.gallery import dag_id as gallery_dag_id

    return gallery_dag_id(name) if name in EXAMPLES else name


# --- the engine --------------------------------------------------------------------------------------


@dataclass
class Gallery:
    dags_dir: Path
    bag: Any  # airflow.dag_processing.dagbag.BundleDagBag

    def sdk_dag(self, name: str):
        return self.bag.dags[dag_id(name)]


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gallery]:
    """A migrated metadata DB holding every gallery DAG, as the DAG processor would leave it."""
    from helpers import write_dag

    from createdag.gallery import EXAMPLES, write_example

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)

    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    dags_dir = tmp_path_factory.mktemp("gallery")
    for name in EXAMPLES:
        write_example(name, dags_dir, force=True)  # force: "parent" was already written as a need
    write_dag(
        dags_dir, **{**EXAMPLES["max_active_tasks_on"]["answers"], "dag_id": TWO_RUNS, "max_active_runs": 2}
    )
    child = {**EXAMPLES["child"]["answers"], "external_dag_id": SHARDED}
    # Written before their upstream, as when it lives elsewhere: nothing to check it against.
    write_dag(dags_dir, **{**child, "dag_id": WAITS_FOR_TASK, "external_task_id": "main"})
    write_dag(dags_dir, **{**child, "dag_id": WAITS_FOR_RUN, "external_task_id": ""})
    write_dag(dags_dir, **{**EXAMPLES["parent"]["answers"], "dag_id": SHARDED, "shards": 3})
    bag = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir, safe_mode=False)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {dag_id(n) for n in EXAMPLES} | set(VARIANTS)
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    try:
        yield Gallery(dags_dir, bag)
    finally:
        while str(dags_dir) in sys.path:
            sys.path.remove(str(dags_dir))
        sys.modules.pop("teams_alerts", None)


def _session():
    from airflow.utils.session import create_session

    return create_session()


def serialized_dag(name: str, session):
    """The scheduler's view of the DAG: the latest serialized version in the DB."""
    from airflow.models.dagbag import DBDagBag

    dag = DBDagBag().get_latest_version_of_dag(dag_id(name), session=session)
    assert dag is not None
    return dag


def activate(*names: str) -> None:
    """Unpause these DAGs only, with no runs, as just parsed; every other DAG is paused."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    ids = {dag_id(n) for n in names}
    with _session() as session:
        for run in session.scalars(select(DagRun).where(DagRun.dag_id.in_(ids))):
            session.delete(run)
        session.flush()
        for model in session.scalars(select(DagModel)):
            model.is_paused = model.dag_id not in ids
            if model.dag_id in ids:
                model.exceeds_max_non_backfill = False
                dag = DBDagBag().get_latest_version_of_dag(model.dag_id, session=session)
                model.calculate_dagrun_date_fields(dag=dag, reference_run=None)


def create_scheduled_runs(name: str, count: int) -> list[str]:
    """The first ``count`` runs of the timetable from start_date, queued as the scheduler creates them."""
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    with _session() as session:
        dag = serialized_dag(name, session)
        infos = list(dag.iter_dagrun_infos_between(START, START + dt.timedelta(days=count - 1)))
        assert len(infos) == count
        run_ids = []
        for info in infos:
            run_id = dag.timetable.generate_run_id(
                run_type=DagRunType.SCHEDULED, run_after=info.run_after, data_interval=info.data_interval
            )
            dag.create_dagrun(
                run_id=run_id,
                logical_date=info.logical_date,
                data_interval=info.data_interval,
                run_after=info.run_after,
                run_type=DagRunType.SCHEDULED,
                triggered_by=DagRunTriggeredByType.TIMETABLE,
                state=DagRunState.QUEUED,
                session=session,
            )
            run_ids.append(run_id)
    return run_ids


def run_states(name: str) -> dict[str, str]:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    with _session() as session:
        runs = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id(name)).order_by(DagRun.logical_date)
        ).all()
        return {r.run_id: r.state for r in runs}


def ti_states(name: str, run_id: str, task_id: str = "main") -> list[str | None]:
    """States of a task's instances in a run, by map index."""
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import select

    with _session() as session:
        return list(
            session.scalars(
                select(TI.state)
                .where(TI.dag_id == dag_id(name), TI.run_id == run_id, TI.task_id == task_id)
                .order_by(TI.map_index)
            )
        )


def failed_deps(name: str, run_id: str, task_id: str = "main") -> dict[str, str]:
    """Why a task instance may not be queued, as the UI's Task Instance > Dependencies shows it."""
    from airflow.models.dagbag import DBDagBag
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.ti_deps.dep_context import DepContext
    from airflow.ti_deps.dependencies_deps import SCHEDULER_QUEUED_DEPS
    from sqlalchemy import select

    with _session() as session:
        ti = session.scalars(
            select(TI)
            .where(TI.dag_id == dag_id(name), TI.run_id == run_id, TI.task_id == task_id)
            .order_by(TI.map_index)
        ).first()
        ti.task = DBDagBag().get_dag_for_run(ti.dag_run, session=session).get_task(task_id)
        return {
            d.dep_name: d.reason
            for d in ti.get_failed_dep_statuses(
                dep_context=DepContext(SCHEDULER_QUEUED_DEPS), session=session
            )
        }


def mark(name: str, run_id: str, task_id: str, state: str) -> None:
    """The UI's "Mark as" on a task of a run (the API calls this same method)."""
    with _session() as session:
        serialized_dag(name, session).set_task_instance_state(
            task_id=task_id, run_id=run_id, state=state, session=session
        )


class Scheduler:
    """Airflow's SchedulerJobRunner with an executor that runs nothing; the test is the worker."""

    def __init__(self) -> None:
        from airflow.executors.base_executor import BaseExecutor
        from airflow.executors.executor_utils import ExecutorName
        from airflow.jobs.job import Job
        from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

        class HoldingExecutor(BaseExecutor):
            """Keeps every workload the scheduler queues; never starts a process or a pod."""

            def _process_workloads(self, workloads) -> None:  # pragma: no cover - never heartbeated
                raise AssertionError("the test plays the worker")

        self.executor = HoldingExecutor()
        self.executor.name = ExecutorName(module_path=f"{__name__}.HoldingExecutor", alias="HoldingExecutor")
        job = Job()
        self.runner = SchedulerJobRunner(job=job, executors=[self.executor])
        with _session() as session:
            session.add(job)
        self.job = job

    def tick(self, times: int = 1) -> None:
        """``times`` passes of the scheduler loop's scheduling step, each in its own session like the loop."""
        for _ in range(times):
            with _session() as session:
                self.runner._do_scheduling(session)
                session.expunge_all()

    def queued(self, name: str, run_id: str, task_id: str = "main") -> list[Any]:
        """Workloads the scheduler sent to the executor for this task of this run."""
        return [
            w
            for key, w in self.executor.queued_tasks.items()
            if (key.dag_id, key.run_id, key.task_id) == (dag_id(name), run_id, task_id)
        ]

    def finish(self, name: str, run_id: str, task_id: str, state: str, *, count: int | None = None) -> int:
        """Play the worker: the queued instances of a task end in ``state``, as the task runner reports."""
        from airflow.models.taskinstance import TaskInstance as TI
        from sqlalchemy import select

        workloads = self.queued(name, run_id, task_id)[:count]
        assert workloads, f"the scheduler queued nothing for {name}/{run_id}/{task_id}"
        with _session() as session:
            for workload in workloads:
                self.executor.queued_tasks.pop(workload.key)
                ti = session.scalars(select(TI).where(TI.id == workload.ti.id)).one()
                assert ti.state == "queued"
                ti.state = state
                ti.start_date = ti.start_date or dt.datetime.now(UTC)
                ti.end_date = dt.datetime.now(UTC)
        return len(workloads)

    def complete(self, name: str, run_id: str) -> None:
        """Play the worker until every task of the run succeeded, however the scheduler paces them."""
        for _ in range(20):
            if run_states(name)[run_id] != "running":
                break
            queued = list(self.executor.queued_tasks)
            for task_id in {k.task_id for k in queued if (k.dag_id, k.run_id) == (dag_id(name), run_id)}:
                self.finish(name, run_id, task_id, "success")
            self.tick()
        assert run_states(name)[run_id] == "success"


@pytest.fixture
def scheduler(gallery: Gallery, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scheduler]:
    """A scheduler that only runs the runs a test creates ([scheduler] use_job_schedule = False)."""
    monkeypatch.setenv("AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE", "False")
    yield Scheduler()
    activate()  # pause everything again


@pytest.fixture
def timetable_scheduler(gallery: Gallery, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scheduler]:
    """A scheduler that also creates runs from each DAG's timetable, as in production."""
    monkeypatch.setenv("AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE", "True")
    yield Scheduler()
    activate()


# --- depends_on_past ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "held"), [("depends_on_past_on", True), ("depends_on_past_off", False)])
def test_depends_on_past_holds_the_task_after_a_failed_run(
    gallery: Gallery, scheduler: Scheduler, name: str, held: bool
) -> None:
    assert gallery.sdk_dag(name).get_task("main").depends_on_past is held
    activate(name)
    first, second = create_scheduled_runs(name, 2)
    scheduler.tick()
    assert set(ti_states(name, first)) == {"queued"}
    scheduler.finish(name, first, "main", "failed")
    scheduler.tick(3)

    runs = run_states(name)
    assert runs[first] == "failed"
    assert runs[second] == "running"
    if held:
        assert set(ti_states(name, second)) == {None}
        assert scheduler.queued(name, second) == []
        assert "depends_on_past is true" in failed_deps(name, second)["Previous Dagrun State"]
        # Nothing else holds it: once the failed task is marked success (UI: Mark as > Success), it goes.
        mark(name, first, "main", "success")
        scheduler.tick()
    assert set(ti_states(name, second)) == {"queued"}


def clear(name: str, run_id: str, task_id: str | None = None) -> None:
    """The UI's Clear on a task of a run (or the whole run): the API's call, resetting finished runs to queued."""
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.taskinstance import clear_task_instances
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with _session() as session:
        query = select(TI).where(TI.dag_id == dag_id(name), TI.run_id == run_id)
        if task_id:
            query = query.where(TI.task_id == task_id)
        clear_task_instances(session.scalars(query).all(), session, DagRunState.QUEUED)


def test_depends_on_past_rerunning_the_failed_task_with_one_active_run(
    gallery: Gallery, scheduler: Scheduler
) -> None:
    """Clear sends the failed run back to the queue, behind the next run, which holds the only run
    slot and waits for it: neither moves. Marking the waiting run failed frees the slot."""
    from airflow.api.common.mark_tasks import set_dag_run_state_to_failed

    name = "depends_on_past_on"
    assert gallery.sdk_dag(name).max_active_runs == 1
    activate(name)
    first, second = create_scheduled_runs(name, 2)
    scheduler.tick()
    scheduler.finish(name, first, "main", "failed")
    scheduler.tick(2)

    clear(name, first, "main")
    scheduler.tick(3)
    assert run_states(name) == {first: "queued", second: "running"}  # stuck
    assert (ti_states(name, first), ti_states(name, second)) == ([None], [None])

    with _session() as session:  # the UI's "Mark run as failed" on the waiting run
        set_dag_run_state_to_failed(
            dag=serialized_dag(name, session), run_id=second, commit=True, session=session
        )
    scheduler.tick()
    assert run_states(name) == {first: "running", second: "failed"}
    assert ti_states(name, first) == ["queued"]  # the failed task runs again
    scheduler.complete(name, first)
    clear(name, second)  # then the waiting run, from the start
    scheduler.tick(2)
    assert run_states(name) == {first: "success", second: "running"}
    assert ti_states(name, second) == ["queued"]


# --- wait_for_downstream -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "held"), [("wait_for_downstream_on", True), ("wait_for_downstream_off", False)]
)
def test_wait_for_downstream_holds_the_first_task_until_the_previous_runs_downstream_succeeded(
    gallery: Gallery, scheduler: Scheduler, name: str, held: bool
) -> None:
    sensor = gallery.sdk_dag(name).get_task("wait_for_upstream")
    assert sensor.depends_on_past is True  # in both: only wait_for_downstream differs
    assert sensor.wait_for_downstream is held
    assert sensor.downstream_task_ids == {"main"}
    activate(name)
    first, second = create_scheduled_runs(name, 2)
    scheduler.tick()
    scheduler.finish(name, first, "wait_for_upstream", "success")
    scheduler.tick()
    scheduler.finish(name, first, "main", "failed")  # the previous run's downstream task fails
    scheduler.tick(3)

    runs = run_states(name)
    assert runs[first] == "failed"
    assert runs[second] == "running"
    if held:
        assert ti_states(name, second, "wait_for_upstream") == [None]
        reason = failed_deps(name, second, "wait_for_upstream")["Previous Dagrun State"]
        assert "wait_for_downstream is True" in reason
        mark(name, first, "main", "success")
        scheduler.tick()
    # depends_on_past alone only looks at the task itself, which succeeded in the first run
    assert ti_states(name, second, "wait_for_upstream") == ["queued"]


# --- max_active_runs ---------------------------------------------------------------------------------


def count_active_runs(name: str) -> int:
    return sum(state == "running" for state in run_states(name).values())


@pytest.mark.parametrize(("name", "limit"), [("max_active_runs_on", 1), ("max_active_runs_off", 16)])
def test_max_active_runs_caps_the_running_runs(
    gallery: Gallery, scheduler: Scheduler, name: str, limit: int
) -> None:
    assert gallery.sdk_dag(name).max_active_runs == limit
    activate(name)
    runs = create_scheduled_runs(name, 3)
    seen = []
    for _ in range(3):
        scheduler.tick()
        seen.append(count_active_runs(name))
    assert seen == [min(3, limit)] * 3  # steady: the others wait in state queued
    assert sum(state == "queued" for state in run_states(name).values()) == 3 - min(3, limit)

    # The oldest run finishes; the next queued one starts, and the cap still holds.
    scheduler.complete(name, runs[0])
    scheduler.tick(2)
    states = run_states(name)
    assert states[runs[0]] == "success"
    assert count_active_runs(name) == min(2, limit)
    assert states[runs[1]] == "running"


@pytest.mark.parametrize(("name", "limit"), [("max_active_runs_on", 1), ("max_active_runs_off", 16)])
def test_max_active_runs_caps_the_runs_the_scheduler_creates(
    gallery: Gallery, timetable_scheduler: Scheduler, name: str, limit: int
) -> None:
    """Catching up, the scheduler creates one run per loop, and none while the active ones fill the limit."""
    assert gallery.sdk_dag(name).catchup is True
    activate(name)
    timetable_scheduler.tick(3)
    assert list(run_states(name).values()) == ["running"] * min(3, limit)


# --- max_active_tasks --------------------------------------------------------------------------------

ACTIVE = {"queued", "running"}


@pytest.mark.parametrize(("name", "limit"), [("max_active_tasks_on", 2), ("max_active_tasks_off", 16)])
def test_max_active_tasks_caps_the_active_task_instances_of_a_run(
    gallery: Gallery, scheduler: Scheduler, name: str, limit: int
) -> None:
    assert gallery.sdk_dag(name).max_active_tasks == limit
    activate(name)
    (run,) = create_scheduled_runs(name, 1)
    scheduler.tick(2)
    states = ti_states(name, run)
    assert len(states) == 10  # ten mapped pods
    active = sum(s in ACTIVE for s in states)
    assert active == min(10, limit)
    assert sum(s == "scheduled" for s in states) == 10 - active  # ready, waiting for a slot

    # Each time a pod ends, the slot goes to the next one: never more than the limit at once.
    peak, done = active, 0
    while done < 10:
        done += scheduler.finish(name, run, "main", "success", count=1)
        scheduler.tick()
        states = ti_states(name, run)
        peak = max(peak, sum(s in ACTIVE for s in states))
        assert sum(s == "success" for s in states) == done
    assert peak == min(10, limit)
    scheduler.tick()  # the EmptyOperator after the pods (main_done) ends without a worker, then the run
    assert ti_states(name, run, "main_done") == ["success"]
    assert run_states(name)[run] == "success"


def test_max_active_tasks_counts_per_run_not_per_dag(gallery: Gallery, scheduler: Scheduler) -> None:
    """Airflow 3: each running run gets max_active_tasks slots (Airflow 2's per-DAG 'concurrency' is gone)."""
    dag = gallery.sdk_dag(TWO_RUNS)
    assert (dag.max_active_tasks, dag.max_active_runs) == (2, 2)
    activate(TWO_RUNS)
    runs = create_scheduled_runs(TWO_RUNS, 2)
    scheduler.tick(2)
    assert [sum(s in ACTIVE for s in ti_states(TWO_RUNS, run)) for run in runs] == [2, 2]  # 4 in the DAG


# --- catchup -----------------------------------------------------------------------------------------


def due_runs(name: str) -> list[dt.datetime]:
    """Logical dates of the runs the scheduler would create now, one after the other.

    The scheduler asks ``next_dagrun_info`` for the run after the last one it created
    (``DagModel.calculate_dagrun_date_fields``) and creates it once its run_after has passed.
    """
    with _session() as session:
        dag = serialized_dag(name, session)
    now = dt.datetime.now(UTC)
    dates, info = [], None
    while (info := dag.next_dagrun_info(last_automated_run_info=info)) is not None and info.run_after <= now:
        assert info.run_after == info.logical_date  # CronTriggerTimetable: a run starts at its logical date
        dates.append(info.logical_date)
    return dates


def midnights(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    return [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]


@pytest.mark.parametrize(("name", "catchup"), [("catchup_on", True), ("catchup_off", False)])
def test_catchup_creates_one_run_per_missed_interval_or_only_the_latest(
    gallery: Gallery, name: str, catchup: bool
) -> None:
    dag = gallery.sdk_dag(name)
    assert dag.catchup is catchup
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    today = dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today > START  # the tests assume start_date is in the past
    expected = midnights(START, today) if catchup else [today]
    assert due_runs(name) == expected

    # After a gap (scheduler down, DAG paused): every missed day, or straight to the latest.
    from airflow.timetables.base import DagRunInfo

    week_ago = today - dt.timedelta(days=7)
    with _session() as session:
        after_gap = serialized_dag(name, session).next_dagrun_info(
            last_automated_run_info=DagRunInfo.interval(week_ago, week_ago)
        )
    assert after_gap.logical_date == (week_ago + dt.timedelta(days=1) if catchup else today)


def test_airflow3_cron_runs_start_at_their_logical_date(gallery: Gallery) -> None:
    """What docs/options.md says of CronTriggerTimetable, against Airflow 2's CronDataIntervalTimetable."""
    import pendulum
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable
    from airflow.timetables.trigger import CronTriggerTimetable

    with _session() as session:
        assert type(serialized_dag("catchup_on", session).timetable) is CronTriggerTimetable  # "@daily"
    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    first = {
        type(timetable).__name__: timetable.next_dagrun_info(
            last_automated_data_interval=None, restriction=TimeRestriction(start, None, catchup=True)
        )
        for timetable in (
            CronTriggerTimetable("0 6 * * *", timezone="UTC"),
            CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
        )
    }
    six = pendulum.datetime(2026, 1, 1, 6, tz="UTC")
    trigger, interval = first["CronTriggerTimetable"], first["CronDataIntervalTimetable"]
    assert (trigger.logical_date, trigger.run_after) == (six, six)  # Airflow 3: starts at 06:00 that day
    assert tuple(trigger.data_interval) == (six, six)  # a point in time: data_interval_start == end
    assert (interval.logical_date, interval.run_after) == (six, six.add(days=1))  # Airflow 2: a day later


@pytest.mark.parametrize(("name", "catchup"), [("catchup_on", True), ("catchup_off", False)])
def test_catchup_scheduler_creates_the_runs(
    gallery: Gallery, timetable_scheduler: Scheduler, name: str, catchup: bool
) -> None:
    """The scheduler itself, run for a few loops, with each run completed as soon as it starts."""
    activate(name)
    for _ in range(3):
        timetable_scheduler.tick()
        for run_id, state in run_states(name).items():
            if state == "running":
                timetable_scheduler.complete(name, run_id)
    timetable_scheduler.tick()
    with _session() as session:
        from airflow.models.dagrun import DagRun
        from sqlalchemy import select

        created = session.scalars(
            select(DagRun.logical_date).where(DagRun.dag_id == dag_id(name)).order_by(DagRun.logical_date)
        ).all()
    created = [d.astimezone(UTC) for d in created]
    today = dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if catchup:  # from the oldest missed interval on, one run per day, none skipped
        assert len(created) >= 4
        assert created == midnights(START, created[-1])
    else:  # only the latest; the next is tomorrow's
        assert created == [today]


# --- the cross-DAG sensor ----------------------------------------------------------------------------


def run_for_real(gallery: Gallery, scheduler: Scheduler, name: str, run_id: str, task_id: str) -> str:
    """Be the worker for one queued task instance: run it with the SDK task runner, as dag.test() does.

    The task talks to an in-process Execution API server backed by the metadata DB, so the
    sensor's pokes (``ti.get_ti_count``) and its reschedule go through Airflow's real code paths.
    """
    from airflow.sdk.execution_time.supervisor import run_task_in_process

    (workload,) = scheduler.queued(name, run_id, task_id)
    scheduler.executor.queued_tasks.pop(workload.key)
    task = gallery.sdk_dag(name).get_task(task_id)
    run_task_in_process(ti=workload.ti, task=task)
    (state,) = ti_states(name, run_id, task_id)
    return state


def let_poke_interval_pass(name: str, run_id: str, task_id: str = "wait_for_upstream") -> None:
    """Move the sensor's reschedule date into the past, as waiting poke_interval seconds would."""
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.taskreschedule import TaskReschedule
    from sqlalchemy import select

    with _session() as session:
        ti_id = session.scalar(
            select(TI.id).where(TI.dag_id == dag_id(name), TI.run_id == run_id, TI.task_id == task_id)
        )
        for row in session.scalars(select(TaskReschedule).where(TaskReschedule.ti_id == ti_id)):
            row.reschedule_date -= row.reschedule_date - row.start_date


def test_sensor_reschedules_until_the_upstream_task_succeeded(gallery: Gallery, scheduler: Scheduler) -> None:
    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.models.taskreschedule import TaskReschedule
    from sqlalchemy import select

    sensor = gallery.sdk_dag("child").get_task("wait_for_upstream")
    assert type(sensor).__name__ == "ExternalTaskSensor"
    assert (sensor.external_dag_id, sensor.external_task_ids, sensor.mode) == (
        "gallery_parent",
        ["main"],
        "reschedule",
    )
    assert sensor.execution_delta is None  # same schedule as the parent: same logical dates
    activate("parent", "child")
    (parent_run,) = create_scheduled_runs("parent", 1)
    (child_run,) = create_scheduled_runs("child", 1)  # same logical date: 2026-01-01T00:00Z
    scheduler.tick()
    assert ti_states("parent", parent_run) == ["queued"]  # the parent's pod has not finished

    # First poke: the upstream task has not succeeded, the sensor gives its slot back.
    assert run_for_real(gallery, scheduler, "child", child_run, "wait_for_upstream") == "up_for_reschedule"
    with _session() as session:
        (reschedule,) = session.scalars(
            select(TaskReschedule).join(TaskReschedule.task_instance).where(TI.dag_id == dag_id("child"))
        ).all()
        wait = reschedule.reschedule_date - reschedule.start_date
    assert abs(wait - dt.timedelta(seconds=sensor.poke_interval)) < dt.timedelta(seconds=2)
    scheduler.tick()
    assert ti_states("child", child_run, "wait_for_upstream") == ["up_for_reschedule"]  # not before its time
    assert "Ready To Reschedule" in failed_deps("child", child_run, "wait_for_upstream")
    assert ti_states("child", child_run) == [None]  # main waits for the sensor

    # Still waiting at the next poke while the parent's pod runs.
    let_poke_interval_pass("child", child_run)
    scheduler.tick()
    assert run_for_real(gallery, scheduler, "child", child_run, "wait_for_upstream") == "up_for_reschedule"

    # The upstream succeeds; at the next poke the sensor succeeds and the child's pod starts.
    scheduler.finish("parent", parent_run, "main", "success")
    let_poke_interval_pass("child", child_run)
    scheduler.tick()
    assert ti_states("child", child_run, "wait_for_upstream") == ["queued"]
    assert run_for_real(gallery, scheduler, "child", child_run, "wait_for_upstream") == "success"
    scheduler.tick()
    assert ti_states("child", child_run) == ["queued"]


def test_sensor_fails_at_once_when_the_upstream_task_failed(gallery: Gallery, scheduler: Scheduler) -> None:
    activate("parent", "child")
    (parent_run,) = create_scheduled_runs("parent", 1)
    (child_run,) = create_scheduled_runs("child", 1)
    scheduler.tick()
    scheduler.finish("parent", parent_run, "main", "failed")
    assert run_for_real(gallery, scheduler, "child", child_run, "wait_for_upstream") == "failed"
    scheduler.tick(2)
    assert ti_states("child", child_run) == ["upstream_failed"]
    assert run_states("child")[child_run] == "failed"


def test_every_gallery_sensor_has_an_upstream_run_on_each_of_its_logical_dates(gallery: Gallery) -> None:
    """ExternalTaskSensor looks for the upstream run at its own logical date minus execution_delta.

    If the upstream has no run there (another schedule, or catchup off upstream but on here), the
    sensor reschedules until its timeout, then fails: checked for every run due so far.
    """
    from createdag.gallery import EXAMPLES

    problems = []
    for name in EXAMPLES:
        dag = gallery.sdk_dag(name)
        if "wait_for_upstream" not in dag.task_ids:
            continue
        sensor = dag.get_task("wait_for_upstream")
        delta = sensor.execution_delta or dt.timedelta(0)
        wanted = {d - delta for d in due_runs(name)}
        missing = sorted(wanted - set(due_runs(sensor.external_dag_id)))
        if missing:
            problems.append(
                f"{dag.dag_id} waits for {sensor.external_dag_id} runs that are never created: "
                f"{len(missing)} of its {len(wanted)} runs so far, the first on {missing[0]:%Y-%m-%d %H:%M} "
                f"(catchup={dag.catchup} here, catchup={gallery.sdk_dag(sensor.external_dag_id).catchup} upstream)"
            )
    assert not problems, "\n".join(problems)


def test_sensor_on_a_task_with_parallel_pods_never_succeeds(gallery: Gallery, scheduler: Scheduler) -> None:
    """ExternalTaskSensor(external_task_id=...) counts task instances: N parallel pods count N, not 1.

    Once all three pods of the upstream succeeded, the sensor waiting for the task still
    reschedules (it will time out), while the one waiting for the whole run succeeds.
    """
    assert gallery.sdk_dag(SHARDED).get_task("main").expand_input is not None  # mapped: three pods
    assert gallery.sdk_dag(WAITS_FOR_TASK).get_task("wait_for_upstream").external_task_ids == ["main"]
    assert gallery.sdk_dag(WAITS_FOR_RUN).get_task("wait_for_upstream").external_task_ids is None
    activate(SHARDED, WAITS_FOR_TASK, WAITS_FOR_RUN)
    (upstream,) = create_scheduled_runs(SHARDED, 1)
    (by_task,) = create_scheduled_runs(WAITS_FOR_TASK, 1)
    (by_run,) = create_scheduled_runs(WAITS_FOR_RUN, 1)
    scheduler.tick()
    scheduler.finish(SHARDED, upstream, "main", "success")
    scheduler.tick(2)  # the pods' join (main_done) ends without a worker, then the run
    assert ti_states(SHARDED, upstream) == ["success"] * 3
    assert run_states(SHARDED)[upstream] == "success"

    assert (
        run_for_real(gallery, scheduler, WAITS_FOR_TASK, by_task, "wait_for_upstream") == "up_for_reschedule"
    )
    assert run_for_real(gallery, scheduler, WAITS_FOR_RUN, by_run, "wait_for_upstream") == "success"
