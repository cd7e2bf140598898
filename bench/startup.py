"""Time from starting ``python create_dag.py`` to the first question on screen.

Run: ``.venv/bin/python bench/startup.py [RUNS] [--compare REV]``. Measured in a
pseudo-terminal (pexpect), as a user sees it, side by side with two floors: the
time Python takes to ``import questionary`` alone (as a whole process, and as
seen in the pseudo-terminal: until a line printed right after the import
appears, which leaves out interpreter shutdown), and a bare questionary prompt.
``--compare REV`` (e.g. ``main``) also measures a checkout of REV in the same
run. Prints medians, p90 and the ratio the issue sets a target for (at most
1.1x the import floor, issue 27, after the new prompt flow).

``--instructions`` counts instead the machine instructions each row runs until
its question is drawn (valgrind's cachegrind, one run each): the same count on
a busy machine as on an idle one, so two checkouts compare exactly wherever
they are measured.

Besides the wall clock, each row's CPU time until the question is on screen
(the process's own run time, from ``/proc/PID/schedstat`` when the question
appears; for the whole-process floor, its user + system time): on a machine
shared with other jobs the wall clock also counts the time a process waited
for a core, the CPU time does not. Numbers go in docs/performance.md; no test
asserts on them.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
BARE_PROMPT = "import questionary; questionary.text('DAG id').unsafe_ask()"
IMPORT_THEN_SAY = "import questionary; print('DAG id', flush=True); input()"
ENV = {"PATH": "/usr/bin:/bin", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
#: runs whose process did not end within 10 s of Ctrl-C (killed; not part of any timing)
STUCK: dict[str, int] = {}


def _cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has run so far (Linux), NaN where it cannot be read."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return float("nan")


def first_prompt_seconds(argv: list[str], cwd: str, name: str = "") -> tuple[float, float]:
    """Wall-clock and CPU seconds from the start of ``argv`` to "DAG id" on its screen."""
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], cwd=cwd, encoding="utf-8", dimensions=(40, 120), timeout=10, env=ENV)
    try:
        child.expect("DAG id")
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(child.pid)
        child.sendcontrol("c")
        try:
            child.expect(pexpect.EOF)
        except pexpect.TIMEOUT:
            STUCK[name] = STUCK.get(name, 0) + 1
    finally:
        child.close(force=True)
    return elapsed, cpu


def import_seconds() -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import questionary"], check=True, env=ENV)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: Runs argv[1] (a script, or Python code) as ``python`` would and ends the process as soon as
#: the first prompt is drawn: what valgrind then counts is the work until the question is on screen.
UNTIL_FIRST_DRAW = """
import os, runpy, sys
import prompt_toolkit.renderer as renderer
draw = renderer.Renderer.render
def first_draw(self, *args, **kwargs):
    draw(self, *args, **kwargs)
    os._exit(0)
renderer.Renderer.render = first_draw
target = sys.argv[1]
if target.endswith(".py"):
    sys.argv, sys.path[0] = [target], os.path.dirname(target)
    runpy.run_path(target, run_name="__main__")
else:
    exec(target)
