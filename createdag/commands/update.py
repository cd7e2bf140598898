"""Re-render recorded DAGs with the current template and merge three ways with your edits.

Your edits and the template's changes are both kept; messages go to stderr,
diffs (--dry-run) to stdout.
"""

# The work is in createdag.update; this module parses, prints and decides the exit code.

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from createdag.commands import out, say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError
from createdag.escape import printable
from createdag.invocation import command, docs_hint, prog

if TYPE_CHECKING:
    from createdag.update import Outcome

#: The shape of ``--format json``'s output (docs/schemas/update.schema.json); raised only when
#: a field changes meaning or goes away.
JSON_VERSION = 1

def _epilog() -> str:
    tool = prog()
    return f"""\
examples:
  {tool} update                       every recorded DAG in ./dags
  {tool} update dags/sales_daily.py   one DAG (a file, a folder or a dag_id)
  {tool} update --dry-run             show the diffs, write nothing
  {tool} update --set retries=3 sales_daily   change an answer for the DAGs named
  {tool} update --set retries=3       every recorded DAG: shows the changes and asks first
  {tool} update --set retries=3 --all   every recorded DAG, without asking (CI, scripts)
  {tool} update --format json         what happened to each DAG, for tools
  {tool} check --drift                exit 1 if a recorded DAG is behind the template (for CI)

How it merges: base = the render recorded at generation, yours = the file now,
new = the current template's render; your edits and the template's change are
both kept. Where they touch the same lines the file gets conflict markers
(<<<<<<< current / ||||||| recorded / ======= / >>>>>>> template) and the
command exits 1: edit the file, then run update again.

--set without PATH changes every recorded DAG: in a terminal update first
lists each DAG with the answers that change (old -> new) and asks; without
one it needs --all (or the PATHs). JSON output: {docs_hint('usage')}.

exit codes: 0 done (or declined), 1 conflicts, invalid answers, --set without
PATH or --all and no terminal, or (--check) DAGs behind.
"""


#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "no DAG was updated."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _epilog()
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="DAG files, folders or dag_ids (default: every recorded DAG)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the diffs, write nothing")
    parser.add_argument(
        "--check", dest="drift", action="store_true",
        help="write nothing; exit 1 naming the DAGs behind the current template (the same as check --drift)",
    )
    parser.add_argument("--all", dest="every", action="store_true",
                        help="every recorded DAG, said explicitly: --set without PATH needs it when there is no "
                        "terminal to ask on, and with it nothing is asked")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="json: one object on stdout saying what happened to each DAG, for tools "
                        "(messages stay on stderr)")
    parser.add_argument("--template-dir", type=Path, default=None, help=argparse.SUPPRESS)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from createdag import update
    from createdag.settings import settings_for
    from createdag.sources import parse_sets

    dags_dir = settings_for(args.output_dir).output_dir
    if not dags_dir.is_dir():
        raise UserError(f"{dags_dir} is not a folder: pass the dags folder with -o")
    if args.every and args.paths:
        raise UserError("--all means every recorded DAG: give --all or PATHs, not both")
    if args.drift:
        if args.sets or args.paths or args.every:
            raise UserError("--check looks at every recorded DAG: drop --set, --all and PATH")
        if args.format == "json":
            raise UserError(f"--check has no JSON output: {command('check --drift')} names the DAGs behind")
        return update.check_drift(dags_dir, say, args.template_dir)
    sets = parse_sets(args.sets)
    before = {rec.dag_id: _answers_of(rec) for rec in update.select(dags_dir, args.paths)}
    fleet = sets and not args.paths and not args.every and not args.dry_run
    if fleet and not _confirm_fleet(args, dags_dir, sets, before):
        if args.format == "json":
            print(to_json(dags_dir, [], before, dry_run=args.dry_run, applied=False))
        return EXIT_OK
    outcomes = update.update_dags(
        dags_dir, args.paths, sets, template_dir=args.template_dir, dry_run=args.dry_run
    )
    if not outcomes:
        say(f"no recorded DAGs in {dags_dir}: generate DAGs with {prog()}, or adopt existing ones")
        if args.format == "json":
            print(to_json(dags_dir, [], before, dry_run=args.dry_run))
        return EXIT_OK
    for item in outcomes:
        if not args.dry_run:
            say(item.message)
            continue
        if args.format == "text":
            out(item.diff(dags_dir))
        if item.status == "updated":
            say(f"would update {printable(item.path)}")
        elif item.status == "conflict":
            say(f"{printable(item.path)}: {item.conflicts} conflict(s): the diff shows the markers update would write")
        else:
            say(item.message)
    if args.format == "json":
        print(to_json(dags_dir, outcomes, before, dry_run=args.dry_run))
    failed = [item for item in outcomes if item.failed]
    if failed:
        named = ", ".join(f"{printable(item.path)} ({item.status})" for item in failed)
        say(f"{len(failed)} DAG(s) need you: {named}")
        return EXIT_USER_ERROR
    if args.dry_run:
        say("dry run: nothing written")
    return EXIT_OK


