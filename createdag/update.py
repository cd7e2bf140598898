"""Keep recorded DAGs current: re-render, merge three ways, check for drift, adopt hand-written DAGs.

``update`` merges like git does for a rebase of the template: base = the
recorded pristine render, ours = the file as it is now (black, hand edits),
theirs = a new render of the recorded answers (plus any ``--set``) with the
current template. ``git merge-file`` does the merge.

After a conflict the file holds the markers and the record keeps its base,
with the new render stored as ``pending``. When the user has removed the
markers, the next ``update`` takes the file as the finished merge: ``pending``
becomes the base, so a resolution that kept the user's side is not asked
about again.
"""

from __future__ import annotations

import ast
import difflib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import records
from createdag.errors import InvalidAnswer, InvalidAnswers, UserError
from createdag.questions import BY_KEY, Settings

LABELS = ("current", "recorded", "template")
_MARKER = re.compile(r"^(<{7}|>{7}|\|{7}|={7})( |$)", re.MULTILINE)


class GitMissing(UserError):
    def __init__(self) -> None:
        super().__init__(
            "update merges with 'git merge-file', and git is not installed: install git and run again"
        )


class NotRecorded(UserError):
    """A path given to update is not a recorded DAG."""


# --- merging -----------------------------------------------------------------------


