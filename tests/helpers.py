"""Helpers the tests share: the repo root, answers every test starts from, real DAGs rendered
through the library entry point, Airflow's loader, and the shipped alert module.

Import them with ``from helpers import ...`` (the tests folder is on sys.path);
fixtures stay in conftest.py.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

#: The top of the repository: the one definition every test uses.
REPO = Path(__file__).resolve().parent.parent
#: The real DAG files of public repositories (test data, never copied into the repo): ``shared/corpus``
#: beside the clone (CI clones the repo into a folder with ``shared/`` beside it), or where
#: CREATE_DAG_CORPUS says (a git worktree elsewhere). A test that reads it skips when it is absent.
CORPUS = Path(os.environ.get("CREATE_DAG_CORPUS") or REPO.parent / "shared" / "corpus")


#: Answers every test starts from: the defaults plus what has no default.
BASE_ANSWERS: dict[str, Any] = {
    "dag_id": "sales_daily",
    "image": "ghcr.io/acme/sales:1.2.0",
    "owner": "data-team",
    "start_date": "2026-01-01",
}


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


class ModuleOnFirstUse:
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

    def __setattr__(self, name: str, value: Any) -> None:
        """``monkeypatch.setattr(ta, ...)`` patches the module itself, where its functions look the name up."""
        if name in ("_load", "_names"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._load(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._load(), name)

    @property
    def __dict__(self) -> dict[str, Any]:  # type: ignore[override]
        """The module's namespace: where monkeypatch reads the value it puts back after a test."""
        return vars(self._load())


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
    Imported at first use (see ``ModuleOnFirstUse``)."""
    return ModuleOnFirstUse(_load_shipped_alerts_module, REPO / "hooks" / "teams_alerts.py")


def alerts_module_constant(name: str) -> Any:
    """A literal module-level constant of hooks/teams_alerts.py, read from its source, for
    parametrizing at collection time without importing the module (and so Airflow)."""
    tree = ast.parse((REPO / "hooks" / "teams_alerts.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
            return ast.literal_eval(node.value)
    raise LookupError(f"hooks/teams_alerts.py assigns no literal {name}")


def catches_sigterm(pid: int) -> bool:
    """The process ``pid`` has installed its SIGTERM handler (the first thing ``cli.main`` does): from
    then on a signal is the CLI's to handle. Before it, a loaded machine may still be starting Python.
    True once the process is gone, or without ``/proc``."""
    import signal

    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return True
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) >> (signal.SIGTERM - 1) & 1)
