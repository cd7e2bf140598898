"""No worker of ``check`` outlives its parent: a run killed outright takes its workers with it.

``check`` loads a big repo in forked worker processes (``checking._in_workers``). Here one DAG
file, parsed in a worker, kills the ``check`` process with SIGKILL (nothing of the parent's
runs after that) and then sleeps for minutes: the worker must end with its parent, so the
run's pipes close and nothing of its process group is left.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from test_hostile_workers import REPO, run_and_check

pytestmark = pytest.mark.airflow

DAG = """\
# an airflow dag file
from airflow.sdk import DAG

with DAG({dag_id!r}, schedule=None, catchup=False):
    pass
"""
#: parsed in a worker (the parent loads the first file itself): the parent dies, the worker would linger
KILLER = """\
# an airflow dag file whose parse kills the check that loads it, then lingers
import os
import signal
import time

os.kill(os.getppid(), signal.SIGKILL)
time.sleep(300)
"""


def test_a_check_killed_outright_takes_its_workers_with_it(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    for name in ("a", "b", "c"):
        (dags / f"{name}.py").write_text(DAG.format(dag_id=name), encoding="utf-8")
    (dags / "z_killer.py").write_text(KILLER, encoding="utf-8")
    argv = [sys.executable, str(REPO / "create_dag.py"), "check", str(tmp_path), "--jobs", "2", "--no-cache"]
    assert run_and_check(argv, tmp_path) == -signal.SIGKILL
