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
    UnreadableSource,
    UserError,
    WriteFailed,
)
from createdag.escape import printable
from createdag.faults import deferred_signals, describe_os_error
from createdag.questions import BY_KEY, TASKS

LABELS = ("current", "recorded", "template")


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
    dags_dir: Path, answers: Mapping[str, Any], sets: Mapping[str, Any] | None, dag_id: str
) -> dict[str, Any]:
    """Recorded answers (plus ``sets``) through the same validators as generation."""
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
    result, _ = resolve(raw, settings_for(dags_dir, force=True, existing_dag=True), source=dag_id)
    return result


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
    status: str  # updated | unchanged | conflict | unresolved | broken | deleted
    path: Path | None = None
    current: str = ""
    merged: str = ""
    conflicts: int = 0
    message: str = ""
    record: records.Record | None = field(default=None, repr=False)
    style: TextStyle = TextStyle()

    @property
    def failed(self) -> bool:
        return self.status in ("conflict", "unresolved", "broken", "unreadable")

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
    answers = resolve_recorded(dags_dir, old_answers, sets, rec.dag_id)
    theirs = render_dag(answers, template_dir)
    new_rec = records.Record(
        dag_id=rec.dag_id,
        path=path.relative_to(dags_dir).as_posix() if path.is_relative_to(dags_dir) else rec.path,
        answers=records.jsonable(answers),
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
        new_rec.answers, new_rec.template, new_rec.pristine = records.jsonable(old_answers), dict(old_version), base
        new_rec.pending = {"answers": records.jsonable(answers), "template": dict(version), "pristine": theirs}
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
                f"run create_dag.py adopt {selector}"
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
            fresh = render_dag(resolve_recorded(Path(dags_dir), answers, None, rec.dag_id), template_dir)
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
        say("run create_dag.py update to bring them up to date")
        return EXIT_USER_ERROR
    say(f"every recorded DAG in {dags_dir} is up to date with the template")
    return EXIT_OK
