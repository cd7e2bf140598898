"""The library entry point for creating DAGs: validate, render, write atomically, record.

Every caller that makes DAG files goes through here: the CLI (prompt and
batches), the gallery, the tests and the benchmarks. ``create`` takes raw
answers from any source; ``write_dags`` takes answers already validated
(the prompt checks each one as it is typed).

What is written, per DAG: ``<dags>/<dag_id>.py`` and its record
``<dags>/.create_dag/<dag_id>.json`` (what ``update`` needs later), plus the
alert module the DAGs import when it is absent. Files are streamed: each
finished DAG and record go to a staging folder inside the dags folder as
soon as they are rendered, and only their paths are kept, so memory does not
grow with a batch's size. They take their names only once every DAG
rendered, so an error or Ctrl-C during the long part leaves nothing written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag.errors import OutputExists
from createdag.layout import alerts_module_of, dag_path
from createdag.progress import Progress
from createdag.settings import Settings


@dataclass
class Created:
    """What a run wrote, for the caller to report."""

    #: the validated answers of every DAG written (a ``generate.PackedAnswers`` for big batches)
    answers: Sequence[dict[str, Any]]
    notices: list[str] = field(default_factory=list)
    #: one line per file written or kept, in order ("wrote dags/x.py", "note: ... kept yours")
    messages: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    #: the alert module when this run wrote it, then every DAG file: what to commit, with the records
    files: list[Path] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)


def create(
    entries: Sequence[Mapping[str, Any]],
    settings: Settings,
    *,
    sets: Mapping[str, Any] | None = None,
    source: str = "answers",
    progress: Progress | None = None,
    jobs: int | None = None,
) -> Created:
    """Validate ``entries`` (``sets`` win over each), then write every DAG with its record.

    Raises ``InvalidAnswers`` with every problem of every DAG before anything is written.
    """
    from createdag.generate import resolve_all

    answers, notices = resolve_all(entries, sets or {}, settings, source)
    created = write_dags(answers, settings, progress=progress, jobs=jobs)
    created.notices = notices
    return created


def install_alerts_module(output_dir: Path, module: str = "teams_alerts", *, force: bool = False) -> str | None:
    """Write the alert module where the DAGs import it from (``a.b`` -> ``a/b.py`` in the dags
    folder, which is on sys.path) when absent; never replace a different one.

    A symlink to nothing there is replaced with ``force`` and refused, with what to do,
    without; anything else that is no regular file (a FIFO, a folder, a loop) is refused.
    Another run that installs it at the same moment is no error: the module it wrote is the
    same. Returns what to tell the user, or None when the module is already there as shipped.
    """
    from createdag import resources, scan
    from createdag.errors import UserError
    from createdag.escape import printable
    from createdag.output import write_atomic

    target = output_dir.joinpath(*module.split(".")).with_suffix(".py")
    shipped = resources.alerts_module_source()
    if target.is_symlink() and not target.exists():
        if not force:
            raise UserError(
                f"{printable(target)} is a symlink to {printable(os.readlink(target))}, which does not exist: "
                "point it at the alert module, remove it, or pass --force to replace the link with the module"
            )
        write_atomic(target, shipped, force=True)  # os.replace: the link itself is replaced, not its target
        return f"wrote {target} (the Teams alert module the DAG imports), replacing a symlink to nothing"
    if not os.path.lexists(target):
        try:
            write_atomic(target, shipped)
            return f"wrote {target} (the Teams alert module the DAG imports)"
        except OutputExists:
            pass  # another run wrote it meanwhile: compare with it below
    reason = scan.why_not_regular(target)
    if reason is not None:
        raise UserError(f"{printable(target)} is {reason}: the DAGs import the alert module from there; remove it")
    if target.read_text(encoding="utf-8") != shipped:
        return (
            f"note: {target} differs from the version shipped with create_dag; kept yours. "
            f"To take the new one, compare with hooks/{resources.ALERTS_FILE}, or delete yours and run again."
        )
    return None


STAGING_PREFIX = ".create_dag-staging-"


def _stale_staging(output_dir: Path) -> list[Path]:
    """Staging folders left by a run that was killed (SIGKILL, a power cut): their process is gone."""
    stale = []
    for folder in output_dir.glob(STAGING_PREFIX + "*"):
        pid_text = folder.name.removeprefix(STAGING_PREFIX).partition("-")[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue
        stale.append(folder)
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_dags(
    all_answers: Sequence[Mapping[str, Any]],
    settings: Settings,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> Created:
    """Render and write validated answers: every DAG with its record, or none of them.

    Nothing is written when a file would be replaced without ``settings.force``
    (checked before rendering, and again as each file takes its name: a hard
    link, which cannot replace), nor when rendering fails, the disk fills up or
    the run is interrupted (Ctrl-C, SIGTERM) before the files take their names.
    That last step holds signals back, so a DAG and its record appear together:
    a signal that arrives then ends the run right after it, with ``Interrupted``.
    """
    from createdag import records
    from createdag.airflowignore import IgnoreChange, ensure_ignored, module_file
    from createdag.errors import Interrupted, WriteFailed
    from createdag.faults import deferred_signals, describe_os_error
    from createdag.generate import iter_sources
    from createdag.output import commit, write_atomic

    output_dir, force = settings.output_dir, settings.force
    paths = [dag_path(output_dir, answers) for answers in all_answers]
    if not force:
        for path in paths:
            if path.exists():
                raise OutputExists(str(path))
    from createdag.generate import PackedAnswers

    packed = isinstance(all_answers, PackedAnswers)
    created = Created(answers=all_answers if packed else [dict(answers) for answers in all_answers])  # type: ignore[arg-type]
    made_dir = not output_dir.is_dir()
    record_dir = records.record_dir(output_dir)
    made_record_dir = not record_dir.is_dir()
    new_files: list[Path] = []  # files this run created, and nobody else had
    ignored: IgnoreChange | None = None
    replaced = 0
    committed = False
    staging: Path | None = None
    lock = None
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        lock = folder_lock(output_dir)  # held until the files have their names: see folder_lock
        for stale in _stale_staging(output_dir):
            shutil.rmtree(stale, ignore_errors=True)
            created.messages.append(f"note: removed {stale}, left by an interrupted run (it held no finished file)")
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=output_dir))
        version = records.template_version()
        sources = iter_sources(all_answers, jobs=jobs)
        for number, (answers, path, source) in enumerate(zip(all_answers, paths, sources, strict=True)):
            # a fresh private folder, so replacing is moot; names end in .staged so
            # the DAG processor never picks a file up; numbered, so names stay short
            rec = records.new_record(output_dir, answers, source, path, version)
            write_atomic(staging / f"{number}.py.staged", source, force=True)
            write_atomic(staging / f"{number}.json.staged", rec.to_json(), force=True)
            if progress is not None:
                progress(number + 1, len(paths))
        with deferred_signals():
            modules = {alerts_module_of(answers) for answers in all_answers}
            for module in sorted(m for m in modules if m):
                message = install_alerts_module(output_dir, module, force=force)
                if message:
                    created.messages.append(message)
                    if message.startswith("wrote "):
                        new_files.append(output_dir.joinpath(*module.split(".")).with_suffix(".py"))
                        created.files.append(new_files[-1])
            if modules - {None}:  # the alert module is no DAG file: keep the DAG processor from parsing it
                ignored = ensure_ignored(output_dir, sorted(module_file(m) for m in modules if m))
                if ignored is not None:
                    created.messages.append(ignored.message)
                    if ignored.changed:
                        created.files.append(ignored.path)
            record_dir.mkdir(exist_ok=True)
            for number, (answers, path) in enumerate(zip(all_answers, paths, strict=True)):
                existed = path.exists()
                commit(staging / f"{number}.py.staged", path, force=force)
                if existed:
                    replaced += 1
                else:
                    new_files.append(path)
                created.paths.append(path)
                created.files.append(path)
                target = records.record_path(output_dir, str(answers["dag_id"]))
                if not target.exists():
                    new_files.append(target)
                commit(staging / f"{number}.json.staged", target, force=True)
                created.records.append(target)
                created.messages.append(f"wrote {path}")
            committed = True
        return created
    except BaseException as exc:
        if committed and isinstance(exc, KeyboardInterrupt):  # it came while the files took their names
            raise Interrupted(
                f"interrupted after all {len(created.paths)} DAG file(s) were written, each with its record "
                f"in {record_dir}",
                exc,
            ) from None
        for path in reversed(new_files):
            path.unlink(missing_ok=True)
        if ignored is not None:
            ignored.undo()
        _remove_staging(staging)
        for folder, made in ((record_dir, made_record_dir), (output_dir, made_dir)):
            if made:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if still empty
        if isinstance(exc, OSError):
            on_disk = (
                f"{replaced} existing DAG file(s) had already been replaced (--force)"
                if replaced
                else "nothing was written"
            )
            raise WriteFailed(f"{describe_os_error(exc)}; {on_disk}") from exc
        raise
    finally:
        _remove_staging(staging)  # the files in it now have their names, or were taken back
        if lock is not None:
            os.close(lock)  # releases the lock


def folder_lock(folder: Path) -> int | None:
    """Wait for, then hold, an exclusive lock on the dags folder ``folder``; returns the descriptor
    whose closing releases it (None where locks do not exist).

    Runs in the same dags folder take turns from staging to commit: two ``--force`` runs of
    one dag_id would otherwise each commit a DAG file and a record, and could leave the file
    of one beside the record of the other (which ``update`` then takes for a hand edit); two
    runs installing the alert module would race for its name. ``flock`` on the folder itself
    leaves no file behind, and the kernel drops the lock when the process dies, however.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # interrupted by SIGTERM/Ctrl-C: the handler raises, we close
    except BaseException:
        os.close(fd)
        raise
    return fd


def _remove_staging(staging: Path | None) -> None:
    """Remove the staging folder (again harmless: the rollback removes it before its folders)."""
    if staging is not None and staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
