"""``check`` that remembers (check_cache): only what changed is loaded again, Airflow only then.

The key of each file: its content, the dags folder's modules it imports
(transitively), the imported names the folder lacks, the data files it names;
of the whole cache: the tool, the installed distributions, Airflow's config.
Each test runs the real command (a subprocess) on a small repo, and compares
with a run without the cache: the report must be the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from createdag import check_cache

HELPER = "def owner():\n    return 'data-team'\n"
USES_HELPER = """\
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from common.people import owner
{extra}
with DAG("{dag_id}", schedule=None, tags=["t"],
         default_args={{"owner": owner(), "retries": 1, "on_failure_callback": [print]}}):
    EmptyOperator(task_id="t")
"""
READS_CONFIG = """\
from pathlib import Path

import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

CONFIG = yaml.safe_load((Path(__file__).parent / "configs" / "tables.yaml").read_text())
for table in CONFIG["tables"]:
    with DAG(f"load_{table}", schedule=None, tags=["t"],
             default_args={"owner": "data-team", "retries": 1, "on_failure_callback": [print]}):
        EmptyOperator(task_id="t")
"""
STANDALONE = """\
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
{extra}
with DAG("standalone", schedule=None, tags=["t"],
         default_args={"owner": "data-team", "retries": 1, "on_failure_callback": [print]}):
    EmptyOperator(task_id="t")
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """dags/: two DAGs importing common/people.py, one reading configs/tables.yaml, one standalone."""
    dags = tmp_path / "repo" / "dags"
    (dags / "common").mkdir(parents=True)
    (dags / "configs").mkdir()
    (dags / "common" / "__init__.py").write_text("")
    (dags / "common" / "people.py").write_text(HELPER)
    (dags / "configs" / "tables.yaml").write_text("tables: [orders, stock]\n")
    (dags / ".airflowignore").write_text("common/\n")
    for dag_id in ("sales", "billing"):
        (dags / f"{dag_id}.py").write_text(USES_HELPER.format(dag_id=dag_id, extra=""))
    (dags / "tables.py").write_text(READS_CONFIG)
    (dags / "standalone.py").write_text(STANDALONE.replace("{extra}", ""))
    return tmp_path / "repo"


