"""The interactive side: ask ``QUESTIONS`` with questionary, one at a time, then review.

This is the only module that draws on the terminal. It checks each answer
as it is typed with the same ``answers.check_one`` that flags and files go
through. Answers are filled into a ``dict`` the caller owns, so that what
was answered survives Ctrl-C (``commands.create`` keeps it for
``--resume``). Questions use ``unsafe_ask`` so Ctrl-C arrives as
``KeyboardInterrupt`` (and Ctrl-D as ``EOFError``) for the CLI to turn into
an exit code, instead of ``None``.

After the last question, ``review`` shows every answer and offers to write,
to change one answer (it is asked again with the same checks, and so are
the questions whose ``depends_on`` names an answer that changed) or to quit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import questionary
from prompt_toolkit.application import get_app
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from createdag.answers import check_one, coerce
from createdag.errors import BadValue
from createdag.pipeline import task_view
from createdag.questions import DAG_QUESTIONS as QUESTIONS_OF_DAG
from createdag.questions import QUESTIONS, TASK_QUESTIONS, TASKS, Question
from createdag.settings import Settings

_HELP_STYLE = "fg:ansibrightblack"
_GROUP_STYLE = "bold"
_WARN_STYLE = "fg:ansiyellow"
_MISSING = object()


def as_text(question: Question, value: Any) -> str:
    """Show an answer the way it would be typed, for defaults in the prompt."""
    return question.kind_of.show(question, value)


def _columns() -> int:
    """The terminal's width: the running prompt's, else the terminal's."""
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()
    if app is not None:
        return int(app.output.get_size().columns)
    import shutil

    return shutil.get_terminal_size().columns


def wrap(message: str, width: int) -> str:
    """``message`` over as many lines of ``width`` as it needs, broken between words."""
    return "\n".join(textwrap.wrap(message, width=max(width, 20), break_on_hyphens=False)) or message


def _validator(question: Question, answers: Mapping[str, Any], settings: Settings) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        try:
            check_one(question, text, answers, settings)
        except BadValue as exc:
            return wrap(str(exc), _columns() - 1)  # every line shown: see _fit_layout
        return True

    return validate


def _fit_layout(question: questionary.Question, live_hint: bool) -> None:
    """Two changes to prompt_toolkit's layout of a text prompt, so nothing the user needs is
    hidden: the toolbar with a refused answer's reason is one line high (a long reason is cut
    at the terminal width), so let it take the lines the reason needs; and the bottom toolbar
    (the live hint) waits for the terminal to report the cursor position, which some terminals
    never do, so show it without."""
    from prompt_toolkit.filters import has_validation_error, is_done, to_filter
    from prompt_toolkit.layout import ConditionalContainer, Window

    for container in question.application.layout.walk():
        if not isinstance(container, ConditionalContainer) or not isinstance(container.content, Window):
            continue
        window = container.content
        if container.filter is has_validation_error:
            window.height = None
            window.dont_extend_height = to_filter(True)
            window.wrap_lines = to_filter(True)
        elif live_hint and window.style == "class:bottom-toolbar":
            container.filter = ~is_done


class KnownAnswers(Completer):
    """Tab completion from a known set: the answers that start with the typed text first,
    then those that contain it (``Paris`` finds ``Europe/Paris``). Read once, on the first Tab."""

    def __init__(self, candidates: Callable[[], Iterable[str]]) -> None:
        self._candidates = candidates
        self._known: list[str] | None = None

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        if self._known is None:
            self._known = list(self._candidates())
        typed = document.text_before_cursor
        low = typed.strip().lower()
        starts = [word for word in self._known if word.lower().startswith(low)]
        within = [word for word in self._known if low and low in word.lower() and word not in starts]
        for word in starts + within:
            yield Completion(word, start_position=-len(typed))


def _live(hint: Callable[[str], str]) -> Callable[[], str]:
    """A bottom toolbar showing ``hint`` of the text typed so far, redrawn on every key press."""
    return lambda: " " + wrap(hint(get_app().current_buffer.text), _columns() - 2)


def ask(question: Question, answers: Mapping[str, Any], settings: Settings, default: Any) -> Any:
    """Ask one question with its kind's widget; return its checked value."""
    tab = " (Tab completes)" if question.complete is not None else ""
    questionary.print(f"  {question.help}{tab}", style=_HELP_STYLE)
    widget = question.kind_of.widget
    if widget == "confirm":
        return bool(questionary.confirm(question.prompt, default=bool(default)).unsafe_ask())
    if widget == "checkbox":
        options = question.options(answers) if question.options is not None else question.choices
        chosen = questionary.checkbox(
            question.prompt,
            choices=[questionary.Choice(choice, checked=choice in (default or ())) for choice in options],
            instruction="(space to toggle, enter to confirm)",
        ).unsafe_ask()
        return check_one(question, list(chosen), answers, settings)
    extra: dict[str, Any] = {}
    if question.live_hint is not None:
        extra["bottom_toolbar"] = _live(question.live_hint)
    if question.complete is not None:
        complete = question.complete
        extra["completer"] = KnownAnswers(lambda: complete(answers, settings))
        extra["complete_while_typing"] = False  # on Tab only
    prompt = questionary.text(
        question.prompt,
        default=as_text(question, default),
        validate=_validator(question, answers, settings),
        **extra,
    )
    _fit_layout(prompt, live_hint=question.live_hint is not None)
    text = prompt.unsafe_ask()
    value = check_one(question, text, answers, settings)
    said = question.echo(value) if question.echo is not None else ""
    if said:
        style = _WARN_STYLE if said.startswith("warning") else _HELP_STYLE
        questionary.print(wrap(f"  {said}", _columns() - 1), style=style)
    return value


