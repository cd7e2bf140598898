"""The DAG integrity test that ``init`` ships, loaded as a module for ``check`` and ``--check``.

Its functions load DAG files the way Airflow's DAG processor does and apply
the team's rules; the CLI runs those very functions, so the command line and
the test in the repo can never disagree. Needs Airflow, which is imported only
here, only when checking.

The file's last lines declare its pytest tests (``pytest.fixture``,
``pytest.mark.parametrize``): a process that only calls its functions loads it
with a stand-in for those two decorators (``PytestStandIn``) instead of
importing pytest, about 0.1 s of a ``check`` that finds one file changed. Under
pytest (already imported), or if the file asks more of pytest at import, it is
loaded with pytest itself.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from createdag import resources
from createdag.errors import UserError


@functools.cache
def integrity_module() -> ModuleType:
    """``repo_files/test_dag_integrity.py`` as a module (loaded once per process)."""
    try:
        import airflow  # noqa: F401
    except ImportError as exc:
        raise _missing(exc) from None
    path = resources.integrity_test_path()
    if "pytest" not in sys.modules:
        try:
            return _load(path, PytestStandIn())
        except AttributeError:  # it asks more of pytest than the stand-in has: load it with pytest
            pass
    try:
        import pytest  # noqa: F401
    except ImportError as exc:
        raise _missing(exc) from None
    return _load(path, None)


def _missing(exc: ImportError) -> UserError:
    return UserError(
        f"checking DAGs needs {exc.name}: pip install 'create-dag[airflow]' (or, in a clone, "
        "pip install -e '.[airflow]'), with the Airflow version your cluster runs"
    )


def _load(path: Path, stand_in: ModuleType | None) -> ModuleType:
    """Execute the file as ``createdag_dag_integrity``; with ``stand_in`` as ``pytest`` while it
    runs (and only then: no other code can see it)."""
    spec = importlib.util.spec_from_file_location("createdag_dag_integrity", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    if stand_in is not None:
        sys.modules["pytest"] = stand_in
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    finally:
        if stand_in is not None and sys.modules.get("pytest") is stand_in:
            del sys.modules["pytest"]
    return module


class PytestStandIn(ModuleType):
    """``pytest`` as the integrity test's module level uses it, for a process that calls its
    functions and never its tests: ``@pytest.fixture``, ``@pytest.fixture(...)`` and
    ``@pytest.mark.parametrize(...)`` give back the function they decorate. Any other name
    raises ``AttributeError``, so a file that asks more is loaded with pytest instead."""

    def __init__(self) -> None:
        super().__init__("pytest", "a stand-in for pytest's decorators: createdag.integrity")
        self.mark = SimpleNamespace(parametrize=lambda *args, **kwargs: _unchanged)

    @staticmethod
    def fixture(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:  # @pytest.fixture
            return args[0]
        return _unchanged  # @pytest.fixture(scope=...)


def _unchanged(function: Callable[..., Any]) -> Callable[..., Any]:
    return function
