"""Turn raw answers from any source into one validated ``dict``.

Three sources feed this module: the interactive prompt (one typed line per
question), ``--set KEY=VALUE`` flags (text) and answers files (YAML or JSON,
already typed). All of them go through ``check_one``, which first coerces the
raw value to the question's kind and then runs the question's own check, so a
rule is enforced the same way wherever the answer came from. Rendering only
ever sees the result of ``resolve``/``finish``.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from createdag import rules
from createdag.errors import BadValue, InvalidAnswer, InvalidAnswers
from createdag.questions import ALERTS_MODULE, ALIASES, BY_KEY, DAG_QUESTIONS, TASK_QUESTIONS, TASKS, Question
from createdag.settings import Settings


def canonical_key(key: str) -> str:
    """Map an alias (``concurrency``) to its question key (``max_active_tasks``)."""
    return ALIASES.get(key, key)


def coerce(question: Question, raw: Any) -> Any:
    """Bring a raw value (text, or an already typed value from a file) to the question's kind."""
    return question.kind_of.parse(question, raw)


def check_one(question: Question, raw: Any, answers: Mapping[str, Any], settings: Settings) -> Any:
    """Coerce and check one answer; raise ``BadValue`` with the fix."""
    value = coerce(question, raw)
    if question.check is not None:
        value = question.check(value, answers, settings)
    return rules.apply_team_rules(question.key, value, settings)


# --- all answers at once ---------------------------------------------------------------


def finish(answers: Mapping[str, Any], settings: Settings | None = None) -> tuple[dict[str, Any], list[str]]:
    """The answers that reach the template (steering questions dropped), after the rules
    that tie them together (``rules.cross_answer_notices``); and the notices."""
    result = {key: answers[key] for key in answers if key != TASKS and not BY_KEY[key].prompt_only}
    if TASKS in answers:
        result[TASKS] = [
            {key: value for key, value in task.items() if not BY_KEY[key].prompt_only} for task in answers[TASKS]
        ]
    if settings is not None and settings.team.alerts_module != ALERTS_MODULE:
        result["alerts_module"] = settings.team.alerts_module  # where the DAG imports TeamsNotifier from
    return result, rules.cross_answer_notices(result, settings)


def resolve(raw: Mapping[str, Any], settings: Settings, source: str = "answers") -> tuple[dict[str, Any], list[str]]:
    """Validate a whole set of answers given without prompting: the DAG's, then each task's.

    ``raw`` holds ``tasks`` (a list of task answers) or, in the one-task flat
    form, the task's answers beside the DAG's (see ``pipeline``). Unknown keys,
    missing required answers, bad values and a broken task graph are all
    collected and raised together as ``InvalidAnswers``, so one run shows every
    problem. Missing optional answers take their defaults.
    """
    from createdag import pipeline

    problems: list[InvalidAnswer] = []
    dag_raw, task_defaults, tasks_raw = pipeline.split(raw)
    given, label = _known(dag_raw, "", DAG_QUESTIONS, source, problems)
    if given.get("assets") and "schedule" not in given:
        given["schedule"] = None  # assets and no schedule: the DAG runs on the assets alone
    defaults, default_label = _known(task_defaults, "", TASK_QUESTIONS, source, problems)
    answers: dict[str, Any] = {}
    for question in DAG_QUESTIONS:
        _resolve_one(question, given, label, answers, answers, settings, source, problems)
    if tasks_raw is None:
        tasks_raw, defaults, default_label = [defaults], {}, {}
        prefix_of = [""]
    else:
        prefix_of = [f"tasks[{number}]." for number in range(len(tasks_raw))]
    tasks: list[dict[str, Any]] = []
    for number, task_raw in enumerate(tasks_raw):
        if not isinstance(task_raw, Mapping):
            problems.append(InvalidAnswer(f"tasks[{number}]", "is not a mapping of task answers (task_id: ...)",
                                          source))  # fmt: skip
            continue
        own, own_label = _known(task_raw, prefix_of[number], TASK_QUESTIONS, source, problems, allow_after=True)
        task: dict[str, Any] = {}
        view = ChainMap(task, answers, {TASKS: tasks})
        for question in TASK_QUESTIONS:
            if question.merges and question.key in own and question.key in defaults:
                try:  # the DAG-level mapping, with the task's own added (its values win)
                    merged = {**coerce(question, defaults[question.key]), **coerce(question, own[question.key])}
                except BadValue as exc:
                    problems.append(InvalidAnswer(own_label[question.key], str(exc), source))
                    continue
                values, labels = {question.key: merged}, own_label
            elif question.key in own:
                values, labels = own, own_label
            elif question.key in defaults:
                values, labels = defaults, default_label
            else:
                values, labels = own, own_label
            _resolve_one(question, values, labels, task, view, settings, source, problems, prefix_of[number])
        tasks.append({key: task[key] for key in task if not BY_KEY[key].prompt_only})
    if not problems:
        problems.extend(pipeline.graph_problems(tasks, source, sensor=bool(answers.get("external_dag_id"))))
    if problems:
        raise InvalidAnswers(problems)
    answers[TASKS] = tasks
    return finish(answers, settings)


