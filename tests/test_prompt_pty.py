"""The real interactive prompt, driven in a pseudo-terminal with pexpect.

These type into questionary exactly as a person would: text answers end
with Enter, yes/no questions take a single key, the alerts checkbox takes
Enter to keep its defaults.
"""

from __future__ import annotations

import ast
import os
import sys
from enum import Enum
from pathlib import Path

import pexpect
import pytest
from helpers import REPO



class Key(str, Enum):
    ENTER = "\r"
    CTRL_C = "\x03"
    CTRL_D = "\x04"
    CTRL_U = "\x15"  # clear the line (drop the default)
    SPACE = " "
    DOWN = "\x1b[B"


@pytest.fixture
def spawn(tmp_path: Path):
    children: list[pexpect.spawn] = []

    def start(*args: str) -> pexpect.spawn:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
        child = pexpect.spawn(
            sys.executable,
            [str(REPO / "create_dag.py"), *args],
            cwd=str(tmp_path),
            env=env,
            encoding="utf-8",
            dimensions=(50, 140),
            timeout=15,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def answer(child: pexpect.spawn, prompt: str, text: str = "", clear: bool = False) -> None:
    child.expect_exact(prompt)
    if clear:
        child.send(Key.CTRL_U)
    child.send(text + Key.ENTER)


def yes_no(child: pexpect.spawn, prompt: str, key: str) -> None:
    child.expect_exact(prompt)
    child.send(key)


def test_answer_every_question_get_the_file(spawn, tmp_path: Path) -> None:
    child = spawn()
    answer(child, "DAG id", "orders_sync")
    answer(child, "Description", "Sync 'orders' {{ not jinja }} ✓")
    answer(child, "Owner", "data-team", clear=True)
    answer(child, "Tags", "orders, sync")
    child.expect_exact("When runs start")  # the help line is on screen
    answer(child, "Schedule", "30 6 * * 1-5", clear=True)
    child.expect_exact("at 06:30, on Monday to Friday")  # the schedule, said back in words
    answer(child, "Start date", "2026-01-15", clear=True)
    answer(child, "Timezone", "Europe/Paris", clear=True)
    yes_no(child, "Catch up missed runs?", "n")
    yes_no(child, "Depends on past?", "y")
    yes_no(child, "Wait for downstream?", "n")
    answer(child, "Max active runs", "2", clear=True)
    answer(child, "Max active tasks", "4", clear=True)
    answer(child, "Retries", "3", clear=True)
    answer(child, "Minutes between retries", "10", clear=True)
    child.expect_exact("Teams alerts on")
    child.send(Key.DOWN + Key.SPACE + Key.ENTER)  # keep failure, add retry
    answer(child, "Teams connection id")
    answer(child, "Task id", "sync", clear=True)
    answer(child, "Container image", "ghcr.io/acme/orders:2.0.1")
    answer(child, "Namespace", "orders", clear=True)
    answer(child, "Parallel pods")
    answer(child, "Command", "python -m orders.sync")
    answer(child, "Arguments", "--date '{{ ds }}'")
    answer(child, "Secret env vars", "DB_PASSWORD=orders-db:password")
    answer(child, "Image pull secrets")
    yes_no(child, "Does this DAG wait for another DAG?", "n")
    yes_no(child, "Set CPU and memory requests/limits?", "y")
    answer(child, "CPU request", "250m")
    answer(child, "Memory request", "512Mi")
    answer(child, "CPU limit", "1")
    answer(child, "Memory limit", "1Gi")
    yes_no(child, "Write dags/orders_sync.py?", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    source = (tmp_path / "dags" / "orders_sync.py").read_text(encoding="utf-8")
    calls = {
        kw.arg: kw.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg
    }
    assert ast.literal_eval(calls["description"]) == "Sync 'orders' {{ not jinja }} ✓"
    assert ast.literal_eval(calls["schedule"]) == "30 6 * * 1-5"
    assert ast.literal_eval(calls["max_active_tasks"]) == 4
    assert ast.literal_eval(calls["cmds"]) == ["python", "-m", "orders.sync"]
    assert ast.literal_eval(calls["arguments"]) == ["--date", "{{ ds }}"]
    assert 'tz="Europe/Paris"' in source
    assert '"on_retry_callback"' in source and '"on_failure_callback"' in source
    assert 'requests={"cpu": "250m", "memory": "512Mi"}' in source
    assert (tmp_path / "dags" / "teams_alerts.py").exists()


def test_invalid_answer_is_flagged_while_typing(spawn, tmp_path: Path) -> None:
    child = spawn()
    child.expect_exact("DAG id")
    child.send("bad id")
    child.expect_exact("use only letters, digits")  # shown before Enter is pressed
    child.send(Key.ENTER)  # refused: the prompt stays
    child.send(Key.CTRL_U + "good_id" + Key.ENTER)
    child.expect_exact("Description")
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_existing_file_flagged_at_dag_id(spawn, tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "taken.py").write_text("# mine\n")
    child = spawn()
    child.expect_exact("DAG id")
    child.send("taken")
    child.expect_exact("already exists")
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert (tmp_path / "dags" / "taken.py").read_text() == "# mine\n"


def test_ctrl_c_midway_leaves_nothing(spawn, tmp_path: Path) -> None:
    child = spawn()
    answer(child, "DAG id", "halfway")
    answer(child, "Description", "x")
    answer(child, "Owner")
    answer(child, "Tags")
    child.expect_exact("Schedule")
    child.send(Key.CTRL_C)
    child.expect_exact("nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.rglob("*")) == []


def test_end_of_input_exits_cleanly(spawn, tmp_path: Path) -> None:
    child = spawn()
    answer(child, "DAG id", "eof_case")
    child.expect_exact("Description")
    child.send(Key.CTRL_D)
    child.expect_exact("Input ended")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert list(tmp_path.rglob("*")) == []


def test_enter_everywhere_takes_the_defaults_and_declining_writes_nothing(spawn, tmp_path: Path) -> None:
    from createdag.questions import QUESTIONS

    child = spawn("--set", "image=busybox:1.36")  # --set values become the defaults shown
    answer(child, "DAG id", "declined")
    for question in QUESTIONS[1:]:
        if question.key.endswith(("_request", "_limit")) or question.key.startswith(("external_", "sensor_")):
            continue  # behind yes/no questions that default to no
        answer(child, question.prompt)
    yes_no(child, "Write dags/declined.py?", "n")
    child.expect_exact("Nothing written.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert not (tmp_path / "dags").exists()


def test_upstream_offset_is_computed_from_the_upstream_source(spawn, tmp_path: Path) -> None:
    """The upstream DAG runs at 05:00, this one at 06:30: the offset default is 90 minutes."""
    from helpers import write_dag

    (tmp_path / "dags").mkdir()
    write_dag(tmp_path / "dags", dag_id="extract", schedule="0 5 * * *", task_id="load")
    child = spawn("--set", "image=busybox:1.36", "--set", "schedule=30 6 * * *")
    answer(child, "DAG id", "report")
    for question in ("Description", "Owner", "Tags", "Schedule", "Start date", "Timezone"):
        answer(child, question)
    for question in ("Catch up missed runs?", "Depends on past?", "Wait for downstream?"):
        yes_no(child, question, "n")
    for question in ("Max active runs", "Max active tasks", "Retries", "Minutes between retries"):
        answer(child, question)
    child.expect_exact("Teams alerts on")
    child.send(Key.ENTER)
    for question in ("Teams connection id", "Task id", "Container image", "Namespace", "Parallel pods", "Command",
                     "Arguments", "Secret env vars", "Image pull secrets"):  # fmt: skip
        answer(child, question)
    yes_no(child, "Does this DAG wait for another DAG?", "y")
    answer(child, "Upstream dag_id", "extract")
    child.expect_exact("Upstream task_id")
    child.send("nope")
    child.expect_exact("has no task 'nope': its tasks are load")  # checked against the upstream's source
    child.send(Key.CTRL_U + "load" + Key.ENTER)
    child.expect(r"Upstream run offset \(minutes\) \S*90")
    child.send(Key.ENTER)
    answer(child, "Give up waiting after (minutes)")
    answer(child, "Check every (seconds)")
    yes_no(child, "Set CPU and memory requests/limits?", "n")
    yes_no(child, "Write dags/report.py?", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    source = (tmp_path / "dags" / "report.py").read_text()
    assert "execution_delta=datetime.timedelta(minutes=90)" in source
    assert 'external_task_id="load"' in source
