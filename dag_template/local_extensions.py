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
          "TeamsNotifier", "wait_for_upstream", "annotations", "EmptyOperator",
          "Asset", "AssetOrTimeSchedule", "CronTriggerTimetable", "CronDataIntervalTimetable", "DeltaTriggerTimetable",
          "DeltaDataIntervalTimetable", "Param", "DeadlineAlert", "DeadlineReference", "AsyncCallback",
          "SyncCallback", "teams_deadline_alert"}


def task_variable(task_id: Any) -> str:
    """The variable to hold a task: its task_id (ruff's AIR rule wants them equal), or ''
    when the task_id is no usable Python name (``run-pod``, ``class``, an imported name)."""
    import keyword

    name = str(task_id)
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name in _TAKEN:
        return ""
    return name


# --- generated from createdag/questions.py by `python -m createdag.derived`: do not edit ---
#: The answers of one pod task. A plain ``cookiecutter`` run has no ``tasks`` and makes
#: one task of these keys; create_dag passes ``tasks``, each task with all of them.
TASK_KEYS = (
    'task_id',
    'image',
    'namespace',
    'shards',
    'cmds',
    'arguments',
    'secrets',
    'env_vars',
    'image_pull_secrets',
    'service_account_name',
    'container_security_context',
    'node_selector',
    'node_affinity',
    'tolerations',
    'priority_class_name',
    'env_from',
    'volumes',
    'volume_mounts',
    'labels',
    'annotations',
    'image_pull_policy',
    'startup_timeout_seconds',
    'on_finish_action',
    'schedule_timeout_seconds',
    'active_deadline_seconds',
    'termination_grace_period',
    'on_kill_action',
    'deferrable',
    'durable',
    'do_xcom_push',
    'get_logs',
    'pool',
    'priority_weight',
    'pod_template_file',
    'cpu_request',
    'memory_request',
    'cpu_limit',
    'memory_limit',
    'outlets',
    'execution_timeout_minutes',
    'after',
)
#: Each pod option, in the order the template writes them: (answer, the operator's argument,
#: the value's shape, how it is written, its default, whether it is written when it is the
#: default). A ``literal`` option is written as ``argument=<value>`` by the template's loop.
POD_OPTIONS = (
    ('service_account_name', 'service_account_name', 'text', 'literal', '', False),
    ('container_security_context', 'container_security_context', 'mapping', 'k8s', {}, False),
    ('node_selector', 'node_selector', 'mapping', 'literal', {}, False),
    ('node_affinity', 'affinity', 'mapping', 'k8s', {}, False),
    ('tolerations', 'tolerations', 'list', 'k8s', [], False),
    ('priority_class_name', 'priority_class_name', 'text', 'literal', '', False),
    ('env_from', 'env_from', 'list', 'k8s', [], False),
    ('volumes', 'volumes', 'list', 'k8s', [], False),
    ('volume_mounts', 'volume_mounts', 'list', 'k8s', [], False),
    ('labels', 'labels', 'mapping', 'literal', {}, False),
    ('annotations', 'annotations', 'mapping', 'literal', {}, False),
    ('image_pull_policy', 'image_pull_policy', 'text', 'literal', '', False),
    ('startup_timeout_seconds', 'startup_timeout_seconds', 'int', 'literal', 120, False),
    ('on_finish_action', 'on_finish_action', 'text', 'literal', 'delete_pod', True),
    ('schedule_timeout_seconds', 'schedule_timeout_seconds', 'int', 'literal', 0, False),
    ('active_deadline_seconds', 'active_deadline_seconds', 'int', 'literal', 0, False),
    ('termination_grace_period', 'termination_grace_period', 'int', 'literal', 0, False),
    ('on_kill_action', 'on_kill_action', 'text', 'literal', 'delete_pod', False),
    ('deferrable', 'deferrable', 'bool', 'literal', False, False),
    ('durable', 'durable', 'bool', 'literal', True, False),
    ('do_xcom_push', 'do_xcom_push', 'bool', 'literal', False, False),
    ('get_logs', 'get_logs', 'bool', 'literal', True, True),
    ('pool', 'pool', 'text', 'literal', '', False),
    ('priority_weight', 'priority_weight', 'int', 'literal', 1, False),
    ('pod_template_file', 'pod_template_file', 'text', 'literal', '', False),
)
# --- end of the generated tables ---
#: the pod options by how a plain ``cookiecutter`` run's text becomes their value (their shape)
_POD_MAPPINGS = tuple(option[0] for option in POD_OPTIONS if option[2] == "mapping")
_POD_LISTS = tuple(option[0] for option in POD_OPTIONS if option[2] == "list")
_POD_DEFAULTS = {option[0]: option[4] for option in POD_OPTIONS if option[2] not in ("mapping", "list")}
SENSOR = "wait_for_upstream"


