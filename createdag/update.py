"""Keep recorded DAGs current: re-render, merge three ways, check for drift.

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
import codecs
import difflib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import dagsource, records, scan
from createdag.errors import (
    GitMissing,
    Interrupted,
    InvalidAnswer,
    InvalidAnswers,
    NotRecorded,
    RecordError,
    UnreadableSource,
    UserError,
    WriteFailed,
)
from createdag.escape import printable
from createdag.faults import deferred_signals, describe_os_error
from createdag.invocation import command
from createdag.questions import BY_KEY, TASKS

LABELS = ("current", "recorded", "template")
RECORD_HELP = "restore it from git, or delete it and adopt the DAG again"


def with_adopted(answers: Mapping[str, Any], adopted: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template's context for a DAG: its answers, and an adopted DAG's ``adopted`` block."""
    return {**answers, "_adopted": dict(adopted)} if adopted else dict(answers)


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
    shown = printable(name)  # a file name is one line of the diff's header, whatever it holds
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"
        )
    )


# --- answers -----------------------------------------------------------------------


def resolve_recorded(
    dags_dir: Path, answers: Mapping[str, Any], sets: Mapping[str, Any] | None, dag_id: str, adopted: bool = False
) -> dict[str, Any]:
    """Recorded answers (plus ``sets``) through the same validators as generation; ``adopted``:
    a DAG written by hand, whose file no team default reaches (``pipeline_source.left_out``)."""
    import dataclasses

    from createdag.answers import canonical_key, resolve
    from createdag.settings import settings_for

    sets = dict(sets or {})
    if any(canonical_key(key) == "dag_id" for key in sets):
        raise InvalidAnswer(
            "dag_id", "update cannot rename a DAG: generate it under the new id instead", "--set"
        )
    from createdag.pipeline import apply_sets

    raw = {key: value for key, value in answers.items() if key in BY_KEY or key == TASKS}
    raw = apply_sets(raw, sets)
    settings = settings_for(dags_dir, force=True, existing_dag=True)
    if adopted:
        from createdag.pipeline_source import left_out

        raw, settings = left_out(raw), dataclasses.replace(settings, adopted=True)
    result, _ = resolve(raw, settings, source=dag_id)
    return result


# --- adopted DAGs: what the file leaves out, what it keeps as written ------------------------

#: The argument (``DAG(...)``, ``default_args`` or the task's) an answer is written as, where
#: its name differs: a ``--set`` of the answer replaces an argument kept as written there.
ARGUMENT_OF = {"retry_delay_minutes": "retry_delay", "node_affinity": "affinity",
               "execution_timeout_minutes": "execution_timeout", "cpu_request": "container_resources",
               "memory_request": "container_resources", "cpu_limit": "container_resources",
               "memory_limit": "container_resources"}  # fmt: skip


