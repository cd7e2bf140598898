"""Cross-DAG waits: the upstream is read from source, never imported, and misalignment is caught."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, load_dagbag, resolve_answers, write_dag
from createdag import gallery, upstream
from createdag.errors import InvalidAnswers

AFTER = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)


def test_reads_schedule_timezone_and_tasks_without_importing(dags_dir: Path) -> None:
    (dags_dir / "explodes.py").write_text(
        "raise SystemExit('imported!')\n"
        "from airflow.sdk import DAG\nimport pendulum\n"
        "with DAG(dag_id='extract', schedule='0 5 * * *', start_date=pendulum.datetime(2026, 1, 1, tz='Europe/Paris')):\n"
        "    A(task_id='load')\n    B(task_id='publish')\n"
    )
    found = upstream.find_upstream(dags_dir, "extract")
    assert found is not None
    assert (found.schedule, found.timezone, found.task_ids) == ("0 5 * * *", "Europe/Paris", {"load", "publish"})
    assert found.task_ids_complete


def test_values_named_once_above_the_dag_are_read_as_python_sees_them(dags_dir: Path) -> None:
    """The index and the upstream reader read the file through the one DAG model (``dagmodel``)."""
    (dags_dir / "named.py").write_text(
        "from airflow.sdk import DAG, Asset\n"
        "DAG_ID = 'named'\nSCHEDULE = '0 5 * * *'\nTASK = 'load'\n"
        "with DAG(dag_id=DAG_ID, schedule=SCHEDULE):\n"
        "    ORDERS = Asset('s3://lake/orders')\n"
        "    A(task_id=TASK, outlets=[ORDERS])\n"
        "    RETRIED = 1\n    RETRIED = 2\n"
        "    B(task_id='t', outlets=[Asset(f's3://lake/{RETRIED}')])\n"  # bound twice: not a literal
    )
    assert upstream.dag_ids_in(dags_dir) == {"named": dags_dir / "named.py"}
    found = upstream.find_upstream(dags_dir, "named")
    assert found is not None
    assert (found.schedule, found.task_ids, found.outlets) == ("0 5 * * *", {"load", "t"}, {"s3://lake/orders"})
    assert upstream.asset_producers(dags_dir) == {"s3://lake/orders": [("named", dags_dir / "named.py")]}


MANY_DAGS = """
from airflow.sdk import DAG, dag
DAG_ID = "by_name"
ARGS = {"dag_id": "by_spread", "schedule": None}
PREFIX = "team"
with DAG(DAG_ID, schedule=None):
    pass
with DAG(**ARGS):
    pass
DAG(dag_id=f"{PREFIX}_joined")
DAG(dag_id=PREFIX + "_added")
DAG(dag_id=computed())
for i in range(2):
    DAG(dag_id=f"loop_{i}")

@dag(schedule=None)
def decorated():
    pass

@dag(dag_id="given")
def named():
    pass