def as_dict(value: Any) -> dict:
    """A mapping as given by create_dag, or as JSON text from the cookiecutter command."""
    if isinstance(value, dict):
        return dict(value)
    loaded = json.loads(value) if str(value).strip() else {}
    if not isinstance(loaded, dict):
        raise ValueError(f"expected a JSON object, got {value!r}")
    return loaded


def _as_value(shape: str, value: Any) -> Any:
    """A pod option's value as create_dag passes it, from a plain ``cookiecutter`` run's text too."""
    convert = {"mapping": _as_dict, "list": _as_list, "int": _as_int, "bool": _as_bool}.get(shape)
    return convert(value) if convert else value


def _variable(task_id: str) -> str:
    """A Python name for a task: its task_id sanitized (``run-pod`` -> ``run_pod``)."""
    import keyword

    name = re.sub(r"\W", "_", task_id, flags=re.ASCII)
    if not name or name[0].isdigit() or keyword.iskeyword(name) or name in _TAKEN:
        name = f"task_{name}"
    return name


def dependency_chains(tasks: list, sensor: str = "") -> list:
    """The ``>>`` statements that write a task graph: a list of chains, each a list of groups
    of task names. ``tasks`` is ``[(task_id, [ids it runs after]), ...]`` in file order;
    ``sensor`` (a task id, or '') runs before every task that runs after nothing.

    Tasks with the same upstreams form one group (``[clean, enrich]``); a statement
    goes on while the next group runs after exactly the last one, so
    ``extract >> [clean, enrich] >> load`` is one line. Airflow cannot link a list to a
    list, so a group of several after several upstreams becomes one line per upstream.
    """
    edges: list = []  # [upstream group, downstream group], by first appearance
    for task_id, after in tasks:
        upstream = list(after) or ([sensor] if sensor else [])
        if not upstream:
            continue
        for edge in edges:
            if edge[0] == upstream:
                edge[1].append(task_id)
                break
        else:
            edges.append([upstream, [task_id]])
    split: list = []
    for upstream, downstream in edges:
        if len(upstream) > 1 and len(downstream) > 1:
            split.extend([[name], list(downstream)] for name in upstream)
        else:
            split.append([upstream, downstream])
    merged: list = []
    for upstream, downstream in split:  # one upstream split off above may already lead a line
        for edge in merged:
            if edge[0] == upstream and len(upstream) == 1:
                edge[1].extend(name for name in downstream if name not in edge[1])
                break
        else:
            merged.append([upstream, list(downstream)])
    chains: list = []
    for upstream, downstream in merged:
        for chain in chains:
            if chain[-1] == upstream and (len(upstream) == 1 or len(downstream) == 1):
                chain.append(downstream)
                break
        else:
            chains.append([upstream, downstream])
    return chains


def join_task_id(task_ids: list, leaves: list) -> str:
    """The task id of the EmptyOperator after all-mapped pods (``leaves``: the tasks nothing
    runs after): ``<leaf>_done`` after one, ``done`` after several, ``_`` added while a task
    has it. create_dag's source reader calls this too, so the two never disagree."""
    join_id = f"{leaves[0][:245]}_done" if len(leaves) == 1 else "done"
    while join_id in task_ids:
        join_id += "_"
    return join_id


