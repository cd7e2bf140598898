"""Demonstration DAGs: one per option, and a pipeline, generated like any user's DAG.

Each example is a set of answers, nothing else: ``--example NAME`` runs them
through the same validation, template and writer as a user's answers, so the
gallery can never drift from what users get. ``tests/test_engine_behaviour.py``
loads these very DAGs into Airflow's scheduler logic to prove each option
does what docs/options.md says. The pods use pinned busybox and alpine images
and fail or sleep from their own command, so on a cluster each DAG shows its
option in the UI. Where a second task makes an option visible (depends_on_past,
wait_for_downstream) the DAG has two, ``extract >> load``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_FAIL_FIRST_RUN = "test '{{ ds }}' != '2026-01-01' || { echo 'the first run fails on purpose'; exit 1; }"

_BASE: dict[str, Any] = {
    "owner": "gallery",
    "tags": ["gallery"],
    "schedule": "@daily",
    "start_date": "2026-01-01",
    "timezone": "UTC",
    "catchup": True,
    "retries": 0,
    "alerts": [],
    "image": "busybox:1.36",
    "image_pull_secrets": [],
    "cmds": ["sh", "-c"],
    "arguments": ["echo 'run for {{ ds }}'"],
}


#: Two tasks, for the options that look at the previous run: extract succeeds, then load,
#: whose 2026-01-01 run fails from its own command.
_EXTRACT_THEN_FAILING_LOAD: list[dict[str, Any]] = [
    {"task_id": "extract", "arguments": ["echo 'extract for {{ ds }}'"]},
    {"task_id": "load", "after": ["extract"], "arguments": [_FAIL_FIRST_RUN]},
]

#: A pipeline: each step its own image and resources; transform_b runs as three parallel pods.
_PIPELINE: list[dict[str, Any]] = [
    {"task_id": "extract", "arguments": ["echo 'extract for {{ ds }}'; sleep 20"],
     "cpu_request": "100m", "memory_request": "64Mi", "memory_limit": "128Mi"},
    {"task_id": "transform_a", "after": ["extract"], "image": "alpine:3.20",
     "arguments": ["echo 'transform a for {{ ds }}'; sleep 30"], "env_vars": {"STEP": "a"},
     "cpu_request": "250m", "memory_request": "128Mi", "cpu_limit": "500m", "memory_limit": "256Mi"},
    {"task_id": "transform_b", "after": ["extract"], "image": "alpine:3.20", "shards": 3,
     "arguments": ["echo \"transform b, pod $SHARD of $SHARDS, for {{ ds }}\"; sleep 30"],
     "env_vars": {"STEP": "b"},
     "cpu_request": "100m", "memory_request": "64Mi", "memory_limit": "128Mi"},
    {"task_id": "load", "after": ["transform_a", "transform_b"],
     "arguments": ["echo 'load for {{ ds }}'"], "cpu_request": "100m", "memory_request": "256Mi",
     "memory_limit": "512Mi"},
]  # fmt: skip


def _example(summary: str, needs: tuple[str, ...] = (), **answers: Any) -> dict[str, Any]:
    return {"summary": summary, "needs": needs, "answers": {**_BASE, **answers}}


EXAMPLES: dict[str, dict[str, Any]] = {
    "failing_alert": _example(
        "a pod that exits 1: fires the Teams failure alert", schedule=None, catchup=False, alerts=["failure"],
        arguments=["echo 'failing on purpose to show the Teams alert'; exit 1"],
    ),
    "depends_on_past_on": _example(
        "run 1's load fails; with depends_on_past run 2's extract runs, its load never starts",
        depends_on_past=True, tasks=_EXTRACT_THEN_FAILING_LOAD,
    ),
    "depends_on_past_off": _example(
        "run 1's load fails; without depends_on_past run 2's extract and load both run",
        depends_on_past=False, tasks=_EXTRACT_THEN_FAILING_LOAD,
    ),
    "wait_for_downstream_on": _example(
        "run 1's load fails; with wait_for_downstream run 2's extract waits: its downstream failed",
        depends_on_past=True, wait_for_downstream=True, tasks=_EXTRACT_THEN_FAILING_LOAD,
    ),
    "wait_for_downstream_off": _example(
        "run 1's load fails; with only depends_on_past run 2's extract runs, its load waits",
        depends_on_past=True, wait_for_downstream=False, tasks=_EXTRACT_THEN_FAILING_LOAD,
    ),
    "max_active_runs_on": _example(
        "catching up with max_active_runs=1: one run at a time", max_active_runs=1, arguments=["sleep 60"],
    ),
    "max_active_runs_off": _example(
        "catching up with max_active_runs=16: many runs at once", max_active_runs=16, arguments=["sleep 60"],
    ),
    "max_active_tasks_on": _example(
        "ten parallel pods, max_active_tasks=2: two at a time per run", shards=10, max_active_tasks=2,
        catchup=False, arguments=["sleep 30"],
    ),
    "max_active_tasks_off": _example(
        "ten parallel pods, max_active_tasks=16: all ten at once", shards=10, max_active_tasks=16,
        catchup=False, arguments=["sleep 30"],
    ),
    "catchup_on": _example("catchup on: one run per day since 2026-01-01", catchup=True),
    "catchup_off": _example("catchup off: only the latest day runs", catchup=False),
    "parent": _example(
        "the upstream of the parent/child pair (catches up, so every waiting run finds its run)", max_active_runs=16,
    ),
    "child": _example(
        "waits (up_for_reschedule) for gallery_parent's task main of the same day, then runs",
        needs=("parent",), catchup=False, external_dag_id="gallery_parent", external_task_id="main",
        sensor_poke_interval_seconds=60, sensor_timeout_minutes=1440,  # the parent may still be catching up
    ),
    "pipeline": _example(
        "extract >> [transform_a, transform_b (3 parallel pods)] >> load, each its own image and resources",
        catchup=False, tasks=_PIPELINE,
    ),
}  # fmt: skip


def dag_id(name: str) -> str:
    return f"gallery_{name}"


def entries(name: str, output_dir: Path | None = None) -> list[dict[str, Any]]:
    """Raw answers for the example and the examples it needs, upstream first.

    A needed example already written to ``output_dir`` is left out, so that
    ``--example child`` after ``--example parent`` is not refused.
    """
    if name not in EXAMPLES:
        raise KeyError(name)
    needs = [n for n in EXAMPLES[name]["needs"] if output_dir is None or not (output_dir / f"{dag_id(n)}.py").exists()]
    names = [*needs, name]
    return [{"dag_id": dag_id(n), "description": EXAMPLES[n]["summary"], **EXAMPLES[n]["answers"]} for n in names]


def listing() -> str:
    width = max(map(len, EXAMPLES))
    return "\n".join(f"{name:<{width}}  {example['summary']}" for name, example in EXAMPLES.items())


def unknown_example(name: str) -> str:
    """The message for ``--example NAME`` with no such example: a did-you-mean when one is close."""
    import difflib

    close = difflib.get_close_matches(name, EXAMPLES, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"no example {name!r}: {hint}run --example list to see them"


def write_example(name: str, output_dir: Path, force: bool = False) -> list[Path]:
    """Generate the example (and what it needs) into ``output_dir``, recorded like any DAG;
    return the DAG files."""
    from createdag.create import create
    from createdag.settings import Settings

    settings = Settings(output_dir=output_dir, force=force)
    return create(entries(name, None if force else output_dir), settings, source=f"example {name}").paths
