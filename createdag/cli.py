"""The command line: arguments in, files out, and the one place exceptions become exit codes.

The path is straight: parse arguments -> gather answers (prompt, or flags and
files) -> validate -> render -> write atomically -> optionally load with
Airflow. Each step is a function of its own module; this one only wires them
and talks to the user (messages on stderr, the DAG itself on stdout with
``--dry-run``).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from createdag import __version__
from createdag.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER_ERROR,
    CreateDagError,
    InvalidAnswers,
    NoTerminal,
    UserError,
)
from createdag.questions import ANSWER_KEYS, Settings

EPILOG = """\
examples:
  create_dag.py                                   ask the questions, write dags/<dag_id>.py
  create_dag.py --no-input --set dag_id=sales_daily --set image=ghcr.io/acme/sales:1.2.0
  create_dag.py --no-input --answers dags.yaml    one DAG, or a list of them
  create_dag.py --dry-run --no-input --answers sales.yaml   print, write nothing

commands (each has --help):
  create_dag.py init [DIR]        prepare a dags repo: config, alert module, .airflowignore, checks
  create_dag.py check [DIR]       load every DAG like Airflow does and check the team's rules
                                  (--drift: fail when a recorded DAG is behind the template)
  create_dag.py update [PATH...]  re-render recorded DAGs with the current template, three-way merged
  create_dag.py adopt FILE        record a hand-written DAG so that update can manage it