def merge3(ours: str, base: str, theirs: str) -> tuple[str, int]:
    """Three-way merge; returns the text (with diff3-style markers on conflict) and the conflict count."""
    git = shutil.which("git")
    if git is None:
        raise GitMissing()
    with tempfile.TemporaryDirectory(prefix="create_dag-merge-") as scratch:
        names = []
        for name, text in (("current", ours), ("recorded", base), ("template", theirs)):
            path = Path(scratch) / f"{name}.py"
            path.write_text(text, encoding="utf-8", newline="\n")
            names.append(str(path))
        args = [git, "merge-file", "-p", "--diff3"]
        for label in LABELS:
            args += ["-L", label]
        done = subprocess.run(args + names, capture_output=True, check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise UserError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8"), done.returncode


def has_markers(text: str) -> bool:
    return bool(re.search(r"^<{7}( |$)", text, re.MULTILINE) and re.search(r"^>{7}( |$)", text, re.MULTILINE))


def _is_black(text: str) -> bool:
    import black

    from createdag.render import _black_mode

    try:
        return black.format_str(text, mode=_black_mode()) == text
    except Exception:  # noqa: BLE001 - black refuses: not black-formatted then
        return False


def _black(text: str) -> str:
    import black

    from createdag.render import _black_mode

    try:
        return black.format_str(text, mode=_black_mode())
    except Exception:  # noqa: BLE001 - keep the merge as is
        return text


def unified(before: str, after: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )


# --- answers -----------------------------------------------------------------------


def settings_for(dags_dir: Path) -> Settings:
    """Generation's checks and the team's rules, for DAGs that already exist (update, adopt):
    their dag_id is taken already, by themselves, possibly under another file name."""
    from createdag.config import load_team_config

    return Settings(output_dir=Path(dags_dir), force=True, team=load_team_config(Path(dags_dir)), existing_dag=True)


def resolve_recorded(
    dags_dir: Path, answers: Mapping[str, Any], sets: Mapping[str, Any] | None, dag_id: str
) -> dict[str, Any]:
    """Recorded answers (plus ``sets``) through the same validators as generation."""
    from createdag.answers import canonical_key, resolve

    sets = dict(sets or {})
    if any(canonical_key(key) == "dag_id" for key in sets):
        raise InvalidAnswer(
            "dag_id", "update cannot rename a DAG: generate it under the new id instead", "--set"
        )
    raw = {key: value for key, value in answers.items() if key in BY_KEY}
    raw.update(sets)
    result, _ = resolve(raw, settings_for(dags_dir), source=dag_id)
    return result


# --- planning and applying ----------------------------------------------------------


@dataclass
class Outcome:
    dag_id: str
    status: str  # updated | unchanged | conflict | unresolved | broken | deleted
    path: Path | None = None
    current: str = ""
    merged: str = ""
    conflicts: int = 0
    message: str = ""
    record: records.Record | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.status in ("conflict", "unresolved", "broken")

    def diff(self, dags_dir: Path) -> str:
        if self.path is None:
            return ""
        try:
            name = self.path.relative_to(dags_dir).as_posix()
        except ValueError:
            name = str(self.path)
        return unified(self.current, self.merged, name)


def _base_of(rec: records.Record) -> tuple[dict[str, Any], dict[str, str], str]:
    """Answers, template version and base text that the file's content was last merged with."""
    if rec.pending:
        return rec.pending["answers"], rec.pending["template"], rec.pending["pristine"]
    return rec.answers, rec.template, rec.pristine


def plan_one(
    dags_dir: Path,
    rec: records.Record,
    sets: Mapping[str, Any] | None,
    template_dir: Path | None,
    version: dict[str, str],
) -> Outcome:
    from createdag.render import render_dag

    path = records.locate(dags_dir, rec)
    if path is None:
        return Outcome(
            rec.dag_id,
            "deleted",
            message=f"{rec.dag_id}: {rec.path} is gone and no file defines it: not recreated "
            f"(delete {records.RECORD_DIR}/{rec.dag_id}.json to stop tracking it)",
        )
    ours = path.read_text(encoding="utf-8")
    if rec.pending and has_markers(ours):
        return Outcome(
            rec.dag_id, "unresolved", path, ours, ours,
            message=f"{path}: still has conflict markers from the last update: resolve them, then run update again",
        )  # fmt: skip
    old_answers, old_version, base = _base_of(rec)
    answers = resolve_recorded(dags_dir, old_answers, sets, rec.dag_id)
    theirs = render_dag(answers, template_dir)
    new_rec = records.Record(
        dag_id=rec.dag_id,
        path=path.relative_to(dags_dir).as_posix() if path.is_relative_to(dags_dir) else rec.path,
        answers=_jsonable(answers),
        template=dict(version),
        pristine=theirs,
        extra=rec.extra,
    )
    if theirs == base:
        status = "unchanged"
        merged, count = ours, 0
    else:
        merged, count = merge3(ours, base, theirs)
        status = "conflict" if count else ("updated" if merged != ours else "unchanged")
    if status == "conflict":
        new_rec.answers, new_rec.template, new_rec.pristine = _jsonable(old_answers), dict(old_version), base
        new_rec.pending = {"answers": _jsonable(answers), "template": dict(version), "pristine": theirs}
        return Outcome(
            rec.dag_id, status, path, ours, merged, count, record=new_rec,
            message=f"{path}: {count} conflict(s) between your edits and the template: both versions are "
            "in the file between <<<<<<< and >>>>>>> markers; edit them, then run update again",
        )  # fmt: skip
    if merged != ours:
        try:
            ast.parse(merged)
        except SyntaxError as exc:
            return Outcome(
                rec.dag_id, "broken", path, ours, merged,
                message=f"{path}: the merge is clean but does not parse (line {exc.lineno}: {exc.msg}): "
                "nothing written; see it with --dry-run and apply the change by hand",
            )  # fmt: skip
        if _is_black(ours):
            merged = _black(merged)
    return Outcome(rec.dag_id, status, path, ours, merged, record=new_rec,
                   message=f"{'updated' if status == 'updated' else 'up to date:'} {path}")  # fmt: skip


def _jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(dict(answers), default=str))


