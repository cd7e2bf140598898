"""Shared fixtures: an isolated HOME and AIRFLOW_HOME, and helpers that render real DAGs.

Airflow reads its configuration when first imported, so AIRFLOW_HOME is set
here, at collection time, before any test can import it. No test writes
into the repository or needs the network.
"""

from __future__ import annotations

import ast
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
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

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``install`` build the wheel and install it from the package index (network,
    minutes): they run only when selected with ``-m install``, as .ci/run does."""
    if "install" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="builds and installs the wheel from PyPI: select with -m install (.ci/run does)")
    for item in items:
        if "install" in item.keywords:
            item.add_marker(skip)


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
    from createdag.questions import Settings

    answers, _ = resolve({**BASE_ANSWERS, **overrides}, Settings(output_dir=dags_dir))
    return answers


def write_dag(dags_dir: Path, **overrides: Any) -> Path:
    """Render a DAG through the real pipeline into ``dags_dir`` (with the alert module)."""
    from createdag.generate import install_alerts_module
    from createdag.output import write_atomic
    from createdag.render import render_dag

    answers = resolve_answers(dags_dir, **overrides)
    path = dags_dir / f"{answers['dag_id']}.py"
    install_alerts_module(dags_dir)
    write_atomic(path, render_dag(answers))
    return path


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


def _load_shipped_alerts_module() -> ModuleType:
    import importlib.util

    name = "teams_alerts_hook_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / "teams_alerts.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]


class _ModuleOnFirstUse:
    """Stands for a module and imports it at the first read of a name it defines, not before.

    ``hooks/teams_alerts.py`` imports Airflow; test modules hold it as a global,
    and collecting them must not import Airflow (``pytest -m "not airflow"``
    runs where Airflow is not installed, and collection stays fast). Collection
    does probe every global for pytest's own attributes (fixture markers,
    ``__test__``): a name the module's source does not define is refused
    without importing anything.
    """

    def __init__(self, load: Callable[[], ModuleType], source: Path) -> None:
        self._load = load
        self._names = _top_level_names(ast.parse(source.read_text(encoding="utf-8")))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name not in self._names:
            raise AttributeError(name)
        return getattr(self._load(), name)


def _top_level_names(tree: ast.Module) -> frozenset[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return frozenset(names)


def shipped_alerts_module() -> Any:
    """hooks/teams_alerts.py under its own module name, so that a dags folder's copy
    (imported as ``teams_alerts`` by DAGs in other tests) never shadows it.
    Imported at first use (see ``_ModuleOnFirstUse``)."""
    return _ModuleOnFirstUse(_load_shipped_alerts_module, REPO / "hooks" / "teams_alerts.py")


@pytest.fixture(autouse=True, scope="module")
def _deferred_modules_loaded(request: pytest.FixtureRequest) -> None:
    """Import a test module's deferred modules before its first test runs, not inside it:
    importing Airflow sets up its logging, which a test that captures output must not see."""
    for value in vars(request.module).values():
        if isinstance(value, _ModuleOnFirstUse):
            value._load()


def alerts_module_constant(name: str) -> Any:
    """A literal module-level constant of hooks/teams_alerts.py, read from its source, for
    parametrizing at collection time without importing the module (and so Airflow)."""
    tree = ast.parse((REPO / "hooks" / "teams_alerts.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
            return ast.literal_eval(node.value)
    raise LookupError(f"hooks/teams_alerts.py assigns no literal {name}")
