"""``create_dag.py check`` as people and CI read it: only the problems, a summary, JSON, annotations.

One repo for the module: 50 generated DAGs, one file that fails to import
(after a print, a DeprecationWarning and Airflow logging an exception), one
DAG without tags. ``check`` runs as a real subprocess, as a user or CI runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from createdag import checking

REPO = Path(__file__).resolve().parent.parent

BROKEN = """\
import warnings

from airflow.sdk import DAG

warnings.warn("the old way", DeprecationWarning)
print("hello from broken.py")


def load_config():
    raise RuntimeError("config table missing")


load_config()
"""
NO_TAGS = """\
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(
    "no_tags__v1",
    schedule=None,
    default_args={"owner": "data-team", "retries": 1, "on_failure_callback": [print]},
):
    EmptyOperator(task_id="t")
"""
#: the files Airflow parses: 50 generated, broken.py, no_tags.py (teams_alerts.py is in .airflowignore)
FILES = 52
BROKEN_LINE = 10  # the last frame of the traceback in broken.py: the raise
PROBLEMS = [
    "broken.py: import error: RuntimeError: config table missing",
    "no_tags.py: tags: DAG 'no_tags__v1' has no tags: add tags=['...'] to the DAG",
]
NOISE = ("[info", "INFO", "[error", "ERROR", "Traceback", "DeprecationWarning", "hello from broken", "the old way",
         "Failed to import")  # fmt: skip


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from createdag.create import create
    from createdag.settings import Settings

    root = tmp_path_factory.mktemp("check") / "repo"
    dags = root / "dags"
    entries = [{"dag_id": f"good_{n:02d}", "image": "ghcr.io/acme/x:1.0", "owner": "data-team", "tags": ["data"],
                "start_date": "2026-01-01"} for n in range(50)]  # fmt: skip
    create(entries, Settings(output_dir=dags), source="test")
    (dags / "broken.py").write_text(BROKEN)
    (dags / "no_tags.py").write_text(NO_TAGS)
    (root / "airflow_home").mkdir()
    return root


def check(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "check", str(repo), *args], cwd=repo, capture_output=True,
        text=True, timeout=300, env={**base, "AIRFLOW_HOME": str(repo / "airflow_home"), **env},
    )  # fmt: skip


SUMMARY = re.compile(rf"checked {FILES} files \(51 DAGs\) in [\d.]+s with \d+ process(es)?: 2 problems in 2 files")


@pytest.mark.airflow
def test_default_output_is_the_problems_and_a_summary_and_nothing_else(repo: Path) -> None:
    result = check(repo)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:-1] == PROBLEMS, result.stderr
    assert SUMMARY.fullmatch(lines[-1]), lines[-1]
    for noise in NOISE:
        assert noise not in result.stderr + result.stdout, noise


@pytest.mark.airflow
def test_verbose_adds_a_line_per_file_with_what_it_printed_and_warned(repo: Path) -> None:
    result = check(repo, "--verbose")
    assert result.returncode == 1
    files = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert len(files) == FILES
    assert "ok   good_07.py: good_07 (" in result.stdout
    assert "FAIL broken.py: no DAG (" in files[0] and "FAIL no_tags.py: no_tags__v1 (" in result.stdout
    under_broken = result.stdout.split("FAIL broken.py", 1)[1].split("\nok", 1)[0]
    assert "warning: broken.py:5: DeprecationWarning: the old way" in under_broken
    assert "printed: hello from broken.py" in under_broken
    assert result.stderr.splitlines()[:-1] == PROBLEMS  # the problems as without --verbose
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.airflow
def test_json_report_has_the_documented_shape(repo: Path) -> None:
    result = check(repo, "--format", "json")
    assert result.returncode == 1 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["version"] == checking.JSON_VERSION == 1
    assert report["ok"] is False and report["dags_folder"] == str((repo / "dags").resolve())
    summary = report["summary"]
    assert {k: summary[k] for k in ("files", "dags", "problems", "files_with_problems", "slow_files")} == {
        "files": FILES, "dags": 51, "problems": 2, "files_with_problems": 2, "slow_files": 0,
    }  # fmt: skip
    assert summary["processes"] >= 1 and summary["seconds"] > 0 and summary["dagbag_import_timeout"] > 0
    assert report["problems"][0] == {"file": "broken.py", "rule": "import error",
                                     "message": "RuntimeError: config table missing", "line": BROKEN_LINE}
    assert report["problems"][1]["file"] == "no_tags.py" and report["problems"][1]["rule"] == "tags"
    assert report["problems"][1]["line"] == 5  # the line naming the dag_id
    assert [f["file"] for f in report["files"]] == sorted(f["file"] for f in report["files"])
    assert set(report["files"][0]) == {"file", "dag_ids", "seconds", "slow", "warnings", "output"}
    broken = next(f for f in report["files"] if f["file"] == "broken.py")
    assert broken["dag_ids"] == [] and broken["output"] == ["hello from broken.py"]


ANNOTATION = re.compile(r"::(?P<kind>error|warning) (?P<properties>[^:]*)::(?P<message>.*)")


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


@pytest.mark.airflow
def test_github_actions_annotations_point_at_file_and_line(repo: Path) -> None:
    result = check(repo, GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(repo))
    assert result.returncode == 1
    commands = [ANNOTATION.fullmatch(line) for line in result.stdout.splitlines()]
    assert all(commands) and len(commands) == 2, result.stdout
    parsed = []
    for command in commands:
        assert command is not None
        properties = dict(item.split("=", 1) for item in command["properties"].split(","))
        unescaped = {key: _unescape(value) for key, value in properties.items()}
        parsed.append((command["kind"], unescaped, _unescape(command["message"])))
    assert parsed[0] == ("error", {"file": "dags/broken.py", "line": str(BROKEN_LINE), "title": "check: import error"},
                         "RuntimeError: config table missing")  # fmt: skip
    assert parsed[1][1] == {"file": "dags/no_tags.py", "line": "5", "title": "check: tags"}
    assert result.stderr.splitlines()[:-1] == PROBLEMS  # the log still reads as without Actions


def test_workflow_command_escaping_follows_github_toolkit() -> None:
    assert checking.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert checking.escape_property("dags/a,b:c%.py") == "dags/a%2Cb%3Ac%25.py"
    assert checking._command("error", "x,y.py", 3, "t: u", "a\nb") == "::error file=x%2Cy.py,line=3,title=t%3A u::a%0Ab"


@pytest.mark.airflow
def test_workers_give_the_same_results_as_one_process_and_as_the_integrity_test(repo: Path) -> None:
    """The real CLI (workers forked after Airflow's import) against --jobs 1, and the library, in this
    process, in one process and with workers, against the integrity test's own collect."""
    from createdag.integrity import integrity_module

    dags = (repo / "dags").resolve()
    (dags / "again.py").write_text(NO_TAGS.replace("no_tags__v1", "good_03"))  # a dag_id defined twice
    try:
        runs = [json.loads(check(repo, "--format", "json", "--jobs", jobs).stdout) for jobs in ("1", "2")]
        assert [run["summary"]["processes"] for run in runs] == [1, 2]
        assert runs[0]["problems"] == runs[1]["problems"]
        assert [(f["file"], f["dag_ids"], f["warnings"], f["output"]) for f in runs[0]["files"]] == [
            (f["file"], f["dag_ids"], f["warnings"], f["output"]) for f in runs[1]["files"]
        ]
        unique = [p for p in runs[0]["problems"] if p["rule"] == "unique dag_id"]
        assert [(p["file"], p["message"]) for p in unique] == [("good_03.py", "'good_03' is also defined in again.py")]

        module = integrity_module()
        if str(dags) not in sys.path:
            sys.path.append(str(dags))
        for skip in (frozenset(), frozenset({"no_tags.py", "again.py"})):
            problems, results = module.collect(dags, skip)
            expected = ([(p.file, p.rule, p.message) for p in problems], [(r.file, r.dag_ids) for r in results])
            for jobs in (1, 2):
                report = checking.run_check(dags, skip, jobs=jobs)
                assert report.jobs == jobs
                got = ([(p.file, p.rule, p.message) for p in report.problems],
                       [(f.file, f.dag_ids) for f in report.files])  # fmt: skip
                assert got == expected
        from airflow.utils.file import get_unique_dag_module_name

        kept = [path.name for path in dags.glob("*.py") if get_unique_dag_module_name(str(path)) in sys.modules]
        assert kept == []  # each DAG module is dropped once checked: memory does not grow with the repo
    finally:
        (dags / "again.py").unlink()


def test_small_repos_are_checked_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREATE_DAG_JOBS", raising=False)
    assert checking.default_jobs(checking.POOL_MIN_FILES - 1) == 1
    assert 1 <= checking.default_jobs(2000) <= checking.MAX_JOBS
    monkeypatch.setenv("CREATE_DAG_JOBS", "3")
    assert checking.default_jobs(10) == 3


@pytest.mark.airflow
def test_check_after_create_reports_an_import_error_as_check_does(repo: Path) -> None:
    from createdag.airflow_check import check_files, report

    dags = repo / "dags"
    results = check_files([dags / "broken.py", dags / "good_01.py"], dags)
    assert results[0].errors == (("RuntimeError: config table missing", BROKEN_LINE),)
    said: list[str] = []
    assert report(results, said.append) == 1
    message = "does not load in Airflow: RuntimeError: config table missing"
    assert said[0] == f"check: {dags / 'broken.py'}:{BROKEN_LINE}: {message}"
    assert said[1].startswith(f"check: {dags / 'good_01.py'}: loads in Airflow, DAG good_01, parsed in ")


def test_the_line_of_an_import_error_is_the_last_frame_in_the_file_or_the_syntax_error() -> None:
    path = Path("/repo/dags/syntax.py")
    syntax = ('Traceback (most recent call last):\n  File "<frozen importlib._bootstrap_external>", line 1004, in '
              'source_to_code\n  File "/repo/dags/syntax.py", line 2\n    x = (\n        ^\n'
              "SyntaxError: '(' was never closed\n")  # fmt: skip
    assert checking._import_error(syntax, path) == ("SyntaxError: '(' was never closed", 2)
    deep = ('Traceback (most recent call last):\n  File "/repo/dags/syntax.py", line 7, in <module>\n    main()\n'
            '  File "/repo/dags/syntax.py", line 4, in main\n    json.loads("")\n'
            '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\n    return x\n'
            "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n")  # fmt: skip
    assert checking._import_error(deep, path)[1] == 4
    assert checking._import_error("TypeError: bad timetable", path) == ("TypeError: bad timetable", None)


@pytest.mark.airflow
def test_a_file_that_kills_its_worker_is_an_error_naming_where(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "airflow_home").mkdir()
    for number in range(6):
        (tmp_path / "dags" / f"ok_{number}.py").write_text(NO_TAGS.replace("no_tags__v1", f"ok_{number}"))
    (tmp_path / "dags" / "ok_3x.py").write_text("import os\nfrom airflow.sdk import DAG\nos._exit(3)\n")
    result = check(tmp_path, "--jobs", "2")
    assert result.returncode == 1
    assert "a worker process died while loading DAG files" in result.stderr, result.stderr
    named = re.search(r"from (ok_\w+\.py) to (ok_\w+\.py) calls os._exit\(\)", result.stderr)
    assert named and named[1] <= "ok_3x.py" <= named[2], result.stderr
