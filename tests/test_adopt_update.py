"""After ``adopt``, ``update`` keeps the file as it is, and ``--set`` changes one value where it is written.

Whatever the file's formatting (not black, comments, its own order, default_args on one line
or in a variable): the first ``update`` (and ``--dry-run``) changes nothing, byte for byte;
``update --set retries=N`` changes that value and nothing else, with no conflict; the DAG
still loads and says what was set.
"""

from __future__ import annotations

import difflib
import io
from pathlib import Path

import pytest
from helpers import REPO, load_dagbag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import records
from createdag.cli import main

pytestmark = pytest.mark.airflow

FIXTURES = REPO / "tests" / "fixtures" / "adopt"

#: The issue's example: default_args on one line, not black-formatted, a comment, its own order.
ONE_LINE = """\
import pendulum
from airflow.sdk import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from datetime import timedelta

with DAG(dag_id='billing_one_line', start_date=pendulum.datetime(2025, 1, 1, tz='UTC'),
         default_args={'owner': 'billing', 'retries': 3, 'retry_delay': timedelta(minutes=10)},
         schedule='0 3 * * *', catchup=False, description='Invoices'):
    # the only task
    run = KubernetesPodOperator(task_id='run', image='ghcr.io/acme/billing:1.0', env_vars={'B': '2', 'A': '1'},
                                cmds=['python'], arguments=['-m', 'billing'],   name='billing-run')
"""


def _adopt(dags_dir: Path, name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = dags_dir / name
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["adopt", str(path), "-o", str(dags_dir), "--yes"]) == 0
    return path


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]  # fmt: skip


