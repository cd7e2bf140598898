"""DAG integrity tests for this dags repo (written by ``create_dag.py init``; yours to edit).

Every DAG file is loaded the way Airflow's DAG processor loads it (each file
parsed on its own, the dags folder on ``sys.path``, ``.airflowignore``
respected), then checked against the team's rules:

- it imports without error;
- every dag_id is unique across the repo;
- an owner and at least one tag are set;
- ``retries`` is set in ``default_args`` (0 is a valid, explicit answer);
- a failure alert is wired (``on_failure_callback`` on every task, or on the DAG);
- no template reads the logical date (``{{ ds }}``, ``{{ ts }}``, ``{{ logical_date }}``, the data
  interval) in a DAG that runs on assets or by hand only: Airflow 3 gives those runs none, and the
  task fails to render; ``{{ (dag_run.logical_date or dag_run.run_after) | ds }}`` renders on every run.

Rules a team turns on in its config (each off by default; docs/deploy.md says what each prevents):

- ``require_memory_resources = true``: every pod task has a memory request and a memory limit
  (without a limit a leaking task is OOMKilled with the node's other pods; without a request
  the scheduler overcommits the node);
- ``require_pod_timeouts = true``: every pod task names how long its pod may stay Pending
  (``startup_timeout_seconds`` or ``schedule_timeout_seconds``) and has an ``execution_timeout``
  (else a pod that never finishes holds its slot for ever);
- ``remote_logging = false``: the deployment keeps no logs remotely, so no pod task may use
  ``on_finish_action="delete_pod"`` (the provider's default): the pod's logs go with it;
- ``require_run_date_templates = true``: the logical-date rule above for every DAG, since any DAG
  can be triggered by hand without a logical date.

A ``*.py`` entry that is no regular file (a FIFO, a socket, a device, a folder, a symlink loop
or to nothing) or whose name is not UTF-8 is not loaded; each is named in pytest's warnings summary.

A file listed in ``check_skip`` of ``.create_dag.toml`` (or ``[tool.create_dag]``
in ``pyproject.toml``) is exempt from the rules, never from import errors.
``create_dag.py check`` runs these same functions from the command line.
Needs Airflow 3.0 or newer and pytest (and ``tomli`` on Python 3.10); no database.
"""

from __future__ import annotations

import os
import stat
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
#: Share of [core] dagbag_import_timeout above which a file's parse time is worth a warning.
SLOW_SHARE = 0.1


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class FileResult:
    file: str
    dag_ids: tuple[str, ...]
    seconds: float


