"""create_dag.py migrate: Airflow 2 pod DAG files become recorded Airflow 3 DAGs through the template.

Each fixture of tests/fixtures/airflow2/ that can be migrated on today's main is
migrated and loaded by Airflow 3.3 as the DAG processor does, and compared with
what the Airflow 2 source says (read here from its literals, with airflow2's
translation of removed template variables); the others are refused with their
report and nothing is written for them.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, load_dagbag
from test_airflow2 import EXPECTED, FIXTURES

from createdag import airflow2, dagsource, migrate
from createdag.cli import main

ZONE = "Europe/Amsterdam"
#: fixture -> its dag_ids, for the fixtures every DAG of which migrates on today's main
MIGRATABLE = {
    "warehouse_nightly.py": ["warehouse_nightly"],
    "manual_and_weekly.py": ["inventory_backfill", "inventory_cleanup"],
    "events_interval_end.py": ["events_daily"],
    "sales_daily.py": ["sales_daily"],  # keeps Airflow 2's data intervals: CronDataIntervalTimetable
    "two_dags.py": ["orders_hourly", "orders_reload"],  # orders_reload: is_delete_operator_pod=False, keep_pod
    "pipeline_weekdays.py": ["finance_pipeline"],
}
#: fixture -> blocker codes of its refusal (the DAG's own, and those migrate adds)
REFUSED = {
    "python_check.py": {"custom-python", "other-operator"},
    "ledger_prev_ds.py": {"removed-template-variable"},
    "dag_loop.py": {"dag-loop"},
    "legacy_contrib.py": {"variable-at-parse-time"},
    "side_effects.py": {"custom-python", "removed-template-variable"},
}
#: DAGs of a refused fixture that have no blocker of their own: refused with their file (migrated whole)
REFUSED_WITH_THEIR_FILE: set[tuple[str, str]] = set()


def test_every_fixture_is_migrated_or_refused() -> None:
    assert set(MIGRATABLE) | set(REFUSED) == {path.name for path in FIXTURES.glob("*.py")}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dags repo whose config says Europe/Amsterdam; the working directory."""
    (tmp_path / ".create_dag.toml").write_text(f'timezone = "{ZONE}"\n')
    (tmp_path / "dags").mkdir()
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    while str(tmp_path / "dags") in sys.path:
        sys.path.remove(str(tmp_path / "dags"))
    sys.modules.pop("teams_alerts", None)


def put(repo: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        shutil.copy(FIXTURES / name, repo / "dags" / name)
        paths.append(Path("dags") / name)
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["migrate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def tree_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------
# What the Airflow 2 source says, read from its literals
# --------------------------------------------------------------------------------------------


class Source:
    """The literals of an Airflow 2 fixture: module-level names resolved, Secret and
    V1LocalObjectReference calls read as Airflow 2 built them."""

    def __init__(self, name: str) -> None:
        self.tree = ast.parse((FIXTURES / name).read_text())
        self.names: dict[str, ast.expr] = {}
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                self.names[stmt.targets[0].id] = stmt.value

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Name):
            return self.value(self.names[node.id]) if node.id in self.names else ("name", node.id)
        if isinstance(node, ast.List):
            return [self.value(item) for item in node.elts]
        if isinstance(node, ast.Dict):
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values, strict=True) if k}
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [self.value(a) for a in node.args]
            given = {k.arg: self.value(k.value) for k in node.keywords}
            if name == "Secret":
                return ("env", *args[1:4])
            if name == "V1LocalObjectReference":
                return args[0] if args else given["name"]
            if name == "timedelta":
                return ("timedelta", given)
            if name == "V1ResourceRequirements":
                return given
            return (name, args, given)
        return ast.literal_eval(node)

    def dags(self) -> list[tuple[str, dict[str, Any], ast.AST]]:
        """(dag_id, the DAG's arguments, the node its tasks are under or named by)."""
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DAG":
                given = {k.arg: self.value(k.value) for k in node.keywords}
                dag_id = self.value(node.args[0]) if node.args else given["dag_id"]
                found.append((dag_id, given, node))
        return found

    def tasks(self, dag_id: str) -> dict[str, dict[str, Any]]:
        """The pod tasks of ``dag_id``: their arguments as Airflow 2 got them."""
        dags = self.dags()
        ours = next(node for found, _, node in dags if found == dag_id)
        variable = {
            stmt.targets[0].id: stmt.value
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
        }
        dag_names = {name for name, value in variable.items() if value is ours}
        inside: set[int] = set()
        for stmt in ast.walk(self.tree):
            if isinstance(stmt, ast.With) and any(item.context_expr is ours for item in stmt.items):
                inside |= {id(n) for n in ast.walk(stmt)}
        tasks = {}
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "KubernetesPodOperator"):
                continue
            given = {k.arg: k.value for k in node.keywords}
            dag = given.get("dag")
            if not ((isinstance(dag, ast.Name) and dag.id in dag_names) or id(node) in inside or len(dags) == 1):
                continue
            values = {key: self.value(value) for key, value in given.items() if key != "dag"}
            tasks[values["task_id"]] = values
        return tasks


