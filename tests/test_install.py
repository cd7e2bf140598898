"""The tool as a user gets it: the wheel built from this repo, installed (not editable) into a fresh venv.

Everything here runs the installed ``create-dag`` from a folder that has
nothing to do with the clone, without ``PYTHONPATH``, so it can only find
what the wheel carries: the template, the alert module, the repo files.
The sdist is built too, and must give the same wheel.

Marked ``install``: it builds with ``python -m build`` (which fetches
setuptools) and installs the wheel's dependencies from the package index,
so it needs the network and takes a minute or two. It runs only when
selected, ``pytest -m install``, as ``.ci/run`` does.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pexpect
import pytest
from helpers import REPO

from createdag import __version__, records

pytestmark = pytest.mark.install

#: What the wheel must carry besides the code, as it sits in the installed package.
DATA_FILES = [
    "createdag/dag_template/cookiecutter.json",
    "createdag/dag_template/local_extensions.py",
    "createdag/dag_template/{{cookiecutter.dag_id}}/{{cookiecutter.dag_id}}.py",
    "createdag/hooks/teams_alerts.py",
    "createdag/repo_files/test_dag_integrity.py",
    "createdag/__main__.py",
    "createdag/docs/usage.md",  # `create-dag docs TOPIC`: every doc a message points at
    "createdag/docs/alerts.md",
    "createdag/docs/deploy/values.yaml",
    "createdag/docs/schemas/update.schema.json",
    "createdag/docs/schemas/adopt.schema.json",
]
REQUIRED = ["--set", "image=ghcr.io/acme/sales:1.2.0", "--set", "owner=data-team", "--set", "tags=sales"]


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, check=False)  # fmt: skip


def source_tree(into: Path) -> Path:
    """A copy of the files git would commit (tracked and new, not ignored): builds never write into the repo."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    assert listed.returncode == 0, f"the install test builds from a git checkout: {listed.stderr}"
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():  # a tracked file deleted in the work tree is not part of the build
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, into / name)
    return into


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, the wheel built from it (what ``python -m build`` does), and a wheel built from the tree."""
    src = source_tree(tmp_path_factory.mktemp("src"))
    dist, direct = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("direct")
    for args in (["--outdir", dist], ["--wheel", "--outdir", direct]):
        result = run(sys.executable, "-m", "build", *args, src, cwd=src)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    (direct_wheel,) = direct.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel, "direct": direct_wheel}


@pytest.fixture(scope="module")
def venv(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and its dependencies, nothing else: its ``bin`` folder."""
    root = tmp_path_factory.mktemp("venv")
    assert run(sys.executable, "-m", "venv", root, cwd=root).returncode == 0
    installed = run(root / "bin" / "python", "-m", "pip", "install", "-q", built["wheel"], cwd=root)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return root / "bin"


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user who never cloned the repo: no PYTHONPATH, a HOME of their own."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    home = tmp_path / "home"
    home.mkdir()
    return {**env, "HOME": str(home), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}


def wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_wheel_carries_template_alert_module_repo_files_and_license(built: dict[str, Path]) -> None:
    files = wheel_files(built["wheel"])
    for name in DATA_FILES:
        assert name in files, name
    code = {p.relative_to(REPO).as_posix() for p in (REPO / "createdag").rglob("*.py")}
    left_out = sorted(code - set(files))
    assert not left_out, f"modules left out of the wheel (list their package in pyproject.toml): {left_out}"
    assert files["createdag/hooks/teams_alerts.py"] == (REPO / "hooks" / "teams_alerts.py").read_bytes()
    shipped_docs = {name.removeprefix("createdag/docs/") for name in files if name.startswith("createdag/docs/")}
    assert {p.name for p in (REPO / "docs").glob("*.md")} <= shipped_docs
    dist_info = f"create_dag-{__version__}.dist-info"
    assert b"Apache License" in files[f"{dist_info}/licenses/LICENSE"]
    meta = email.message_from_bytes(files[f"{dist_info}/METADATA"])
    assert meta["License-Expression"] == "Apache-2.0"
    classifiers = meta.get_all("Classifier")
    assert "Framework :: Apache Airflow" in classifiers
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)} <= set(classifiers)
    assert any(url.startswith("Source, https://") for url in meta.get_all("Project-URL"))
    assert meta["Author"] or meta["Author-email"]
    requires = meta.get_all("Requires-Dist")
    runtime = [r for r in requires if "extra ==" not in r]
    for name in ("cookiecutter", "jinja2", "questionary", "prompt_toolkit", "black", "pyyaml"):
        (line,) = [r for r in runtime if r.lower().startswith(name.lower())]
        assert ">=" in line and "==" not in line, line
    assert not [r for r in requires if "providers-http" in r]
    assert any(r.startswith("apache-airflow>=3.0") and 'extra == "airflow"' in r for r in requires)


