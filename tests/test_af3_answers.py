"""Airflow 3 authoring answers (issue 15): every source takes them alike (--set one-line forms,
answers files, the prompt's checks), the rules that read several answers, and what the template
writes (ruff-clean, loaded by Airflow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import BASE_ANSWERS

from createdag.answers import check_one, resolve
from createdag.errors import BadValue, InvalidAnswers
from createdag.questions import BY_KEY
from createdag.settings import Settings


def answers_of(tmp_path: Path, **given: Any) -> dict[str, Any]:
    answers, _ = resolve({**BASE_ANSWERS, **given}, Settings(output_dir=tmp_path))
    return answers


def refusal(tmp_path: Path, **given: Any) -> str:
    with pytest.raises(InvalidAnswers) as caught:
        resolve({**BASE_ANSWERS, **given}, Settings(output_dir=tmp_path))
    return str(caught.value)


def render(tmp_path: Path, **given: Any) -> str:
    from createdag.create import create

    dags = tmp_path / "dags"
    created = create([{**BASE_ANSWERS, **given}], Settings(output_dir=dags), source="test")
    return created.paths[0].read_text(encoding="utf-8")


def ruff(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,W,F,AIR", "--preview",
         "--no-cache", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip


# --- timeouts --------------------------------------------------------------------------------------


def test_timeouts_default_to_none_and_render_as_timedeltas(tmp_path: Path) -> None:
    assert "timeout" not in render(tmp_path / "a")
    source = render(tmp_path / "b", dagrun_timeout_minutes="90", tasks=[
        {"task_id": "extract", "execution_timeout_minutes": 20},
        {"task_id": "load", "after": ["extract"]},
    ])  # fmt: skip
    assert "    dagrun_timeout=datetime.timedelta(minutes=90),\n" in source
    assert source.count("execution_timeout=datetime.timedelta(minutes=20),") == 1


def test_a_task_timeout_given_beside_the_tasks_is_every_tasks(tmp_path: Path) -> None:
    answers = answers_of(tmp_path, execution_timeout_minutes=15, tasks=[
        {"task_id": "a"}, {"task_id": "b", "execution_timeout_minutes": 0},
    ])  # fmt: skip
    assert [t["execution_timeout_minutes"] for t in answers["tasks"]] == [15, 0]


def test_negative_timeouts_are_refused(tmp_path: Path) -> None:
    text = refusal(tmp_path, dagrun_timeout_minutes=-1, execution_timeout_minutes="-5")
    assert "dagrun_timeout_minutes" in text and "execution_timeout_minutes" in text


# --- params ----------------------------------------------------------------------------------------


def check_params(raw: Any, tmp_path: Path) -> dict[str, Any]:
    return check_one(BY_KEY["params"], raw, {}, Settings(output_dir=tmp_path))


def test_params_one_line_form(tmp_path: Path) -> None:
    typed = "limit:integer=10, mode:full|delta=delta, ratio:number=0.5, dry:boolean=no, who=x"
    assert check_params(typed, tmp_path) == {
        "limit": {"type": "integer", "default": 10},
        "mode": {"type": "string", "default": "delta", "enum": ["full", "delta"]},
        "ratio": {"type": "number", "default": 0.5},
        "dry": {"type": "boolean", "default": False},
        "who": {"type": "string", "default": "x"},
    }


def test_params_file_form_and_json_one_line_form_agree(tmp_path: Path) -> None:
    spec = {"limit": {"type": "integer", "default": 10, "description": "Rows at most"}, "day": "2026-01-01"}
    expected = {
        "limit": {"type": "integer", "default": 10, "description": "Rows at most"},
        "day": {"type": "string", "default": "2026-01-01"},
    }
    assert check_params(spec, tmp_path) == expected
    import json

    assert check_params(json.dumps(spec), tmp_path) == expected
    shown = BY_KEY["params"].kind_of.show(BY_KEY["params"], expected)
    assert check_params(shown, tmp_path) == expected  # what the prompt shows reads back the same
    plain = {"n": {"type": "integer", "default": 3}, "m": {"type": "string", "default": "a", "enum": ["a", "b"]}}
    assert BY_KEY["params"].kind_of.show(BY_KEY["params"], plain) == "n:integer=3, m:a|b=a"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("limit:integer=ten", "'ten' is not a whole number"),
        ("limit:int=1", "type 'int' is not one of string, integer, number, boolean"),
        ("mode:full|delta=partial", "not one of its choices full, delta"),
        ({"limit": {"type": "integer", "default": "10"}}, "'10' is not of type integer"),
        ({"limit": {"type": "integer"}}, "needs a default"),
        ({"limit": {"type": "number", "default": float("inf")}}, "not a finite number"),
        ({"my-param": {"default": 1}}, "not a Python-style name"),
        ({"x": {"default": 1, "choices": [1]}}, "unknown key 'choices'"),
        ("limit", "is not NAME:TYPE=DEFAULT"),
        ("a=1, a=2", "given twice"),
    ],
)
def test_bad_params_are_refused_with_the_fix(tmp_path: Path, raw: Any, message: str) -> None:
    with pytest.raises(BadValue) as caught:
        check_params(raw, tmp_path)
    assert message in str(caught.value)


@pytest.mark.airflow
def test_params_render_as_param_objects_that_airflow_loads(tmp_path: Path) -> None:
    from helpers import load_dagbag

    params = "limit:integer=10, mode:full|delta=full"
    source = render(tmp_path, params=params, arguments=["--limit", "{{ params.limit }}"])
    assert "from airflow.sdk import DAG, Param\n" in source
    assert '        "limit": Param(10, type="integer"),\n' in source
    assert '        "mode": Param("full", type="string", enum=["full", "delta"]),\n' in source
    path = tmp_path / "dags" / "sales_daily.py"
    assert ruff(path).returncode == 0, ruff(path).stdout
    dag = load_dagbag(tmp_path / "dags", path).dags["sales_daily"]
    assert dag.params.dump() == {"limit": 10, "mode": "full"}
    assert dag.params.get_param("mode").schema == {"type": "string", "enum": ["full", "delta"]}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("arguments", ["--day", "{{ params.day }}"]),
        ("cmds", ["run", "{{ params['day'] }}"]),
        ("env_vars", {"DAY": "{{ params.day }}"}),
    ],
)
def test_a_template_naming_an_undeclared_param_is_refused(tmp_path: Path, key: str, value: Any) -> None:
    text = refusal(tmp_path, params="limit:integer=1", **{key: value})
    assert "{{ params.day }} names no param of this DAG (its params are limit): add day to params (or, " in text
    answers_of(tmp_path, params="limit:integer=1, day=2026-01-01", **{key: value})  # declared: taken
    assert "it declares no params" in refusal(tmp_path, **{key: value})


def test_param_refs_are_read_from_jinja_blocks_only() -> None:
    from createdag.rules import param_refs

    assert param_refs("--a {{ params.a }} {{ params['b'] | upper }}") == ["a", "b"]
    assert param_refs("{% if params.c %}--c{% endif %}") == []  # a value only some runs pass: tested, not written
    assert param_refs("params.x outside a template") == []
    assert param_refs('{{ params.get("x") }}') == ["get"]  # the dict's own method: not a param


# --- deadline alerts -------------------------------------------------------------------------------


@pytest.mark.airflow
def test_a_deadline_renders_a_deadline_alert_with_the_teams_callback(tmp_path: Path) -> None:
    from helpers import load_dagbag

    source = render(tmp_path, deadline_minutes=45, deadline_from="logical date", teams_conn_id="team_hook")
    assert "from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference\n" in source
    assert "from teams_alerts import TeamsNotifier, deadline_alert\n" in source
    assert "reference=DeadlineReference.DAGRUN_LOGICAL_DATE," in source
    path = tmp_path / "dags" / "sales_daily.py"
    assert ruff(path).returncode == 0, ruff(path).stdout
    dag = load_dagbag(tmp_path / "dags", path).dags["sales_daily"]
    (alert,) = dag.deadline
    assert type(alert.reference).__name__ == "DagRunLogicalDateDeadline"
    assert alert.interval.total_seconds() == 45 * 60
    assert (alert.callback.path, alert.callback.kwargs) == ("teams_alerts.deadline_alert", {"conn_id": "team_hook"})
    assert "deadline" not in render(tmp_path / "none").split("with DAG(")[1]


@pytest.mark.airflow
def test_a_deadline_without_alerts_installs_the_alert_module_for_its_card(tmp_path: Path) -> None:
    from helpers import load_dagbag

    source = render(tmp_path, deadline_minutes=10, alerts=[])
    assert "from teams_alerts import deadline_alert\n" in source and "TeamsNotifier" not in source
    assert (tmp_path / "dags" / "teams_alerts.py").is_file()
    result = ruff(tmp_path / "dags" / "sales_daily.py")
    assert result.returncode == 0, result.stdout
    bag = load_dagbag(tmp_path / "dags")
    assert bag.import_errors == {} and bag.dags["sales_daily"].deadline


def test_a_deadline_needs_airflow_3_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from createdag import rules

    assert "neither queued nor logical_date" in refusal(tmp_path, deadline_minutes=10, deadline_from="start")
    monkeypatch.setattr(rules, "installed_airflow", lambda: (3, 0))
    assert "deadline alerts need Airflow 3.1 or later (DeadlineAlert); the Airflow installed here is 3.0" in (
        refusal(tmp_path, deadline_minutes=10)
    )
    answers_of(tmp_path, deadline_minutes=0)  # no deadline: any Airflow
    monkeypatch.setattr(rules, "installed_airflow", lambda: None)  # not installed here: not checked
    answers_of(tmp_path, deadline_minutes=10)


@pytest.mark.airflow
def test_installed_airflow_is_read_from_package_metadata() -> None:
    from airflow import __version__

    from createdag.rules import installed_airflow

    assert installed_airflow() == tuple(int(part) for part in __version__.split(".")[:2])


# --- everything at once ------------------------------------------------------------------------------


@pytest.mark.airflow
def test_every_option_together_is_ruff_clean_and_loads(tmp_path: Path) -> None:
    from helpers import load_dagbag

    source = render(
        tmp_path, schedule="every 2 hours", data_intervals=True, assets="s3://l/a, s3://l/b", assets_mode="any",
        params="day=2026-01-01, n:integer=3", dagrun_timeout_minutes=120, deadline_minutes=60,
        tasks=[{"task_id": "extract", "outlets": ["s3://l/raw"], "execution_timeout_minutes": 30,
                "arguments": ["--day", "{{ params.day }}"]},
               {"task_id": "load", "after": ["extract"], "shards": 2, "outlets": ["s3://l/clean"],
                "execution_timeout_minutes": 10}],
    )  # fmt: skip
    path = tmp_path / "dags" / "sales_daily.py"
    assert ruff(path).returncode == 0, ruff(path).stdout
    bag = load_dagbag(tmp_path / "dags", path)
    assert bag.import_errors == {}
    dag = bag.dags["sales_daily"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert [a.uri for a in dag.get_task("load").partial_kwargs["outlets"]] == ["s3://l/clean"]
    assert "DeltaDataIntervalTimetable(datetime.timedelta(hours=2))" in source


# --- the command line ------------------------------------------------------------------------------


def test_every_new_answer_is_taken_by_set_in_its_one_line_form(tmp_path: Path) -> None:
    from helpers import REPO

    sets = {
        "dag_id": "cli_af3", "image": "busybox:1.36", "owner": "me", "start_date": "2026-01-01",
        "schedule": "None", "assets": "s3://l/a, s3://l/b", "assets_mode": "any",
        "params": "day=2026-01-01, n:integer=3", "arguments": "--day {{params.day}}",
        "dagrun_timeout_minutes": "60", "execution_timeout_minutes": "15", "main.outlets": "s3://l/out",
        "deadline_minutes": "20", "deadline_from": "logical_date",
    }  # fmt: skip
    argv = [arg for key, value in sets.items() for arg in ("--set", f"{key}={value}")]
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--no-input", "-o", str(tmp_path / "dags"), *argv],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "dags" / "cli_af3.py").read_text(encoding="utf-8")
    expected = (
        'schedule=Asset("s3://l/a") | Asset("s3://l/b"),', '"n": Param(3, type="integer"),',
        'arguments=["--day", "{{params.day}}"],', "dagrun_timeout=datetime.timedelta(minutes=60),",
        "execution_timeout=datetime.timedelta(minutes=15),", 'outlets=[Asset("s3://l/out")],',
        "reference=DeadlineReference.DAGRUN_LOGICAL_DATE,", "interval=datetime.timedelta(minutes=20),",
    )  # fmt: skip
    for line in expected:
        assert line in source, line
    assert "warning: no DAG in" in result.stderr and "s3://l/a as an outlet" in result.stderr


def test_a_param_removed_after_the_tasks_were_answered_is_a_warning(tmp_path: Path) -> None:
    from createdag.answers import finish

    answers = answers_of(tmp_path, params="day=x", arguments=["{{ params.day }}"])
    answers["params"] = {}
    _, notices = finish(answers, Settings(output_dir=tmp_path))
    assert any("warning: task main: {{ params.day }} names no param" in notice for notice in notices)


@pytest.mark.parametrize(
    "value",
    [
        {"n": {"type": "integer", "default": 1, "enum": [1, 2]}},
        {"s": {"type": "string", "default": " padded "}},
        {"s": {"type": "string", "default": "a,b"}},
        {"s": {"type": "string", "default": "", "description": "Empty by default"}},
        {"b": {"type": "boolean", "default": True}, "x": {"type": "number", "default": 3}},
    ],
)
def test_what_the_prompt_shows_of_params_reads_back_the_same(tmp_path: Path, value: dict[str, Any]) -> None:
    question = BY_KEY["params"]
    assert check_params(question.kind_of.show(question, value), tmp_path) == value


def test_assets_without_a_schedule_run_on_the_assets_alone(tmp_path: Path) -> None:
    answers, _ = resolve({**BASE_ANSWERS, "assets": ["s3://lake/a"]}, Settings(output_dir=tmp_path))
    assert answers["schedule"] is None  # not the @daily default: the "schedule absent"
    timed, _ = resolve({**BASE_ANSWERS, "assets": ["s3://lake/a"], "schedule": "@hourly"}, Settings(output_dir=tmp_path))
    assert timed["schedule"] == "@hourly"  # asset-or-time
