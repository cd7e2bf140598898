"""The interactive side: ask ``QUESTIONS`` with questionary, one at a time, then review.

This is the only module that draws on the terminal. It checks each answer
as it is typed with the same ``answers.check_one`` that flags and files go
through. Answers are filled into a ``dict`` the caller owns, so that what
was answered survives Ctrl-C (``commands.create`` keeps it for
``--resume``). Questions use ``unsafe_ask`` so Ctrl-C arrives as
``KeyboardInterrupt`` (and Ctrl-D as ``EOFError``) for the CLI to turn into
an exit code, instead of ``None``.

The answers nothing can default come first; then the user writes with the
defaults for the rest, reviews, adds a task or goes on through the other
questions (``ask_all``). Shift-Tab at any question goes back one question.
The review shows the answers that differ from their defaults and the task
graph as a drawing, and offers to write, to change one answer (it is asked
again with the same checks, and so are the questions whose ``depends_on``
names an answer that changed), to show every answer, or to quit.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import questionary
from prompt_toolkit.application import get_app
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from createdag.answers import check_one, coerce
from createdag.errors import BadValue
from createdag.pipeline import task_view
from createdag.questions import DAG_QUESTIONS as QUESTIONS_OF_DAG
from createdag.questions import ESSENTIAL_KEYS, QUESTIONS, TASK_QUESTIONS, TASKS, Question
from createdag.settings import Settings

_HELP_STYLE = "fg:ansibrightblack"
_GROUP_STYLE = "bold"
_WARN_STYLE = "fg:ansiyellow"
_MISSING = object()


@functools.cache
def _inline_styles() -> Any:
    """A style that has no rules: only the style a line names inline applies to it."""
    from prompt_toolkit.styles import Style

    return Style([])


def print_styled(text: str, style: str = "") -> None:
    """Print a line in ``style`` (a prompt_toolkit style string) as ``questionary.print(text,
    style=style)`` does, byte for byte, to the same output (tests/test_startup.py), without its
    cost: questionary merges and parses prompt_toolkit's whole default style for every line
    (about 1 ms: three lines come before the first question, dozens at the review), and none of
    its rules applies to a line that names no class."""
    from prompt_toolkit.application.current import get_app_or_none, get_app_session

    if get_app_or_none() is not None:  # a prompt is running: questionary prints above it
        questionary.print(text, style=style or None)
        return
    from prompt_toolkit.renderer import print_formatted_text

    print_formatted_text(get_app_session().output, [(style, text), ("", "\n")], _inline_styles())


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


class GoBack(Exception):
    """Shift-Tab at a question: the session goes back one question (``ask_all`` catches it)."""


#: the key that goes back one question, as prompt_toolkit names it, and as the help says it
BACK_KEY, BACK_KEY_NAME = "s-tab", "Shift-Tab"
_BACK = object()


def _extend_keys(question: questionary.Question, keys: Mapping[str, Any]) -> None:
    """Keys that end ``question`` at once with a result: ``_BACK`` for the back key (not while
    Tab's completion menu is open, where Shift-Tab steps back through it), a choice's value for
    its shortcut. Added after questionary's own bindings, so they win over them."""
    from prompt_toolkit.filters import has_completions
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    bindings = KeyBindings()
    for key, result in keys.items():

        def end(event: Any, result: Any = result) -> None:
            event.app.exit(result=result)

        bindings.add(key, filter=~has_completions if result is _BACK else True, eager=True)(end)
    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings


def _run(question: questionary.Question, back: bool) -> Any:
    """Ask; Ctrl-C stays a ``KeyboardInterrupt``, the back key becomes ``GoBack``."""
    if back:
        _extend_keys(question, {BACK_KEY: _BACK})
    result = question.unsafe_ask()
    if result is _BACK:
        raise GoBack()
    return result


def choose(message: str, choices: Sequence[tuple[str, str, str]], back: bool = False) -> str:
    """A list of ``(label, value, key)``: a choice's key picks it at once (Enter picks the one
    under the cursor), where questionary's shortcut keys only move the cursor."""
    question = questionary.select(
        message, choices=[questionary.Choice(label, value, shortcut_key=key) for label, value, key in choices],
        use_shortcuts=True, use_jk_keys=False,
        instruction=f"(a key picks; arrows and Enter too{f'; {BACK_KEY_NAME}: back' if back else ''})",
    )  # fmt: skip
    _extend_keys(question, {key: value for _, value, key in choices})
    return str(_run(question, back))


def ask(question: Question, answers: Mapping[str, Any], settings: Settings, default: Any, back: bool = False) -> Any:
    """Ask one question with its kind's widget; return its checked value. With ``back``, the
    back key raises ``GoBack`` instead."""
    tab = " (Tab completes)" if question.complete is not None else ""
    print_styled(f"  {question.help}{tab}", style=_HELP_STYLE)
    widget = question.kind_of.widget
    if widget == "confirm":
        return bool(_run(questionary.confirm(question.prompt, default=bool(default)), back))
    if widget == "checkbox":
        options = question.options(answers) if question.options is not None else question.choices
        chosen = _run(questionary.checkbox(
            question.prompt,
            choices=[questionary.Choice(choice, checked=choice in (default or ())) for choice in options],
            instruction="(space to toggle, enter to confirm)",
        ), back)  # fmt: skip
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
    text = _run(prompt, back)
    value = check_one(question, text, answers, settings)
    said = question.echo(value) if question.echo is not None else ""
    if said:
        style = _WARN_STYLE if said.startswith("warning") else _HELP_STYLE
        print_styled(wrap(f"  {said}", _columns() - 1), style=style)
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


class _Flow:
    """One pass through the questions, and what going back needs: the questions asked so far
    (``log``, in order, each with its answer). Going back starts a new pass that takes the
    logged answers without asking, up to the question before the one the back key was pressed
    at, which is asked again with its answer as the default. Answers are a function of the
    answers before them, so the new pass meets the same questions in the same order."""

    def __init__(self, settings: Settings, answers: dict[str, Any], given: Mapping[str, Any],
                 kept: Mapping[str, Any], yes: str) -> None:  # fmt: skip
        self.settings, self.answers, self.given, self.kept, self.yes = settings, answers, given, kept, yes
        self.log: list[tuple[str, Any]] = []
        self.replay: list[tuple[str, Any]] = []
        self.again: tuple[str, Any] | None = None
        self.group: str | None = None
        #: "ask": the rest of the questions are asked; "fill": they take their defaults
        self.mode = "ask"

    def back(self) -> None:
        """Set up the pass that goes back one question."""
        self.again = self.log.pop() if self.log else None
        self.replay, self.log = self.log, []
        self.answers.clear()  # the caller's dict: refilled as the new pass takes the answers
        self.mode = "ask"

    def asked(self, where: str, group: str, asking: Callable[[Any], Any], default: Any) -> Any:
        """The answer at ``where``: from the pass being replayed, else asked (``asking(default)``)."""
        if self.replay:
            taken, value = self.replay[0]
            if taken == where:
                self.replay.pop(0)
                self.log.append((where, value))
                return value
            self.replay = []  # the questions went another way: ask from here
        if self.again is not None:
            if self.again[0] == where:
                default = self.again[1]
            self.again = None
        if group != self.group:
            self.group = group
            print_styled(f"\n{group}", style=_GROUP_STYLE)
        value = asking(default)
        self.log.append((where, value))
        return value


def ask_all(
    settings: Settings,
    answers: dict[str, Any],
    given: Mapping[str, Any] | None = None,
    kept: Mapping[str, Any] | None = None,
    yes: str = "Yes, write it",
) -> str:
    """Ask the questions, filling ``answers`` in place as they come; return what the user
    chose next: ``"write"`` (at once) or ``"review"``.

    First the answers nothing can default: the DAG id, the schedule, the first task's image
    and command (``questions.ESSENTIAL_KEYS``). Then a choice: write with the defaults for the
    rest, review, add another task (its id, image, command and the tasks it runs after), or go
    on through the other questions, grouped, in table order. ``given`` answers (``--set``)
    become the defaults shown. ``kept`` answers (``--resume``) are taken without asking when
    they still pass their check; one that no longer does is asked, its kept value as the
    default. The back key (Shift-Tab) at any question goes back one question.
    """
    flow = _Flow(settings, answers, given or {}, kept or {}, yes)
    print_styled(f"{BACK_KEY_NAME} goes back one question; Ctrl-C stops (the answers are kept for --resume).",
                      style=_HELP_STYLE)  # fmt: skip
    while True:
        try:
            return _one_pass(flow)
        except GoBack:
            flow.back()


def _one_pass(flow: _Flow) -> str:
    answers, kept = flow.answers, flow.kept
    dag_given = {key: value for key, value in flow.given.items() if "." not in key}
    tasks: list[dict[str, Any]] = answers.setdefault(TASKS, [])
    kept_tasks = _kept_tasks(kept)
    for question in QUESTIONS_OF_DAG:
        if question.key in ESSENTIAL_KEYS:
            _ask_or_take(flow, question, answers, answers, dag_given, kept)
    _task_questions(flow, 0, essential=True)
    while True:
        # the kept session had another task: on to it
        choice = "add" if len(tasks) < len(kept_tasks) else _next_step(flow)
        if choice != "add":
            break
        if len(tasks) == 1:  # a pipeline: its first task gets a name of its own
            _task_questions(flow, 0, essential=True, also=("task_id",))
        tasks[-1]["more_tasks"] = True
        _task_questions(flow, len(tasks), essential=True)
    flow.mode = "ask" if choice == "go" else "fill"
    done_tasks = False
    for question in QUESTIONS:
        if question.scope == "task":
            if not done_tasks:
                _rest_of_tasks(flow)
                done_tasks = True
        elif question.key not in answers:
            _ask_or_take(flow, question, answers, answers, dag_given, kept)
    return "write" if choice == "write" else "review"


def _kept_tasks(kept: Mapping[str, Any]) -> list[Any]:
    tasks = kept.get(TASKS)
    return tasks if isinstance(tasks, list) else []


def _next_step(flow: _Flow) -> str:
    """After the answers nothing defaults: write, review, add a task, or go on."""
    tasks = flow.answers[TASKS]
    what = flow.yes.removeprefix("Yes, ")
    choices = [
        (f"{what[:1].upper()}{what[1:]}, every other answer at its default", "write", "w"),
        ("Review the answers first (the others at their defaults)", "review", "r"),
        (f"Add another task (task {len(tasks) + 1}: its id, image, command, the tasks it runs after)", "add", "a"),
        ("Go on through the other questions, grouped", "go", "g"),
    ]
    return str(flow.asked(f"next:{len(tasks)}", "Next", lambda default: choose(NEXT_PROMPT, choices, back=True), None))


#: the question after the answers nothing defaults
NEXT_PROMPT = "Next? The other answers have defaults"


def _ask_or_take(
    flow: _Flow,
    question: Question,
    into: dict[str, Any],
    view: Mapping[str, Any],
    given: Mapping[str, Any],
    kept: Mapping[str, Any],
    default: Any = _MISSING,
    header: str | None = None,
    where: str | None = None,
) -> None:
    """One question: filled when its ``when`` is false, taken from ``kept`` while it passes;
    else asked, or in ``fill`` mode its default taken (asked when the default does not pass)."""
    settings = flow.settings
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
    if flow.mode == "fill" and refused is None:
        if question.prompt_only:  # kept as answered: the review can change it
            into[question.key] = check_one(question, default, view, settings)
            return
        if _passes(question, default, view, settings):
            _fill(question, into, settings, default, view)
            return

    def asking(shown_default: Any) -> Any:
        if refused is not None:  # say why a kept answer, or a default the team's rules refuse, is asked
            said = "the kept answer no longer passes" if question.key in kept else "the default does not pass"
            print_styled(wrap(f"  {said}: {refused}", _columns() - 1), style=_WARN_STYLE)
        return ask(question, view, settings, shown_default, back=True)

    into[question.key] = flow.asked(where or question.key, header or question.group, asking, default)


def _task_questions(flow: _Flow, number: int, essential: bool, also: tuple[str, ...] = ()) -> None:
    """Task ``number``'s questions: with ``essential``, those nothing defaults (the image and
    command; a later task also its id and the tasks it runs after) and ``also``, adding the
    task; else the others, still unanswered.

    A later task's defaults: the image (``inherit``) of the task before it;
    answers asked once (``once``: namespace, pull secrets) are the first task's;
    "runs after" the task before it.
    """
    answers, tasks = flow.answers, flow.answers[TASKS]
    if number == len(tasks):
        tasks.append({})  # at once: what is answered survives Ctrl-C
    task = tasks[number]
    kept_tasks = _kept_tasks(flow.kept)
    kept = kept_tasks[number] if number < len(kept_tasks) and isinstance(kept_tasks[number], dict) else {}
    view = task_view(answers, number)
    header = "Task" if number == 0 else f"Task {number + 1}"
    for question in TASK_QUESTIONS:
        if question.key in task:
            continue
        if essential and not (
            question.key in (*ESSENTIAL_KEYS, *also) or (number and question.key in LATER_TASK_KEYS)
        ):
            continue
        own_given = _given_for_task(flow.given, task.get("task_id"))
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
        _ask_or_take(flow, question, task, view, own_given, kept, default, header, f"{number}:{question.key}")


def _rest_of_tasks(flow: _Flow) -> None:
    """Every task's other questions, until "Add another task?" is answered no."""
    tasks = flow.answers[TASKS]
    number = 0
    while True:
        _task_questions(flow, number, essential=False)
        if not tasks[number].get("more_tasks"):
            return
        number += 1


#: a later task's answers asked before the choice (its image and command besides)
LATER_TASK_KEYS = ("task_id", "after")


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


def show_summary(answers: Mapping[str, Any], settings: Settings, folded: bool = False) -> None:
    from createdag.review import summary

    groups, notices = summary(answers, settings, folded=folded, width=_columns() - 1)
    hint = f"  (answers at their defaults folded: {UNFOLD_KEY} shows them)" if folded else ""
    print_styled(f"\nReview{hint}", style=_GROUP_STYLE)
    for group, lines in groups:
        print_styled(f"  {group}", style=_GROUP_STYLE)
        for line in lines:
            print_styled(f"    {line}")
    for notice in notices:
        print_styled(wrap(f"  note: {notice}", _columns() - 1), style=_WARN_STYLE)


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


#: the review's key that shows every answer (and folds them again)
UNFOLD_KEY = "u"


def review(
    settings: Settings,
    answers: dict[str, Any],
    write_prompt: Callable[[Mapping[str, Any]], str],
    yes: str = "Yes, write it",
) -> bool:
    """Show the answers, those at their defaults folded; change any of them until the user
    writes (True) or quits (False). Each choice's key acts at once."""
    folded = True
    while True:
        show_summary(answers, settings, folded)
        action = choose(write_prompt(answers), [
            (yes, "write", "y"),
            ("Change an answer", "change", "c"),
            ("Show every answer" if folded else "Fold the answers at their defaults", "fold", UNFOLD_KEY),
            ("No, quit (nothing is written)", "quit", "n"),
        ])  # fmt: skip
        if action == "fold":
            folded = not folded
            continue
        if action != "change":
            return bool(action == "write")
        key = _pick(answers)
        if key is not None:
            change(settings, answers, key)


def session(
    settings: Settings,
    answers: dict[str, Any],
    given: Mapping[str, Any],
    kept: Mapping[str, Any],
    write_prompt: Callable[[Mapping[str, Any]], str],
    yes: str = "Yes, write it",
) -> bool:
    """The questions, then the review unless the user chose to write at once: True to write."""
    if ask_all(settings, answers, given, kept, yes) != "write":
        return review(settings, answers, write_prompt, yes)
    from createdag.answers import finish

    for notice in finish(answers, settings)[1]:  # what the review would have noted
        print_styled(wrap(f"  note: {notice}", _columns() - 1), style=_WARN_STYLE)
    return True
