"""The Airflow 2 -> 3 knowledge migrate's codemods rest on: the template-variable table and its
translations (proven on Airflow 3), the data-interval decision, ruff's AIR findings on the
fixtures all reported, and files parsed, never executed."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from createdag.codemods import FIXERS, migrate_source
from createdag.codemods import template_variables as airflow2
from createdag.codemods.template_variables import END, START, TEMPLATE_VARIABLES, decide_intervals, translate_templates

FIXTURES = Path(__file__).parent / "fixtures" / "airflow2"


def line_of(fixture: str, text: str) -> int:
    return next(i for i, line in enumerate((FIXTURES / fixture).read_text().splitlines(), 1) if text in line)


def findings(path: Path) -> list[Any]:
    return migrate_source(str(path), path.read_text(), FIXERS).findings


def test_every_line_ruffs_airflow3_removal_rules_flag_is_in_the_report() -> None:
    """ruff's AIR301/AIR302 (removed, moved to a provider) findings on the fixtures land on lines the
    codemod reports, or on a use of a name whose import line it reports."""
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--preview", "--select", "AIR301,AIR302",
         "--output-format", "json", str(FIXTURES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if run.returncode == 2:
        pytest.skip(f"this ruff has no AIR301/AIR302: {run.stderr.strip()[:200]}")
    found = json.loads(run.stdout)
    assert found  # the fixtures are Airflow 2 code
    import ast

    for finding in found:
        path = Path(finding["filename"])
        line = finding["location"]["row"]
        named = {f.line for f in findings(path)}
        source = path.read_text().splitlines()
        imported = {
            alias.asname or alias.name: node.lineno
            for node in ast.walk(ast.parse("\n".join(source)))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        used = {at for name, at in imported.items() if re.search(rf"\b{name}\b", source[line - 1])}
        assert line in named or used & named, (path.name, line, finding["message"])


# --------------------------------------------------------------------------------------------
# The translation table
# --------------------------------------------------------------------------------------------

KEPT = TEMPLATE_VARIABLES["next_ds"].with_intervals
NEXT_KEPT = TEMPLATE_VARIABLES["next_execution_date"].with_intervals

TRANSLATIONS = [
    # (text, keeps_intervals, translated text, or None when it stays and is a blocker)
    ("{{ execution_date }}", True, "{{ logical_date }}"),
    ("{{execution_date}}", True, "{{logical_date}}"),
    ("{{- execution_date -}}", True, "{{- logical_date -}}"),
    ("{{ execution_date.strftime('%Y%m%d') }}", True, "{{ logical_date.strftime('%Y%m%d') }}"),
    ("{{ execution_date | ts_nodash }}", True, "{{ logical_date | ts_nodash }}"),
    ("{{ dag_run.execution_date }}", True, "{{ dag_run.logical_date }}"),
    (
        "--day={{ execution_date | ds }} --to={{ next_ds }}",
        True,
        "--day={{ logical_date | ds }} --to={{ " + KEPT + " }}",
    ),
    ("{{ next_ds }}", False, "{{ data_interval_end | ds }}"),
    ("{{ next_ds }}", True, "{{ " + KEPT + " }}"),
    ("{{ next_ds_nodash }}", False, "{{ data_interval_end | ds_nodash }}"),
    ("{{ next_ds | replace('-', '/') }}", False, "{{ data_interval_end | ds | replace('-', '/') }}"),
    ("{{ next_ds[:4] }}", False, "{{ (data_interval_end | ds)[:4] }}"),
    ("{{ macros.ds_add(next_ds, 1) }}", False, "{{ macros.ds_add((data_interval_end | ds), 1) }}"),
    ("{{ next_execution_date }}", False, "{{ data_interval_end }}"),
    ("{{ next_execution_date.isoformat() }}", True, "{{ " + NEXT_KEPT + ".isoformat() }}"),
    ("{% if next_ds %}x{% endif %}", False, "{% if (data_interval_end | ds) %}x{% endif %}"),
    ("{{ tomorrow_ds }}", True, "{{ macros.ds_add(ds, 1) }}"),
    ("{{ tomorrow_ds_nodash }}", True, "{{ macros.ds_add(ds, 1) | replace('-', '') }}"),
    ("{{ yesterday_ds }}", True, "{{ macros.ds_add(ds, -1) }}"),
    ("{{ yesterday_ds_nodash }}", True, "{{ macros.ds_add(ds, -1) | replace('-', '') }}"),
    # no exact equivalent: left as it is, reported
    ("{{ execution_date }}", False, None),
    ("{{ tomorrow_ds }}", False, None),
    ("{{ prev_ds }}", True, None),
    ("{{ prev_ds_nodash }}", False, None),
    ("{{ prev_execution_date }}", True, None),
    ("{{ prev_execution_date_success }}", True, None),
    ("{{ conf.get('core', 'dags_folder') }}", True, None),
    ("{{ dag_run.external_trigger }}", True, None),
]


@pytest.mark.parametrize(("text", "keeps", "translated"), TRANSLATIONS)
def test_translation(text: str, keeps: bool, translated: str | None) -> None:
    new, done, left = translate_templates(text, keeps)
    if translated is None:
        assert new == text and not done and len(left) == 1
        assert left[0].expression in text and left[0].why
    else:
        assert new == translated and not left and done
        assert all(change.before in text and change.after in new for change in done)


@pytest.mark.parametrize(
    "text",
    [
        "execution_date, outside any template",
        "{{ params.execution_date }}",
        "{{ 'next_ds' }}",
        '{{ dag_run.conf["next_ds"] }}',
        "{{ macros.f(next_ds=1) }}",
        "{{ ds }} {{ ts_nodash }} {{ data_interval_end }} {{ var.value.next_ds }}",
        "{# {{ next_ds }} in a comment #}",
    ],
)
def test_what_is_not_a_removed_variable_stays(text: str) -> None:
    assert translate_templates(text, False) == (text, [], [])
    assert translate_templates(text, True) == (text, [], [])


def test_once_has_no_next_run() -> None:
    new, done, left = translate_templates("{{ next_ds }} {{ execution_date }}", True, once=True)
    assert new == "{{ next_ds }} {{ logical_date }}"
    assert [b.variable for b in left] == ["next_ds"] and [c.variable for c in done] == ["execution_date"]


def test_translate_value_walks_lists_and_dicts() -> None:
    value, done, left = airflow2.translate_value(
        {"args": ["{{ execution_date }}", 3], "env": {"DAY": "{{ prev_ds }}"}}, True
    )
    assert value == {"args": ["{{ logical_date }}", 3], "env": {"DAY": "{{ prev_ds }}"}}
    assert [c.variable for c in done] == ["execution_date"] and [b.variable for b in left] == ["prev_ds"]


#: Airflow 2.10's ``KNOWN_CONTEXT_KEYS`` (airflow/utils/context.py).
AIRFLOW2_CONTEXT_KEYS = frozenset({
    "conf", "conn", "dag", "dag_run", "data_interval_end", "data_interval_start", "ds", "ds_nodash",
    "execution_date", "expanded_ti_count", "exception", "inlets", "logical_date", "macros",
    "map_index_template", "next_ds", "next_ds_nodash", "next_execution_date", "outlets", "params",
    "prev_data_interval_start_success", "prev_data_interval_end_success", "prev_ds", "prev_ds_nodash",
    "prev_execution_date", "prev_execution_date_success", "prev_start_date_success", "prev_end_date_success",
    "reason", "run_id", "task", "task_instance", "task_instance_key_str", "test_mode", "templates_dict", "ti",
    "tomorrow_ds", "tomorrow_ds_nodash", "triggering_dataset_events", "ts", "ts_nodash", "ts_nodash_with_tz",
    "try_number", "var", "yesterday_ds", "yesterday_ds_nodash",
})  # fmt: skip
#: ruff's AIR301 ``REMOVED_CONTEXT_KEYS``.
RUFF_REMOVED_CONTEXT_KEYS = frozenset({
    "conf", "execution_date", "next_ds", "next_ds_nodash", "next_execution_date", "prev_ds", "prev_ds_nodash",
    "prev_execution_date", "prev_execution_date_success", "tomorrow_ds", "yesterday_ds", "yesterday_ds_nodash",
})  # fmt: skip


@pytest.mark.airflow
def test_the_table_is_what_airflow_3_removed() -> None:
    from airflow.sdk.definitions.context import KNOWN_CONTEXT_KEYS

    assert set(TEMPLATE_VARIABLES) == AIRFLOW2_CONTEXT_KEYS - KNOWN_CONTEXT_KEYS
    assert set(TEMPLATE_VARIABLES) >= RUFF_REMOVED_CONTEXT_KEYS
    for variable in TEMPLATE_VARIABLES.values():
        for expression in (variable.with_intervals, variable.without_intervals):
            if expression is None:
                continue
            used = {ref.name.split(".")[0] for ref in airflow2.template_references("{{ " + expression + " }}")}
            assert used <= KNOWN_CONTEXT_KEYS, (variable.name, used)
    for name, reads in airflow2.DATE_VARIABLES.items():
        assert name.split(".")[0] in KNOWN_CONTEXT_KEYS | set(TEMPLATE_VARIABLES)
        assert reads in (START, END)


def airflow2_values(logical: Any, next_logical: Any, triggered: bool) -> dict[str, Any]:
    """The removed variables as Airflow 2.10's ``_get_template_context`` computed them."""
    tomorrow = (logical + dt.timedelta(1)).strftime("%Y-%m-%d")
    yesterday = (logical - dt.timedelta(1)).strftime("%Y-%m-%d")
    following = logical if triggered else next_logical  # dag_run.external_trigger: the run's own date
    return {
        "execution_date": logical,
        "next_execution_date": following,
        "next_ds": following.strftime("%Y-%m-%d"),
        "next_ds_nodash": following.strftime("%Y%m%d"),
        "tomorrow_ds": tomorrow,
        "tomorrow_ds_nodash": tomorrow.replace("-", ""),
        "yesterday_ds": yesterday,
        "yesterday_ds_nodash": yesterday.replace("-", ""),
        "dag_run": SimpleNamespace(execution_date=logical),
    }