def expected_tasks(fixture: str, dag_id: str) -> dict[str, dict[str, Any]]:
    """Each task as the migrated DAG must hold it: Airflow 2's values, removed template
    variables translated as airflow2 says."""
    (report,) = [r for r in airflow2.analyse_file(FIXTURES / fixture, timezone=ZONE) if r.dag_id == dag_id]
    once = report.answers.get("schedule") == "@once"
    tasks = {}
    for task_id, values in Source(fixture).tasks(dag_id).items():
        translated, _, left = airflow2.translate_value(
            {k: values.get(k) for k in ("cmds", "arguments", "env_vars")}, report.keeps_intervals, once=once
        )
        assert not left
        tasks[task_id] = {
            "image": values["image"],
            "namespace": values["namespace"],
            "cmds": translated["cmds"] or [],
            "arguments": translated["arguments"] or [],
            "env_vars": translated["env_vars"] or {},
            "secrets": sorted(values.get("secrets") or []),
            "image_pull_secrets": values.get("image_pull_secrets") or [],
            "resources": values.get("container_resources"),
        }
    return tasks


def dependencies_read(fixture: str, dag_id: str) -> set[tuple[str, str]]:
    """The dependencies airflow2 read from the Airflow 2 source."""
    (report,) = [r for r in airflow2.analyse_file(FIXTURES / fixture, timezone=ZONE) if r.dag_id == dag_id]
    line = next((c for c in report.carried if c.startswith("dependencies: ")), "dependencies: ")
    pairs = [part.split(" >> ") for part in line.removeprefix("dependencies: ").split(", ") if part]
    return {(a, b) for a, b in pairs}


# --------------------------------------------------------------------------------------------
# Migrated, then loaded by Airflow 3.3
# --------------------------------------------------------------------------------------------


