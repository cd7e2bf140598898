"""Turn raw answers from any source into one validated ``dict``.

Three sources feed this module: the interactive prompt (one typed line per
question), ``--set KEY=VALUE`` flags (text) and answers files (YAML or JSON,
already typed). All of them go through ``check_one``, which first coerces the
raw value to the question's kind and then runs the question's own check, so a
rule is enforced the same way wherever the answer came from. Rendering only
ever sees the result of ``resolve``/``finish``.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Mapping
from typing import Any

from createdag.errors import BadValue, InvalidAnswer, InvalidAnswers
from createdag.questions import ALIASES, BY_KEY, QUESTIONS, Question, Settings

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


def canonical_key(key: str) -> str:
    """Map an alias (``concurrency``) to its question key (``max_active_tasks``)."""
    return ALIASES.get(key, key)


# --- from a line of text (the prompt, --set) -------------------------------------------


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadValue(f"{text!r} is not yes or no: use true/false (or yes/no)")


def parse_int(text: str) -> int:
    word = text.strip()
    if not word.isascii() or not word.lstrip("+-").isdigit():
        raise BadValue(f"{text!r} is not a whole number")
    return int(word)


def _parse_list_text(text: str, syntax: str) -> list[Any]:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError:
            import yaml  # YAML flow lists: [a, b] without quotes

            try:
                value = yaml.safe_load(stripped)
            except yaml.YAMLError:
                raise BadValue(f"{text!r} starts with '[' but is not a JSON or YAML list") from None
        if not isinstance(value, list):
            raise BadValue(f"{text!r} is not a list")
        return value
    if syntax == "shell":
        try:
            return shlex.split(text)
        except ValueError as exc:
            raise BadValue(f"{exc}: close the quote, or write the list as JSON") from None
    return [item.strip() for item in text.split(",") if item.strip()]


def _parse_secret(text: str) -> dict[str, str]:
    env, eq, rest = text.strip().partition("=")
    secret, colon, key = rest.partition(":")
    if not (eq and colon and env and secret and key):
        raise BadValue(f"{text.strip()!r} is not ENV=secret:key, e.g. 'DB_PASSWORD=db-creds:password'")
    return {"env": env.strip(), "secret": secret.strip(), "key": key.strip()}


# --- from any raw value to the question's kind ----------------------------------------------


def _items_as_text(question: Question, items: list[Any]) -> list[str]:
    for number, item in enumerate(items, 1):
        if not isinstance(item, str):
            raise BadValue(f"item {number} is {item!r}, not text: quote it, e.g. \"{item}\"")
    return items


def coerce(question: Question, raw: Any) -> Any:
    """Bring a raw value (text, or an already typed value from a file) to the question's kind."""
    kind = question.kind
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            return parse_bool(raw)
        raise BadValue(f"{raw!r} is not true or false")
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise BadValue(f"{raw!r} is not a whole number")
        return parse_int(raw) if isinstance(raw, str) else raw
    if kind == "text":
        if raw is None and question.key == "schedule":
            return None
        if raw is None and question.default == "":
            return ""
        if isinstance(raw, dt.date) and question.key == "start_date":
            return raw
        if not isinstance(raw, str):
            raise BadValue(f"{raw!r} is not text: quote it, e.g. \"{raw}\"")
        return raw
    if kind in ("list", "choices"):
        if raw is None:
            return []
        if isinstance(raw, str):
            if kind == "choices" and raw.strip().lower() in ("none", "[]", ""):
                return []
            raw = _parse_list_text(raw, question.list_syntax)
        if not isinstance(raw, list | tuple):
            raise BadValue(f"{raw!r} is not a list")
        return _items_as_text(question, list(raw))
    if kind == "secrets":
        if raw is None:
            return []
        if isinstance(raw, str):
            if raw.strip().startswith("["):
                raw = _parse_list_text(raw, "comma")
            else:
                return [_parse_secret(part) for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list | tuple):
            raise BadValue(f"{raw!r} is not a list of secrets")
        result = []
        for item in raw:
            if isinstance(item, str):
                result.append(_parse_secret(item))
            elif isinstance(item, Mapping) and set(item) == {"env", "secret", "key"}:
                result.append({k: str(item[k]) for k in ("env", "secret", "key")})
            else:
                raise BadValue(f"{item!r} is not {{env, secret, key}} nor 'ENV=secret:key'")
        return result
    raise AssertionError(f"unknown kind {kind}")  # pragma: no cover