def _sources(path: Path, value: Any, where: str, names: bool = True) -> dict[str, str]:
    """Argument names (task ids when not ``names``) to source text, each a literal or a
    constructor of literals (checked by the template's own rule, as it will be when rendered):
    never code from a record."""
    from createdag import resources

    if not (isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise RecordError(f"{path}: field adopted.{where} must map argument names to source text: {RECORD_HELP}")
    extensions = resources.template_extensions()
    for key, source in value.items():
        try:
            extensions.check_pure_source(source)
            if names and where != "default_args" and not (key.isidentifier() and key.isascii()):
                raise ValueError(key)
        except (ValueError, SyntaxError, RecursionError, MemoryError):
            raise RecordError(f"{path}: field adopted.{where}.{key[:40]} is not a value adopt keeps as written: "
                              f"{RECORD_HELP}") from None  # fmt: skip
    return value


def adopted_of(rec: records.Record, path: Path) -> dict[str, Any] | None:
    """The record's ``adopted`` block, checked (records are input from strangers); None for a
    DAG create_dag generated. Its sources are parsed again, and refused unless pure, when rendered."""
    block = (rec.pending or {}).get("adopted", rec.extra.get("adopted"))  # a conflict's, until resolved
    if block is None:
        return None
    if not isinstance(block, dict) or set(block) - {"absent", "dag", "default_args", "tasks", "unnamed", "expand",
                                                    "expand_kwargs", "partial"}:  # fmt: skip
        raise RecordError(f"{path}: field adopted is not what adopt records: {RECORD_HELP}")
    absent, unnamed = block.get("absent", []), block.get("unnamed", [])
    for name, given in (("absent", absent), ("unnamed", unnamed)):
        if not (isinstance(given, list) and all(isinstance(key, str) for key in given)):
            raise RecordError(f"{path}: field adopted.{name} must list names: {RECORD_HELP}")
    partial = block.get("partial", {})
    if not (isinstance(partial, dict) and all(
        isinstance(task_id, str) and isinstance(names, list)
        and all(isinstance(name, str) and name.isidentifier() for name in names)
        for task_id, names in partial.items()
    )):  # fmt: skip
        raise RecordError(f"{path}: field adopted.partial must map task ids to argument names: {RECORD_HELP}")
    tasks = block.get("tasks", {})
    if not isinstance(tasks, dict):
        raise RecordError(f"{path}: field adopted.tasks must map task ids to arguments: {RECORD_HELP}")
    expand, expand_kwargs = block.get("expand", {}), block.get("expand_kwargs", {})
    if not isinstance(expand, dict):
        raise RecordError(f"{path}: field adopted.expand must map task ids to arguments: {RECORD_HELP}")
    return {
        "absent": list(absent),
        "unnamed": list(unnamed),
        "dag": dict(_sources(path, block.get("dag", {}), "dag")),
        "default_args": dict(_sources(path, block.get("default_args", {}), "default_args")),
        "tasks": {task_id: dict(_sources(path, given, f"tasks.{task_id}")) for task_id, given in tasks.items()},
        "expand": {task_id: dict(_sources(path, given, f"expand.{task_id}")) for task_id, given in expand.items()},
        "expand_kwargs": dict(_sources(path, expand_kwargs, "expand_kwargs", names=False)),
        "partial": {task_id: list(names) for task_id, names in partial.items()},
    }


def adopted_after_sets(adopted: dict[str, Any], sets: Mapping[str, Any]) -> dict[str, Any]:
    """What an adopted DAG leaves out and keeps as written once ``--set`` gives answers: a set
    answer is no longer absent, and replaces the argument kept as written in its place."""
    from createdag.answers import canonical_key

    result = {**adopted, "absent": list(adopted["absent"]), "unnamed": list(adopted["unnamed"]),
              "dag": dict(adopted["dag"]),
              "default_args": dict(adopted["default_args"]),
              "tasks": {task_id: dict(given) for task_id, given in adopted["tasks"].items()},
              "partial": {task_id: list(names) for task_id, names in adopted.get("partial", {}).items()}}  # fmt: skip
    for key in sets:
        task_id, dot, name = str(key).rpartition(".")
        name = canonical_key(name)
        argument = ARGUMENT_OF.get(name, name)
        for each in mapped_tasks(adopted, argument):
            if not dot or each == task_id:
                raise UserError(f"--set {key}: task {each!r} maps {argument}= (.expand in its file), one value per "
                                f"pod: edit those values in the file itself")  # fmt: skip
        if name in result["absent"]:
            result["absent"].remove(name)
        if name == "start_date":
            result["dag"].pop("start_date", None)
            result["absent"] = [key for key in result["absent"] if key != "timezone"]
        result["dag"].pop(argument, None)
        result["default_args"].pop(argument, None)
        for each, given in result["tasks"].items():
            if not dot or each == task_id:
                given.pop(argument, None)
        for each, names in result["partial"].items():  # a mapped task's .partial(...) gives it now
            if (not dot or each == task_id) and BY_KEY.get(name) is not None and BY_KEY[name].scope == "task":
                result["partial"][each] = [*names, argument] if argument not in names else names
    return result


def mapped_tasks(adopted: Mapping[str, Any], argument: str) -> list[str]:
    """The tasks of an adopted DAG whose ``.expand``/``.expand_kwargs`` maps ``argument``."""
    from createdag.pipeline_source import mapped_arguments

    return [task_id for task_id, arguments in mapped_arguments(adopted).items() if argument in arguments]


def recorded_answers(answers: Mapping[str, Any], before: Mapping[str, Any], adopted: Mapping[str, Any] | None,
                     sets: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The answers a record keeps: an adopted DAG's only what its file says and ``--set`` gave
    (never a default filled in to check them); a generated DAG's all of them."""
    if adopted is None:
        return records.jsonable(answers)
    set_keys = {str(key).rpartition(".")[2] for key in sets}
    given = {*before, *set_keys}
    kept = {key: value for key, value in answers.items() if key in given and key not in adopted["absent"]}
    if isinstance(kept.get(TASKS), list) and isinstance(before.get(TASKS), list):  # each task: what it said
        said = {task.get("task_id"): set(task) | set(before) for task in before[TASKS] if isinstance(task, dict)}
        kept[TASKS] = [{key: value for key, value in task.items()
                        if key in said.get(task.get("task_id"), task) or key in set_keys}
                       for task in kept[TASKS]]  # fmt: skip
    return records.jsonable(kept)


# --- editing in place -------------------------------------------------------------------


def changes_of(answers: Mapping[str, Any], sets: Mapping[str, Any]) -> list[Any] | None:
    """The answers ``--set`` gave, with their checked values, one ``edit_source.Change`` each
    (a task answer given for every task: one per task); None when the answers have no tasks."""
    from createdag.answers import canonical_key
    from createdag.edit_source import Change
    from createdag.pipeline import is_task_key

    tasks = answers.get(TASKS)
    if not isinstance(tasks, list):
        return None
    changes = []
    for key in sets:
        task_id, dot, name = str(key).rpartition(".")
        name = canonical_key(name)
        if dot:
            changes += [Change(name, task.get(name), task_id) for task in tasks if task.get("task_id") == task_id]
        elif is_task_key(name):
            changes += [Change(name, task.get(name), str(task.get("task_id"))) for task in tasks]
        else:
            changes.append(Change(name, answers.get(name)))
    return changes


def edit_in_place(ours: str, base: str, answers: Mapping[str, Any], sets: Mapping[str, Any], *,
                  same_template: bool, theirs: str) -> tuple[str, str] | None:  # fmt: skip
    """The file with each ``--set`` answer changed where it writes it (``edit_source``), and the
    base to merge the template's change against: the new render when the template is the same
    (nothing else to merge), else the recorded base edited the same way. None when an answer
    cannot be placed: update merges the re-render then, as before."""
    from createdag import edit_source

    changes = changes_of(answers, sets)
    if not changes:
        return None
    edited = edit_source.edit(ours, changes)
    merge_base = theirs if same_template else edit_source.edit(base, changes)
    if edited is None or merge_base is None:
        return None
    return edited, merge_base


# --- planning and applying ----------------------------------------------------------


@dataclass(frozen=True)
class TextStyle:
    """How a DAG file is stored on disk, kept when update rewrites it: a BOM, CRLF line ends."""

    bom: bool = False
    crlf: bool = False

    def apply(self, text: str) -> str:
        """``text`` (LF line ends, no BOM) as the file stores it; write it with ``newline="\\n"``."""
        return ("\ufeff" if self.bom else "") + (text.replace("\n", "\r\n") if self.crlf else text)


def read_dag_text(path: Path) -> tuple[str, TextStyle]:
    """A DAG file's text with LF line ends and no BOM, for merging, and how it was stored."""
    data = dagsource.read_bytes(path)
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"{printable(path)} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    crlf = "\r\n" in text
    return (text.replace("\r\n", "\n") if crlf else text), TextStyle(bom, crlf)


@dataclass
class Outcome:
    dag_id: str
    status: str  # updated | unchanged | conflict | unresolved | broken | deleted | refused
    path: Path | None = None
    current: str = ""
    merged: str = ""
    conflicts: int = 0
    message: str = ""
    record: records.Record | None = field(default=None, repr=False)
    style: TextStyle = TextStyle()

    @property
    def failed(self) -> bool:
        return self.status in ("conflict", "unresolved", "broken", "unreadable", "refused")

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
    recorded = Path(dags_dir) / rec.path
    if path is None and os.path.lexists(recorded) and (reason := scan.why_not_regular(recorded)) is not None:
        message = f"{rec.dag_id}: {printable(recorded)}: {reason}; skipped, the other DAGs are updated"
        return Outcome(rec.dag_id, "unreadable", recorded, message=message)
    if path is None:
        return Outcome(
            rec.dag_id,
            "deleted",
            message=f"{rec.dag_id}: {printable(rec.path)} is gone and no file defines it: not recreated "
            f"(delete {records.RECORD_DIR}/{rec.dag_id}.json to stop tracking it)",
        )
    try:
        ours, style = read_dag_text(path)
    except UnreadableSource as exc:
        return Outcome(rec.dag_id, "unreadable", path, message=f"{exc}; skipped, the other DAGs are updated")
    if rec.pending and has_markers(ours):
        return Outcome(
            rec.dag_id, "unresolved", path, ours, ours,
            message=f"{printable(path)}: still has conflict markers from the last update: resolve them, then run "
            "update again",
        )  # fmt: skip
    old_answers, old_version, base = _base_of(rec)
    adopted = adopted_of(rec, records.record_path(dags_dir, rec.dag_id))
    # an adopted DAG: what its file leaves out renders as it wrote it, nothing; never a team default
    answers = resolve_recorded(dags_dir, old_answers, sets, rec.dag_id, adopted=adopted is not None)
    if adopted is not None:
        adopted = adopted_after_sets(adopted, sets or {})
    theirs = render_dag(with_adopted(answers, adopted), template_dir)
    new_rec = records.Record(
        dag_id=rec.dag_id,
        path=path.relative_to(dags_dir).as_posix() if path.is_relative_to(dags_dir) else rec.path,
        answers=recorded_answers(answers, old_answers, adopted, sets or {}),
        template=dict(version),
        pristine=theirs,
        extra={**rec.extra, **({"adopted": adopted} if adopted is not None else {})},
    )
    edited, merge_base = ours, base
    if sets:  # each answer changed where the file writes it, then only the template's change merged
        placed = edit_in_place(ours, base, answers, sets, same_template=old_version.get("template_hash")
                               == version.get("template_hash"), theirs=theirs)  # fmt: skip
        if placed is not None:
            edited, merge_base = placed
        elif adopted is not None:  # a file written by hand: a merge against a re-render would conflict
            from createdag.repo_imports import shared_values

            keys = ", ".join(str(key) for key in sets)
            shared = shared_values(ours, path)
            shared = (f" (this file takes {shared}: a value there is every importing DAG's, change it in that "
                      "module)") if shared else ""  # fmt: skip
            return Outcome(
                rec.dag_id, "refused", path, ours, ours,
                message=f"{path}: {keys} cannot be changed where this file writes it (update --set changes the "
                "DAG and default_args answers and each task's arguments written as one value): edit the file by "
                f"hand{shared}; nothing written",
            )  # fmt: skip
    if theirs == merge_base:
        merged, count = edited, 0
        status = "updated" if merged != ours else "unchanged"
    else:
        merged, count = merge3(edited, merge_base, theirs)
        status = "conflict" if count else ("updated" if merged != ours else "unchanged")
    if status == "conflict":
        pending = {"answers": new_rec.answers, "template": dict(version), "pristine": theirs}
        if adopted is not None:  # what the merge was against, as the answers are
            pending["adopted"] = adopted
        new_rec.answers, new_rec.template, new_rec.pristine = records.jsonable(old_answers), dict(old_version), base
        new_rec.pending, new_rec.extra = pending, rec.extra
        return Outcome(
            rec.dag_id, status, path, ours, merged, count, record=new_rec, style=style,
            message=f"{printable(path)}: {count} conflict(s) between your edits and the template: both versions are "
            "in the file between <<<<<<< and >>>>>>> markers; edit them, then run update again",
        )  # fmt: skip
    if merged != ours:
        try:
            ast.parse(merged)
        except SyntaxError as exc:
            return Outcome(
                rec.dag_id, "broken", path, ours, merged,
                message=f"{printable(path)}: the merge is clean but does not parse (line {exc.lineno}: {exc.msg}): "
                "nothing written; see it with --dry-run and apply the change by hand",
            )  # fmt: skip
        if _is_black(ours):
            merged = _black(merged)
    return Outcome(rec.dag_id, status, path, ours, merged, record=new_rec, style=style,
                   message=f"{'updated' if status == 'updated' else 'up to date:'} {printable(path)}")  # fmt: skip


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
        found = by_file.get(target.resolve()) if target.exists() else None
        found = found or next((r for r in every if r.dag_id == str(selector)), None)
        if found is None:
            hint = (
                f"run {command('adopt')} {selector}"
                if target.is_file()
                else "give a DAG file, folder or dag_id"
            )
            raise NotRecorded(f"{selector} is not a DAG recorded in {dags_dir}: {hint}")
        chosen[found.dag_id] = found
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
    written: list[str] = []
    try:
        for item in outcomes:
            with deferred_signals():  # a DAG file and its record change together
                changed = item.status in ("updated", "conflict") and item.merged != item.current
                if changed and item.path is not None:
                    write_atomic(item.path, item.style.apply(item.merged), force=True)
                if item.record is not None and item.status in ("updated", "unchanged", "conflict"):
                    records.save(dags_dir, item.record)
                if changed:
                    written.append(item.dag_id)
    except (KeyboardInterrupt, OSError) as exc:
        if isinstance(exc, KeyboardInterrupt) and not written:
            raise
        names = ", ".join(written) or "none"
        done = f"updated {len(written)} of {len(outcomes)} DAG(s) ({names}), each with its record"
        if isinstance(exc, OSError):
            raise WriteFailed(f"{describe_os_error(exc)}; {done}; the others are unchanged") from exc
        raise Interrupted(f"interrupted: {done}; the others are unchanged: run update again", exc) from None
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
            adopted = adopted_of(rec, records.record_path(Path(dags_dir), rec.dag_id))
            resolved = resolve_recorded(Path(dags_dir), answers, None, rec.dag_id, adopted=adopted is not None)
            fresh = render_dag(with_adopted(resolved, adopted), template_dir)
        except InvalidAnswers:
            fresh = None
        if fresh != base:
            behind.append(rec.dag_id)
    return behind


def check_drift(dags_dir: Path, say: Callable[[str], None], template_dir: Path | None = None) -> int:
    """The drift check for CI (``check --drift``, alias ``update --check``): exit 1 naming
    every recorded DAG that is behind the current template."""
    from createdag.errors import EXIT_OK, EXIT_USER_ERROR

    if not records.load_all(dags_dir):
        say(f"no recorded DAGs in {dags_dir}: nothing to check")
        return EXIT_OK
    behind = drift(dags_dir, template_dir)
    if behind:
        say(f"{len(behind)} DAG(s) behind the current template: {', '.join(behind)}")
        say(f"run {command('update')} to bring them up to date")
        return EXIT_USER_ERROR
    say(f"every recorded DAG in {dags_dir} is up to date with the template")
    return EXIT_OK
