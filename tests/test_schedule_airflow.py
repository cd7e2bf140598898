"""Every schedule Airflow accepts is accepted, and every one it refuses is refused.

Airflow's verdict is taken from Airflow itself, the way the DAG processor reaches it
for a ``schedule=`` string: ``DAG(schedule=...)`` builds the timetable
(``_create_timetable`` in airflow/sdk/definitions/dag.py: a ``CronTriggerTimetable``
by default), ``dag.validate()`` is what the DAG bag calls before it keeps a DAG
(the timetable's ``validate()``, ``CronMixin`` in
airflow/sdk/definitions/timetables/_cron.py, is where croniter judges the
expression), and ``DagSerialization.to_dict`` is the processor's next step
(``_serialize_dags``), which rebuilds the timetable as the scheduler's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import BASE_ANSWERS, load_dagbag, write_dag

from createdag import schedule
from createdag.errors import BadValue

pytestmark = pytest.mark.airflow

START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

ACCEPTED = [
    # what the plain parser reads
    "30 6 * * 1-5", "*/15 * * * *", "0 0 29 2 *", "00 00 01 01 *", "0 0 1-31/2 * *", "59/15 * * * *", "*/60 * * * *",
    # names, lower and mixed case
    "0 0 * * mon", "0 0 * jan *", "0 22 * * sun-thu", "0 0 * * SUN-THU", "0 0 * * mOn", "0 0 * Dec *",
    # croniter's own reading: 7 and 0-7 are Sunday, backwards ranges wrap, equal ranges are the whole field
    "0 0 * * 7", "0 0 * * 0-7", "0 0 * * 7-1", "5-1 * * * *", "0 0 * dec-feb *", "0 0 5-5 * *", "1-1/3 * * * *",
    "0 0 0-0 * *", "0 0 1-5,* * 1", "*,5 * * * *",
    # L, W, #, ? (read by croniter only)
    "0 0 L * *", "0 0 l * *", "0 0 L 2 *", "0 0 25-L * *", "0 0 L,15 * *", "0 0 15W * *", "0 0 W15 * *",
    "0 0 1W * *", "0 9 * * 1#2", "0 9 * * MON#1", "0 0 * * mon#2", "0 0 * * 1#5", "0 0 * * 7#1", "0 0 * * L5",
    "0 0 * * l0", "0 0 * * 1#2,3#1", "0 0 ? * *", "0 0 * * ?", "0 0 ? * ?",
    # R: a random value croniter draws
    "R * * * *", "0 R * * *",
    # a 6th field (seconds, croniter's order) and a 7th (year)
    "* * * * * *", "*/5 * * * * 30", "0 0 L 2 * 30", "* * * * * 59", "0 0 1 1 * 0 2030", "0 6 * * 1-5 0 2030-2040/2",
    "* * * * * * *",
    # presets: Airflow's (as written), croniter's (any case), and the two that are not cron
    "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@midnight", "@annually",
    "@DAILY", "@Midnight", "@ANNUALLY", "@once", "@continuous",
]  # fmt: skip

REFUSED = [
    # not a preset: @reboot, or a preset in a case only croniter forgives (it has no @quarterly)
    "@reboot", "@every 5m", "@nightly", "@Quarterly", "@QUARTERLY", "@ONCE", "@Continuous", "@",
    # H needs a hash id, which Airflow never passes
    "H * * * *", "H H * * *", "H(0-10) * * * *",
    # extended syntax croniter refuses
    "0 0 LW * *", "0 0 * * 5L", "0 0 * * L", "0 0 L-2 * *", "0 0 W * *", "0 0 15W,1 * *", "0 0 32W * *",
    "0 0 0W * *", "0 0 * * 1#6", "0 0 * * 1#0", "0 0 * * 1#2,3", "? * * * *", "0 0 ?5 * *", "0 ? * * *",
    # out of range, in every field
    "60 * * * *", "0 24 * * *", "0 0 32 * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * 0 *", "0 0 * * 8", "0 0 * * 08",
    "5-70 * * * *", "0 0 0-5 * *", "0 0 * * 0-8", "60/5 * * * *", "* * * * * 60", "0 0 1 1 * 0 2100",
    "0 0 1 1 * 0 1969",
    # wrong number of fields
    "garbage", "* * * *", "0 0 0 * * * *", "1 2 3 4 5 6 7 8", "30 6 * *",
    # steps, lists and junk
    "*/0 * * * *", "5/0 * * * *", "*/ * * * *", "5/ * * * *", "0 0 * * 1,,2", "1, * * * *", "-1 * * * *",
    "*-5 * * * *", "1-2-3 * * * *", "1/2/3 * * * *", "+1 * * * *", "~ * * * *", "x * * * *", "**/5 * * * *",
    # names where they do not belong, or spelt out
    "0 0 mon * *", "0 0 * * monday", "0 0 * * jan", "jan * * * *",
    # digits croniter does not read, and a no-break space (not a field separator for croniter)
    "\uff10 0 * * *", "\u0663 * * * *", "\u00b2 * * * *", "0\u00a00 * * * *",
]  # fmt: skip

#: Airflow parses these (validate() passes), but its scheduler finds no run: ``next_dagrun_info``
#: raises croniter's CroniterBadDateError. The tool refuses them on purpose.
NEVER_RUNS = ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6 *", "0 0 15 * 1#2", "0 0 1 1 * 0 2020"]


def _dag(expression: str | None):
    from airflow.sdk import DAG

    return DAG(dag_id="schedule_check", schedule=expression, start_date=START, max_active_runs=1)


def airflow_accepts(expression: str | None) -> bool:
    """Does the DAG processor keep a DAG with ``schedule=expression`` (no import error)?"""
    from airflow.serialization.serialized_objects import DagSerialization

    try:
        dag = _dag(expression)
        dag.validate()
        DagSerialization.to_dict(dag)
    except Exception:  # noqa: BLE001 - the DAG bag records any error as an import error
        return False
    return True


def tool_accepts(expression: str) -> bool:
    try:
        schedule.normalize_schedule(expression)
    except BadValue as error:
        assert "\n" not in str(error), "errors stay one line"
        return False
    return True


@pytest.mark.parametrize("expression", ACCEPTED)
def test_accepted_by_airflow_and_by_the_tool(expression: str) -> None:
    assert airflow_accepts(expression), "the table is wrong: Airflow refuses it"
    assert tool_accepts(expression)
    normalized = schedule.normalize_schedule(expression)
    assert airflow_accepts(normalized), "what the tool writes is what Airflow takes"
    hint = schedule.live_hint(expression)
    assert "\n" not in hint and not hint.startswith("cron: minute hour")  # said back, or "no preview"


@pytest.mark.parametrize("expression", REFUSED)
def test_refused_by_airflow_and_by_the_tool(expression: str) -> None:
    assert not airflow_accepts(expression), "the table is wrong: Airflow accepts it"
    assert not tool_accepts(expression)


@pytest.mark.parametrize("expression", NEVER_RUNS)
def test_schedules_that_never_run_are_refused(expression: str) -> None:
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.timetables.base import TimeRestriction
    from croniter import CroniterBadDateError

    assert airflow_accepts(expression)
    timetable = DagSerialization.from_dict(DagSerialization.to_dict(_dag(expression))).timetable
    with pytest.raises(CroniterBadDateError):
        timetable.next_dagrun_info(
            last_automated_data_interval=None, restriction=TimeRestriction(START, None, catchup=True)
        )
    with pytest.raises(BadValue, match="never matches"):
        schedule.normalize_schedule(expression)


def test_no_schedule_is_airflow_none() -> None:
    for text in (None, "", "None", "manual"):
        assert schedule.normalize_schedule(text) is None
    assert airflow_accepts(None)


def test_every_preset_offered_is_one_airflow_accepts() -> None:
    offered = [*schedule.CRON_PRESETS, *schedule.SPECIAL_SCHEDULES]
    assert set(offered) <= set(ACCEPTED)
    assert all(airflow_accepts(preset) for preset in offered)


def test_presets_are_airflows_own() -> None:
    from airflow.sdk.definitions.timetables._cron import CRON_PRESETS
    from airflow.utils.dates import cron_presets

    assert schedule.AIRFLOW_PRESETS == CRON_PRESETS == cron_presets


def test_croniter_aliases_are_croniters_own() -> None:
    from croniter import croniter

    for alias, expression in schedule.CRONITER_ALIASES.items():
        assert croniter(alias.upper()).expanded == croniter(expression).expanded


def test_live_hint_for_what_only_croniter_reads() -> None:
    assert schedule.live_hint("0 0 L * *").startswith("at 00:00, on the last day of the month; next: ")


@pytest.mark.parametrize("expression", ["0 9 * * MON#1", "0 0 L * *", "*/5 * * * * 30", "@midnight", "@DAILY"])
def test_written_dag_loads_with_that_schedule(dags_dir: Path, expression: str) -> None:
    path = write_dag(dags_dir, dag_id="scheduled", schedule=expression)
    bag = load_dagbag(dags_dir, path)
    assert bag.import_errors == {}
    timetable = bag.dags["scheduled"].timetable
    assert type(timetable).__name__ == "CronTriggerTimetable"  # Airflow 3's default: runs at the time named
    written = schedule.normalize_schedule(expression)
    assert written is not None
    assert timetable.expression == schedule.AIRFLOW_PRESETS.get(written, written)  # croniter resolves the rest


def test_sensor_offset_against_an_upstream_only_croniter_reads(dags_dir: Path) -> None:
    from createdag.answers import resolve
    from createdag.settings import Settings

    write_dag(dags_dir, dag_id="extract", schedule="0 5 L * *", task_id="load")
    answers, _ = resolve({**BASE_ANSWERS, "dag_id": "report", "schedule": "30 6 L * *", "external_dag_id": "extract",
                          "external_task_id": "load"}, Settings(output_dir=dags_dir))  # fmt: skip
    assert answers["external_delta_minutes"] == 90
