"""Templates that need a logical date are named as they are typed and when answers are given,
with the fix (issue 26; the engine proof is in test_run_dates_engine.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BASE_ANSWERS, resolve_answers

from createdag import run_dates
from createdag.answers import resolve
from createdag.questions import BY_KEY
from createdag.settings import Settings


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("--date '{{ ds }}'", ["ds"]),
        ("{{ macros.ds_add(ds, -1) }}", ["ds"]),
        ("{{ ts_nodash }}/{{ logical_date.year }}", ["ts_nodash", "logical_date"]),
        ("{{ data_interval_start | ds }}", ["data_interval_start"]),
        (run_dates.RUN_DATE, []),
        (run_dates.RUN_TS, []),
        ("{{ dag_run.logical_date }} {{ params.ds }} {{ 'ds' }}", []),  # attributes and strings
        ("{% if ds is defined %}{{ ds }}{% endif %}", []),  # guarded
        ("{% set ds = '2026-01-01' %}{{ ds }}", []),  # its own
        ("{{ ds ", []),  # not a template (its question refuses it)
        ("no template at all: ds", []),
    ],
)
def test_the_names_a_template_needs_a_logical_date_for(text: str, names: list[str]) -> None:
    assert run_dates.logical_date_names(text) == names


def test_every_suggested_fix_renders_without_a_logical_date() -> None:
    for name, fix in run_dates.NEEDS_LOGICAL_DATE.items():
        assert name and run_dates.logical_date_names(fix) == []


def test_the_warning_shows_while_typing_and_after_the_answer() -> None:
    for key in ("cmds", "arguments", "env_vars"):
        question = BY_KEY[key]
        assert question.live_hint is run_dates.live_hint and question.echo is run_dates.echo
    hint = run_dates.live_hint("--date '{{ ds }}'")
    assert hint.startswith("warning: {{ ds }} is undefined on a run without a logical date")
    assert run_dates.RUN_DATE in hint
    assert run_dates.live_hint("--date '{{ ds") == ""  # half typed: nothing yet
    assert run_dates.echo({"DAY": "{{ ds }}"}).startswith("warning: {{ ds }}")
    assert run_dates.RUN_DATE in BY_KEY["arguments"].help  # the help line's example renders on every run


@pytest.mark.parametrize(
    ("schedule", "assets", "which"),
    [("@daily", [], "a manual run triggered without one"), (None, [], "every run of this DAG"),
     (None, ["s3://lake/orders"], "every run of this DAG")],
)  # fmt: skip
def test_answers_that_need_a_logical_date_are_warned_about_for_the_schedule(
    tmp_path: Path, schedule: str | None, assets: list[str], which: str
) -> None:
    raw = {**BASE_ANSWERS, "schedule": schedule, "assets": assets, "arguments": ["--date", "{{ ds }}"]}
    _, notices = resolve(raw, Settings(output_dir=tmp_path / "dags"))
    (notice,) = [n for n in notices if "{{ ds }}" in n]
    assert which in notice and run_dates.RUN_DATE in notice


def test_answers_with_the_run_date_are_not_warned_about(tmp_path: Path) -> None:
    raw = {**BASE_ANSWERS, "schedule": None, "arguments": ["--date", run_dates.RUN_DATE],
           "env_vars": {"AT": run_dates.RUN_TS}}  # fmt: skip
    _, notices = resolve(raw, Settings(output_dir=tmp_path / "dags"))
    assert not [n for n in notices if "logical date" in n]
    assert resolve_answers(tmp_path, arguments=[run_dates.RUN_DATE])["tasks"][0]["arguments"] == [run_dates.RUN_DATE]
