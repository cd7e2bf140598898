"""Names that become modules in the dags folder never shadow, nor are shadowed by, another module.

The dags folder is on sys.path in Airflow, so a DAG file ``<dag_id>.py`` and
the alert module are importable by name: a name the standard library,
Airflow's environment or this environment already uses breaks imports for
every DAG. Names that cannot be imported by name shadow nothing and stay
allowed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from createdag.config import ConfigError, load_team_config
from createdag.errors import BadValue
from createdag.modules import AIRFLOW_ENV, importable, taken_by
from createdag.validators import dag_id

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "create_dag.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "clash"),
    [
        ("json", "module 'json' \\(standard library\\)"),
        ("JSON", "module 'json' \\(standard library\\)"),  # one file on a file system that ignores case
        ("typing", "standard library"),
        ("google", "Airflow's environment"),  # a namespace package: google.protobuf
        ("airflow", "Airflow's environment"),
        ("kubernetes", "Airflow's environment"),
        ("yaml", "Airflow's environment"),
        ("pendulum", "Airflow's environment"),
        ("boto3", "Airflow's environment"),  # a provider's, not installed here
        ("questionary", "installed here"),  # create_dag's own dependency
        ("class", "keyword, which import cannot name"),
        ("None", "keyword"),
        ("__init__", "package"),
    ],
)
def test_dag_id_that_would_clash_with_a_module_is_refused(name: str, clash: str) -> None:
    with pytest.raises(BadValue, match=clash) as info:
        dag_id(name)
    assert f"{name}_dag" in str(info.value)  # and what to use instead


@pytest.mark.parametrize(
    "name",
    ["sales_daily", "json.daily", "google-ads", "a.b", "yaml-import", "1json", "match", "case", "type", "class-x",
     "teams_alerts_x", "tests", "docs", "hooks"],
)  # fmt: skip
def test_names_that_import_cannot_spell_or_nobody_uses_are_allowed(name: str) -> None:
    assert dag_id(name) == name


def test_installed_namespace_package_is_found_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_ns_portion").mkdir()  # a namespace package: a folder without __init__.py
    (tmp_path / "acme_plain_mod.py").write_text("raise SystemExit('imported!')\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])  # as a site folder would be
    taken_by.cache_clear()
    try:
        assert "installed here" in (taken_by("acme_ns_portion") or "")
        assert "installed here" in (taken_by("acme_plain_mod") or "")
        assert "acme_plain_mod" not in sys.modules
    finally:
        taken_by.cache_clear()


def test_the_check_is_fast_enough_for_every_key_press() -> None:
    taken_by.cache_clear()
    started = time.perf_counter()
    for number in range(500):
        taken_by(f"some_new_dag_{number}")
    assert time.perf_counter() - started < 20  # ~0.1 s idle; slack for a loaded CI machine


def test_a_module_in_the_dags_folder_does_shadow_a_namespace_package(tmp_path: Path) -> None:
    """Why ``google`` is refused although the dags folder comes last on sys.path."""
    pytest.importorskip("google.protobuf")
    (tmp_path / "google.py").write_text("")
    code = f"import sys; sys.path.append({str(tmp_path)!r}); import google.protobuf"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=False).returncode != 0


# --- the alert module from the team config -------------------------------------------------


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("json", "module 'json' \\(standard library\\)"),
        ("google.alerts", "Airflow's environment"),
        ("airflow", "Airflow's environment"),
        ("class", "'class' is a Python keyword"),
        ("alerts.class", "'class' is a Python keyword"),
        ("team-alerts", "not a Python name"),
        ("alerts..teams", "not a Python name"),
    ],
)
def test_alert_module_that_cannot_work_is_refused_naming_the_config(tmp_path: Path, module: str, message: str) -> None:
    (tmp_path / ".create_dag.toml").write_text(f'alerts_module = "{module}"\noutput_dir = "dags"\n')
    with pytest.raises(ConfigError, match=message):
        load_team_config(tmp_path)
    result = cli("--no-input", "--set", "dag_id=a_dag", "--set", "image=busybox:1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # was 2, blaming the template, for 'class'
    assert (
        message.replace("\\", "") in result.stderr
        and ".create_dag.toml" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "dags").exists()


@pytest.mark.parametrize("module", ["teams_alerts", "shared.alerts", "ops.teams.alerts", "match"])
def test_usable_alert_modules_are_kept(tmp_path: Path, module: str) -> None:
    (tmp_path / ".create_dag.toml").write_text(f'alerts_module = "{module}"\n')
    assert load_team_config(tmp_path).alerts_module == module


# --- the shipped list ------------------------------------------------------------------------


def test_shipped_names_cover_what_airflow_depends_on_directly() -> None:
    """AIRFLOW_ENV holds the top-level modules of Airflow's dependencies; refresh it with
    ``python -m createdag.modules`` in Airflow's environment when this fails."""
    metadata = pytest.importorskip("importlib.metadata")
    requirements = pytest.importorskip("packaging.requirements")
    try:
        airflow = metadata.distribution("apache-airflow")
    except metadata.PackageNotFoundError:
        pytest.skip("Airflow is not installed here")
    missing = set()
    for requirement in airflow.requires or []:
        req = requirements.Requirement(requirement)
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            top = metadata.distribution(req.name).read_text("top_level.txt") or ""
        except metadata.PackageNotFoundError:
            continue
        missing |= {name for name in top.split() if importable(name) and not name.startswith("_")} - AIRFLOW_ENV
    assert not missing, f"add to createdag.modules.AIRFLOW_ENV: {sorted(missing)}"