def read_settings(repo: Path = REPO) -> tuple[Path, frozenset[str]]:
    """The dags folder and the skip list, from the repo's create_dag config."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, from PyPI (create-dag depends on it there)
        import tomli as tomllib

    table: dict = {}
    if (repo / ".create_dag.toml").is_file():
        data = tomllib.loads((repo / ".create_dag.toml").read_text(encoding="utf-8"))
        table = data.get("tool", {}).get("create_dag", data)
    elif (repo / "pyproject.toml").is_file():
        pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
        table = pyproject.get("tool", {}).get("create_dag", {})
    dags = Path(os.environ.get("DAGS_FOLDER") or repo / table.get("output_dir", "dags"))
    return dags, frozenset(table.get("check_skip", ()))


def not_a_dag_file(path: Path) -> str | None:
    """Why ``path`` cannot be loaded as a DAG file, or None for a regular file.

    A dags folder is shared, and not every ``*.py`` entry in it is a file: a FIFO blocks
    whoever opens it, a socket or a device cannot be read, a folder may be named ``x.py``, a
    symlink may loop or point at nothing, and a name that is not UTF-8 fails inside
    Airflow's loader. Only ``os.stat`` is used: nothing is opened. (``create_dag check``
    applies the same rule; this file cannot import create_dag.)
    """
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8 (Airflow cannot load it): rename it"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            return "a symlink loop, or a symlink to nothing"
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder named like a Python file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), which would block whoever reads it"
    return "a socket or a device, not a file"


def skipped_entries(dags_dir: Path) -> list[tuple[Path, str]]:
    """Every ``*.py`` entry under ``dags_dir`` that is not a regular file, with why; dot
    folders are not walked, nor symlinks to folders (so a loop of folders cannot make it endless)."""
    found: list[tuple[Path, str]] = []
    for folder, folders, names in os.walk(dags_dir):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted([*names, *folders]):
            path = Path(folder) / name
            reason = not_a_dag_file(path) if name.endswith(".py") else None
            if reason is not None:
                found.append((path, reason))
    return found


def dag_files(dags_dir: Path) -> list[Path]:
    """The files Airflow would parse: .airflowignore and its safe-mode heuristic respected,
    and only regular files whose names Airflow can load (``not_a_dag_file``)."""
    from airflow.utils.file import list_py_file_paths

    listed = sorted(Path(p) for p in list_py_file_paths(str(dags_dir), safe_mode=True))
    return [path for path in listed if not_a_dag_file(path) is None]


def load_each(dags_dir: Path, files: list[Path]) -> Iterator[tuple[Path, Any, float]]:
    """Each file parsed on its own, as the installed Airflow's DAG processor parses it.

    From Airflow 3.2 the processor uses ``BundleDagBag``, which puts the dags
    folder on ``sys.path`` itself; 3.0 and 3.1 have only ``DagBag``, and their
    processor appends the folder to ``sys.path`` before parsing, so this does too.
    """
    bundle = dags_dir.resolve()
    try:
        from airflow.dag_processing.dagbag import BundleDagBag
    except ImportError:  # Airflow 3.0, 3.1
        from airflow.models.dagbag import DagBag

        if str(bundle) not in sys.path:
            sys.path.append(str(bundle))

        def parse(path: Path) -> Any:
            return DagBag(dag_folder=str(path), bundle_path=bundle, include_examples=False, safe_mode=False)
    else:

        def parse(path: Path) -> Any:
            return BundleDagBag(dag_folder=str(path), bundle_path=bundle, safe_mode=False)

    for path in files:
        started = time.perf_counter()
        bag = parse(path.resolve())  # 3.0 and 3.1 need it inside bundle_path, literally
        yield path, bag, time.perf_counter() - started


#: Team config settings of the opt-in rules -> their value when absent (the rule off).
TEAM_RULES = {"require_memory_resources": False, "require_pod_timeouts": False, "remote_logging": None,
              "require_run_date_templates": False}  # fmt: skip
#: Context variables Airflow 3 leaves out on runs without a logical date.
NEEDS_LOGICAL_DATE = ("ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "logical_date",
                      "data_interval_start", "data_interval_end", "prev_data_interval_start_success",
                      "prev_data_interval_end_success")  # fmt: skip
RUN_DATE = "{{ (dag_run.logical_date or dag_run.run_after) | ds }}"


def _config_table(folder: Path) -> dict:
    """The create_dag table of the nearest config at or above ``folder`` (as create_dag finds it)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib

    for here in (folder, *folder.parents):
        if (here / ".create_dag.toml").is_file():
            data = tomllib.loads((here / ".create_dag.toml").read_text(encoding="utf-8"))
            return data.get("tool", {}).get("create_dag", data)
        if (here / "pyproject.toml").is_file():
            table = tomllib.loads((here / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {})
            if "create_dag" in table:
                return table["create_dag"]
    return {}


_TEAM_RULES_CACHE: dict[Path, dict[str, Any]] = {}


def team_rules(folder: Path) -> dict[str, Any]:
    """The opt-in rules (``TEAM_RULES``) as the config above ``folder`` sets them, read once per folder."""
    if folder not in _TEAM_RULES_CACHE:
        try:
            table = _config_table(folder)
        except (OSError, ValueError):  # unreadable or not TOML: create_dag itself says why; rules stay off
            table = {}
        _TEAM_RULES_CACHE[folder] = {key: table.get(key, off) for key, off in TEAM_RULES.items()}
    return _TEAM_RULES_CACHE[folder]


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a templated field's value: lists, dicts, Kubernetes objects (``to_dict``)."""
    if depth > 20:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _strings(item, depth + 1)
    elif hasattr(value, "to_dict") and type(value).__module__.startswith("kubernetes"):
        yield from _strings(value.to_dict(), depth + 1)


def logical_date_names(text: str) -> list[str]:
    """The variables of ``NEEDS_LOGICAL_DATE`` a Jinja template reads, from its syntax tree: not
    attributes (``dag_run.logical_date``), filters (``| ds``), strings, names it sets itself or
    names it guards with ``is defined``."""
    if "{" not in text:
        return []
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return []
    own = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    own |= {t.node.name for t in tree.find_all(nodes.Test)
            if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name)}  # fmt: skip
    found: list[str] = []
    for n in tree.find_all(nodes.Name):
        if n.ctx == "load" and n.name in NEEDS_LOGICAL_DATE and n.name not in own and n.name not in found:
            found.append(n.name)
    return found