def test_the_sdist_builds_the_same_wheel(built: dict[str, Path]) -> None:
    from_sdist, from_tree = wheel_files(built["wheel"]), wheel_files(built["direct"])
    assert sorted(from_sdist) == sorted(from_tree)
    differing = [n for n in from_sdist if from_sdist[n] != from_tree[n] and not n.endswith("/RECORD")]
    assert differing == []


def test_every_command_runs_from_an_unrelated_folder(venv: Path, tmp_path: Path, user_env: dict[str, str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    tool = venv / "create-dag"

    def ok(*args: str | Path, cwd: Path = work) -> subprocess.CompletedProcess[str]:
        result = run(*args, cwd=cwd, env=user_env)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    assert ok(tool, "--version").stdout.strip() == f"create_dag {__version__}"
    assert ok(venv / "python", "-m", "createdag", "--version").stdout.strip() == f"create_dag {__version__}"

    ok(tool, "--no-input", "--set", "dag_id=sales_daily", *REQUIRED)
    assert sorted(p.name for p in (work / "dags").glob("*.py")) == ["sales_daily.py", "teams_alerts.py"]
    assert (work / "dags" / "teams_alerts.py").read_bytes() == (REPO / "hooks" / "teams_alerts.py").read_bytes()

    (work / "more.yaml").write_text(
        "- {dag_id: orders_sync, image: 'ghcr.io/acme/orders:2.0.1', owner: data-team, tags: [orders]}\n"
        "- {dag_id: stock_sync, image: 'ghcr.io/acme/stock:1.0.0', owner: data-team, tags: [stock]}\n",
        encoding="utf-8",
    )
    ok(tool, "--answers", "more.yaml")
    ok(tool, "--example", "failing_alert")
    assert {"orders_sync.py", "stock_sync.py", "gallery_failing_alert.py"} <= {p.name for p in (work / "dags").iterdir()}

    hand = work / "dags" / "hand_written.py"
    hand.write_text((work / "dags" / "orders_sync.py").read_text().replace("orders_sync", "hand_written"))
    ok(tool, "adopt", "--yes", hand)
    ok(tool, "update", "--dry-run")
    ok(tool, "update")
    ok(tool, "check", "--drift", work)

    ok(tool, "init", "repo")
    for name in (".create_dag.toml", ".pre-commit-config.yaml", "dags/teams_alerts.py", "tests/test_dag_integrity.py"):
        assert (work / "repo" / name).is_file(), name
    # Airflow is not in the plain install: check says how to get it, without a traceback
    checked = run(tool, "check", "repo", cwd=work, env=user_env)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "pip install 'create-dag[airflow]'" in checked.stderr

    shipped = run(venv / "python", "-c", "from createdag import records; print(records.template_version()['template_hash'])",
                  cwd=work, env=user_env)  # fmt: skip
    assert shipped.stdout.strip() == records.template_version()["template_hash"]  # records made from a clone agree


def test_the_prompt_runs_to_a_written_file(venv: Path, tmp_path: Path, user_env: dict[str, str]) -> None:
    child = pexpect.spawn(str(venv / "create-dag"), cwd=str(tmp_path), env=user_env, encoding="utf-8",
                          dimensions=(50, 140), timeout=30)  # fmt: skip
    try:
        answers = {"DAG id": "from_wheel", "Owner": "data-team", "Tags": "sales", "Container image": "ghcr.io/acme/x:1"}
        for prompt in ("DAG id", "Schedule", "Container image", "Command"):  # what nothing defaults, first
            child.expect_exact(prompt)
            child.send(answers.get(prompt, "") + "\r")
        child.expect_exact("Next?")
        child.send("g")  # go on through the other questions
        child.expect_exact("Description")
        child.send("\x1b[Z")  # Shift-Tab: back one question, the choice
        child.expect_exact("Next?")
        child.send("g")
        for prompt in ("Description", "Owner", "Tags", "Start date", "Timezone"):
            child.expect_exact(prompt)
            child.send(("\x15" if prompt == "Owner" else "") + answers.get(prompt, "") + "\r")
        for prompt in ("Catch up missed runs?", "Depends on past?", "Wait for downstream?"):
            child.expect_exact(prompt)
            child.send("n")
        for prompt in ("Max active runs", "Max active tasks", "Retries", "Minutes between retries", "Teams alerts on",
                       "Teams connection id"):  # fmt: skip
            child.expect_exact(prompt)
            child.send(answers.get(prompt, "") + "\r")
        child.expect_exact("Set a run timeout, deadline alert, params, assets or data intervals?")
        child.send("n")
        for prompt in ("Task id", "Namespace", "Parallel pods", "Arguments", "Secret env vars", "Env vars",
                       "Image pull secrets"):  # fmt: skip
            child.expect_exact(prompt)
            child.send(answers.get(prompt, "") + "\r")
        for prompt in ("Set pod options", "Set CPU and memory requests/limits?", "Add another task?",
                       "Does this DAG wait for another DAG?"):  # fmt: skip
            child.expect_exact(prompt)
            child.send("n")
        child.expect_exact("Review")  # what differs from the defaults, then: y writes, c changes, u unfolds, n quits
        child.expect_exact("Write dags/from_wheel.py?")
        child.send("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    written = tmp_path / "dags" / "from_wheel.py"
    assert 'dag_id="from_wheel"' in written.read_text(encoding="utf-8")
    assert (tmp_path / "dags" / "teams_alerts.py").read_bytes() == (REPO / "hooks" / "teams_alerts.py").read_bytes()


def test_the_installed_tool_names_itself_and_carries_its_docs(
    venv: Path, tmp_path: Path, user_env: dict[str, str]
) -> None:
    """Issue 27: help, next steps and errors say `create-dag`; every doc they point at is there."""
    import json
    import re

    import jsonschema

    tool = venv / "create-dag"

    def cli(*args: str | Path, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = run(tool, *args, cwd=tmp_path, env=user_env)
        assert result.returncode == code, f"{args}: {result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    helped = cli("--help").stdout
    assert helped.startswith("usage: create-dag ") and "create_dag.py" not in helped
    assert "  create-dag --no-input --answers dags.yaml" in helped
    assert run(venv / "python", "-m", "createdag", "--help", cwd=tmp_path, env=user_env).stdout.startswith(
        "usage: python -m createdag "
    )
    wrote = cli("--no-input", "--set", "dag_id=sales_daily", *REQUIRED).stderr
    cli("--no-input", "--set", "dag_id=orders_sync", *REQUIRED)
    assert "  1. create-dag check   " in wrote and "create_dag.py" not in wrote
    pointed = set(re.findall(r"create-dag\s+docs\s+(\w+)", wrote + helped))  # the help epilog wraps
    assert {"alerts", "usage"} <= pointed
    for topic in pointed:  # piped: the doc itself, plain
        assert cli("docs", topic).stdout == (REPO / "docs" / f"{topic}.md").read_text(encoding="utf-8")

    refused = cli("update", "--set", "retries=4", code=1).stderr
    assert "--set without PATH changes every recorded DAG" in refused and "--all" in refused
    report = json.loads(cli("update", "--all", "--set", "retries=4", "--format", "json").stdout)
    schemas = Path(cli("docs", "--path", "usage").stdout.strip()).parent / "schemas"
    assert str(schemas).startswith(str(venv.parent))  # the installed package's copy
    jsonschema.validate(report, json.loads((schemas / "update.schema.json").read_text()))
    assert report["summary"]["updated"] == 2
    hand = tmp_path / "dags" / "hand_written.py"
    hand.write_text((tmp_path / "dags" / "sales_daily.py").read_text().replace("sales_daily", "hand_written"))
    adopted = json.loads(cli("adopt", "--yes", hand, "--format", "json").stdout)
    jsonschema.validate(adopted, json.loads((schemas / "adopt.schema.json").read_text()))
    assert adopted["recorded"]

    completions = tmp_path / "completions"
    asked = run(tool, cwd=tmp_path, env={**user_env, "_ARGCOMPLETE": "1", "COMP_LINE": "create-dag update sal",
                                         "COMP_POINT": "21", "_ARGCOMPLETE_STDOUT_FILENAME": str(completions)})
    assert asked.returncode == 0, asked.stderr
    assert completions.read_text().split("\013") == ["sales_daily "]
    for shell in ("bash", "zsh", "fish"):
        assert "create-dag" in cli("completion", shell).stdout


def test_the_installed_tool_pages_docs_and_asks_before_a_fleet_wide_set(
    venv: Path, tmp_path: Path, user_env: dict[str, str]
) -> None:
    """In a terminal: `docs` goes through the pager; `update --set` without PATH lists and asks."""
    pager = tmp_path / "pager"
    pager.write_text("#!/bin/sh\necho PAGED; head -1\n")
    pager.chmod(0o755)
    child = pexpect.spawn(str(venv / "create-dag"), ["docs", "alerts"], cwd=str(tmp_path),
                          env={**user_env, "PAGER": str(pager)}, encoding="utf-8", timeout=60)  # fmt: skip
    child.expect_exact("PAGED")
    child.expect_exact("# Teams alerts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    for dag_id in ("sales_daily", "orders_sync"):
        made = run(venv / "create-dag", "--no-input", "--set", f"dag_id={dag_id}", *REQUIRED, cwd=tmp_path,
                   env=user_env)  # fmt: skip
        assert made.returncode == 0, made.stderr
    child = pexpect.spawn(str(venv / "create-dag"), ["update", "--set", "retries=6"], cwd=str(tmp_path),
                          env=user_env, encoding="utf-8", timeout=60)  # fmt: skip
    child.expect_exact("orders_sync (dags/orders_sync.py): retries 2 -> 6")
    child.expect_exact("sales_daily (dags/sales_daily.py): retries 2 -> 6")
    child.expect_exact("Update these 2 DAG file(s)? [y/N]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert '"retries": 6' in (tmp_path / "dags" / "orders_sync.py").read_text()