def pipeline(c: Any) -> dict:
    """The DAG's tasks, each with its variable, and the dependency lines to write.

    A task gets a variable when its task_id is a usable Python name (ruff's AIR001
    wants them equal) or when a dependency line names it; a task_id that is no
    Python name then gets a sanitized one, marked ``noqa: AIR001``.
    """
    given = _as_list(c.get("tasks", []))
    defaults = {key: c[key] for key in TASK_KEYS if key in c}
    tasks = []
    for task in given or [defaults]:
        merged = {**defaults, **task}
        tasks.append({
            **merged,
            "shards": _as_int(merged.get("shards", 1)),
            "cmds": _as_list(merged.get("cmds", [])),
            "arguments": _as_list(merged.get("arguments", [])),
            "secrets": _as_list(merged.get("secrets", [])),
            "env_vars": _as_dict(merged.get("env_vars", {})),
            "image_pull_secrets": _as_list(merged.get("image_pull_secrets", [])),
            "after": [str(name) for name in _as_list(merged.get("after", []))],
            **{key: _as_value(shape, merged.get(key, default)) for key, _, shape, _, default, _ in POD_OPTIONS},
            "outlets": [str(uri) for uri in _as_list(merged.get("outlets", []))],
            "execution_timeout_minutes": _as_int(merged.get("execution_timeout_minutes", 0)),
        })  # fmt: skip
    sensor = SENSOR if c.get("external_dag_id") else ""
    names: dict = {}
    for task in tasks:
        task_id = str(task["task_id"])
        own = _task_variable(task_id)
        name = own or _variable(task_id)
        while name in names.values():
            name = f"{name}_"
        names[task_id] = name
    graph = [(str(t["task_id"]), t["after"]) for t in tasks]
    join = None
    if not sensor and all(t["shards"] > 1 for t in tasks):
        # Airflow 3 writes a DAG's owner (DagModel.owners: the UI, `airflow dags list`) from
        # its unmapped tasks only, so a DAG of mapped tasks alone would show "airflow". An
        # EmptyOperator after the last pods gives it its owner; the scheduler marks it done
        # without a worker.
        ran_after = {name for _, after in graph for name in after}
        leaves = [task_id for task_id, _ in graph if task_id not in ran_after]
        join_id = join_task_id(list(names), leaves)
        name = _task_variable(join_id) or _variable(join_id)
        while name in names.values():
            name = f"{name}_"
        names[join_id] = name
        join = {"task_id": join_id, "var": name, "noqa": name != join_id}
        graph.append((join_id, leaves))
    chains = dependency_chains(graph, sensor)
    linked = {name for chain in chains for group in chain for name in group}
    for task in tasks:
        task_id = str(task["task_id"])
        task["var"] = names[task_id] if (_task_variable(task_id) or task_id in linked) else ""
        task["noqa"] = bool(task["var"]) and task["var"] != task_id
    names[sensor] = sensor
    lines = [
        " >> ".join(names[g[0]] if len(g) == 1 else "[" + ", ".join(names[n] for n in g) + "]" for g in chain)
        for chain in chains
    ]
    noqa = any(t["noqa"] for t in tasks) or bool(join and join["noqa"])
    return {"tasks": tasks, "lines": lines, "join": join, "noqa": noqa, "pod_options": POD_OPTIONS}


def _snake(field: str) -> str:
    """A Kubernetes field name as its Python model's argument: ``mountPath`` -> ``mount_path``."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", field).lower()


def k8s_args(value: Any) -> str:
    """A Kubernetes object's fields (camelCase, as in a manifest) as the keyword arguments of its
    Python model: ``{"mountPath": "/data", "readOnly": True}`` -> ``mount_path="/data", read_only=True``."""
    return ", ".join(f"{_snake(str(k))}={_literal(v)}" for k, v in dict(value).items())


#: a volume source field -> its Python model (kubernetes.client.models)
VOLUME_MODELS = {"persistentVolumeClaim": "V1PersistentVolumeClaimVolumeSource",
                 "configMap": "V1ConfigMapVolumeSource", "secret": "V1SecretVolumeSource",
                 "emptyDir": "V1EmptyDirVolumeSource"}  # fmt: skip


def k8s_volume(value: Any) -> str:
    """One volume's arguments of ``k8s.V1Volume(...)``: ``name="data", persistent_volume_claim=k8s.V1...(...)``."""
    item = dict(value)
    name = item.pop("name")
    ((field, source),) = item.items()
    return f"name={_literal(name)}, {_snake(field)}=k8s.{VOLUME_MODELS[field]}({_k8s_args(source)})"



