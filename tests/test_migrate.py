"""``migrate`` as a codemod of the file as written (issue 24): our own fixtures in the styles of
real Airflow 1.10/2 dags repos; the corpus test runs over ``../shared/corpus`` where present."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from createdag import migrate
from createdag.codemods.registry import FIXERS, RULES, migrate_source

REPO = Path(__file__).resolve().parents[1]

POD_DAG = """\
from datetime import datetime, timedelta

from airflow import DAG
from airflow.contrib.kubernetes.secret import Secret
from airflow.operators.dummy_operator import DummyOperator
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import (
    KubernetesPodOperator,
)
from airflow.utils.dates import days_ago

from hooks.alerts import notify_teams

# the team's defaults: kept as written
default_args = {"owner": "data", "retries": 2, "task_concurrency": 1, "on_failure_callback": notify_teams}

with DAG(
    "orders_nightly",
    default_args=default_args,
    schedule_interval="0 3 * * *",
    start_date=days_ago(2),
    concurrency=4,
) as dag:
    start = DummyOperator(task_id="start")
    load = KubernetesPodOperator(
        task_id="load",
        name="load",
        namespace="etl",
        image="registry.example.com/etl:1.2",
        arguments=["--day", "{{ ds }}", "--until", "{{ next_ds }}"],
        resources={"request_memory": "1Gi", "limit_cpu": "2"},
        secrets=[Secret("env", "DB_PASSWORD", "db", "password")],
        is_delete_operator_pod=True,
    )
    start >> load
orders_nightly = dag  # a bare name: left alone
"""

HOOK = """\
import json

import requests
from airflow.hooks.base import BaseHook


def _card(text):
    return {"@type": "MessageCard", "@context": "http://schema.org/extensions", "text": text}


def notify_teams(context):
    url = BaseHook.get_connection("teams_webhook").host
    requests.post(url, data=json.dumps(_card(str(context["task_instance"]))))
