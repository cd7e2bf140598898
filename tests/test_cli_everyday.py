"""The CLI as a team lives with it (issue 27): the name it was run by, the shipped docs, a
fleet-wide --set that looks first, JSON for update and adopt, shell completion.

Each point runs the real command in a subprocess (pexpect where a terminal
matters); tests/test_install.py runs the same points on the installed wheel.
"""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from helpers import REPO

from createdag.invocation import name_from

SCHEMAS = REPO / "docs" / "schemas"
REQUIRED = ["--set", "image=ghcr.io/acme/sales:1.2.0", "--set", "owner=data-team", "--set", "tags=sales"]


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", **extra}


def console_script(folder: Path) -> Path:
    """A ``create-dag`` launcher as pip writes one (argv[0] is its path), running this clone."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "create-dag"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom createdag.cli import main\nsys.exit(main())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def run(argv: list[str | Path], cwd: Path, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env(**extra), input=stdin, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def tool(tmp_path: Path) -> list[str | Path]:
    return [console_script(tmp_path / "bin")]


def two_dags(tmp_path: Path) -> Path:
    for dag_id in ("sales_daily", "orders_sync"):
        result = run([*tool(tmp_path), "--no-input", "--set", f"dag_id={dag_id}", *REQUIRED], tmp_path)
        assert result.returncode == 0, result.stderr
    return tmp_path / "dags"


# --- the name the user ran -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv0", "cwd", "name"),
    [
        ("/home/u/.local/bin/create-dag", "/anywhere", "create-dag"),
        ("/venv/Scripts/create-dag.exe", "/anywhere", "create-dag"),
        ("/site-packages/createdag/__main__.py", "/anywhere", "python -m createdag"),
        ("create_dag.py", "/clone", "python create_dag.py"),
        ("/clone/create_dag.py", "/clone", "python create_dag.py"),
        ("../clone/create_dag.py", "/work", "python ../clone/create_dag.py"),
        ("/usr/bin/pytest", "/anywhere", "create-dag"),  # called in-process: the installed name
    ],
)
def test_the_name_comes_from_how_the_tool_was_started(argv0: str, cwd: str, name: str) -> None:
    assert name_from(argv0, cwd) == name


def test_help_and_next_steps_use_the_name_that_was_run(tmp_path: Path) -> None:
    helped = run([*tool(tmp_path), "--help"], tmp_path)
    assert helped.stdout.startswith("usage: create-dag ")
    assert "  create-dag --no-input --answers dags.yaml" in helped.stdout
    assert "create_dag.py" not in helped.stdout and "docs/" not in helped.stdout
    assert "(create-dag docs usage)" in " ".join(helped.stdout.split())  # the epilog wraps where it will
    assert run([sys.executable, "-m", "createdag", "--help"], tmp_path).stdout.startswith("usage: python -m createdag ")
    assert run([sys.executable, "create_dag.py", "update", "--help"], REPO).stdout.startswith(
        "usage: python create_dag.py update"
    )
    wrote = run([*tool(tmp_path), "--no-input", "--set", "dag_id=sales_daily", *REQUIRED], tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    assert "  1. create-dag check   (loads every DAG" in wrote.stderr
    assert "(create-dag docs alerts)" in wrote.stderr
    assert "create_dag.py" not in wrote.stderr and "docs/" not in wrote.stderr
    again = run([*tool(tmp_path), "--no-input", "--set", "dag_id=sales_daily", *REQUIRED], tmp_path)
    assert again.returncode == 1 and "create_dag.py" not in again.stderr


def _strings_outside_docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }  # fmt: skip
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_message_names_the_clone_script_or_a_docs_file() -> None:
    """What the tool says must work for an installed user: commands through ``invocation.prog()``,
    docs through ``invocation.docs_hint()`` (``create-dag docs TOPIC``), never ``docs/x.md``."""
    import re

    found = []
    for path in sorted((REPO / "createdag").rglob("*.py")):
        if "repo_files" in path.parts or path.name == "invocation.py":  # the repo's test; the namer
            continue
        for line, text in _strings_outside_docstrings(path):
            if "create_dag.py" in text or re.search(r"docs/\w+\.md", text):
                found.append(f"{path.relative_to(REPO)}:{line}: {text[:80]!r}")
    assert not found, "\n".join(found)


# --- docs shipped with the tool ------------------------------------------------------------


def test_docs_lists_the_topics_and_prints_one_plain_when_piped(tmp_path: Path) -> None:
    listed = run([*tool(tmp_path), "docs"], tmp_path)
    assert listed.returncode == 0
    topics = {line.split()[0] for line in listed.stdout.splitlines()}
    assert {"usage", "options", "alerts", "update", "migrate", "ci", "deploy"} <= topics
    assert "create-dag docs TOPIC" in listed.stderr
    shown = run([*tool(tmp_path), "docs", "alerts"], tmp_path)
    assert shown.returncode == 0 and shown.stdout == (REPO / "docs" / "alerts.md").read_text(encoding="utf-8")
    assert run([*tool(tmp_path), "docs", "usa"], tmp_path).stdout.startswith("# ")  # a unique prefix is enough
    where = run([*tool(tmp_path), "docs", "--path", "options"], tmp_path)
    assert Path(where.stdout.strip()).read_bytes() == (REPO / "docs" / "options.md").read_bytes()
    wrong = run([*tool(tmp_path), "docs", "alrets"], tmp_path)
    assert wrong.returncode == 1 and "did you mean 'alerts'?" in wrong.stderr and "Traceback" not in wrong.stderr


def test_every_doc_a_message_points_at_exists() -> None:
    """Each ``docs_hint('x')`` in the code names a shipped doc."""
    import re

    topics = {path.stem for path in (REPO / "docs").glob("*.md")}
    named = set()
    for path in (REPO / "createdag").rglob("*.py"):
        named |= set(re.findall(r"docs_hint\(['\"](\w+)['\"]\)", path.read_text(encoding="utf-8")))
    assert named - {"TOPIC"} and named - {"TOPIC"} <= topics, named - topics


def test_docs_in_a_terminal_go_through_the_pager(tmp_path: Path) -> None:
    pager = tmp_path / "pager"
    pager.write_text("#!/bin/sh\necho PAGED-BY-PAGER; head -1\n")
    pager.chmod(0o755)
    child = pexpect.spawn(str(console_script(tmp_path / "bin")), ["docs", "usage"], cwd=str(tmp_path),
                          env=env(PAGER=str(pager)), encoding="utf-8", timeout=60)  # fmt: skip
    child.expect_exact("PAGED-BY-PAGER")
    child.expect_exact("# Using create_dag")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# --- a fleet-wide --set looks first --------------------------------------------------------


def test_set_without_path_and_without_a_terminal_needs_all(tmp_path: Path) -> None:
    dags = two_dags(tmp_path)
    before = {p.name: p.read_bytes() for p in dags.glob("*.py")}
    refused = run([*tool(tmp_path), "update", "--set", "retries=4"], tmp_path)
    assert refused.returncode == 1
    assert "--set without PATH changes every recorded DAG" in refused.stderr and "--all" in refused.stderr
    assert {p.name: p.read_bytes() for p in dags.glob("*.py")} == before  # nothing written
    named = run([*tool(tmp_path), "update", "--set", "retries=4", "sales_daily"], tmp_path)
    assert named.returncode == 0, named.stderr
    assert '"retries": 4' in (dags / "sales_daily.py").read_text() and '"retries": 4' not in (
        dags / "orders_sync.py"
    ).read_text()
    every = run([*tool(tmp_path), "update", "--all", "--set", "retries=5"], tmp_path)
    assert every.returncode == 0, every.stderr
    assert all('"retries": 5' in (dags / f"{d}.py").read_text() for d in ("sales_daily", "orders_sync"))
    both = run([*tool(tmp_path), "update", "--all", "sales_daily"], tmp_path)
    assert both.returncode == 1 and "not both" in both.stderr


@pytest.mark.parametrize("reply", ["n", "y"])
def test_set_without_path_in_a_terminal_shows_the_changes_and_asks(tmp_path: Path, reply: str) -> None:
    dags = two_dags(tmp_path)
    run([*tool(tmp_path), "update", "--set", "retries=7", "orders_sync"], tmp_path)
    before = {p.name: p.read_bytes() for p in dags.glob("*.py")}
    child = pexpect.spawn(str(console_script(tmp_path / "bin")), ["update", "--set", "retries=7"],
                          cwd=str(tmp_path), env=env(), encoding="utf-8", timeout=60)  # fmt: skip
    child.expect_exact("every recorded DAG in dags (2):")
    child.expect_exact("orders_sync (dags/orders_sync.py): no answer changes (file unchanged)")
    child.expect_exact("sales_daily (dags/sales_daily.py): retries 2 -> 7")
    child.expect_exact("Update these 1 DAG file(s)? [y/N]")
    assert {p.name: p.read_bytes() for p in dags.glob("*.py")} == before  # nothing written before the answer
    child.sendline(reply)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    if reply == "n":
        assert "Nothing changed." in child.before
        assert {p.name: p.read_bytes() for p in dags.glob("*.py")} == before
    else:
        assert "updated dags/sales_daily.py" in child.before
        assert '"retries": 7' in (dags / "sales_daily.py").read_text()


# --- --format json, checked against the shipped schemas ------------------------------------


def validate(document: dict, schema: str) -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS / schema).read_text()))
    jsonschema.validate(document, json.loads((SCHEMAS / schema).read_text()),
                        cls=jsonschema.Draft202012Validator)  # fmt: skip


def test_update_json_matches_its_schema(tmp_path: Path) -> None:
    dags = two_dags(tmp_path)
    dry = run([*tool(tmp_path), "update", "--all", "--set", "retries=3", "--dry-run", "--format", "json"], tmp_path)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    validate(report, "update.schema.json")
    assert report["dry_run"] and not report["applied"] and report["summary"]["updated"] == 2
    (sales,) = [d for d in report["dags"] if d["dag_id"] == "sales_daily"]
    assert sales["changes"] == [{"task": None, "key": "retries", "old": 2, "new": 3}]
    assert '-        "retries": 2,\n+        "retries": 3,' in sales["diff"]
    # written: the new values, each where the file has it
    done = run([*tool(tmp_path), "update", "--set", "retries=3", "--set", "image=ghcr.io/acme/sales:2.0.0",
                "sales_daily", "--format", "json"], tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    validate(report, "update.schema.json")
    (entry,) = report["dags"]
    assert report["applied"] and report["ok"] and entry["status"] == "updated" and "diff" not in entry
    assert {(c["key"], c["old"], c["new"]) for c in entry["changes"]} >= {
        ("retries", 2, 3), ("image", "ghcr.io/acme/sales:1.2.0", "ghcr.io/acme/sales:2.0.0")}
    # a DAG that needs you: a file that is no longer UTF-8 text is skipped, ok is false, exit 1
    (dags / "orders_sync.py").write_bytes(b"\xff\xfe not text")
    failed = run([*tool(tmp_path), "update", "--all", "--format", "json"], tmp_path)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    validate(report, "update.schema.json")
    assert not report["ok"] and report["summary"]["unreadable"] == 1
    declined = run([*tool(tmp_path), "update", "orders_sync", "--format", "json"], tmp_path)
    validate(json.loads(declined.stdout), "update.schema.json")


def test_adopt_json_matches_its_schema_recorded_and_refused(tmp_path: Path) -> None:
    dags = two_dags(tmp_path)
    hand = dags / "hand_written.py"
    hand.write_text((dags / "sales_daily.py").read_text().replace("sales_daily", "hand_written"))
    adopted = run([*tool(tmp_path), "adopt", "--yes", hand, "--format", "json"], tmp_path)
    assert adopted.returncode == 0, adopted.stderr
    report = json.loads(adopted.stdout)
    validate(report, "adopt.schema.json")
    assert report["recorded"] and report["dag_id"] == "hand_written" and report["error"] is None
    assert Path(tmp_path / report["record"]).is_file()
    assert report["answers"]["tasks"][0]["image"] == "ghcr.io/acme/sales:1.2.0"
    assert report["adopted"]["absent"] == json.loads(Path(tmp_path / report["record"]).read_text())["adopted"]["absent"]
    (dags / "not_a_dag.py").write_text("print('hello')\n")
    refused = run([*tool(tmp_path), "adopt", "--yes", dags / "not_a_dag.py", "--format", "json"], tmp_path)
    assert refused.returncode == 1 and "error:" in refused.stderr
    report = json.loads(refused.stdout)
    validate(report, "adopt.schema.json")
    assert not report["ok"] and not report["recorded"] and "nothing to adopt" in report["error"]


# --- shell completion ----------------------------------------------------------------------


def complete(tmp_path: Path, line: str, cwd: Path | None = None) -> list[str]:
    """What the CLI answers the shell for ``line`` (argcomplete's protocol, as the scripts speak it)."""
    out = tmp_path / "completions"
    result = run([*tool(tmp_path)], cwd or tmp_path, _ARGCOMPLETE="1", _ARGCOMPLETE_SHELL="bash",
                 COMP_LINE=line, COMP_POINT=str(len(line)), _ARGCOMPLETE_STDOUT_FILENAME=str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return sorted(word.rstrip(" ") for word in out.read_text().split("\013") if word)


def test_completion_knows_commands_options_keys_dag_ids_gallery_and_topics(tmp_path: Path) -> None:
    two_dags(tmp_path)
    commands = {"check", "update", "adopt", "migrate", "docs", "completion", "init"}
    assert commands <= set(complete(tmp_path, "create-dag "))
    assert complete(tmp_path, "create-dag up") == ["update"]
    assert {"--dry-run", "--all", "--format", "--set"} <= set(complete(tmp_path, "create-dag update --"))
    assert complete(tmp_path, "create-dag update --set retr") == ["retries=", "retry_delay_minutes="]
    assert "schedule=" in complete(tmp_path, "create-dag --set sch")
    assert "load.image=" in complete(tmp_path, "create-dag --set load.im")
    assert complete(tmp_path, "create-dag --set catchup=") == ["catchup=false", "catchup=true"]
    assert complete(tmp_path, "create-dag update sales") == ["sales_daily"]
    assert complete(tmp_path, "create-dag update -o dags ord") == ["orders_sync"]
    from createdag.gallery import EXAMPLES

    assert {"list", *EXAMPLES} <= set(complete(tmp_path, "create-dag --example "))  # NAME is optional: options too
    assert complete(tmp_path, "create-dag --example fail") == sorted(n for n in EXAMPLES if n.startswith("fail"))
    assert complete(tmp_path, "create-dag docs al") == ["alerts"]
    assert complete(tmp_path, "create-dag completion ") == ["--help", "-h", "bash", "fish", "zsh"]


def test_bash_completes_through_the_printed_script(tmp_path: Path) -> None:
    """The real bash, the script `completion bash` prints sourced, its function run for a line."""
    two_dags(tmp_path)
    script = run([*tool(tmp_path), "completion", "bash"], tmp_path)
    assert script.returncode == 0 and "complete " in script.stdout and "create-dag" in script.stdout
    (tmp_path / "complete.bash").write_text(script.stdout)
    probe = (
        "source complete.bash; COMP_LINE='create-dag update sal'; COMP_POINT=${#COMP_LINE}; "
        "COMP_WORDS=(create-dag update sal); COMP_CWORD=2; _python_argcomplete create-dag; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    bash = run(["bash", "-c", probe], tmp_path, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert bash.stdout.split() == ["sales_daily"], bash.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_register_the_command(tmp_path: Path, shell: str) -> None:
    """The script each prints; where the shell is installed, the shell itself loads it (zsh: in its
    completion system) and completes a line through it (fish: `complete -C`)."""
    import shutil

    two_dags(tmp_path)
    script = run([*tool(tmp_path), "completion", shell], tmp_path)
    assert script.returncode == 0
    if shell == "zsh":
        assert script.stdout.startswith("#compdef create-dag")
        assert "compdef _python_argcomplete create-dag" in script.stdout
    else:
        assert "complete --command create-dag" in script.stdout
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed here: the script is not run by {shell}")
    (tmp_path / f"complete.{shell}").write_text(script.stdout)
    path = f"{tmp_path / 'bin'}:{os.environ['PATH']}"
    if shell == "zsh":
        probe = "autoload -U compinit; compinit -u; source complete.zsh; print -r -- $_comps[create-dag]"
        loaded = run([binary, "-f", "-c", probe], tmp_path, PATH=path)
        assert loaded.stdout.strip() == "_python_argcomplete", loaded.stderr
    else:
        probe = "source complete.fish; complete -C 'create-dag update sal'; complete -C 'create-dag --set retr'"
        completed = run([binary, "--no-config", "-c", probe], tmp_path, PATH=path)
        assert completed.stdout.split() == ["sales_daily", "retries=", "retry_delay_minutes="], completed.stderr


@pytest.mark.parametrize("shell", ["zsh", "bash"])
def test_tab_in_an_interactive_shell_completes_a_recorded_dag_id(tmp_path: Path, shell: str) -> None:
    """As a user has it: an interactive shell (zsh with its completion system, bash with the
    script sourced), `create-dag update sal` then Tab: the line reads `create-dag update sales_daily`."""
    import shutil

    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed here")
    two_dags(tmp_path)
    script = run([*tool(tmp_path), "completion", shell], tmp_path)
    (tmp_path / f"complete.{shell}").write_text(script.stdout)
    home = tmp_path / "home"
    home.mkdir()
    setup = {"zsh": "autoload -U compinit; compinit -u; source complete.zsh",
             "bash": "source complete.bash"}[shell]  # fmt: skip
    argv = [binary, "-f", "-i"] if shell == "zsh" else [binary, "--norc", "--noprofile", "-i"]
    child = pexpect.spawn(argv[0], argv[1:], cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(40, 200),
                          env=env(PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}", HOME=str(home), PS1="READY> ",
                                  PROMPT="READY> "))  # fmt: skip
    try:
        child.sendline(f"{setup}; PS1='READY> '; PROMPT='READY> '; echo set-up")
        child.expect("set-up")
        child.expect("READY> ")
        child.send("create-dag update sal\t")
        child.expect("create-dag update sales_daily")
        child.sendcontrol("c")
    finally:
        child.close(force=True)


def test_completion_without_a_shell_says_which(tmp_path: Path) -> None:
    result = run([*tool(tmp_path), "completion"], tmp_path, SHELL="/bin/tcsh")
    assert result.returncode == 1 and "give the shell" in result.stderr and "Traceback" not in result.stderr
