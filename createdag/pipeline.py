"""A DAG's pod tasks as a pipeline: the shape of ``tasks`` in answers, ``--set TASK.KEY``,
and the rules of the task graph.

Answers hold the DAG's own answers and ``tasks``, a list of each task's answers
(``questions.TASK_KEYS``), in the order they appear in the file; each task
names the tasks it runs ``after``. Three spellings reach ``answers.resolve``:

* ``tasks: [...]``: one mapping per task. A task answer written beside
  ``tasks`` (``namespace: etl``, ``image: ...``) is the default of every task
  that does not give its own; team-config defaults come after that.
* flat task answers and no ``tasks``: today's one-task DAG (the README's
  examples, records written before pipelines). ``split`` turns it into
  one task that runs after nothing.
* ``--set KEY=VALUE`` (``apply_sets``): a DAG answer as before; a task answer
  without a task name sets it on every task (``--set image=...`` fleet-wide);
  ``--set load.image=...`` sets it on task ``load`` only.

The graph rules (``graph_problems``) refuse what Airflow would refuse or
silently do otherwise: duplicate ids, an ``after`` that names no task, a
cycle, no task at all, and a task named like the upstream sensor.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from createdag.errors import InvalidAnswer, InvalidAnswers
from createdag.questions import ALIASES, BY_KEY, DAG_KEYS, SENSOR_TASK_ID, TASKS

if TYPE_CHECKING:
    from createdag.upstream import UpstreamDag


def task_view(answers: Mapping[str, Any], number: int) -> ChainMap[str, Any]:
    """What the questions of task ``number`` (from 0) read: its own answers, then the tasks
    before it as ``tasks`` (the choices of "runs after"), then the DAG's answers. Writes go to
    the task. The prompt, the review and a changed answer all ask through this one view."""
    tasks = answers[TASKS]
    return ChainMap(tasks[number], {TASKS: tasks[:number]}, dict(answers))


def is_task_key(key: str) -> bool:
    return BY_KEY[key].scope == "task" if key in BY_KEY else False


def split(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[Any] | None]:
    """``raw`` answers as (DAG answers, task defaults, tasks): ``tasks`` is None when ``raw``
    uses the one-task flat form, whose task answers are then the defaults of that one task."""
    dag: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for key, value in raw.items():
        if key == TASKS:
            continue
        name = ALIASES.get(str(key), str(key))
        (defaults if is_task_key(name) else dag)[key] = value
    tasks = raw.get(TASKS)
    if tasks is None:
        return dag, defaults, None
    return dag, defaults, tasks if isinstance(tasks, list) else [tasks]


def task_ids_of(raw: Mapping[str, Any]) -> list[str]:
    """The task ids raw answers name (the one task's ``main`` default included)."""
    tasks = raw.get(TASKS)
    if not isinstance(tasks, list):
        return [str(raw.get("task_id", BY_KEY["task_id"].default))]
    return [str(task.get("task_id", "")) for task in tasks if isinstance(task, Mapping)]


def apply_sets(raw: Mapping[str, Any], sets: Mapping[str, Any], source: str = "--set") -> dict[str, Any]:
    """``raw`` answers with ``--set`` values applied (see the module's docstring).

    ``TASK.KEY`` splits at the last dot (task ids may hold dots, answer keys never do).
    A task named that the answers do not have is refused, with the closest name.
    """
    if not sets:
        return dict(raw)
    result = dict(raw)
    tasks = [dict(task) if isinstance(task, Mapping) else task for task in result.get(TASKS) or ()]
    many = TASKS in result
    problems = []
    for key, value in sets.items():
        task_id, dot, name = str(key).rpartition(".")
        name = ALIASES.get(name, name)
        if not dot:
            if name == TASKS:
                fix = "tasks are given in an answers file (tasks: [...]), not --set"
                problems.append(InvalidAnswer(key, fix, source))
            elif many and is_task_key(name):
                for task in tasks:
                    if isinstance(task, dict):
                        task[name] = value  # every task: what --set image=... means for a pipeline
                result[name] = value  # and the default of tasks to come
            else:
                result[key] = value
            continue
        if name in BY_KEY and not is_task_key(name):
            fix = f"{name} is an answer of the DAG, not of a task: --set {name}=..."
            problems.append(InvalidAnswer(key, fix, source))
            continue
        if not many:  # the one-task flat form
            own = str(result.get("task_id", BY_KEY["task_id"].default))
            if task_id != own:
                fix = f"this DAG has no task {task_id!r}{_closest(task_id, [own])}"
                problems.append(InvalidAnswer(key, fix, source))
            else:
                result[name] = value
            continue
        matching = [task for task in tasks if isinstance(task, dict) and str(task.get("task_id")) == task_id]
        if not matching:
            known = [str(task.get("task_id")) for task in tasks if isinstance(task, dict)]
            fix = f"this DAG has no task {task_id!r}{_closest(task_id, known)}"
            problems.append(InvalidAnswer(key, fix, source))
            continue
        for task in matching:
            task[name] = value
    if problems:
        raise InvalidAnswers(problems)
    if many:
        result[TASKS] = tasks
    return result


def _closest(name: str, known: Sequence[str]) -> str:
    import difflib  # for a mistyped task id only: not loaded before the first question

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f": did you mean {close[0]!r}?"
    return f": its tasks are {', '.join(known)}" if known else ""


def graph_problems(tasks: Sequence[Mapping[str, Any]], source: str, sensor: bool = False) -> list[InvalidAnswer]:
    """What is wrong with the task graph, each problem with its fix; [] when it is sound."""
    if not tasks:
        return [InvalidAnswer(TASKS, "a DAG needs at least one task: add tasks: [{task_id: ..., image: ...}]", source)]
    problems = []
    ids = [str(task["task_id"]) for task in tasks]
    seen: set[str] = set()
    for task_id in ids:
        if task_id in seen:
            problems.append(InvalidAnswer(f"{task_id}.task_id", f"task id {task_id!r} is used by two tasks", source))
        seen.add(task_id)
        if sensor and task_id == SENSOR_TASK_ID:
            problems.append(InvalidAnswer(
                f"{task_id}.task_id", f"{SENSOR_TASK_ID!r} is the task that waits for the upstream DAG: "
                "choose another task id", source))  # fmt: skip
    for task in tasks:
        for name in task.get("after") or ():
            if name == task["task_id"]:
                problems.append(InvalidAnswer(f"{name}.after", f"task {name!r} cannot run after itself",
                                              source))  # fmt: skip
            elif name not in seen:
                fix = f"no task {name!r} to run after{_closest(name, ids)}"
                problems.append(InvalidAnswer(f"{task['task_id']}.after", fix, source))
    if not problems:
        cycle = find_cycle(tasks)
        if cycle:
            problems.append(InvalidAnswer(
                f"{cycle[0]}.after", f"the tasks run after each other in a circle: {' -> '.join(cycle)}; "
                "Airflow refuses a DAG with a cycle: remove one of these 'after' links", source))  # fmt: skip
    return problems


def find_cycle(tasks: Sequence[Mapping[str, Any]]) -> list[str]:
    """A cycle of ``after`` links as ``[a, b, a]`` (a runs after b, b after a), or []."""
    after = {str(task["task_id"]): [str(name) for name in task.get("after") or ()] for task in tasks}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    for start in after:
        if state.get(start):
            continue
        path = [start]
        stack = [iter(after.get(start, ()))]
        state[start] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(step) == 1:
                return [*path[path.index(step):], step]
            if not state.get(step) and step in after:
                state[step] = 1
                path.append(step)
                stack.append(iter(after[step]))
    return []


def graph_line(answers: Mapping[str, Any]) -> str:
    """The DAG's dependencies in one line, as the file writes them: ``extract >> [a, b] >> load``.

    A task that runs after nothing and before nothing stands alone; statements are
    joined with ``;``. The sensor says what it waits for, a mapped task its pods:
    ``wait_for_upstream (waits for sales.load) >> main (4 parallel pods)``.
    """
    tasks = answers.get(TASKS) or ()
    sensor = SENSOR_TASK_ID if answers.get("external_dag_id") else ""
    shown = {str(t["task_id"]): str(t["task_id"]) for t in tasks}
    for task in tasks:
        if int(task.get("shards", 1)) > 1:
            shown[str(task["task_id"])] += f" ({task['shards']} parallel pods)"
    if sensor:
        upstream = answers["external_dag_id"]
        target = f"{upstream}.{answers['external_task_id']}" if answers.get("external_task_id") else f"{upstream} run"
        shown[sensor] = f"{sensor} (waits for {target})"
    chains = dependency_chains([(str(t["task_id"]), [str(a) for a in t.get("after") or ()]) for t in tasks], sensor)
    linked = {name for chain in chains for group in chain for name in group}
    parts = [" >> ".join(_group([shown[name] for name in group]) for group in chain) for chain in chains]
    parts.extend(text for name, text in shown.items() if name not in linked)
    return "; ".join(parts)


def _group(group: Sequence[str]) -> str:
    return group[0] if len(group) == 1 else "[" + ", ".join(group) + "]"


def dependency_chains(tasks: Sequence[tuple[str, Sequence[str]]], sensor: str = "") -> list[list[list[str]]]:
    """The ``>>`` statements that write these dependencies, shortest first: a list of chains,
    each a list of groups of task names (``[["extract"], ["a", "b"], ["load"]]``).

    The template's own function (dag_template/local_extensions.py), so the review shows
    exactly the lines the file will hold; the template cannot import create_dag, so the
    rule lives there.
    """
    from createdag import resources  # the template's rules, loaded when a graph is shown

    return resources.template_extensions().dependency_chains(tasks, sensor)


def as_entry(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Validated answers as an answers file writes them: the one-task flat form for one task
    (as the README shows), ``tasks: [...]`` for several. ``resolve`` reads either back the same."""
    entry = {key: answers[key] for key in DAG_KEYS if key in answers}
    tasks = list(answers.get(TASKS) or ())
    if len(tasks) == 1 and not tasks[0].get("after"):
        entry.update((key, value) for key, value in tasks[0].items() if key != "after")
    else:
        entry[TASKS] = [dict(task) for task in tasks]
    return entry


def planned_dags(entries: Sequence[Mapping[str, Any]]) -> tuple[UpstreamDag, ...]:
    """DAGs about to be created in this run, as an upstream lookup would see them."""
    # a batch only (create --answers with several DAGs): not loaded before the first question
    from createdag import resources
    from createdag.schedule import normalize_schedule
    from createdag.upstream import UpstreamDag, normalized_uris

    defaults = {key: BY_KEY[key].default for key in ("schedule", "timezone", "task_id", "shards")}
    planned = []
    for entry in entries:
        dag_id = entry.get("dag_id")
        if not isinstance(dag_id, str):
            continue
        try:
            schedule = normalize_schedule(entry.get("schedule", defaults["schedule"]))
        except Exception:  # noqa: BLE001 - reported by its own check
            continue
        task_ids: set[str] = set()
        mapped: set[str] = set()
        tasks = entry.get("tasks")
        for task in tasks if isinstance(tasks, list) else [entry]:
            if not isinstance(task, Mapping):
                continue
            task_id = str(task.get("task_id", defaults["task_id"]))
            task_ids.add(task_id)
            try:
                shards = task.get("shards", entry.get("shards", defaults["shards"]))
                if int(shards) > 1:
                    mapped.add(task_id)
            except (TypeError, ValueError):
                pass  # reported by its own check
        if task_ids and mapped == task_ids and not entry.get("external_dag_id"):
            # the template's EmptyOperator after all-mapped pods (see local_extensions.pipeline)
            tasks_list = tasks if isinstance(tasks, list) else [entry]
            ran_after = {str(a) for t in tasks_list if isinstance(t, Mapping) for a in t.get("after") or ()}
            order = [str(t.get("task_id", defaults["task_id"])) for t in tasks_list if isinstance(t, Mapping)]
            join_task_id = resources.template_extensions().join_task_id
            task_ids.add(str(join_task_id(order, [t for t in order if t not in ran_after])))
        if entry.get("external_dag_id"):
            task_ids.add(SENSOR_TASK_ID)
        outlets = {
            uri
            for task in (tasks if isinstance(tasks, list) else [entry])
            if isinstance(task, Mapping)
            for uri in normalized_uris(task.get("outlets", entry.get("outlets")))
        }
        planned.append(
            UpstreamDag(
                path=Path("(this run)"),
                dag_id=dag_id,
                schedule=schedule,
                schedule_known=True,
                timezone=str(entry.get("timezone", defaults["timezone"])),
                task_ids=frozenset(task_ids),
                task_ids_complete=True,
                mapped_task_ids=frozenset(mapped),
                outlets=frozenset(outlets),
            )
        )
    return tuple(planned)
