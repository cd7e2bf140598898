"""Re-render recorded DAGs with the current template and merge three ways with your edits.

Your edits and the template's changes are both kept; messages go to stderr,
diffs (--dry-run) to stdout.
"""

# The work is in createdag.update; this module parses, prints and decides the exit code.

from __future__ import annotations

import argparse
from pathlib import Path

from createdag.commands import out, say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError
from createdag.escape import printable

EPILOG = """\
examples:
  create_dag.py update                       every recorded DAG in ./dags
  create_dag.py update dags/sales_daily.py   one DAG (a file, a folder or a dag_id)
  create_dag.py update --dry-run             show the diffs, write nothing
  create_dag.py update --set retries=3       change an answer for the selected DAGs
  create_dag.py check --drift                exit 1 if a recorded DAG is behind the template (for CI)

How it merges: base = the render recorded at generation, yours = the file now,
new = the current template's render; your edits and the template's change are
both kept. Where they touch the same lines the file gets conflict markers
(<<<<<<< current / ||||||| recorded / ======= / >>>>>>> template) and the
command exits 1: edit the file, then run update again.

exit codes: 0 done, 1 conflicts, invalid answers or (--check) DAGs behind.
"""


#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "no DAG was updated."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="DAG files, folders or dag_ids (default: every recorded DAG)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the diffs, write nothing")
    parser.add_argument(
        "--check", dest="drift", action="store_true",
        help="write nothing; exit 1 naming the DAGs behind the current template (the same as check --drift)",
    )
    parser.add_argument("--template-dir", type=Path, default=None, help=argparse.SUPPRESS)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from createdag import update
    from createdag.settings import settings_for
    from createdag.sources import parse_sets

    dags_dir = settings_for(args.output_dir).output_dir
    if not dags_dir.is_dir():
        raise UserError(f"{dags_dir} is not a folder: pass the dags folder with -o")
    if args.drift:
        if args.sets or args.paths:
            raise UserError("--check looks at every recorded DAG: drop --set and PATH")
        return update.check_drift(dags_dir, say, args.template_dir)
    outcomes = update.update_dags(
        dags_dir, args.paths, parse_sets(args.sets), template_dir=args.template_dir, dry_run=args.dry_run
    )
    if not outcomes:
        say(f"no recorded DAGs in {dags_dir}: generate DAGs with create_dag.py, or adopt existing ones")
        return EXIT_OK
    for item in outcomes:
        if not args.dry_run:
            say(item.message)
            continue
        out(item.diff(dags_dir))
        if item.status == "updated":
            say(f"would update {printable(item.path)}")
        elif item.status == "conflict":
            say(f"{printable(item.path)}: {item.conflicts} conflict(s): the diff shows the markers update would write")
        else:
            say(item.message)
    failed = [item for item in outcomes if item.failed]
    if failed:
        named = ", ".join(f"{printable(item.path)} ({item.status})" for item in failed)
        say(f"{len(failed)} DAG(s) need you: {named}")
        return EXIT_USER_ERROR
    if args.dry_run:
        say("dry run: nothing written")
    return EXIT_OK
