"""Time from starting ``python create_dag.py`` to the first question on screen.

Run: ``.venv/bin/python bench/startup.py [RUNS]``. Measured in a pseudo-terminal
(pexpect), as a user sees it, side by side with two floors: the time Python
takes to ``import questionary`` alone (as a whole process, and as seen in the
pseudo-terminal: until a line printed right after the import appears, which
leaves out interpreter shutdown), and a bare questionary prompt. Prints
medians, p90 and the ratio the issue sets a target for (at most 1.1x the
import floor, issue 27, after the new prompt flow). Numbers go in
docs/performance.md; no test asserts on them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
BARE_PROMPT = "import questionary; questionary.text('DAG id').unsafe_ask()"
IMPORT_THEN_SAY = "import questionary; print('DAG id', flush=True); input()"


def first_prompt_seconds(argv: list[str], cwd: str) -> float:
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], cwd=cwd, encoding="utf-8", dimensions=(40, 120), timeout=10,
                          env={"PATH": "/usr/bin:/bin", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    child.expect("DAG id")
    elapsed = time.perf_counter() - started
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import questionary"], check=True,
                   env={"PATH": "/usr/bin:/bin", "TERM": "xterm"})  # fmt: skip
    return time.perf_counter() - started


def p90(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.9))]


def worktree_of(rev: str) -> Path:
    """A checkout of ``rev`` in a temporary folder, to measure it side by side with this one."""
    folder = Path(tempfile.mkdtemp(prefix="create_dag-bench-rev-")) / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), rev], check=True)
    return folder


def main() -> None:
    """``startup.py [RUNS] [--compare REV]``: REV (e.g. ``main~3``) is measured in the same run."""
    args = sys.argv[1:]
    compare = None
    if "--compare" in args:
        at = args.index("--compare")
        compare = args[at + 1]
        del args[at : at + 2]
    runs = int(args[0]) if args else 20
    cwd = tempfile.mkdtemp()
    rows = {
        "python -c 'import questionary'": import_seconds,
        "import questionary, seen in the pty": lambda: first_prompt_seconds([sys.executable, "-c", IMPORT_THEN_SAY], cwd),
        "bare questionary prompt on screen": lambda: first_prompt_seconds([sys.executable, "-c", BARE_PROMPT], cwd),
        "create_dag.py first question on screen": lambda: first_prompt_seconds(
            [sys.executable, str(REPO / "create_dag.py")], cwd
        ),
    }
    if compare is not None:
        other = worktree_of(compare)
        rows[f"{compare} first question on screen"] = lambda: first_prompt_seconds(
            [sys.executable, str(other / "create_dag.py")], cwd
        )
    for measure in rows.values():  # warm-up: page cache, byte-code caches
        measure()
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(runs):  # interleaved, so machine noise hits all alike
        for name, measure in rows.items():
            samples[name].append(measure())
    print(f"runs: {runs}")
    for name, values in samples.items():
        print(f"{name:40} median {statistics.median(values) * 1000:6.1f} ms   p90 {p90(values) * 1000:6.1f} ms")
    t, i, s, b = (statistics.median(samples[name]) for name in (
        "create_dag.py first question on screen", "python -c 'import questionary'",
        "import questionary, seen in the pty", "bare questionary prompt on screen"))  # fmt: skip
    print(f"ratio to import floor (whole process): {t / i:.2f}  (target <= 1.10)")
    print(f"ratio to import floor (seen in pty):   {t / s:.2f}")
    print(f"ratio to bare prompt:                  {t / b:.2f}")
    if compare is not None:
        before = statistics.median(samples[f"{compare} first question on screen"])
        print(f"this checkout vs {compare}:            {t / before:.2f}")
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)], check=False)


if __name__ == "__main__":
    main()