_EVERY_UNITS = {"minute": "minutes", "hour": "hours", "day": "days"}


def schedule_source(c: Any) -> dict:
    """The ``schedule=`` argument as Python source, and the ``airflow.sdk`` names it needs.

    A cron or preset is the string itself (Airflow 3: ``CronTriggerTimetable``), unless
    ``data_intervals`` asks for Airflow 2's ``CronDataIntervalTimetable``; ``every N minutes``
    is a ``datetime.timedelta``. With ``assets``: the assets alone (no schedule), or
    ``AssetOrTimeSchedule`` (the assets or the time, whichever comes first).
    """
    schedule = c.get("schedule")
    schedule = None if schedule in (None, "None", "") else str(schedule)
    assets = [str(uri) for uri in _as_list(c.get("assets", []))]
    intervals = _as_bool(c.get("data_intervals", False)) and schedule not in (None, "@once", "@continuous")
    names: list = []
    every = schedule is not None and schedule.startswith("every ")
    timezone = _literal(str(c.get("timezone", "UTC")))
    if every:
        count, unit = str(schedule).split()[1:3]
        delta = f"datetime.timedelta({_EVERY_UNITS[unit.rstrip('s')]}={int(count)})"
    if not assets:
        if every and intervals:
            return {"expr": f"DeltaDataIntervalTimetable({delta})", "names": ["DeltaDataIntervalTimetable"]}
        if every:
            return {"expr": delta, "names": names}
        if intervals:
            expr = f"CronDataIntervalTimetable({_literal(schedule)}, timezone={timezone})"
            return {"expr": expr, "names": ["CronDataIntervalTimetable"]}
        return {"expr": _literal(schedule), "names": names}
    joiner = " | " if str(c.get("assets_mode", "all")) == "any" else " & "
    condition = joiner.join(f"Asset({_literal(uri)})" for uri in assets)
    names.append("Asset")
    if schedule is None:
        return {"expr": condition, "names": names}
    if every:
        kind = "DeltaDataIntervalTimetable" if intervals else "DeltaTriggerTimetable"
        timetable = f"{kind}({delta})"
    else:
        kind = "CronDataIntervalTimetable" if intervals else "CronTriggerTimetable"
        timetable = f"{kind}({_literal(schedule)}, timezone={timezone})"
    if len(assets) > 1:
        condition = f"({condition})"
    names.extend(["AssetOrTimeSchedule", kind])
    return {"expr": f"AssetOrTimeSchedule(timetable={timetable}, assets={condition})", "names": names}


# --- arguments an adopted DAG keeps as written ------------------------------------------------

#: The constructors a value kept as written may call, as the template imports them.
_PURE_CALLS = frozenset({"Secret", "datetime.timedelta", "datetime.datetime", "datetime.date",
                         "datetime.timezone", "pendulum.datetime", "pendulum.duration"})


def pure_callable(name: str) -> bool:
    """A constructor the template may write in a value kept as written: ``k8s.V1...`` models,
    ``Secret``, the ``datetime``/``pendulum`` ones above."""
    return name in _PURE_CALLS or bool(re.fullmatch(r"k8s\.V[0-9]+[A-Za-z0-9]*", name))


def _dotted(node: Any) -> str:
    import ast

    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def _check_pure(node: Any) -> None:
    import ast

    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str | int | float | bool)):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        if isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int | float):
            return
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            _check_pure(item)
        return
    elif isinstance(node, ast.Dict) and None not in node.keys:
        for item in [*node.keys, *node.values]:
            _check_pure(item)
        return
    elif isinstance(node, ast.Attribute) and re.fullmatch(r"k8s\.V[0-9]+[A-Za-z0-9]*\.[A-Za-z_][A-Za-z0-9_]*",
                                                         _dotted(node)):
        return
    elif isinstance(node, ast.Call) and pure_callable(_dotted(node.func)):
        if all(keyword.arg for keyword in node.keywords):
            for item in [*node.args, *(keyword.value for keyword in node.keywords)]:
                _check_pure(item)
            return
    raise ValueError("a value kept as written is not a literal or a constructor of literals")


