"""Migrate Airflow 2 KubernetesPodOperator DAG files to Airflow 3, through the template (issue 18).

For each DAG of each file (parsed, never imported nor executed):

1. ``airflow2.analyse_source`` reads what changes between Airflow 2 and 3: the
   report (behaviour changes, what is not carried, blockers), the answers the
   migration must state (``catchup=True`` where it was never set, the schedule
   from ``schedule_interval``, ``max_active_tasks`` from ``concurrency``, the
   start date and timezone, the Teams alert for an Office 365 card) and the pod
   arguments with removed template variables translated (``is_delete_operator_pod``
   becomes ``on_finish_action``: True ``delete_pod``, False ``keep_pod``).
2. ``pipeline_source.read_pipeline`` reads every pod task and the dependencies,
   over a copy of the file made readable for it (``_readable_copy``): the
   file's other DAGs left out, ``is_delete_operator_pod`` taken out (step 1
   reads it), and module-level names given to pod arguments (``secrets=secrets``)
   replaced by the literal they are bound to.
3. What Airflow 2 did when the file said nothing is stated (``AIRFLOW2_DEFAULTS``),
   since the template's own defaults differ; what needs an answer main does not
   have yet is refused (``PENDING``).
4. The answers are validated and rendered by the template (``create.create``):
   Airflow 3 code, recorded under ``.create_dag/`` so that ``update`` manages it.

A file is migrated whole or not at all: when any of its DAGs cannot be
migrated, nothing is written for it and its report says why.

Where things go (docs/migrate.md): each DAG becomes ``<dag_id>.py`` in the
folder of its Airflow 2 file, recorded in that folder's ``.create_dag/``;
the Airflow 2 file is renamed to ``<file>.py.airflow2.bak`` (Airflow's DAG
processor reads ``.py`` files only, so the folder never holds two DAGs with
one dag_id). With ``in_place`` the Airflow 2 file is removed instead, which is
allowed only for a file committed, unchanged, in a git work tree: git holds
the original.
"""

from __future__ import annotations

import ast
import copy
import difflib
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import airflow2, dagsource, pipeline_source, scan
from createdag.airflow2 import Change, MigrationReport
from createdag.errors import CreateDagError, Interrupted, InvalidAnswers, UnreadableSource, UserError
from createdag.escape import printable
from createdag.settings import Settings

BACKUP_SUFFIX = ".airflow2.bak"


# --------------------------------------------------------------------------------------------
# Answers main does not have yet: the one place to switch them on
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """An Airflow 2 behaviour the template can carry only through an answer it does not have yet."""

    answer: str  # the answer that carries it
    scope: str  # "dag" or "task"
    branch: str  # where it is being added
    code: str  # the blocker's code in the report while it has not landed
    why: str
    #: True once the answer is on main (the one change that switches it on): the migration then
    #: gives it, instead of refusing the DAG
    landed: bool = False


PENDING: dict[str, Pending] = {
    "data_intervals": Pending(
        "data_intervals", "dag", "af3", "needs-data-intervals",
        "not possible yet: the commands read the logical date or the start of the data interval, so the "
        "migrated DAG must keep Airflow 2's data intervals (CronDataIntervalTimetable); the template cannot "
        "write that until the answer data_intervals: true lands (branch af3)", landed=True,
    ),
    "on_finish_action": Pending(
        "on_finish_action", "task", "pod", "needs-keep-pod",
        "not possible yet: is_delete_operator_pod=False kept the pod after it finished, so the migrated task "
        "needs on_finish_action='keep_pod'; the template cannot write that until the task answer "
        "on_finish_action lands (branch pod)", landed=True,
    ),
}  # fmt: skip


def pending_needs(report: MigrationReport) -> list[tuple[Pending, Any, str | None, int | None]]:
    """What the DAG needs of ``PENDING``: (the entry, the value, the task or None, the line)."""
    needs: list[tuple[Pending, Any, str | None, int | None]] = []
    if report.timetable == "CronDataIntervalTimetable":
        line = next((c.line for c in report.behaviour_changes if c.code == "cron-logical-date"), report.line)
        needs.append((PENDING["data_intervals"], True, None, line))
    for task_id, given in report.task_answers.items():
        if given.get("on_finish_action") == "keep_pod":
            line = next(
                (
                    c.line
                    for c in report.behaviour_changes
                    if c.code == "is_delete_operator_pod" and c.task_id == task_id
                ),
                report.line,
            )
            needs.append((PENDING["on_finish_action"], "keep_pod", task_id, line))
    return needs


