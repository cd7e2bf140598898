"""Cross-DAG waits: find the upstream DAG's source and check the two schedules line up.

An ExternalTaskSensor looks for the upstream run whose logical date equals
this run's logical date minus ``execution_delta``. When no such run can ever
exist (daily at 06:00 waiting on daily at 05:00 with no offset), the sensor
pokes until it times out, every day: the classic silent failure. So when
the upstream DAG is in the dags folder we read its schedule, timezone and
task ids from the *source* (``ast``, never importing it: a DAG file may have
side effects or fail), and compute or check the offset.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from createdag import dagmodel, dagsource, scan
from createdag import schedule as schedules
from createdag.errors import UnreadableSource

UTC = dt.timezone.utc


@dataclass(frozen=True)
class UpstreamDag:
    """What the upstream file says, as far as its literals tell."""

    path: Path
    dag_id: str
    schedule: str | None
    schedule_known: bool
    timezone: str
    task_ids: frozenset[str]
    task_ids_complete: bool  # False when some task_id is computed, not a literal
    #: tasks defined with ``.partial(...)``: mapped, so one run holds several instances
    mapped_task_ids: frozenset[str] = frozenset()
    #: asset URIs its tasks list as outlets (normalized as Airflow stores them)
    outlets: frozenset[str] = frozenset()


def _timezone(call: ast.Call) -> str:
    start = dagsource.kwargs(call).get("start_date")
    if isinstance(start, ast.Call):
        zone = dagsource.literal(dagsource.kwargs(start).get("tz", dagsource.kwargs(start).get("tzinfo")))
        if isinstance(zone, str):
            return zone
    return "UTC"


def read_dag_source(path: Path, dag_id: str) -> UpstreamDag | None:
    """The DAG ``dag_id`` as defined in ``path``, or None when the file does not define it."""
    tree = dagsource.try_read_tree(path)
    if tree is None:
        return None
    model = dagmodel.DagFile.parse(tree)
    for found in model.dags:
        if found.dag_id != dag_id:
            continue
        kwargs = dagsource.kwargs(found.call)
        raw_schedule = dagsource.literal(kwargs["schedule"]) if "schedule" in kwargs else None
        tasks = dagsource.task_ids(model.view)
        return UpstreamDag(
            path=path,
            dag_id=dag_id,
            schedule=raw_schedule if isinstance(raw_schedule, str) else None,
            schedule_known=raw_schedule is None or isinstance(raw_schedule, str),
            timezone=_timezone(found.call),
            task_ids=tasks.ids,
            task_ids_complete=tasks.complete,
            mapped_task_ids=tasks.mapped,
            outlets=frozenset(normalized_uris(dagsource.asset_outlets(model.view, model.bindings).get(dag_id, []))),
        )
    return None


def find_upstream(dags_dir: Path, dag_id: str) -> UpstreamDag | None:
    """The DAG ``dag_id`` as its source in the dags folder defines it, or None."""
    path = dag_ids_in(dags_dir).get(dag_id)
    return read_dag_source(path, dag_id) if path is not None else None


@dataclass(frozen=True)
class RepoIndex:
    """The dag_ids a folder's sources define, and the files that could not be read for it."""

    ids: dict[str, Path]
    unreadable: tuple[str, ...] = ()  # one message per file: path and reason


def index_of(root: Path) -> RepoIndex:
    """Every literal dag_id defined in the Python files under ``root``, from source only;
    a file that cannot be read or parsed is listed, never a reason to stop."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return RepoIndex(found)
    listed = scan.python_files(root)
    unreadable: list[str] = [str(item) for item in listed.skipped]
    for path in listed.files:
        try:
            text = dagsource.read_source(path)
            if "DAG" not in text and "dag" not in text:
                continue
            tree = dagsource.parse_text(text, path)
        except UnreadableSource as exc:
            unreadable.append(str(exc))
            continue
        for dag_id in dagmodel.dag_ids(tree):
            found.setdefault(dag_id, path)
    return RepoIndex(found, tuple(unreadable))


def dag_ids_in(root: Path) -> dict[str, Path]:
    """Every literal dag_id defined in the Python files under ``root``, from source only."""
    return index_of(root).ids


def _tree_stamp(root: Path) -> tuple[tuple[str, int], ...]:
    """The folders under ``root`` with their modification times: changes when a file is
    added, removed or renamed anywhere below, at the cost of a stat per folder."""
    stamp = []
    for folder, subfolders, _ in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in ("venv", "__pycache__")]
        try:
            stamp.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            continue
    return tuple(stamp)


@functools.lru_cache(maxsize=16)
def _index_at(root: Path, stamp: tuple[tuple[str, int], ...]) -> RepoIndex:
    return index_of(root)


def index_cached(root: Path) -> RepoIndex:
    """``index_of``, scanned again only when files come or go: the prompt checks on every
    key press, and a batch checks every DAG, so the repo is read once, not once per check."""
    return _index_at(root, _tree_stamp(root))


def dag_ids_in_cached(root: Path) -> dict[str, Path]:
    return index_cached(root).ids


def find_upstream_cached(dags_dir: Path, dag_id: str) -> UpstreamDag | None:
    """``find_upstream`` through the index kept for this folder's state."""
    path = dag_ids_in_cached(dags_dir).get(dag_id)
    return read_dag_source(path, dag_id) if path is not None else None