"""


def test_the_index_reads_dag_ids_as_the_dag_model_does(tmp_path: Path) -> None:
    import ast
    import os

    from createdag import dagmodel

    tree = ast.parse(MANY_DAGS)
    expected = sorted(["by_name", "by_spread", "team_joined", "team_added", "decorated", "given"])
    assert sorted(dagmodel.dag_ids(tree)) == expected
    assert sorted(d.dag_id for d in dagmodel.DagFile.parse(tree).dags if isinstance(d.dag_id, str)) == expected
    corpus = Path(os.environ.get("CREATE_DAG_CORPUS") or REPO.parent / "shared" / "corpus")
    for path in sorted(corpus.rglob("*.py")) if corpus.is_dir() else ():
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        whole = [d.dag_id for d in dagmodel.DagFile.parse(tree).dags if isinstance(d.dag_id, str)]
        assert dagmodel.dag_ids(tree) == whole, path


def test_dynamic_task_ids_are_not_checked(dags_dir: Path) -> None:
    (dags_dir / "dyn.py").write_text(
        "from airflow.sdk import DAG\nwith DAG('dyn', schedule=None):\n    for i in range(3):\n        A(task_id=f't{i}')\n"
    )
    found = upstream.find_upstream(dags_dir, "dyn")
    assert found is not None and not found.task_ids_complete
    resolve_answers(dags_dir, external_dag_id="dyn", external_task_id="t1")  # no false alarm


@pytest.mark.parametrize(
    ("ours", "our_tz", "theirs", "their_tz", "expected"),
    [
        ("30 6 * * *", "UTC", "0 5 * * *", "UTC", 90),
        ("0 6 * * *", "UTC", "0 6 * * *", "UTC", 0),
        ("0 7 * * *", "Europe/Paris", "0 6 * * *", "UTC", 0),  # 07:00 Paris is 06:00 UTC in winter...
        ("0 * * * *", "UTC", "0 0 * * *", "UTC", None),  # hourly waiting on daily: no fixed offset
        ("0 6 * * 1", "UTC", "0 6 * * *", "UTC", 0),  # weekly on a daily upstream: same day lines up
        ("0 6 * * *", "UTC", "0 6 * * 1", "UTC", None),  # daily on a weekly upstream: does not
    ],
)
def test_suggest_delta(ours, our_tz, theirs, their_tz, expected) -> None:
    winter = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    assert upstream.suggest_delta(ours, our_tz, theirs, their_tz, winter) == expected


def test_dst_breaks_a_cross_timezone_offset() -> None:
    """...but not in summer: the same pair drifts by an hour across DST, so over a year no offset holds."""
    spring = dt.datetime(2027, 3, 20, tzinfo=dt.timezone.utc)
    assert not upstream.lines_up("0 7 * * *", "Europe/Paris", "0 6 * * *", "UTC", 0, spring, samples=20)


def test_wrong_offset_refused_with_the_right_one(dags_dir: Path) -> None:
    write_dag(dags_dir, dag_id="extract", schedule="0 5 * * *")
    with pytest.raises(InvalidAnswers) as info:
        resolve_answers(dags_dir, dag_id="report", schedule="30 6 * * *", external_dag_id="extract",
                        external_delta_minutes=0)  # fmt: skip
    assert "external_delta_minutes" in str(info.value) and "use 90" in str(info.value)


def test_offset_defaults_to_the_computed_one(dags_dir: Path) -> None:
    write_dag(dags_dir, dag_id="extract", schedule="0 5 * * *")
    answers = resolve_answers(dags_dir, dag_id="report", schedule="30 6 * * *", external_dag_id="extract")
    assert answers["external_delta_minutes"] == 90


def test_unknown_upstream_task_refused(dags_dir: Path) -> None:
    write_dag(dags_dir, dag_id="extract", task_id="load")
    with pytest.raises(InvalidAnswers, match="has no task 'lod': its tasks are load"):
        resolve_answers(dags_dir, dag_id="report", external_dag_id="extract", external_task_id="lod")


@pytest.mark.parametrize(("value", "message"), [("report", "cannot wait for itself"), ("bad id", "use only letters")])
def test_bad_upstream_dag_id(dags_dir: Path, value: str, message: str) -> None:
    with pytest.raises(InvalidAnswers, match=message):
        resolve_answers(dags_dir, dag_id="report", external_dag_id=value)


def test_misaligned_manual_upstream_warns(dags_dir: Path) -> None:
    from createdag.answers import resolve
    from createdag.settings import Settings

    write_dag(dags_dir, dag_id="adhoc", schedule=None)
    _, notices = resolve(
        {"dag_id": "report", "image": "a:1", "external_dag_id": "adhoc"}, Settings(output_dir=dags_dir)
    )
    assert any("will time out" in notice for notice in notices)


@pytest.mark.airflow
def test_sensor_dag_loads_with_the_sensor_wired(dags_dir: Path) -> None:
    write_dag(dags_dir, dag_id="extract", schedule="0 5 * * *", task_id="load")
    path = write_dag(dags_dir, dag_id="report", schedule="30 6 * * *", external_dag_id="extract",
                     external_task_id="load", alerts=["failure", "success"], sensor_timeout_minutes=60,
                     sensor_poke_interval_seconds=120)  # fmt: skip
    bag = load_dagbag(dags_dir, path)
    assert bag.import_errors == {}
    dag = bag.dags["report"]
    sensor, pod = dag.get_task("wait_for_upstream"), dag.get_task("main")
    assert type(sensor).__name__ == "ExternalTaskSensor"
    assert (sensor.external_dag_id, sensor.external_task_id) == ("extract", "load")
    assert sensor.execution_delta == dt.timedelta(minutes=90)
    assert (sensor.mode, sensor.poke_interval, sensor.timeout) == ("reschedule", 120, 3600)
    assert sensor.allowed_states == ["success"] and "failed" in sensor.failed_states
    assert sensor.check_existence is True
    assert not sensor.on_success_callback  # the success alert comes from the pod only...
    assert [n.event for n in pod.on_success_callback] == ["success"]  # ...which has it
    assert sensor.on_failure_callback  # a timed-out wait does alert
    assert pod.upstream_task_ids == {"wait_for_upstream"}


@pytest.mark.airflow
def test_whole_dag_wait_uses_dag_run_states(dags_dir: Path) -> None:
    path = write_dag(dags_dir, dag_id="report", external_dag_id="elsewhere")
    sensor = load_dagbag(dags_dir, path).dags["report"].get_task("wait_for_upstream")
    assert sensor.external_task_id is None
    assert sensor.failed_states == ["failed"]


@pytest.mark.airflow
def test_parallel_pods_are_mapped(dags_dir: Path) -> None:
    path = write_dag(dags_dir, dag_id="sharded", shards=4)
    task = load_dagbag(dags_dir, path).dags["sharded"].get_task("main")
    assert type(task).__name__ == "MappedOperator"
    assert task.partial_kwargs["image"] == "ghcr.io/acme/sales:1.2.0"
    env = task.expand_input.value["env_vars"]
    assert env == [{"SHARD": str(i), "SHARDS": "4"} for i in range(4)]


@pytest.mark.airflow
def test_every_gallery_example_loads(tmp_path: Path) -> None:
    dags = tmp_path / "gallery"
    for name in gallery.EXAMPLES:
        if not (dags / f"{gallery.dag_id(name)}.py").exists():  # "parent" comes with "child"
            gallery.write_example(name, dags)
    bag = load_dagbag(dags)
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {gallery.dag_id(name) for name in gallery.EXAMPLES}
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "AIR", "--preview",
                             str(dags)], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_example_cli(tmp_path: Path) -> None:
    run = [sys.executable, str(REPO / "create_dag.py")]
    listing = subprocess.run([*run, "--example", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert "depends_on_past_on" in listing.stdout and "pipeline" in listing.stdout and listing.returncode == 0
    bare = subprocess.run([*run, "--example"], capture_output=True, text=True, cwd=tmp_path)
    assert bare.returncode == 0 and bare.stdout == listing.stdout  # no name: the list
    made = subprocess.run([*run, "--example", "child"], capture_output=True, text=True, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "dags").glob("*.py")) == ["gallery_child.py", "gallery_parent.py"]
    again = subprocess.run([*run, "--example", "wait_for_downstream_on"], capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # the parent is already there and is not rewritten
    unknown = subprocess.run([*run, "--example", "nope"], capture_output=True, text=True, cwd=tmp_path)
    assert unknown.returncode == 1 and "--example list" in unknown.stderr


def test_waiting_on_a_mapped_task_is_refused(dags_dir: Path) -> None:
    """ExternalTaskSensor never succeeds on a mapped task (test_engine_behaviour proves it): refuse it."""
    write_dag(dags_dir, dag_id="fanout", shards=3)
    with pytest.raises(InvalidAnswers, match="wait for main_done, which ends once every pod has, or leave "):
        resolve_answers(dags_dir, dag_id="report", external_dag_id="fanout", external_task_id="main")
    resolve_answers(dags_dir, dag_id="report", external_dag_id="fanout")  # the whole run is fine
    resolve_answers(dags_dir, dag_id="report2", external_dag_id="fanout", external_task_id="main_done")


def test_waiting_on_a_mapped_task_of_the_same_batch_is_refused(tmp_path: Path) -> None:
    from createdag import generate
    from createdag.settings import Settings

    entries = [{"dag_id": "fanout", "image": "a:1", "shards": 4},
               {"dag_id": "report", "image": "a:1", "external_dag_id": "fanout", "external_task_id": "main"}]
    with pytest.raises(InvalidAnswers, match="mapped"):
        generate.resolve_all(entries, {}, Settings(output_dir=tmp_path / "dags"), "batch")


def test_repo_index_is_read_once_and_refreshed_when_files_come(dags_dir: Path, monkeypatch) -> None:
    calls = []
    real = upstream.index_of
    monkeypatch.setattr(upstream, "index_of", lambda root: calls.append(root) or real(root))
    upstream._index_at.cache_clear()
    assert upstream.dag_ids_in_cached(dags_dir) == {}
    assert upstream.dag_ids_in_cached(dags_dir) == {}
    assert len(calls) == 1  # the second check did not read the repo again
    (dags_dir / "sub").mkdir()
    (dags_dir / "sub" / "late.py").write_text("from airflow.sdk import DAG\nwith DAG('late', schedule=None):\n    pass\n")
    assert upstream.dag_ids_in_cached(dags_dir) == {"late": dags_dir / "sub" / "late.py"}
