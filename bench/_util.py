"""Shared by the bench scripts: run a command, measure it, summarize samples.

Every child runs with a clean, fixed environment: a temporary HOME (so
cookiecutter's config and replay folders are private), and byte-code caching
on, as in any normal installation (PYTHONDONTWRITEBYTECODE is dropped: with
it, every run would compile create_dag's modules from source again).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOME = Path(tempfile.mkdtemp(prefix="create_dag-bench-home-"))

#: Runs the script given as argv[1] as __main__ and, at exit, writes the peak
#: RSS of this process and of its largest child (a pool worker) to a pipe.
_RSS_WRAPPER = """
import atexit, os, resource, runpy, sys
def _report():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    os.write(int(os.environ["BENCH_RSS_FD"]), f"{own} {kids}".encode())
atexit.register(_report)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CREATE_DAG_JOBS")}
    env.update(HOME=str(HOME), **extra)
    return env


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and all its children
    rss_main_kb: int = 0  # peak RSS of the process itself (with measure_rss)
    rss_child_kb: int = 0  # peak RSS of its largest child process, 0 if none


def run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        measure_rss: bool = False) -> Run:  # fmt: skip
    """Run ``argv`` to completion and time it; fail loudly if it fails.

    With ``measure_rss`` (Python scripts only), the script runs under a tiny
    wrapper (runpy) that reports its peak RSS and its largest child's.
    """
    env = dict(env or child_env())
    read_end = write_end = None
    if measure_rss:
        assert argv[0] == PYTHON, "RSS is measured for Python scripts only"
        read_end, write_end = os.pipe()
        env["BENCH_RSS_FD"] = str(write_end)
        argv = [PYTHON, "-c", _RSS_WRAPPER, *argv[1:]]
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               pass_fds=(write_end,) if write_end is not None else ())  # fmt: skip
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    if write_end is not None:
        os.close(write_end)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv[:6]))} ... failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    result = Run(wall=wall, cpu=0.0)
    if read_end is not None:
        with os.fdopen(read_end, "rb") as handle:
            own, kids = handle.read().split()
        result.rss_main_kb, result.rss_child_kb = int(own), int(kids)
    return result


def run_timed(argv: list[str], **kwargs) -> Run:
    """``run`` plus the CPU time (user + system) the process tree used."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run(argv, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"python {platform.python_version()}, {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
            f"{platform.system()} {platform.release()}, load average {load:.2f} at start")  # fmt: skip


def save(name: str, data: dict) -> Path:
    """Raw numbers as JSON beside the printout, for docs/performance.md."""
    out = Path(os.environ.get("BENCH_OUT", tempfile.gettempdir())) / f"create_dag-bench-{name}.json"
    out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return out
