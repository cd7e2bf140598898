"""Assets (issue 15): URIs checked by Airflow's rules, the producing DAGs found from source (never
imported), the asset schedules the template writes, and the prompt's choice next to the sensor."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from helpers import BASE_ANSWERS

from createdag import validators as v
from createdag.errors import BadValue, InvalidAnswers
from createdag.settings import Settings

#: (URI as typed, what Airflow stores or None when Airflow refuses or warns)
URIS = [
    ("s3://lake/sales/daily", "s3://lake/sales/daily"),
    ("S3://lake/sales/daily/", "s3://lake/sales/daily"),
    ("s3://lake/sales?b=2&a=1#part", "s3://lake/sales?a=1&b=2"),
    ("file:///data/sales.csv", "file:///data/sales.csv"),
    ("postgres://db:5432/warehouse/public/orders", "postgres://db:5432/warehouse/public/orders"),
    ("sales_daily", "sales_daily"),  # no scheme: a name, kept as written
    ("x-team:raw//stuff/", "x-team:raw//stuff/"),  # a private scheme: kept as written
    ("gs://bucket", "gs://bucket/"),
    ("http://h/é", "http://h/é"),
    ("a" * 1500, "a" * 1500),
    ("a" * 1501, None),
    ("airflow://dags/x", None),
    ("AIRFLOW://dags/x", None),
    ("s3://user:secret@lake/x", None),
    ("self", None),
    ("context", None),
    ("   ", None),
    ("", None),
    ("http://[::1/x", None),
]


def airflow_verdict(uri: str) -> str | None:
    """What Airflow keeps of ``Asset(uri)``: its URI, or None when it refuses it or warns."""
    from airflow.sdk import Asset

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return Asset(uri).uri
        except (ValueError, TypeError, UserWarning):
            return None


def tool_verdict(uri: str) -> str | None:
    try:
        return v.asset_uri(uri)
    except BadValue:
        return None


@pytest.mark.airflow
@pytest.mark.parametrize(("uri", "expected"), URIS, ids=lambda x: str(x)[:40])
def test_the_tool_agrees_with_airflows_own_asset_validation(uri: str, expected: str | None) -> None:
    assert airflow_verdict(uri) == expected
    assert tool_verdict(uri) == expected


def test_refusals_say_why() -> None:
    for uri, reason in [("airflow://x", "reserved by Airflow"), ("s3://u:p@h/x", "holds a password"),
                        ("a" * 1501, "1500 characters"), ("", "empty")]:  # fmt: skip
        with pytest.raises(BadValue, match=reason):
            v.asset_uri(uri)


# --- answers and the template ------------------------------------------------------------------------


def resolve(tmp_path: Path, **given: Any) -> tuple[dict[str, Any], list[str]]:
    from createdag.answers import resolve as resolve_answers

    return resolve_answers({**BASE_ANSWERS, **given}, Settings(output_dir=tmp_path))


def write(dags: Path, **given: Any) -> str:
    from createdag.create import create

    created = create([{**BASE_ANSWERS, **given}], Settings(output_dir=dags), source="test")
    return created.paths[0].read_text(encoding="utf-8")


def ruff_clean(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,W,F,AIR", "--preview", "--no-cache",
         str(path)], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("given", "line", "names"),
    [
        ({"schedule": None, "assets": ["s3://l/a"]}, 'schedule=Asset("s3://l/a"),', "DAG, Asset"),
        ({"schedule": None, "assets": "s3://l/a, s3://l/b"}, 'schedule=Asset("s3://l/a") & Asset("s3://l/b"),',
         "DAG, Asset"),
        ({"schedule": None, "assets": ["s3://l/a", "s3://l/b"], "assets_mode": "any"},
         'schedule=Asset("s3://l/a") | Asset("s3://l/b"),', "DAG, Asset"),
        ({"schedule": "0 6 * * *", "timezone": "Europe/Paris", "assets": ["s3://l/a"]},
         'timetable=CronTriggerTimetable("0 6 * * *", timezone="Europe/Paris"),',
         "DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable"),
        ({"schedule": "every 30 minutes", "assets": ["s3://l/a", "s3://l/b"], "assets_mode": "ANY"},
         'assets=(Asset("s3://l/a") | Asset("s3://l/b")),',
         "DAG, Asset, AssetOrTimeSchedule, DeltaTriggerTimetable"),
        ({"schedule": "@daily", "data_intervals": True, "assets": ["s3://l/a"]},
         'timetable=CronDataIntervalTimetable("@daily", timezone="UTC"),',
         "DAG, Asset, AssetOrTimeSchedule, CronDataIntervalTimetable"),
        ({"outlets": ["S3://l/out/"]}, 'outlets=[Asset("s3://l/out")],', "DAG, Asset"),
    ],
)  # fmt: skip
@pytest.mark.airflow
def test_asset_schedules_and_outlets_render_and_load(tmp_path: Path, given: dict, line: str, names: str) -> None:
    from helpers import load_dagbag

    dags = tmp_path / "dags"
    source = write(dags, **given)
    assert line in source
    assert f"from airflow.sdk import {names}\n" in source
    ruff_clean(dags / "sales_daily.py")
    bag = load_dagbag(dags, dags / "sales_daily.py")
    assert bag.import_errors == {}
    dag = bag.dags["sales_daily"]
    if given.get("assets"):
        timetable = type(dag.timetable).__name__
        assert timetable == ("AssetTriggeredTimetable" if given["schedule"] is None else "AssetOrTimeSchedule")
    if given.get("outlets"):
        assert [a.uri for a in dag.get_task("main").outlets] == ["s3://l/out"]


def test_assets_refuse_once_and_continuous(tmp_path: Path) -> None:
    for schedule in ("@once", "@continuous"):
        with pytest.raises(InvalidAnswers, match=f"a {schedule} schedule cannot be combined with assets"):
            resolve(tmp_path, schedule=schedule, assets=["s3://l/a"])
    with pytest.raises(InvalidAnswers, match="'some' is neither all nor any"):
        resolve(tmp_path, schedule=None, assets=["s3://l/a", "s3://l/b"], assets_mode="some")


def test_bad_uris_are_refused_in_outlets_and_assets(tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        resolve(tmp_path, schedule=None, assets=["airflow://x"], outlets=["s3://u:pw@h/x"])
    assert "reserved by Airflow" in str(caught.value) and "holds a password" in str(caught.value)


# --- producers, from source ------------------------------------------------------------------------


HAND_WRITTEN = '''
from airflow.sdk import DAG, Asset, dag, task
from airflow.providers.standard.operators.bash import BashOperator

ORDERS = Asset("s3://lake/orders/")

with DAG(dag_id="hand_orders", schedule=None):
    BashOperator(task_id="a", bash_command="true", outlets=[ORDERS, Asset(name="n", uri="s3://lake/extra")])

with DAG("hand_other", schedule=None):
    BashOperator(task_id="b", bash_command="true", outlets=Asset("s3://lake/other"))


@dag(schedule=None)
def decorated():
    @task(outlets=[Asset(uri="S3://lake/deco")])
    def t():
        pass
'''


def test_producers_are_read_from_source_by_dag(tmp_path: Path) -> None:
    from createdag import dagmodel, dagsource, upstream

    (tmp_path / "hand.py").write_text(HAND_WRITTEN, encoding="utf-8")
    (tmp_path / "broken.py").write_text("outlets = (", encoding="utf-8")  # skipped, never a reason to stop
    model = dagmodel.DagFile.parse(dagsource.read_tree(tmp_path / "hand.py"))
    assert dagsource.asset_outlets(model.view, model.bindings) == {
        "hand_orders": ["s3://lake/orders/", "s3://lake/extra"],
        "hand_other": ["s3://lake/other"],
        "decorated": ["S3://lake/deco"],
    }
    producers = upstream.asset_producers(tmp_path)
    hand = tmp_path / "hand.py"
    assert producers == {  # normalized as Airflow stores them
        "s3://lake/orders": [("hand_orders", hand)],
        "s3://lake/extra": [("hand_orders", hand)],
        "s3://lake/other": [("hand_other", hand)],
        "s3://lake/deco": [("decorated", hand)],
    }


def test_the_notices_name_the_producing_dags_or_the_assets_that_exist(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    write(dags, dag_id="sales_load", outlets=["s3://lake/sales"])
    _, notices = resolve(dags, dag_id="report", schedule=None, assets=["s3://lake/sales/"])
    assert notices == [f"asset s3://lake/sales is produced by sales_load ({dags / 'sales_load.py'})"]
    _, notices = resolve(dags, dag_id="report", schedule=None, assets=["s3://lake/sale"])
    assert notices == [
        f"warning: no DAG in {dags} lists s3://lake/sale as an outlet, so nothing here starts this DAG "
        "through it; the assets its DAGs produce: s3://lake/sales"
    ]
    _, notices = resolve(dags, dag_id="report", assets=["s3://lake/sales"], schedule="@daily")
    assert notices[0].startswith("this DAG runs on its assets or @daily (")
    assert notices[0].endswith("set schedule to None for the assets alone")


def test_a_producer_in_the_same_batch_counts(tmp_path: Path) -> None:
    from createdag.create import create

    dags = tmp_path / "dags"
    created = create(
        [{**BASE_ANSWERS, "dag_id": "consumer", "schedule": None, "assets": ["s3://lake/x"]},
         {**BASE_ANSWERS, "dag_id": "producer", "outlets": ["s3://lake/x"]}],
        Settings(output_dir=dags), source="test",
    )  # fmt: skip
    assert any("asset s3://lake/x is produced by producer ((this run))" in n for n in created.notices)


# --- the prompt -------------------------------------------------------------------------------------


def test_the_prompt_offers_assets_next_to_the_sensor_with_when_to_pick_which() -> None:
    from createdag.questions import BY_KEY, QUESTIONS

    keys = [q.key for q in QUESTIONS]
    assert keys.index("schedule") < keys.index("assets") < keys.index("assets_mode") < keys.index("upstream")
    assert BY_KEY["assets"].prompt.startswith("Runs when another DAG's data is ready")
    help_line = BY_KEY["assets"].help
    assert "no worker slot waits" in help_line and "the sensor" in help_line and "once per update" in help_line
    assert not BY_KEY["assets_mode"].when({"run_options": True, "assets": ["a"]})
    assert BY_KEY["assets_mode"].when({"run_options": True, "assets": ["a", "b"]})
    assert not BY_KEY["assets"].when({}) and BY_KEY["assets"].when({"run_options": True})  # behind the yes/no
