"""The alert module is no DAG file: the DAG processor never parses it, the DAGs still import it (issue 26).

Proven with Airflow's own DAG processor (its file listing, under both ignore
syntaxes) on DAGs written by the library entry point without ``init``, as the
README's main path does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_dag

from createdag.airflowignore import ensure_ignored, ignore_line
from createdag.repo_init import AIRFLOWIGNORE


def processor_files(dags_dir: Path) -> list[str]:
    """What the DAG processor queues for parsing in ``dags_dir``: its own listing of a bundle."""
    from airflow.dag_processing.bundles.local import LocalDagBundle
    from airflow.dag_processing.manager import DagFileProcessorManager

    bundle = LocalDagBundle(name="dags-folder", path=str(dags_dir))
    return sorted(str(p) for p in DagFileProcessorManager(max_runs=1)._find_files_in_bundle(bundle))


@pytest.mark.airflow
@pytest.mark.parametrize("syntax", ["glob", "regexp"])
def test_the_processor_never_lists_the_alert_module_and_the_dag_still_imports_it(
    dags_dir: Path, syntax: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX", syntax)
    write_dag(dags_dir, dag_id="orders_sync", alerts=["failure"])
    assert (dags_dir / "teams_alerts.py").is_file()
    assert processor_files(dags_dir) == ["orders_sync.py"]
    from createdag.integrity import integrity_module

    ((_, bag, _),) = integrity_module().load_each(dags_dir, [dags_dir / "orders_sync.py"])  # this Airflow's loader
    assert bag.import_errors == {}
    task = bag.dags["orders_sync"].get_task("main")
    assert type(task.on_failure_callback[0]).__module__ == "teams_alerts"  # imported from the ignored file


@pytest.mark.airflow
def test_without_the_ignore_file_the_processor_would_parse_it(dags_dir: Path) -> None:
    """The reason for all this: Airflow's safe-mode heuristic takes the module for a DAG file."""
    write_dag(dags_dir, dag_id="orders_sync", alerts=["failure"])
    (dags_dir / ".airflowignore").unlink()
    assert processor_files(dags_dir) == ["orders_sync.py", "teams_alerts.py"]


def test_a_teams_own_ignore_file_keeps_every_line_and_gains_one(dags_dir: Path) -> None:
    mine = "# ours\nmy_helpers/\nscratch_.*\n"
    (dags_dir / ".airflowignore").write_text(mine)
    write_dag(dags_dir, dag_id="first", alerts=["failure"])
    text = (dags_dir / ".airflowignore").read_text()
    assert text.startswith(mine) and text.count("teams_alerts\\.py\n") == 1
    write_dag(dags_dir, dag_id="second", alerts=["failure"])
    assert (dags_dir / ".airflowignore").read_text() == text  # named once: never again


@pytest.mark.parametrize("line", ["teams_alerts\\.py", "teams_alerts.py", "/teams_alerts.py"])
def test_a_line_that_already_names_the_module_is_enough(dags_dir: Path, line: str) -> None:
    (dags_dir / ".airflowignore").write_text(f"{line}\n")
    assert ensure_ignored(dags_dir, ["teams_alerts.py"]) is None
    assert (dags_dir / ".airflowignore").read_text() == f"{line}\n"


def test_a_dag_without_alerts_writes_no_ignore_file(dags_dir: Path) -> None:
    write_dag(dags_dir, dag_id="quiet", alerts=[])
    assert not (dags_dir / ".airflowignore").exists()


def test_a_failed_write_takes_the_added_lines_back(dags_dir: Path) -> None:
    (dags_dir / ".airflowignore").write_text("mine/\n")
    change = ensure_ignored(dags_dir, ["teams_alerts.py"])
    assert change is not None and "teams_alerts" in (dags_dir / ".airflowignore").read_text()
    change.undo()
    assert (dags_dir / ".airflowignore").read_text() == "mine/\n"


def test_lines_mean_the_same_in_both_syntaxes() -> None:
    import re

    pathspec = pytest.importorskip("pathspec")

    for name in ("teams_alerts.py", "alerts/teams_v2.py", "a+b[1].py"):
        line = ignore_line(name)
        assert re.search(line, name) and not re.search(line, name.replace(".py", "Xpy"))
        assert pathspec.PathSpec.from_lines("gitwildmatch", [line]).match_file(name)
    assert ignore_line("teams_alerts.py") in AIRFLOWIGNORE.splitlines()  # init writes the same line


def test_an_ignore_file_that_is_not_text_is_kept_with_a_note(dags_dir: Path) -> None:
    (dags_dir / ".airflowignore").write_bytes(b"\xff\xfe junk\n")
    change = ensure_ignored(dags_dir, ["teams_alerts.py"])
    assert change is not None and not change.changed and "teams_alerts\\.py" in change.message
    change.undo()
    assert (dags_dir / ".airflowignore").read_bytes() == b"\xff\xfe junk\n"
