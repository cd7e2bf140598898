"""The real interactive prompt, driven in a pseudo-terminal with pexpect.

These type into questionary exactly as a person would: text answers end
with Enter, yes/no questions take a single key, the alerts checkbox takes
Enter to keep its defaults.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
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
    BACK = "\x1b[Z"  # Shift-Tab: back one question
    SPACE = " "
    DOWN = "\x1b[B"
    TAB = "\t"


@pytest.fixture
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's cache folder (XDG_CACHE_HOME) of the spawned runs, outside tmp_path."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def spawn(tmp_path: Path, cache: Path):
    children: list[pexpect.spawn] = []

    def start(*args: str, dimensions: tuple[int, int] = (50, 140), env: dict[str, str] | None = None) -> pexpect.spawn:
        environment = {**os.environ, "PYTHONPATH": str(REPO), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm",
                       "XDG_CACHE_HOME": str(cache), **(env or {})}  # fmt: skip
        child = pexpect.spawn(
            sys.executable,
            [str(REPO / "create_dag.py"), *args],
            cwd=str(tmp_path),
            env=environment,
            encoding="utf-8",
            dimensions=dimensions,
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


def write(child: pexpect.spawn, path: str, key: str = "y") -> None:
    """At the review: y writes, c changes an answer, u shows every answer, n quits (the key alone acts)."""
    child.expect_exact("Review")
    child.expect_exact(f"Write {path}?")
    child.send(key)


def test_answer_every_question_get_the_file(spawn, tmp_path: Path) -> None:
    child = spawn()
    answer(child, "DAG id", "orders_sync")
    child.expect_exact("When runs start")  # the help line is on screen
    answer(child, "Schedule", "30 6 * * 1-5", clear=True)
    child.expect_exact("at 06:30, on Monday to Friday")  # the schedule, said back in words
    answer(child, "Container image", "ghcr.io/acme/orders:2.0.1")
    answer(child, "Command", "python -m orders.sync")
    yes_no(child, "Next?", "g")  # go on through the other questions
    answer(child, "Description", "Sync 'orders' {{ not jinja }} ✓")
    answer(child, "Owner", "data-team", clear=True)
    answer(child, "Tags", "orders, sync")
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
    yes_no(child, "Set a run timeout", "n")
    answer(child, "Task id", "sync", clear=True)
    answer(child, "Namespace", "orders", clear=True)
    answer(child, "Parallel pods")
    answer(child, "Arguments", "--date '{{ ds }}'")
    answer(child, "Secret env vars", "DB_PASSWORD=orders-db:password")
    answer(child, "Env vars", "MODE=full, REGION=eu")
    answer(child, "Image pull secrets")
    yes_no(child, "Set pod options", "n")
    yes_no(child, "Set CPU and memory requests/limits?", "y")
    answer(child, "CPU request", "250m")
    answer(child, "Memory request", "512Mi")
    answer(child, "CPU limit", "1")
    answer(child, "Memory limit", "1Gi")
    yes_no(child, "Add another task?", "n")
    yes_no(child, "Does this DAG wait for another DAG?", "n")
    write(child, "dags/orders_sync.py")
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
    child.expect_exact("When runs start")
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
    answer(child, "Schedule")
    answer(child, "Container image", "busybox:1.36")
    expect_prompt(child, "Command")
    child.send(Key.CTRL_C)
    child.expect_exact("nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.rglob("*")) == []


def test_end_of_input_exits_cleanly(spawn, tmp_path: Path) -> None:
    child = spawn()
    answer(child, "DAG id", "eof_case")
    expect_prompt(child, "Schedule")
    child.send(Key.CTRL_U + Key.CTRL_D)  # an empty line: Ctrl-D ends the input
    child.expect_exact("Input ended")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert list(tmp_path.rglob("*")) == []


def test_enter_everywhere_takes_the_defaults_and_declining_writes_nothing(spawn, tmp_path: Path) -> None:
    from createdag.questions import ESSENTIAL_KEYS, QUESTIONS

    child = spawn("--set", "image=busybox:1.36")  # --set values become the defaults shown
    answer(child, "DAG id", "declined")
    for prompt in ("Schedule", "Container image", "Command"):
        answer(child, prompt)
    yes_no(child, "Next?", "g")
    for question in QUESTIONS[1:]:
        if question.key in ESSENTIAL_KEYS:
            continue  # asked first
        if question.key.endswith(("_request", "_limit")) or question.key.startswith(("external_", "sensor_")):
            continue  # behind yes/no questions that default to no
        if question.key == "after" or question.group.startswith("Pod ") or "run_options" in question.depends_on:
            continue  # the first task runs after nothing; pod and run options are behind a yes/no
        answer(child, question.prompt)
    write(child, "dags/declined.py", "n")
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
    for question in ("Schedule", "Container image", "Command"):
        answer(child, question)
    yes_no(child, "Next?", "g")
    for question in ("Description", "Owner", "Tags", "Start date", "Timezone"):
        answer(child, question)
    for question in ("Catch up missed runs?", "Depends on past?", "Wait for downstream?"):
        yes_no(child, question, "n")
    for question in ("Max active runs", "Max active tasks", "Retries", "Minutes between retries"):
        answer(child, question)
    child.expect_exact("Teams alerts on")
    child.send(Key.ENTER)
    answer(child, "Teams connection id")
    yes_no(child, "Set a run timeout", "n")
    for question in ("Task id", "Namespace", "Parallel pods", "Arguments", "Secret env vars", "Env vars",
                     "Image pull secrets"):  # fmt: skip
        answer(child, question)
    yes_no(child, "Set pod options", "n")
    yes_no(child, "Set CPU and memory requests/limits?", "n")
    yes_no(child, "Add another task?", "n")
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
    write(child, "dags/report.py")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    source = (tmp_path / "dags" / "report.py").read_text()
    assert "execution_delta=datetime.timedelta(minutes=90)" in source
    assert 'external_task_id="load"' in source


# --- the review, kept answers, hints -----------------------------------------------------------

#: (prompt, what to type) for a session taking the defaults but for a few answers; a yes/no
#: prompt takes one key, the alerts checkbox Enter.
def standard_session(dag_id: str = "daily_report", image: str = "busybox:1.36", **typed: str) -> list[tuple[str, str]]:
    steps = [("DAG id", dag_id), ("Schedule", ""), ("Container image", image), ("Command", ""), ("Next?", "g"),
             ("Description", ""), ("Owner", ""), ("Tags", ""),
             ("Start date", ""), ("Timezone", ""), ("Catch up missed runs?", "n"), ("Depends on past?", "n"),
             ("Wait for downstream?", "n"), ("Max active runs", ""), ("Max active tasks", ""), ("Retries", ""),
             ("Minutes between retries", ""), ("Teams alerts on", ""), ("Teams connection id", ""),
             ("Set a run timeout, deadline alert, params, assets or data intervals?", "n"),
             ("Task id", ""), ("Namespace", ""), ("Parallel pods", ""),
             ("Arguments", ""), ("Secret env vars", ""), ("Env vars", ""), ("Image pull secrets", ""),
             ("Set pod options (service account, placement, volumes, labels, lifecycle)?", "n"),
             ("Set CPU and memory requests/limits?", "n"), ("Add another task?", "n"),
             ("Does this DAG wait for another DAG?", "n")]  # fmt: skip
    return [(prompt, typed.get(prompt, text)) for prompt, text in steps]


def expect_prompt(child: pexpect.spawn, prompt: str) -> None:
    """Wait for the question itself ("? Schedule"), not the same word in a heading or summary:
    keys sent before the prompt is up may be lost."""
    child.expect(r"\?(?:\x1b\[[0-9;]*m)* " + re.escape(prompt))


def play(child: pexpect.spawn, steps: list[tuple[str, str]]) -> None:
    for prompt, text in steps:
        expect_prompt(child, prompt)
        if prompt.endswith("?"):
            child.send(text)
        elif text:
            child.send(Key.CTRL_U + text + Key.ENTER)
        else:
            child.send(Key.ENTER)


def reasked(child: pexpect.spawn, help_line: str, prompt: str, text: str = "") -> None:
    """A question asked again after the review: found by its help line, then its prompt (the
    prompt alone is on the screen already, in the summary); ``text`` replaces the old answer."""
    child.expect_exact(help_line)
    answer(child, prompt, text, clear=bool(text))


def finish_ok(child: pexpect.spawn) -> None:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_review_shows_every_answer_and_changing_one_asks_its_dependents_again(spawn, tmp_path: Path) -> None:
    child = spawn()
    steps = standard_session(Retries="0")
    play(child, [step for step in steps if step[0] != "Minutes between retries"])  # no retries: no delay asked
    child.expect_exact("Review")
    for shown in ("Schedule: 4 at the defaults", "Retries and alerts", "Retries", "0",
                  "Container image", "busybox:1.36", "Tasks", "main"):  # fmt: skip
        child.expect_exact(shown)  # folded to what differs from the defaults, in the questions' order
    child.expect_exact("Write dags/daily_report.py?")
    child.send("c")  # the key alone starts the change
    child.expect_exact("Change which answer?")
    child.send("Retries: 0" + Key.ENTER)  # typing filters the list
    reasked(child, "How many times a failed task is tried again", "Retries", "3")
    # depends on retries: asked again
    reasked(child, "How long Airflow waits before trying", "Minutes between retries", "7")
    child.expect_exact("Review")
    child.expect_exact("Write dags/daily_report.py?")
    assert "IANA timezone" not in child.before  # nothing else was asked again
    child.send("c")
    child.expect_exact("Change which answer?")
    child.send("Schedule: " + Key.ENTER)
    reasked(child, "When runs start", "Schedule", "@continuous")
    reasked(child, "How many runs of this DAG may be running", "Max active runs")  # its check reads the schedule
    child.expect_exact("Review")
    child.expect_exact("Write dags/daily_report.py?")
    assert "IANA timezone" not in child.before and "First date the schedule" not in child.before
    child.send("y")
    finish_ok(child)
    source = (tmp_path / "dags" / "daily_report.py").read_text(encoding="utf-8")
    assert '"retries": 3' in source and "datetime.timedelta(minutes=7)" in source
    assert 'schedule="@continuous"' in source


def test_quit_from_the_review_writes_nothing_and_keeps_the_answers(spawn, tmp_path: Path, cache: Path) -> None:
    child = spawn()
    play(child, standard_session())
    write(child, "dags/daily_report.py", "u")  # every answer, unfolded
    child.expect_exact("Review")
    for shown in ("Runs", "Depends on past?", "No", "Max active tasks", "16", "Task", "Namespace", "airflow"):
        child.expect_exact(shown)
    child.expect_exact("Fold the answers at their defaults")
    child.send("n")
    child.expect_exact("Nothing written.")
    child.expect_exact("kept in")
    finish_ok(child)
    assert list(tmp_path.rglob("*")) == []  # no dags folder, no record, nothing
    assert [p.name.startswith("session-") for p in (cache / "create_dag").iterdir()] == [True]


@pytest.mark.parametrize("name", ["answers.yaml", "answers.json"])
def test_save_answers_then_answers_file_writes_the_same_dag(spawn, tmp_path: Path, name: str) -> None:
    child = spawn("--save-answers", name)
    play(child, standard_session(**{"Description": "Nightly 'report' ✓ {{ ds }}", "Tags": "a, b",
                                    "Schedule": "30 6 * * 1-5", "Timezone": "Europe/Paris",
                                    "Arguments": "--date '{{ ds }}'", "Secret env vars": "PW=db:pw"}))  # fmt: skip
    write(child, "dags/daily_report.py")
    child.expect_exact(f"saved the answers in {name}")
    finish_ok(child)
    again = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--answers", name, "-o", "again"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    first = (tmp_path / "dags" / "daily_report.py").read_bytes()
    assert (tmp_path / "again" / "daily_report.py").read_bytes() == first


def test_ctrl_c_then_resume_writes_what_an_uninterrupted_session_writes(spawn, tmp_path: Path, cache: Path) -> None:
    steps = standard_session(**{"Description": "resumed", "Schedule": "0 5 * * *", "Retries": "4",
                                "Task id": "build"})  # fmt: skip
    child = spawn("-o", "whole")
    play(child, steps)
    write(child, "whole/daily_report.py")
    finish_ok(child)

    child = spawn("-o", "halves")
    play(child, steps[:21])  # up to the task id
    expect_prompt(child, "Namespace")
    child.send(Key.CTRL_C)
    child.expect_exact("nothing was written in halves")
    child.expect_exact("kept in")
    child.expect_exact("--resume -o halves")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "halves").exists()  # "nothing was written" holds
    assert len(list((cache / "create_dag").glob("session-*.json"))) == 1

    child = spawn("--resume", "-o", "halves")
    child.expect_exact("Resuming from")
    play(child, [("Next?", "g"), *steps[21:]])  # the kept answers are not asked again
    write(child, "halves/daily_report.py")
    finish_ok(child)
    whole = (tmp_path / "whole" / "daily_report.py").read_bytes()
    assert (tmp_path / "halves" / "daily_report.py").read_bytes() == whole
    assert list((cache / "create_dag").glob("session-*.json")) == []  # written: forgotten


def test_tab_completes_a_timezone(spawn, tmp_path: Path) -> None:
    child = spawn("--save-answers", "a.json")
    play(child, standard_session()[:9])
    expect_prompt(child, "Timezone")
    child.send(Key.CTRL_U + "Europe/Par" + Key.TAB)
    child.expect_exact("is")  # completed on screen
    child.send(Key.ENTER)
    play(child, standard_session()[10:])
    write(child, "dags/daily_report.py")
    finish_ok(child)
    assert json.loads((tmp_path / "a.json").read_text())["timezone"] == "Europe/Paris"


def test_unpinned_image_is_warned_while_typing_and_after(spawn, tmp_path: Path) -> None:
    child = spawn()
    play(child, standard_session()[:2])
    expect_prompt(child, "Container image")
    child.send("busybox")
    child.expect_exact("has no tag")  # before Enter
    child.send(Key.ENTER)  # a warning, not a refusal
    child.expect_exact("warning: 'busybox' has no tag")  # and it stays on screen
    play(child, standard_session()[3:])
    child.expect_exact("Review")
    child.expect_exact("note: warning: 'busybox' has no tag")
    child.expect_exact("Write dags/daily_report.py?")  # Ctrl-C at the review's question
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)


def test_a_long_error_is_shown_whole_in_a_narrow_terminal(spawn, tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "a_rather_long_dag_id_taken.py").write_text("# mine\n")
    child = spawn(dimensions=(24, 50))
    child.expect_exact("DAG id")
    child.send("a_rather_long_dag_id_taken")
    child.expect_exact("pass --force to")
    child.expect_exact("replace it")  # the end of the message, past the terminal's width
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)


def test_owner_default_is_the_git_author_name(spawn, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Ada Lovelace"], check=True)
    child = spawn()
    play(child, standard_session(dag_id="by_ada")[:6])
    child.expect_exact("Owner")
    child.expect_exact("Ada Lovelace")
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)


def test_resume_asks_again_a_kept_answer_that_no_longer_passes(spawn, tmp_path: Path) -> None:
    child = spawn()
    play(child, standard_session(dag_id="taken_later")[:7])
    expect_prompt(child, "Tags")
    child.send(Key.CTRL_C)
    child.expect(pexpect.EOF)
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "taken_later.py").write_text("# someone else's, meanwhile\n")
    child = spawn("--resume")
    child.expect_exact("Resuming from")
    child.expect_exact("the kept answer no longer passes")  # asked again, and why
    child.expect_exact("already exists")
    expect_prompt(child, "DAG id")
    child.send(Key.CTRL_U + "free_name" + Key.ENTER)
    play(child, [("Next?", "g"), *standard_session()[7:]])  # the rest kept up to the tags: not asked
    write(child, "dags/free_name.py")
    finish_ok(child)
    assert (tmp_path / "dags" / "taken_later.py").read_text() == "# someone else's, meanwhile\n"
    assert (tmp_path / "dags" / "free_name.py").exists()


def test_review_turning_the_upstream_on_asks_its_questions_with_tab_for_the_dag_id(spawn, tmp_path: Path) -> None:
    from helpers import write_dag

    (tmp_path / "dags").mkdir()
    write_dag(tmp_path / "dags", dag_id="extract", schedule="0 5 * * *", task_id="load")
    child = spawn("--set", "schedule=30 6 * * *")
    play(child, standard_session())
    write(child, "dags/daily_report.py", "c")
    child.expect_exact("Change which answer?")
    child.send("wait for another" + Key.ENTER)
    yes_no(child, "Does this DAG wait for another DAG?", "y")
    child.expect_exact("The DAG whose run this one waits for")  # asked: they depend on it
    expect_prompt(child, "Upstream dag_id")
    child.send("ext" + Key.TAB)  # the DAGs in the folder
    child.expect_exact("ract")
    child.send(Key.ENTER)
    play(child, [("Upstream task_id", "load"), ("Upstream run offset (minutes)", ""),
                 ("Give up waiting after (minutes)", ""), ("Check every (seconds)", "")])  # fmt: skip
    child.expect_exact("Review")
    child.expect_exact("wait_for_upstream ───> main")  # the task graph, drawn
    child.expect_exact("wait_for_upstream: waits for extract.load")
    child.expect_exact("Write dags/daily_report.py?")
    child.send("y")
    finish_ok(child)
    source = (tmp_path / "dags" / "daily_report.py").read_text()
    assert 'external_dag_id="extract"' in source and "execution_delta=datetime.timedelta(minutes=90)" in source


def test_a_second_task_inherits_the_image_runs_after_the_first_and_the_review_shows_the_graph(
    spawn, tmp_path: Path
) -> None:
    child = spawn()
    steps = standard_session(**{"Task id": "extract", "Command": "python -m extract", "Add another task?": "y"})
    play(child, steps[: steps.index(("Add another task?", "y")) + 1])
    child.expect_exact("Task 2")
    expect_prompt(child, "Task id")
    child.send("extract")  # an earlier task's id is refused while typing
    child.expect_exact("is the id of an earlier task")
    child.send(Key.CTRL_U + "load" + Key.ENTER)
    expect_prompt(child, "Container image")
    child.expect_exact("busybox:1.36")  # the first task's image is the default
    child.send(Key.ENTER)
    play(child, [("Parallel pods", ""), ("Command", "python -m load"), ("Arguments", ""),
                 ("Secret env vars", ""), ("Env vars", "TARGET=warehouse"),
                 ("Set pod options (service account, placement, volumes, labels, lifecycle)?", "n"),
                 ("Set CPU and memory requests/limits?", "n")])  # fmt: skip
    expect_prompt(child, "Runs after")
    child.expect_exact("extract")  # the earlier task, checked: the default
    child.send(Key.ENTER)
    play(child, [("Add another task?", "n"), ("Does this DAG wait for another DAG?", "n")])
    child.expect_exact("Review")
    child.expect_exact("Task load")
    child.expect_exact("extract ───> load")  # the task graph, drawn
    child.expect_exact("Write dags/daily_report.py?")
    child.send("y")
    finish_ok(child)
    source = (tmp_path / "dags" / "daily_report.py").read_text(encoding="utf-8")
    assert source.count('image="busybox:1.36"') == 2
    assert 'env_vars={"TARGET": "warehouse"}' in source
    assert "    extract >> load\n" in source


# --- the answers nothing defaults first, going back, the folded review ----------------------


def test_a_one_task_dag_taking_every_default_is_five_questions(spawn, tmp_path: Path) -> None:
    child = spawn()
    play(child, [("DAG id", "few_questions"), ("Schedule", ""), ("Container image", "busybox:1.36"),
                 ("Command", "python -m job")])  # fmt: skip
    expect_prompt(child, "Next?")
    child.send("w")  # write at once: every other answer at its default
    child.expect_exact("wrote dags/few_questions.py")
    finish_ok(child)
    asked = [line for line in child.before.splitlines() if line.startswith("? ")]
    assert asked == []  # nothing asked after the choice
    source = (tmp_path / "dags" / "few_questions.py").read_text(encoding="utf-8")
    assert 'cmds=["python", "-m", "job"]' in source and 'schedule="@daily"' in source and '"retries": 2' in source


def test_a_three_task_pipeline_with_a_sensor_and_its_review_on_one_40_line_screen(spawn, tmp_path: Path) -> None:
    """Fan-out and fan-in: extract feeds clean_a and clean_b, load runs after both; the upstream
    sensor is turned on at the review: 30 answers and keys in all, where the grouped questions
    took 60."""
    from helpers import write_dag

    (tmp_path / "dags").mkdir()
    write_dag(tmp_path / "dags", dag_id="sales", schedule="0 5 * * *", task_id="publish")
    child = spawn("--set", "schedule=30 6 * * *", dimensions=(40, 100))
    play(child, [("DAG id", "pipeline"), ("Schedule", ""), ("Container image", "busybox:1.36"),
                 ("Command", "python -m extract"), ("Next?", "a"), ("Task id", "extract"),
                 ("Task id", "clean_a"), ("Container image", ""), ("Command", "python -m clean a")])  # fmt: skip
    expect_prompt(child, "Runs after")
    child.send(Key.ENTER)  # extract, the task before it
    play(child, [("Next?", "a"), ("Task id", "clean_b"), ("Container image", ""), ("Command", "python -m clean b")])
    expect_prompt(child, "Runs after")
    child.send(Key.SPACE + Key.DOWN + Key.SPACE + Key.ENTER)  # extract, not clean_a
    play(child, [("Next?", "a"), ("Task id", "load"), ("Container image", ""), ("Command", "python -m load")])
    expect_prompt(child, "Runs after")
    child.send(Key.DOWN + Key.SPACE + Key.ENTER)  # clean_b was checked: clean_a too
    play(child, [("Next?", "r")])
    write(child, "dags/pipeline.py", "c")
    child.expect_exact("Change which answer?")
    child.send("wait for another" + Key.ENTER)
    yes_no(child, "Does this DAG wait for another DAG?", "y")
    play(child, [("Upstream dag_id", "sales"), ("Upstream task_id", "publish"), ("Upstream run offset (minutes)", ""),
                 ("Give up waiting after (minutes)", ""), ("Check every (seconds)", "")])  # fmt: skip
    child.expect_exact("\nReview")
    child.expect_exact("No, quit (nothing is written)")
    review = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    lines = [line.rstrip("\r") for line in ("Review" + review).split("\n")]
    assert len(lines) + 1 <= 40, "\n".join(lines)  # the review and its question, on one screen
    drawing = [line.strip() for line in lines if "─" in line]
    assert drawing == [
        "wait_for_upstream ───> extract ─┬─> clean_a ─┬─> load",
        "└─> clean_b ─┘",
    ], drawing
    assert "wait_for_upstream: waits for sales.publish" in review
    child.send("y")
    finish_ok(child)
    source = (tmp_path / "dags" / "pipeline.py").read_text(encoding="utf-8")
    assert "extract >> [clean_a, clean_b] >> load" in source


def test_shift_tab_goes_back_one_question_with_its_answer_as_the_default(spawn, tmp_path: Path) -> None:
    child = spawn()
    play(child, [("DAG id", "went_back"), ("Schedule", "0 5 * * *")])
    expect_prompt(child, "Container image")
    child.send(Key.BACK)
    child.expect(r"\?(?:\x1b\[[0-9;]*m)* Schedule (?:\x1b\[[0-9;]*m)*0 5 \* \* \*")  # its answer, the default
    child.send(Key.CTRL_U + "0 6 * * *" + Key.ENTER)
    play(child, [("Container image", "busybox:1.36"), ("Command", "")])
    expect_prompt(child, "Next?")
    child.send("g")
    play(child, [("Description", "x"), ("Owner", "me"), ("Tags", ""), ("Start date", "2026-01-15"),
                 ("Timezone", ""), ("Catch up missed runs?", "y")])  # fmt: skip
    expect_prompt(child, "Depends on past?")
    child.send(Key.BACK)  # back at a yes/no: the catch-up again, its Yes the default
    expect_prompt(child, "Catch up missed runs?")
    child.expect_exact("(Y/n)")
    child.send(Key.ENTER)
    expect_prompt(child, "Depends on past?")
    child.send(Key.BACK + Key.BACK)  # twice: back to the timezone
    expect_prompt(child, "Timezone")
    child.send(Key.CTRL_U + "Europe/Paris" + Key.ENTER)
    expect_prompt(child, "Catch up missed runs?")
    child.send("y")
    expect_prompt(child, "Depends on past?")
    child.send(Key.CTRL_C)  # Ctrl-C still interrupts, and keeps the answers for --resume
    child.expect_exact("--resume")
    child.expect(pexpect.EOF)
    child = spawn("--resume")
    child.expect_exact("Resuming from")
    expect_prompt(child, "Next?")
    child.send("w")
    finish_ok(child)
    source = (tmp_path / "dags" / "went_back.py").read_text(encoding="utf-8")
    assert 'schedule="0 6 * * *"' in source and 'tz="Europe/Paris"' in source and "catchup=True" in source