"""


def _to_the_end(argv: list[str], cwd: str, **env: str) -> str:
    """Run ``argv`` in a pseudo-terminal to its end; what it printed."""
    child = pexpect.spawn(argv[0], argv[1:], cwd=cwd, encoding="utf-8", dimensions=(40, 120), timeout=600,
                          env={**ENV, **env})  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    return str(child.before)


def instructions(argv: list[str], cwd: str) -> int:
    """The instructions ``argv`` runs to its end, counted by valgrind."""
    with tempfile.TemporaryDirectory() as out:
        counted = Path(out, "cachegrind.out")
        printed = _to_the_end(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={counted}",
                               *argv], cwd, PYTHONHASHSEED="0")  # fmt: skip
        found = re.search(r"^summary: (\d+)", counted.read_text(), re.MULTILINE) if counted.exists() else None
        if found is None:
            raise SystemExit(f"valgrind counted nothing for {argv}: {printed[-500:]}")
        return int(found[1])


def count_instructions(scripts: dict[str, Path], cwd: str) -> None:
    """``--instructions``: each row once under valgrind, then the ratios."""
    rows = {
        "python -c 'import questionary'": [sys.executable, "-c", "import questionary"],
        "import questionary (no shutdown)": [sys.executable, "-c", UNTIL_FIRST_DRAW,
                                             "import questionary; os._exit(0)"],
        "bare questionary prompt on screen": [sys.executable, "-c", UNTIL_FIRST_DRAW, BARE_PROMPT],
        **{f"{name} first question on screen": [sys.executable, "-c", UNTIL_FIRST_DRAW, str(script)]
           for name, script in scripts.items()},
    }  # fmt: skip
    for argv in rows.values():  # warm-up: byte-code caches
        _to_the_end(argv, cwd)
    counts = {name: instructions(argv, cwd) for name, argv in rows.items()}
    print(f"instructions until the question is on screen (valgrind {_valgrind_version()}, PYTHONHASHSEED=0)")
    for name, count in counts.items():
        print(f"{name:45} {count / 1e6:8.1f} M")
    floor, bare = counts["python -c 'import questionary'"], counts["bare questionary prompt on screen"]
    first = next(iter(scripts))
    ours = counts[f"{first} first question on screen"]
    print(f"ratio to import floor (whole process): {ours / floor:.2f}")
    print(f"beyond the bare prompt:                {(ours - bare) / 1e6:.1f} M")
    for name in list(scripts)[1:]:
        other = counts[f"{name} first question on screen"]
        print(f"{first} vs {name}: {ours / other:.3f}  ({(ours - other) / 1e6:+.1f} M)")


def _valgrind_version() -> str:
    return subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False).stdout.strip()


def p90(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.9))]


@contextlib.contextmanager
def checkout_of(rev: str | None) -> Iterator[Path | None]:
    """A checkout of ``rev`` in a temporary folder, to measure it side by side with this one;
    removed afterwards, whatever happens (None without a ``rev``)."""
    if rev is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="create_dag-bench-rev-")) / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), rev], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


def main() -> None:
    """``startup.py [RUNS] [--compare REV] [--instructions]``: REV (e.g. ``main~3``) is measured
    in the same run."""
    args = sys.argv[1:]
    compare = None
    if "--compare" in args:
        at = args.index("--compare")
        compare = args[at + 1]
        del args[at : at + 2]
    cwd = tempfile.mkdtemp()
    if "--instructions" in args:
        with checkout_of(compare) as other:
            scripts = {"this checkout": REPO / "create_dag.py"}
            if other is not None:
                scripts[str(compare)] = other / "create_dag.py"
            count_instructions(scripts, cwd)
        return
    runs = int(args[0]) if args else 20
    ours = "create_dag.py first question on screen"
    rows = {
        "python -c 'import questionary'": import_seconds,
        "import questionary, seen in the pty": lambda: first_prompt_seconds(
            [sys.executable, "-c", IMPORT_THEN_SAY], cwd, "import"
        ),
        "bare questionary prompt on screen": lambda: first_prompt_seconds(
            [sys.executable, "-c", BARE_PROMPT], cwd, "bare"
        ),
        ours: lambda: first_prompt_seconds([sys.executable, str(REPO / "create_dag.py")], cwd, "this checkout"),
    }
    with checkout_of(compare) as other:
        if other is not None:
            rows[f"{compare} first question on screen"] = lambda: first_prompt_seconds(
                [sys.executable, str(other / "create_dag.py")], cwd, str(compare)
            )
        load_before = os.getloadavg()[0]
        for measure in rows.values():  # warm-up: page cache, byte-code caches
            measure()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
        for _ in range(runs):  # interleaved, so machine noise hits all alike
            for name, measure in rows.items():
                samples[name].append(measure())
    print(f"runs: {runs}, load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    wall = {name: [w for w, _ in values] for name, values in samples.items()}
    cpu = {name: [c for _, c in values] for name, values in samples.items()}
    for name in rows:
        print(f"{name:40} median {statistics.median(wall[name]) * 1000:6.1f} ms   p90 {p90(wall[name]) * 1000:6.1f} ms"
              f"   CPU median {statistics.median(cpu[name]) * 1000:6.1f} ms")  # fmt: skip
    floors = ("python -c 'import questionary'", "import questionary, seen in the pty",
              "bare questionary prompt on screen")  # fmt: skip
    for label, values in (("", wall), ("CPU ", cpu)):
        t, i, s, b = (statistics.median(values[name]) for name in (ours, *floors))
        target = "" if label else "  (target <= 1.10)"
        print(f"{label}ratio to import floor (whole process): {t / i:.2f}{target}")
        print(f"{label}ratio to import floor (seen in pty):   {t / s:.2f}")
        print(f"{label}ratio to bare prompt:                  {t / b:.2f}")
        if compare is not None:
            print(f"{label}this checkout vs {compare}:            {t / statistics.median(values[list(rows)[-1]]):.2f}")
    for name, count in STUCK.items():
        print(f"warning: {count} run(s) of {name} did not end within 10 s of Ctrl-C (killed)")


if __name__ == "__main__":
    main()