def check_one(question: Question, raw: Any, answers: Mapping[str, Any], settings: Settings) -> Any:
    """Coerce and check one answer; raise ``BadValue`` with the fix."""
    from createdag.questions import apply_team_rules

    value = coerce(question, raw)
    if question.check is not None:
        value = question.check(value, answers, settings)
    return apply_team_rules(question.key, value, settings)


# --- all answers at once ---------------------------------------------------------------


def finish(answers: Mapping[str, Any], settings: Settings | None = None) -> tuple[dict[str, Any], list[str]]:
    """Apply the rules that tie answers together; return the answers and notices.

    Notices are things the user should know but need not fix, e.g. that
    wait_for_downstream switches depends_on_past on (Airflow does so anyway;
    writing it keeps the file honest).
    """
    result = {key: answers[key] for key in answers if not BY_KEY[key].prompt_only}
    if settings is not None and settings.team.alerts_module != "teams_alerts":
        result["alerts_module"] = settings.team.alerts_module  # where the DAG imports TeamsNotifier from
    notices = []
    if result.get("wait_for_downstream") and not result.get("depends_on_past"):
        result["depends_on_past"] = True
        notices.append("depends_on_past is on too: wait_for_downstream implies it in Airflow")
    if result.get("external_dag_id") and settings is not None:
        notices.extend(_alignment_notices(result, settings))
    return result, notices


def _alignment_notices(answers: Mapping[str, Any], settings: Settings) -> list[str]:
    """Warnings for a sensor whose upstream run may never exist; errors were raised earlier."""
    from createdag import upstream
    from createdag.questions import alignment_start, upstream_of

    found = upstream_of(answers, settings)
    name = answers["external_dag_id"]
    if found is None:
        delta = answers["external_delta_minutes"]
        when = "the same as this run's" if delta == 0 else f"{upstream.minutes_in_words(delta)} than this run's"
        return [
            f"{name} is not defined in {settings.output_dir}, so its schedule was not checked: the sensor "
            f"waits for the {name} run whose logical date is {when}"
        ]
    ours, theirs = answers["schedule"], found.schedule
    if not (upstream.is_cron(ours) and upstream.is_cron(theirs)):
        return [
            f"warning: this DAG runs {ours or 'manually'} and {name} runs {theirs or 'manually'}: a sensor only "
            "matches a run with exactly the expected logical date, so it will time out unless both are triggered "
            "with matching logical dates"
        ]
    after = alignment_start(answers, settings)
    if not upstream.lines_up(ours, answers["timezone"], theirs, found.timezone, answers["external_delta_minutes"], after):
        return [
            f"warning: no fixed offset lines this DAG's runs up with {name}'s ({schedules_words(theirs)}): "
            "some runs of the sensor will time out; consider matching schedules"
        ]
    return []


def schedules_words(schedule: str | None) -> str:
    from createdag.schedule import describe

    return describe(schedule)


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
        if question.key in given:
            raw_value = given[question.key]
        else:
            raw_value = question.default_for(answers, settings)
            if raw_value is None:  # no default: the question must be answered
                problems.append(InvalidAnswer(question.key, f"is required: add {question.key}: ... or --set {question.key}=...", source))
                continue
        try:
            answers[question.key] = check_one(question, raw_value, answers, settings)
        except BadValue as exc:
            problems.append(InvalidAnswer(label.get(question.key, question.key), str(exc), source))
    if problems:
        raise InvalidAnswers(problems)
    return finish(answers, settings)
