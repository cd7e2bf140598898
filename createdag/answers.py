"""Turn raw answers from any source into one validated ``dict``.

Three sources feed this module: the interactive prompt (one typed line per
question), ``--set KEY=VALUE`` flags (text) and answers files (YAML or JSON,
already typed). All of them go through ``check_one``, which first coerces the
raw value to the question's kind and then runs the question's own check, so a
rule is enforced the same way wherever the answer came from. Rendering only
ever sees the result of ``resolve``/``finish``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from createdag import rules
from createdag.errors import BadValue, InvalidAnswer, InvalidAnswers
from createdag.questions import ALERTS_MODULE, ALIASES, BY_KEY, QUESTIONS, Question
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
    result = {key: answers[key] for key in answers if not BY_KEY[key].prompt_only}
    if settings is not None and settings.team.alerts_module != ALERTS_MODULE:
        result["alerts_module"] = settings.team.alerts_module  # where the DAG imports TeamsNotifier from
    return result, rules.cross_answer_notices(result, settings)


def resolve(raw: Mapping[str, Any], settings: Settings, source: str = "answers") -> tuple[dict[str, Any], list[str]]:
    """Validate a whole set of answers given without prompting.

    Unknown keys, missing required answers and bad values are all collected
    and raised together as ``InvalidAnswers``, so one run shows every problem.
    Missing optional answers take their defaults.
    """
    problems: list[InvalidAnswer] = []
    given: dict[str, Any] = {}
    label: dict[str, str] = {}  # how the user spelled each key, for messages
    for key, value in raw.items():
        name = canonical_key(str(key))
        if name not in BY_KEY:
            problems.append(InvalidAnswer(str(key), f"unknown key: known keys are {', '.join(BY_KEY)}", source))
        elif name in given:
            problems.append(InvalidAnswer(str(key), f"given twice (also as {name!r})", source))
        else:
            given[name] = value
            label[name] = name if name == key else f"{key} (= {name})"
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        where = source  # who gave the value: the caller's source, or the team config for its defaults
        if question.key in given:
            raw_value = given[question.key]
        else:
            raw_value = question.default_for(answers, settings)
            if raw_value is None:  # no default: the question must be answered
                fix = f"is required: add {question.key}: ... or --set {question.key}=..."
                problems.append(InvalidAnswer(question.key, fix, source))
                continue
            if question.key in settings.team.defaults:
                where = f"default in {settings.team.path}"
        try:
            answers[question.key] = check_one(question, raw_value, answers, settings)
        except BadValue as exc:
            problems.append(InvalidAnswer(label.get(question.key, question.key), str(exc), where))
    if problems:
        raise InvalidAnswers(problems)
    return finish(answers, settings)
