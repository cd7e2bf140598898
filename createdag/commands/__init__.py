"""The commands, side by side: a table from name to module, each imported only when run.

A command module has a docstring (its first line is the one-line summary in
``--help``), ``configure(parser)`` that adds its own arguments, and
``run(args) -> int``. Shared options (``-o``, ``--set``) are declared once,
in ``cli``. A command depends on the core (``createdag.*``), never on
another command. Without a command name, ``create-dag`` creates a DAG
(``createdag.commands.create``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import argparse


class Command(NamedTuple):
    """A command's row in the table: read on the way to every first question, so a named tuple
    (a tenth of a frozen dataclass's cost to define)."""

    module: str
    summary: str
    #: which shared option groups it takes: "output" (-o), "answers" (--set)
    shared: tuple[str, ...] = ("output",)


#: The subcommands, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {
    "init": Command("createdag.commands.init", "prepare a dags repo: config, alert module, .airflowignore, checks"),
    "check": Command("createdag.commands.check", "load every DAG like Airflow does and check the team's rules"),
    "update": Command(
        "createdag.commands.update", "re-render recorded DAGs with the current template, three-way merged",
        ("output", "answers"),
    ),
    "adopt": Command(
        "createdag.commands.adopt", "record a hand-written DAG so that update can manage it", ("output", "answers")
    ),
    "migrate": Command(
        "createdag.commands.migrate", "migrate Airflow 1.10/2 DAG files to Airflow 3 as they are written", ()
    ),
    "docs": Command("createdag.commands.docs", "read the docs that came with the tool: usage, options, alerts...",
                    ()),
    "completion": Command("createdag.commands.completion", "print the shell completion script for bash, zsh or fish",
                          ()),
}  # fmt: skip

CREATE = "createdag.commands.create"


def similar(name: str) -> str | None:
    """The command ``name`` was probably meant to be, for a did-you-mean."""
    import difflib

    close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


def say(message: str) -> None:
    """Tell the user something: messages go to stderr, output (DAGs, diffs) to stdout.

    Every line is made safe for a CI log on its way (``escape.line_safe``): none can
    start a workflow command, whatever file name or message it quotes."""
    from createdag.escape import line_safe

    print(line_safe(message), file=sys.stderr)


def out(text: str) -> None:
    """Write output (a DAG, a diff, a report) to stdout, each line made safe for a CI log as
    ``say`` does."""
    from createdag.escape import line_safe

    sys.stdout.write(line_safe(text))


def positionals(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """The words of ``argv`` that are not options nor option values of ``parser``."""
    takes_value = {opt for action in parser._actions if action.nargs != 0 for opt in action.option_strings}
    found: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            found.extend(words)
        elif word.startswith("-"):
            if word in takes_value:
                next(words, None)
        else:
            found.append(word)
    return found
