"""Golden files: the exact formatted output for three representative answer sets.

A template or formatting change shows up here as a readable diff. After an
intended change, regenerate with ``UPDATE_GOLDEN=1 pytest tests/test_golden.py``
(it fails for each file it rewrites, and is ignored under CI) and review the
diff of tests/golden/ like any other code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from createdag.answers import resolve
from createdag.settings import Settings
from createdag.render import render_dag

GOLDEN = Path(__file__).resolve().parent / "golden"
BASE = {"image": "ghcr.io/acme/etl:1.4.2", "owner": "data-team", "start_date": "2026-01-01"}
SETS: dict[str, dict[str, Any]] = {
    "minimal": {"dag_id": "minimal"},
    "manual_no_alerts": {"dag_id": "manual_no_alerts", "schedule": None, "alerts": [], "retries": 0,
                         "image_pull_secrets": [], "catchup": True},
    "full": {
        "dag_id": "billing_export", "description": "Export billing to the warehouse",
        "tags": ["billing", "export"], "schedule": "30 6 * * 1-5", "timezone": "Europe/Paris",
        "wait_for_downstream": True, "max_active_runs": 2, "max_active_tasks": 8, "retries": 3,
        "retry_delay_minutes": 10, "alerts": ["failure", "retry", "success"], "task_id": "export",
        "namespace": "billing", "cmds": ["python", "-m", "billing.export"],
        "arguments": ["--date", "{{ ds }}"], "secrets": ["DB_PASSWORD=billing-db:password"],
        "cpu_request": "250m", "memory_request": "512Mi", "cpu_limit": "1", "memory_limit": "1Gi",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", list(SETS))
def test_matches_golden_file(name: str) -> None:
    answers, _ = resolve({**BASE, **SETS[name]}, Settings(output_dir=Path("/nonexistent")))
    rendered = render_dag(answers)
    golden = GOLDEN / f"{name}.py"
    if os.environ.get("UPDATE_GOLDEN") and not os.environ.get("CI"):
        # Update mode writes the new output, and still fails where it changed, so that a
        # run with UPDATE_GOLDEN set can never pass over a difference unseen.
        if not golden.is_file() or golden.read_text(encoding="utf-8") != rendered:
            golden.write_text(rendered, encoding="utf-8")
            pytest.fail(f"{golden} updated: review `git diff tests/golden`, then run without UPDATE_GOLDEN")
    assert rendered == golden.read_text(encoding="utf-8")