# --------------------------------------------------------------------------------------------
# What Airflow 2 did when the file said nothing
# --------------------------------------------------------------------------------------------

#: Airflow 2.10's defaults (``[core] max_active_runs_per_dag``, ``max_active_tasks_per_dag``,
#: ``default_task_retries``, ``[operators] default_owner``, BaseOperator's retry_delay) for what a
#: DAG file may leave out; the template's own defaults differ, so the migration states them.
AIRFLOW2_DEFAULTS: dict[str, Any] = {
    "description": None,
    "tags": [],
    "owner": "airflow",
    "retries": 0,
    "retry_delay_minutes": 5,
    "depends_on_past": False,
    "wait_for_downstream": False,
    "max_active_runs": 16,
    "max_active_tasks": 16,
    "alerts": [],
}


# --------------------------------------------------------------------------------------------
# Reading the pod tasks of one DAG among several, in Airflow 2 spelling
# --------------------------------------------------------------------------------------------

#: Pod arguments ``airflow2`` reads and ``pipeline_source`` does not know.
AIRFLOW2_POD_ARGUMENTS = frozenset({"is_delete_operator_pod"})
#: Pod arguments whose value may be a module-level name bound to a literal.
_RESOLVED_ARGUMENTS = frozenset(
    {"image", "namespace", "cmds", "arguments", "env_vars", "secrets", "image_pull_secrets", "container_resources",
     *airflow2.TEMPLATE_POD_OPTIONS}
)  # fmt: skip
#: Task answers ``airflow2`` gives (translated template strings, on_finish_action from
#: is_delete_operator_pod) that replace what ``pipeline_source`` read from the file.
_TRANSLATED_ANSWERS = frozenset(
    {"cmds", "arguments", "env_vars", "image", "namespace", "on_finish_action", "labels", "annotations",
     "node_selector", "pod_template_file", "service_account_name", "priority_class_name", "image_pull_policy", "pool"}
)  # fmt: skip


def _statement_owners(body: Sequence[ast.stmt], calls: Sequence[dagsource.DagCall]) -> list[set[int]]:
    """For each top-level statement, the DAGs (indexes into ``calls``) it belongs to: the DAG it
    defines, the DAG its tasks are given (``dag=``, ``with DAG``), the DAG of the names it uses."""
    index = {id(found.call): number for number, found in enumerate(calls)}
    index.update({id(found.call.func): number for number, found in enumerate(calls)})
    names: dict[str, int] = {}  # a variable bound to a DAG, or to one of its tasks
    owners: list[set[int]] = []
    for stmt in body:
        own: set[int] = set()
        for node in ast.walk(stmt):
            if id(node) in index:
                own.add(index[id(node)])
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
                own.add(names[node.id])
        for node in ast.walk(stmt):  # what the statement binds, to the DAG it belongs to
            if isinstance(node, ast.With):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and id(item.context_expr) in index:
                        names[item.optional_vars.id] = index[id(item.context_expr)]
            if isinstance(node, ast.Assign) and len(own) == 1:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = next(iter(own))
        owners.append(own)
    return owners


def _bindings(body: Sequence[ast.stmt]) -> list[tuple[str, int, ast.expr]]:
    found = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            found.append((stmt.targets[0].id, stmt.lineno, stmt.value))
    return found


def _readable_copy(tree: ast.Module, number: int) -> tuple[ast.Module, dagsource.DagCall]:
    """A copy of ``tree`` holding DAG ``number`` (of ``dagsource.dag_calls``) as ``read_pipeline``
    reads it: without the file's other DAGs, without the Airflow 2 pod arguments ``airflow2``
    reads, and with module-level names given to pod arguments replaced by their literal."""
    tree = copy.deepcopy(tree)
    calls = list(dagsource.dag_calls(tree))
    owners = _statement_owners(tree.body, calls)
    body = [stmt for stmt, own in zip(tree.body, owners, strict=True) if not own or number in own]
    bindings = _bindings(body)
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if not (isinstance(node, ast.Call) and dagsource.operator_name(node) == pipeline_source.POD):
            continue
        node.keywords = [k for k in node.keywords if k.arg not in AIRFLOW2_POD_ARGUMENTS]
        for keyword in node.keywords:
            if keyword.arg in _RESOLVED_ARGUMENTS and isinstance(keyword.value, ast.Name):
                bound = [v for name, at, v in bindings if name == keyword.value.id and at < node.lineno]
                if bound and isinstance(bound[-1], ast.List | ast.Tuple | ast.Dict | ast.Constant | ast.Call):
                    keyword.value = copy.deepcopy(bound[-1])
    module = ast.Module(body=body, type_ignores=[])
    ours = calls[number]
    return module, ours


