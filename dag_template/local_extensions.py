"""Jinja filters for dag_template: every value reaches the DAG as a Python literal.

cookiecutter loads these through ``_extensions`` in cookiecutter.json. They
accept both what create_dag passes (typed, validated values) and what the
plain ``cookiecutter`` command passes (everything as text, lists as JSON), so
the template renders the same DAG either way. No value is ever evaluated:
text goes through ``repr``, JSON through ``json.loads``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cookiecutter.utils import simple_filter

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def _literal(value: Any) -> str:
    """Python source for a str, int, bool, None, or a list/dict of them."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int | bool | float) or value is None:
        return repr(value)
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")


def _string(text: str) -> str:
    """``repr``, but in double quotes when that needs no extra escape, as black writes it.

    Only a matter of speed: black reformats its own output once more whenever
    the two differ, and black is most of the cost of a DAG.
    """
    source = repr(text)
    if source.startswith("'") and '"' not in text:
        source = '"' + source[1:-1].replace("\\'", "'") + '"'
    return source


def py_literal(value: Any) -> str:
    return _literal(value)


def as_list(value: Any) -> list:
    """A list as given by create_dag, or as JSON text from the cookiecutter command."""
    if isinstance(value, list | tuple):
        return list(value)
    loaded = json.loads(value) if str(value).strip() else []
    if not isinstance(loaded, list):
        raise ValueError(f"expected a JSON list, got {value!r}")
    return loaded


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in _TRUE | _FALSE:
        raise ValueError(f"expected true or false, got {value!r}")
    return word in _TRUE


def as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def date_args(value: Any) -> str:
    """'2026-01-31' -> '2026, 1, 31', the arguments of pendulum.datetime()."""
    year, month, day = (int(part) for part in str(value).split("-"))
    return f"{year}, {month}, {day}"


def pod_name(dag_id: Any, task_id: Any) -> str:
    """A readable Kubernetes pod name from the dag and task ids.

    KubernetesPodOperator appends a random suffix and the whole name must be
    an RFC 1123 label of at most 63 characters, so this keeps to 54.
    """
    name = re.sub(r"[^a-z0-9-]+", "-", f"{dag_id}-{task_id}".lower()).strip("-")
    return name[:54].rstrip("-") or "task"


_TAKEN = {"datetime", "pendulum", "k8s", "DAG", "KubernetesPodOperator", "Secret", "ExternalTaskSensor",
          "TeamsNotifier", "wait_for_upstream", "annotations"}


def task_variable(task_id: Any) -> str:
    """The variable to hold a task: its task_id (ruff's AIR rule wants them equal), or ''
    when the task_id is no usable Python name (``run-pod``, ``class``, an imported name)."""
    import keyword

    name = str(task_id)
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name in _TAKEN:
        return ""
    return name


py_literal = simple_filter(py_literal)
task_variable = simple_filter(task_variable)
as_list = simple_filter(as_list)
as_bool = simple_filter(as_bool)
as_int = simple_filter(as_int)
date_args = simple_filter(date_args)
pod_name = simple_filter(pod_name)
