"""Schedules (issue 15): 'every N minutes' as a timedelta schedule, and data intervals on request
(Airflow 2's CronDataIntervalTimetable), checked against the timetables Airflow builds from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from helpers import BASE_ANSWERS

from createdag import schedule as schedules
from createdag.errors import BadValue, InvalidAnswers
from createdag.settings import Settings


@pytest.mark.parametrize(
    ("typed", "canonical", "args"),
    [
        ("every 15 minutes", "every 15 minutes", {"minutes": 15}),
        ("Every  2 Hours", "every 2 hours", {"hours": 2}),
        ("every hour", "every 1 hour", {"hours": 1}),
        ("every 1 days", "every 1 day", {"days": 1}),
        ("every 90 minute", "every 90 minutes", {"minutes": 90}),
    ],
)
def test_every_n_is_a_timedelta_schedule(typed: str, canonical: str, args: dict[str, int]) -> None:
    assert schedules.normalize_schedule(typed) == canonical
    assert schedules.timedelta_args(canonical) == args
    assert schedules.describe(canonical).startswith(f"{canonical}, counted from the start date")
    assert schedules.next_runs(canonical, dt.datetime(2026, 1, 1)) == []
    assert schedules.live_hint(typed).startswith(canonical)


@pytest.mark.parametrize("typed", ["every 0 minutes", "every 15 mins", "every fortnight", "every -1 hours"])
def test_bad_every_schedules_are_refused(typed: str) -> None:
    with pytest.raises(BadValue):
        schedules.normalize_schedule(typed)


def write(dags: Path, **given: Any) -> Any:
    from helpers import load_dagbag

    from createdag.create import create

    created = create([{**BASE_ANSWERS, **given}], Settings(output_dir=dags), source="test")
    bag = load_dagbag(dags, created.paths[0])
    assert bag.import_errors == {}
    return created.paths[0].read_text(encoding="utf-8"), bag.dags[BASE_ANSWERS["dag_id"]]


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("given", "line", "timetable"),
    [
        ({"schedule": "every 15 minutes"}, "schedule=datetime.timedelta(minutes=15),", "DeltaTriggerTimetable"),
        ({"schedule": "every 15 minutes", "data_intervals": True},
         "schedule=DeltaDataIntervalTimetable(datetime.timedelta(minutes=15)),", "DeltaDataIntervalTimetable"),
        ({"schedule": "30 6 * * 1-5", "timezone": "Europe/Paris", "data_intervals": True},
         'schedule=CronDataIntervalTimetable("30 6 * * 1-5", timezone="Europe/Paris"),',
         "CronDataIntervalTimetable"),
        ({"schedule": "@daily", "data_intervals": False}, 'schedule="@daily",', "CronTriggerTimetable"),
    ],
)  # fmt: skip
def test_schedules_render_as_the_timetable_airflow_builds(
    tmp_path: Path, given: dict, line: str, timetable: str
) -> None:
    source, dag = write(tmp_path / "dags", **given)
    assert f"    {line}\n" in source
    assert type(dag.timetable).__name__ == timetable


def core(dag: Any) -> Any:
    """The scheduler's timetable for the DAG's (the SDK's is a definition only)."""
    from airflow.serialization.encoders import coerce_to_core_timetable

    return coerce_to_core_timetable(dag.timetable)


@pytest.mark.airflow
def test_data_intervals_keep_airflow_2_semantics(tmp_path: Path) -> None:
    """The run with logical date 06:00 covers the day before its start, and starts a day later."""
    import pendulum
    from airflow.timetables.base import TimeRestriction

    _, dag = write(tmp_path / "dags", schedule="0 6 * * *", data_intervals=True)
    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    info = core(dag).next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(start, None, catchup=True)
    )
    six = pendulum.datetime(2026, 1, 1, 6, tz="UTC")
    assert tuple(info.data_interval) == (six, six.add(days=1))
    assert info.run_after == six.add(days=1)


@pytest.mark.airflow
def test_every_n_minutes_runs_every_n_minutes_from_the_start_date(tmp_path: Path) -> None:
    import pendulum
    from airflow.timetables.base import DataInterval, TimeRestriction

    _, dag = write(tmp_path / "dags", schedule="every 15 minutes", catchup=True)
    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    restriction = TimeRestriction(start, None, catchup=True)
    timetable = core(dag)
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    second = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(first.logical_date, first.logical_date), restriction=restriction
    )
    assert second.run_after - first.run_after == dt.timedelta(minutes=15)


def test_data_intervals_need_a_schedule_with_run_times(tmp_path: Path) -> None:
    from createdag.answers import resolve

    for schedule in (None, "@once", "@continuous"):
        with pytest.raises(InvalidAnswers, match="data intervals need a cron, preset or 'every N' schedule"):
            resolve({**BASE_ANSWERS, "schedule": schedule, "data_intervals": True}, Settings(output_dir=tmp_path))


def test_a_sensor_on_an_every_n_upstream_is_not_aligned_as_cron(tmp_path: Path) -> None:
    assert not schedules.is_cron("every 15 minutes")
    assert schedules.is_cron("@daily")