def _known(
    raw: Mapping[str, Any],
    prefix: str,
    questions: tuple[Question, ...],
    source: str,
    problems: list[InvalidAnswer],
    allow_after: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers of ``raw`` that ``questions`` ask, by canonical key, and how each was spelled."""
    keys = {q.key for q in questions}
    given: dict[str, Any] = {}
    label: dict[str, str] = {}
    for key, value in raw.items():
        name = canonical_key(str(key))
        if name == "after" and not allow_after:
            fix = "after: belongs to a task: write it in tasks: [{task_id: ..., after: [...]}]"
            problems.append(InvalidAnswer(str(key), fix, source))
        elif name not in keys:
            if name in BY_KEY:
                where = "of the DAG: write it beside tasks:, not in a task" if prefix else "of a task"
                problems.append(InvalidAnswer(f"{prefix}{key}", f"{name} is an answer {where}", source))
            else:
                fix = f"unknown key: known keys are {', '.join(_known_keys(questions))}"
                problems.append(InvalidAnswer(f"{prefix}{key}", fix, source))
        elif name in given:
            problems.append(InvalidAnswer(f"{prefix}{key}", f"given twice (also as {name!r})", source))
        else:
            given[name] = value
            label[name] = prefix + (name if name == key else f"{key} (= {name})")
    return given, label


def _known_keys(questions: tuple[Question, ...]) -> list[str]:
    keys = [q.key for q in questions if not q.prompt_only]
    return [*keys, TASKS] if questions is DAG_QUESTIONS else keys


def _resolve_one(
    question: Question,
    given: Mapping[str, Any],
    label: Mapping[str, str],
    into: dict[str, Any],
    view: Mapping[str, Any],
    settings: Settings,
    source: str,
    problems: list[InvalidAnswer],
    prefix: str = "",
) -> None:
    """Check one answer (given, else its default) into ``into``; a problem goes to ``problems``."""
    where = source  # who gave the value: the caller's source, or the team config for its defaults
    if question.key in given:
        raw_value = given[question.key]
    else:
        raw_value = question.default_for(view, settings)
        if raw_value is None:  # no default: the question must be answered
            fix = f"is required: add {question.key}: ... or --set {question.key}=..."
            problems.append(InvalidAnswer(prefix + question.key, fix, source))
            return
        if question.key in settings.team.defaults:
            where = f"default in {settings.team.path}"
    try:
        into[question.key] = check_one(question, raw_value, view, settings)
    except BadValue as exc:
        problems.append(InvalidAnswer(label.get(question.key, prefix + question.key), str(exc), where))