def _task_args(task) -> tuple[bool, dict[str, Any], set[str]]:
    """(is it a KubernetesPodOperator, its arguments' values, the names given explicitly): for a
    mapped task (``.partial(...).expand(...)``) from its partial and expanded arguments."""
    if hasattr(task, "partial_kwargs"):  # a MappedOperator
        cls = getattr(task, "operator_class", type(task))
        values = dict(task.partial_kwargs)
        expanded = getattr(getattr(task, "expand_input", None), "value", None)
        if isinstance(expanded, dict):
            values.update(expanded)
        given = set(values)
        for field in getattr(task, "template_fields", ()):
            values.setdefault(field, getattr(task, field, None))
    else:
        cls = type(task)
        given = set(getattr(task, "_BaseOperator__init_kwargs", {}))
        values = {name: getattr(task, name, None) for name in (*getattr(task, "template_fields", ()),
                  "execution_timeout", "on_finish_action", "container_resources")}  # fmt: skip
    is_pod = any(c.__name__ == "KubernetesPodOperator" for c in getattr(cls, "__mro__", ()))
    return is_pod, values, given


def _memory(resources: Any) -> tuple[Any, Any]:
    """The memory request and limit of a ``V1ResourceRequirements`` (or its dict)."""
    if resources is None:
        return None, None
    if not isinstance(resources, dict):
        resources = {"requests": getattr(resources, "requests", None), "limits": getattr(resources, "limits", None)}
    return (resources.get("requests") or {}).get("memory"), (resources.get("limits") or {}).get("memory")


def _runs_without_logical_date(dag) -> bool:
    """Whether some of the DAG's own runs (not only manual ones) have no logical date: no
    schedule, or assets (asset-triggered runs, also with AssetOrTimeSchedule)."""
    timetable = type(getattr(dag, "timetable", None)).__name__
    return timetable in ("NullTimetable", "AssetTriggeredTimetable", "AssetOrTimeSchedule")


def _task_rule_problems(name: str, dag, rules: dict[str, Any]) -> Iterator[Problem]:
    undated = _runs_without_logical_date(dag)
    for task in dag.tasks:
        is_pod, values, given = _task_args(task)
        for key, value in (dag.default_args or {}).items():  # they reach every operator that takes them
            given.add(key)
            if values.get(key) is None:
                values[key] = value
        where = f"DAG {dag.dag_id!r}, task {task.task_id!r}"
        if undated or rules["require_run_date_templates"]:
            fields = getattr(task, "template_fields", ())
            names = [n for f in fields for text in _strings(values.get(f)) for n in logical_date_names(text)]
            if names:
                runs = ("its runs have no logical date (it runs on assets or by hand)" if undated
                        else "a manual run triggered without a logical date has none")  # fmt: skip
                shown = ", ".join(f"{{{{ {n} }}}}" for n in dict.fromkeys(names))
                yield Problem(name, "logical date", f"{where}: {shown} is undefined when {runs}, so the task fails "
                              f"to render: write {RUN_DATE} (ds where the run has a logical date)")  # fmt: skip
        if not is_pod:
            continue
        if rules["require_memory_resources"]:
            request, limit = _memory(values.get("container_resources"))
            missing = [what for what, value in (("request", request), ("limit", limit)) if not value]
            if missing:
                yield Problem(name, "memory", f"{where}: no memory {' or '.join(missing)}: add container_resources="
                              "k8s.V1ResourceRequirements(requests={'memory': '512Mi'}, limits={'memory': '1Gi'}) "
                              "(require_memory_resources)")  # fmt: skip
        if rules["require_pod_timeouts"]:
            missing = []
            if not given & {"startup_timeout_seconds", "schedule_timeout_seconds"}:
                missing.append("how long its pod may stay Pending (startup_timeout_seconds=300)")
            if values.get("execution_timeout") is None:
                missing.append("a time limit (execution_timeout=timedelta(hours=1))")
            if missing:
                yield Problem(name, "pod timeouts", f"{where}: does not set {' nor '.join(missing)} "
                              "(require_pod_timeouts)")  # fmt: skip
        if rules["remote_logging"] is False:
            action = values.get("on_finish_action")
            action = getattr(action, "value", action) or "delete_pod"  # the provider's default
            if action == "delete_pod":
                yield Problem(name, "pod logs", f"{where}: on_finish_action='delete_pod' deletes the pod and its logs, "
                              "and this deployment keeps no logs remotely (remote_logging = false): use "
                              "on_finish_action='delete_succeeded_pod' (failed pods kept to read), or turn remote "
                              "logging on (docs/deploy.md)")  # fmt: skip


