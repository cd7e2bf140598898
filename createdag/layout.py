"""Where the files of a DAG go: the DAG file itself, and the alert module it imports.

Shared by ``create`` (which writes one run) and ``generate`` (which renders a
batch for it), below both, so neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from createdag.questions import ALERTS_MODULE


def dag_path(output_dir: Path, answers: Mapping[str, Any]) -> Path:
    """Where the DAG of ``answers`` is written: ``<output_dir>/<dag_id>.py``."""
    return output_dir / f"{answers['dag_id']}.py"


def alerts_module_of(answers: Mapping[str, Any]) -> str | None:
    """Import path of the alert module the DAG imports (``teams_alerts``), None without alerts
    or a deadline."""
    wanted = answers["alerts"] or answers.get("deadline_minutes")  # the deadline card goes through it too
    return answers.get("alerts_module", ALERTS_MODULE) if wanted else None