def read_tasks(tree: ast.Module, number: int) -> pipeline_source.Pipeline:
    """``read_pipeline`` of DAG ``number`` of an Airflow 2 file (see ``_readable_copy``)."""
    module, dag = _readable_copy(tree, number)
    return pipeline_source.read_pipeline(module, dag)


# --------------------------------------------------------------------------------------------
# One DAG: answers
# --------------------------------------------------------------------------------------------


#: Templated pod options written as Kubernetes models: ``airflow2`` reports the removed template
#: variables in their strings (and blocks on those without an equivalent); the answers read
#: from them are translated here.
_MODEL_TEMPLATED = ("env_from", "volumes", "volume_mounts")


def _translated(report: MigrationReport, answers: dict[str, Any]) -> None:
    once = str(report.answers.get("schedule") or "").strip() == "@once"
    for key in _MODEL_TEMPLATED:
        if key in answers:
            answers[key], _, _ = airflow2.translate_value(answers[key], report.keeps_intervals, once=once)


def _block(report: MigrationReport, code: str, line: int | None, text: str) -> None:
    report.blockers.append(Change(code, line, text))


def pending_blockers(report: MigrationReport) -> None:
    """Add to ``report`` a blocker for each answer it needs that has not landed (``PENDING``)."""
    for need, _value, task_id, line in pending_needs(report):
        if not need.landed:
            where = f"task {task_id!r}: " if task_id else ""
            blocker = Change(need.code, line, f"{where}{need.why}")
            if blocker not in report.blockers:
                report.blockers.append(blocker)


def dag_answers(report: MigrationReport, tasks: pipeline_source.Pipeline) -> dict[str, Any] | None:
    """The raw answers of a migratable DAG, or None (and its blockers added to ``report``)."""
    for unread in tasks.refused:
        _block(report, "task-not-read", unread.line, unread.what)
    pending_blockers(report)
    if not report.migratable:
        return None
    raw: dict[str, Any] = {"dag_id": report.dag_id}
    stated = []
    for key, default in AIRFLOW2_DEFAULTS.items():
        if key in report.source_answers:
            raw[key] = report.source_answers[key]
        elif key in report.answers:
            raw[key] = report.answers[key]
        else:
            raw[key] = default
            stated.append(f"{key} {default!r}")
    raw.update(report.answers)
    if stated:
        report.carried.append("Airflow 2's defaults, stated: " + ", ".join(stated))
    raw.update(tasks.defaults)
    _translated(report, raw)
    raw.update(tasks.sensor)
    migrated = []
    for task in tasks.tasks:
        task = dict(task)
        _translated(report, task)
        for key, value in report.task_answers.get(task["task_id"], {}).items():
            if key in task or key in _TRANSLATED_ANSWERS:
                task[key] = value
        if "namespace" not in task and "namespace" not in tasks.defaults:
            _block(
                report,
                "no-namespace",
                report.line,
                f"task {task['task_id']!r} gives no namespace: Airflow 2 ran its pod in the connection's or the "
                "worker's namespace, which the file does not say; give namespace= in the file first",
            )
        migrated.append(task)
    for need, value, task_id, _line in pending_needs(report):
        if need.landed and need.scope == "dag":
            raw[need.answer] = value
        elif need.landed:
            for task in migrated:
                if task["task_id"] == task_id:
                    task[need.answer] = value
    raw["tasks"] = migrated
    return raw if report.migratable else None


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@dataclass
class Planned:
    """One migrated DAG: its answers, its file, as rendered."""

    report: MigrationReport
    raw: dict[str, Any]
    answers: dict[str, Any]
    target: Path
    text: str


