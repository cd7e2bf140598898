"""A new pod option is one declaration: the recipe of docs/architecture.md, followed on a copy.

A copy of the tool gets one ``Question(...)`` more in ``createdag/questions.py``
(``hostname``, an argument of KubernetesPodOperator the tool does not ask for)
and ``python -m createdag.derived`` run, and nothing else. Then, in that copy,
as a user would: the option is in ``--help`` and in the pod options the prompt
asks, ``--set`` validates it (a bad value is refused with its help), the DAG
file carries it, adopt's reader reads it back from the file, and ``update --set``
changes it in the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DECLARATION = '''
    Question("hostname", "Pod placement", "Pod hostname",
             "Hostname of the pod inside the cluster, a DNS label (empty: the pod's name).",
             "text", "", _simple(lambda s: v.optional_subdomain(s, "hostname", "batch-host")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "hostname"), examples=("", "batch-host")),'''
ANCHOR = '    Question("env_from", "Pod config"'


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tool with the throwaway option declared, its derived files rewritten."""
    copy = tmp_path_factory.mktemp("new-option") / "create_dag"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("createdag", "dag_template", "hooks", "docs"):
        shutil.copytree(REPO / name, copy / name, ignore=ignore)
    shutil.copy(REPO / "create_dag.py", copy / "create_dag.py")
    questions = copy / "createdag" / "questions.py"
    source = questions.read_text(encoding="utf-8")
    assert source.count(ANCHOR) == 1
    questions.write_text(source.replace(ANCHOR, DECLARATION.lstrip("\n") + "\n" + ANCHOR), encoding="utf-8")
    derive = run(copy, "-m", "createdag.derived")
    assert "wrote dag_template/cookiecutter.json" in derive.stdout, derive.stdout + derive.stderr
    return copy


def run(tool: Path, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tool), "HOME": str(tool), "GIT_AUTHOR_NAME": "data-team"}
    return subprocess.run([sys.executable, *argv], cwd=cwd or tool, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def python(tool: Path, code: str, cwd: Path) -> str:
    done = run(tool, "-c", code, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_option_is_asked_with_the_pod_options_and_listed_in_help(tool: Path, tmp_path: Path) -> None:
    asked = python(tool, "from createdag import questions as q; print([x.key for x in q.POD_OPTIONS])", tmp_path)
    assert "'hostname'" in asked
    help_text = run(tool, str(tool / "create_dag.py"), "--help", cwd=tmp_path).stdout
    assert "hostname" in " ".join(help_text.split())


def test_it_is_validated_written_read_back_and_updated(tool: Path, tmp_path: Path) -> None:
    create = [str(tool / "create_dag.py"), "--no-input", "-o", "dags", "--set", "dag_id=sales_daily",
              "--set", "image=busybox:1.36", "--set", "owner=data-team"]  # fmt: skip
    refused = run(tool, *create, "--set", "hostname=Not A Host!", cwd=tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert "hostname" in refused.stderr
    assert not (tmp_path / "dags" / "sales_daily.py").exists()

    made = run(tool, *create, "--set", "hostname=batch-host", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    dag = tmp_path / "dags" / "sales_daily.py"
    assert 'hostname="batch-host",' in dag.read_text(encoding="utf-8")

    read = python(
        tool,
        "import json; from pathlib import Path; from createdag import adopt\n"
        "found, _ = adopt.read_answers(Path('dags/sales_daily.py'))\n"
        "print(json.dumps([task.get('hostname', found.get('hostname')) for task in found['tasks']]))",
        tmp_path,
    )
    assert json.loads(read) == ["batch-host"]

    updated = run(tool, str(tool / "create_dag.py"), "update", "--all", "-o", "dags", "--set", "hostname=etl-host",
                  cwd=tmp_path)  # fmt: skip
    assert updated.returncode == 0, updated.stdout + updated.stderr
    text = dag.read_text(encoding="utf-8")
    assert 'hostname="etl-host",' in text
    assert "batch-host" not in text
