"""Team conventions and the dags repo: config, uniqueness, init, check and the integrity test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from createdag.config import ConfigError, load_team_config
from helpers import REPO

CLI = [sys.executable, str(REPO / "create_dag.py")]

TEAM = """\
owner = "data-team"
owners = ["data-team", "ml-team"]
tags = ["data"]
allowed_tags = ["data", "finance", "daily"]
dag_id_pattern = "[a-z][a-z0-9_]*__v[0-9]+"
dag_id_example = "orders_sync__v1"
namespace = "data-jobs"
image_registry = "ghcr.io/acme/"
image_pull_secrets = ["ghcr-pull"]
retries = 3
output_dir = "dags"
"""


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".create_dag.toml").write_text(TEAM)
    (tmp_path / "dags").mkdir()
    return tmp_path


def test_config_is_found_walking_up_from_the_output_folder(repo: Path) -> None:
    team = load_team_config(repo / "dags" / "sub")
    assert team.path == repo / ".create_dag.toml"
    assert team.defaults["namespace"] == "data-jobs" and team.owners == ("data-team", "ml-team")


def test_pyproject_table_works_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "dags"\n\n[tool.create_dag]\nowner = "x-team"\n')
    assert load_team_config(tmp_path).defaults == {"owner": "x-team"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ownr = 'x'\n", "unknown setting 'ownr'"),
        ("owners = 'x'\n", "owners must be a list"),
        ("dag_id_pattern = '[a-z'\n", "not a regular expression"),
        ("dag_id_pattern = '[a-z]+__v[0-9]+'\n", "needs dag_id_example"),
        ("dag_id_pattern = '[a-z]+'\ndag_id_example = 'X1'\n", "does not match"),
        ("owner = \n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_fix(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / ".create_dag.toml").write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        load_team_config(tmp_path)
    assert str(tmp_path / ".create_dag.toml") in str(info.value)
    result = cli("--no-input", "--set", "dag_id=a", "--set", "image=b:1", cwd=tmp_path)
    assert result.returncode == 1 and message.split("'")[0] in result.stderr


def test_precedence_config_then_file_then_set(repo: Path) -> None:
    (repo / "a.yaml").write_text("dag_id: sales__v1\nimage: ghcr.io/acme/sales:1\nretries: 4\nnamespace: finance\n")
    result = cli("--answers", "a.yaml", "--set", "retries=5", cwd=repo)
    assert result.returncode == 0, result.stderr
    source = (repo / "dags" / "sales__v1.py").read_text()  # output_dir from the config
    assert '"retries": 5' in source  # --set beats the file, which beats the config's 3
    assert 'namespace="finance"' in source  # the file beats the config
    assert '"owner": "data-team"' in source and 'tags=["data"]' in source  # config defaults
    assert 'name="ghcr-pull"' in source


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("dag_id", "sales", "naming rule"),
        ("owner", "someone", "not one of this repo's owners"),
        ("tags", "data,secret-project", "not allowed here"),
        ("image", "docker.io/library/busybox:1", "not from this repo's registry"),
    ],
)
def test_rule_violation_from_set_and_from_file(repo: Path, key: str, value: str, message: str) -> None:
    base = {"dag_id": "sales__v1", "image": "ghcr.io/acme/sales:1", key: value}
    result = cli("--no-input", *[a for k, v in base.items() for a in ("--set", f"{k}={v}")], cwd=repo)
    assert result.returncode == 1 and message in result.stderr and ".create_dag.toml" in result.stderr
    import json

    entry = {**base, key: value.split(",") if key == "tags" else value}
    (repo / "a.json").write_text(json.dumps(entry))
    result = cli("--answers", "a.json", cwd=repo)
    assert result.returncode == 1 and message in result.stderr
    assert list((repo / "dags").iterdir()) == []


def test_rule_violation_while_typing(repo: Path) -> None:
    child = pexpect.spawn(CLI[0], CLI[1:], cwd=str(repo), encoding="utf-8", timeout=15, dimensions=(50, 220),
                          env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"})  # fmt: skip
    child.expect_exact("DAG id")
    child.send("sales")
    child.expect_exact("naming rule")
    child.send("__v1\r")
    for prompt, text in (("Schedule", ""), ("Container image", "\x15ghcr.io/acme/etl:1.0"), ("Command", "")):
        child.expect(r"\?(?:\x1b\[[0-9;]*m)* " + prompt)
        child.send(text + "\r")
    child.expect_exact("Next?")
    child.send("g")  # go on through the other questions
    child.expect_exact("Description")
    child.send("\r")
    child.expect(r"Owner \S*data-team")  # the config's default, shown in the prompt
    child.send("\x15someone")
    child.expect_exact("not one of this repo's owners")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_duplicate_dag_id_found_without_importing(repo: Path) -> None:
    (repo / "dags" / "legacy").mkdir()
    (repo / "dags" / "legacy" / "old.py").write_text(
        "raise RuntimeError('this file must never be imported by create_dag')\n"
        "from airflow.sdk import DAG\nwith DAG(dag_id='sales__v1', schedule=None):\n    pass\n"
    )
    result = cli("--no-input", "--set", "dag_id=sales__v1", "--set", "image=ghcr.io/acme/s:1", cwd=repo)
    assert result.returncode == 1
    assert "already the dag_id of" in result.stderr and "legacy/old.py" in result.stderr
    assert "must never be imported" not in result.stderr


def test_init_on_an_empty_folder(tmp_path: Path) -> None:
    result = cli("init", "repo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "repo"
    for name in (".create_dag.toml", ".pre-commit-config.yaml", "dags/teams_alerts.py", "dags/.airflowignore",
                 "tests/test_dag_integrity.py"):  # fmt: skip
        assert (root / name).is_file(), name
    assert load_team_config(root).output_dir == root / "dags"
    import yaml

    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())["repos"]
    assert {hook["id"] for repo_ in hooks for hook in repo_["hooks"]} == {
        "black", "ruff", "create-dag-check", "create-dag-drift"
    }  # fmt: skip


def test_init_never_rewrites(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / ".create_dag.toml").write_text("owner = 'mine'\n")
    (tmp_path / "dags" / ".airflowignore").write_text("my_helpers/\n")
    result = cli("init", cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / ".create_dag.toml").read_text() == "owner = 'mine'\n"
    ignore = (tmp_path / "dags" / ".airflowignore").read_text()  # the team's line kept, the module's added
    assert ignore.startswith("my_helpers/\n") and ignore.endswith("\nteams_alerts\\.py\n")
    assert "kept" in result.stderr and (tmp_path / "tests" / "test_dag_integrity.py").exists()


# --- the integrity test and `check`, on a good repo and on each kind of defect --------------

GOOD = {"image": "ghcr.io/acme/x:1", "tags": "data", "owner": "data-team"}
DEFECTS = {
    "import error": "from airflow.sdk import DAG\nimport not_a_module_anywhere\n",
    "owner": "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
             "with DAG('no_owner__v1', schedule=None, tags=['data'], default_args={'retries': 1, "
             "'on_failure_callback': [print]}):\n    EmptyOperator(task_id='t')\n",
    "tags": "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
            "with DAG('no_tags__v1', schedule=None, default_args={'owner': 'data-team', 'retries': 1, "
            "'on_failure_callback': [print]}):\n    EmptyOperator(task_id='t')\n",
    "retries": "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
               "with DAG('no_retries__v1', schedule=None, tags=['data'], default_args={'owner': 'data-team', "
               "'on_failure_callback': [print]}):\n    EmptyOperator(task_id='t')\n",
    "failure alert": "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
                     "with DAG('no_alert__v1', schedule=None, tags=['data'], default_args={'owner': 'data-team', "
                     "'retries': 0}):\n    EmptyOperator(task_id='t')\n",
    "unique dag_id": "from airflow.sdk import DAG\nfrom airflow.providers.standard.operators.empty import EmptyOperator\n"
                     "with DAG('good__v1', schedule=None, tags=['data'], default_args={'owner': 'data-team', "
                     "'retries': 1, 'on_failure_callback': [print]}):\n    EmptyOperator(task_id='t')\n",
}  # fmt: skip


@pytest.fixture
def good_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    assert cli("init", str(root), cwd=tmp_path).returncode == 0
    (root / ".create_dag.toml").write_text(TEAM.replace('image_registry = "ghcr.io/acme/"\n', ""))
    made = cli("--no-input", *[a for k, v in {"dag_id": "good__v1", **GOOD}.items() for a in ("--set", f"{k}={v}")],
               cwd=root)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return root


def integrity_pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_dag_integrity.py"],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "AIRFLOW_HOME": str(root / ".airflow")},
    )  # fmt: skip


@pytest.mark.airflow
def test_integrity_test_passes_on_a_good_repo_and_check_exits_0(good_repo: Path) -> None:
    result = integrity_pytest(good_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    check = cli("check", "--verbose", str(good_repo), cwd=good_repo, env={"AIRFLOW_HOME": str(good_repo / ".airflow")})
    assert check.returncode == 0, check.stderr
    assert "good__v1.py: good__v1 (" in check.stdout and "0 problems" in check.stderr


def _hostile_entries(dags: Path) -> list[str]:
    """``*.py`` entries of every kind that is no regular file, in ``dags`` and a folder under it."""
    import socket

    (dags / "nested").mkdir()
    for folder in (dags, dags / "nested"):
        os.mkfifo(folder / "pipe.py")
        (folder / "package.py").mkdir()
        (folder / "loop.py").symlink_to("loop.py")
        (folder / "dangling.py").symlink_to("nowhere.py")
    listening = socket.socket(socket.AF_UNIX)
    try:
        listening.bind(str(dags / "sock.py"))
    finally:
        listening.close()
    good = (dags / "good__v1.py").read_bytes()
    with open(os.path.join(os.fsencode(dags), b"caf\xe9.py"), "wb") as handle:  # a Latin-1 name
        handle.write(good.replace(b"good__v1", b"latin1__v1"))
    return ["pipe.py", "package.py", "loop.py", "dangling.py", "nested/pipe.py", "sock.py", "caf\\udce9.py"]


@pytest.mark.airflow
def test_integrity_test_skips_entries_that_are_no_dag_files_with_a_note(good_repo: Path) -> None:
    """A FIFO, a socket, a folder named x.py, symlink loops and dangling ones, a name that is not
    UTF-8: the shipped test (run as a team runs it) neither hangs nor fails on them, notes each,
    and still loads and checks the good DAG."""
    names = _hostile_entries(good_repo / "dags")
    result = integrity_pytest(good_repo)  # a hang would end in its timeout, failing the test
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 passed" in result.stdout and "Traceback" not in result.stdout + result.stderr
    for name in names:
        assert f"skipped '{name}': " in result.stdout, name
    assert "which would block whoever reads it" in result.stdout and "not valid UTF-8" in result.stdout
    (good_repo / "dags" / "good__v1.py").write_text("import not_a_module_anywhere\n")  # still checked
    assert integrity_pytest(good_repo).returncode == 1


@pytest.mark.airflow
def test_integrity_test_and_check_fail_naming_each_defect(good_repo: Path) -> None:
    """One repo with one file per kind of defect: each file is named with its rule, by both."""
    for number, source in enumerate(DEFECTS.values()):
        (good_repo / "dags" / f"defect_{number}.py").write_text(source)
    result = integrity_pytest(good_repo)
    check = cli("check", str(good_repo), cwd=good_repo, env={"AIRFLOW_HOME": str(good_repo / ".airflow")})
    assert result.returncode == 1 and check.returncode == 1
    for number, rule in enumerate(DEFECTS):
        if rule == "unique dag_id":  # named from whichever of the two files comes second
            assert f"unique dag_id: 'good__v1' is also defined in defect_{number}.py" in check.stderr
            assert "is also defined in" in result.stdout
            continue
        assert f"defect_{number}.py: {rule}" in check.stderr
        assert f"defect_{number}.py: {rule}" in result.stdout
    assert "good__v1.py: owner" not in check.stderr  # the good file stays clean


@pytest.mark.airflow
def test_skip_list_exempts_a_file_from_rules_not_from_import_errors(good_repo: Path) -> None:
    (good_repo / "dags" / "defect.py").write_text(DEFECTS["tags"])
    config = good_repo / ".create_dag.toml"
    config.write_text(config.read_text() + 'check_skip = ["defect.py"]\n')
    assert integrity_pytest(good_repo).returncode == 0
    (good_repo / "dags" / "defect.py").write_text(DEFECTS["import error"])
    assert integrity_pytest(good_repo).returncode == 1


@pytest.mark.airflow
def test_configured_alert_module_path_is_written_and_imported(tmp_path: Path) -> None:
    from helpers import load_dagbag

    (tmp_path / ".create_dag.toml").write_text('alerts_module = "shared.alerts"\noutput_dir = "dags"\n')
    result = cli("--no-input", "--set", "dag_id=a_dag", "--set", "image=x:1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    dags = tmp_path / "dags"
    assert (dags / "shared" / "alerts.py").read_text() == (REPO / "hooks" / "teams_alerts.py").read_text()
    assert not (dags / "teams_alerts.py").exists()
    assert "from shared.alerts import TeamsNotifier" in (dags / "a_dag.py").read_text()
    bag = load_dagbag(dags, dags / "a_dag.py")
    assert bag.import_errors == {}
    assert type(bag.dags["a_dag"].default_args["on_failure_callback"][0]).__name__ == "TeamsNotifier"
    refused = cli("--no-input", "--set", "dag_id=shared", "--set", "image=x:1", cwd=tmp_path)
    assert refused.returncode == 1 and "alert module" in refused.stderr


def test_an_invalid_config_default_names_the_config_file(tmp_path: Path) -> None:
    """A bad default in the team config is blamed on the config file, not on --set."""
    (tmp_path / ".create_dag.toml").write_text('owners = ["data-team"]\nowner = "intruder"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--no-input", "--set", "dag_id=cfg_default",
         "--set", "image=ghcr.io/acme/x:1.0.0"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"owner (default in {tmp_path / '.create_dag.toml'})" in done.stderr and "(--set)" not in done.stderr
