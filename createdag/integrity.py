"""The DAG integrity test that ``init`` ships, loaded as a module for ``check`` and ``--check``.

Its functions load DAG files the way Airflow's DAG processor does and apply
the team's rules; the CLI runs those very functions, so the command line and
the test in the repo can never disagree. Needs Airflow and pytest, which are
imported only here, only when checking.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from types import ModuleType

from createdag import resources
from createdag.errors import UserError


@functools.cache
def integrity_module() -> ModuleType:
    """``repo_files/test_dag_integrity.py`` as a module (loaded once per process)."""
    try:
        import airflow  # noqa: F401
        import pytest  # noqa: F401
    except ImportError as exc:
        raise UserError(
            f"checking DAGs needs {exc.name}: pip install 'create-dag[airflow]' (or, in a clone, "
            "pip install -e '.[airflow]'), with the Airflow version your cluster runs"
        ) from None
    path = resources.integrity_test_path()
    spec = importlib.util.spec_from_file_location("createdag_dag_integrity", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
