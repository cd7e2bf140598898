"""DAG integrity tests for this dags repo (written by ``create_dag.py init``; yours to edit).

Every DAG file is loaded the way Airflow's DAG processor loads it (each file
parsed on its own, the dags folder on ``sys.path``, ``.airflowignore``
respected), then checked against the team's rules:

- it imports without error;
- every dag_id is unique across the repo;
- an owner and at least one tag are set;
- ``retries`` is set in ``default_args`` (0 is a valid, explicit answer);
- a failure alert is wired (``on_failure_callback`` on every task, or on the DAG).

A file listed in ``check_skip`` of ``.create_dag.toml`` (or ``[tool.create_dag]``
in ``pyproject.toml``) is exempt from the rules, never from import errors.
``create_dag.py check`` runs these same functions from the command line.
Needs Airflow 3.0 or newer and pytest (and ``tomli`` on Python 3.10); no database.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
#: Share of [core] dagbag_import_timeout above which a file's parse time is worth a warning.
SLOW_SHARE = 0.1


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class FileResult:
    file: str
    dag_ids: tuple[str, ...]
    seconds: float


def read_settings(repo: Path = REPO) -> tuple[Path, frozenset[str]]:
    """The dags folder and the skip list, from the repo's create_dag config."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, from PyPI (create-dag depends on it there)
        import tomli as tomllib

    table: dict = {}
    if (repo / ".create_dag.toml").is_file():
        data = tomllib.loads((repo / ".create_dag.toml").read_text(encoding="utf-8"))
        table = data.get("tool", {}).get("create_dag", data)
    elif (repo / "pyproject.toml").is_file():
        pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
        table = pyproject.get("tool", {}).get("create_dag", {})
    dags = Path(os.environ.get("DAGS_FOLDER") or repo / table.get("output_dir", "dags"))
    return dags, frozenset(table.get("check_skip", ()))


def dag_files(dags_dir: Path) -> list[Path]:
    """The files Airflow would parse: .airflowignore and its safe-mode heuristic respected."""
    from airflow.utils.file import list_py_file_paths

    return sorted(Path(p) for p in list_py_file_paths(str(dags_dir), safe_mode=True))


def load_each(dags_dir: Path, files: list[Path]) -> Iterator[tuple[Path, Any, float]]:
    """Each file parsed on its own, as the installed Airflow's DAG processor parses it.

    From Airflow 3.2 the processor uses ``BundleDagBag``, which puts the dags
    folder on ``sys.path`` itself; 3.0 and 3.1 have only ``DagBag``, and their
    processor appends the folder to ``sys.path`` before parsing, so this does too.
    """
    bundle = dags_dir.resolve()
    try:
        from airflow.dag_processing.dagbag import BundleDagBag
    except ImportError:  # Airflow 3.0, 3.1
        from airflow.models.dagbag import DagBag

        if str(bundle) not in sys.path:
            sys.path.append(str(bundle))

        def parse(path: Path) -> Any:
            return DagBag(dag_folder=str(path), bundle_path=bundle, include_examples=False, safe_mode=False)
    else:

        def parse(path: Path) -> Any:
            return BundleDagBag(dag_folder=str(path), bundle_path=bundle, safe_mode=False)

    for path in files:
        started = time.perf_counter()
        bag = parse(path.resolve())  # 3.0 and 3.1 need it inside bundle_path, literally
        yield path, bag, time.perf_counter() - started


def _rule_problems(name: str, dag) -> Iterator[Problem]:
    args = dag.default_args or {}
    owners = {task.owner for task in dag.tasks}
    if not owners or owners & {"", "airflow", None}:
        yield Problem(name, "owner", f"DAG {dag.dag_id!r} has no owner: set default_args={{'owner': 'your-team'}}")
    if not dag.tags:
        yield Problem(name, "tags", f"DAG {dag.dag_id!r} has no tags: add tags=['...'] to the DAG")
    if "retries" not in args:
        yield Problem(
            name, "retries",
            f"DAG {dag.dag_id!r} does not set retries: add \"retries\": 2 to default_args (0 is fine too)",
        )
    without_alert = [t.task_id for t in dag.tasks if not getattr(t, "on_failure_callback", None)]
    if without_alert and not getattr(dag, "on_failure_callback", None):
        yield Problem(
            name, "failure alert", f"DAG {dag.dag_id!r}: tasks {', '.join(without_alert)} have no on_failure_callback: "
            "add \"on_failure_callback\": [TeamsNotifier(event=\"failure\")] to default_args",
        )


def collect(
    dags_dir: Path, skip: frozenset[str] = frozenset(), progress=None
) -> tuple[list[Problem], list[FileResult]]:
    """Load every DAG file and apply the rules; the one entry point for pytest and the CLI."""
    files = dag_files(dags_dir)
    problems: list[Problem] = []
    results: list[FileResult] = []
    seen: dict[str, str] = {}
    for number, (path, bag, seconds) in enumerate(load_each(dags_dir, files), 1):
        name = str(path.relative_to(dags_dir))
        for error in bag.import_errors.values():
            problems.append(Problem(name, "import error", error.strip().splitlines()[-1]))
        results.append(FileResult(name, tuple(bag.dag_ids), seconds))
        for dag_id, dag in bag.dags.items():
            if dag_id in seen:
                problems.append(Problem(name, "unique dag_id", f"{dag_id!r} is also defined in {seen[dag_id]}"))
            seen.setdefault(dag_id, name)
            if name not in skip:
                problems.extend(_rule_problems(name, dag))
        if progress:
            progress(number, len(files))
    return problems, results


def slow_files(results: list[FileResult]) -> list[tuple[FileResult, float]]:
    from airflow.configuration import conf

    timeout = conf.getfloat("core", "dagbag_import_timeout")
    return [(r, timeout) for r in results if r.seconds > SLOW_SHARE * timeout]


# --- pytest -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcome() -> tuple[list[Problem], list[FileResult]]:
    dags_dir, skip = read_settings()
    if str(dags_dir) not in sys.path:
        sys.path.append(str(dags_dir))
    return collect(dags_dir, skip)


def test_every_dag_file_loads(outcome) -> None:
    problems, results = outcome
    assert results, "no DAG files found: is output_dir right in .create_dag.toml?"
    assert not [p for p in problems if p.rule == "import error"], "\n".join(map(str, problems))


@pytest.mark.parametrize("rule", ["unique dag_id", "owner", "tags", "retries", "failure alert"])
def test_team_rule(outcome, rule: str) -> None:
    problems, _ = outcome
    broken = [str(p) for p in problems if p.rule == rule]
    assert not broken, "\n".join(broken)
