"""Shared fixtures: an isolated HOME and AIRFLOW_HOME, and helpers that render real DAGs.

Airflow reads its configuration when first imported, so AIRFLOW_HOME is set
here, at collection time, before any test can import it. No test writes
into the repository or needs the network.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="create_dag-tests-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_SESSION_HOME / "airflow_home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(_SESSION_HOME / "no_dags"),
        "KUBECONFIG": str(_SESSION_HOME / "kubeconfig"),
    }
)
# KubernetesPodOperator.dry_run() only needs a kube config to exist; no cluster is contacted.
(_SESSION_HOME / "kubeconfig").write_text(
    """apiVersion: v1
kind: Config
clusters: [{name: dummy, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: dummy, user: {token: dummy}}]
contexts: [{name: dummy, context: {cluster: dummy, user: dummy, namespace: airflow}}]
current-context: dummy
""",
    encoding="utf-8",
)

#: Answers every test starts from: the defaults plus what has no default.
BASE_ANSWERS: dict[str, Any] = {
    "dag_id": "sales_daily",
    "image": "ghcr.io/acme/sales:1.2.0",
    "owner": "data-team",
    "start_date": "2026-01-01",
}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME (and so cookiecutter's config and replay folders) points at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))


def resolve_answers(dags_dir: Path, **overrides: Any) -> dict[str, Any]:
    from createdag.answers import resolve
    from createdag.settings import Settings

    answers, _ = resolve({**BASE_ANSWERS, **overrides}, Settings(output_dir=dags_dir))
    return answers


def write_dag(dags_dir: Path, **overrides: Any) -> Path:
    """Generate a DAG through the library entry point into ``dags_dir`` (with the alert
    module and its record), as the CLI does."""
    from createdag.create import create
    from createdag.settings import Settings

    created = create([{**BASE_ANSWERS, **overrides}], Settings(output_dir=dags_dir), source="test")
    return created.paths[0]


def load_dagbag(dags_dir: Path, path: Path | None = None):
    """Parse like the DAG processor: BundleDagBag with the dags folder on sys.path."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(path or dags_dir), bundle_path=dags_dir, safe_mode=False)


@pytest.fixture
def dags_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "dags"
    path.mkdir()
    yield path
    # BundleDagBag appends the folder to sys.path for good; keep later tests clean.
    while str(path) in sys.path:
        sys.path.remove(str(path))
    sys.modules.pop("teams_alerts", None)


def shipped_alerts_module():
    """hooks/teams_alerts.py under its own module name, so that a dags folder's copy
    (imported as ``teams_alerts`` by DAGs in other tests) never shadows it."""
    import importlib.util

    name = "teams_alerts_hook_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / "teams_alerts.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]
