"""Where the tool writes and what it trusts: config paths stay in the repo, kept answers stay the user's.

A team config is a committed file anyone can change in a pull request: an
``output_dir`` of ``../..``, an absolute path or a symlink out of the repo is
refused by every command, and nothing is written outside. Kept answers for
``--resume`` hold env var values: they are written 0600 in a 0700 folder, and
a kept file that is another user's, writable by others or a symlink is refused
with a message (through the real prompt, in a terminal).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from createdag import session

REPO = Path(__file__).resolve().parent.parent
CREATE = ["--no-input", "--set", "dag_id=escaped", "--set", "image=busybox:1.36", "--set", "start_date=2026-01-01"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(REPO / "create_dag.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize("where", ["../..", "../outside", "ABSOLUTE", "dags/../../outside", "LINK"])
def test_a_config_output_dir_outside_the_repo_is_refused_by_every_command(tmp_path: Path, where: str) -> None:
    repo = tmp_path / "work" / "repo"
    repo.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    if where == "ABSOLUTE":
        where = str(outside)
    elif where == "LINK":
        (repo / "linked").symlink_to(outside)
        where = "linked"
    (repo / ".create_dag.toml").write_text(f"output_dir = {json.dumps(where)}\n", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    for args in (CREATE, ["--dry-run", *CREATE], ["update"], ["check", "--drift"], ["adopt", "x.py"]):
        result = cli(*args, cwd=repo)
        assert result.returncode == 1, (args, result.stderr)
        assert "output_dir" in result.stderr and "is outside the repo" in result.stderr, result.stderr
        assert "pass -o" in result.stderr and "Traceback" not in result.stderr
    assert sorted(tmp_path.rglob("*")) == before  # nothing written anywhere


def test_a_config_output_dir_inside_the_repo_still_works(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".create_dag.toml").write_text(f'output_dir = "{repo / "airflow" / "dags"}"\n', encoding="utf-8")
    result = cli(*CREATE, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "airflow" / "dags" / "escaped.py").is_file()


def test_kept_answers_are_0600_in_a_0700_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "create_dag").mkdir(parents=True, mode=0o755)  # as an older release left it
    os.chmod(tmp_path / "xdg" / "create_dag", 0o755)
    path = session.keep({"dag_id": "secretive", "env_vars": {"TOKEN": "hunter2"}}, tmp_path / "dags")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert session.load_kept(tmp_path / "dags")[0]["dag_id"] == "secretive"


def _kept_in_terminal(tmp_path: Path, cache: Path) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm",
           "XDG_CACHE_HOME": str(cache)}  # fmt: skip
    child = pexpect.spawn(sys.executable, [str(REPO / "create_dag.py"), "--resume", "-o", "dags"], cwd=str(tmp_path),
                          env=env, encoding="utf-8", timeout=60)  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


@pytest.mark.parametrize("how", ["other-owner", "group-writable", "world-writable", "symlink", "open-folder"])
def test_kept_answers_that_are_not_the_users_own_are_refused(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    path = session.keep({"dag_id": "planted"}, (tmp_path / "dags").resolve())
    if how == "other-owner":
        os.chown(path, 12345, 12345)
    elif how == "group-writable":
        os.chmod(path, 0o620)
    elif how == "world-writable":
        os.chmod(path, 0o606)
    elif how == "symlink":
        real = tmp_path / "elsewhere.json"
        real.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        path.unlink()
        path.symlink_to(real)
    else:
        os.chmod(path.parent, 0o777)
    code, output = _kept_in_terminal(tmp_path, cache)
    assert code == 1, output
    assert "kept answers" in output and "delete it" in output and "Traceback" not in output
    assert "planted" not in output.split("error:", 1)[0]  # nothing was asked from the planted answers
