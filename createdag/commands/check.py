"""Load every DAG like Airflow's DAG processor does and check the team's rules, for people and for CI.

Runs the very functions of the integrity test that init writes
(tests/test_dag_integrity.py) on every file, in one worker process per CPU
for big repos, and reports only what needs doing: each problem and slow file
on a line of its own (stderr), then a one-line summary. --verbose adds a line
per file (stdout); --format json prints the whole report for tools (stdout);
under GitHub Actions (GITHUB_ACTIONS set) each problem is also an annotation
on its file and line. Exit 1 on any problem. With --drift, instead: exit 1
naming every recorded DAG that is behind the template.

It remembers: each file's outcome is kept, keyed by its content, the modules
of the dags folder it imports, the data files it names, create-dag's version
and the installed Airflow and providers (and every other distribution), so a
run loads only what changed, and imports Airflow only if something did
(--no-cache: everything again; keeping the cache in CI: the docs topic ci).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from createdag.commands import out, say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError
from createdag.invocation import docs_hint

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "check writes nothing; run it again."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the dags repo (default: here)")
    parser.add_argument("--verbose", "-v", action="store_true", help="also print a line per file (stdout)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help=f"json: the whole report on stdout, for tools (shape: {docs_hint('usage')})")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="worker processes (default: one per CPU for big repos, 1 below "
                             "300 files; 1 checks in this process)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="check every file again, and keep nothing (default: a file unchanged since its "
                        "last check, with the modules it imports, is answered from the cache)")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", default=os.environ.get("CREATE_DAG_CHECK_CACHE"),
                        help="keep the cache in DIR (default: $CREATE_DAG_CHECK_CACHE, else "
                        "~/.cache/create_dag/check); for CI, a folder the CI's cache step keeps between runs")
    parser.add_argument("--drift", action="store_true",
                        help="instead: exit 1 naming every recorded DAG that is behind the current template")
    parser.add_argument("--template-dir", type=Path, default=None, help=argparse.SUPPRESS)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from createdag.settings import settings_for

    settings = settings_for(args.output_dir, repo=args.dir)
    if args.drift:
        from createdag.update import check_drift

        return check_drift(settings.output_dir, say, args.template_dir)
    from createdag import checking
    from createdag.progress import TextProgress

    dags_dir = settings.output_dir.resolve()
    if not dags_dir.is_dir():
        raise UserError(f"no dags folder at {dags_dir}: set output_dir in .create_dag.toml, or run init")
    if args.jobs is not None and args.jobs < 1:
        raise UserError(f"--jobs {args.jobs}: give 1 or more worker processes")
    with TextProgress("checking") as progress:
        report = checking.run_check(dags_dir, frozenset(settings.team.check_skip), jobs=args.jobs,
                                    progress=progress, cache=_cache_file(args, dags_dir))  # fmt: skip
    if args.format == "json":
        print(checking.to_json(report))
    else:
        if os.environ.get("GITHUB_ACTIONS"):
            root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
            for command in checking.github_annotations(report, root):
                print(command)
        if args.verbose:
            for line in checking.file_lines(report):
                out(line + "\n")
        for line in checking.problem_lines(report):
            say(line)
        for line in report.skipped:
            say(f"note: {line}")
        say(checking.summary(report))
    return EXIT_USER_ERROR if report.problems else EXIT_OK


def _cache_file(args: argparse.Namespace, dags_dir: Path) -> Path | None:
    from createdag import check_cache

    if not args.cache:
        return None
    if args.cache_dir is not None:
        return check_cache.cache_file(Path(args.cache_dir), dags_dir, shared=False)
    return check_cache.cache_file(check_cache.default_dir(), dags_dir, shared=True)
