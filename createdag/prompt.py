"""The interactive side: ask ``QUESTIONS`` with questionary, one at a time.

This is the only module that draws on the terminal. It checks each answer
as it is typed with the same ``answers.check_one`` that flags and files go
through, and returns raw-free, validated answers. Questions use
``unsafe_ask`` so Ctrl-C arrives as ``KeyboardInterrupt`` (and Ctrl-D as
``EOFError``) for the CLI to turn into an exit code, instead of ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import questionary
from prompt_toolkit.application import get_app

from createdag.answers import check_one, coerce
from createdag.errors import BadValue
from createdag.questions import QUESTIONS, Question
from createdag.settings import Settings

_HELP_STYLE = "fg:ansibrightblack"
_GROUP_STYLE = "bold"


def as_text(question: Question, value: Any) -> str:
    """Show an answer the way it would be typed, for defaults in the prompt."""
    return question.kind_of.show(question, value)


def _validator(question: Question, answers: Mapping[str, Any], settings: Settings) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        try:
            check_one(question, text, answers, settings)
        except BadValue as exc:
            return str(exc)
        return True

    return validate


def _live(hint: Callable[[str], str]) -> Callable[[], str]:
    """A bottom toolbar showing ``hint`` of the text typed so far, redrawn on every key press."""
    return lambda: " " + hint(get_app().current_buffer.text)


def ask(question: Question, answers: Mapping[str, Any], settings: Settings, default: Any) -> Any:
    """Ask one question with its kind's widget; return its checked value."""
    questionary.print(f"  {question.help}", style=_HELP_STYLE)
    widget = question.kind_of.widget
    if widget == "confirm":
        return bool(questionary.confirm(question.prompt, default=bool(default)).unsafe_ask())
    if widget == "checkbox":
        chosen = questionary.checkbox(
            question.prompt,
            choices=[questionary.Choice(choice, checked=choice in (default or ())) for choice in question.choices],
            instruction="(space to toggle, enter to confirm; none for no alerts)",
        ).unsafe_ask()
        return check_one(question, list(chosen), answers, settings)
    extra: dict[str, Any] = {}
    if question.live_hint is not None:
        extra["bottom_toolbar"] = _live(question.live_hint)
    text = questionary.text(
        question.prompt,
        default=as_text(question, default),
        validate=_validator(question, answers, settings),
        **extra,
    ).unsafe_ask()
    value = check_one(question, text, answers, settings)
    if question.echo is not None:
        questionary.print(f"  {question.echo(value)}", style=_HELP_STYLE)
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
