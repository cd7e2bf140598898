"""dag_template/ is a real cookiecutter template, usable without create_dag."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, load_dagbag



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




def test_cookiecutter_json_defaults_agree_with_the_question_table(tmp_path: Path) -> None:
    """Plain ``cookiecutter dag_template`` gives the tool's own defaults: every static default
    in the question table is cookiecutter.json's (lists as the JSON text cookiecutter needs,
    since a real list would be a choice there), and where the table has none (a required
    answer, or one computed at run time) the placeholder passes the question's own check."""
    import json

    from createdag.answers import check_one
    from createdag.questions import ANSWER_KEYS, BY_KEY
    from createdag.settings import Settings

    template = json.loads((REPO / "dag_template" / "cookiecutter.json").read_text())
    settings = Settings(output_dir=tmp_path)
    for key in ANSWER_KEYS:
        question, value = BY_KEY[key], template[key]
        # lists and mappings are JSON text there (a real list would be a choice); params an object
        as_text = question.kind_of.shape in ("list", "mapping") and isinstance(value, str)
        typed = json.loads(value) if as_text else value
        if question.default is None or callable(question.default):
            check_one(question, typed, {**template, "schedule": "@daily"}, settings)
        else:
            assert typed == question.default, f"cookiecutter.json {key}={value!r}, questions.py {question.default!r}"
