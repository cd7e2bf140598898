"""Create DAGs: from the questions, or from --set, answers files and gallery examples.

The default command of ``create-dag``. Answers from any source become
validated answers (``answers``), then files through ``create.write_dags``.
The questions end with a review (write, change an answer, or quit); answers
given before Ctrl-C or a quit are kept for --resume (``session``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from createdag.commands import out, say
from createdag.errors import EXIT_CHECK_FAILED, EXIT_OK, Interrupted, NoTerminal, UserError
from createdag.invocation import docs_hint, prog
from createdag.settings import Settings, settings_for

if TYPE_CHECKING:
    from createdag.create import Created

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then (during the questions,
#: ``ask`` says it instead, with where the answers so far were kept).
INTERRUPTED = "nothing was written; run the command again to start over."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-input", action="store_true",
                        help="do not ask: take answers from --set and --answers, defaults for the rest")
    parser.add_argument("--answers", type=Path, metavar="FILE",
                        help="YAML or JSON answers: one mapping, or a list of mappings for many DAGs "
                        "(implies --no-input)")
    parser.add_argument("--example", metavar="NAME", nargs="?", const="list",
                        help="write a gallery DAG that demonstrates one option, or a pipeline "
                        f"(no NAME, or 'list': list them; {docs_hint('options')})")
    parser.add_argument("--dry-run", action="store_true", help="print the DAG to stdout, write nothing")
    parser.add_argument("--force", action="store_true", help="replace DAG files that already exist")
    parser.add_argument("--check", action="store_true",
                        help="load the written files with Airflow's DagBag and report import errors "
                        "and parse time (needs apache-airflow: without it, nothing is written and the "
                        "exit code is 1; a written file that does not load exits 3)")
    parser.add_argument("--save-answers", type=Path, metavar="FILE",
                        help="also write the answers to FILE (YAML, or JSON for .json), as --answers reads "
                        "them: --answers FILE writes the same DAG again")
    parser.add_argument("--resume", action="store_true",
                        help="go on with the questions from the answers kept when they were interrupted "
                        "(Ctrl-C) or left at the review; kept answers are not asked again")  # fmt: skip


def _interactive(args: argparse.Namespace) -> bool:
    return not (args.example or args.no_input or args.answers)


def gather(args: argparse.Namespace, settings: Settings) -> tuple[Sequence[dict[str, Any]], list[str]]:
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

    answers = ask(args, settings, sets)
    return ([answers] if answers is not None else []), []


def ask(args: argparse.Namespace, settings: Settings, sets: dict[str, str]) -> dict[str, Any] | None:
    """The questions, then the review: the checked answers to write, or None when the user quits.

    The answers given so far are kept in the user's cache folder when the user
    quits or presses Ctrl-C, never in the dags folder; ``--resume`` starts from them.
    """
    if not sys.stdin.isatty():
        raise NoTerminal()
    from createdag import prompt
    from createdag.answers import finish

    kept: dict[str, Any] = {}
    if args.resume:
        from createdag import session

        kept, path = session.load_kept(settings.output_dir)
        say(f"Resuming from {path}: the {len(kept)} answers kept there are not asked again (each is "
            "checked again); change any of them at the review.")  # fmt: skip
    answers: dict[str, Any] = {}
    try:
        write = prompt.session(settings, answers, sets, kept, lambda given: _write_prompt(args, settings, given),
                               "Yes, print it" if args.dry_run else "Yes, write it")  # fmt: skip
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (errors.Terminated)
        kept_where = _keep(args, settings, answers)
        raise Interrupted(f"interrupted: nothing was written in {settings.output_dir}.{kept_where}", exc) from None
    if not write:
        if args.save_answers:
            _save(args.save_answers, [finish(answers, settings)[0]])
        say("Nothing written." + _keep(args, settings, answers))
        return None
    return finish(answers, settings)[0]


def _can_check() -> None:
    """``--check`` loads the files with Airflow (and the integrity test's pytest): without them,
    refuse before writing, so exit 1 keeps meaning "nothing written"."""
    import importlib.util

    for name, package in (("airflow", "apache-airflow"), ("pytest", "pytest")):
        if importlib.util.find_spec(name) is None:
            raise UserError(
                f"--check loads the DAG with Airflow and needs {package}, which is not installed: nothing was "
                "written. Install it (pip install 'create-dag[airflow]', with your cluster's Airflow version), "
                "or drop --check to write the DAG without loading it"
            )


def _write_prompt(args: argparse.Namespace, settings: Settings, answers: Any) -> str:
    from createdag.create import dag_path

    if args.dry_run:
        return "Print the DAG (--dry-run: nothing is written)?"
    return f"Write {dag_path(settings.output_dir, answers)}?"


def _keep(args: argparse.Namespace, settings: Settings, answers: dict[str, Any]) -> str:
    """Keep the answers given so far for --resume; say where, or why not."""
    from createdag import session

    if not answers:
        return f" Run {prog()} again to start over."
    try:
        path = session.keep(answers, settings.output_dir)
    except (OSError, UserError) as exc:
        return f" The answers could not be kept ({exc}): run {prog()} again to start over."
    again = f"{prog()} --resume" + (f" -o {args.output_dir}" if args.output_dir else "")
    return f" Your {len(answers)} answers so far are kept in {path}: run {again} to go on from them."


def _save(path: Path, all_answers: Sequence[dict[str, Any]]) -> None:
    from createdag import session

    session.save_answers(path, all_answers)
    say(f"saved the answers in {path}: {prog()} --answers {path} writes the same DAG again")


def run(args: argparse.Namespace) -> int:
    if args.example == "list":
        from createdag import gallery

        print(gallery.listing())
        return EXIT_OK
    if args.example:
        from createdag import gallery

        if args.example not in gallery.EXAMPLES:
            raise UserError(gallery.unknown_example(args.example))
    if args.resume and not _interactive(args):
        raise UserError("--resume goes on with the questions: drop --no-input, --answers and --example")
    if args.check:
        _can_check()  # before any question: refused now, nothing is written
    settings = settings_for(args.output_dir, force=args.force)
    all_answers, notices = gather(args, settings)  # the questions show their notices at the review
    if not all_answers:
        return EXIT_OK  # quit at the review: nothing written
    for notice in notices:
        say(f"note: {notice}")
    if args.save_answers:
        _save(args.save_answers, all_answers)

    from createdag import create, generate
    from createdag.progress import TextProgress

    if args.dry_run:
        for item in generate.iter_rendered(all_answers, settings.output_dir):
            out(item.source)
        return EXIT_OK
    with TextProgress("rendering") as progress:  # a bar for big batches on a terminal
        created = create.write_dags(all_answers, settings, progress=progress)
    if _interactive(args):
        from createdag import session

        session.forget(settings.output_dir)  # written: the kept answers are done with
    _report_written(created)
    _next_steps(args, settings, created)
    if args.check:
        from createdag.airflow_check import check_files, report

        # written already: a file that does not load is exit 3, never 1 ("nothing written")
        return EXIT_CHECK_FAILED if report(check_files(created.paths, settings.output_dir), say) else EXIT_OK
    return EXIT_OK


def _report_written(created: Created, shown: int = 20) -> None:
    """Every line for a few DAGs; for a big batch, the notes and a count. Then the records."""
    messages = created.messages
    wrote = [m for m in messages if m.startswith("wrote ")]
    if len(wrote) <= shown:
        for message in messages:
            say(message)
    else:
        for message in messages:
            if not message.startswith("wrote "):
                say(message)
        say(f"wrote {len(wrote)} files, e.g. {wrote[0].removeprefix('wrote ')}")
    why = f"{prog()} update re-renders the DAG from it when the template changes, so commit it with the DAG"
    if len(created.records) == 1:
        say(f"wrote {created.records[0]} (the DAG's record: {why})")
    elif created.records:
        say(f"wrote {len(created.records)} records in {created.records[0].parent} (one per DAG: {why})")


def _next_steps(args: argparse.Namespace, settings: Settings, created: Created) -> None:
    """What to do with what was written: check it, commit and push it, create the connection."""
    dags = settings.output_dir
    files = [str(path) for path in (*created.files, *created.records)]
    add = " ".join(files) if len(files) <= 4 else str(dags)
    check = f"{prog()} check" + (f" -o {args.output_dir}" if args.output_dir else "")
    steps = [
        f"{check}   (loads every DAG as Airflow's DAG processor does; needs Airflow)",
        f'git add {add} && git commit -m "Add {_names(created)}" && git push',
    ]
    connections = sorted({a["teams_conn_id"] for a in created.answers if a.get("alerts")})
    if connections:
        steps.append(f"once per Airflow environment, the Teams connection {', '.join(connections)} "
                     f"with the channel's webhook URL ({docs_hint('alerts')})")  # fmt: skip
    say("next steps:")
    for number, step in enumerate(steps, 1):
        say(f"  {number}. {step}")


def _names(created: Created) -> str:
    dag_ids = [str(a["dag_id"]) for a in created.answers]
    return f"DAG {dag_ids[0]}" if len(dag_ids) == 1 else f"{len(dag_ids)} DAGs"
