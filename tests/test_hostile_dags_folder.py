"""A hostile dags folder: names that are CI workflow commands or break lines, and entries that are not files.

Every command is run for real (``create_dag.py`` in a subprocess, with a
timeout) on a repo whose dags folder holds a FIFO, a socket, a folder, a
symlink loop and a dangling symlink all named ``*.py``, a name that is not
UTF-8, and files whose names start a GitHub Actions workflow command or hold
CR, LF, escape sequences and Unicode line separators. Each command must end
(no hang), without a traceback, note what it skipped, and print no line that
a CI runner would read as a command or that such a name broke in two.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from createdag.escape import is_command, line_safe, printable

REPO = Path(__file__).resolve().parent.parent
#: No command may take longer than this on the hostile folder (the FIFO used to block for ever).
BOUND = 240

BROKEN = "a syntax error, so that check names the file\nfrom airflow import DAG\ndag = (\n"
#: name -> what follows a line break in it (which must never start a line of output)
NAMES = {
    "::error title=x::boom.py": None,
    "  ::error::indented.py": None,
    "nl\n::warning::hi.py": "::warning::hi",
    "cr\r::notice::cr.py": "::notice::cr",
    "sep\u2028::debug::sep.py": "::debug::sep",
    "esc\x1b[31mred.py": None,
    "bidi\u202eyp.txt.py": None,
    "legacy ##[error]old.py": None,
}
SPECIAL = ("fifo.py", "sock.py", "dir.py", "loop1.py", "loop2.py", "dangling.py", "bad\udcff.py")
GOOD = ["--no-input", "--set", "image=busybox:1.36", "--set", "start_date=2026-01-01"]


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, str(REPO / "create_dag.py"), *args], cwd=cwd, capture_output=True,
                          timeout=BOUND, env=full, check=False)  # fmt: skip


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Iterator[Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("init", ".", cwd=repo).returncode == 0
    assert cli(*GOOD, "--set", "dag_id=good", cwd=repo).returncode == 0
    dags = repo / "dags"
    for name in NAMES:
        (dags / name).write_text(BROKEN, encoding="utf-8")
    os.mkfifo(dags / "fifo.py")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(dags / "sock.py"))
    (dags / "dir.py").mkdir()
    (dags / "loop1.py").symlink_to("loop2.py")
    (dags / "loop2.py").symlink_to("loop1.py")
    (dags / "dangling.py").symlink_to("nowhere/at_all.py")
    (dags / os.fsdecode(b"bad\xff.py")).write_text(BROKEN, encoding="utf-8")
    yield repo
    server.close()


def assert_log_safe(result: subprocess.CompletedProcess[bytes], *, annotations: bool = False) -> str:
    """Neither stream holds a line a runner reads as a command, a line broken by a name, a
    control character, or a traceback. Returns stderr as text."""
    for stream in (result.stdout, result.stderr):
        text = stream.decode("utf-8")
        assert "Traceback" not in text, text
        bad = [ch for ch in text if not (ch.isprintable() or ch in " \n\t")]
        assert not bad, f"unescaped {bad!r} in:\n{text}"
        for line in text.split("\n"):
            if annotations and re.match(r"::(error|warning) file=[^\n]*::", line):
                continue  # check's own annotations, escaped as the toolkit does
            assert not is_command(line), line
            for follower in filter(None, NAMES.values()):
                assert not line.lstrip().lstrip("\\").startswith(follower), f"a name broke a line: {line!r}"
    return result.stderr.decode("utf-8")


def assert_noted(stderr: str) -> None:
    for name in ("fifo.py", "sock.py", "dir.py", "loop1.py", "dangling.py", "bad\\xff.py"):
        assert re.search(rf"skipped \S*{re.escape(name)}: ", stderr), (name, stderr)


def test_create_skips_special_entries_and_never_hangs(hostile_repo: Path) -> None:
    dry = cli(*GOOD, "--set", "dag_id=other", "--dry-run", cwd=hostile_repo)
    assert dry.returncode == 0, dry.stderr
    assert_noted(assert_log_safe(dry))
    real = cli(*GOOD, "--set", "dag_id=other", cwd=hostile_repo)
    assert real.returncode == 0, real.stderr
    assert_noted(assert_log_safe(real))
    assert (hostile_repo / "dags" / "other.py").is_file()


def test_update_drift_adopt_migrate_init_skip_them(hostile_repo: Path) -> None:
    dags = hostile_repo / "dags"
    for args in (("update",), ("update", "--dry-run"), ("check", "--drift"), ("init", ".")):
        result = cli(*args, cwd=hostile_repo)
        assert result.returncode == 0, (args, result.stderr)
        assert_log_safe(result)
    migrated = cli("migrate", "dags", "--dry-run", cwd=hostile_repo)
    assert migrated.returncode in (0, 1), migrated.stderr
    stderr = assert_log_safe(migrated)
    assert_noted(stderr)
    assert "dags/::error title=x::boom.py: not migrated" in stderr + migrated.stdout.decode()
    for name in ("fifo.py", "loop1.py", "dangling.py", "dir.py"):
        adopted = cli("adopt", f"dags/{name}", cwd=hostile_repo)
        assert adopted.returncode == 1, (name, adopted.stderr)
        assert_log_safe(adopted)
    adopted = cli("adopt", os.fsdecode(b"dags/bad\xff.py"), cwd=hostile_repo)
    assert adopted.returncode == 1 and b"not valid UTF-8" in adopted.stderr
    assert_log_safe(adopted)
    assert sorted(p.name for p in (dags / ".create_dag").iterdir()) == ["good.json"]


def test_a_recorded_dag_that_became_a_symlink_loop_is_skipped_by_update_and_drift(hostile_repo: Path) -> None:
    assert cli(*GOOD, "--set", "dag_id=looped", cwd=hostile_repo).returncode == 0
    target = hostile_repo / "dags" / "looped.py"
    target.unlink()
    target.symlink_to("looped.py")
    drift = cli("check", "--drift", cwd=hostile_repo)
    assert drift.returncode == 0, drift.stderr
    assert_log_safe(drift)
    updated = cli("update", cwd=hostile_repo)
    assert updated.returncode == 1
    assert "looped: dags/looped.py: a symlink loop; skipped, the other DAGs are updated" in assert_log_safe(updated)
    assert "up to date: dags/good.py" in updated.stderr.decode()


@pytest.mark.airflow
def test_check_in_every_format_names_hostile_files_safely(hostile_repo: Path) -> None:
    text = cli("check", "-v", cwd=hostile_repo, env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(hostile_repo)})
    assert text.returncode == 1
    stderr = assert_log_safe(text, annotations=True)
    assert_noted(stderr)
    assert "\\::error title=x::boom.py: import error: SyntaxError" in stderr
    assert "nl\\n::warning::hi.py: import error" in stderr
    assert "cr\\r::notice::cr.py: import error" in stderr
    assert "esc\\x1b[31mred.py: import error" in stderr
    assert "#\\#[error]old.py" in stderr
    annotations = [line for line in text.stdout.decode().splitlines() if line.startswith("::")]
    assert any("file=dags/nl%0A%3A%3Awarning%3A%3Ahi.py" in line for line in annotations)
    plain = cli("check", cwd=hostile_repo)
    assert plain.returncode == 1
    assert_log_safe(plain)
    as_json = cli("check", "--format", "json", cwd=hostile_repo)
    assert as_json.returncode == 1
    assert_log_safe(as_json)
    report = json.loads(as_json.stdout)
    assert {p["file"] for p in report["problems"]} >= set(NAMES)
    assert len(report["skipped"]) == len(SPECIAL)
    assert all(item.startswith("skipped ") for item in report["skipped"])


@given(st.text())
def test_printable_keeps_any_text_on_one_line(text: str) -> None:
    shown = printable(text)
    assert all(ch.isprintable() or ch == " " for ch in shown)
    assert len(shown.splitlines()) <= 1


@given(st.lists(st.text(), max_size=5))
def test_no_printed_line_can_be_a_command(lines: list[str]) -> None:
    safe = line_safe("\n".join(lines))
    assert len(safe.split("\n")) == len("\n".join(lines).split("\n"))
    for line in safe.split("\n"):
        assert not is_command(line)
        assert len(line.splitlines()) <= 1


def test_undecodable_bytes_show_as_the_bytes() -> None:
    assert printable(os.fsdecode(b"bad\xff\xfe.py")) == "bad\\xff\\xfe.py"
    assert printable("a\nb\r\x1b\u2028") == "a\\nb\\r\\x1b\\u2028"


def test_a_dag_file_whose_name_breaks_lines_is_adopted_and_updated_safely(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("init", ".", cwd=repo).returncode == 0
    assert cli(*GOOD, "--set", "dag_id=named", cwd=repo).returncode == 0
    dags = repo / "dags"
    hostile = dags / "nl\n::warning::hi.py"
    (dags / "named.py").rename(hostile)
    (dags / ".create_dag" / "named.json").unlink()
    adopted = cli("adopt", "--yes", str(hostile.relative_to(repo)), cwd=repo)
    assert adopted.returncode == 0, adopted.stderr
    assert "read from dags/nl\\n::warning::hi.py:" in assert_log_safe(adopted)
    for args in (("update",), ("update", "--dry-run", "--set", "retries=4"), ("check", "--drift"),
                 ("migrate", "dags", "--dry-run")):  # fmt: skip
        result = cli(*args, cwd=repo)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert_log_safe(result)