def _default(question: Question, answers: Mapping[str, Any], settings: Settings, given: Mapping[str, Any]) -> Any:
    if question.key not in given:
        return question.default_for(answers, settings)
    try:
        return coerce(question, given[question.key])
    except BadValue:
        return given[question.key]  # shown as typed; its check will say what is wrong


def _fill(question: Question, answers: dict[str, Any], settings: Settings, default: Any, view: Any = None) -> None:
    """A question not asked (its ``when`` is false) takes its default, checked."""
    if not question.prompt_only:
        view = answers if view is None else view
        answers[question.key] = check_one(question, default, view, settings) if default is not None else None


def _given_for_task(given: Mapping[str, Any], task_id: str | None) -> dict[str, Any]:
    """The ``--set`` values a task's questions show as defaults: ``KEY=`` for every task,
    ``TASK.KEY=`` for the task of that id."""
    result = {key: value for key, value in given.items() if "." not in key}
    if task_id is not None:
        for key, value in given.items():
            owner, dot, name = key.rpartition(".")
            if dot and owner == task_id:
                result[name] = value
    return result


def ask_all(
    settings: Settings,
    answers: dict[str, Any],
    given: Mapping[str, Any] | None = None,
    kept: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask every question whose ``when`` holds, filling ``answers`` in place as they come.

    The DAG's questions come in table order; at the first task question, the
    task questions are asked for a first task, then for each task added
    ("Add another task?"), into ``answers["tasks"]``. ``given`` answers
    (``--set``) become the defaults shown. ``kept`` answers (``--resume``) are
    taken without asking when they still pass their check; one that no longer
    does is asked, its kept value as the default.
    """
    given, kept = given or {}, kept or {}
    dag_given = {key: value for key, value in given.items() if "." not in key}
    state = {"group": None}
    tasks_done = False
    for question in QUESTIONS:
        if question.scope == "task":
            if not tasks_done:
                _ask_tasks(settings, answers, given, kept.get(TASKS) or [], state)
                tasks_done = True
            continue
        _ask_or_take(question, answers, answers, settings, dag_given, kept, state)
    return answers


def _ask_or_take(
    question: Question,
    into: dict[str, Any],
    view: Mapping[str, Any],
    settings: Settings,
    given: Mapping[str, Any],
    kept: Mapping[str, Any],
    state: dict[str, Any],
    default: Any = _MISSING,
    header: str | None = None,
) -> None:
    """One question: filled when its ``when`` is false, taken from ``kept`` while it passes, else asked."""
    if default is _MISSING or question.key in given:
        default = _default(question, view, settings, given)
    refused = None
    if not question.when(view):
        try:
            _fill(question, into, settings, default, view)
            return
        except BadValue as exc:  # a default the team's rules refuse (no memory limit, say): asked instead
            refused = exc
    if question.key in kept:
        try:
            into[question.key] = check_one(question, kept[question.key], view, settings)
            return
        except BadValue as exc:
            default, refused = _default(question, view, settings, kept), exc
    group = header or question.group
    if group != state["group"]:
        state["group"] = group
        questionary.print(f"\n{group}", style=_GROUP_STYLE)
    if refused is not None and question.key not in kept:  # a default the team's rules refuse
        questionary.print(wrap(f"  the default does not pass: {refused}", _columns() - 1), style=_WARN_STYLE)
    elif refused is not None:  # say why a kept answer is asked again
        questionary.print(wrap(f"  the kept answer no longer passes: {refused}", _columns() - 1), style=_WARN_STYLE)
    into[question.key] = ask(question, view, settings, default)


def _ask_tasks(
    settings: Settings,
    answers: dict[str, Any],
    given: Mapping[str, Any],
    kept_tasks: list[Any],
    state: dict[str, Any],
) -> None:
    """The task questions, once per task, until "Add another task?" is answered no.

    A later task's defaults: the image (``inherit``) of the task before it;
    answers asked once (``once``: namespace, pull secrets) are the first task's;
    "runs after" the task before it.
    """
    tasks: list[dict[str, Any]] = answers.setdefault(TASKS, [])
    while True:
        number = len(tasks)
        task: dict[str, Any] = {}
        tasks.append(task)  # at once: what is answered survives Ctrl-C
        kept = kept_tasks[number] if number < len(kept_tasks) and isinstance(kept_tasks[number], dict) else {}
        view = task_view(answers, number)
        for question in TASK_QUESTIONS:
            header = "Task" if number == 0 else f"Task {number + 1}"
            own_given = _given_for_task(given, task.get("task_id"))
            default: Any = _MISSING
            if number and question.key not in own_given:
                previous = tasks[number - 1]
                if question.once and question.key in tasks[0]:
                    if question.key not in kept:
                        task[question.key] = tasks[0][question.key]
                        continue
                elif question.inherit and question.key in previous:
                    default = previous[question.key]
                elif question.key == "after":
                    default = [previous["task_id"]]
                elif question.key == "task_id":
                    default = ""
            if question.key == "more_tasks" and number + 1 < len(kept_tasks):
                task[question.key] = True  # the kept session went on to another task
                continue
            _ask_or_take(question, task, view, settings, own_given, kept, state, default, header)
        if not task.get("more_tasks"):
            return


def change(settings: Settings, answers: dict[str, Any], key: str) -> list[str]:
    """Ask ``key`` again (``KEY`` of the DAG, or ``N:KEY`` of task N, from 0), then every
    question that depends on an answer that changed (``Question.depends_on``, followed
    through); return the keys asked again. A renamed task keeps its place in the graph."""
    number_text, colon, name = key.rpartition(":")
    if not colon:
        return _change_in(settings, answers, answers, QUESTIONS_OF_DAG, key)
    number = int(number_text)
    tasks = answers[TASKS]
    task = tasks[number]
    before = task.get("task_id")
    view = task_view(answers, number)
    asked = _change_in(settings, task, view, TASK_QUESTIONS, name)
    if task.get("task_id") != before:
        for other in tasks:
            other["after"] = [task["task_id"] if item == before else item for item in other.get("after") or ()]
    return [f"{number}:{item}" for item in asked]


def _change_in(
    settings: Settings, into: dict[str, Any], view: Mapping[str, Any], questions: tuple[Question, ...], key: str
) -> list[str]:
    was_asked = {q.key for q in questions if q.key in into and q.when(view)}
    changed: set[str] = set()
    asked: list[str] = []
    for question in questions:
        if question.key != key and not changed.intersection(question.depends_on):
            continue
        if question.key == "more_tasks":
            continue
        before = into.get(question.key, _MISSING)
        if question.when(view):
            default = before if question.key in was_asked and _passes(question, before, view, settings) else (
                question.default_for(view, settings)
            )  # the answer given, while it holds; else the default, computed afresh
            into[question.key] = ask(question, view, settings, default)
            asked.append(question.key)
        else:
            _fill(question, into, settings, question.default_for(view, settings), view)
        if into.get(question.key, _MISSING) != before:
            changed.add(question.key)
    return asked


def _passes(question: Question, value: Any, answers: Mapping[str, Any], settings: Settings) -> bool:
    try:
        check_one(question, value, answers, settings)
    except BadValue:
        return False
    return True


def show_summary(answers: Mapping[str, Any], settings: Settings) -> None:
    from createdag.review import summary

    groups, notices = summary(answers, settings)
    questionary.print("\nReview", style=_GROUP_STYLE)
    for group, lines in groups:
        questionary.print(f"  {group}", style=_GROUP_STYLE)
        for line in lines:
            questionary.print(f"    {line}")
    for notice in notices:
        questionary.print(wrap(f"  note: {notice}", _columns() - 1), style=_WARN_STYLE)


def _pick(answers: Mapping[str, Any]) -> str | None:
    from createdag.review import asked, asked_in_task, shown

    choices = [questionary.Choice(f"{q.prompt}: {shown(q, answers[q.key])}", q.key) for q in asked(answers)]
    tasks = answers.get(TASKS) or ()
    for number, task in enumerate(tasks):
        where = f"task {task.get('task_id')}: " if len(tasks) > 1 else ""
        choices.extend(
            questionary.Choice(f"{where}{q.prompt}: {shown(q, task[q.key])}", f"{number}:{q.key}")
            for q in asked_in_task(answers, number)
        )
    choices.append(questionary.Choice("(back to the review, change nothing)", ""))
    key = questionary.select(
        "Change which answer?", choices=choices, use_search_filter=True, use_jk_keys=False,
        instruction="(type to filter, arrows to move, enter to pick)",
    ).unsafe_ask()  # fmt: skip
    return key or None


def review(
    settings: Settings,
    answers: dict[str, Any],
    write_prompt: Callable[[Mapping[str, Any]], str],
    yes: str = "Yes, write it",
) -> bool:
    """Show every answer; change any of them until the user writes (True) or quits (False)."""
    while True:
        show_summary(answers, settings)
        action = questionary.select(
            write_prompt(answers),
            choices=[
                questionary.Choice(yes, "write", shortcut_key="y"),
                questionary.Choice("Change an answer", "change", shortcut_key="c"),
                questionary.Choice("No, quit (nothing is written)", "quit", shortcut_key="n"),
            ],
            use_shortcuts=True,
        ).unsafe_ask()
        if action != "change":
            return bool(action == "write")
        key = _pick(answers)
        if key is not None:
            change(settings, answers, key)
