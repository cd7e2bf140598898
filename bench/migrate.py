"""``create_dag.py migrate`` on a folder of 1,000 Airflow 2 DAG files, side by side with
``ruff check --select AIR --fix`` on a copy of the same folder.

Run: ``.venv/bin/python bench/migrate.py [--rounds 3] [--files 1000]``.

The files are our own, in the styles of real Airflow 2 dags repos (pods from the old
``kubernetes_pod`` module with ``is_delete_operator_pod`` and ``schedule_interval``,
``DummyOperator``, a PythonOperator with ``provide_context`` and ``execution_date``, the 1.10
``resources`` dict, ``days_ago``), five shapes cycled. Each round writes two fresh copies and
runs, each in its own process: ``create_dag.py migrate DIR`` (every file, one command), and
``ruff check --select AIR --preview --fix --no-cache DIR``. Wall and CPU time, and how many
files each changed. ruff is much faster (Rust, no report of what behaviour changed); the
numbers say what the codemod's one-run report costs.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _util import PYTHON, REPO, child_env, machine, median, save

SHAPES = [
    """from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator
from datetime import datetime

with DAG("pods_{n}", schedule_interval="0 {h} * * *", start_date=datetime(2023, 1, 1), catchup=False) as dag:
    extract = KubernetesPodOperator(task_id="extract", name="extract", namespace="etl", image="etl:{n}",
                                    arguments=["--day", "{{{{ ds }}}}"], is_delete_operator_pod=True)
    load = KubernetesPodOperator(task_id="load", name="load", namespace="etl", image="etl:{n}",
                                 is_delete_operator_pod=False, get_logs=True)
    extract >> load
""",
    """from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.bash_operator import BashOperator
from airflow.utils.dates import days_ago

dag = DAG(dag_id="bash_{n}", schedule_interval="@daily", start_date=days_ago(1), concurrency=2)
start = DummyOperator(task_id="start", dag=dag)
run = BashOperator(task_id="run", bash_command="echo {{{{ next_ds }}}}", dag=dag)
start >> run
""",
    """from datetime import datetime

from airflow.models import DAG
from airflow.operators.python_operator import PythonOperator


def report(**context):
    print(context["execution_date"])


with DAG("python_{n}", start_date=datetime(2022, 6, 1)) as dag:
    PythonOperator(task_id="report", python_callable=report, provide_context=True, task_concurrency=1)
""",
    """from airflow import DAG
from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator
from airflow.contrib.kubernetes.secret import Secret
from datetime import datetime

secret = Secret("env", "TOKEN", "api", "token")
with DAG("legacy_{n}", schedule_interval=None, start_date=datetime(2020, 1, 1)) as dag:
    KubernetesPodOperator(task_id="job", name="job", namespace="default", image="job:{n}", secrets=[secret],
                          resources={{"request_memory": "512Mi", "limit_cpu": "1"}}, in_cluster=True)
""",
    """import pendulum
from airflow.decorators import dag, task


@dag(schedule_interval="@hourly", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def taskflow_{n}():
    @task
    def hello():
        return "hi"

    hello()


taskflow_{n}()
""",
]


def write_folder(folder: Path, files: int) -> None:
    folder.mkdir(parents=True)
    for n in range(files):
        (folder / f"dag_{n:04d}.py").write_text(SHAPES[n % len(SHAPES)].format(n=n, h=n % 24), encoding="utf-8")


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=child_env(PYTHONPATH=str(REPO)), capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"{argv[:4]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def changed(folder: Path, pristine: Path) -> int:
    return sum(1 for path in pristine.iterdir() if not filecmp.cmp(path, folder / path.name, shallow=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    ruff = shutil.which("ruff") or str(Path(PYTHON).parent / "ruff")
    results: dict[str, dict[str, list[float]]] = {"migrate": {"wall": [], "cpu": []}, "ruff": {"wall": [], "cpu": []}}
    counts: dict[str, int] = {}
    print(machine())
    with tempfile.TemporaryDirectory(prefix="create_dag-bench-migrate-") as tmp:
        pristine = Path(tmp) / "pristine"
        write_folder(pristine, args.files)
        for round_ in range(args.rounds):
            ours, theirs = Path(tmp) / f"ours{round_}", Path(tmp) / f"ruff{round_}"
            shutil.copytree(pristine, ours)
            shutil.copytree(pristine, theirs)
            for name, argv, folder in (
                ("migrate", [PYTHON, "-m", "createdag", "migrate", str(ours)], ours),
                ("ruff", [ruff, "check", "--select", "AIR", "--preview", "--fix", "--no-cache", "-q", str(theirs)],
                 theirs),
            ):  # fmt: skip
                wall, cpu = timed(argv, Path(tmp))
                results[name]["wall"].append(wall)
                results[name]["cpu"].append(cpu)
                counts[name] = changed(folder, pristine)
            print(f"round {round_ + 1}: migrate {results['migrate']['wall'][-1]:.2f}s, "
                  f"ruff {results['ruff']['wall'][-1]:.2f}s")  # fmt: skip
    for name, numbers in results.items():
        print(f"{name}: {args.files} files, wall median {median(numbers['wall']):.2f}s "
              f"(CPU {median(numbers['cpu']):.2f}s), {counts[name]} files changed")  # fmt: skip
    print("saved", save("migrate", {"machine": machine(), "files": args.files, "results": results, "changed": counts}))


if __name__ == "__main__":
    main()