"""


def _migrate_text(source: str) -> tuple[str, list]:
    result = migrate_source("dag.py", source, FIXERS)
    return result.new_source or source, result.findings


def test_every_rule_has_a_stable_unique_code_and_a_kind() -> None:
    codes = [rule.code for fixer in FIXERS for rule in fixer.rules]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("AIR3-") and RULES[code].kind in ("change", "review", "blocker") for code in codes)


def test_only_what_airflow_3_needs_changes() -> None:
    new, findings = _migrate_text(POD_DAG)
    codes = {f.code for f in findings}
    assert "from airflow.sdk import DAG" in new
    assert "from airflow.providers.standard.operators.empty import EmptyOperator" in new
    assert "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator" in new
    assert "from airflow.providers.cncf.kubernetes.secret import Secret" in new
    assert 'start = EmptyOperator(task_id="start")' in new
    assert 'schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC")' in new  # ds read: intervals kept
    assert "max_active_tasks=4" in new and "catchup=True" in new
    assert 'start_date=pendulum.today("UTC").add(days=-2)' in new
    assert 'on_finish_action="delete_pod"' in new
    assert "container_resources=k8s.V1ResourceRequirements(" in new and "'memory': \"1Gi\"" in new
    assert '"max_active_tis_per_dag": 1' in new
    assert '"{{ next_ds }}"' not in new  # translated (exact with the intervals kept)
    # what Airflow 3 does not need stays byte for byte: comments, the bare name, the dependency
    for kept in (
        "# the team's defaults: kept as written",
        "orders_nightly = dag  # a bare name: left alone",
        "    start >> load\n",
        '"owner": "data"',
    ):
        assert kept in new
    assert {
        "AIR3-import-moved",
        "AIR3-name-renamed",
        "AIR3-dag-argument",
        "AIR3-catchup-default",
        "AIR3-days-ago",
        "AIR3-pod-resources",
        "AIR3-operator-argument",
        "AIR3-template-variable",
        "AIR3-data-intervals",
        "AIR3-logical-date-optional",
    } <= codes
    assert not [f for f in findings if f.kind == "blocker"]
    compile(new, "dag.py", "exec")


def test_a_subdag_blocks_its_file_only_with_every_blocker_at_once(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "ok.py").write_text(POD_DAG.replace("from hooks.alerts import notify_teams\n", "notify_teams = None\n"))
    blocked = dags / "sub.py"
    original = (
        "from airflow.operators.subdag_operator import SubDagOperator\n"
        "from airflow.contrib.operators.unknown_operator import UnknownOperator\n"
    )
    blocked.write_text(original)
    outcome = migrate.migrate([dags])
    by_name = {o.path.name: o for o in outcome.files}
    assert by_name["sub.py"].status == "not migrated" and blocked.read_text() == original
    assert [f.code for f in by_name["sub.py"].findings if f.kind == "blocker"] == ["AIR3-import-removed"] * 2
    assert by_name["ok.py"].status == "migrated"
    assert (dags / "ok.py.airflow2.bak").exists() and outcome.failed


def test_dry_run_shows_diffs_and_writes_nothing_json_report(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    (dags / "hooks").mkdir(parents=True)
    (dags / "orders.py").write_text(POD_DAG)
    (dags / "hooks" / "alerts.py").write_text(HOOK)
    before = sorted(p.name for p in dags.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-m", "createdag", "migrate", "--dry-run", "--format", "json", str(dags)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert sorted(p.name for p in dags.rglob("*")) == before
    codes = {f["code"] for file in report["files"] for f in file["findings"]}
    assert "AIR3-office365-alert" in codes and "AIR3-office365-helper" in codes
    text = subprocess.run(
        [sys.executable, "-m", "createdag", "migrate", "--dry-run", str(dags)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
    )
    assert "+++ " in text.stdout and "-from airflow import DAG" in text.stdout


def test_the_office365_helper_becomes_the_teams_alert(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    (dags / "hooks").mkdir(parents=True)
    (dags / "orders.py").write_text(POD_DAG)
    (dags / "hooks" / "alerts.py").write_text(HOOK)
    outcome = migrate.migrate([dags])
    hook = (dags / "hooks" / "alerts.py").read_text()
    assert "send_alert(context, 'failure', conn_id='teams_webhook')" in hook
    assert "def _card" not in hook and "import requests" not in hook
    assert (dags / "teams_alerts.py").exists()
    alert = next(f for o in outcome.files for f in o.findings if f.code == "AIR3-office365-alert")
    assert "'teams_webhook'" in alert.message and "host" in alert.message


def test_in_place_needs_git(tmp_path: Path) -> None:
    path = tmp_path / "orders.py"
    path.write_text(POD_DAG)
    outcome = migrate.migrate([path], in_place=True)
    assert outcome.files[0].status == "not migrated" and path.read_text() == POD_DAG
    assert outcome.files[0].findings[-1].code == "AIR3-in-place-refused"


def test_unparsable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("from airflow import DAG\nwith DAG(:\n")
    outcome = migrate.migrate([path])
    assert [f.code for f in outcome.files[0].findings] == ["AIR3-syntax"]


@pytest.mark.airflow
def test_corpus_rate(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import corpus_migrate

    if not (corpus_migrate.CORPUS / "SOURCES.tsv").exists():
        pytest.skip(f"no corpus at {corpus_migrate.CORPUS} (../shared/corpus beside the clone)")
    found = corpus_migrate.run(tmp_path)
    assert not found.silent
    rate = len(found.same) / len(found.eligible)
    assert rate >= 0.9, (rate, found.failures)


def _docs_report() -> str:
    text = (REPO / "docs" / "migrate.md").read_text(encoding="utf-8")
    block = text.split("<!-- report: warehouse_nightly.py -->\n```text\n", 1)[1]
    return block.split("```", 1)[0]


def test_docs_show_the_report_the_tool_prints(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "warehouse_nightly.py").write_text((REPO / "tests/fixtures/airflow2/warehouse_nightly.py").read_text())
    done = subprocess.run(
        [sys.executable, "-m", "createdag", "migrate", "dags/warehouse_nightly.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == _docs_report()
    assert "wrote dags/warehouse_nightly.py" in done.stderr


def test_docs_name_every_code() -> None:
    text = (REPO / "docs" / "migrate.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in text for code in migrate.ALL_RULES)


@pytest.mark.airflow
def test_the_boilerplate_repo_migrates_whole_in_one_command(tmp_path: Path) -> None:
    """sawaca96/airflow-k8s-executor-example, the design this project started from: 9 files, 14 DAGs, the
    Office 365 hook module they import; one ``migrate --check`` run."""
    sys.path.insert(0, str(Path(__file__).parent))
    import corpus_migrate

    repo = corpus_migrate.CORPUS / "sawaca96__airflow-k8s-executor-example"
    if not repo.is_dir():
        pytest.skip(f"no corpus at {corpus_migrate.CORPUS} (../shared/corpus beside the clone)")
    dags = tmp_path / "repo" / "dags"
    (dags / "hooks").mkdir(parents=True)
    for path in repo.glob("dags__*.py"):
        (dags / path.name.removeprefix("dags__")).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for path in (repo / "support" / "dags" / "hooks").glob("*.py"):
        (dags / "hooks" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    outcome = migrate.migrate([dags], check=True)
    assert not outcome.failed, migrate.report_text(outcome)
    statuses = {o.path.name: o.status for o in outcome.files}
    assert statuses.pop("__init__.py") == "unchanged"
    assert set(statuses.values()) == {"migrated"} and len(statuses) == 10
    hook = (dags / "hooks" / "ms_teams_hook.py").read_text()
    assert (
        "send_alert(context, 'failure', conn_id='msteams_webhook_url')" in hook
        and "MessageCard" not in hook.split('"""', 2)[2]
    )
    from createdag.codemods import structure

    loaded = structure.load(dags, sorted(dags.glob("*.py")))
    dag_ids = [d for result in loaded.values() if not result["error"] for d in result["dags"]]
    assert not [r["error"] for p, r in loaded.items() if r["error"] and not p.endswith("teams_alerts.py")]
    assert len(dag_ids) == 14


