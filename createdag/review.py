"""The review before writing: every answer, grouped like the questions, as lines of text.

Pure: answers in, lines out. ``prompt.review`` prints them and asks what to
do next (write, change an answer, show every answer, quit). The values shown
are those that will be written, after the rules that tie answers together
(``answers.finish``), and a drawing of the task graph closes the summary.
Folded, the review shows only what differs from the defaults, so that a
pipeline's review fits one 40-line screen.
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


def task_graph(answers: Mapping[str, Any], width: int = 1000) -> list[str]:
    """The DAG's tasks as a drawing of the graph (``graph_drawing``), each task as the file
    names it, the sensor and a mapped task's pods said under it; the ``a >> b`` statements the
    file writes when the drawing cannot show the graph unambiguously or is wider than ``width``."""
    from createdag.graph_drawing import draw
    from createdag.pipeline import SENSOR_TASK_ID, graph_line

    tasks = answers.get(TASKS) or ()
    nodes = [(str(t["task_id"]), [str(a) for a in t.get("after") or ()]) for t in tasks]
    notes = [f"{t['task_id']}: {t['shards']} parallel pods" for t in tasks if int(t.get("shards", 1)) > 1]
    if answers.get("external_dag_id"):
        roots = [name for name, after in nodes if not after]
        nodes.insert(0, (SENSOR_TASK_ID, []))
        nodes = [(name, [SENSOR_TASK_ID] if name in roots else after) for name, after in nodes]
        upstream = answers["external_dag_id"]
        target = f"{upstream}.{answers['external_task_id']}" if answers.get("external_task_id") else f"{upstream} run"
        notes.insert(0, f"{SENSOR_TASK_ID}: waits for {target}")
    drawing = draw(nodes)
    if drawing is None or max(map(len, drawing), default=0) > width:
        return [graph_line(answers)]
    return [*drawing, *notes]


def _differs(question: Question, value: Any, view: Mapping[str, Any], settings: Settings) -> bool:
    """Whether an answer is other than the question's default for these answers."""
    try:
        return shown(question, value) != shown(question, question.default_for(view, settings))
    except (TypeError, ValueError, AttributeError, KeyError):  # a default the kind cannot show differs
        return True


def _line(question: Question, value: Any, width: int) -> str:
    line = f"{question.prompt:<{_PROMPT_WIDTH}} {shown(question, value)}"
    return line if len(line) <= width else line[: max(width - 1, 1)] + "…"


_NONE = object()

#: the task answers its group's title or the graph already show
_IN_TITLE_OR_GRAPH = ("task_id", "after")


def summary(
    answers: Mapping[str, Any], settings: Settings, folded: bool = False, width: int = 1000
) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """``([(group, lines), ...], notices)``: every asked question with the value to be written,
    then the task graph. ``folded``: only the answers that differ from their defaults (a later
    task's: and from the task before it), each group's title saying how many more it holds (a
    group at its defaults is its title alone), lines cut at ``width`` (the indent of four left
    out): a review that fits one screen."""
    from createdag.pipeline import task_view

    final, notices = finish(answers, settings)
    groups: list[tuple[str, list[str]]] = []
    counts: list[int] = []

    def add(group: str, question: Question, value: Any, view: Mapping[str, Any], before: Any = _NONE) -> None:
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
            counts.append(0)
        same = question.prompt_only or value == before or not _differs(question, value, view, settings)
        if folded and same:
            counts[-1] += 1
        else:
            groups[-1][1].append(_line(question, value, width - 4))

    for question in asked(answers):
        add(question.group, question, final.get(question.key, answers[question.key]), answers)
    tasks = answers.get(TASKS) or ()
    for number, task in enumerate(tasks):
        group = f"Task {task.get('task_id')}" if len(tasks) > 1 or folded else "Task"
        view = task_view(answers, number)
        for question in asked_in_task(answers, number):
            if folded and question.key in _IN_TITLE_OR_GRAPH:
                continue
            before = final[TASKS][number - 1].get(question.key, _NONE) if number else _NONE
            add(group, question, final[TASKS][number].get(question.key, task[question.key]), view, before)
    if folded:
        titled = zip(groups, counts, strict=True)
        groups = [(_folded_title(group, lines, count), lines) for (group, lines), count in titled]
    groups.append(("Tasks", task_graph(final, width - 4)))
    return groups, notices


def _folded_title(group: str, lines: list[str], count: int) -> str:
    """A folded group's title: how many answers it holds at the defaults (a later task: or as
    the task before it)."""
    if not count:
        return group
    where = "at the defaults or as the task before" if group.startswith("Task ") else "at the defaults"
    if not lines:
        return f"{group}: {count} {where}"
    return f"{group} (and {count} {where})"
