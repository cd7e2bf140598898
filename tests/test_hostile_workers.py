"""No forked batch worker outlives its parent, whenever SIGTERM comes.

A batch is rendered by a pool of forked workers (``generate.iter_sources``).
Each run here is a real ``create_dag.py`` batch in its own session (process
group), whose stdout and stderr are pipes, as a CI step's are. SIGTERM is sent
at each point of the pool's start-up (after 0, 1, 2 and 3 workers were
forked, exactly, by wrapping ``Process.start``), and at a sweep of moments
while two busy processes load the machine; then the run must end with 143,
its pipes must close (no worker holds them), and no process of its group may
remain. A parent killed with SIGKILL takes its workers with it too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import catches_sigterm

REPO = Path(__file__).resolve().parent.parent
JOBS = 3
#: a run whose pipes are not closed by then has a worker left holding them
PIPES_CLOSE_WITHIN = 60


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    entries = [{"dag_id": f"batch_{n}", "image": "busybox:1.36", "start_date": "2026-01-01"} for n in range(60)]
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")
    return path


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def run_and_check(argv: list[str], cwd: Path, signal_after: float | None = None) -> int:
    """Start ``argv`` in its own group with piped output, optionally SIGTERM it after a while; wait for
    its pipes to close; assert that nothing of its group is left. Returns its exit code."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CREATE_DAG_JOBS": str(JOBS)}
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    try:
        if signal_after is not None:  # counted from when the CLI handles SIGTERM (Python may start slowly)
            while not catches_sigterm(process.pid) and process.poll() is None:
                time.sleep(0.01)
            time.sleep(signal_after)
            process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=PIPES_CLOSE_WITHIN)  # returns once every holder of the pipes is gone
        deadline = time.monotonic() + 10
        while group_alive(process.pid) and time.monotonic() < deadline:  # a worker may be exiting right now
            time.sleep(0.05)
        assert not group_alive(process.pid), "a worker outlived its parent"
        assert b"Traceback" not in err, err.decode()
        return process.returncode
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


SIGNAL_AT_START = textwrap.dedent("""
    import os, signal, sys
    from multiprocessing import process
    AFTER = int(sys.argv[1])
    started = [0]
    real_start = process.BaseProcess.start
    def start(self):
        if started[0] == AFTER:
            os.kill(os.getpid(), signal.SIGTERM)
        real_start(self)
        started[0] += 1
        if started[0] == AFTER == {jobs}:
            os.kill(os.getpid(), signal.SIGTERM)
    process.BaseProcess.start = start
    from createdag.cli import main
    sys.exit(main(sys.argv[2:]))
""").replace("{jobs}", str(JOBS))


@pytest.mark.parametrize("after", range(JOBS + 1))
def test_sigterm_at_each_point_of_pool_start_up_leaves_no_worker(tmp_path: Path, batch: Path, after: int) -> None:
    argv = [sys.executable, "-c", SIGNAL_AT_START, str(after), "--no-input", "--answers", str(batch), "-o", "dags"]
    assert run_and_check(argv, tmp_path) == 143
    assert not list((tmp_path / "dags").glob("batch_*.py")) if (tmp_path / "dags").exists() else True


@pytest.fixture
def loaded() -> Iterator[None]:
    """Two busy processes beside the test, as on a shared 2-core CI machine."""
    busy = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(2)]
    yield
    for process in busy:
        process.kill()
        process.wait()


def test_sigterm_at_a_sweep_of_moments_on_a_loaded_machine_leaves_no_worker(
    tmp_path: Path, batch: Path, loaded: None
) -> None:
    argv = [sys.executable, str(REPO / "create_dag.py"), "--no-input", "--answers", str(batch), "-o", "dags",
            "--force"]  # fmt: skip
    codes = [run_and_check(argv, tmp_path, signal_after=0.1 * step) for step in range(0, 26, 2)]
    assert set(codes) <= {0, 143}, codes  # done before the signal, or terminated: never hung, never a crash


def test_a_parent_killed_outright_takes_its_workers_with_it(tmp_path: Path, batch: Path) -> None:
    script = textwrap.dedent("""
        import os, signal, sys
        from createdag import generate
        real = generate._worker_render
        def render_then_die(answers):  # the first DAG rendered: every worker is up, the parent is killed
            os.kill(os.getppid(), signal.SIGKILL)
            return real(answers)
        generate._worker_render = render_then_die
        from createdag.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    argv = [sys.executable, "-c", script, "--no-input", "--answers", str(batch), "-o", "dags"]
    assert run_and_check(argv, tmp_path) == -signal.SIGKILL
