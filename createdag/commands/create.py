"""Create DAGs: from the questions, or from --set, answers files and gallery examples.

The default command of ``create_dag.py``. Answers from any source become
validated answers (``answers``), then files through ``create.write_dags``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from createdag.commands import say
from createdag.errors import EXIT_OK, NoTerminal, UserError
from createdag.settings import Settings, settings_for

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "nothing was written. Run create_dag.py again to start over."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-input", action="store_true",
                        help="do not ask: take answers from --set and --answers, defaults for the rest")
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
                        "and parse time (needs apache-airflow)")  # fmt: skip


def _interactive(args: argparse.Namespace) -> bool:
    return not (args.example or args.no_input or args.answers)


def gather(args: argparse.Namespace, settings: Settings) -> tuple[list[dict[str, Any]], list[str]]:
    """Validated answers for every DAG to create, and the notices about them."""
    from createdag.sources import load_answers_file, parse_sets

    sets = parse_sets(args.sets)
    if not _interactive(args):
        from createdag import generate

        if args.example:
            from createdag import gallery

            entries, source = gallery.entries(args.example, None if args.force else settings.output_dir), (
                f"example {args.example}"
            )
        elif args.answers:
            entries, source = load_answers_file(args.answers), str(args.answers)
        else:
            entries, source = [{}], "--set"
        return generate.resolve_all(entries, sets, settings, source)

    if not sys.stdin.isatty():
        raise NoTerminal()
    from createdag import prompt
    from createdag.answers import finish

    answers, notices = finish(prompt.ask_all(settings, sets), settings)
    return [answers], notices


def run(args: argparse.Namespace) -> int:
    if args.example == "list":
        from createdag import gallery

        print(gallery.listing())
        return EXIT_OK
    if args.example:
        from createdag import gallery

        if args.example not in gallery.EXAMPLES:
            raise UserError(gallery.unknown_example(args.example))
    settings = settings_for(args.output_dir, force=args.force)
    all_answers, notices = gather(args, settings)
    for notice in notices:
        say(f"note: {notice}")

    from createdag import create, generate
    from createdag.progress import TextProgress

    if args.dry_run:
        for item in generate.iter_rendered(all_answers, settings.output_dir):
            sys.stdout.write(item.source)
        return EXIT_OK
    if _interactive(args):
        from createdag import prompt

        if not prompt.confirm_write(str(create.dag_path(settings.output_dir, all_answers[0]))):
            say("Nothing written.")
            return EXIT_OK
    with TextProgress("rendering") as progress:  # a bar for big batches on a terminal
        created = create.write_dags(all_answers, settings, progress=progress)
    _report_written(created.messages)
    if args.check:
        from createdag.airflow_check import check_files, report

        return report(check_files(created.paths, settings.output_dir), say)
    return EXIT_OK


def _report_written(messages: list[str], shown: int = 20) -> None:
    """Every line for a few DAGs; for a big batch, the notes and a count."""
    wrote = [m for m in messages if m.startswith("wrote ")]
    if len(wrote) <= shown:
        for message in messages:
            say(message)
        return
    for message in messages:
        if not message.startswith("wrote "):
            say(message)
    say(f"wrote {len(wrote)} files, e.g. {wrote[0].removeprefix('wrote ')}")