def select(dags_dir: Path, selectors: Sequence[str | Path] = ()) -> list[records.Record]:
    """The records for PATH arguments (DAG files, folders or dag_ids); all of them when none."""
    every = records.load_all(dags_dir)
    if not selectors:
        return every
    by_file = {}
    for rec in every:
        where = records.locate(dags_dir, rec)
        if where is not None:
            by_file[where.resolve()] = rec
    chosen: dict[str, records.Record] = {}
    for selector in selectors:
        target = Path(selector)
        if target.is_dir():
            inside = [rec for file, rec in by_file.items() if file.is_relative_to(target.resolve())]
            chosen.update((rec.dag_id, rec) for rec in inside)
            continue
        rec = by_file.get(target.resolve()) if target.exists() else None
        rec = rec or next((r for r in every if r.dag_id == str(selector)), None)
        if rec is None:
            hint = (
                f"run create_dag.py adopt {selector}"
                if target.is_file()
                else "give a DAG file, folder or dag_id"
            )
            raise NotRecorded(f"{selector} is not a DAG recorded in {dags_dir}: {hint}")
        chosen[rec.dag_id] = rec
    return list(chosen.values())


def update_dags(
    dags_dir: Path,
    selectors: Sequence[str | Path] = (),
    sets: Mapping[str, Any] | None = None,
    *,
    template_dir: Path | None = None,
    dry_run: bool = False,
) -> list[Outcome]:
    """Re-render and merge the selected DAGs. Every answer is checked before anything is written."""
    from createdag.output import write_atomic

    dags_dir = Path(dags_dir)
    chosen = select(dags_dir, selectors)
    version = records.template_version(template_dir)
    outcomes: list[Outcome] = []
    problems: list[InvalidAnswer] = []
    for rec in chosen:
        try:
            outcomes.append(plan_one(dags_dir, rec, sets, template_dir, version))
        except InvalidAnswers as exc:
            problems.extend(exc.problems)
        except InvalidAnswer as exc:
            problems.append(exc)
    if problems:
        raise InvalidAnswers(problems)
    if dry_run:
        return outcomes
    for item in outcomes:
        if item.status in ("updated", "conflict") and item.path is not None and item.merged != item.current:
            write_atomic(item.path, item.merged, force=True)
        if item.record is not None and item.status in ("updated", "unchanged", "conflict"):
            records.save(dags_dir, item.record)
    return outcomes


def drift(dags_dir: Path, template_dir: Path | None = None) -> list[str]:
    """dag_ids whose recorded render is behind the current template (renders the ones whose version changed)."""
    from createdag.render import render_dag

    version = records.template_version(template_dir)
    behind = []
    for rec in records.load_all(Path(dags_dir)):
        answers, old_version, base = _base_of(rec)
        if old_version == version:
            continue
        if records.locate(Path(dags_dir), rec) is None:
            continue  # deleted: update reports it
        try:
            fresh = render_dag(resolve_recorded(Path(dags_dir), answers, None, rec.dag_id), template_dir)
        except InvalidAnswers:
            fresh = None
        if fresh != base:
            behind.append(rec.dag_id)
    return behind


# --- adopt: read a hand-written DAG --------------------------------------------------

_NOT_FOUND = object()


def _lit(node: ast.AST | None) -> Any:
    if node is None:
        return _NOT_FOUND
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return _NOT_FOUND