ADOPTABLE = """\
from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator

with DAG(
    dag_id="nightly",
    schedule_interval="0 3 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["etl"],
    default_args={"owner": "data", "retries": 1},
) as dag:
    extract = KubernetesPodOperator(
        task_id="extract",
        name="extract",
        namespace="etl",
        image="registry.example.com/etl:1.0",
        is_delete_operator_pod=True,
    )
"""


def test_adopt_takes_a_migrated_pod_dag_into_the_template(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "nightly.py").write_text(ADOPTABLE)
    (dags / "orders.py").write_text(POD_DAG.replace("from hooks.alerts import notify_teams\n", "notify_teams = None\n"))
    outcome = migrate.migrate([dags], adopt=True)
    codes = {o.path.name: {f.code for f in o.findings} for o in outcome.files}
    assert "AIR3-adopted" in codes["nightly.py"] and (dags / ".create_dag" / "nightly.json").exists()
    assert "AIR3-not-adopted" in codes["orders.py"]  # an EmptyOperator, days_ago...: stays as written
    assert "on_finish_action" in (dags / "nightly.py").read_text()


REPO_ROOTED_DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator

from dags.helpers.naming import team_of

with DAG("repo_rooted", schedule_interval=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    BashOperator(task_id="hello", bash_command="echo " + team_of("x"))
"""
REPO_ROOTED_HELPER = """\
from airflow.hooks.base_hook import BaseHook  # moved in Airflow 3: the original cannot load there


def team_of(name):
    return name + "-team"
"""


@pytest.mark.airflow
def test_check_loads_the_migrated_copy_not_the_files_where_it_runs(tmp_path: Path) -> None:
    """A repo that imports its helpers from the repo root (``from dags.helpers...``), migrated
    from that root: ``--check`` must load the migrated copy, not the Airflow 2 originals that sit
    in the working folder, and the folder's own alert module is never taken for one to migrate."""
    dags = tmp_path / "dags"
    (dags / "helpers").mkdir(parents=True)
    (dags / "helpers" / "__init__.py").write_text("")
    (dags / "helpers" / "naming.py").write_text(REPO_ROOTED_HELPER)
    (dags / "repo_rooted.py").write_text(REPO_ROOTED_DAG)
    from createdag import resources

    shipped = resources.alerts_module_source()
    (dags / "teams_alerts.py").write_text(shipped)
    run = subprocess.run([sys.executable, str(REPO / "create_dag.py"), "migrate", "dags", "--check"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "dags/repo_rooted.py: migrated" in run.stdout + run.stderr
    assert "from airflow.hooks.base import BaseHook" in (dags / "helpers" / "naming.py").read_text()
    assert (dags / "teams_alerts.py").read_text() == shipped