exit codes: 0 done, 1 invalid input or refused overwrite (nothing written), 130 interrupted.
""" + textwrap.fill(
    "keys for --set and answers files: " + ", ".join(ANSWER_KEYS) + " (concurrency = max_active_tasks)",
    width=78,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="create_dag.py",
        description="Create an Airflow 3 DAG that runs a container with KubernetesPodOperator "
        "and alerts Microsoft Teams, from a few questions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--output-dir", type=Path, default=None, metavar="DIR",
                        help="dags folder to write into (default: output_dir of the repo's "
                        ".create_dag.toml, else ./dags)")
    parser.add_argument("--no-input", action="store_true",
                        help="do not ask: take answers from --set and --answers, defaults for the rest")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="an answer, e.g. --set schedule='0 6 * * *' (repeatable; lists as JSON "
                        "or comma-separated)")
    parser.add_argument("--answers", type=Path, metavar="FILE",
                        help="YAML or JSON answers: one mapping, or a list of mappings for many DAGs "
                        "(implies --no-input)")
    parser.add_argument("--example", metavar="NAME",
                        help="write a gallery DAG that demonstrates one option ('list' to see them; "
                        "see docs/options.md)")
    parser.add_argument("--dry-run", action="store_true", help="print the DAG to stdout, write nothing")
    parser.add_argument("--force", action="store_true", help="replace DAG files that already exist")
    parser.add_argument("--check", action="store_true",
                        help="load the written files with Airflow's DagBag and report import errors "
                        "and parse time (needs apache-airflow)")
    parser.add_argument("--version", action="version", version=f"create_dag {__version__}")
    return parser  # fmt: skip


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def gather(args: argparse.Namespace, settings: Settings) -> list[dict[str, Any]]:
    """Validated answers for every DAG to create, from the prompt or from flags, files and examples."""
    from createdag.sources import load_answers_file, parse_sets

    sets = parse_sets(args.sets)
    if args.example or args.no_input or args.answers:
        from createdag import generate

        if args.example:
            from createdag import gallery

            if args.example not in gallery.EXAMPLES:
                raise UserError(f"no example {args.example!r}: run --example list to see them")
            entries = gallery.entries(args.example, None if args.force else settings.output_dir)
            source = f"example {args.example}"
        elif args.answers:
            entries, source = load_answers_file(args.answers), str(args.answers)
        else:
            entries, source = [{}], "--set"
        results, notices = generate.resolve_all(entries, sets, settings, source)
        for notice in notices:
            _say(f"note: {notice}")
        return results

    if not sys.stdin.isatty():
        raise NoTerminal()
    from createdag import prompt
    from createdag.answers import finish

    answers, notices = finish(prompt.ask_all(settings, sets), settings)
    for notice in notices:
        _say(f"note: {notice}")
    return [answers]


def make_settings(output_dir: Path | None, force: bool) -> Settings:
    """Settings with the team config that applies: found from -o, else from here."""
    from createdag.config import dags_folder, load_team_config

    team = load_team_config(output_dir or Path.cwd())
    return Settings(output_dir=dags_folder(output_dir, team), force=force, team=team)


def run(args: argparse.Namespace) -> int:
    if args.example == "list":
        from createdag import gallery

        print(gallery.listing())
        return EXIT_OK
    settings = make_settings(args.output_dir, args.force)
    all_answers = gather(args, settings)

    from createdag import generate, records

    if args.dry_run:
        for item in generate.iter_rendered(all_answers, settings.output_dir):
            sys.stdout.write(item.source)
        return EXIT_OK
    rendered = None
    if not (args.no_input or args.answers or args.example):
        from createdag import prompt

        rendered = generate.render_all(all_answers, settings.output_dir)
        if not prompt.confirm_write(str(rendered[0].path)):
            _say("Nothing written.")
            return EXIT_OK
        messages = generate.write_all(rendered, settings.output_dir, args.force)
    else:  # batches: streamed, memory flat, with a progress bar on a terminal
        with generate.TextProgress("rendering") as progress:
            messages = generate.render_and_write_all(all_answers, settings.output_dir, args.force, progress=progress)
    _report_written(messages)
    records.record_all(settings.output_dir, all_answers, rendered)  # what `update` needs later
    if args.check:
        from createdag.airflow_check import check_files, report

        paths = [generate.dag_path(settings.output_dir, answers) for answers in all_answers]
        return report(check_files(paths, settings.output_dir), _say)
    return EXIT_OK


def _report_written(messages: list[str], shown: int = 20) -> None:
    """Every line for a few DAGs; for a big batch, the notes and a count."""
    wrote = [m for m in messages if m.startswith("wrote ")]
    if len(wrote) <= shown:
        for message in messages:
            _say(message)
        return
    for message in messages:
        if not message.startswith("wrote "):
            _say(message)
    _say(f"wrote {len(wrote)} files, e.g. {wrote[0].removeprefix('wrote ')}")


#: Subcommands: name -> module with ``build_parser() -> ArgumentParser`` and ``run(args) -> int``.
#: Without one of these first, create_dag.py creates a DAG.
COMMANDS = {
    "init": "createdag.repo_init",
    "check": "createdag.repo_check",
    "update": "createdag.update_cli",
    "adopt": "createdag.update_cli",
}


def _command(argv: list[str]) -> tuple[Any, Any]:
    """The parser and runner for ``argv``: a subcommand's, or DAG creation's."""
    if argv and argv[0] in COMMANDS:
        import importlib

        module = importlib.import_module(COMMANDS[argv[0]])
        parser = module.build_parser(argv[0])
        return parser.parse_args(argv[1:]), module.run
    return build_parser().parse_args(argv), run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; every exception that ends the run becomes an exit code here."""
    args, runner = _command(list(sys.argv[1:] if argv is None else argv))
    try:
        return runner(args)
    except KeyboardInterrupt:
        _say("\nInterrupted: nothing was written. Run create_dag.py again to start over.")
        return EXIT_INTERRUPTED
    except EOFError:
        _say("\nInput ended before every question was answered: nothing was written. "
             "Without a terminal, use --no-input with --set or --answers.")  # fmt: skip
        return EXIT_USER_ERROR
    except CreateDagError as exc:
        _say(f"error: {exc}" if not isinstance(exc, InvalidAnswers) else _format_problems(exc))
        return exc.exit_code


def _format_problems(exc: InvalidAnswers) -> str:
    lines = [f"error: {len(exc.problems)} answer(s) need fixing, nothing was written:"]
    lines += [f"  - {problem}" for problem in exc.problems]
    return "\n".join(lines)
