"""The interactive side: ask ``QUESTIONS`` with questionary, one at a time.

This is the only module that draws on the terminal. It checks each answer
as it is typed with the same ``answers.check_one`` that flags and files go
through, and returns raw-free, validated answers. Questions use
``unsafe_ask`` so Ctrl-C arrives as ``KeyboardInterrupt`` (and Ctrl-D as
``EOFError``) for the CLI to turn into an exit code, instead of ``None``.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping
from typing import Any

import questionary
from prompt_toolkit.application import get_app

from createdag import schedule as schedules
from createdag.answers import check_one, coerce
from createdag.errors import BadValue, CreateDagError
from createdag.questions import QUESTIONS, Question, Settings

_HELP_STYLE = "fg:ansibrightblack"
_GROUP_STYLE = "bold"


def as_text(question: Question, value: Any) -> str:
    """Show an answer the way it would be typed, for defaults in the prompt."""
    if value is None:
        return ""
    if question.kind == "list":
        return shlex.join(value) if question.list_syntax == "shell" else ", ".join(value)
    if question.kind == "secrets":
        return ", ".join(f"{s['env']}={s['secret']}:{s['key']}" for s in value)
    return str(value)


def _validator(question: Question, answers: Mapping[str, Any], settings: Settings):
    def validate(text: str) -> bool | str:
        try:
            check_one(question, text, answers, settings)
        except BadValue as exc:
            return str(exc)
        return True

    return validate


def _schedule_toolbar() -> str:
    """Live: the schedule being typed, in words, with its next runs."""
    text = get_app().current_buffer.text
    try:
        return " " + schedules.preview(schedules.normalize_schedule(text), dt.datetime.now())
    except CreateDagError:
        return " cron: minute hour day-of-month month day-of-week, e.g. 30 6 * * 1-5"


def ask(question: Question, answers: Mapping[str, Any], settings: Settings, default: Any) -> Any:
    """Ask one question; return its checked value."""
    questionary.print(f"  {question.help}", style=_HELP_STYLE)
    if question.kind == "bool":
        return bool(questionary.confirm(question.prompt, default=bool(default)).unsafe_ask())
    if question.kind == "choices":
        chosen = questionary.checkbox(
            question.prompt,
            choices=[questionary.Choice(choice, checked=choice in (default or ())) for choice in question.choices],
            instruction="(space to toggle, enter to confirm; none for no alerts)",
        ).unsafe_ask()
        return check_one(question, list(chosen), answers, settings)
    extra: dict[str, Any] = {}
    if question.key == "schedule":
        extra["bottom_toolbar"] = _schedule_toolbar
    text = questionary.text(
        question.prompt,
        default=as_text(question, default),
        validate=_validator(question, answers, settings),
        **extra,
    ).unsafe_ask()
    value = check_one(question, text, answers, settings)
    if question.key == "schedule":
        questionary.print(f"  -> {schedules.describe(value)}", style=_HELP_STYLE)
    return value


def ask_all(settings: Settings, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Ask every question whose ``when`` holds; ``given`` answers become the defaults."""
    given = given or {}
    answers: dict[str, Any] = {}
    group = None
    for question in QUESTIONS:
        default = question.default_for(answers, settings)
        if question.key in given:
            try:
                default = coerce(question, given[question.key])
            except BadValue:
                default = given[question.key]  # shown as typed; its check will say what is wrong
        if not question.when(answers):
            if not question.prompt_only:
                answers[question.key] = check_one(question, default, answers, settings) if default is not None else None
            continue
        if question.group != group:
            group = question.group
            questionary.print(f"\n{group}", style=_GROUP_STYLE)
        answers[question.key] = ask(question, answers, settings, default)
    return answers


def confirm_write(path: str) -> bool:
    return bool(questionary.confirm(f"Write {path}?", default=True).unsafe_ask())