@pytest.mark.airflow
@pytest.mark.parametrize("fixture", list(MIGRATABLE))
def test_migrated_dags_load_in_airflow_3_as_the_original(
    fixture: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (path,) = put(repo, fixture)
    code, _out, err = run(capsys, str(path))
    assert code == 0, err
    dags = repo / "dags"
    assert not (dags / fixture).exists() or fixture.removesuffix(".py") in MIGRATABLE[fixture]
    assert (dags / (fixture + migrate.BACKUP_SUFFIX)).read_text() == (FIXTURES / fixture).read_text()
    bag = load_dagbag(dags)
    assert not bag.import_errors, bag.import_errors
    assert sorted(bag.dag_ids) == sorted(MIGRATABLE[fixture])  # same dag_ids, one file each
    source = Source(fixture)
    for dag_id, given, _ in source.dags():
        dag = bag.dags[dag_id]
        assert Path(dag.fileloc).name == f"{dag_id}.py"
        expected = expected_tasks(fixture, dag_id)
        assert set(dag.task_dict) == set(expected)
        for task_id, want in expected.items():
            task = dag.task_dict[task_id]
            assert task.image == want["image"] and task.namespace == want["namespace"]
            assert task.cmds == want["cmds"]
            assert task.arguments == want["arguments"]
            env = task.env_vars or {}
            assert (env if isinstance(env, dict) else {e.name: e.value for e in env}) == want["env_vars"]
            assert sorted((s.deploy_type, s.deploy_target, s.secret, s.key) for s in task.secrets) == want["secrets"]
            assert [r.name for r in task.image_pull_secrets or []] == want["image_pull_secrets"]
            resources = task.container_resources
            if want["resources"] is None:
                assert resources is None
            else:
                assert {"requests": resources.requests, "limits": resources.limits} == want["resources"]
            kept = (fixture, dag_id) == ("two_dags.py", "orders_reload")  # is_delete_operator_pod=False
            assert task.on_finish_action.value == ("keep_pod" if kept else "delete_pod")
            default_args = source.value(source.names["default_args"]) if "default_args" in source.names else {}
            default_args = given.get("default_args", default_args) or {}
            assert task.retries == default_args.get("retries", 0)
            delay = default_args.get("retry_delay", ("timedelta", {"minutes": 5}))[1]
            assert task.retry_delay.total_seconds() == 60 * delay.get("minutes", 0)
            assert task.owner == default_args.get("owner", "airflow")
        edges = {(up, task_id) for task_id, task in dag.task_dict.items() for up in task.upstream_task_ids}
        assert edges == dependencies_read(fixture, dag_id)
        assert dag.max_active_runs == given.get("max_active_runs", 16)
        assert dag.max_active_tasks == given.get("concurrency", given.get("max_active_tasks", 16))
        assert dag.catchup == given.get("catchup", True)  # Airflow 2's default, stated
        schedule = given.get("schedule_interval", given.get("schedule"))
        if fixture in ("sales_daily.py", "two_dags.py", "pipeline_weekdays.py") and dag_id != "orders_reload":
            # their commands read the logical date: Airflow 2's data intervals kept, so {{ ds }} is the same
            assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
            assert dag.timetable.expression == {"@hourly": "0 * * * *"}.get(schedule, schedule)
        else:
            assert dag.schedule == schedule
            # Airflow 3's default cron timetable: these DAGs read the interval end only, or no date
            assert type(dag.timetable).__name__ == ("NullTimetable" if schedule is None else "CronTriggerTimetable")
        assert dag.timezone.name == ZONE  # aware in that zone, or naive and put in the repo's
        name, args, _ = given["start_date"]
        start = dt.date.today() - dt.timedelta(days=args[0]) if name == "days_ago" else dt.date(*args[:3])
        assert dag.start_date.in_timezone(ZONE).date() == start and dag.start_date.in_timezone(ZONE).hour == 0


@pytest.mark.parametrize("fixture", list(MIGRATABLE))
def test_migrated_files_are_ruff_air_clean_and_update_manages_them(
    fixture: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (path,) = put(repo, fixture)
    code, _, err = run(capsys, str(path))
    assert code == 0, err
    files = [repo / "dags" / f"{dag_id}.py" for dag_id in MIGRATABLE[fixture]]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--preview", "--select", "AIR",
         *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    for dag_id in MIGRATABLE[fixture]:
        record = json.loads((repo / "dags" / ".create_dag" / f"{dag_id}.json").read_text())
        assert record["path"] == f"{dag_id}.py"
        assert main(["update", "-o", "dags", "--set", "retries=7", dag_id]) == 0
        assert '"retries": 7,' in (repo / "dags" / f"{dag_id}.py").read_text()
        capsys.readouterr()


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def sections(text: str) -> dict[str, dict[str, set[str]]]:
    """The printed report, per DAG: the codes of each section."""
    found: dict[str, dict[str, set[str]]] = {}
    current: dict[str, set[str]] = {}
    part = ""
    for line in text.splitlines():
        head = re.match(r"(\S.*?) \(.*\): (can be migrated|cannot be migrated.*)$", line)
        if head:
            current = found.setdefault(head.group(1), {})
            continue
        if line.startswith("  ") and not line.startswith("    ") and line.endswith(":"):
            part = line.strip().rstrip(":")
            current.setdefault(part, set())
            continue
        code = re.search(r"\[([a-z0-9_-]+)\]$", line)
        if code and part:
            current[part].add(code.group(1))
    return found


@pytest.mark.parametrize("fixture", sorted({name for name, _ in EXPECTED}))
def test_the_report_names_each_detected_change_and_only_those(
    fixture: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (path,) = put(repo, fixture)
    code, out, _ = run(capsys, "--dry-run", str(path))
    assert code == (0 if fixture in MIGRATABLE else 1)
    printed = sections(out)
    for (name, dag_id), wanted in EXPECTED.items():
        if name != fixture:
            continue
        shown = printed[dag_id if dag_id is not None else "the DAG at line 12"]
        assert shown["behaviour changes"] == wanted.changes
        assert shown["not carried"] == wanted.not_carried
        blockers = shown.get("blockers", set())
        assert wanted.blockers <= blockers
        if fixture in REFUSED and (fixture, dag_id) not in REFUSED_WITH_THEIR_FILE:
            assert blockers  # and the file is not migrated
    if fixture in REFUSED:
        assert set().union(*(p.get("blockers", set()) for p in printed.values())) == REFUSED[fixture]


def test_the_markdown_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "warehouse_nightly.py", "python_check.py")
    code, _out, _err = run(capsys, "--dry-run", "--report", "report.md", "dags")
    assert code == 1
    markdown = (repo / "report.md").read_text()
    assert markdown.startswith("# Migration report\n") and "2 DAGs, 1 can be migrated." in markdown
    assert "## `warehouse_nightly`" in markdown and "`custom-python`" in markdown


# --------------------------------------------------------------------------------------------
# Refusals, and what is written
# --------------------------------------------------------------------------------------------


def test_a_file_with_something_not_carried_is_refused_and_nothing_is_written(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(repo, "python_check.py")
    before = tree_of(repo)
    code, out, err = run(capsys, "dags/python_check.py")
    assert code == 1
    assert tree_of(repo) == before
    assert "quality_check (dags/python_check.py, line 18): cannot be migrated: 2 blockers" in out
    assert "PythonOperator: the template writes KubernetesPodOperator tasks only" in out
    assert "not migrated" in err and "migrated 0 of 1 DAG" in err


def test_a_file_is_migrated_whole_or_not_at_all(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two DAGs in one file, one of which reads a variable with no Airflow 3 equivalent: neither is written."""
    put(repo, "events_interval_end.py")
    text = (FIXTURES / "two_dags.py").read_text()
    (repo / "dags" / "two_dags.py").write_text(text.replace("{{ execution_date.strftime('%Y-%m-%dT%H') }}", "{{ prev_ds }}"))
    code, _out, err = run(capsys, "dags")
    assert code == 1
    assert (repo / "dags" / "two_dags.py").exists() and not (repo / "dags" / "orders_hourly.py").exists()
    assert "orders_hourly cannot be migrated (a file is migrated whole" in err
    assert (repo / "dags" / "events_daily.py").exists()  # the other file was migrated
    assert "migrated 1 of 3 DAGs" in err


def test_answers_main_does_not_have_yet_are_blockers_named_so(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both answers the migration once waited for have landed: nothing is refused for want of them."""
    put(repo, "two_dags.py")
    _, out, _ = run(capsys, "--dry-run", "dags")
    assert "not possible yet:" not in out and "[needs-data-intervals]" not in out and "[needs-keep-pod]" not in out
    assert {p.code for p in migrate.PENDING.values()} == {"needs-data-intervals", "needs-keep-pod"}
    assert all(p.landed for p in migrate.PENDING.values())


def test_switching_a_pending_answer_on_is_one_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once landed, the answer is given instead of the blocker (the answers here; the template
    then writes them)."""
    from dataclasses import replace

    for key in migrate.PENDING:
        monkeypatch.setitem(migrate.PENDING, key, replace(migrate.PENDING[key], landed=True))
    tree = dagsource.read_tree(FIXTURES / "two_dags.py")
    reports = airflow2.analyse_file(FIXTURES / "two_dags.py", timezone=ZONE)
    hourly = migrate.dag_answers(reports[0], migrate.read_tasks(tree, 0))
    reload = migrate.dag_answers(reports[1], migrate.read_tasks(tree, 1))
    assert hourly is not None and hourly["data_intervals"] is True
    assert reload is not None and reload["tasks"][0]["on_finish_action"] == "keep_pod"
    assert "data_intervals" not in reload


def test_is_delete_operator_pod_becomes_on_finish_action(tmp_path: Path) -> None:
    """False kept the pod after it finished: keep_pod; True deleted it: delete_pod."""
    from createdag import create
    from createdag.settings import Settings

    tree = dagsource.read_tree(FIXTURES / "two_dags.py")
    reports = airflow2.analyse_file(FIXTURES / "two_dags.py", timezone=ZONE)
    assert migrate.PENDING["on_finish_action"].landed
    reload = migrate.dag_answers(reports[1], migrate.read_tasks(tree, 1))
    assert reload is not None and [task["on_finish_action"] for task in reload["tasks"]] == ["keep_pod"]
    assert not [b for b in reports[1].blockers if b.code == "needs-keep-pod"]
    (written,) = create.create([reload], Settings(output_dir=tmp_path), source="test").paths
    assert '        on_finish_action="keep_pod",\n' in written.read_text()
    # orders_hourly (is_delete_operator_pod=True) waits for data intervals; its task's answer is there
    hourly = reports[0]
    assert {task: given["on_finish_action"] for task, given in hourly.task_answers.items()} == {
        "import_orders": "delete_pod"
    }


def test_dry_run_shows_the_diff_and_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "manual_and_weekly.py")
    before = tree_of(repo)
    code, out, err = run(capsys, "--dry-run", "dags/manual_and_weekly.py")
    assert code == 0
    assert tree_of(repo) == before
    assert "--- dags/manual_and_weekly.py\n+++ dags/inventory_backfill.py\n" in out
    assert "+++ dags/inventory_cleanup.py\n" in out
    assert "-    schedule_interval=None," in out and "+    schedule=None," in out
    assert "renamed dags/manual_and_weekly.py -> dags/manual_and_weekly.py.airflow2.bak" in out
    assert "would migrate 2 of 2 DAGs" in err


def test_several_dags_become_one_file_each_and_the_folder_holds_each_dag_id_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(repo, "manual_and_weekly.py")
    code, _, err = run(capsys, "dags")
    assert code == 0, err
    py = sorted(p.name for p in (repo / "dags").glob("*.py"))
    assert py == ["inventory_backfill.py", "inventory_cleanup.py"]
    assert (repo / "dags" / "manual_and_weekly.py.airflow2.bak").exists()
    ids = [i for p in (repo / "dags").glob("*.py") for i in dagsource.dag_ids(ast.parse(p.read_text()))]
    assert sorted(ids) == ["inventory_backfill", "inventory_cleanup"]


def test_a_dag_id_defined_elsewhere_in_the_repo_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "events_interval_end.py")
    other = repo / "dags" / "team_b"
    other.mkdir()
    (other / "copy.py").write_text('from airflow.sdk import DAG\nDAG("events_daily", schedule=None)\n')
    before = tree_of(repo)
    code, out, _ = run(capsys, "dags/events_interval_end.py")
    assert code == 1 and tree_of(repo) == before
    assert "'events_daily' is also the dag_id of" in out and "[dag-id-taken]" in out


def test_folders_skip_files_create_dag_manages(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "events_interval_end.py")
    assert run(capsys, "dags")[0] == 0
    code, _, err = run(capsys, "dags")  # again: events_daily.py is recorded now
    assert code == 0 and "skipped dags/events_daily.py: managed by create_dag already" in err


def test_files_are_never_executed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "side_effects.py")
    code, _out, _ = run(capsys, "dags")
    assert code == 1
    assert not list(repo.rglob("side_effects.imported")) and "side_effects" not in sys.modules


def test_exit_codes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "events_interval_end.py")
    assert run(capsys, "--dry-run", "dags")[0] == 0
    assert run(capsys, "nowhere.py")[0] == 1
    (repo / "dags" / "broken.py").write_text("dag = DAG(\n")
    code, _, err = run(capsys, "dags/broken.py")
    assert code == 1 and "not migrated" in err


# --------------------------------------------------------------------------------------------
# --in-place
# --------------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env, timeout=60)


def test_in_place_outside_git_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "events_interval_end.py")
    before = tree_of(repo)
    code, _, err = run(capsys, "--in-place", "dags")
    assert code == 1 and tree_of(repo) == before
    assert "is not in a git work tree" in err


def test_in_place_needs_the_file_committed_unchanged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "init", "-q")
    put(repo, "events_interval_end.py")
    code, _, err = run(capsys, "--in-place", "dags")
    assert code == 1 and "is not committed" in err
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "airflow 2")
    with (repo / "dags" / "events_interval_end.py").open("a") as handle:
        handle.write("# edited\n")
    code, _, err = run(capsys, "--in-place", "dags")
    assert code == 1 and "has changes not committed" in err
    git(repo, "checkout", "--", "dags/events_interval_end.py")
    code, _, err = run(capsys, "--in-place", "dags")
    assert code == 0, err
    assert not (repo / "dags" / "events_interval_end.py").exists()
    assert not list((repo / "dags").glob("*.bak"))
    assert (repo / "dags" / "events_daily.py").exists()
    assert "removed dags/events_interval_end.py (git holds the Airflow 2 version)" in err


# --------------------------------------------------------------------------------------------
# docs/migrate.md
# --------------------------------------------------------------------------------------------


def test_the_report_in_the_docs_is_what_the_tool_prints(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = (REPO / "docs" / "migrate.md").read_text()
    match = re.search(r"<!-- report: warehouse_nightly.py -->\n```text\n(.*?)```\n", doc, re.S)
    assert match, "docs/migrate.md holds the report of warehouse_nightly.py"
    put(repo, "warehouse_nightly.py")
    code, out, _ = run(capsys, "dags/warehouse_nightly.py")
    assert code == 0
    assert match.group(1) == out


@pytest.mark.parametrize("in_place", [False, True])
def test_when_writing_fails_the_airflow2_file_is_put_back(
    in_place: bool, repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from createdag import create
    from createdag.errors import WriteFailed

    if in_place:
        git(repo, "init", "-q")
    put(repo, "events_interval_end.py")
    if in_place:
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "airflow 2")
    before = tree_of(repo / "dags")

    def full(*args: Any, **kwargs: Any) -> Any:
        raise WriteFailed("no space left on device; nothing was written")

    monkeypatch.setattr(create, "create", full)
    code, _, err = run(capsys, *(["--in-place"] if in_place else []), "dags")
    assert code == 1
    assert tree_of(repo / "dags") == before
    assert "no space left on device" in err and "the Airflow 2 file is back in place" in err


def test_a_dag_id_two_files_define_is_refused_in_both(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Even when both are migrated in one run: had one been refused, its copy would stay."""
    put(repo, "events_interval_end.py")
    shutil.copy(FIXTURES / "events_interval_end.py", repo / "dags" / "events_again.py")
    before = tree_of(repo)
    code, out, _ = run(capsys, "dags")
    assert code == 1 and tree_of(repo) == before
    assert out.count("[dag-id-taken]") >= 2


def test_pod_options_are_carried_as_answers(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The pod options the template writes migrate as task answers; one it does not know blocks."""
    text = (FIXTURES / "events_interval_end.py").read_text()
    options = (
        "        is_delete_operator_pod=False,\n"
        '        service_account_name="events-runner",\n'
        "        get_logs=False,\n"
        '        labels={"team": "events"},\n'
        '        tolerations=[{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}],\n'
    )
    (repo / "dags" / "events.py").write_text(text.replace("        is_delete_operator_pod=True,\n", options))
    code, out, err = run(capsys, "dags/events.py")
    assert code == 0, out + err
    migrated = (repo / "dags" / "events_daily.py").read_text()
    for line in ('service_account_name="events-runner",', 'labels={"team": "events"},', "get_logs=False,",
                 'k8s.V1Toleration(key="spot", operator="Exists", effect="NoSchedule"),',
                 'on_finish_action="keep_pod",'):  # fmt: skip
        assert f"        {line}\n" in migrated
    assert "task 'count_events' get_logs=False" in out

    (repo / "dags" / "hostile.py").write_text(text.replace("dag_id=\"events_daily\"", "dag_id=\"events_hostile\"")
                                              .replace("        is_delete_operator_pod=True,\n",
                                                       "        hostnetwork=True,\n"))  # fmt: skip
    code, out, _ = run(capsys, "dags/hostile.py")
    assert code == 1 and "task 'count_events' hostnetwork: the template does not write it [pod-setting]" in out


def test_removed_template_variables_in_pod_option_models_are_translated(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (FIXTURES / "events_interval_end.py").read_text()
    text = text.replace("import pendulum\n", "import pendulum\nfrom kubernetes.client import models as k8s\n")
    options = (
        "        is_delete_operator_pod=True,\n"
        '        volumes=[k8s.V1Volume(name="out", empty_dir=k8s.V1EmptyDirVolumeSource())],\n'
        '        volume_mounts=[k8s.V1VolumeMount(name="out", mount_path="/out", sub_path="{{ next_ds }}")],\n'
    )
    (repo / "dags" / "events.py").write_text(text.replace("        is_delete_operator_pod=True,\n", options))
    code, out, err = run(capsys, "dags/events.py")
    assert code == 0, out + err
    migrated = (repo / "dags" / "events_daily.py").read_text()
    assert 'sub_path="{{ data_interval_end | ds }}"' in migrated and "next_ds" not in migrated
