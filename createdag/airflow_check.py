"""``--check``: load written DAG files the way Airflow's DAG processor does.

Imported only when asked for, since importing Airflow takes seconds. Each
file goes through ``check``'s own per-file step (``checking.check_file``: the
integrity test's loader: ``BundleDagBag`` from Airflow 3.2, ``DagBag``
before, with the dags folder on ``sys.path`` as the processor has it, so ``import teams_alerts`` resolves),
which needs no metadata database. Airflow's logging is kept quiet and an
import error is reported as ``check`` reports it: the exception's last line
and the line of the file it points at, not a traceback.
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
    #: each import error: the exception's last line, and the line in the file where known
    errors: tuple[tuple[str, int | None], ...]
    seconds: float


def check_files(paths: list[Path], dags_dir: Path) -> list[FileCheck]:
    """Load each file as the DAG processor would, through ``check``'s per-file step."""
    from createdag.checking import check_file, load_integrity

    dags_dir = dags_dir.resolve()
    module = load_integrity(dags_dir)
    results = []
    for path in paths:
        outcome = check_file(module, dags_dir, path.resolve())
        results.append(FileCheck(path, outcome.dag_ids, outcome.import_errors, outcome.seconds))
    return results


def report(results: list[FileCheck], say: Callable[[str], None]) -> int:
    failed = False
    for result in results:
        if result.errors or not result.dag_ids:
            failed = True
            for message, line in result.errors or (("no DAG found in the file", None),):
                where = f"{result.path}:{line}" if line else str(result.path)
                say(f"check: {where}: does not load in Airflow: {message}")
        else:
            dags = ", ".join(result.dag_ids)
            say(f"check: {result.path}: loads in Airflow, DAG {dags}, parsed in {result.seconds:.2f}s")
    return EXIT_USER_ERROR if failed else EXIT_OK
