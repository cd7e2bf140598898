"""Migrate Airflow 2 KubernetesPodOperator DAG files to Airflow 3 through the template.

Each DAG of each file (parsed, never imported) is read with what changes
between Airflow 2 and 3, rendered by the template as Airflow 3 code, and
recorded, so that update manages it from then on. Each DAG becomes
<dag_id>.py beside its Airflow 2 file, which is renamed to
<file>.py.airflow2.bak (with --in-place: removed, for a file committed in a
git work tree). A file with anything the tool cannot carry is not migrated:
nothing is written for it, and the report says why. Asks nothing; prints what
it did and the report (docs/migrate.md). Exit codes: 0 every DAG migrated,
1 any DAG or file not migrated.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from createdag.commands import out, say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR
from createdag.escape import printable

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "the files migrated before it are written; the file being migrated then was put back."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="Airflow 2 DAG files, or folders of them")
    parser.add_argument("--dry-run", action="store_true", help="print the diffs and the report; write nothing "
                        "(but the --report file)")  # fmt: skip
    parser.add_argument("--in-place", action="store_true",
                        help="remove each Airflow 2 file instead of keeping it as <file>.py.airflow2.bak; "
                        "only for files committed, unchanged, in a git work tree")  # fmt: skip
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write the report as Markdown to FILE")
    parser.add_argument("--airflow2-timezone", default="UTC", metavar="ZONE",
                        help="the Airflow 2 deployment's [core] default_timezone, in which it read naive "
                        "start dates (default: UTC)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from createdag import migrate
    from createdag.output import write_atomic

    outcome = migrate.migrate(
        args.paths,
        dry_run=args.dry_run,
        in_place=args.in_place,
        airflow2_timezone=args.airflow2_timezone,
        write=out,
        say=say,
    )
    for plan in outcome.plans:
        if not plan.migratable:
            say(f"{printable(plan.path)}: {migrate.refusal(plan)}")
        elif args.dry_run:
            names = ", ".join(str(p.target) for p in plan.dags)
            say(f"{printable(plan.path)}: would be migrated to {names} (--dry-run: nothing written)")
    text = migrate.report_text(outcome)
    if text:
        out(("\n" if args.dry_run else "") + text)
    if args.report is not None:
        write_atomic(args.report, migrate.report_markdown(outcome), force=True)
        say(f"wrote the report to {args.report}")
    migrated = sum(len(plan.dags) for plan in outcome.plans if plan.migratable)
    total = len(outcome.reports)
    say(f"{'would migrate' if args.dry_run else 'migrated'} {migrated} of {total} DAG{'s' if total != 1 else ''}")
    return EXIT_USER_ERROR if outcome.failed else EXIT_OK