@dataclass
class FilePlan:
    """One Airflow 2 file: its DAGs' reports, and what migrating it writes (nothing when refused)."""

    path: Path
    reports: list[MigrationReport] = field(default_factory=list)
    dags: list[Planned] = field(default_factory=list)
    #: why the file as a whole is not migrated (unreadable, no DAG, in-place rules...)
    problem: str | None = None
    original: str = ""

    @property
    def migratable(self) -> bool:
        return self.problem is None and bool(self.reports) and all(r.migratable for r in self.reports)

    @property
    def backup(self) -> Path:
        return self.path.with_name(self.path.name + BACKUP_SUFFIX)


def repo_timezone(settings: Settings) -> str:
    """The zone migrated start dates are written in: the team config's timezone, else UTC."""
    zone = settings.team.defaults.get("timezone", "UTC")
    return zone if isinstance(zone, str) else "UTC"


def plan_file(path: Path, settings: Settings, *, airflow2_timezone: str = "UTC") -> FilePlan:
    """Read and validate one Airflow 2 file; writes nothing."""
    from createdag.answers import resolve
    from createdag.render import render_dag

    plan = FilePlan(path)
    try:
        plan.original = dagsource.read_source(path)
        plan.reports = airflow2.analyse_source(
            plan.original, path, timezone=repo_timezone(settings), today=settings.today,
            airflow2_timezone=airflow2_timezone,
        )  # fmt: skip
        tree = dagsource.parse_text(plan.original, path)
    except UnreadableSource as exc:
        plan.problem = str(exc)
        return plan
    if not plan.reports:
        plan.problem = f"{printable(path)} has no DAG(...) call nor @dag decorator"
        return plan
    check = Settings(
        output_dir=settings.output_dir, force=True, today=settings.today, team=settings.team, existing_dag=True
    )
    for number, report in enumerate(plan.reports):
        if not report.migratable:
            pending_blockers(report)  # the team sees every reason at once
            continue
        raw = dag_answers(report, read_tasks(tree, number))
        if raw is None:
            continue
        try:
            answers, _ = resolve(raw, check, source=f"{printable(path)} ({report.name})")
        except InvalidAnswers as exc:
            for problem in exc.problems:
                _block(report, "invalid-answer", report.line, str(problem))
            continue
        if answers.get("alerts"):
            report.carried.append(
                f"Teams alerts on {', '.join(answers['alerts'])} through the connection {answers['teams_conn_id']!r}"
            )
        target = settings.output_dir / f"{answers['dag_id']}.py"
        plan.dags.append(Planned(report, raw, answers, target, render_dag(answers)))
    return plan


def _dag_ids_in(root: Path) -> dict[str, list[Path]]:
    """Every literal dag_id in the ``.py`` files under ``root``, with the files (resolved) defining it."""
    found: dict[str, list[Path]] = {}
    if not root.is_dir():
        return found
    for path in scan.python_files(root).files:
        tree = dagsource.try_read_tree(path)
        for dag_id in dagsource.dag_ids(tree) if tree is not None else ():
            found.setdefault(dag_id, []).append(path.resolve())
    return found


def check_targets(plans: Sequence[FilePlan], settings_of: Callable[[Path], Settings]) -> None:
    """Refuse, in the reports, a dag_id another file of the repo defines or another migrated DAG
    takes, a file that would be replaced, and a DAG already recorded."""
    from createdag import records

    seen: dict[str, Path] = {}
    roots: dict[Path, dict[str, list[Path]]] = {}
    for plan in plans:
        for planned in plan.dags:
            report, dag_id = planned.report, str(planned.answers["dag_id"])
            settings = settings_of(plan.path)
            root = settings.repo_root.resolve()
            if root not in roots:
                roots[root] = _dag_ids_in(root)
            # another file, even one migrated in this run: a refused one would keep its copy
            others = [other for other in roots[root].get(dag_id, []) if other != plan.path.resolve()]
            if others:
                _block(report, "dag-id-taken", report.line,
                       f"{dag_id!r} is also the dag_id of {others[0]}: dag_ids must be unique in the repo")  # fmt: skip
            if dag_id in seen:
                _block(report, "dag-id-taken", report.line,
                       f"{dag_id!r} is also a DAG migrated from {seen[dag_id]}: dag_ids must be unique")  # fmt: skip
            seen.setdefault(dag_id, plan.path)
            target = planned.target
            if target.exists() and target.resolve() != plan.path.resolve():
                _block(report, "file-taken", report.line,
                       f"{target} exists already: move it, or rename the DAG, before migrating")  # fmt: skip
            if records.record_path(settings.output_dir, dag_id).exists():
                _block(report, "already-recorded", report.line,
                       f"{dag_id} is already recorded by create_dag: use update")  # fmt: skip
        if plan.migratable and plan.backup.exists():
            plan.problem = f"{printable(plan.backup)} exists already: remove it (or move it) first"