def check(repo: Path, *options: str, cache: Path | None = None) -> tuple[int, dict]:
    argv = [sys.executable, str(REPO / "create_dag.py"), "check", str(repo), "--format", "json", *options]
    if cache is not None:
        argv += ["--cache-dir", str(cache)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def same_findings(one: dict, other: dict) -> None:
    """Two reports say the same, whatever came from the cache (times aside)."""
    assert one["problems"] == other["problems"] and one["ok"] == other["ok"]
    def comparable(report: dict) -> list[dict]:  # Airflow's bag does not keep a file's DAGs in one order
        return [{**{k: v for k, v in f.items() if k != "seconds"}, "dag_ids": sorted(f["dag_ids"])}
                for f in report["files"]]  # fmt: skip

    assert comparable(one) == comparable(other)


@pytest.mark.airflow
def test_nothing_changed_answers_from_the_cache_without_importing_airflow(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code, first = check(repo, cache=cache)
    assert code == 0 and first["summary"]["cached_files"] == 0 and first["summary"]["dags"] == 5
    assert (cache / "check-cache.json").is_file()
    code, second = check(repo, cache=cache)
    assert code == 0 and second["summary"]["cached_files"] == second["summary"]["files"] == 4
    same_findings(first, second)
    probe = (
        "import sys; from pathlib import Path; from createdag import checking; "
        f"r = checking.run_check(Path({str(repo / 'dags')!r}), cache=Path({str(cache / 'check-cache.json')!r})); "
        "print(r.cached, len(r.files), 'airflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout  # fmt: skip
    assert out.split() == ["4", "4", "False"]


@pytest.mark.airflow
def test_one_file_changed_is_the_one_checked_again(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(repo, cache=cache)
    (repo / "dags" / "standalone.py").write_text(STANDALONE.replace("{extra}", "raise ValueError('broken on purpose')"))
    code, report = check(repo, cache=cache)
    assert code == 1 and report["summary"]["cached_files"] == 3
    assert [p["file"] for p in report["problems"]] == ["standalone.py"]
    assert "ValueError: broken on purpose" in report["problems"][0]["message"]
    # the problem is remembered too: the next run says it again, from the cache
    code, again = check(repo, cache=cache)
    assert code == 1 and again["summary"]["cached_files"] == 4
    same_findings(report, again)
    same_findings(report, check(repo, "--no-cache")[1])


@pytest.mark.airflow
def test_a_shared_helper_changed_checks_the_dags_that_import_it(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(repo, cache=cache)
    (repo / "dags" / "common" / "people.py").write_text("def owner():\n    return ''\n")
    code, report = check(repo, cache=cache)
    assert code == 1 and report["summary"]["cached_files"] == 2  # tables.py and standalone.py
    assert sorted(p["file"] for p in report["problems"]) == ["billing.py", "sales.py"]
    assert {p["rule"] for p in report["problems"]} == {"owner"}
    same_findings(report, check(repo, "--no-cache")[1])


@pytest.mark.airflow
def test_a_python_file_gaining_the_words_airflow_lists_by_is_listed_again(repo: Path, tmp_path: Path) -> None:
    """Airflow's safe mode lists a .py file only if it says "airflow" and "dag" (or "asset"):
    editing a DAG keeps the cached list, but a file gaining those words is listed again."""
    cache = tmp_path / "cache"
    (repo / "dags" / "notes.py").write_text("x = 1\n")
    _, report = check(repo, cache=cache)
    assert "notes.py" not in [f["file"] for f in report["files"]]
    (repo / "dags" / "notes.py").write_text("# no airflow dag here after all\nx = 1\n")
    _, report = check(repo, cache=cache)
    assert "notes.py" in [f["file"] for f in report["files"]] and report["summary"]["cached_files"] == 4
    same_findings(report, check(repo, "--no-cache")[1])


@pytest.mark.airflow
def test_a_data_file_the_dag_names_is_part_of_its_key(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check(repo, cache=cache)
    (repo / "dags" / "configs" / "tables.yaml").write_text("tables: [orders, stock, returns]\n")
    code, report = check(repo, cache=cache)
    assert code == 0 and report["summary"]["dags"] == 6 and report["summary"]["cached_files"] == 3
    (tables,) = [f for f in report["files"] if f["file"] == "tables.py"]
    assert sorted(tables["dag_ids"]) == ["load_orders", "load_returns", "load_stock"]
    (repo / "dags" / "README.md").write_text("# what these DAGs are\n")  # nothing imports or names it
    probe = (
        "import sys; from pathlib import Path; from createdag import checking; "
        f"r = checking.run_check(Path({str(repo / 'dags')!r}), cache=Path({str(cache / 'check-cache.json')!r})); "
        "print(r.cached, len(r.files), 'airflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout  # fmt: skip
    assert out.split() == ["4", "4", "False"]  # a new README: no file to check, Airflow not imported


@pytest.mark.airflow
def test_a_module_the_folder_lacked_is_noticed_when_it_appears(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (repo / "dags" / "standalone.py").write_text(STANDALONE.replace("{extra}", "import team_utils"))
    code, report = check(repo, cache=cache)
    assert code == 1 and "No module named 'team_utils'" in report["problems"][0]["message"]
    (repo / "dags" / "team_utils.py").write_text("RETRIES = 1\n")
    (repo / "dags" / ".airflowignore").write_text("common/\nteam_utils.py\n")
    code, report = check(repo, cache=cache)
    assert code == 0 and report["summary"]["cached_files"] == 3
    same_findings(report, check(repo, "--no-cache")[1])


@pytest.mark.airflow
def test_airflow_configuration_and_tool_are_part_of_the_key(repo: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    check(repo, cache=cache)
    monkeypatch.setenv("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT", "1")
    _, report = check(repo, cache=cache)
    assert report["summary"]["cached_files"] == 0 and report["summary"]["dagbag_import_timeout"] == 1.0
    assert check(repo, cache=cache)[1]["summary"]["cached_files"] == 4


@pytest.mark.airflow
def test_a_moved_checkout_with_the_same_cache_dir_still_hits(repo: Path, tmp_path: Path) -> None:
    """CI restores the cache folder into a checkout that may sit at another path."""
    import shutil

    cache = tmp_path / "cache"
    check(repo, cache=cache)
    moved = tmp_path / "elsewhere" / "repo"
    shutil.copytree(repo, moved)
    code, report = check(moved, cache=cache)
    assert code == 0 and report["summary"]["cached_files"] == 4


@pytest.mark.airflow
@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "HOSTILE",  # a well-formed file whose entries have the wrong types
    ],
)
def test_a_cache_file_that_does_not_read_is_ignored(repo: Path, tmp_path: Path, content: str) -> None:
    cache = tmp_path / "cache"
    code, clean = check(repo, cache=cache)
    path = cache / "check-cache.json"
    if content == "HOSTILE":
        data = json.loads(path.read_text())
        for entry in data["entries"].values():
            entry["dag_ids"] = [1, 2]
            entry["dags"] = "x"
        content = json.dumps(data)
    path.write_text(content)
    code, report = check(repo, cache=cache)
    assert code == 0 and report["summary"]["cached_files"] == 0
    same_findings(clean, report)


@pytest.mark.airflow
def test_no_cache_keeps_nothing_and_the_default_cache_is_per_user(repo: Path, tmp_path: Path) -> None:
    home_cache = Path(os.environ["HOME"]) / ".cache" / "create_dag" / "check"
    check(repo, "--no-cache")
    assert not home_cache.exists()
    check(repo)
    assert len(list(home_cache.glob("check-*.json"))) == 1
    assert check(repo)[1]["summary"]["cached_files"] == 4


# --- the key, without Airflow --------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "relative", "modules"),
    [
        ("import a.b.c\nimport os", "x.py", ["a.b.c", "os"]),
        ("from common import people, dates as d", "x.py", ["common", "common.dates", "common.people"]),
        ("from . import sib\nfrom ..up import y", "pkg/sub/m.py", ["pkg.sub", "pkg.sub.sib", "pkg.up", "pkg.up.y"]),
        ("import importlib\nimportlib.import_module('plugins.x')", "x.py", ["importlib", "plugins.x"]),
        ("def broken(:", "x.py", []),
    ],
)
def test_imports_read_from_source(source: str, relative: str, modules: list[str]) -> None:
    assert check_cache.references(source.encode(), relative)["modules"] == modules


def test_module_files_are_the_packages_and_the_module() -> None:
    hashes = {"common/__init__.py": "1", "common/people.py": "2", "flat.py": "3", "ns/mod.py": "4"}
    assert check_cache.module_files("common.people", hashes) == (["common/__init__.py", "common/people.py"], True)
    assert check_cache.module_files("flat", hashes) == (["flat.py"], True)
    assert check_cache.module_files("ns.mod", hashes) == (["ns/mod.py"], True)  # a namespace package
    assert check_cache.module_files("yaml", hashes) == ([], False)


@pytest.mark.parametrize("content", ["[]", '{"format": 1}', '{"format": 1, "environment": "x"}', "\udcff"])
def test_a_cache_file_of_another_shape_is_empty(tmp_path: Path, content: str) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "a.py").write_text("x = 1\n")
    path = tmp_path / "check-cache.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    cache = check_cache.CheckCache(path, tmp_path / "dags")
    assert cache.listing() is None and cache.settings() is None and cache.outcome("a.py") is None


def test_the_key_follows_imports_and_named_data_files(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    (dags / "common").mkdir(parents=True)
    (dags / "sql").mkdir()
    (dags / "common" / "__init__.py").write_text("")
    (dags / "common" / "people.py").write_text("import common.dates\n")
    (dags / "common" / "dates.py").write_text("")
    (dags / "sql" / "q.sql").write_text("select 1")
    (dags / "a.py").write_text("from common.people import x\nQUERY = 'sql/q.sql'\n")
    (dags / "b.py").write_text("import yaml\n")

    def keys() -> dict[str, str]:
        cache = check_cache.CheckCache(tmp_path / "c.json", dags)
        return {name: cache.key(name) for name in ("a.py", "b.py")}

    first = keys()
    (dags / "common" / "dates.py").write_text("X = 1\n")  # imported through people.py
    second = keys()
    assert second["a.py"] != first["a.py"] and second["b.py"] == first["b.py"]
    (dags / "sql" / "q.sql").write_text("select 2")
    third = keys()
    assert third["a.py"] != second["a.py"] and third["b.py"] == second["b.py"]
    (dags / "yaml.py").write_text("")  # a module the folder lacked
    assert keys()["b.py"] != third["b.py"]


def test_the_cache_folder_comes_from_the_flag_the_environment_or_the_user_cache(tmp_path: Path, monkeypatch) -> None:
    from createdag import cli
    from createdag.commands.check import _cache_file

    dags = tmp_path / "dags"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CREATE_DAG_CHECK_CACHE", raising=False)
    default = _cache_file(cli.parse(["check"]), dags)
    assert default is not None and default.parent == tmp_path / "xdg" / "create_dag" / "check"
    assert _cache_file(cli.parse(["check", "--cache-dir", "c"]), dags) == Path("c") / "check-cache.json"
    assert _cache_file(cli.parse(["check", "--no-cache"]), dags) is None
    monkeypatch.setenv("CREATE_DAG_CHECK_CACHE", str(tmp_path / "ci"))
    assert _cache_file(cli.parse(["check"]), dags) == tmp_path / "ci" / "check-cache.json"


def test_two_files_importing_each_other_have_keys_of_their_own(tmp_path: Path) -> None:
    """Their dependencies are the same two files; the key names the file it is for, so one
    never answers with the other's outcome."""
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "a.py").write_text("import b\n")
    (dags / "b.py").write_text("import a\n")
    cache = check_cache.CheckCache(tmp_path / "c.json", dags)
    assert cache._dependencies("a.py") == cache._dependencies("b.py") == ["a.py", "b.py"]
    assert cache.key("a.py") != cache.key("b.py")


@pytest.mark.parametrize("size", [0, 1, 4096, (1 << 20) + 7, 3 << 20])
def test_a_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    from createdag.scan import read_regular

    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    assert read_regular(tmp_path / "f", 3 << 20) == data
    assert read_regular(str(tmp_path / "f"), size) == data
    if size:
        with pytest.raises(OSError, match="larger than"):
            read_regular(tmp_path / "f", size - 1)


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path: Path, monkeypatch) -> None:
    """The size fstat gives is where reading starts, not where it stops."""
    from createdag import scan

    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def stale_fstat(fd: int) -> os.stat_result:  # the size before a writer appended
        found = real_fstat(fd)
        return os.stat_result((found.st_mode, *found[1:6], 2, *found[7:]))

    monkeypatch.setattr(scan.os, "fstat", stale_fstat)
    assert scan.read_regular(path, 10) == b"x" * 10
    with pytest.raises(OSError, match="larger than"):
        scan.read_regular(path, 9)


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)}).stdout  # fmt: skip


@pytest.mark.airflow
def test_the_checks_functions_load_without_importing_pytest() -> None:
    """check runs the integrity test's functions, never its tests: pytest is not imported for
    them, and the decorated tests are still there for pytest (the same file, unchanged)."""
    out = _run(
        "import sys; from createdag.integrity import integrity_module; m = integrity_module(); "
        "print('pytest' in sys.modules, callable(m.collect), m.test_team_rule.__name__, m.outcome.__name__)"
    )
    assert out.split() == ["False", "True", "test_team_rule", "outcome"]


@pytest.mark.airflow
def test_a_module_asking_more_of_pytest_is_loaded_with_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_dag_integrity.py").write_text(
        "import pytest\n\ndef collect():\n    return 'mine'\n\npytestmark = pytest.mark.skipif(False, reason='x')\n"
    )
    out = _run(
        "import sys; from pathlib import Path; from createdag import integrity, resources; "
        f"resources.integrity_test_path = lambda: Path({str(tmp_path / 'test_dag_integrity.py')!r}); "
        "m = integrity.integrity_module(); print(m.collect(), 'pytest' in sys.modules, m.pytest.__name__, "
        "type(m.pytest).__name__)"
    )
    assert out.split() == ["mine", "True", "pytest", "module"]
