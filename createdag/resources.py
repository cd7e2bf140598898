"""Where the template and the Airflow-side alert module live.

Both sit at the top of the repository (``dag_template/`` and ``hooks/``), so
that they can be read, reviewed and run on their own; the tool finds them
relative to this package.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALERTS_FILE = "teams_alerts.py"


def template_dir() -> Path:
    return ROOT / "dag_template"


def alerts_module_source() -> str:
    """The alert module generated DAGs import, as shipped in ``hooks/``."""
    return (ROOT / "hooks" / ALERTS_FILE).read_text(encoding="utf-8")


def repo_file(name: str) -> Path:
    """A file ``init`` writes into a dags repo, as shipped in ``createdag/repo_files/``."""
    return Path(__file__).resolve().parent / "repo_files" / name
