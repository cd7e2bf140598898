"""Every dag_id Airflow accepts (up to 250 characters) works end to end, or is refused with a message.

A file system allows 255 bytes per name (NAME_MAX): ``<dag_id>.py`` (253) and
the record ``.create_dag/<dag_id>.json`` (255) fit, so every temporary or
staged name the tool makes beside them must be short whatever the dag_id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from createdag.output import staged_name, write_atomic

REPO = Path(__file__).resolve().parent.parent
NAME_MAX = os.pathconf("/", "PC_NAME_MAX") if hasattr(os, "pathconf") else 255


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "create_dag.py"), *args], check=False, cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def long_id(length: int, fill: str = "a") -> str:
    return ("d" + fill * length)[:length]


def leftovers(dags: Path) -> list[str]:
    """Anything in the dags folder that is neither a DAG, the alert module, a record nor the
    .airflowignore that keeps the alert module out of parsing."""
    found = []
    for path in dags.rglob("*"):
        rel = path.relative_to(dags)
        if path.is_dir() and rel.as_posix() in (".create_dag", "__pycache__") or rel.as_posix() == ".airflowignore":
            continue
        if rel.parts[0] == ".create_dag" and path.suffix == ".json" or path.suffix == ".py":
            continue
        found.append(rel.as_posix())
    return found


@pytest.mark.parametrize("length", [231, 232, 246, 250])
def test_longest_dag_ids_are_written_with_their_record(tmp_path: Path, length: int) -> None:
    dag_id = long_id(length, "_x.-")
    result = cli("--no-input", "-o", "dags", "--set", f"dag_id={dag_id}", "--set", "image=busybox:1.36", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    dags = tmp_path / "dags"
    assert (dags / f"{dag_id}.py").is_file()
    record = dags / ".create_dag" / f"{dag_id}.json"
    assert json.loads(record.read_text(encoding="utf-8"))["dag_id"] == dag_id
    assert leftovers(dags) == []


def test_a_batch_of_longest_dag_ids_is_written(tmp_path: Path) -> None:
    ids = [long_id(250, c) for c in "abc"]
    (tmp_path / "many.json").write_text(json.dumps([{"dag_id": i, "image": "busybox:1.36"} for i in ids]))
    result = cli("--answers", "many.json", "-o", "dags", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "dags").glob("*.py")) == sorted(
        [f"{i}.py" for i in ids] + ["teams_alerts.py"]
    )
    assert leftovers(tmp_path / "dags") == []


def test_one_character_more_is_refused_with_a_message(tmp_path: Path) -> None:
    result = cli(
        "--no-input", "-o", "dags", "--set", f"dag_id={long_id(251)}", "--set", "image=busybox:1.36", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "251 characters long: Airflow allows at most 250" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dags").exists()


def test_temporary_and_staged_names_are_short_whatever_the_target(tmp_path: Path) -> None:
    target = tmp_path / (long_id(250) + ".py")
    write_atomic(target, "x = 1\n")
    assert target.read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    staged = staged_name(target)
    assert len(staged.encode()) < 80 and not staged.endswith(".py")
    assert staged != staged_name(tmp_path / (long_id(250, "b") + ".py"))  # unique per name


def test_the_name_limit_is_what_we_think() -> None:
    # the claim the module docstrings make: the longest record name fits
    assert len(f"{long_id(250)}.json".encode()) <= NAME_MAX
