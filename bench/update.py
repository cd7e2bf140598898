"""How long ``update`` takes for a repo of generated, hand-edited DAGs after a template change.

Run: ``.venv/bin/python bench/update.py [COUNT] [ROUNDS]`` (default 100 DAGs, 3 rounds).
Builds a dags repo with COUNT DAGs through the real CLI, hand-edits every file
(a comment and an argument the template does not touch), changes a copy of
dag_template/ (a new DAG argument), then times ``update.update_dags`` merging
all of them, each round on a fresh copy of the repo. Prints the median and
the cost per DAG; the number goes in docs/performance.md.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def build_repo(root: Path, count: int) -> Path:
    answers = [{"dag_id": f"dag_{i:04d}", "image": "busybox:1.36", "owner": "bench", "start_date": "2026-01-01"}
               for i in range(count)]  # fmt: skip
    (root / "answers.json").write_text(json.dumps(answers))
    subprocess.run([sys.executable, str(REPO / "create_dag.py"), "--answers", "answers.json"], cwd=root,
                   check=True, capture_output=True)  # fmt: skip
    dags = root / "dags"
    for path in dags.glob("dag_*.py"):
        text = path.read_text().replace("    main = KubernetesPodOperator(", "    # edited by hand\n    main = KubernetesPodOperator(")
        path.write_text(text.replace("get_logs=True,", "get_logs=True,\n        startup_timeout_seconds=600,"))
    return dags


def changed_template(root: Path) -> Path:
    template = root / "template"
    shutil.copytree(REPO / "dag_template", template, ignore=shutil.ignore_patterns("__pycache__"))
    dag_file = next(template.glob("*/*.py"))
    dag_file.write_text(dag_file.read_text().replace("    catchup=", "    doc_md=__doc__,\n    catchup=", 1))
    return template


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from createdag import update

    work = Path(tempfile.mkdtemp(prefix="create_dag-bench-update-"))
    pristine = build_repo(work, count)
    template = changed_template(work)
    times = []
    for number in range(rounds):
        dags = work / f"round{number}"
        shutil.copytree(pristine, dags)
        started = time.perf_counter()
        outcomes = update.update_dags(dags, template_dir=template)
        times.append(time.perf_counter() - started)
        statuses = {o.status for o in outcomes}
        assert statuses == {"updated"}, statuses
        assert all("doc_md=__doc__" in p.read_text() and "# edited by hand" in p.read_text()
                   for p in dags.glob("dag_*.py"))  # fmt: skip
    median = statistics.median(times)
    print(f"update of {count} hand-edited DAGs after a template change: median {median:.2f} s over {rounds} rounds "
          f"({median / count * 1000:.1f} ms per DAG)")  # fmt: skip


if __name__ == "__main__":
    main()