def git_committed(path: Path) -> str | None:
    """None when ``path`` is committed in a git work tree and unchanged (staged or not); else why not."""
    folder = path.parent
    try:
        inside = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, timeout=30
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return (
                f"{printable(path)} is not in a git work tree: --in-place needs git to hold the original "
                "(or drop --in-place)"
            )
        tracked = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "--error-unmatch", "--", path.name], capture_output=True, timeout=30
        )
        if tracked.returncode != 0:
            return (
                f"{printable(path)} is not committed: commit it first, so git holds the original (or drop --in-place)"
            )
        changed = subprocess.run(
            ["git", "-C", str(folder), "diff", "--quiet", "HEAD", "--", path.name], capture_output=True, timeout=30
        )
        if changed.returncode != 0:
            return f"{printable(path)} has changes not committed: commit them first, so git holds the original"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"git could not be run ({exc}): --in-place needs git to hold the original"
    return None


def diff(plan: FilePlan, in_place: bool) -> str:
    """What migrating the file changes, as unified diffs: the Airflow 2 file against each new file."""
    out: list[str] = []
    for planned in plan.dags:
        out.extend(
            difflib.unified_diff(
                plan.original.splitlines(keepends=True),
                planned.text.splitlines(keepends=True),
                fromfile=printable(plan.path),
                tofile=printable(planned.target),
            )
        )
    if not any(p.target.resolve() == plan.path.resolve() for p in plan.dags):
        if in_place:
            out.append(f"deleted {printable(plan.path)} (git holds it)\n")
        else:
            out.append(f"renamed {printable(plan.path)} -> {printable(plan.backup)}\n")
    elif not in_place:
        out.append(f"the Airflow 2 file is kept as {printable(plan.backup)}\n")
    return "".join(out)


def write_file(plan: FilePlan, settings: Settings, *, in_place: bool) -> list[str]:
    """Migrate a planned file: the Airflow 2 file out of the way, then every DAG through
    ``create.create`` (validated again, rendered, written atomically, recorded). When creating
    fails or is interrupted before the DAG files take their names, the Airflow 2 file is put
    back. Returns what was done, one line each."""
    from createdag import upstream
    from createdag.create import create

    # in place, the file waits under a name Airflow does not read until the new DAGs are written
    aside = plan.path.with_name(f".{plan.path.name}.migrating") if in_place else plan.backup
    moved = False
    try:
        shutil.move(plan.path, aside)
        moved = True
        upstream._index_at.cache_clear()  # the repo's dag_ids, read again now that the old file is gone
        created = create([p.raw for p in plan.dags], settings, source=str(plan.path))
    except Interrupted:
        _finish_aside(aside, in_place)  # the DAG files were all written: the old file must not come back
        raise
    except BaseException:
        if moved or (aside.exists() and not plan.path.exists()):
            shutil.move(aside, plan.path)
        raise
    _finish_aside(aside, in_place)
    if in_place:
        done = [f"removed {printable(plan.path)} (git holds the Airflow 2 version)"]
    else:
        done = [f"renamed {printable(plan.path)} to {printable(plan.backup)}"]
    return [*done, *created.messages, *created.notices]


def _finish_aside(aside: Path, in_place: bool) -> None:
    if in_place:
        aside.unlink(missing_ok=True)


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[str], list[str]]:
    """The ``.py`` files named, and under the folders named (dot folders skipped), in order;
    the paths that are neither; and a note per ``*.py`` entry of a folder that is no regular
    file (a FIFO, a socket, a loop: ``scan.python_files``)."""
    files: list[Path] = []
    missing: list[str] = []
    notes: list[str] = []
    for path in paths:
        if path.is_dir():
            listed = scan.python_files(path, skip_folders=frozenset({"__pycache__"}))
            files.extend(listed.files)
            notes.extend(listed.notes)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{printable(path)} is neither a file nor a folder")
    unique = list(dict.fromkeys(files))
    return unique, missing, notes


