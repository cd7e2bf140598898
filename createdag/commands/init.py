"""Prepare a dags repo: config, alert module, .airflowignore, pre-commit and a DAG integrity test.

Writes, only where absent (an existing file is never touched, and is listed as
kept): the team config with commented defaults, the alert module the DAGs
import, an .airflowignore that keeps non-DAG files out of parsing, a
pre-commit configuration running black and ruff's Airflow rules, and the DAG
integrity test that check runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from createdag.commands import say
from createdag.errors import EXIT_OK, UserError

#: What the CLI says on Ctrl-C or SIGTERM: what is on disk then.
INTERRUPTED = (
    "each file init wrote is complete (written atomically); run init again for the rest: it never rewrites a file."
)

def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the dags repo (default: here)")


def run(args: argparse.Namespace) -> int:
    from createdag.repo_init import init_repo

    dags = "dags"
    if args.output_dir is not None:  # -o: where the dags folder goes, inside the repo
        root, folder = args.dir.resolve(), args.output_dir.resolve()
        if not folder.is_relative_to(root):
            raise UserError(f"-o {args.output_dir} is not inside {args.dir}: the dags folder belongs in the repo")
        dags = os.path.relpath(folder, root)
    written, kept = init_repo(args.dir, dags)
    for path in written:
        say(f"wrote {path}")
    for path in kept:
        say(f"kept {path} (exists; not changed)")
    say("next: edit .create_dag.toml, then `pre-commit install` and `pytest tests/test_dag_integrity.py`")
    return EXIT_OK
