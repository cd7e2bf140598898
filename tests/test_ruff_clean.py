"""Every DAG the tests render is clean under ruff's default rules plus the AIR rules with preview.

One folder gets the answer sets of the golden files, the render variants, the
Airflow checks, the pipelines, the pod options and every gallery example, each
written through the library entry point; ruff checks the folder once, with
nothing but its defaults and AIR (``--isolated``: this repo's own ruff
configuration stays out of it). A dags repo that runs ruff finds nothing to fix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import BASE_ANSWERS


def answer_sets() -> dict[str, dict[str, Any]]:
    import test_golden
    import test_pipeline
    import test_pod_options
    import test_render_airflow
    import test_render_batch

    sets: dict[str, dict[str, Any]] = {}
    for name, answers in test_golden.SETS.items():
        sets[f"golden_{name}"] = {**test_golden.BASE, **answers}
    for name, answers in test_render_batch.VARIANTS.items():
        sets[f"variant_{name}"] = {**BASE_ANSWERS, **answers}
    for name, answers in test_render_airflow.CASES.items():
        sets[f"airflow_{name}"] = {**BASE_ANSWERS, **answers}
    sets["pipeline"] = dict(test_pipeline.PIPELINE)
    sets["pipeline_sensor"] = {**test_pipeline.PIPELINE, "external_dag_id": "upstream_dag"}
    sets["pod_options"] = test_pod_options.pipeline(Path("/opt/airflow/pod_template.yaml"))
    return sets


def test_every_rendered_dag_passes_ruff_defaults_and_air(tmp_path: Path) -> None:
    from createdag import gallery
    from createdag.create import create
    from createdag.settings import Settings

    settings = Settings(output_dir=tmp_path, force=True)
    written = 0
    for number, (name, answers) in enumerate(sorted(answer_sets().items())):
        entry = {**answers, "dag_id": f"ruff_{number}_{name}"[:200].replace("-", "_")}
        written += len(create([entry], settings, source=name).paths)
    for name in gallery.EXAMPLES:
        written += len(create(gallery.entries(name), settings, source=name).paths)
    assert written >= 30
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--preview",
         "--select", "E4,E7,E9,F,AIR", str(tmp_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