def _name(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else node
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _kwargs(call: ast.Call) -> dict[str, ast.AST]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def _start_date(node: ast.AST) -> tuple[Any, Any]:
    """(YYYY-MM-DD, timezone) from pendulum.datetime(Y, M, D, tz=...) or datetime(Y, M, D, tzinfo=...)."""
    if not (isinstance(node, ast.Call) and _name(node) == "datetime" and len(node.args) >= 3):
        return _NOT_FOUND, _NOT_FOUND
    parts = [_lit(arg) for arg in node.args[:3]]
    if not all(isinstance(part, int) for part in parts):
        return _NOT_FOUND, _NOT_FOUND
    date = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
    zone: Any = _NOT_FOUND
    kwargs = _kwargs(node)
    tz = kwargs.get("tz", kwargs.get("tzinfo"))
    if tz is None:
        zone = "UTC"
    elif isinstance(_lit(tz), str):
        zone = _lit(tz)
    elif isinstance(tz, ast.Call) and _name(tz) in ("timezone", "ZoneInfo", "Timezone") and tz.args:
        zone = _lit(tz.args[0]) if isinstance(_lit(tz.args[0]), str) else _NOT_FOUND
    elif isinstance(tz, ast.Attribute) and tz.attr in ("utc", "UTC"):
        zone = "UTC"
    return date, zone


def _minutes(node: ast.AST) -> Any:
    if not (isinstance(node, ast.Call) and _name(node) == "timedelta"):
        return _NOT_FOUND
    factors = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
    total = 0.0
    for key, value in _kwargs(node).items():
        number = _lit(value)
        if key not in factors or not isinstance(number, int | float):
            return _NOT_FOUND
        total += number * factors[key]
    return int(total) if total == int(total) and not node.args else _NOT_FOUND


def _pull_secrets(node: ast.AST) -> Any:
    value = _lit(node)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(node, ast.List):
        return _NOT_FOUND
    names = []
    for item in node.elts:
        if isinstance(item, ast.Call) and _name(item) == "V1LocalObjectReference":
            name = _lit(_kwargs(item).get("name", item.args[0] if item.args else None))
            if isinstance(name, str):
                names.append(name)
                continue
        return _NOT_FOUND
    return names


def _secrets(node: ast.AST) -> Any:
    if not isinstance(node, ast.List):
        return _NOT_FOUND
    found = []
    for item in node.elts:
        if not (isinstance(item, ast.Call) and _name(item) == "Secret"):
            return _NOT_FOUND
        fields = dict(zip(("deploy_type", "deploy_target", "secret", "key"), item.args, strict=False))
        fields.update(_kwargs(item))
        values = {name: _lit(fields.get(name)) for name in ("deploy_type", "deploy_target", "secret", "key")}
        if values["deploy_type"] != "env" or not all(
            isinstance(values[k], str) for k in ("deploy_target", "secret", "key")
        ):
            return _NOT_FOUND
        found.append({"env": values["deploy_target"], "secret": values["secret"], "key": values["key"]})
    return found


def _alerts(default_args: ast.Dict) -> tuple[list[str], Any]:
    events, conn = [], _NOT_FOUND
    for key, value in zip(default_args.keys, default_args.values, strict=True):
        name = _lit(key)
        if not (isinstance(name, str) and name.startswith("on_") and name.endswith("_callback")):
            continue
        for call in ast.walk(value):
            if isinstance(call, ast.Call) and _name(call) == "TeamsNotifier":
                kwargs = _kwargs(call)
                event = _lit(kwargs.get("event"))
                if isinstance(event, str):
                    events.append(event)
                if isinstance(_lit(kwargs.get("conn_id")), str):
                    conn = _lit(kwargs["conn_id"])
    return events, conn


def _dag_call(tree: ast.AST) -> tuple[ast.Call, Any] | None:
    """The first DAG(...) call or @dag(...) decorator, with its dag_id."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) == "DAG":
            return node, _lit(_kwargs(node).get("dag_id", node.args[0] if node.args else None))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and _name(deco) == "dag":
                    dag_id = _lit(_kwargs(deco).get("dag_id", deco.args[0] if deco.args else None))
                    return deco, node.name if dag_id is _NOT_FOUND else dag_id
    return None


def read_answers(path: Path) -> tuple[dict[str, Any], list[str]]:
    """What the source of a hand-written DAG says, as raw answers, and the answer keys it could not read."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    except SyntaxError as exc:
        raise UserError(
            f"{path} does not parse (line {exc.lineno}: {exc.msg}): fix it before adopting"
        ) from None
    found: dict[str, Any] = {}

    def take(key: str, value: Any) -> None:
        if value is not _NOT_FOUND:
            found[key] = value

    dag = _dag_call(tree)
    if dag is None:
        raise UserError(f"{path} has no DAG(...) call nor @dag decorator: nothing to adopt")
    call, dag_id = dag
    take("dag_id", dag_id)
    kwargs = _kwargs(call)
    for key in ("description", "tags", "catchup", "max_active_runs", "max_active_tasks"):
        take(key, _lit(kwargs.get(key)))
    if "max_active_tasks" not in found:
        take("max_active_tasks", _lit(kwargs.get("concurrency")))
    if "schedule" in kwargs:
        value = _lit(kwargs["schedule"])
        if value is None or isinstance(value, str):
            found["schedule"] = value
    if "start_date" in kwargs:
        date, zone = _start_date(kwargs["start_date"])
        take("start_date", date)
        take("timezone", zone)
    default_args = kwargs.get("default_args")
    if isinstance(default_args, ast.Dict):
        items = {
            _lit(k): v for k, v in zip(default_args.keys, default_args.values, strict=True) if k is not None
        }
        for key in ("owner", "retries", "depends_on_past", "wait_for_downstream"):
            take(key, _lit(items.get(key)))
        if "retry_delay" in items:
            take("retry_delay_minutes", _minutes(items["retry_delay"]))
        events, conn = _alerts(default_args)
        found["alerts"] = events
        take("teams_conn_id", conn)
    pod = next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _name(node) == "KubernetesPodOperator"
        ),
        None,
    )
    if pod is not None:
        pod_kwargs = _kwargs(pod)
        for key in ("task_id", "image", "namespace", "cmds", "arguments"):
            take(key, _lit(pod_kwargs.get(key)))
        for key in ("cmds", "arguments"):
            if key not in pod_kwargs:
                found[key] = []
        found["image_pull_secrets"] = (
            _pull_secrets(pod_kwargs["image_pull_secrets"]) if "image_pull_secrets" in pod_kwargs else []
        )
        found["secrets"] = _secrets(pod_kwargs["secrets"]) if "secrets" in pod_kwargs else []
    found = {key: value for key, value in found.items() if value is not _NOT_FOUND}
    wanted = (
        "dag_id", "description", "schedule", "start_date", "timezone", "catchup", "max_active_runs",
        "max_active_tasks", "tags", "owner", "retries", "retry_delay_minutes", "depends_on_past",
        "wait_for_downstream", "alerts", "task_id", "image", "namespace", "cmds", "arguments",
        "secrets", "image_pull_secrets",
    )  # fmt: skip
    return found, [key for key in wanted if key not in found]


