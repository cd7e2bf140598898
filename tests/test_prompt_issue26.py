"""The prompt of issue 26, typed into as a person would (pexpect): the logical-date warning shows
while typing and after the answer, and a team rule that refuses a default asks the question the
answers would otherwise skip."""

from __future__ import annotations

import pexpect
from test_prompt_pty import Key, answer, cache, spawn, write, yes_no  # noqa: F401 - cache, spawn: fixtures

from createdag.run_dates import RUN_DATE


def go_on_to_the_task(child: pexpect.spawn, dag_id: str) -> None:
    """The questions nothing defaults, then "go on" through the others, up to the task's arguments."""
    answer(child, "DAG id", dag_id)
    answer(child, "Schedule", "None", clear=True)
    answer(child, "Container image", "ghcr.io/acme/x:1.0")
    answer(child, "Command")
    yes_no(child, "Next?", "g")  # go on through the other questions
    answer(child, "Description")
    answer(child, "Owner", "data-team", clear=True)
    answer(child, "Tags", "data")
    answer(child, "Start date", "2026-01-15", clear=True)
    answer(child, "Timezone")
    for question in ("Catch up missed runs?", "Depends on past?", "Wait for downstream?"):
        yes_no(child, question, "n")
    answer(child, "Max active runs")
    answer(child, "Max active tasks")
    answer(child, "Retries")
    answer(child, "Minutes between retries")
    child.expect_exact("Teams alerts on")
    child.send(Key.ENTER)
    answer(child, "Teams connection id")
    yes_no(child, "Set a run timeout", "n")
    answer(child, "Task id", "main", clear=True)
    answer(child, "Namespace")
    answer(child, "Parallel pods")


def test_a_template_that_needs_a_logical_date_is_warned_about_while_typing(spawn, tmp_path) -> None:  # noqa: F811
    child = spawn()
    go_on_to_the_task(child, "dated")
    child.expect_exact("Arguments")
    child.send("--date '{{ ds }}'")
    child.expect_exact("is undefined on a run without a logical date")  # live, under the question
    child.send(Key.CTRL_U + f"--date '{RUN_DATE}'" + Key.ENTER)
    answer(child, "Secret env vars")
    child.expect_exact("Env vars")
    child.send("DAY={{ ds_nodash }}" + Key.ENTER)
    child.expect_exact("warning: {{ ds_nodash }} is undefined")  # said again after the answer
    answer(child, "Image pull secrets")
    yes_no(child, "Set pod options", "n")
    yes_no(child, "Set CPU and memory requests/limits?", "n")
    yes_no(child, "Add another task?", "n")
    yes_no(child, "Does this DAG wait for another DAG?", "n")
    write(child, "dags/dated.py")
    child.expect(pexpect.EOF)
    source = (tmp_path / "dags" / "dated.py").read_text(encoding="utf-8")
    assert f'arguments=["--date", "{RUN_DATE}"]' in source


def test_a_team_rule_that_refuses_a_default_asks_the_question(spawn, tmp_path) -> None:  # noqa: F811
    (tmp_path / ".create_dag.toml").write_text('output_dir = "dags"\nrequire_memory_resources = true\n')
    child = spawn()
    go_on_to_the_task(child, "sized")
    answer(child, "Arguments")
    answer(child, "Secret env vars")
    answer(child, "Env vars")
    answer(child, "Image pull secrets")
    yes_no(child, "Set pod options", "n")
    yes_no(child, "Set CPU and memory requests/limits?", "n")  # no: yet the team requires memory
    child.expect_exact("the default does not pass")
    answer(child, "Memory request", "512Mi")
    answer(child, "Memory limit", "1Gi")
    yes_no(child, "Add another task?", "n")
    yes_no(child, "Does this DAG wait for another DAG?", "n")
    write(child, "dags/sized.py")
    child.expect(pexpect.EOF)
    source = (tmp_path / "dags" / "sized.py").read_text(encoding="utf-8")
    assert 'requests={"memory": "512Mi"}' in source and 'limits={"memory": "1Gi"}' in source
