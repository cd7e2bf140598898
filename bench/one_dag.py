"""One DAG with ``--no-input``, the whole process: start Python, validate, render, black, ast, write.

Run: ``.venv/bin/python bench/one_dag.py [RUNS]`` (default 30). Each run
writes a new DAG into a fresh folder (so nothing is refused), as a user or
CI job does. Interleaved with two floors, so machine noise hits all alike:
``python -c pass`` (the interpreter alone) and ``python -c 'import black'``
(the one heavy import a formatted file needs). Prints medians and p90, wall
and CPU (user + system). Target: under 0.5 s wall.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _util import PYTHON, REPO, machine, median, p90, run_timed, save

IMAGE = "ghcr.io/acme/sales:1.2.0"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(machine())
    scratch = Path(tempfile.mkdtemp(prefix="create_dag-bench-one-"))
    cases = {
        "python -c pass": lambda n: [PYTHON, "-c", "pass"],
        "python -c 'import black'": lambda n: [PYTHON, "-c", "import black"],
        "create_dag --no-input (write)": lambda n: [
            PYTHON, str(REPO / "create_dag.py"), "--no-input", "--set", f"dag_id=sales_{n}",
            "--set", f"image={IMAGE}", "-o", str(scratch / f"out{n}"),
        ],
        "create_dag --no-input --dry-run": lambda n: [
            PYTHON, str(REPO / "create_dag.py"), "--no-input", "--dry-run", "--set", f"dag_id=sales_{n}",
            "--set", f"image={IMAGE}",
        ],
    }  # fmt: skip
    for argv in cases.values():  # warm-up: page cache, byte-code caches
        run_timed(argv(-1), cwd=scratch)
    results: dict[str, list] = {name: [] for name in cases}
    for number in range(runs):
        for name, argv in cases.items():
            results[name].append(run_timed(argv(number), cwd=scratch))
    shutil.rmtree(scratch, ignore_errors=True)

    print(f"runs: {runs}, interleaved\n")
    print(f"{'':34} {'wall median':>12} {'wall p90':>9} {'CPU median':>11}")
    for name, samples in results.items():
        walls = [r.wall for r in samples]
        cpus = [r.cpu for r in samples]
        print(f"{name:34} {median(walls) * 1000:9.0f} ms {p90(walls) * 1000:6.0f} ms {median(cpus) * 1000:8.0f} ms")
    one = median([r.wall for r in results["create_dag --no-input (write)"]])
    print(f"\none DAG, whole process: {one:.3f} s wall (target < 0.5 s)")
    save("one_dag", {name: [(r.wall, r.cpu) for r in samples] for name, samples in results.items()})


if __name__ == "__main__":
    main()