def _rule_problems(name: str, dag) -> Iterator[Problem]:
    yield from _dag_rule_problems(name, dag)
    fileloc = getattr(dag, "fileloc", None)
    rules = team_rules(Path(fileloc).resolve().parent) if fileloc else dict(TEAM_RULES)
    yield from _task_rule_problems(name, dag, rules)


def _dag_rule_problems(name: str, dag) -> Iterator[Problem]:
    args = dag.default_args or {}
    owners = {task.owner for task in dag.tasks}
    if not owners or owners & {"", "airflow", None}:
        yield Problem(name, "owner", f"DAG {dag.dag_id!r} has no owner: set default_args={{'owner': 'your-team'}}")
    if not dag.tags:
        yield Problem(name, "tags", f"DAG {dag.dag_id!r} has no tags: add tags=['...'] to the DAG")
    if "retries" not in args:
        yield Problem(
            name, "retries",
            f"DAG {dag.dag_id!r} does not set retries: add \"retries\": 2 to default_args (0 is fine too)",
        )
    without_alert = [t.task_id for t in dag.tasks if not getattr(t, "on_failure_callback", None)]
    if without_alert and not getattr(dag, "on_failure_callback", None):
        yield Problem(
            name, "failure alert", f"DAG {dag.dag_id!r}: tasks {', '.join(without_alert)} have no on_failure_callback: "
            "add \"on_failure_callback\": [TeamsNotifier(event=\"failure\")] to default_args",
        )


def collect(
    dags_dir: Path, skip: frozenset[str] = frozenset(), progress=None
) -> tuple[list[Problem], list[FileResult]]:
    """Load every DAG file and apply the rules; the one entry point for pytest and the CLI."""
    files = dag_files(dags_dir)
    problems: list[Problem] = []
    results: list[FileResult] = []
    seen: dict[str, str] = {}
    for number, (path, bag, seconds) in enumerate(load_each(dags_dir, files), 1):
        name = str(path.relative_to(dags_dir))
        for error in bag.import_errors.values():
            problems.append(Problem(name, "import error", error.strip().splitlines()[-1]))
        results.append(FileResult(name, tuple(bag.dag_ids), seconds))
        for dag_id, dag in bag.dags.items():
            if dag_id in seen:
                problems.append(Problem(name, "unique dag_id", f"{dag_id!r} is also defined in {seen[dag_id]}"))
            seen.setdefault(dag_id, name)
            if name not in skip:
                problems.extend(_rule_problems(name, dag))
        if progress:
            progress(number, len(files))
    return problems, results


def slow_files(results: list[FileResult]) -> list[tuple[FileResult, float]]:
    from airflow.configuration import conf

    timeout = conf.getfloat("core", "dagbag_import_timeout")
    return [(r, timeout) for r in results if r.seconds > SLOW_SHARE * timeout]


# --- pytest -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcome() -> tuple[list[Problem], list[FileResult]]:
    dags_dir, skip = read_settings()
    for path, reason in skipped_entries(dags_dir):  # a note in pytest's warnings summary
        warnings.warn(f"skipped {str(path.relative_to(dags_dir))!a}: {reason}", UserWarning, stacklevel=1)
    if str(dags_dir) not in sys.path:
        sys.path.append(str(dags_dir))
    return collect(dags_dir, skip)


def test_every_dag_file_loads(outcome) -> None:
    problems, results = outcome
    assert results, "no DAG files found: is output_dir right in .create_dag.toml?"
    assert not [p for p in problems if p.rule == "import error"], "\n".join(map(str, problems))


@pytest.mark.parametrize(
    "rule", ["unique dag_id", "owner", "tags", "retries", "failure alert", "logical date", "memory", "pod timeouts",
             "pod logs"],
)  # fmt: skip
def test_team_rule(outcome, rule: str) -> None:
    problems, _ = outcome
    broken = [str(p) for p in problems if p.rule == rule]
    assert not broken, "\n".join(broken)
