"""Faults and signals: a message and an exit code, never a traceback, and a consistent dags folder.

Real subprocesses and a real file system: SIGINT and SIGTERM sent at each
phase of a large batch, a small tmpfs that fills up, a read-only mount, a
folder the user may not write, a name too long, a reader that leaves the pipe.
After every one of them, each DAG file on disk has its record, no staging or
temporary file is left, and the message says what is on disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO, catches_sigterm

CLI = [sys.executable, str(REPO / "create_dag.py")]
BASE = {"image": "ghcr.io/acme/x:1.0.0", "owner": "data-team", "start_date": "2026-01-01"}


def batch_file(folder: Path, count: int) -> Path:
    path = folder / "answers.json"
    path.write_text(json.dumps([{**BASE, "dag_id": f"dag_{n:04d}"} for n in range(count)]), encoding="utf-8")
    return path


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "CREATE_DAG_JOBS": "1", **extra}


def assert_consistent(dags: Path) -> list[str]:
    """Every DAG file has its record (and the reverse), nothing staged or temporary is left."""
    if not dags.exists():
        return []
    names = sorted(p.stem for p in dags.glob("dag_*.py"))
    recorded = sorted(p.stem for p in (dags / ".create_dag").glob("*.json"))
    assert names == recorded, (names[:5], recorded[:5])
    leftovers = [p.name for p in dags.rglob("*") if ".staged" in p.name or p.name.endswith(".tmp")]
    leftovers += [p.name for p in dags.glob(".create_dag-staging-*")]
    assert leftovers == []
    return names


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def staging_exists(dags: Path) -> bool:
    return dags.is_dir() and any(dags.glob(".create_dag-staging-*/*.staged"))


def first_dag_exists(dags: Path) -> bool:
    return dags.is_dir() and any(dags.glob("dag_*.py"))


PHASES = {
    # before anything is on disk: validating, importing
    "start": lambda dags: True,
    # rendering: files staged, none under its name yet
    "rendering": staging_exists,
    # the files take their names (signals held back: the run completes, then ends)
    "committing": first_dag_exists,
}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_signal_at_each_phase_of_a_batch(tmp_path: Path, sig: signal.Signals, phase: str) -> None:
    answers = batch_file(tmp_path, 600)
    dags = tmp_path / "dags"
    child = subprocess.Popen([*CLI, "--answers", str(answers), "-o", str(dags)], cwd=tmp_path, env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    if phase == "start":  # as soon as the CLI handles signals, before anything is on disk
        wait_for(lambda: catches_sigterm(child.pid) or child.poll() is not None)
    else:
        wait_for(lambda: PHASES[phase](dags) or child.poll() is not None)
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=120)
    no_traceback(stderr)
    written = assert_consistent(dags)
    if child.returncode == 0:  # finished before the signal landed (a fast machine): all there
        assert len(written) == 600
        return
    assert child.returncode == (130 if sig == signal.SIGINT else 143), stderr
    if written:
        assert len(written) == 600, "a batch is all or nothing"
        assert "interrupted after all 600 DAG file(s) were written, each with its record" in stderr
    else:
        assert "nothing was written" in stderr
        assert not dags.exists() or not any(dags.iterdir()), sorted(p.name for p in dags.iterdir())


def test_staging_left_by_a_killed_run_is_cleaned_by_the_next(tmp_path: Path) -> None:
    answers = batch_file(tmp_path, 400)
    dags = tmp_path / "dags"
    child = subprocess.Popen([*CLI, "--answers", str(answers), "-o", str(dags)], cwd=tmp_path, env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    wait_for(lambda: staging_exists(dags) or child.poll() is not None)
    child.kill()  # SIGKILL: no clean-up can run
    child.communicate(timeout=60)
    left = list(dags.glob(".create_dag-staging-*"))
    if not left:
        pytest.skip("the run finished before SIGKILL landed")
    one = tmp_path / "one.json"
    one.write_text(json.dumps({**BASE, "dag_id": "after_kill"}), encoding="utf-8")
    done = subprocess.run([*CLI, "--answers", str(one), "-o", str(dags)], cwd=tmp_path, env=env(),
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"removed {left[0]}, left by an interrupted run" in done.stderr
    assert not list(dags.glob(".create_dag-staging-*"))
    assert (dags / "after_kill.py").is_file() and (dags / ".create_dag" / "after_kill.json").is_file()


# --- the file system says no ---------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: a batch of DAGs does not fit."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("cannot mount a tmpfs here (needs root and mount)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_writes_nothing_and_says_so(tmp_path: Path, small_disk: Path) -> None:
    answers = batch_file(tmp_path, 200)
    dags = small_disk / "dags"
    done = subprocess.run([*CLI, "--answers", str(answers), "-o", str(dags)], cwd=tmp_path, env=env(),
                          capture_output=True, text=True)  # fmt: skip
    no_traceback(done.stderr)
    assert done.returncode == 1, done.stderr
    assert "No space left on device" in done.stderr and "free some space" in done.stderr
    assert "nothing was written" in done.stderr
    assert assert_consistent(dags) == []
    assert not dags.exists() or list(dags.iterdir()) == []


def test_read_only_folder(tmp_path: Path, small_disk: Path) -> None:
    (small_disk / "dags").mkdir()
    if subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True).returncode != 0:
        pytest.skip("cannot remount read-only here")
    done = subprocess.run([*CLI, "--no-input", *sets(dag_id="ro_dag"), "-o", str(small_disk / "dags")],
                          cwd=tmp_path, env=env(), capture_output=True, text=True)  # fmt: skip
    no_traceback(done.stderr)
    assert done.returncode == 1, done.stderr
    assert "Read-only file system" in done.stderr and "write to another folder with -o" in done.stderr
    assert str(small_disk / "dags") in done.stderr


def sets(**answers: str) -> list[str]:
    return [arg for key, value in {**BASE, **answers}.items() for arg in ("--set", f"{key}={value}")]


def test_permission_denied(tmp_path: Path) -> None:
    """A folder the user may not write (root ignores file modes, so the CLI runs without the
    capability that lets root write anywhere)."""
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*drop, *CLI, "--no-input", *sets(dag_id="denied"), "-o", str(locked / "dags")],
                          cwd=tmp_path, env=env(), capture_output=True, text=True)  # fmt: skip
    no_traceback(done.stderr)
    assert done.returncode == 1, done.stderr
    assert "Permission denied" in done.stderr and "check who owns the folder" in done.stderr
    assert str(locked / "dags") in done.stderr
    assert list(locked.iterdir()) == []


def test_name_too_long(tmp_path: Path) -> None:
    folder = tmp_path / ("x" * 300)
    done = subprocess.run([*CLI, "--no-input", *sets(dag_id="long_folder"), "-o", str(folder)], cwd=tmp_path,
                          env=env(), capture_output=True, text=True)  # fmt: skip
    no_traceback(done.stderr)
    assert done.returncode == 1, done.stderr
    assert "File name too long" in done.stderr and "use a shorter" in done.stderr


def test_traceback_on_request(tmp_path: Path) -> None:
    folder = tmp_path / ("x" * 300)
    done = subprocess.run([*CLI, "--no-input", *sets(dag_id="long_folder"), "-o", str(folder)], cwd=tmp_path,
                          env=env(CREATE_DAG_TRACEBACK="1"), capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "Traceback" in done.stderr and "File name too long" in done.stderr


@pytest.mark.parametrize("args", [["--example", "list"], ["--dry-run", "--no-input", "--set", "dag_id=piped",
                                  "--set", "image=ghcr.io/acme/x:1.0.0", "--set", "owner=me"]])  # fmt: skip
def test_broken_pipe(tmp_path: Path, args: list[str]) -> None:
    """``create_dag.py ... | head -1``: the reader leaves; no traceback, no error."""
    done = subprocess.run(f"{sys.executable} {REPO / 'create_dag.py'} {' '.join(args)} | head -1", shell=True,
                          cwd=tmp_path, env=env(), capture_output=True, text=True)  # fmt: skip
    no_traceback(done.stderr)
    assert done.stderr.strip() == "" and len(done.stdout.splitlines()) == 1
