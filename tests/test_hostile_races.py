"""Runs at the same moment in one dags folder, and a symlink to nothing where the alert module goes.

Real ``create_dag.py`` processes, started together: runs in one folder take turns
from staging to commit (``create.folder_lock``), so two ``--force`` runs of one
dag_id always leave the DAG file and the record of the same run, and runs of
different dag_ids never trip over each other installing ``teams_alerts.py``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
BASE = ["--no-input", "--set", "start_date=2026-01-01"]
#: processes started at once per round, and rounds
RUNNERS = 6
ROUNDS = 4


def start(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CREATE_DAG_JOBS": "1"}
    return subprocess.Popen([sys.executable, str(REPO / "create_dag.py"), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    _, err = process.communicate(timeout=300)
    return process.returncode, err.decode()


def test_forced_runs_of_one_dag_id_leave_the_file_and_record_of_the_same_run(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    for round_ in range(ROUNDS):
        runs = [
            start(*BASE, "--force", "-o", str(dags), "--set", "dag_id=contested",
                  "--set", f"image=ghcr.io/acme/run{round_}x{number}:1.0", cwd=tmp_path)
            for number in range(RUNNERS)
        ]  # fmt: skip
        for run in runs:
            code, err = finish(run)
            assert code == 0, err
        record = json.loads((dags / ".create_dag" / "contested.json").read_text(encoding="utf-8"))
        written = (dags / "contested.py").read_text(encoding="utf-8")
        assert record["pristine"] == written, f"round {round_}: the file of one run, the record of another"
        assert f"ghcr.io/acme/run{round_}x" in written
        assert [p.name for p in dags.iterdir() if p.name.startswith(".create_dag-")] == []  # no staging left


def test_runs_of_different_dag_ids_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        dags = tmp_path / f"dags{round_}"  # a fresh folder: every run wants to install teams_alerts.py
        runs = [
            start(*BASE, "-o", str(dags), "--set", f"dag_id=dag_{number}", "--set", "image=busybox:1.36",
                  cwd=tmp_path)
            for number in range(RUNNERS)
        ]  # fmt: skip
        for run in runs:
            code, err = finish(run)
            assert code == 0, err
            assert "already exists" not in err
        assert sorted(p.name for p in dags.glob("*.py")) == sorted(
            [f"dag_{n}.py" for n in range(RUNNERS)] + ["teams_alerts.py"]
        )
        assert len(list((dags / ".create_dag").glob("*.json"))) == RUNNERS


@pytest.mark.parametrize("link", ["nowhere/teams_alerts.py", "teams_alerts.py"], ids=["dangling", "loop"])
def test_a_symlink_to_nothing_at_the_alert_module_is_named_and_force_replaces_it(tmp_path: Path, link: str) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "teams_alerts.py").symlink_to(link)
    code, err = finish(start(*BASE, "-o", str(dags), "--set", "dag_id=alerted", "--set", "image=busybox:1.36",
                             cwd=tmp_path))  # fmt: skip
    assert code == 1
    assert "teams_alerts.py is a symlink to" in err and "which does not exist" in err and "--force" in err
    assert "Traceback" not in err
    assert not (dags / "alerted.py").exists()
    code, err = finish(start(*BASE, "--force", "-o", str(dags), "--set", "dag_id=alerted",
                             "--set", "image=busybox:1.36", cwd=tmp_path))  # fmt: skip
    assert code == 0, err
    assert "replacing a symlink to nothing" in err
    module = dags / "teams_alerts.py"
    assert not module.is_symlink() and "class TeamsNotifier" in module.read_text(encoding="utf-8")
    assert (dags / "alerted.py").is_file()


def test_init_names_a_symlink_to_nothing_instead_of_asking_for_force(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "teams_alerts.py").symlink_to("gone.py")
    code, err = finish(start("init", ".", cwd=tmp_path))
    assert code == 1
    assert "is a symlink to gone.py, which does not exist" in err and "Traceback" not in err


def test_a_fifo_at_the_alert_module_is_refused_not_read(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    os.mkfifo(dags / "teams_alerts.py")
    code, err = finish(start(*BASE, "-o", str(dags), "--set", "dag_id=alerted", "--set", "image=busybox:1.36",
                             cwd=tmp_path))  # fmt: skip
    assert code == 1, err
    assert "teams_alerts.py is a FIFO" in err


# --- the same races with a slow, uneven disk: each file takes its name up to 0.2 s after the last ---


def _slow_run(dags: str, dag_id: str, image: str, force: bool) -> None:
    """In a forked child: one create, with each commit (and each atomic write) slowed down by a
    random while, so that the commits of runs started together interleave in every order unless
    something makes them take turns."""
    import random

    from createdag import output
    from createdag.create import create
    from createdag.settings import Settings

    real_commit, real_write = output.commit, output.write_atomic

    def slow_commit(*args: Any, **kwargs: Any) -> None:
        real_commit(*args, **kwargs)
        time.sleep(random.uniform(0, 0.2))

    def slow_write(*args: Any, **kwargs: Any) -> None:
        time.sleep(random.uniform(0, 0.2))
        real_write(*args, **kwargs)

    output.commit, output.write_atomic = slow_commit, slow_write  # type: ignore[assignment]
    answers = {"dag_id": dag_id, "image": image, "start_date": "2026-01-01"}
    create([answers], Settings(output_dir=Path(dags), force=force), jobs=1)


def _together(runs: list[tuple[str, str, str, bool]]) -> list[int]:
    fork = multiprocessing.get_context("fork")
    processes = [fork.Process(target=_slow_run, args=run) for run in runs]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    return [process.exitcode or 0 for process in processes]


def test_with_a_slow_disk_forced_runs_still_commit_one_run_whole(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    for round_ in range(6):
        codes = _together([(str(dags), "contested", f"ghcr.io/acme/r{round_}x{n}:1.0", True) for n in range(4)])
        assert codes == [0, 0, 0, 0]
        record = json.loads((dags / ".create_dag" / "contested.json").read_text(encoding="utf-8"))
        assert record["pristine"] == (dags / "contested.py").read_text(encoding="utf-8"), round_


def test_with_a_slow_disk_different_dag_ids_all_install_the_alert_module(tmp_path: Path) -> None:
    for round_ in range(3):
        dags = tmp_path / f"dags{round_}"
        codes = _together([(str(dags), f"dag_{n}", "busybox:1.36", False) for n in range(4)])
        assert codes == [0, 0, 0, 0]
        assert len(list((dags / ".create_dag").glob("*.json"))) == 4
        assert (dags / "teams_alerts.py").is_file()
