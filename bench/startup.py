"""Time from starting ``python create_dag.py`` to the first question on screen.

Run: ``.venv/bin/python bench/startup.py [RUNS]``. Measured in a pseudo-terminal
(pexpect), as a user sees it, side by side with two floors: the time Python
takes to ``import questionary`` alone, and a bare questionary prompt. Prints
medians and the ratio the issue sets a target for (at most 1.3x the import
floor). Numbers go in docs/performance.md; no test asserts on them.
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
    subprocess.run([sys.executable, "-c", "import questionary"], check=True)
    return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cwd = tempfile.mkdtemp()
    tool, bare, imports = [], [], []
    for _ in range(runs):  # interleaved, so machine noise hits all three alike
        tool.append(first_prompt_seconds([sys.executable, str(REPO / "create_dag.py")], cwd))
        bare.append(first_prompt_seconds([sys.executable, "-c", BARE_PROMPT], cwd))
        imports.append(import_seconds())
    t, b, i = (statistics.median(x) for x in (tool, bare, imports))
    print(f"runs: {runs}")
    print(f"python -c 'import questionary'        median {i * 1000:6.1f} ms")
    print(f"bare questionary prompt on screen     median {b * 1000:6.1f} ms")
    print(f"create_dag.py first question on screen median {t * 1000:6.1f} ms")
    print(f"ratio to import floor: {t / i:.2f}  (target <= 1.30)")
    print(f"ratio to bare prompt:  {t / b:.2f}")


if __name__ == "__main__":
    main()
