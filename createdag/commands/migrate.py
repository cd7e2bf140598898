"""Migrate Airflow 1.10/2 DAG files to Airflow 3 as they are written (codemods, docs/migrate.md).

Each file (parsed, never imported) and the dags-folder helper modules it imports is changed
only where Airflow 3 needs it; every change and blocker is reported with its line and a
stable code, for the whole folder in one run. A file with a blocker is not written. The
migrated file keeps its name, the Airflow 2 file is kept as <file>.py.airflow2.bak (with
--in-place: not kept, for files committed unchanged in git). Exit codes: 0 nothing blocked,
1 any file not migrated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from createdag.commands import out, say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "each file is written whole (its backup first): the files migrated before it are written."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="Airflow 1.10/2 DAG files, or folders of them"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the unified diffs and the report; write nothing (but the --report file)",
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="keep no <file>.py.airflow2.bak; only for files committed, unchanged, in a git work tree",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="load the migrated files with the installed Airflow "
        "first and leave untouched any that would not load or whose DAGs would change",
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="then take each migrated pod DAG the template can "
        "represent into the template (as adopt does), so update keeps it current",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="the report's format on stdout")
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write the report as Markdown to FILE")


def run(args: argparse.Namespace) -> int:
    from createdag import migrate
    from createdag.output import write_atomic

    outcome = migrate.migrate(
        args.paths,
        dry_run=args.dry_run,
        in_place=args.in_place,
        check=args.check,
        adopt=args.adopt,
        write=out if args.format == "text" else (lambda text: None),
        say=say,
    )
    for file in outcome.files:
        for line in file.done:
            say(line)
    for message in outcome.messages:
        say(message)
    if args.format == "json":
        sys.stdout.write(migrate.report_json(outcome))
    else:
        out(("\n" if args.dry_run else "") + migrate.report_text(outcome))
    if args.report is not None:
        write_atomic(args.report, migrate.report_markdown(outcome), force=True)
        say(f"wrote the report to {args.report}")
    return EXIT_USER_ERROR if outcome.failed else EXIT_OK
