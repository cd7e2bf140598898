"""``--check``: load written DAG files the way Airflow's DAG processor does.

Imported only when asked for, since importing Airflow takes seconds. Each
file is parsed with ``BundleDagBag`` (the dags folder on ``sys.path``, as
the processor has it, so ``import teams_alerts`` resolves), which needs no
metadata database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError


@dataclass(frozen=True)
class FileCheck:
    path: Path
    dag_ids: tuple[str, ...]
    errors: tuple[str, ...]
    seconds: float


def check_files(paths: list[Path], dags_dir: Path) -> list[FileCheck]:
    try:
        from airflow.dag_processing.dagbag import BundleDagBag
    except ImportError:
        raise UserError(
            "--check needs Airflow: pip install 'apache-airflow==3.3.*' "
            "apache-airflow-providers-cncf-kubernetes apache-airflow-providers-standard"
        ) from None
    results = []
    for path in paths:
        started = time.perf_counter()
        bag = BundleDagBag(dag_folder=str(path), bundle_path=dags_dir.resolve(), safe_mode=False)
        elapsed = time.perf_counter() - started
        results.append(FileCheck(path, tuple(bag.dag_ids), tuple(bag.import_errors.values()), elapsed))
    return results


def report(paths: list[Path], results: list[FileCheck], say: Callable[[str], None]) -> int:
    failed = False
    for result in results:
        if result.errors or not result.dag_ids:
            failed = True
            say(f"check: {result.path}: FAILED to load in Airflow")
            for error in result.errors or ("no DAG found in the file",):
                say("  " + error.strip().replace("\n", "\n  "))
        else:
            say(f"check: {result.path}: loads in Airflow, DAG {', '.join(result.dag_ids)}, parsed in {result.seconds:.2f}s")
    return EXIT_USER_ERROR if failed else EXIT_OK
