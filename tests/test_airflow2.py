"""createdag.airflow2: reading Airflow 2 DAG files for migrate, never executing them.

The fixtures in tests/fixtures/airflow2/ are written the way the original
boilerplate wrote DAGs for Airflow 2; EXPECTED below says, for each DAG they
define, which behaviour changes, not-carried items and blockers the report must
name: those, and only those.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from createdag import airflow2
from createdag.airflow2 import END, START, TEMPLATE_VARIABLES, decide_intervals, translate_templates

FIXTURES = Path(__file__).parent / "fixtures" / "airflow2"
TODAY = dt.date(2026, 5, 1)
ZONE = "Europe/Amsterdam"


def analyse(name: str, **options: Any) -> dict[str | None, airflow2.MigrationReport]:
    options = {"timezone": ZONE, "today": TODAY, **options}
    return {report.dag_id: report for report in airflow2.analyse_file(FIXTURES / name, **options)}


# --------------------------------------------------------------------------------------------
# The expectation table: fixture, dag_id -> codes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    changes: frozenset[str]
    not_carried: frozenset[str] = frozenset()
    blockers: frozenset[str] = frozenset()
    keeps_intervals: bool = True


def expect(changes: str, not_carried: str = "", blockers: str = "", keeps_intervals: bool = True) -> Expect:
    return Expect(
        frozenset(changes.split()), frozenset(not_carried.split()), frozenset(blockers.split()), keeps_intervals
    )


EXPECTED: dict[tuple[str, str | None], Expect] = {
    # one DAG, one task, every Airflow 2 habit: days_ago, concurrency, an Office 365 card, next_ds
    ("sales_daily.py", "sales_daily"): expect(
        "catchup-default cron-logical-date removed-template-variable schedule_interval concurrency "
        "is_delete_operator_pod start-date-timezone office365-callback",
        "old-import dag-kwarg pod-setting globals-registration",
    ),
    # two DAGs in one file: an hourly cron with catchup off, a manual one with catchup on
    ("two_dags.py", "orders_hourly"): expect(
        "cron-logical-date removed-template-variable schedule_interval is_delete_operator_pod start-date-timezone",
        "old-import dag-kwarg globals-registration",
    ),
    ("two_dags.py", "orders_reload"): expect(
        "removed-template-variable schedule_interval is_delete_operator_pod start-date-timezone",
        "old-import dag-kwarg globals-registration",
    ),
    # four tasks with >> dependencies, weekdays cron, a DAG-level MessageCard callback, two secrets
    ("pipeline_weekdays.py", "finance_pipeline"): expect(
        "cron-logical-date removed-template-variable schedule_interval concurrency is_delete_operator_pod "
        "start-date-timezone office365-callback",
        "old-import dag-kwarg globals-registration",
    ),
    # a preset that reads only the end of the interval: Airflow 3's default timetable keeps it
    ("events_interval_end.py", "events_daily"): expect(
        "cron-logical-date removed-template-variable schedule_interval is_delete_operator_pod",
        "old-import dag-kwarg",
        keeps_intervals=False,
    ),
    # prev_ds and prev_execution_date_success: no exact equivalent
    ("ledger_prev_ds.py", "ledger_diff"): expect(
        "catchup-default cron-logical-date schedule_interval is_delete_operator_pod start-date-timezone",
        "old-import dag-kwarg default-arg provide-context",
        "removed-template-variable",
    ),
    # a PythonOperator and its callable: not representable (the pod's do_xcom_push=True is an answer)
    ("python_check.py", "quality_check"): expect(
        "cron-logical-date schedule_interval is_delete_operator_pod start-date-timezone",
        "old-import dag-kwarg custom-python provide-context other-operator",
        "custom-python other-operator",
    ),
    # DAGs made in a loop: not representable
    ("dag_loop.py", None): expect(
        "catchup-default cron-logical-date schedule_interval is_delete_operator_pod start-date-timezone",
        "old-import dag-kwarg dag-loop",
        "dag-loop",
    ),
    # airflow.contrib imports, no schedule at all, a Variable read at parse time
    ("legacy_contrib.py", "legacy_reports"): expect(
        "schedule-default catchup-default cron-logical-date start-date-timezone is_delete_operator_pod",
        "contrib-import dag-kwarg variable-at-parse-time",
        "variable-at-parse-time",
    ),
    # four tasks reading only the end of the interval (CronTriggerTimetable), shared secrets by name,
    # resources, env vars, an Office 365 card: migratable today
    ("warehouse_nightly.py", "warehouse_nightly"): expect(
        "office365-callback catchup-default schedule_interval start-date-timezone concurrency cron-logical-date "
        "removed-template-variable is_delete_operator_pod",
        "old-import dag-kwarg globals-registration",
        keeps_intervals=False,
    ),
    # two DAGs in one file, migratable today: a manual one with execution_date and days_ago, and a
    # weekly one (in a with block) that reads no run date
    ("manual_and_weekly.py", "inventory_backfill"): expect(
        "schedule_interval start-date-timezone removed-template-variable is_delete_operator_pod",
        "old-import dag-kwarg",
    ),
    ("manual_and_weekly.py", "inventory_cleanup"): expect(
        "schedule_interval start-date-timezone is_delete_operator_pod", "old-import", keeps_intervals=False
    ),
    # already Airflow 3 spelling, @once with next_ds, and code that runs when the file is imported
    ("side_effects.py", "one_off_backfill"): expect("", "custom-python", "custom-python removed-template-variable"),
}


def test_every_fixture_is_in_the_table() -> None:
    found = {(path.name, dag_id) for path in FIXTURES.glob("*.py") for dag_id in analyse(path.name)}
    assert found == set(EXPECTED)
    assert len({name for name, _ in EXPECTED}) >= 8


@pytest.mark.parametrize(("fixture", "dag_id"), list(EXPECTED), ids=[f"{f}:{d}" for f, d in EXPECTED])
def test_each_detected_change_and_only_those(fixture: str, dag_id: str | None) -> None:
    report = analyse(fixture)[dag_id]
    wanted = EXPECTED[fixture, dag_id]
    assert report.codes == wanted.changes
    assert report.not_carried_codes == wanted.not_carried
    assert report.blocker_codes == wanted.blockers
    assert report.migratable == (not wanted.blockers)
    assert report.keeps_intervals == wanted.keeps_intervals
    assert set(report.codes) <= set(airflow2.CHANGE_CODES)
    lines = len((FIXTURES / fixture).read_text().splitlines())
    for item in [*report.behaviour_changes, *report.not_carried, *report.blockers]:
        assert item.line is not None and 1 <= item.line <= lines, item


def line_of(fixture: str, text: str) -> int:
    """The first line of the fixture holding ``text``."""
    for number, line in enumerate((FIXTURES / fixture).read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {fixture}")


def changes(report: airflow2.MigrationReport, code: str) -> list[airflow2.Change]:
    return [c for c in report.behaviour_changes if c.code == code]


def test_the_boilerplate_dag_lines_and_answers() -> None:
    report = analyse("sales_daily.py")["sales_daily"]
    fixture = "sales_daily.py"
    assert changes(report, "catchup-default")[0].line == line_of(fixture, "dag = DAG(")
    assert changes(report, "schedule_interval")[0].line == line_of(fixture, "schedule_interval=")
    assert changes(report, "concurrency")[0].line == line_of(fixture, "concurrency=4")
    assert changes(report, "start-date-timezone")[0].line == line_of(fixture, "days_ago(1)")
    assert changes(report, "is_delete_operator_pod")[0].line == line_of(fixture, "is_delete_operator_pod")
    assert changes(report, "office365-callback")[0].line == line_of(fixture, '"on_failure_callback"')
    assert [c.line for c in changes(report, "removed-template-variable")] == [line_of(fixture, "{{ next_ds }}")]
    assert report.answers == {
        "schedule": "0 2 * * *",
        "catchup": True,
        "max_active_tasks": 4,
        "start_date": "2026-04-30",  # days_ago(1) on the day of the migration
        "timezone": ZONE,
        "alerts": ["failure"],
        "teams_conn_id": "teams_webhook",
    }
    assert report.timetable == "CronDataIntervalTimetable"
    assert report.task_answers == {
        "export": {
            "arguments": [
                "--date",
                "{{ ds }}",
                "--until",
                "{{ " + TEMPLATE_VARIABLES["next_ds"].with_intervals + " }}",
            ],
            "on_finish_action": "delete_pod",
        }
    }
    office = changes(report, "office365-callback")[0].text
    assert "Workflows URL" in office and "teams_webhook" in office
    assert "ds" in changes(report, "cron-logical-date")[0].text
    assert "task 'export' secrets: DB_PASSWORD from db/password" in report.carried
    assert "task 'export' image pull secrets: regcred" in report.carried


def test_two_dags_in_one_file_are_reported_apart() -> None:
    reports = analyse("two_dags.py")
    hourly, reload = reports["orders_hourly"], reports["orders_reload"]
    assert hourly.task_answers["import_orders"]["arguments"] == ["--hour", "{{ logical_date.strftime('%Y-%m-%dT%H') }}"]
    assert reload.task_answers["reload_orders"] == {
        "arguments": ["--reload", "--as-of", "{{ logical_date }}"],
        "on_finish_action": "keep_pod",  # is_delete_operator_pod=False
    }
    assert hourly.answers["catchup"] is False and reload.answers["catchup"] is True
    assert reload.answers["schedule"] is None and reload.timetable is None
    # each registration and each dag= belongs to its own DAG
    assert [n.line for n in hourly.not_carried if n.code == "globals-registration"] == [
        line_of("two_dags.py", 'globals()["orders_hourly"]')
    ]
    assert [n.line for n in reload.not_carried if n.code == "dag-kwarg"] == [line_of("two_dags.py", "dag=dag_b")]
    assert all("one of 2 DAGs" in " ".join(r.carried) for r in reports.values())


def test_the_pipeline_carries_every_task_and_dependency() -> None:
    report = analyse("pipeline_weekdays.py")["finance_pipeline"]
    assert (
        "dependencies: extract >> transform_ledger, extract >> transform_invoices, "
        "transform_ledger >> load, transform_invoices >> load"
    ) in report.carried
    tasks = [
        line
        for line in report.carried
        if line.endswith("KubernetesPodOperator, image 'registry.example.com/finance/etl:3.2.0'")
    ]
    assert len(tasks) == 4
    assert len(changes(report, "is_delete_operator_pod")) == 4
    assert report.task_answers["extract"]["arguments"][2] == "{{ macros.ds_add(ds, -1) }}"
    assert report.task_answers["transform_invoices"]["arguments"][3] == "{{ macros.ds_add(ds, 1) | replace('-', '') }}"
    start = changes(report, "start-date-timezone")[0].text
    assert "05:30" in start and ZONE in start and "'30 5 * * 1-5'" in start
    office = changes(report, "office365-callback")[0].text
    assert "once per failed run" in office and "'teams_webhook_url'" in office
    assert "teams_conn_id" not in report.answers  # the URL was in a Variable: the team picks a connection


def test_the_interval_end_keeps_airflow3s_default_timetable() -> None:
    report = analyse("events_interval_end.py")["events_daily"]
    assert report.timetable == "CronTriggerTimetable"
    assert report.task_answers["count_events"]["arguments"] == [
        "--until", "{{ data_interval_end | ds }}", "--cutoff", "{{ data_interval_end }}",
    ]  # fmt: skip
    assert "start date 2024-01-01 in Europe/Amsterdam" in report.carried
    assert report.answers["timezone"] == "Europe/Amsterdam"  # an aware start date keeps its zone


def test_naive_dates_in_utc_name_no_schedule_move() -> None:
    report = analyse("two_dags.py", timezone="UTC")["orders_hourly"]
    text = changes(report, "start-date-timezone")[0].text
    assert "tz='UTC'" in text and "wall-clock" not in text


def test_schedule_default_follows_the_start_time() -> None:
    text = "from airflow import DAG\ndag = DAG('d', start_date=datetime(2024, 1, 1, 6, 15))\n"
    (report,) = airflow2.analyse_source(text, "d.py", today=TODAY)
    assert report.answers["schedule"] == "15 6 * * *"  # timedelta(days=1) from 06:15
    assert "schedule-default" in report.codes


def test_every_line_ruffs_airflow3_removal_rules_flag_is_in_the_report() -> None:
    """ruff's AIR301/AIR302 (removed, moved to a provider) findings on the fixtures land on lines
    the reports name, or on a use of a name whose import line they name. (AIR311, "still works
    but will be removed", flags ``from airflow import DAG``, which the template rewrites.)"""
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--preview", "--select", "AIR301,AIR302",
         "--output-format", "json", str(FIXTURES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if run.returncode == 2:
        pytest.skip(f"this ruff has no AIR301/AIR302: {run.stderr.strip()[:200]}")
    findings = json.loads(run.stdout)
    assert findings  # the fixtures are Airflow 2 code
    for finding in findings:
        path = Path(finding["filename"])
        line = finding["location"]["row"]
        named = {
            item.line
            for report in airflow2.analyse_file(path, timezone=ZONE, today=TODAY)
            for item in [*report.behaviour_changes, *report.not_carried, *report.blockers]
        }
        source = path.read_text().splitlines()
        imported = {
            alias.asname or alias.name: node.lineno
            for node in ast.walk(ast.parse("\n".join(source)))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        used = {at for name, at in imported.items() if re.search(rf"\b{name}\b", source[line - 1])}
        assert line in named or used & named, (path.name, line, finding["message"])


TASKFLOW = """\
import pendulum
from airflow.decorators import dag, task
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator


@dag(schedule_interval="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def taskflow_pods():
    \"\"\"Two pods.\"\"\"
    first = KubernetesPodOperator(task_id="first", image="a:1", arguments=["{{ next_ds }}"])
    second = KubernetesPodOperator(task_id="second", image="a:1")
    first >> second

    @task
    def helper():
        return 1


taskflow_pods()
"""


def test_a_dag_decorated_function_is_read_like_a_with_block() -> None:
    (report,) = airflow2.analyse_source(TASKFLOW, "taskflow.py", today=TODAY)
    assert report.dag_id == "taskflow_pods"
    assert report.codes == {"schedule_interval", "cron-logical-date", "removed-template-variable"}
    assert report.not_carried_codes == {"old-import", "custom-python"}  # the @task function
    assert [n.line for n in report.not_carried if n.code == "custom-python"] == [14]  # def helper
    assert "dependencies: first >> second" in report.carried
    assert report.task_answers["first"]["arguments"] == ["{{ data_interval_end | ds }}"]


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
# The report
# --------------------------------------------------------------------------------------------


def test_report_text() -> None:
    report = analyse("sales_daily.py")["sales_daily"]
    text = report.to_text()
    assert text.startswith("sales_daily (") and "can be migrated" in text.splitlines()[0]
    for change in report.behaviour_changes:
        assert f"line {change.line}: {change.text} [{change.code}]" in text
    for item in report.not_carried:
        assert f"[{item.code}]" in text and item.what in text
    blocked = analyse("python_check.py")["quality_check"].to_text()
    assert "cannot be migrated: 2 blockers" in blocked and "  blockers:" in blocked
    assert "(blocks) [other-operator]" in blocked


def _cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_report_markdown() -> None:
    report = analyse("ledger_prev_ds.py")["ledger_diff"]
    markdown = report.to_markdown()
    assert markdown.startswith("## `ledger_diff`\n")
    assert "**cannot be migrated: 2 blockers**" in markdown
    for heading in ("### Carried over", "### Behaviour changes", "### Not carried", "### Blockers"):
        assert heading in markdown
    rows = [
        line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith(("| Line", "| ---"))
    ]
    changes_rows = [r for r in rows if len(_cells(r)) == 3]
    not_carried_rows = [r for r in rows if len(_cells(r)) == 5]
    assert len(changes_rows) == len(report.behaviour_changes)
    assert len(not_carried_rows) == len(report.not_carried)
    assert len(changes_rows) + len(not_carried_rows) == len(rows)  # every | inside a cell is escaped
    events = analyse("events_interval_end.py")["events_daily"].to_markdown()
    assert "data_interval_end \\| ds" in events  # a Jinja filter in a table cell
    everything = airflow2.reports_to_markdown([report, analyse("sales_daily.py")["sales_daily"]])
    assert everything.startswith("# Migration report\n") and "2 DAGs, 1 can be migrated." in everything


# --------------------------------------------------------------------------------------------
# Never executed
# --------------------------------------------------------------------------------------------


def test_files_are_parsed_never_executed(tmp_path: Path) -> None:
    copy = tmp_path / "side_effects.py"
    shutil.copy(FIXTURES / "side_effects.py", copy)
    (report,) = airflow2.analyse_file(copy)
    assert report.dag_id == "one_off_backfill"
    assert not (tmp_path / "side_effects.imported").exists()
    assert "side_effects" not in sys.modules
    # what would have run is what blocks the migration
    assert {n.line for n in report.not_carried if n.code == "custom-python"} == {
        line_of("side_effects.py", "write_text"),
        line_of("side_effects.py", "raise RuntimeError"),
    }


@pytest.mark.airflow
def test_the_side_effects_fixture_does_what_it_says_when_run(tmp_path: Path) -> None:
    """The proof above holds: executing the fixture writes its mark and raises."""
    copy = tmp_path / "side_effects.py"
    shutil.copy(FIXTURES / "side_effects.py", copy)
    run = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode != 0 and "side_effects.py was imported" in run.stderr
    assert (tmp_path / "side_effects.imported").exists()


def test_unreadable_sources_are_refused(tmp_path: Path) -> None:
    from createdag.errors import UnreadableSource

    broken = tmp_path / "broken.py"
    broken.write_text("dag = DAG(\n")
    with pytest.raises(UnreadableSource):
        airflow2.analyse_file(broken)
    assert airflow2.analyse_source("x = 1\n", "nodag.py") == []