def pure_source(source: Any) -> str:
    """A value an adopted DAG keeps as written (source text from its record), written back as
    Python source once it parses as a pure expression: literals, and ``k8s.V1...``, ``Secret``,
    ``datetime``/``pendulum`` constructors of literals. Anything else is refused, never evaluated."""
    import ast

    tree = ast.parse(str(source), mode="eval")
    _check_pure(tree.body)
    return _pure_text(tree.body)


def _pure_text(node: Any) -> str:
    """A pure expression (checked above) as Python source, strings as ``py_literal`` writes them."""
    import ast

    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.UnaryOp):
        return ("-" if isinstance(node.op, ast.USub) else "+") + _pure_text(node.operand)
    if isinstance(node, ast.List):
        return "[" + ", ".join(_pure_text(item) for item in node.elts) + "]"
    if isinstance(node, ast.Tuple):
        items = [_pure_text(item) for item in node.elts]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(node, ast.Set):
        return "{" + ", ".join(_pure_text(item) for item in node.elts) + "}"
    if isinstance(node, ast.Dict):
        return "{" + ", ".join(f"{_pure_text(k)}: {_pure_text(v)}" for k, v in zip(node.keys, node.values)) + "}"
    if isinstance(node, ast.Attribute):
        return _dotted(node)
    arguments = [_pure_text(arg) for arg in node.args]
    arguments += [f"{keyword.arg}={_pure_text(keyword.value)}" for keyword in node.keywords]
    return f"{_dotted(node.func)}({', '.join(arguments)})"


def carried_key(key: Any) -> str:
    """The name of a keyword argument kept as written: a Python name, never code."""
    import keyword

    name = str(key)
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{name[:40]!r} is not an argument name")
    return name


def expand_kwargs_names(source: Any) -> list:
    """The argument names an adopted ``.expand_kwargs([{...}, ...])`` maps (its dicts' keys),
    so the task's ``.partial(...)`` gives none of them."""
    import ast

    node = ast.parse(str(source), mode="eval").body
    names = {
        key.value
        for item in getattr(node, "elts", [])
        if isinstance(item, ast.Dict)
        for key in item.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }
    return sorted(names)


def carried_names(adopted: Any) -> list:
    """The names the values kept as written use (``k8s``, ``Secret``, ``datetime``, ``pendulum``)."""
    import ast

    adopted = adopted or {}
    sources = [*dict(adopted.get("dag", {})).values(), *dict(adopted.get("default_args", {})).values()]
    for task in [*dict(adopted.get("tasks", {})).values(), *dict(adopted.get("expand", {})).values()]:
        sources.extend(dict(task).values())
    sources.extend(dict(adopted.get("expand_kwargs", {})).values())
    names: set = set()
    for source in sources:
        for node in ast.walk(ast.parse(str(source), mode="eval")):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return sorted(names)


# the plain functions, for the code above: the names below become Jinja extensions
_as_list, _as_int, _as_dict, _as_bool, _task_variable = as_list, as_int, as_dict, as_bool, task_variable
_k8s_args = k8s_args
#: for create_dag's reader, which checks a value kept as written by the template's own rule
check_pure_source = pure_source
template_pod_name = pod_name
literal_text = py_literal

py_literal = simple_filter(py_literal)
pipeline = simple_filter(pipeline)
schedule_source = simple_filter(schedule_source)
as_dict = simple_filter(as_dict)
task_variable = simple_filter(task_variable)
as_list = simple_filter(as_list)
as_bool = simple_filter(as_bool)
as_int = simple_filter(as_int)
date_args = simple_filter(date_args)
pod_name = simple_filter(pod_name)
k8s_args = simple_filter(k8s_args)
k8s_volume = simple_filter(k8s_volume)
pure_source = simple_filter(pure_source)
carried_key = simple_filter(carried_key)
expand_kwargs_names = simple_filter(expand_kwargs_names)
carried_names = simple_filter(carried_names)
