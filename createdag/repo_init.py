"""Prepare a dags repo for create_dag: the files ``init`` writes.

Writes, only where absent (an existing file is never touched, and is
listed as kept; the one exception: a team's own ``.airflowignore`` that does
not name the alert module gains that one line at its end, or the DAG
processor would parse the module on every loop): the config with commented
defaults, the alert module the DAGs import, an ``.airflowignore`` that keeps
non-DAG files out of parsing,
a pre-commit configuration running black, ``ruff --select AIR`` and
create-dag's own hooks (``check`` and ``check --drift``), and the DAG
integrity test.
"""

from __future__ import annotations

import os
from pathlib import Path

from createdag import __version__, resources
from createdag.airflowignore import HEADER, ignore_line
from createdag.config import CONFIG_FILE, CONFIG_TEMPLATE
from createdag.errors import UserError
from createdag.escape import printable
from createdag.output import write_atomic

AIRFLOWIGNORE = HEADER + ignore_line(resources.ALERTS_FILE) + "\n" + ignore_line(".create_dag") + "/\n"

#: black and ruff's Airflow rules on every commit, then create-dag's own hooks
#: (``.pre-commit-hooks.yaml`` of the create-dag repo, at the tag of this version).
PRE_COMMIT = """\
# pre-commit install  # once per clone; then every commit is formatted and checked
repos:
  - repo: https://github.com/psf/black-pre-commit-mirror
    rev: 26.10.1
    hooks:
      - id: black
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.17.6
    hooks:
      - id: ruff
        name: ruff (Airflow 3 rules)
        args: [--select, AIR, --preview]
  - repo: {repo}
    rev: v{version}
    hooks:
      - id: create-dag-drift
      - id: create-dag-check
        # check loads every DAG with Airflow: pin the Airflow (3.0 or newer) your cluster runs
        additional_dependencies:
          - apache-airflow>=3.0
          - apache-airflow-providers-cncf-kubernetes
          - apache-airflow-providers-standard
          - pytest
"""


def files_for(root: Path, dags: str = "dags") -> dict[Path, str]:
    integrity = resources.integrity_test_path().read_text(encoding="utf-8")
    config = CONFIG_TEMPLATE.replace('# output_dir = "dags"', f'output_dir = "{dags}"')
    return {
        root / CONFIG_FILE: config,
        root / dags / resources.ALERTS_FILE: resources.alerts_module_source(),
        root / dags / ".airflowignore": AIRFLOWIGNORE,
        root / ".pre-commit-config.yaml": PRE_COMMIT.format(repo=resources.SOURCE_REPO, version=__version__),
        root / "tests" / "test_dag_integrity.py": integrity,
    }


def init_repo(root: Path, dags: str = "dags") -> tuple[list[Path], list[Path]]:
    """Write what is missing; return (written, kept). A kept ``.airflowignore`` that lacks the
    alert module's line gains it, and is listed as written."""
    from createdag.airflowignore import ensure_ignored

    written, kept = [], []
    for path, text in files_for(root, dags).items():
        if path.is_symlink() and not path.exists():
            raise UserError(
                f"{printable(path)} is a symlink to {printable(os.readlink(path))}, which does not exist: "
                "remove the link (or point it at a file), then run init again"
            )
        if path.exists():
            kept.append(path)
        else:
            write_atomic(path, text)
            written.append(path)
    ignore = root / dags / ".airflowignore"
    if ignore in kept:
        change = ensure_ignored(root / dags, [resources.ALERTS_FILE])
        if change is not None and change.changed:
            kept.remove(ignore)
            written.append(ignore)
    return written, kept
