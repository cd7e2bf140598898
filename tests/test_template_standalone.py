"""dag_template/ is a real cookiecutter template, usable without create_dag."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import load_dagbag

REPO = Path(__file__).resolve().parent.parent


def cookiecutter(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO / "dag_template"), "-o", str(out), *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.airflow
def test_plain_cookiecutter_renders_a_dag_that_loads(tmp_path: Path) -> None:
    out = cookiecutter(tmp_path, "dag_id=x")
    dag_file = out / "x" / "x.py"
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "x.py").write_text(dag_file.read_text())
    (dags / "teams_alerts.py").write_text((REPO / "hooks" / "teams_alerts.py").read_text())
    bag = load_dagbag(dags)
    assert bag.import_errors == {}
    assert bag.dags["x"].get_task("main").image == "busybox:1.36"


def test_plain_cookiecutter_takes_lists_as_json(tmp_path: Path) -> None:
    out = cookiecutter(tmp_path, "dag_id=y", 'tags=["a", "b"]', "alerts=[]", "catchup=yes")
    source = (out / "y" / "y.py").read_text()
    compile(source, "y.py", "exec")
    assert 'tags=["a", "b"]' in source
    assert "TeamsNotifier" not in source
    assert "catchup=True" in source


def test_template_keys_match_the_questions() -> None:
    """Every answer has a slot in cookiecutter.json, so no question is silently dropped."""
    import json

    from createdag.questions import ANSWER_KEYS

    keys = set(json.loads((REPO / "dag_template" / "cookiecutter.json").read_text()))
    assert set(ANSWER_KEYS) <= keys