def recorded(path: Path, settings: Settings) -> bool:
    """Every DAG of ``path`` is already managed by create_dag (recorded): not an Airflow 2 file."""
    from createdag import records
    from createdag.errors import RecordError

    tree = dagsource.try_read_tree(path)
    ids = dagsource.dag_ids(tree) if tree is not None else []
    try:
        return bool(ids) and all(records.record_path(settings.output_dir, i).exists() for i in ids)
    except RecordError:
        return False


@dataclass
class Outcome:
    plans: list[FilePlan]
    messages: list[str]

    @property
    def reports(self) -> list[MigrationReport]:
        return [report for plan in self.plans for report in plan.reports]

    @property
    def failed(self) -> bool:
        return any(not plan.migratable for plan in self.plans)


def migrate(
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    in_place: bool = False,
    airflow2_timezone: str = "UTC",
    settings_of: Callable[[Path], Settings] | None = None,
    write: Callable[[str], Any] | None = None,
    say: Callable[[str], Any] | None = None,
) -> Outcome:
    """Migrate the Airflow 2 DAG files at ``paths`` (files or folders). ``settings_of(folder)``:
    the settings for the DAGs of a folder (``settings_for(folder)`` by default). ``write`` gets
    the diff of each file under ``dry_run``; ``say`` each message as it happens (they are also in
    ``Outcome.messages``). Files already managed by create_dag (every dag_id
    recorded) are skipped when found in a folder."""
    from createdag.settings import settings_for

    def settings_for_file(path: Path) -> Settings:
        return (settings_of or settings_for)(path.parent)

    files, missing, notes = find_files(paths)
    if missing:
        raise UserError("; ".join(missing))
    named = {p.resolve() for p in paths if p.is_file()}
    messages: list[str] = []

    def tell(*lines: str) -> None:
        messages.extend(lines)
        for line in lines:
            if say is not None:
                say(line)

    tell(*notes)
    plans: list[FilePlan] = []
    for path in files:
        settings = settings_for_file(path)
        if path.resolve() not in named:  # found in a folder
            if recorded(path, settings):
                tell(f"skipped {printable(path)}: managed by create_dag already")
                continue
            tree = dagsource.try_read_tree(path)
            if tree is not None and next(dagsource.dag_calls(tree), None) is None:
                tell(f"skipped {printable(path)}: no DAG in it")
                continue
        plan = plan_file(path, settings, airflow2_timezone=airflow2_timezone)
        if in_place and plan.problem is None:
            plan.problem = git_committed(path)
        plans.append(plan)
    check_targets(plans, settings_for_file)
    for plan in plans:
        if not plan.migratable:
            continue
        if dry_run:
            if write is not None:
                write(diff(plan, in_place))
            continue
        try:
            tell(*write_file(plan, settings_for_file(plan.path), in_place=in_place))
        except CreateDagError as exc:
            if isinstance(exc, Interrupted):
                raise
            text = "; ".join(map(str, exc.problems)) if isinstance(exc, InvalidAnswers) else str(exc)
            plan.problem = f"{text} (the Airflow 2 file is back in place)"
    return Outcome(plans, messages)


def refusal(plan: FilePlan) -> str:
    """Why a file was not migrated, in one line."""
    if plan.problem is not None:
        return f"not migrated: {plan.problem}"
    blocked = [report.name for report in plan.reports if not report.migratable]
    if len(plan.reports) > 1:
        return (
            f"not migrated: {', '.join(blocked)} cannot be migrated (a file is migrated whole: nothing was "
            f"written for {printable(plan.path)})"
        )
    return f"not migrated: nothing was written for {printable(plan.path)} (see the blockers)"


def report_text(outcome: Outcome) -> str:
    """The report as the command prints it."""
    return "\n".join(report.to_text() for report in outcome.reports)


def report_markdown(outcome: Outcome) -> str:
    return airflow2.reports_to_markdown(outcome.reports)