TEMPLATES = [
    "{{ execution_date }}",
    "{{ execution_date.strftime('%Y%m%dT%H%M') }}",
    "{{ execution_date | ds }}",
    "{{ dag_run.execution_date }}",
    "{{ next_execution_date }}",
    "{{ next_execution_date.strftime('%H:%M') }}",
    "{{ next_ds }}",
    "{{ next_ds_nodash }}",
    "{{ next_ds | replace('-', '/') }}",
    "{{ next_ds[:7] }}",
    "{{ tomorrow_ds }}",
    "{{ tomorrow_ds_nodash }}",
    "{{ yesterday_ds }}",
    "{{ yesterday_ds_nodash }}",
]


@pytest.mark.airflow
@pytest.mark.parametrize("cron", ["0 2 * * *", "30 5 * * 1-5", "0 */6 * * *", "15 3 1 * *"])
def test_translations_render_airflow_2s_values_on_airflow_3(cron: str) -> None:
    """Each translation, rendered by Airflow 3.3's Jinja environment over the runs Airflow 3.3's
    timetables make, gives what the original rendered on Airflow 2: scheduled runs and runs
    triggered by hand, with data intervals kept (CronDataIntervalTimetable) and, for the variables
    the table maps without them, under the default CronTriggerTimetable."""
    import jinja2
    import pendulum
    from airflow.sdk.definitions._internal.templater import SandboxedEnvironment
    from airflow.sdk.execution_time.context import MacrosAccessor
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable
    from airflow.timetables.trigger import CronTriggerTimetable
    from airflow.utils.types import DagRunType

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    kept = CronDataIntervalTimetable(cron, "UTC")  # also what Airflow 2 ran a cron string on
    trigger = CronTriggerTimetable(cron, timezone="UTC")
    unrestricted = TimeRestriction(earliest=None, latest=None, catchup=True)

    def render(text: str, context: dict[str, Any]) -> str:
        return env.from_string(text).render(**context)

    def airflow3(logical: Any, interval: Any, run_type: DagRunType) -> dict[str, Any]:
        return {
            "logical_date": logical,
            "ds": logical.strftime("%Y-%m-%d"),
            "ds_nodash": logical.strftime("%Y%m%d"),
            "data_interval_start": interval.start,
            "data_interval_end": interval.end,
            "dag_run": SimpleNamespace(run_type=run_type, logical_date=logical),
            "macros": MacrosAccessor(),
        }

    cases = []  # (airflow 2 context, airflow 3 context kept, airflow 3 context under the trigger timetable)
    restriction = TimeRestriction(earliest=pendulum.datetime(2024, 2, 26, tz="UTC"), latest=None, catchup=True)
    last = None
    for _ in range(8):
        info = kept.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        assert info is not None and info.data_interval is not None
        interval, last = info.data_interval, info.data_interval
        following = kept.next_dagrun_info(last_automated_data_interval=interval, restriction=unrestricted)
        assert following is not None
        # the trigger timetable's run firing at the same moment as this Airflow 2 run
        fired = trigger.next_dagrun_info(
            last_automated_data_interval=DataInterval.exact(interval.start), restriction=unrestricted
        )
        assert fired is not None and fired.data_interval is not None and fired.run_after == interval.end
        cases.append((
            airflow2_values(interval.start, following.logical_date, triggered=False),
            airflow3(interval.start, interval, DagRunType.SCHEDULED),
            airflow3(fired.data_interval.start, fired.data_interval, DagRunType.SCHEDULED),
        ))  # fmt: skip
    for at in (pendulum.datetime(2024, 3, 4, 1, 7, tz="UTC"), pendulum.datetime(2024, 3, 9, 23, 59, tz="UTC")):
        for run_type in (DagRunType.MANUAL, DagRunType.OPERATOR_TRIGGERED):
            cases.append((
                airflow2_values(at, None, triggered=True),
                airflow3(at, kept.infer_manual_data_interval(run_after=at), run_type),
                airflow3(at, trigger.infer_manual_data_interval(run_after=at), run_type),
            ))  # fmt: skip
    checked = 0
    for text in TEMPLATES:
        for before, with_intervals, without_intervals in cases:
            for keeps, context in ((True, with_intervals), (False, without_intervals)):
                translated, _, left = translate_templates(text, keeps)
                if left:
                    assert not keeps  # only CronTriggerTimetable leaves some without an equivalent
                    continue
                assert render(translated, context) == render(text, before), (text, translated, keeps)
                checked += 1
    assert checked > len(TEMPLATES) * len(cases)  # both timetables were exercised


