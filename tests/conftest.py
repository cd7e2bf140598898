"""Shared fixtures: an isolated HOME and AIRFLOW_HOME (helpers that render real DAGs are in helpers.py).

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

import pytest
from helpers import ModuleOnFirstUse
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



def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``install`` build the wheel and install it from the package index (network,
    minutes): they run only when selected with ``-m install``, as .ci/run does."""
    if "install" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="builds and installs the wheel from PyPI: select with -m install (.ci/run does)")
    for item in items:
        if "install" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME (and so cookiecutter's config and replay folders) points at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture(autouse=True)
def _no_dags_folder_of_a_test_left_on_sys_path(request: pytest.FixtureRequest) -> Iterator[None]:
    """BundleDagBag appends the folder it parses to sys.path for good: a test that parsed a
    folder of its tmp_path would leave it there, and later tests would see its DAG files as
    installed modules (``sales_daily.py`` then shadows the module 'sales_daily'). After each
    test, every sys.path entry inside its tmp_path goes (module-scoped folders stay)."""
    yield
    tmp = getattr(request.node, "funcargs", {}).get("tmp_path")
    if tmp is None:
        return
    root = str(tmp)
    kept = [entry for entry in sys.path if not (entry == root or entry.startswith(root + os.sep))]
    if len(kept) != len(sys.path):
        sys.path[:] = kept
        sys.modules.pop("teams_alerts", None)


@pytest.fixture
def dags_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "dags"
    path.mkdir()
    yield path
    # BundleDagBag appends the folder to sys.path for good; keep later tests clean.
    while str(path) in sys.path:
        sys.path.remove(str(path))
    sys.modules.pop("teams_alerts", None)


@pytest.fixture(autouse=True, scope="module")
def _deferred_modules_loaded(request: pytest.FixtureRequest) -> None:
    """Import a test module's deferred modules before its first test runs, not inside it:
    importing Airflow sets up its logging, which a test that captures output must not see."""
    for value in vars(request.module).values():
        if isinstance(value, ModuleOnFirstUse):
            value._load()