def check_update_after_adopt(dags_dir: Path, name: str, text: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = _adopt(dags_dir, name, text, monkeypatch)
    capsys.readouterr()
    assert main(["update", "-o", str(dags_dir), "--dry-run"]) == 0
    assert capsys.readouterr().out == ""  # no diff at all
    assert main(["update", "-o", str(dags_dir)]) == 0
    assert path.read_text(encoding="utf-8") == text  # byte for byte
    dag_id = records.load_all(dags_dir)[0].dag_id

    assert main(["update", "--all", "-o", str(dags_dir), "--set", "retries=7"]) == 0, capsys.readouterr().err
    after = path.read_text(encoding="utf-8")
    changed = _changed_lines(text, after)
    added = [line for line in changed if line.startswith("+")]
    assert len(added) == 1 and "retries" in added[0] and len(changed) <= 2, changed
    bag = load_dagbag(dags_dir)
    assert bag.import_errors == {}
    assert {task.retries for task in bag.dags[dag_id].tasks} == {7}

    assert main(["update", "-o", str(dags_dir)]) == 0  # and then nothing again
    assert path.read_text(encoding="utf-8") == after


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.py")), ids=lambda path: path.stem)
def test_update_keeps_an_adopted_file_and_sets_one_value_in_place(
    dags_dir: Path, fixture: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    check_update_after_adopt(dags_dir, fixture.name, fixture.read_text(encoding="utf-8"), monkeypatch, capsys)


def test_default_args_on_one_line_take_a_new_value_without_conflict(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    check_update_after_adopt(dags_dir, "billing.py", ONE_LINE, monkeypatch, capsys)
    path = dags_dir / "billing.py"
    before = path.read_text(encoding="utf-8")
    assert main(["update", "--all", "-o", str(dags_dir), "--set", "description=Invoices, monthly"]) == 0
    assert _changed_lines(before, path.read_text(encoding="utf-8")) == [
        "-         schedule='0 3 * * *', catchup=False, description='Invoices'):",
        "+         schedule='0 3 * * *', catchup=False, description='Invoices, monthly'):",
    ]
    assert main(["update", "--all", "-o", str(dags_dir), "--set", "run.image=ghcr.io/acme/billing:1.1"]) == 0
    assert "image='ghcr.io/acme/billing:1.1'" in path.read_text(encoding="utf-8")


#: default_args as teams write them, with the retries entry or without it
_LAYOUTS = st.sampled_from([
    ("{'owner': 'data', 'retries': 1}", "{'owner': 'data'}"),
    ('{\n    "owner": "data",  # the team\n    "retries": 1,\n}', '{\n    "owner": "data",  # the team\n}'),
    ("{'retries': 1,'owner':'data'}", "{'owner':'data'}"),
    ("dict(owner='data', retries=1)", "dict(owner='data')"),
])  # fmt: skip


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])  # fmt: skip
@given(layout=_LAYOUTS, variable=st.booleans(), comment=st.booleans(), retries_written=st.booleans())
def test_any_formatting_takes_set_retries_in_place(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, capsys,
    layout: tuple[str, str], variable: bool, comment: bool, retries_written: bool,
) -> None:  # fmt: skip
    dags_dir = tmp_path_factory.mktemp("dags")
    default_args = layout[0] if retries_written else layout[1]
    head = "import pendulum\nfrom airflow.sdk import DAG\n"
    head += "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
    lines = [head]
    if variable:
        lines.append(f"default_args = {default_args}\n")
    given_args = "default_args" if variable else default_args
    call = (f"DAG('formatted', schedule=None, catchup=False,  default_args={given_args},"
            "\n    start_date=pendulum.datetime(2025, 1, 1, tz='UTC'))")  # fmt: skip
    lines.append(f"with {call} as dag:\n")
    if comment:
        lines.append("    # one pod\n")
    lines.append("    KubernetesPodOperator(task_id='t', image='busybox:1.36',   namespace='etl')\n")
    check_update_after_adopt(dags_dir, "formatted.py", "".join(lines), monkeypatch, capsys)


def test_a_record_whose_kept_argument_is_code_is_refused_not_run(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import json

    _adopt(dags_dir, "billing.py", ONE_LINE, monkeypatch)
    target = records.record_path(dags_dir, "billing_one_line")
    data = json.loads(target.read_text(encoding="utf-8"))
    data["adopted"]["dag"] = {"doc_md": "__import__('os').system('touch pwned')"}
    target.write_text(json.dumps(data), encoding="utf-8")
    assert main(["update", "-o", str(dags_dir)]) == 1
    err = capsys.readouterr().err
    assert "adopted.dag.doc_md is not a value adopt keeps as written" in err and "Traceback" not in err
    assert not (Path.cwd() / "pwned").exists()


def test_an_answer_an_adopted_file_writes_where_it_cannot_be_edited_is_refused_not_merged(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = _adopt(dags_dir, "clickhouse.py", (FIXTURES / "clickhouse_with_block.py").read_text(), monkeypatch)
    before = path.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["update", "--all", "-o", str(dags_dir), "--set", "start_date=2025-06-01"]) == 1
    err = capsys.readouterr().err
    assert "start_date cannot be changed where this file writes it" in err and "edit the file by hand" in err
    assert path.read_text(encoding="utf-8") == before  # no conflict markers over a hand-written file


# --- mapped tasks: .expand(...) of any argument, .expand_kwargs([...]) ---------------------------

MAPPED = """\
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

DAYS = [["--day", "mon"], ["--day", "tue"]]

with DAG(dag_id="per_day", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    run = KubernetesPodOperator.partial(task_id="run", image="ghcr.io/acme/run:1.0",
                                        cmds=["python", "-m", "run"]).expand(arguments=DAYS)  # one pod a day
"""


def test_a_mapped_task_takes_a_set_in_its_partial_and_refuses_one_for_what_it_maps(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = _adopt(dags_dir, "per_day.py", MAPPED, monkeypatch)
    capsys.readouterr()
    assert main(["update", "-o", str(dags_dir), "--set", "run.cmds=python -m run2", "per_day"]) == 0, \
        capsys.readouterr().err
    after = path.read_text(encoding="utf-8")
    indent = " " * 40
    assert _changed_lines(MAPPED, after) == [
        f'-{indent}cmds=["python", "-m", "run"]).expand(arguments=DAYS)  # one pod a day',
        f'+{indent}cmds=["python", "-m", "run2"]).expand(arguments=DAYS)  # one pod a day',
    ]
    for key in ("run.arguments=--day wed", "arguments=--day wed"):
        assert main(["update", "-o", str(dags_dir), "--set", key, "per_day"]) == 1
        err = capsys.readouterr().err
        assert "task 'run' maps arguments= (.expand in its file)" in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == after
    bag = load_dagbag(dags_dir)
    assert bag.import_errors == {}
    task = bag.dags["per_day"].get_task("run")
    assert task.partial_kwargs["cmds"] == ["python", "-m", "run2"]
    assert task.expand_input.value == {"arguments": [["--day", "mon"], ["--day", "tue"]]}


def test_a_record_whose_mapped_values_are_code_is_refused_not_run(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import json

    _adopt(dags_dir, "per_day.py", MAPPED, monkeypatch)
    target = records.record_path(dags_dir, "per_day")
    original = target.read_text(encoding="utf-8")
    for field, value in (("expand", {"run": {"arguments": "__import__('os').system('touch pwned')"}}),
                         ("expand_kwargs", {"run": "[open('/etc/passwd').read()]"}),
                         ("partial", {"run": ["cmds) or __import__('os').system('x'"]})):  # fmt: skip
        data = json.loads(original)
        data["adopted"][field] = value
        target.write_text(json.dumps(data), encoding="utf-8")
        capsys.readouterr()
        assert main(["update", "-o", str(dags_dir)]) == 1
        err = capsys.readouterr().err
        assert f"adopted.{field}" in err and "Traceback" not in err
        assert not (Path.cwd() / "pwned").exists()


def test_a_teams_defaults_reach_no_adopted_dag_on_update(
    dags_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A team config that sets pod defaults and labels (merged into new DAGs' labels): `update`
    of an adopted file that says none of them still changes nothing, and `--set` one line."""
    (dags_dir.parent / ".create_dag.toml").write_text(
        'labels = {team = "data"}\nimage_pull_secrets = ["teamcred"]\nstartup_timeout_seconds = 600\nretries = 5\n'
    )
    check_update_after_adopt(dags_dir, "one_line.py", ONE_LINE, monkeypatch, capsys)
    text = (dags_dir / "one_line.py").read_text(encoding="utf-8")
    assert "teamcred" not in text and '"data"' not in text and "600" not in text


def test_every_blocker_of_a_file_is_named_in_one_run_each_at_its_line(tmp_path: Path) -> None:
    """What cannot be read, and what is read but fails the answers' own checks (a cron Airflow
    refuses, a namespace Kubernetes refuses, an env var name), in one refusal, by line, with no
    echo of the first in the second (the task not read is not also 'missing an image')."""
    from createdag import adopt
    from createdag.errors import UserError

    path = tmp_path / "multi.py"
    path.write_text(
        "import os\n"
        "from datetime import datetime\n"
        "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
        "from airflow.sdk import DAG\n"
        "\n"
        'with DAG(dag_id="multi", schedule="0 25 * * *", start_date=datetime(2026, 1, 1), catchup=False):\n'
        '    a = KubernetesPodOperator(task_id="a", image=os.getenv("IMG", "busybox"),\n'
        '                              env_vars={"1BAD": "x"})\n'
        '    b = KubernetesPodOperator(task_id="b", image="busybox:1.36", namespace="Bad_NS")\n'
        "    a >> b\n"
    )
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(tmp_path, path)
    lines = [line.strip() for line in str(refused.value).splitlines()[1:-1]]
    assert [line.split(":")[0] for line in lines] == ["line 6", "line 7", "line 8", "line 9"], lines
    assert "schedule: 25 is outside 0-23" in lines[0] and "image=os.getenv" in lines[1]
    assert "task 'a' env_vars: '1BAD' is not a valid environment variable name" in lines[2]
    assert "namespace: 'Bad_NS' is not a valid Kubernetes name" in lines[3]
    assert "required" not in str(refused.value) and "None" not in str(refused.value)


def test_a_file_whose_only_problems_are_checks_says_set_can_give_them(tmp_path: Path) -> None:
    from createdag import adopt
    from createdag.errors import UserError

    path = tmp_path / "ns.py"
    path.write_text(
        "from datetime import datetime\n"
        "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
        "from airflow.sdk import DAG\n"
        'with DAG(dag_id="ns", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):\n'
        '    KubernetesPodOperator(task_id="a", image="busybox:1.36", namespace="Bad_NS")\n'
    )
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(tmp_path, path)
    assert "line 5: namespace: 'Bad_NS'" in str(refused.value) and "--set KEY=VALUE" in str(refused.value)
    plan = adopt.plan_adopt(tmp_path, path, {"namespace": "good-ns"})
    assert 'namespace="good-ns"' in plan.pristine
