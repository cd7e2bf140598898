"""docs/usage.md and the README stay true: the --help block, the question table, the example session."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

USAGE = REPO / "docs" / "usage.md"
HELP_BLOCK = re.compile(r"(<!-- BEGIN HELP[^\n]*-->\n```text\n)(.*?)(```\n<!-- END HELP -->)", re.S)


def real_help() -> str:
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout


def test_help_in_docs_matches_the_real_help() -> None:
    text = USAGE.read_text(encoding="utf-8")
    match = HELP_BLOCK.search(text)
    assert match, "docs/usage.md lost its HELP block markers"
    if os.environ.get("UPDATE_DOCS") and not os.environ.get("CI") and match[2] != real_help():
        USAGE.write_text(HELP_BLOCK.sub(lambda m: m[1] + real_help() + m[3], text), encoding="utf-8")
        pytest.fail(f"{USAGE} updated: review the diff, then run without UPDATE_DOCS")  # never pass unseen
    assert comparable(match[2]) == comparable(real_help()), "run: UPDATE_DOCS=1 pytest tests/test_docs_usage.py"


def comparable(help_text: str) -> str:
    """The help's words in one argparse style: from Python 3.13 it writes ``-o, --output-dir DIR``
    where 3.10-3.12 write ``-o DIR, --output-dir DIR`` (and lay the columns out to suit), so the
    same parser documents the same on every supported Python."""
    one_style = re.sub(r"(?<!\S)(-\w) (\S+), (--[\w-]+) \2(?!\S)", r"\1, \3 \2", help_text)
    return " ".join(one_style.split())


def test_every_question_is_documented() -> None:
    from createdag.questions import ANSWER_KEYS, BY_KEY

    text = USAGE.read_text(encoding="utf-8")
    for key in ANSWER_KEYS:
        assert f"| `{key}` |" in text, f"{key} missing from the table in docs/usage.md"
        assert BY_KEY[key].help.replace("|", "\\|") in text, f"help line of {key} differs from questions.py"


def test_readme_example_session_replays(tmp_path: Path) -> None:
    """The README's --no-input answers file writes the DAG its recorded session describes."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    answers = re.search(r"\(`orders_sync\.yaml`.*?```yaml\n(.*?)```", readme, re.S)
    block = re.search(r"```sh\n(python create_dag\.py --no-input .*?)\n```", readme, re.S)
    assert answers and block, "README lost its --no-input example"
    (tmp_path / "orders_sync.yaml").write_text(answers[1], encoding="utf-8")
    argv = shlex.split(block[1].replace("\\\n", " "))
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), *argv[2:]], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "dags" / "orders_sync.py").read_text(encoding="utf-8")
    session = readme[readme.index("$ python create_dag.py") : readme.index("```", readme.index("$ python create_dag.py"))]
    # every answer typed in the recorded session shows up in the written file
    for answer in ("orders_sync", "Sync orders to the warehouse", "data-team", "30 6 * * 1-5",
                   "Europe/Paris", "ghcr.io/acme/orders:2.0.1", "orders-db", "DB_PASSWORD", "SOURCE",
                   "500m", "2Gi"):  # fmt: skip
        assert answer in session and answer in source
    assert 'cmds=["python", "-m", "orders.extract"]' in source and 'cmds=["python", "-m", "orders.load"]' in source
    from createdag.run_dates import RUN_DATE

    assert source.count(f'arguments=["--date", "{RUN_DATE}"]') == 2  # renders on every run (issue 26)
    assert 'tags=["orders", "sync"]' in source
    assert "pendulum.datetime(2026, 1, 15" in source
    assert 'task_id="extract"' in source and 'task_id="load"' in source
    assert "    extract >> load\n" in source and "extract ───> load" in session  # the review draws the graph


def test_readme_session_asks_the_real_questions_in_order() -> None:
    """The recorded session shows every question the prompt asks for those answers, in order:
    the answers nothing defaults, a second task added from the choice after them, then the
    other questions, grouped."""
    from createdag.prompt import NEXT_PROMPT
    from createdag.questions import ESSENTIAL_KEYS, QUESTIONS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ python create_dag.py")
    session = readme[start : readme.index("```", start)]
    shown = [line[2:] for line in session.splitlines() if line.startswith("? ")]
    dag = [q for q in QUESTIONS if q.scope == "dag"]
    tasks = [q for q in QUESTIONS if q.scope == "task"]
    off = {"run_options"}  # answered No in the session (pod options and resources: below)
    behind = {q.key for q in QUESTIONS if set(q.depends_on) & off and not q.prompt_only}
    essential = [q.prompt for q in QUESTIONS if q.key in ESSENTIAL_KEYS]
    second_essential = [q.prompt for q in tasks if q.key in (*ESSENTIAL_KEYS, "task_id", "after")]
    first_steps = [*essential, NEXT_PROMPT, "Task id", *second_essential, NEXT_PROMPT]
    before = [q.prompt for q in dag
              if q.group != "Upstream DAG" and q.key not in behind and q.key not in ESSENTIAL_KEYS]  # fmt: skip
    resources = ("cpu_", "memory_")
    pod = [q for q in tasks if not q.group.startswith("Pod ") and q.key not in behind]  # behind a No: not asked
    rest = [q for q in pod if q.key not in (*ESSENTIAL_KEYS, "task_id", "after")]
    first = [q.prompt for q in rest if not q.key.startswith(resources) and q.key != "more_tasks"]  # resources: No
    second = [q.prompt for q in rest if not q.once]  # namespace and pull secrets: the first task's
    after = [q.prompt for q in dag if q.group == "Upstream DAG" and q.key == "upstream"]  # No
    expected = [*first_steps, *before, *first, *second, *after, "Write dags/orders_sync.py?"]
    assert len(shown) == len(expected), (shown, expected)
    for line, prompt in zip(shown, expected, strict=True):
        assert line.startswith(prompt), f"README shows {line!r} where the prompt asks {prompt!r}"
