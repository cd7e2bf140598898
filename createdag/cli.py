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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from createdag import __version__
from createdag.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER_ERROR,
    CreateDagError,
    InvalidAnswer,
    InvalidAnswers,
    NoTerminal,
    OutputExists,
)
from createdag.questions import BY_KEY, Settings

EPILOG = """\
examples:
  create_dag.py                                   ask the questions, write dags/<dag_id>.py
  create_dag.py --no-input --set dag_id=sales_daily --set image=ghcr.io/acme/sales:1.2.0
  create_dag.py --no-input --answers dags.yaml    one DAG, or a list of them
  create_dag.py --dry-run --no-input --answers sales.yaml   print, write nothing

exit codes: 0 done, 1 invalid input or refused overwrite (nothing written), 130 interrupted.
keys for --set and answers files: """ + ", ".join(BY_KEY) + " (concurrency = max_active_tasks)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="create_dag.py",
        description="Create an Airflow 3 DAG that runs a container with KubernetesPodOperator "
        "and alerts Microsoft Teams, from a few questions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--output-dir", type=Path, default=Path("dags"), metavar="DIR",
                        help="dags folder to write into (default: ./dags)")
    parser.add_argument("--no-input", action="store_true",
                        help="do not ask: take answers from --set and --answers, defaults for the rest")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="an answer, e.g. --set schedule='0 6 * * *' (repeatable; lists as JSON "
                        "or comma-separated)")
    parser.add_argument("--answers", type=Path, metavar="FILE",
                        help="YAML or JSON answers: one mapping, or a list of mappings for many DAGs "
                        "(implies --no-input)")
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
    """Validated answers for every DAG to create, from the prompt or from flags and files."""
    from createdag.answers import resolve
    from createdag.sources import load_answers_file, parse_sets

    sets = parse_sets(args.sets)
    if args.no_input or args.answers:
        entries = load_answers_file(args.answers) if args.answers else [{}]
        results, problems = [], []
        for number, entry in enumerate(entries, 1):
            where = f"{args.answers} DAG #{number}" if len(entries) > 1 else str(args.answers or "--set")
            try:
                answers, notices = resolve({**entry, **sets}, settings, source=where)
            except InvalidAnswers as exc:
                problems.extend(exc.problems)
                continue
            for notice in notices:
                _say(f"note: {answers['dag_id']}: {notice}")
            results.append(answers)
        _check_unique(results, problems)
        if problems:
            raise InvalidAnswers(problems)
        return results

    if not sys.stdin.isatty():
        raise NoTerminal()
    from createdag import prompt
    from createdag.answers import finish

    answers, notices = finish(prompt.ask_all(settings, sets))
    for notice in notices:
        _say(f"note: {notice}")
    return [answers]


def _check_unique(results: list[dict[str, Any]], problems: list[InvalidAnswer]) -> None:
    seen: set[str] = set()
    for answers in results:
        if answers["dag_id"] in seen:
            problems.append(InvalidAnswer("dag_id", f"{answers['dag_id']!r} appears twice in one run"))
        seen.add(answers["dag_id"])


def run(args: argparse.Namespace) -> int:
    settings = Settings(output_dir=args.output_dir, force=args.force)
    all_answers = gather(args, settings)

    from createdag.render import render_dag

    rendered = [(settings.output_dir / f"{a['dag_id']}.py", render_dag(a), bool(a["alerts"])) for a in all_answers]
    if args.dry_run:
        for _, source, _ in rendered:
            sys.stdout.write(source)
        return EXIT_OK
    if not args.no_input and not args.answers:
        from createdag import prompt

        if not prompt.confirm_write(str(rendered[0][0])):
            _say("Nothing written.")
            return EXIT_OK

    from createdag.output import write_atomic

    if not args.force:  # refuse before writing anything, not halfway through a batch
        for path, _, _ in rendered:
            if path.exists():
                raise OutputExists(str(path))
    if any(uses_alerts for _, _, uses_alerts in rendered):
        install_alerts_module(settings.output_dir)
    for path, source, _ in rendered:
        write_atomic(path, source, force=args.force)
        _say(f"wrote {path}")
    if args.check:
        from createdag.airflow_check import check_files, report

        return report([path for path, _, _ in rendered], check_files([p for p, _, _ in rendered], settings.output_dir), _say)
    return EXIT_OK


def install_alerts_module(output_dir: Path) -> None:
    """Write the alert module beside the DAGs when absent; never replace a different one silently."""
    from createdag import resources
    from createdag.output import write_atomic

    target = output_dir / resources.ALERTS_FILE
    shipped = resources.alerts_module_source()
    if not target.exists():
        write_atomic(target, shipped)
        _say(f"wrote {target} (the Teams alert module the DAG imports)")
    elif target.read_text(encoding="utf-8") != shipped:
        _say(
            f"note: {target} differs from the version shipped with create_dag; kept yours. "
            f"To take the new one, compare with hooks/{resources.ALERTS_FILE}, or delete yours and run again."
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; every exception that ends the run becomes an exit code here."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
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
