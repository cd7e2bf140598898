"""``--check``: load written DAG files the way Airflow's DAG processor does.

Imported only when asked for, since importing Airflow takes seconds. Each
file is parsed by the integrity test's own loader (``BundleDagBag`` from Airflow 3.2,
``DagBag`` before; the dags folder on ``sys.path`` either way, as the processor has it, so ``import
teams_alerts`` resolves), which needs no metadata database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from createdag.errors import EXIT_OK, EXIT_USER_ERROR


@dataclass(frozen=True)
class FileCheck:
    path: Path
    dag_ids: tuple[str, ...]
    errors: tuple[str, ...]
    seconds: float


def check_files(paths: list[Path], dags_dir: Path) -> list[FileCheck]:
    """Load each file as the DAG processor would, through the integrity test's own loader."""
    from createdag.integrity import integrity_module

    return [
        FileCheck(path, tuple(bag.dag_ids), tuple(bag.import_errors.values()), seconds)
        for path, bag, seconds in integrity_module().load_each(dags_dir, paths)
    ]


def report(results: list[FileCheck], say: Callable[[str], None]) -> int:
    failed = False
    for result in results:
        if result.errors or not result.dag_ids:
            failed = True
            say(f"check: {result.path}: FAILED to load in Airflow")
            for error in result.errors or ("no DAG found in the file",):
                say("  " + error.strip().replace("\n", "\n  "))
        else:
            dags = ", ".join(result.dag_ids)
            say(f"check: {result.path}: loads in Airflow, DAG {dags}, parsed in {result.seconds:.2f}s")
    return EXIT_USER_ERROR if failed else EXIT_OK
