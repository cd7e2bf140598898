"""Load every DAG like Airflow's DAG processor does and check the team's rules, for CI.

Runs the very functions of the integrity test that init writes
(createdag/repo_files/test_dag_integrity.py): each file is loaded as the DAG
processor would, timed, and checked; exit 1 on any problem. With --drift,
instead: exit 1 naming every recorded DAG that is behind the template.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from createdag.commands import say
from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = "check writes nothing; run it again."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the dags repo (default: here)")
    parser.add_argument("--drift", action="store_true",
                        help="instead: exit 1 naming every recorded DAG that is behind the current template")
    parser.add_argument("--template-dir", type=Path, default=None, help=argparse.SUPPRESS)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from createdag.settings import settings_for

    settings = settings_for(args.output_dir, repo=args.dir)
    if args.drift:
        from createdag.update import check_drift

        return check_drift(settings.output_dir, say, args.template_dir)
    from createdag.integrity import integrity_module
    from createdag.progress import TextProgress

    module = integrity_module()
    dags_dir = settings.output_dir.resolve()
    if not dags_dir.is_dir():
        raise UserError(f"no dags folder at {dags_dir}: set output_dir in .create_dag.toml, or run init")
    if str(dags_dir) not in sys.path:
        sys.path.append(str(dags_dir))
    with TextProgress("checking") as progress:
        problems, results = module.collect(dags_dir, frozenset(settings.team.check_skip), progress=progress)
    for result in results:
        print(f"{result.file}: {', '.join(result.dag_ids) or 'no DAG'} ({result.seconds:.2f}s)")
    for result, timeout in module.slow_files(results):
        say(
            f"warning: {result.file} took {result.seconds:.1f}s to parse, {result.seconds / timeout:.0%} of "
            f"[core] dagbag_import_timeout ({timeout:g}s): move work out of module level"
        )
    for problem in problems:
        say(f"problem: {problem}")
    say(f"{len(results)} files, {len(problems)} problems")
    return EXIT_USER_ERROR if problems else EXIT_OK