# --------------------------------------------------------------------------------------------
# The data-interval decision
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "references", "keeps", "timetable"),
    [
        ("0 2 * * *", ["ds"], True, "CronDataIntervalTimetable"),
        ("@daily", ["execution_date", "next_ds"], True, "CronDataIntervalTimetable"),
        ("@hourly", ["data_interval_start"], True, "CronDataIntervalTimetable"),
        ("0 2 * * *", ["next_ds", "data_interval_end"], False, "CronTriggerTimetable"),
        ("0 2 * * *", ["params", "var"], False, "CronTriggerTimetable"),
        ("0 2 * * *", [], False, "CronTriggerTimetable"),
        (None, ["ds"], True, None),
        ("@once", ["ds"], True, None),
        ("@continuous", [], True, None),
    ],
)
def test_decide_intervals(schedule: Any, references: list[str], keeps: bool, timetable: str | None) -> None:
    decision = decide_intervals(schedule, references)
    assert (decision.keeps_intervals, decision.timetable) == (keeps, timetable)
    assert decision.reason and "\n" not in decision.reason
    assert set(decision.evidence) <= set(references)


# --------------------------------------------------------------------------------------------
# Never executed
# --------------------------------------------------------------------------------------------


def test_files_are_parsed_never_executed(tmp_path: Path) -> None:
    copy = tmp_path / "side_effects.py"
    shutil.copy(FIXTURES / "side_effects.py", copy)
    from createdag import migrate

    outcome = migrate.migrate([copy], dry_run=True)
    assert outcome.files and not (tmp_path / "side_effects.imported").exists()
    assert "side_effects" not in sys.modules


@pytest.mark.airflow
def test_the_side_effects_fixture_does_what_it_says_when_run(tmp_path: Path) -> None:
    """The proof above holds: executing the fixture writes its mark and raises."""
    copy = tmp_path / "side_effects.py"
    shutil.copy(FIXTURES / "side_effects.py", copy)
    run = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode != 0 and "side_effects.py was imported" in run.stderr
    assert (tmp_path / "side_effects.imported").exists()
