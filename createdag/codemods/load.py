"""Load DAG files with the installed Airflow as the DAG processor does, and print each DAG's
structure as JSON: run as ``python -m createdag.codemods.load DAGS_DIR FILE...`` by
``--check`` and the corpus test, in a process of its own (the files' code runs there).
The dags folder's parent goes on ``sys.path`` too, as a git-synced repo root does."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

_MAIN_ARGUMENTS = ("image", "namespace", "bash_command", "python_callable", "trigger_dag_id", "external_dag_id")


def _task(task: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"class": type(task).__name__}
    for name in _MAIN_ARGUMENTS:
        value = getattr(task, name, None)
        if isinstance(value, str):
            found[name] = value
        elif callable(value):
            found[name] = getattr(value, "__name__", None)
    return found


def structures(dags_dir: Path, files: list[Path]) -> dict[str, Any]:
    from createdag.checking import load_integrity

    module = load_integrity(dags_dir)
    if str(dags_dir.parent) not in sys.path:
        sys.path.append(str(dags_dir.parent))
    out: dict[str, Any] = {}
    for path in files:
        printed = io.StringIO()
        with warnings.catch_warnings(), contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            warnings.simplefilter("ignore")
            try:
                ((_, bag, _),) = module.load_each(dags_dir, [path])
            except Exception as exc:  # noqa: BLE001 - the user's file: reported, not raised
                out[str(path)] = {"error": f"{type(exc).__name__}: {exc}", "dags": {}}
                continue
        errors = [text.strip().splitlines()[-1] for text in bag.import_errors.values() if text.strip()]
        dags = {}
        for dag_id, dag in bag.dags.items():
            dags[dag_id] = {
                "tasks": {t.task_id: _task(t) for t in dag.tasks},
                "edges": sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids),
            }
        out[str(path)] = {"error": errors[0] if errors else None, "dags": dags}
    return out


def main(argv: list[str]) -> int:
    dags_dir = Path(argv[0]).resolve()
    files = [Path(p).resolve() for p in argv[1:]]
    print(json.dumps(structures(dags_dir, files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