# --- assets: which DAGs produce which asset ---------------------------------------------------------


def normalized_uris(raw: Any) -> list[str]:
    """Asset URIs as Airflow stores them; what is no valid URI (reported by its own check) is left out."""
    from createdag import validators
    from createdag.errors import BadValue

    if isinstance(raw, str):
        raw = [item for item in raw.split(",") if item.strip()]
    if not isinstance(raw, list | tuple):
        return []
    uris = []
    for item in raw:
        try:
            uris.append(validators.asset_uri(item))
        except (BadValue, AttributeError, TypeError):
            continue
    return uris


def asset_producers(root: Path) -> dict[str, list[tuple[str, Path]]]:
    """Every asset URI the DAG files under ``root`` list as a task outlet, with the DAGs
    (dag_id, file) that do, from source only."""
    found: dict[str, list[tuple[str, Path]]] = {}
    if not root.is_dir():
        return found
    for path in scan.python_files(root).files:
        tree = dagsource.try_read_tree(path, containing=("outlets",))
        if tree is None:
            continue
        model = dagmodel.DagFile.parse(tree)
        for dag_id, uris in dagsource.asset_outlets(model.view, model.bindings).items():
            for uri in normalized_uris(uris):
                if (dag_id, path) not in found.setdefault(uri, []):
                    found[uri].append((dag_id, path))
    return found


@functools.lru_cache(maxsize=16)
def _producers_at(root: Path, stamp: tuple[tuple[str, int], ...], files: tuple[tuple[str, int], ...]) -> Any:
    return asset_producers(root)


def asset_producers_cached(root: Path) -> dict[str, list[tuple[str, Path]]]:
    """``asset_producers``, read again when a file comes, goes or changes; a copy the caller may extend."""
    stamp = _tree_stamp(root)
    files: list[tuple[str, int]] = []
    for folder, _ in stamp:
        try:
            files.extend((str(p), _mtime(p)) for p in Path(folder).glob("*.py"))
        except OSError:
            continue
    cached = _producers_at(root, stamp, tuple(files))
    return {uri: list(dags) for uri, dags in cached.items()}


def _mtime(path: Path) -> int:
    """When ``path`` last changed; -1 for an entry that cannot be stat'ed (a symlink loop)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


# --- alignment ---------------------------------------------------------------------------


def _utc_runs(schedule: str, timezone: str, after: dt.datetime) -> Iterator[dt.datetime]:
    """Run times (= logical dates, with Airflow 3's CronTriggerTimetable) in UTC."""
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    for wall in schedules.parse_cron(schedule).runs_after(local_after):
        yield wall.replace(tzinfo=zone).astimezone(UTC)


def _is_run(schedule: str, timezone: str, when: dt.datetime) -> bool:
    wall = when.astimezone(ZoneInfo(timezone))
    on_the_minute = wall.second == 0 and wall.microsecond == 0
    return on_the_minute and schedules.parse_cron(schedule).matches(wall.replace(tzinfo=None))


def lines_up(
    ours: str, our_tz: str, theirs: str, their_tz: str, delta_minutes: int, after: dt.datetime, samples: int = 12
) -> bool:
    """Does every one of our next runs find an upstream run ``delta_minutes`` earlier?"""
    runs = _utc_runs(ours, our_tz, after)
    delta = dt.timedelta(minutes=delta_minutes)
    return all(_is_run(theirs, their_tz, run - delta) for run, _ in zip(runs, range(samples), strict=False))


def suggest_delta(ours: str, our_tz: str, theirs: str, their_tz: str, after: dt.datetime) -> int | None:
    """The offset to the latest upstream run at or before our next run, if it works every time."""
    first = next(_utc_runs(ours, our_tz, after), None)
    if first is None:
        return None
    for window in (dt.timedelta(days=1), dt.timedelta(days=32), dt.timedelta(days=370)):
        previous = None
        for run in _utc_runs(theirs, their_tz, first - window - dt.timedelta(minutes=1)):
            if run > first:
                break
            previous = run
        if previous is not None:
            delta = int((first - previous).total_seconds() // 60)
            return delta if lines_up(ours, our_tz, theirs, their_tz, delta, after) else None
    return None


def minutes_in_words(minutes: int) -> str:
    if minutes == 0:
        return "the same logical date"
    sign = "earlier" if minutes > 0 else "later"
    days, rest = divmod(abs(minutes), 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(p for p in parts if p) + f" {sign}"
