"""Templates that need a run's logical date, and what renders on every kind of run instead.

In Airflow 3 an asset-triggered run, and a manual run triggered without a
logical date (the CLI without ``-l``, the REST API with ``"logical_date": null``,
the UI's trigger form left empty from 3.1), has ``logical_date=None``. The task
runner then leaves ``logical_date``, ``ds``, ``ts`` (and their variants), the
data interval and the ``prev_data_interval_*`` values out of the template
context, and a DAG's templates are rendered with ``StrictUndefined``: ``{{ ds }}``
fails with ``UndefinedError: 'ds' is undefined`` before the pod is created.

Every run has its ``dag_run`` and the run's ``run_after`` (Airflow 3.0+): the
logical date where there is one, else the date the run was due. So
``RUN_DATE`` below is ``ds`` on every run that has one and still renders on the
rest (``tests/test_run_dates_engine.py`` proves it on the engine).

This module holds no Airflow import: the prompt checks answers with it on every key press.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: The run's date as YYYY-MM-DD on every run: ``ds`` where the run has a logical date.
RUN_DATE = "{{ (dag_run.logical_date or dag_run.run_after) | ds }}"
#: The same as ``ts`` (ISO 8601 with the offset).
RUN_TS = "{{ (dag_run.logical_date or dag_run.run_after) | ts }}"
#: Context variables that exist only on runs with a logical date -> what to write instead.
NEEDS_LOGICAL_DATE: dict[str, str] = {
    "ds": RUN_DATE,
    "ds_nodash": "{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}",
    "ts": RUN_TS,
    "ts_nodash": "{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash }}",
    "ts_nodash_with_tz": "{{ (dag_run.logical_date or dag_run.run_after) | ts_nodash_with_tz }}",
    "logical_date": "{{ dag_run.logical_date or dag_run.run_after }}",
    "data_interval_start": "{{ dag_run.data_interval_start or dag_run.run_after }}",
    "data_interval_end": "{{ dag_run.data_interval_end or dag_run.run_after }}",
    "prev_data_interval_start_success": "{% if prev_data_interval_start_success is defined %}...{% endif %}",
    "prev_data_interval_end_success": "{% if prev_data_interval_end_success is defined %}...{% endif %}",
}


def logical_date_names(text: str) -> list[str]:
    """The context variables of ``NEEDS_LOGICAL_DATE`` that a Jinja template reads, in order.

    Read from the template's syntax tree (never rendered): a name counts where
    it stands as a variable (``ds``, ``macros.ds_add(ds, 1)``), not as an
    attribute (``dag_run.logical_date``), a filter (``| ds``) or inside a string;
    a name the template tests with ``is defined`` is guarded, and one it sets
    itself is its own. Text that is no valid template reads nothing (its
    question refuses it anyway).
    """
    if "{" not in text:
        return []
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return []
    own = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    guarded = {
        test.node.name for test in tree.find_all(nodes.Test)
        if test.name in ("defined", "undefined") and isinstance(test.node, nodes.Name)
    }  # fmt: skip
    found: list[str] = []
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in NEEDS_LOGICAL_DATE and name.name not in own | guarded | set(found):
            found.append(name.name)
    return found


def values_needing_logical_date(value: Any) -> list[str]:
    """The names of ``logical_date_names`` in any string of ``value`` (lists, dicts, nested)."""
    found: list[str] = []
    for text in _strings(value):
        for name in logical_date_names(text):
            if name not in found:
                found.append(name)
    return found


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def fix_hint(names: list[str]) -> str:
    """What to write instead, for the names found."""
    return "; ".join(f"{{{{ {name} }}}} -> {NEEDS_LOGICAL_DATE[name]}" for name in names)


def warning(names: list[str], which_runs: str = "") -> str:
    """The one-line warning for a template that reads ``names``, with the fix."""
    runs = which_runs or "a run without a logical date (a manual run triggered without one, an asset-triggered run)"
    shown = ", ".join(f"{{{{ {name} }}}}" for name in names)
    return f"warning: {shown} is undefined on {runs}, and the task fails to render: write {fix_hint(names)}"


def live_hint(text: str) -> str:
    """Under the Command, Arguments and Env vars questions while typing: empty unless the text
    reads the logical date."""
    names = logical_date_names(text)
    return warning(names) if names else ""


def echo(value: Any) -> str:
    """After such an answer: the same warning, for the value as answered."""
    names = values_needing_logical_date(value)
    return warning(names) if names else ""


def task_notice(task: Mapping[str, Any], answers: Mapping[str, Any]) -> str | None:
    """The warning for a task whose templates read the logical date, said for the DAG's schedule."""
    names = values_needing_logical_date([task.get("cmds"), task.get("arguments"), task.get("env_vars")])
    if not names:
        return None
    schedule, assets = answers.get("schedule"), answers.get("assets")
    if assets or schedule in (None, "", "None", "none"):
        runs = "every run of this DAG (it runs on assets or by hand, never with a logical date)"
    else:
        runs = "a run without a logical date (a manual run triggered without one: the CLI without -l, the API, the UI)"
    return warning(names, runs)
