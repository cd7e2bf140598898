"""Exit codes that tell the truth: 1 means nothing was written, as --help says.

``--check`` loads what it wrote with Airflow. Without Airflow installed it is
refused before the first question or write (exit 1, nothing on disk); with
Airflow, a written file that does not load exits 3, which --help documents,
never 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-input", "--set", "dag_id=checked", "--set", "image=busybox:1.36", "--set", "start_date=2026-01-01",
        "--check", "-o", "dags"]  # fmt: skip
#: the CLI in a process where ``import airflow`` fails, as on a machine without Airflow
WITHOUT_AIRFLOW = textwrap.dedent("""
    import sys
    sys.modules["airflow"] = None
    from createdag.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


def test_check_without_airflow_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    result = run("-c", WITHOUT_AIRFLOW, *ARGS, cwd=tmp_path)
    assert result.returncode == 1
    assert "needs apache-airflow, which is not installed: nothing was written" in result.stderr
    assert "drop --check" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "dags").exists()


@pytest.mark.airflow
def test_a_written_dag_that_does_not_load_exits_3_not_1(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "teams_alerts.py").write_text("raise RuntimeError('a broken alert module')\n", encoding="utf-8")
    result = run(str(REPO / "create_dag.py"), *ARGS, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "does not load in Airflow: RuntimeError: a broken alert module" in result.stderr
    assert (dags / "checked.py").is_file() and (dags / ".create_dag" / "checked.json").is_file()


def test_help_says_what_each_exit_code_means(tmp_path: Path) -> None:
    shown = run(str(REPO / "create_dag.py"), "--help", cwd=tmp_path).stdout
    assert "1 invalid input or refused overwrite (nothing written)" in shown
    assert "3 written but\n  --check found a file Airflow cannot load" in shown
    assert "143 terminated" in shown