# --- a fleet-wide --set: look first ----------------------------------------------------------


def _confirm_fleet(
    args: argparse.Namespace, dags_dir: Path, sets: Mapping[str, Any], before: Mapping[str, Mapping[str, Any]]
) -> bool:
    """``--set`` without PATH: show each DAG's changing answers and ask (a terminal), or refuse.

    The preview is update's own dry run, so it validates every answer first and
    shows exactly what the run will write.
    """
    from createdag import update

    if not sys.stdin.isatty():
        raise UserError(
            f"--set without PATH changes every recorded DAG in {dags_dir}, and there is no terminal to ask "
            "on: name the DAGs (files, folders or dag_ids), or pass --all; --dry-run shows the diffs first"
        )
    preview = update.update_dags(dags_dir, (), sets, template_dir=args.template_dir, dry_run=True)
    changing = 0
    say(f"--set without PATH: every recorded DAG in {dags_dir} ({len(preview)}):")
    for item in preview:
        changes = answer_changes(before.get(item.dag_id, {}), _new_answers(item))
        shown = "; ".join(_change_text(change) for change in changes) or "no answer changes"
        if item.status in ("updated", "conflict"):
            changing += 1
        state = {"updated": "", "unchanged": " (file unchanged)", "conflict": f" ({item.conflicts} conflict(s))"}
        say(f"  {item.dag_id} ({item.path or 'no file'}): {shown}{state.get(item.status, f' ({item.status})')}")
    if not changing:
        say("Nothing would change.")
        return False
    print(f"Update these {changing} DAG file(s)? [y/N] ", end="", file=sys.stderr, flush=True)
    reply = sys.stdin.readline()
    if reply.strip().lower() not in ("y", "yes"):
        say("Nothing changed.")
        return False
    return True


def _answers_of(rec: Any) -> dict[str, Any]:
    """A record's answers as the next update starts from them (a pending merge's, if any)."""
    return dict(rec.pending["answers"]) if rec.pending else dict(rec.answers)


def _new_answers(item: Outcome) -> dict[str, Any]:
    if item.record is None:
        return {}
    return dict(item.record.pending["answers"]) if item.record.pending else dict(item.record.answers)


def answer_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What differs between two records' answers: the DAG's, then each task's (matched by
    task_id), as ``{"task": task_id or None, "key", "old", "new"}``; a value absent is None."""
    from createdag.questions import TASKS

    if not new:
        return []
    changes = [
        {"task": None, "key": key, "old": old.get(key), "new": new.get(key)}
        for key in sorted((set(old) | set(new)) - {TASKS})
        if old.get(key) != new.get(key)
    ]
    old_tasks = {task.get("task_id"): task for task in old.get(TASKS) or []}
    for task in new.get(TASKS) or []:
        before = old_tasks.get(task.get("task_id"), {})
        changes += [
            {"task": task.get("task_id"), "key": key, "old": before.get(key), "new": task.get(key)}
            for key in sorted(set(before) | set(task))
            if before.get(key) != task.get(key)
        ]
    return changes


def _change_text(change: Mapping[str, Any]) -> str:
    where = f"{change['task']}.{change['key']}" if change["task"] else change["key"]
    return f"{where} {change['old']!r} -> {change['new']!r}"


# --- --format json ----------------------------------------------------------------------------


def to_json(
    dags_dir: Path, outcomes: Sequence[Outcome], before: Mapping[str, Mapping[str, Any]], *, dry_run: bool,
    applied: bool = True,
) -> str:
    """What update did (or, with --dry-run, would do) to each DAG: docs/schemas/update.schema.json."""
    counts: dict[str, int] = {}
    dags = []
    for item in outcomes:
        counts[item.status] = counts.get(item.status, 0) + 1
        entry: dict[str, Any] = {
            "dag_id": item.dag_id,
            "path": str(item.path) if item.path is not None else None,
            "status": item.status,
            "conflicts": item.conflicts,
            "message": item.message,
            "changes": answer_changes(before.get(item.dag_id, {}), _new_answers(item)),
        }
        if dry_run:
            entry["diff"] = item.diff(dags_dir)
        dags.append(entry)
    data = {
        "version": JSON_VERSION,
        "command": "update",
        "dags_folder": str(dags_dir),
        "dry_run": dry_run,
        "applied": applied and not dry_run,
        "ok": not any(item.failed for item in outcomes),
        "summary": {"dags": len(outcomes), **{status: counts.get(status, 0) for status in STATUSES}},
        "dags": dags,
    }
    return json.dumps(data, indent=2, default=str)


#: Every status an update outcome can have (``createdag.update.Outcome.status``).
STATUSES = ("updated", "unchanged", "conflict", "unresolved", "broken", "deleted", "unreadable")
