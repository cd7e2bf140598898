"""``create_dag.py check`` on a big repo, against one process parsing the same folder with Airflow's DagBag.

Run: ``.venv/bin/python bench/check.py [--rounds 3] [--dags 2000] [--small 100,400]``.
Needs the project's ``airflow`` extra.

A repo of ``--dags`` DAGs is generated the way the other benches do it
(``create_dag.py --no-input --answers FILE``, the answers of ``batch.py``,
every DAG with a failure alert so the repo passes the team's rules) into a
temporary folder. Then, interleaved round by round, each in its own process:

* baseline: one process imports Airflow and parses the dags folder with one
  ``BundleDagBag(dag_folder=<dags>, bundle_path=<dags>)``, the dags folder on
  ``sys.path``: one single-process DagBag pass, as a plain integrity test does;
* ``create_dag.py check DIR --no-cache``: every file checked (worker processes, one per CPU);
* ``create_dag.py check DIR --no-cache --jobs 1``: the same check in one process;
* ``check`` remembering (``--cache-dir``, warmed by one run first), three ways:
  nothing changed since the last run; one DAG file changed (a comment appended,
  a different file each round); the shared helper module every DAG imports
  (``teams_alerts.py``) changed, so every DAG is checked again.

``--only cache`` runs the baseline and the three cache rows alone (about a
third of the time).

Wall and CPU time (user + system of the process and its workers), and peak
RSS of the main process and of its largest worker. Then, for ``--small``
repos (the first files of the big one), ``--jobs 1`` against ``--jobs 2``: where
the pool starts paying off. A byte-code cache is written by a warm-up run, as
in any writable dags folder; AIRFLOW_HOME is a temporary folder.

Each round also measures how much of a second core the machine gives this
bench right now: the same CPU-bound loop split over two forked processes,
against one process (0.50: two free cores; 1.00: no more than one). On a
shared machine the kernel's autogroup scheduling gives one session a fair
share of the CPUs however many processes it runs, so under load a pool can
only go as fast as that share; the column tells the rounds apart.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _util import PYTHON, REPO, Run, child_env, machine, median, run_timed, save
from batch import answers

BASELINE = """
import sys
dags = sys.argv[1]
sys.path.append(dags)
from airflow.dag_processing.dagbag import BundleDagBag

bag = BundleDagBag(dag_folder=dags, bundle_path=dags)
assert len(bag.dags) == int(sys.argv[2]) and not bag.import_errors, (len(bag.dags), bag.import_errors)
"""


#: ``check --jobs 2`` in a process that records the CPU time of its own and of each worker.
CRITICAL_PATH = """
import json, os, sys, time
from pathlib import Path
from createdag import checking

def timed_chunk(paths, _check=checking._worker_check):
    started = time.process_time()
    outcomes = _check(paths)
    return [(os.getpid(), time.process_time() - started)] + outcomes

checking._worker_check = timed_chunk
in_workers = checking._in_workers

def split(*args, **kwargs):
    outcomes = in_workers(*args, **kwargs)
    workers = {}
    for item in outcomes:
        if isinstance(item, tuple):
            workers[item[0]] = workers.get(item[0], 0.0) + item[1]
    return [item for item in outcomes if not isinstance(item, tuple)], workers

WORKERS = {}
def run(*a, **k):
    outcomes, workers = split(*a, **k)
    WORKERS.update(workers)
    return outcomes