@dataclass
class Adoption:
    path: Path
    found: dict[str, Any]
    missing: list[str]
    answers: dict[str, Any]
    pristine: str


def plan_adopt(dags_dir: Path, path: Path, sets: Mapping[str, Any] | None = None) -> Adoption:
    """Read ``path`` and validate what it says (``sets`` fill or override); writes nothing."""
    from createdag.answers import resolve
    from createdag.render import render_dag

    dags_dir, path = Path(dags_dir), Path(path)
    if not path.is_file():
        raise UserError(f"{path} is not a file: give the DAG file to adopt")
    if not path.resolve().is_relative_to(dags_dir.resolve()):
        raise UserError(f"{path} is not inside {dags_dir}: pass the dags folder that holds it with -o")
    found, missing = read_answers(path)
    dag_id = found.get("dag_id")
    if isinstance(dag_id, str) and records.record_path(dags_dir, dag_id).exists():
        raise UserError(f"{dag_id} is already recorded ({records.record_path(dags_dir, dag_id)}): use update")
    raw = {**found, **dict(sets or {})}
    try:
        answers, _ = resolve(raw, settings_for(dags_dir), source=str(path))
    except InvalidAnswers as exc:
        hint = InvalidAnswer("hint", "give what could not be read with --set KEY=VALUE", str(path))
        raise InvalidAnswers([*exc.problems, hint]) from None
    return Adoption(
        path, found, [key for key in missing if key not in (sets or {})], answers, render_dag(answers)
    )


def adopt(dags_dir: Path, plan: Adoption) -> Path:
    """Record an adopted DAG; its base is the template's render of the answers read from it."""
    return records.record(Path(dags_dir), plan.answers, plan.pristine, plan.path)
