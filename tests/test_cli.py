"""The command line end to end, in a subprocess, as a user or CI would run it.

Exit codes: 0 done, 1 invalid input or refused overwrite (and then nothing is
written), 130 on Ctrl-C (see test_prompt_pty.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

REQUIRED = ["--set", "dag_id=sales_daily", "--set", "image=ghcr.io/acme/sales:1.2.0"]


def run_cli(*args: str, cwd: Path, stdin: str | None = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def files_in(path: Path) -> list[str]:
    """The DAG folder's files (the .create_dag/ records are checked on their own)."""
    return sorted(p.name for p in path.iterdir() if not p.name.startswith(".")) if path.exists() else []


def test_no_input_writes_dag_and_alert_module(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path / "dags") == ["sales_daily.py", "teams_alerts.py"]
    assert (tmp_path / "dags" / "teams_alerts.py").read_text() == (REPO / "hooks" / "teams_alerts.py").read_text()
    assert "wrote dags/sales_daily.py" in result.stderr
    assert (tmp_path / "dags" / ".create_dag" / "sales_daily.json").is_file()  # for `update`


def test_output_dir_flag(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, "-o", "repo/dags", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "repo" / "dags" / "sales_daily.py").exists()


def test_without_alerts_no_alert_module(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, "--set", "alerts=none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path / "dags") == ["sales_daily.py"]
    assert "teams_alerts" not in (tmp_path / "dags" / "sales_daily.py").read_text()


def test_dry_run_prints_and_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("--no-input", "--dry-run", *REQUIRED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'dag_id="sales_daily"' in result.stdout
    compile(result.stdout, "dry-run", "exec")
    assert not (tmp_path / "dags").exists()


def test_refuses_overwrite_without_force(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "sales_daily.py").write_text("# my hand-written work\n")
    result = run_cli("--no-input", *REQUIRED, cwd=tmp_path)
    assert result.returncode == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (dags / "sales_daily.py").read_text() == "# my hand-written work\n"
    assert files_in(dags) == ["sales_daily.py"]


def test_force_replaces(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "sales_daily.py").write_text("# old\n")
    result = run_cli("--no-input", "--force", *REQUIRED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'dag_id="sales_daily"' in (dags / "sales_daily.py").read_text()


def test_different_alert_module_is_kept(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "teams_alerts.py").write_text("# team's own edits\n")
    result = run_cli("--no-input", "--force", *REQUIRED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (dags / "teams_alerts.py").read_text() == "# team's own edits\n"
    assert "kept yours" in result.stderr


def test_no_terminal_without_no_input_exits_instead_of_hanging(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path, stdin="")
    assert result.returncode == 1
    assert "not a terminal" in result.stderr and "--no-input" in result.stderr
    assert not (tmp_path / "dags").exists()


def test_answers_file_many_dags(tmp_path: Path) -> None:
    answers = [
        {"dag_id": "a_daily", "image": "busybox:1.36", "schedule": "@daily"},
        {"dag_id": "b_hourly", "image": "busybox:1.36", "schedule": "0 * * * *", "concurrency": 3},
    ]
    (tmp_path / "dags.json").write_text(json.dumps(answers))
    result = run_cli("--answers", "dags.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path / "dags") == ["a_daily.py", "b_hourly.py", "teams_alerts.py"]
    assert "max_active_tasks=3" in (tmp_path / "dags" / "b_hourly.py").read_text()


def test_answers_yaml_with_set_override(tmp_path: Path) -> None:
    (tmp_path / "dag.yaml").write_text(
        "dag_id: etl\nimage: busybox:1.36\ntags: [finance, daily]\n"
        "secrets:\n  - {env: DB_PASSWORD, secret: db-creds, key: password}\nretries: 1\n"
    )
    result = run_cli("--answers", "dag.yaml", "--set", "retries=4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "dags" / "etl.py").read_text()
    assert '"retries": 4' in source
    assert 'tags=["finance", "daily"]' in source
    assert 'secret="db-creds"' in source


def test_batch_with_one_bad_entry_writes_nothing(tmp_path: Path) -> None:
    answers = [
        {"dag_id": "good", "image": "busybox:1.36"},
        {"dag_id": "bad id", "image": "busybox:1.36"},
    ]
    (tmp_path / "dags.json").write_text(json.dumps(answers))
    result = run_cli("--answers", "dags.json", cwd=tmp_path)
    assert result.returncode == 1
    assert "DAG #2" in result.stderr and "dag_id" in result.stderr
    assert not (tmp_path / "dags").exists()


def test_batch_duplicate_dag_ids_refused(tmp_path: Path) -> None:
    (tmp_path / "dags.json").write_text(json.dumps([{"dag_id": "x1", "image": "a:1"}] * 2))
    result = run_cli("--answers", "dags.json", cwd=tmp_path)
    assert result.returncode == 1
    assert "appears twice" in result.stderr
    assert not (tmp_path / "dags").exists()


def test_batch_refuses_before_writing_anything(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "second.py").write_text("# existing\n")
    (tmp_path / "dags.json").write_text(
        json.dumps([{"dag_id": "first", "image": "a:1"}, {"dag_id": "second", "image": "a:1"}])
    )
    result = run_cli("--answers", "dags.json", cwd=tmp_path)
    assert result.returncode == 1
    assert files_in(dags) == ["second.py"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("dag_id: [unclosed\n", "not valid YAML"),
        ("- 1\n- 2\n", "expected one mapping"),
        ("dag_id: x\nimage: a:1\nschedule_interval: '@daily'\n", "unknown key"),
        ("dag_id: x\nimage: a:1\ndescription: yes\n", "not text: quote it"),
    ],
)
def test_bad_answers_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "a.yaml").write_text(content)
    result = run_cli("--answers", "a.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "dags").exists()


def test_missing_answers_file(tmp_path: Path) -> None:
    result = run_cli("--answers", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot read answers file nope.yaml" in result.stderr


# One bad value for every validated key: exit 1, the key and a fix named, no file.
BAD_VALUES = [
    ("dag_id", "has space", "use only letters, digits"),
    ("dag_id", "x" * 251, "at most 250"),
    ("dag_id", "-leading", "start with a letter or digit"),
    ("dag_id", "json", "shadow the Python module"),
    ("dag_id", "teams_alerts", "name of this repo's alert module"),
    ("owner", "  ", "must not be empty"),
    ("tags", "ok," + "t" * 101, "at most 100"),
    ("schedule", "0 25 * * *", "outside 0-23"),
    ("schedule", "@nightly", "not an Airflow preset"),
    ("schedule", "* * *", "has 3 fields"),
    ("start_date", "2026-02-30", "is not a date"),
    ("start_date", "tomorrow", "YYYY-MM-DD"),
    ("timezone", "Europe/Pariss", "did you mean 'Europe/Paris'"),
    ("catchup", "maybe", "not yes or no"),
    ("depends_on_past", "2", "not yes or no"),
    ("wait_for_downstream", "sure", "not yes or no"),
    ("max_active_runs", "0", "at least 1"),
    ("max_active_runs", "two", "not a whole number"),
    ("max_active_tasks", "-3", "at least 1"),
    ("concurrency", "0", "at least 1"),
    ("retries", "-1", "at least 0"),
    ("retry_delay_minutes", "1.5", "not a whole number"),
    ("alerts", "failure,panic", "unknown event 'panic'"),
    ("teams_conn_id", "teams webhook", "use only letters"),
    ("task_id", "run pod", "use only letters"),
    ("image", "busybox 1.36", "white space"),
    ("image", "", "must not be empty"),
    ("namespace", "Data_Jobs", "not a valid Kubernetes name"),
    ("cmds", 'python -c "print(1)', "No closing quotation"),
    ("arguments", "--date '{{ ds }'", "not a valid Airflow template"),
    ("cmds", "sh -c '{% if x %}'", "not a valid Airflow template"),
    ("secrets", "DB-PASS=db:password", "not a valid environment variable name"),
    ("secrets", "DB_PASS=DB_Creds:password", "not a valid Kubernetes Secret name"),
    ("secrets", "DB_PASS=db:pass/word", "not a valid key"),
    ("secrets", "DB_PASS", "is not ENV=secret:key"),
    ("image_pull_secrets", "Reg_Cred", "not a valid Kubernetes Secret name"),
    ("cpu_request", "lots", "not a Kubernetes quantity"),
    ("memory_request", "512m", "thousandths of a byte"),
    ("cpu_limit", "0", "is zero"),
    ("memory_limit", "1GB", "not a Kubernetes quantity"),
]


@pytest.mark.parametrize(("key", "value", "fix"), BAD_VALUES, ids=[f"{k}={v[:20]}" for k, v, _ in BAD_VALUES])
def test_bad_value_for_each_key(tmp_path: Path, key: str, value: str, fix: str) -> None:
    sets = {"dag_id": "sales_daily", "image": "a:1", key: value}
    result = run_cli("--no-input", *[arg for k, v in sets.items() for arg in ("--set", f"{k}={v}")], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert key in result.stderr
    assert fix in result.stderr
    assert not (tmp_path / "dags").exists()


def test_request_above_limit_refused(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, "--set", "cpu_request=2", "--set", "cpu_limit=500m", cwd=tmp_path)
    assert result.returncode == 1
    assert "cpu_limit" in result.stderr and "above this limit" in result.stderr


def test_continuous_needs_one_active_run(tmp_path: Path) -> None:
    result = run_cli(
        "--no-input", *REQUIRED, "--set", "schedule=@continuous", "--set", "max_active_runs=2", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "max_active_runs" in result.stderr and "@continuous" in result.stderr


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    result = run_cli("--no-input", "--set", "dag_id=a b", "--set", "retries=x", "--set", "bogus=1", cwd=tmp_path)
    assert result.returncode == 1
    for fragment in ("dag_id", "retries", "bogus", "image", "is required"):
        assert fragment in result.stderr


def test_wait_for_downstream_turns_on_depends_on_past(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, "--set", "wait_for_downstream=true", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "depends_on_past is on too" in result.stderr
    assert '"depends_on_past": True' in (tmp_path / "dags" / "sales_daily.py").read_text()


def test_bad_set_syntax(tmp_path: Path) -> None:
    result = run_cli("--no-input", "--set", "dag_id", cwd=tmp_path)
    assert result.returncode == 1
    assert "KEY=VALUE" in result.stderr


@pytest.mark.airflow
def test_check_flag_loads_with_airflow(tmp_path: Path) -> None:
    result = run_cli("--no-input", *REQUIRED, "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "loads in Airflow, DAG sales_daily" in result.stderr


def test_console_script_is_installed(tmp_path: Path) -> None:
    """``pip install -e .`` puts ``create-dag`` beside the interpreter; it runs the same CLI."""
    script = Path(sys.executable).parent / "create-dag"
    assert script.exists(), "reinstall with: pip install -e ."
    result = subprocess.run([str(script), "--no-input", "--dry-run", *REQUIRED], cwd=tmp_path,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert 'dag_id="sales_daily"' in result.stdout
