"""What a dags repo is told to run in CI and pre-commit exists and does what it says.

The hooks in ``.pre-commit-hooks.yaml``, the pre-commit config ``init``
writes, and the GitHub Actions workflow in ``docs/ci.md`` are text that
nothing else executes here: each command they name is parsed by the real
CLI parser and its ``--help`` run, each file they name is one ``init``
writes, and the create-dag repo they point at is the one the package
declares.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO
from packaging.requirements import Requirement

from createdag import __version__, cli, resources
from createdag.repo_init import init_repo

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def hooks() -> list[dict[str, Any]]:
    return yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def yaml_blocks() -> list[str]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def workflow() -> dict[str, Any]:
    """The first ```yaml block of docs/ci.md: the GitHub Actions workflow (the others are pieces of
    CI configuration: keeping check's cache)."""
    return yaml.safe_load(yaml_blocks()[0])


def test_the_cache_steps_parse_and_run_commands_that_exist() -> None:
    """The other blocks: steps to add (GitHub) or a job (GitLab), each create-dag command real."""
    blocks = yaml_blocks()[1:]
    assert blocks, "docs/ci.md lost its cache examples"
    commands = []
    for block in blocks:
        data = yaml.safe_load(block)
        steps = data if isinstance(data, list) else [job for job in data.values()]
        for step in steps:
            lines = step.get("run", "").splitlines() + list(step.get("script", []))
            commands += [shlex.split(line) for line in lines if line.startswith("create-dag")]
        assert "cache" in block
    assert {" ".join(argv) for argv in commands} == {"create-dag check --cache-dir .create_dag_cache",
                                                     "create-dag check"}  # fmt: skip
    for argv in commands:
        assert_is_a_real_command(argv)


def run_lines() -> list[list[str]]:
    """Every command of the workflow's ``run:`` steps, split as the shell would."""
    steps = [step for job in workflow()["jobs"].values() for step in job["steps"]]
    return [shlex.split(line) for step in steps if "run" in step for line in step["run"].splitlines() if line.strip()]


def assert_is_a_real_command(argv: list[str]) -> None:
    """``create-dag ARGS`` parses with the real parser, and its command's --help runs."""
    assert argv[0] == "create-dag", argv
    args = cli.parse(argv[1:])  # argparse exits on an unknown flag or command
    assert callable(cli._command_module(args.command).run)
    command = argv[1:2] if argv[1:2] and argv[1] in cli.COMMANDS else []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    helped = subprocess.run([sys.executable, "-m", "createdag", *command, "--help"], capture_output=True,
                            text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert helped.returncode == 0 and "usage:" in helped.stdout, helped.stderr


def test_hooks_run_commands_that_exist() -> None:
    found = hooks()
    assert {hook["id"] for hook in found} == {"create-dag-check", "create-dag-drift"}
    for hook in found:
        assert hook["language"] == "python" and hook["pass_filenames"] is False, hook
        assert_is_a_real_command(shlex.split(hook["entry"]))
    assert [h["entry"] for h in found if h["id"] == "create-dag-drift"] == ["create-dag check --drift"]


def test_init_uses_these_hooks_from_this_version(tmp_path: Path) -> None:
    init_repo(tmp_path)
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (ours,) = [repo for repo in config["repos"] if repo["repo"] == resources.SOURCE_REPO]
    assert ours["rev"] == f"v{__version__}"
    assert {hook["id"] for hook in ours["hooks"]} == {hook["id"] for hook in hooks()}
    (check,) = [hook for hook in ours["hooks"] if hook["id"] == "create-dag-check"]
    names = {Requirement(dep).name for dep in check["additional_dependencies"]}
    assert {"apache-airflow", "pytest"} <= names  # what `check` imports


def test_the_source_repo_is_the_one_the_package_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Source"] == resources.SOURCE_REPO


def test_ci_workflow_is_valid_and_runs_commands_that_exist(tmp_path: Path) -> None:
    flow = workflow()
    assert {"name", "jobs"} <= set(flow) and (True in flow or "on" in flow)  # YAML 1.1 reads `on:` as True
    written = {str(path.relative_to(tmp_path)) for path in init_repo(tmp_path)[0]}
    commands = run_lines()
    assert commands, "the workflow runs nothing"
    seen = set()
    for argv in commands:
        if argv[:3] == ["python", "-m", "pip"]:
            reqs = [Requirement(arg) for arg in argv[4:] if not arg.startswith("-")]
            (tool,) = [r for r in reqs if r.name == "create-dag"]
            assert "airflow" in tool.extras and tool.url and resources.SOURCE_REPO in tool.url
            assert tool.url.endswith(f"@v{__version__}")
            seen.add("install")
        elif argv[:3] == ["python", "-m", "pytest"]:
            assert set(argv[3:]) <= written, f"{argv}: not a file init writes"
            seen.add("integrity test")
        else:
            assert_is_a_real_command(argv)
            seen.add(" ".join(argv))
    assert seen == {"install", "integrity test", "create-dag check --drift"}


def matrix_row(text: str, name: str) -> list[str]:
    (row,) = re.findall(rf"^\| {name} \| ([^|]+) \|", text, flags=re.MULTILINE)
    return [version.strip() for version in row.split(",")]


@pytest.mark.parametrize("path", ["README.md", "docs/ci.md"])
def test_support_matrix_is_what_the_package_declares(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pythons = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)]
    assert matrix_row(text, "Python") == pythons
    assert project["requires-python"] == f">={pythons[0]}"
    airflows = matrix_row(text, "Airflow")
    (airflow,) = [Requirement(r) for r in project["optional-dependencies"]["airflow"] if r.startswith("apache-airflow>")]
    assert str(airflow.specifier) == f">={airflows[0]}"
    assert airflows == [f"3.{minor}" for minor in range(len(airflows))]  # every minor from 3.0 up
