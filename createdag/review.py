"""The review before writing: every answer, grouped like the questions, as lines of text.

Pure: answers in, lines out. ``prompt.review`` prints them and asks what to
do next (write, change an answer, quit). The values shown are those that
will be written, after the rules that tie answers together
(``answers.finish``), and the task graph closes the summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from createdag.answers import finish
from createdag.questions import DAG_QUESTIONS, TASK_QUESTIONS, TASKS, Question
from createdag.settings import Settings

#: the widest prompt column; longer prompts push their value to the right
_PROMPT_WIDTH = 36


def asked(answers: Mapping[str, Any]) -> list[Question]:
    """The DAG's questions the session asked (or would ask) for these answers, in order."""
    return [q for q in DAG_QUESTIONS if q.key in answers and q.when(answers)]


def asked_in_task(answers: Mapping[str, Any], number: int) -> list[Question]:
    """The questions asked for task ``number`` (from 0), in order."""
    from createdag.pipeline import task_view

    view = task_view(answers, number)
    return [q for q in TASK_QUESTIONS if q.key in answers[TASKS][number] and q.when(view) and q.key != "more_tasks"]


def shown(question: Question, value: Any) -> str:
    """An answer as the review shows it: yes/no, lists as typed, "(none)" for empty."""
    if question.kind_of.widget == "confirm":
        return "Yes" if value else "No"
    if value is None and question.none_ok:
        return "None"
    text = question.kind_of.show(question, value)
    return text if text else "(none)"


def task_graph(answers: Mapping[str, Any]) -> str:
    """The DAG's tasks in Airflow's ``a >> b`` notation, as the file will write them."""
    from createdag.pipeline import graph_line

    return graph_line(answers)


def summary(answers: Mapping[str, Any], settings: Settings) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """``([(group, lines), ...], notices)``: every asked question with the value to be written."""
    final, notices = finish(answers, settings)
    groups: list[tuple[str, list[str]]] = []
    for question in asked(answers):
        value = final.get(question.key, answers[question.key])
        if not groups or groups[-1][0] != question.group:
            groups.append((question.group, []))
        groups[-1][1].append(f"{question.prompt:<{_PROMPT_WIDTH}} {shown(question, value)}")
    tasks = answers.get(TASKS) or ()
    for number, task in enumerate(tasks):
        group = f"Task {task.get('task_id')}" if len(tasks) > 1 else "Task"
        groups.append((group, []))
        for question in asked_in_task(answers, number):
            value = final[TASKS][number].get(question.key, task[question.key])
            groups[-1][1].append(f"{question.prompt:<{_PROMPT_WIDTH}} {shown(question, value)}")
    groups.append(("Tasks", [task_graph(final)]))
    return groups, notices
