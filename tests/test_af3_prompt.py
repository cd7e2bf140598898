"""The Airflow 3 questions (issue 15) in the real interactive prompt, driven in a pseudo-terminal:
typed as a person would, checked while typing (a {{ params.X }} the DAG does not declare is flagged
before Enter), and written as the other sources write them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
from helpers import REPO

ENTER, CTRL_U = "\r", "\x15"


def answer(child: pexpect.spawn, prompt: str, text: str = "", clear: bool = False) -> None:
    child.expect_exact(prompt)
    child.send((CTRL_U if clear else "") + text + ENTER)


def yes_no(child: pexpect.spawn, prompt: str, key: str) -> None:
    child.expect_exact(prompt)
    child.send(key)


def test_the_airflow_3_questions_in_the_prompt(tmp_path: Path, tmp_path_factory) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm",
           "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}  # fmt: skip
    child = pexpect.spawn(sys.executable, [str(REPO / "create_dag.py")], cwd=str(tmp_path), env=env,
                          encoding="utf-8", dimensions=(50, 160), timeout=15)  # fmt: skip
    try:
        answer(child, "DAG id", "prompt_af3")
        answer(child, "Schedule", "every 15 minutes", clear=True)
        child.expect_exact("every 15 minutes, counted from the start date")
        answer(child, "Container image", "busybox:1.36")
        answer(child, "Command")
        yes_no(child, "Next?", "g")  # go on through the other questions
        answer(child, "Description")
        answer(child, "Owner", "me", clear=True)
        answer(child, "Tags")
        answer(child, "Start date", "2026-01-15", clear=True)
        answer(child, "Timezone")
        yes_no(child, "Catch up missed runs?", "n")
        yes_no(child, "Depends on past?", "n")
        yes_no(child, "Wait for downstream?", "n")
        answer(child, "Max active runs")
        answer(child, "Max active tasks")
        answer(child, "Retries")
        answer(child, "Minutes between retries")
        child.expect_exact("Teams alerts on")
        child.send(ENTER)
        answer(child, "Teams connection id")
        child.expect_exact("Set a run timeout, deadline alert, params, assets or data intervals?")
        child.send("y")  # the Airflow 3 options are asked next
        child.expect_exact("failed by the scheduler")  # the help line says what happens when it fires
        answer(child, "Run timeout (minutes)", "120", clear=True)
        answer(child, "Deadline alert after (minutes)", "30", clear=True)
        answer(child, "Counted from", "logical_date", clear=True)
        answer(child, "Params for manual runs", "day=2026-01-01, limit:integer=100")
        child.expect_exact("no worker slot waits")
        answer(child, "Runs when another DAG's data is ready: assets", "s3://lake/a, s3://lake/b")
        answer(child, "Run when all or any of them updated?", "any", clear=True)
        yes_no(child, "Cron with data intervals (Airflow 2 style)?", "n")
        answer(child, "Task id")
        answer(child, "Namespace")
        answer(child, "Parallel pods")
        child.expect_exact("Arguments")
        child.send("--day {{params.dya}}")
        child.expect_exact("names no param of this DAG")  # flagged before Enter
        child.send(ENTER)  # refused: the prompt stays
        child.send(CTRL_U + "--day {{params.day}} --limit {{params.limit}}" + ENTER)
        answer(child, "Secret env vars")
        answer(child, "Env vars")
        answer(child, "Image pull secrets")
        yes_no(child, "Set pod options", "n")
        yes_no(child, "Set CPU and memory requests/limits?", "n")
        answer(child, "Assets it updates", "s3://lake/out")
        answer(child, "Task timeout (minutes)", "20", clear=True)
        yes_no(child, "Add another task?", "n")
        yes_no(child, "Does this DAG wait for another DAG?", "n")
        child.expect_exact("Review")
        child.expect_exact("Write dags/prompt_af3.py?")
        child.send("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    source = (tmp_path / "dags" / "prompt_af3.py").read_text(encoding="utf-8")
    for line in ("dagrun_timeout=datetime.timedelta(minutes=120),", '"limit": Param(100, type="integer"),',
                 "reference=DeadlineReference.DAGRUN_LOGICAL_DATE,", 'outlets=[Asset("s3://lake/out")],',
                 "execution_timeout=datetime.timedelta(minutes=20),",
                 'arguments=["--day", "{{params.day}}", "--limit", "{{params.limit}}"],',
                 "timetable=DeltaTriggerTimetable(datetime.timedelta(minutes=15)),",
                 'assets=(Asset("s3://lake/a") | Asset("s3://lake/b")),'):  # fmt: skip
        assert line in source, line
