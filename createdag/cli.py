"""The command line: arguments in, exit codes out, and the one place exceptions become exit codes.

``create-dag [options]`` creates DAGs (``commands.create``);
``create-dag COMMAND [options]`` runs one of ``commands.COMMANDS``. Help and
messages name the command as the user ran it (``invocation.prog``). The
parser is argparse with subcommands; the shared options (``-o``, ``--set``)
are declared once here and accepted before or after the command name. Only
the chosen command's module is imported, so the first question appears as
fast as Python can import questionary.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from createdag import __version__
from createdag.commands import COMMANDS, CREATE, positionals, say, similar
from createdag.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    CreateDagError,
    InvalidAnswers,
    Terminated,
)
from createdag.invocation import docs_hint, prog


def _epilog() -> str:
    from createdag.questions import DAG_KEYS, TASK_KEYS

    examples = [
        ("", "ask the questions, write dags/<dag_id>.py"),
        ("--no-input --set dag_id=sales_daily --set image=ghcr.io/acme/sales:1.2.0", ""),
        ("--no-input --answers dags.yaml", "one DAG, or a list of them"),
        ("--dry-run --no-input --answers sales.yaml", "print, write nothing"),
        ("--answers etl.yaml --set load.image=ghcr.io/acme/load:2.0", "one task's answer"),
        ("COMMAND --help", "the options of a command"),
        ("docs [TOPIC]", "the docs: usage, options, alerts, update, ci..."),
    ]
    lines = [f"  {prog()} {line}".rstrip() for line, _ in examples]
    width = len(lines[2])  # notes line up after the answers-file example; longer lines overflow
    return (
        "examples:\n"
        + "".join(f"{line:{width}}   {note}".rstrip() + "\n" for line, (_, note) in zip(lines, examples, strict=True))
        + "\n"
        "exit codes: 0 done, 1 invalid input or refused overwrite (nothing written), 3 written but\n"
        "  --check found a file Airflow cannot load, 130 interrupted, 143 terminated (SIGTERM).\n"
        + textwrap.fill(
            "DAG keys for --set and answers files: " + ", ".join(DAG_KEYS) + " (concurrency = max_active_tasks)",
            width=78,
        )
        + "\n"
        + textwrap.fill(
            "task keys, per task in tasks: [...] of an answers file, or --set TASK.KEY=VALUE (without TASK.: "
            "every task): " + ", ".join(TASK_KEYS) + f" ({docs_hint('usage')})",
            width=78,
        )
    )


def _add_shared(parser: argparse.ArgumentParser, groups: Sequence[str], defaults: bool) -> None:
    """Add the shared option groups (``-o``, ``--set``) to ``parser``. The subcommands' copies
    default to SUPPRESS, so a value given before the command name is not reset by the
    command's parser. Added in place rather than through parent parsers: every parser argparse
    builds looks its words up in the message catalogs, on the way to the first question."""
    for group in groups:
        if group == "output":
            parser.add_argument("-o", "--output-dir", type=Path, metavar="DIR",
                                default=None if defaults else argparse.SUPPRESS,
                                help="dags folder to work in (default: output_dir of the repo's "
                                ".create_dag.toml, else ./dags)")
        else:
            parser.add_argument("--set", dest="sets", action="append", metavar="KEY=VALUE",
                                default=[] if defaults else argparse.SUPPRESS,
                                help="an answer, e.g. --set schedule='0 6 * * *' (repeatable; lists as JSON "
                                "or comma-separated)")  # fmt: skip


def _command_module(name: str | None) -> Any:
    return importlib.import_module(COMMANDS[name].module if name else CREATE)


def build_parser(command: str | None = None, *, epilog: bool = True, commands: bool = True) -> argparse.ArgumentParser:
    """The whole parser; only ``command``'s own arguments are added (its module imported).
    ``epilog=False`` leaves out the examples and answer keys (the questions table's import)
    where no help is printed; ``commands=False`` the commands' parsers, where no word of the
    command line can name one (``command`` is then None, as the whole parser makes it)."""
    create = _command_module(None) if command is None else None
    parser = argparse.ArgumentParser(
        prog=prog(),
        description="Create an Airflow 3 DAG that runs a container with KubernetesPodOperator "
        "and alerts Microsoft Teams, from a few questions.",
        epilog=_epilog() if command is None and epilog else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_shared(parser, ("output", "answers"), defaults=True)
    if create is not None:
        create.configure(parser)
    parser.add_argument("--version", action="version", version=f"create_dag {__version__}")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    subparsers = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND",
                                       help="without one, create a DAG; each has --help")  # fmt: skip
    for name, spec in COMMANDS.items():
        chosen = name == command
        module = _command_module(name) if chosen else None
        doc = (module.__doc__ or spec.summary) if module else spec.summary
        sub = subparsers.add_parser(
            name, help=spec.summary, description=doc.strip(), formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_shared(sub, spec.shared, defaults=False)
        if module is not None:
            module.configure(sub)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``: find the command first, then parse with that command's arguments added."""
    if not argv:  # the questions, as most runs start them: no option, no command, nothing to refuse
        return build_parser(epilog=False, commands=False).parse_args([])
    top = build_parser(epilog=any(word in ("-h", "--help") for word in argv))
    words = positionals(argv, top)
    if words and words[0] not in COMMANDS:
        close = similar(words[0])
        hint = f" (did you mean {close!r}?)" if close else ""
        top.error(f"unknown command {words[0]!r}{hint}: commands are {', '.join(COMMANDS)}")
    parser = build_parser(words[0]) if words else top
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; every exception that ends the run becomes an exit code here.

    Anything a user or the machine can cause ends with a message and an exit
    code, never a traceback; ``CREATE_DAG_TRACEBACK=1`` shows the traceback of
    an OS error too, for debugging.
    """
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (commands.completion)
        from createdag.commands.completion import complete

        return complete(build_parser)
    from createdag.faults import handle_sigterm, ignore_late_signals

    handle_sigterm()
    try:
        return _main(argv)
    finally:
        if argv is None:  # the program itself (not a caller in-process): its outcome is decided
            ignore_late_signals()


def _main(argv: Sequence[str] | None) -> int:
    module = None  # a signal while the command is being found (imports: slow on a loaded machine) ends here too
    try:
        args = parse(list(sys.argv[1:] if argv is None else argv))
        module = _command_module(args.command)
        return int(module.run(args))
    except Terminated:
        say(f"\nTerminated (SIGTERM): {getattr(module, 'INTERRUPTED', 'nothing was written.')}")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        say(f"\nInterrupted: {getattr(module, 'INTERRUPTED', 'nothing was written.')}")
        return EXIT_INTERRUPTED
    except EOFError:
        say("\nInput ended before every question was answered: nothing was written. "
            "Without a terminal, use --no-input with --set or --answers.")  # fmt: skip
        return EXIT_USER_ERROR
    except BrokenPipeError:
        _quiet_stdout()  # the reader left (`... | head`): nothing more to say to it
        return EXIT_OK
    except CreateDagError as exc:
        _traceback_if_asked()
        say(f"error: {exc}" if not isinstance(exc, InvalidAnswers) else _format_problems(exc))
        return exc.exit_code
    except OSError as exc:
        _traceback_if_asked()
        from createdag.faults import describe_os_error

        say(f"error: {describe_os_error(exc)}")
        return EXIT_USER_ERROR


def _traceback_if_asked() -> None:
    """``CREATE_DAG_TRACEBACK=1``: the traceback behind a message, for debugging."""
    if os.environ.get("CREATE_DAG_TRACEBACK"):
        import traceback

        traceback.print_exc()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _format_problems(exc: InvalidAnswers) -> str:
    lines = [f"error: {len(exc.problems)} answer(s) need fixing, nothing was written:"]
    lines += [f"  - {problem}" for problem in exc.problems]
    return "\n".join(lines)
