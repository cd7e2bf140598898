"""Round trip: any pipeline create_dag writes, ``adopt`` reads back as the same answers.

Nothing here lists the options: the specs are drawn from the question table
(``createdag/questions.py``). Every answer a file can give is drawn from its
question's ``examples`` (the tasks a task runs after from the tasks before
it), keeping the first example the question's own check accepts beside what
was drawn before it (a mount names a volume of its task, a limit is at least
its request, a deadline needs an alert...). A spec of 1 to 6 pod tasks, with
or without the upstream sensor, is written by ``create.create``, read back
from the file by ``adopt`` (``pipeline_source``) and validated again by
``resolve``: the same validated answers, and the template's render of them is
the file itself (the base ``update`` merges against). A new option is in the
round trip by being declared, with its examples.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from createdag import adopt, create
from createdag.answers import resolve
from createdag.errors import BadValue, InvalidAnswers
from createdag.questions import BY_KEY, DAG_QUESTIONS, TASK_QUESTIONS, TASKS, Question
from createdag.settings import Settings, settings_for

#: where the checks look for DAGs while a spec is drawn: nowhere (no dag_id is taken there)
CHECKS = Settings(output_dir=Path(tempfile.gettempdir()) / "create_dag-roundtrip-none")
#: answers every file gives: no default, or one computed from the machine (git author, today)
_ALWAYS = frozenset({"dag_id", "image", "task_id", "owner", "start_date"})
#: what an answer not given is, while the next ones are drawn: its default; and every question
#: asked (the prompt's yes/no steering questions answered yes), so ``when`` says which answers
#: apply: the sensor's with an upstream dag_id, the retry delay with retries...
_STATIC_DEFAULTS = {
    **{q.key: q.default for q in (*DAG_QUESTIONS, *TASK_QUESTIONS) if not callable(q.default)},
    **{q.key: True for q in (*DAG_QUESTIONS, *TASK_QUESTIONS) if q.prompt_only},
}


NONE_ACCEPTED = object()


def draw_answer(draw: st.DrawFn, question: Question, view: Mapping[str, Any]) -> Any:
    """One of the question's examples its check accepts beside ``view`` (``NONE_ACCEPTED``: none is)."""
    if question.kind == "tasks":  # runs after: some of the tasks before it, in file order
        earlier = list(question.options(view)) if question.options else []
        return [name for name in earlier if draw(st.booleans())]
    for value in draw(st.permutations(question.examples)):
        try:
            if question.check is not None:
                question.check(value, view, CHECKS)
        except BadValue:
            continue
        return value
    return NONE_ACCEPTED


def draw_answers(draw: st.DrawFn, questions: tuple[Question, ...], into: dict[str, Any], below: Mapping) -> None:
    for question in questions:
        view = ChainMap(into, below)
        if question.prompt_only or not question.when(view):
            continue
        if question.key not in _ALWAYS and not draw(st.booleans()):
            continue
        value = draw_answer(draw, question, view)
        if value is not NONE_ACCEPTED:
            into[question.key] = value


@st.composite
def pipelines(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {TASKS: []}
    draw_answers(draw, DAG_QUESTIONS, spec, _STATIC_DEFAULTS)
    # the two shapes of graph the template writes apart, as often as the rest: a DAG that waits
    # for an upstream one (the sensor), and one whose every pod is mapped (its EmptyOperator after)
    if draw(st.booleans()):
        upstream = [dag_id for dag_id in BY_KEY["external_dag_id"].examples if dag_id]
        spec["external_dag_id"] = draw(st.sampled_from(upstream))
    mapped = [n for n in BY_KEY["shards"].examples if n > 1] if draw(st.booleans()) else None
    once = [q for q in TASK_QUESTIONS if q.once]  # asked once: given at the DAG level, often
    draw_answers(draw, tuple(once), spec, _STATIC_DEFAULTS)
    for _ in range(draw(st.integers(1, 6))):
        task: dict[str, Any] = {}
        draw_answers(draw, TASK_QUESTIONS, task, ChainMap(spec, _STATIC_DEFAULTS))
        if mapped:
            task["shards"] = draw(st.sampled_from(mapped))
        if "task_id" in task:  # every example taken by an earlier task: this DAG is long enough
            spec[TASKS].append(task)
    return spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=pipelines())
def test_a_generated_pipeline_reads_back_as_its_answers(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="create_dag-roundtrip-") as scratch:
        made, adopted = Path(scratch) / "made", Path(scratch) / "adopted"
        made.mkdir()
        adopted.mkdir()
        try:
            created = create.create([spec], Settings(output_dir=made), source="spec")
        except InvalidAnswers as exc:  # a rule across answers no single check has (assets: no @daily default)
            event(f"refused by resolve, drawn again: {str(exc).splitlines()[0][:70]}")
            reject()
        (written,) = created.paths
        text = written.read_text(encoding="utf-8")
        event("the EmptyOperator after the pods" if "EmptyOperator(\n" in text else "no EmptyOperator")
        event("the upstream sensor" if spec.get("external_dag_id") else "no sensor")
        event("a sanitized variable" if "noqa: AIR001" in text else "variables as task ids")
        given_keys = {key for task in spec[TASKS] for key in task} | set(spec)
        event(f"{len(given_keys) // 10 * 10}+ kinds of answer given")
        expected, _ = resolve(spec, settings_for(made, force=True, existing_dag=True), source="spec")

        copy = adopted / written.name  # a dags folder without its record: adopt it there
        shutil.copyfile(written, copy)
        found, _ = adopt.read_answers(copy)
        plan = adopt.plan_adopt(adopted, copy)

    def graph(answers: dict[str, Any]) -> list[tuple[str, list[str]]]:
        return [(task["task_id"], task["after"]) for task in answers[TASKS]]

    assert graph(found) == graph(expected)
    assert plan.answers[TASKS] == expected[TASKS]
    assert {key: plan.answers.get(key) for key in expected} == expected
    assert plan.pristine == text  # the render of what was read is the file, byte for byte
