"""Many DAGs from one answers file, against the ``cookiecutter`` command run once per DAG.

Run: ``.venv/bin/python bench/batch.py [--rounds 3] [--cookiecutter-runs 60] [--sizes 100,1000,5000] [--tasks 5]``.

Each DAG is a pipeline of ``--tasks`` pod tasks (default 5: ``extract >> [a, b] >> c >> load``
and the like, each its own image and command); ``--tasks 1`` is the one-task DAG of before.

Side by side, in one run, interleaved round by round:

* baseline: ``cookiecutter --no-input dag_template -o OUT dag_id=... image=...``
  once per DAG, each in its own process, as a team would script it. Run for
  ``--cookiecutter-runs`` DAGs (default 60, spread over the rounds) and
  extrapolated to 1,000 as 1,000 x the mean per-DAG time: a process per DAG
  costs the same for the 1st and the 1,000th. It does less than create_dag:
  no validation, no black, no syntax check.
* ``create_dag.py --no-input --answers dags.json`` for 1,000 DAGs in one process.

Then scaling: 100, 1,000 and 5,000 DAGs (``--sizes``), wall and CPU time,
and peak RSS of the main process and of its largest worker (batches of
``generate.POOL_MIN`` DAGs or more are rendered by one forked worker per
CPU; ``CREATE_DAG_JOBS=1`` turns that off, shown as the "1 process" rows).
Memory is flat when the peak RSS does not grow with the count.

The answers vary the way a migration's do: schedules, images, tags, alerts,
secrets, resources, shards. Output goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from pathlib import Path

from _util import PYTHON, REPO, child_env, machine, median, run_timed, save

COOKIECUTTER = str(Path(PYTHON).with_name("cookiecutter"))


def answers(count: int, tasks: int = 1) -> list[dict]:
    entries = _one_task_answers(count)
    if tasks == 1:
        return entries
    for number, entry in enumerate(entries):
        task_keys = ("image", "cmds", "arguments", "secrets", "shards", "cpu_request", "memory_request", "memory_limit")
        first = {key: entry.pop(key) for key in task_keys if key in entry}
        steps = [{"task_id": "extract", **first}]
        for step in range(1, tasks):
            after = ["extract"] if step <= 2 else [steps[-1]["task_id"]] if step > 3 else ["step1", "step2"]
            steps.append({
                "task_id": f"step{step}" if step < tasks - 1 else "load",
                "image": f"ghcr.io/acme/step{(number + step) % 53}:2.{step}.0",
                "cmds": ["python", "-m", f"jobs.step{step}"], "arguments": ["--date", "{{ ds }}"],
                "after": after,
            })  # fmt: skip
        entry["tasks"] = steps
    return entries


def _one_task_answers(count: int) -> list[dict]:
    rng = random.Random(count)
    entries = []
    for number in range(count):
        entry = {
            "dag_id": f"team{number % 17}_job_{number:05d}",
            "image": f"ghcr.io/acme/job{number % 97}:1.{number % 13}.{number % 7}",
            "owner": f"team{number % 17}",
            "start_date": "2026-01-01",
            "schedule": f"{number % 60} {number % 24} * * *",
            "tags": ["migrated", f"team{number % 17}"],
            "description": f"Job {number} moved from the old scheduler",
            "alerts": rng.choice([["failure"], ["failure", "retry"], []]),
        }
        if number % 5 == 0:
            entry["secrets"] = [f"DB_PASSWORD=team{number % 17}-db:password"]
        if number % 7 == 0:
            entry.update(cpu_request="250m", memory_request="512Mi", memory_limit="1Gi")
        if number % 11 == 0:
            entry["shards"] = 4
        if number % 3 == 0:
            entry["cmds"] = ["python", "-m", f"jobs.job{number}"]
            entry["arguments"] = ["--date", "{{ ds }}"]
        entries.append(entry)
    return entries


def cookiecutter_argv(entry: dict, out: Path) -> list[str]:
    """The same answers as cookiecutter's command line takes them: key=value text, lists as JSON.

    The command renders every value with Jinja first, so ``{{ ds }}`` must be
    escaped for it (create_dag passes answers as data and needs no escaping).
    """
    argv = [COOKIECUTTER, "--no-input", str(REPO / "dag_template"), "-o", str(out)]
    for key, value in entry.items():
        if key == "secrets":
            value = _secret_dicts(value)
        if key == "tasks":
            value = [{**task, "secrets": _secret_dicts(task["secrets"])} if "secrets" in task else task for task in value]
        text = json.dumps(value) if isinstance(value, list) else str(value)
        argv.append(f"{key}={text.replace('{{ ds }}', '{% raw %}{{ ds }}{% endraw %}')}")
    return argv


def _secret_dicts(value: list[str]) -> list[dict[str, str]]:
    env, _, rest = value[0].partition("=")
    secret, _, secret_key = rest.partition(":")
    return [{"env": env, "secret": secret, "key": secret_key}]


def create_dag(answers_file: Path, out: Path, jobs: str | None = None):
    """One create_dag run over ``answers_file`` (dags<N>.json / .yaml) into ``out``, checked and removed."""
    env = child_env(**({"CREATE_DAG_JOBS": jobs} if jobs else {}))
    argv = [PYTHON, str(REPO / "create_dag.py"), "--no-input", "--answers", str(answers_file), "-o", str(out)]
    result = run_timed(argv, env=env, measure_rss=True)
    written = sum(1 for _ in out.glob("*.py")) - (1 if (out / "teams_alerts.py").exists() else 0)
    expected = int(answers_file.stem.removeprefix("dags"))
    assert written == expected, f"{written} files written, {expected} expected"
    shutil.rmtree(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cookiecutter-runs", type=int, default=60)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--tasks", type=int, default=5, help="pod tasks per DAG")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(machine())

    scratch = Path(tempfile.mkdtemp(prefix="create_dag-bench-batch-"))
    files = {}
    for size in sorted({1000, *sizes}):
        files[size] = scratch / f"dags{size}.json"
        files[size].write_text(json.dumps(answers(size, args.tasks)), encoding="utf-8")
    baseline_entries = answers(args.cookiecutter_runs, args.tasks)
    print(f"{args.tasks} pod task(s) per DAG")

    # warm-up: page cache, byte-code caches
    run_timed(cookiecutter_argv(baseline_entries[0], scratch / "warm"))
    create_dag(files[100] if 100 in files else files[1000], scratch / "warm-cd")

    # --- 1. side by side: cookiecutter per DAG vs one create_dag run for 1,000 --------------
    per_round = max(1, args.cookiecutter_runs // args.rounds)
    cookie_runs, batch_runs, round_ratios = [], [], []
    for round_number in range(args.rounds):
        chunk = baseline_entries[round_number * per_round:(round_number + 1) * per_round]
        out = scratch / f"cookiecutter{round_number}"
        samples = [run_timed(cookiecutter_argv(entry, out)) for entry in chunk]
        shutil.rmtree(out)
        batch = create_dag(files[1000], scratch / "cd")
        cookie_runs += samples
        batch_runs.append(batch)
        round_ratios.append(1000 * sum(s.wall for s in samples) / len(samples) / batch.wall)
        print(f"round {round_number + 1}: cookiecutter {1000 * median([s.wall for s in samples]):.0f} ms/DAG "
              f"(median of {len(samples)}), create_dag 1,000 DAGs {batch.wall:.2f} s")  # fmt: skip
    cookie_mean = sum(s.wall for s in cookie_runs) / len(cookie_runs)
    cookie_cpu = sum(s.cpu for s in cookie_runs) / len(cookie_runs)
    batch_wall = median([b.wall for b in batch_runs])
    batch_cpu = median([b.cpu for b in batch_runs])
    print(f"\ncookiecutter command, one process per DAG: {cookie_mean * 1000:.0f} ms/DAG wall (mean of "
          f"{len(cookie_runs)}; median {median([s.wall for s in cookie_runs]) * 1000:.0f} ms), "
          f"{cookie_cpu * 1000:.0f} ms CPU")
    print(f"  extrapolated to 1,000 DAGs: {cookie_mean * 1000:.0f} s wall, {cookie_cpu * 1000:.0f} s CPU")
    print(f"create_dag, 1,000 DAGs in one run: {batch_wall:.2f} s wall, {batch_cpu:.2f} s CPU "
          f"(median of {len(batch_runs)})")
    print(f"speed-up: {cookie_mean * 1000 / batch_wall:.1f}x wall (per-round: "
          f"{', '.join(f'{r:.1f}' for r in round_ratios)}), {cookie_cpu * 1000 / batch_cpu:.1f}x CPU (target >= 20x)")

    # --- 2. scaling and memory ------------------------------------------------------------------
    print(f"\n{'DAGs':>6} {'processes':>10} {'wall s':>8} {'ms/DAG':>7} {'CPU s':>7} {'main RSS MB':>12} "
          f"{'worker RSS MB':>14}")  # fmt: skip
    scaling = []
    for size in sizes:
        for jobs in (None, "1"):
            repeats = 1 if size >= 5000 else args.rounds
            runs = [create_dag(files[size], scratch / "cd", jobs) for _ in range(repeats)]
            wall = median([r.wall for r in runs])
            row = {
                "dags": size, "jobs": jobs or "auto", "wall": wall, "cpu": median([r.cpu for r in runs]),
                "rss_main_mb": max(r.rss_main_kb for r in runs) / 1024,
                "rss_worker_mb": max(r.rss_child_kb for r in runs) / 1024, "repeats": repeats,
            }  # fmt: skip
            scaling.append(row)
            workers = "1 process" if jobs else "pool"
            print(f"{size:6} {workers:>10} {wall:8.2f} {wall / size * 1000:7.2f} {row['cpu']:7.2f} "
                  f"{row['rss_main_mb']:12.1f} {row['rss_worker_mb']:14.1f}")  # fmt: skip
    import yaml

    yaml_file = scratch / "dags1000.yaml"
    yaml_file.write_text(yaml.safe_dump(answers(1000, args.tasks), sort_keys=False), encoding="utf-8")
    yaml_runs = [create_dag(yaml_file, scratch / "cd") for _ in range(args.rounds)]
    yaml_wall = median([r.wall for r in yaml_runs])
    print(f"  1000 DAGs from a YAML answers file instead of JSON: {yaml_wall:.2f} s wall, "
          f"{median([r.cpu for r in yaml_runs]):.2f} s CPU (the difference is the YAML parser)")
    shutil.rmtree(scratch, ignore_errors=True)
    path = save("batch", {
        "yaml_1000": [(r.wall, r.cpu) for r in yaml_runs],
        "cookiecutter_per_dag": [(s.wall, s.cpu) for s in cookie_runs],
        "create_dag_1000": [(b.wall, b.cpu, b.rss_main_kb, b.rss_child_kb) for b in batch_runs],
        "scaling": scaling,
    })  # fmt: skip
    print(f"\nraw numbers: {path}")


if __name__ == "__main__":
    main()