checking._in_workers = run
report = checking.run_check(Path(sys.argv[1]), jobs=2)
assert len(report.files) == int(sys.argv[2]) + 1 and not report.problems
print(json.dumps({"main": time.process_time(), "workers": sorted(WORKERS.values())}))
"""


def critical_path(repo: Path, count: int) -> tuple[float, list[float]]:
    """CPU seconds of the main process (start-up, Airflow's import, listing, the first file, merging)
    and of each worker, for one ``check --jobs 2``; on two free cores, its wall time is about the
    main process's CPU plus the busiest worker's (the workers run side by side)."""
    script = SCRIPT.with_name("critical_path.py")
    script.write_text(CRITICAL_PATH, encoding="utf-8")
    env = {**ENV, "PYTHONPATH": str(REPO)}
    out = subprocess.run([PYTHON, str(script), str(repo / "dags"), str(count)], env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    data = json.loads(out)
    return data["main"], data["workers"]


def _spin(count: int) -> int:
    total = 0
    for number in range(count):
        total += number * number
    return total


def second_core(count: int = 10_000_000) -> float:
    """Wall time of ``count`` loop steps split over 2 processes / in 1: 0.5 with two free cores."""
    started = time.perf_counter()
    _spin(count)
    one = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, [count // 2, count // 2])
    return (time.perf_counter() - started) / one


def make_repo(scratch: Path, count: int) -> Path:
    entries = [{**entry, "alerts": entry["alerts"] or ["failure"]} for entry in answers(count)]
    answers_file = scratch / f"dags{count}.json"
    answers_file.write_text(json.dumps(entries), encoding="utf-8")
    repo = scratch / f"repo{count}"
    argv = [PYTHON, str(REPO / "create_dag.py"), "--no-input", "--answers", str(answers_file),
            "-o", str(repo / "dags")]  # fmt: skip
    subprocess.run(argv, env=ENV, check=True, capture_output=True)
    return repo


def baseline(repo: Path, count: int) -> Run:
    return run_timed([PYTHON, str(SCRIPT), str(repo / "dags"), str(count)], env=ENV, measure_rss=True)


def check(repo: Path, *options: str) -> Run:
    return run_timed([PYTHON, str(REPO / "create_dag.py"), "check", str(repo), *options], env=ENV, measure_rss=True)


def touch(path: Path, note: str) -> None:
    """Change a file's content, not what it does: a comment line appended."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"# {note}\n")


def cache_rounds(repo: Path, count: int, rounds: int) -> dict[str, list[Run]]:
    """Interleaved per round: the DagBag pass, then check with its cache after nothing, one DAG file and
    the shared helper changed."""
    cache = ["--cache-dir", str(repo.parent / "check-cache")]
    summary = checked_as_expected(repo, count, *cache)  # fills the cache
    assert summary["cached_files"] == 0, summary
    summary = checked_as_expected(repo, count, *cache)
    # nothing loaded (the alert module is in .airflowignore, so only the DAG files are counted)
    assert summary["cached_files"] == summary["files"] == count, summary
    dags = sorted(path for path in (repo / "dags").glob("*.py") if path.name != "teams_alerts.py")
    rows: dict[str, list[Run]] = {"baseline": [], "nothing changed": [], "one file changed": [],
                                  "helper changed": []}  # fmt: skip
    for number in range(rounds):
        rows["baseline"].append(baseline(repo, count))
        rows["nothing changed"].append(check(repo, *cache))
        touch(dags[number * 7 % len(dags)], f"round {number}")
        rows["one file changed"].append(check(repo, *cache))
        touch(repo / "dags" / "teams_alerts.py", f"round {number}")
        rows["helper changed"].append(check(repo, *cache))
        base = rows["baseline"][-1].wall
        print(f"cache round {number + 1}: baseline {base:.2f} s; " + ", ".join(
            f"{name} {runs[-1].wall:.2f} s ({runs[-1].wall / base:.3f} x)" for name, runs in rows.items()
            if name != "baseline"))  # fmt: skip
    summary = checked_as_expected(repo, count, *cache)
    assert summary["cached_files"] == count, summary
    targets = {"nothing changed": 0.05, "one file changed": 0.4, "helper changed": None}
    print(f"\n{count} DAGs, check remembering, median of {rounds}:")
    print(f"{'':18} {'wall s':>7} {'CPU s':>7} {'x baseline':>11} {'x its CPU':>10} {'target':>7}")
    for name, runs in rows.items():
        ratios = [run.wall / base.wall for run, base in zip(runs, rows["baseline"], strict=True)]
        cpu_ratios = [run.cpu / base.cpu for run, base in zip(runs, rows["baseline"], strict=True)]
        target = targets.get(name)
        print(f"{name:18} {median([r.wall for r in runs]):7.2f} {median([r.cpu for r in runs]):7.2f} "
              f"{median(ratios):11.3f} {median(cpu_ratios):10.3f} "
              f"{'<= ' + format(target, 'g') if target else '':>7}")  # fmt: skip
    return rows


def checked_as_expected(repo: Path, count: int, *options: str) -> dict:
    """One more check run, its JSON report read: every DAG loaded, no problem."""
    argv = [PYTHON, str(REPO / "create_dag.py"), "check", str(repo), "--format", "json", *options]
    report = json.loads(subprocess.run(argv, env=ENV, check=True, capture_output=True, text=True).stdout)
    assert report["summary"]["dags"] == count and report["ok"], report["summary"]
    return report["summary"]


def main() -> None:
    global ENV, SCRIPT
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dags", type=int, default=2000)
    parser.add_argument("--small", default="100,400")
    parser.add_argument("--only", choices=("all", "cache"), default="all")
    args = parser.parse_args()
    print(machine())

    scratch = Path(tempfile.mkdtemp(prefix="create_dag-bench-check-"))
    ENV = child_env(AIRFLOW_HOME=str(scratch / "airflow_home"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    SCRIPT = scratch / "dagbag_pass.py"
    SCRIPT.write_text(BASELINE, encoding="utf-8")
    repo = make_repo(scratch, args.dags)
    # warm-up: page cache, byte-code caches (the dags folder's __pycache__ too)
    baseline(repo, args.dags)
    if args.only == "cache":
        cached = cache_rounds(repo, args.dags, args.rounds)
        shutil.rmtree(scratch, ignore_errors=True)
        path = save("check-cache", {"dags": args.dags, "runs": {
            name: [(r.wall, r.cpu) for r in runs] for name, runs in cached.items()}})  # fmt: skip
        print(f"\nraw numbers: {path}")
        return
    print("check, default:", checked_as_expected(repo, args.dags, "--no-cache"))
    print("check --jobs 1:", checked_as_expected(repo, args.dags, "--no-cache", "--jobs", "1"))

    rows: dict[str, list[Run]] = {"baseline": [], "check": [], "check --jobs 1": []}
    ratios, spare = [], []
    for number in range(args.rounds):
        spare.append(second_core())
        rows["baseline"].append(baseline(repo, args.dags))
        rows["check"].append(check(repo, "--no-cache"))
        rows["check --jobs 1"].append(check(repo, "--no-cache", "--jobs", "1"))
        ratio = rows["check"][-1].wall / rows["baseline"][-1].wall
        ratios.append(ratio)
        print(f"round {number + 1}: " + ", ".join(f"{name} {runs[-1].wall:.2f} s" for name, runs in rows.items())
              + f"; check / baseline {ratio:.2f}; 2 processes / 1 on a CPU-bound loop {spare[-1]:.2f}")  # fmt: skip

    print(f"\n{args.dags} DAGs, median of {args.rounds}:")
    print(f"{'':16} {'wall s':>7} {'CPU s':>7} {'main RSS MB':>12} {'worker RSS MB':>14}")
    for name, runs in rows.items():
        print(f"{name:16} {median([r.wall for r in runs]):7.2f} {median([r.cpu for r in runs]):7.2f} "
              f"{max(r.rss_main_kb for r in runs) / 1024:12.1f} {max(r.rss_child_kb for r in runs) / 1024:14.1f}")
    print(f"check / baseline: {median(ratios):.2f} (per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          "target <= 0.70)")

    paths = [critical_path(repo, args.dags) for _ in range(args.rounds)]
    estimates = [main + max(workers) for main, workers in paths]
    base_cpu = median([r.cpu for r in rows["baseline"]])
    print(f"\nCPU on the critical path of check --jobs 2 (main process + busiest worker), median of {args.rounds}: "
          f"{median(estimates):.2f} s (main {median([m for m, _ in paths]):.2f} s, workers "
          f"{', '.join(f'{w:.2f}' for w in paths[len(paths) // 2][1])} s); baseline CPU {base_cpu:.2f} s: "
          f"{median(estimates) / base_cpu:.2f} of it, what two free cores would show")

    small = []
    for size in [int(size) for size in args.small.split(",") if size]:
        part = scratch / f"part{size}"
        (part / "dags").mkdir(parents=True)
        for path in sorted((repo / "dags").glob("*.py"))[:size]:
            shutil.copy(path, part / "dags" / path.name)
        shutil.copy(repo / "dags" / "teams_alerts.py", part / "dags" / "teams_alerts.py")
        check(part, "--no-cache", "--jobs", "1")  # warm-up: this folder's byte-code cache
        one, two = [], []
        for _ in range(args.rounds):
            one.append(check(part, "--no-cache", "--jobs", "1"))
            two.append(check(part, "--no-cache", "--jobs", "2"))
        small.append({"files": size, "jobs1": [(r.wall, r.cpu, r.rss_main_kb) for r in one],
                      "jobs2": [(r.wall, r.cpu, r.rss_main_kb, r.rss_child_kb) for r in two]})  # fmt: skip
        print(f"{size} files: --jobs 1 {median([r.wall for r in one]):.2f} s ({median([r.cpu for r in one]):.2f} s "
              f"CPU, {max(r.rss_main_kb for r in one) / 1024:.0f} MB), --jobs 2 {median([r.wall for r in two]):.2f} s "
              f"({median([r.cpu for r in two]):.2f} s CPU, worker {max(r.rss_child_kb for r in two) / 1024:.0f} MB)")

    cached = cache_rounds(repo, args.dags, args.rounds)
    shutil.rmtree(scratch, ignore_errors=True)
    path = save("check", {
        "cache": {name: [(r.wall, r.cpu) for r in runs] for name, runs in cached.items()},
        "dags": args.dags,
        "runs": {name: [(r.wall, r.cpu, r.rss_main_kb, r.rss_child_kb) for r in runs] for name, runs in rows.items()},
        "ratios": ratios,
        "second_core": spare,
        "critical_path": paths,
        "small": small,
    })  # fmt: skip
    print(f"\nraw numbers: {path}")


ENV: dict[str, str] = {}
SCRIPT = Path()

if __name__ == "__main__":
    main()
