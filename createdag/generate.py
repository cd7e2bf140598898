"""The non-interactive pipeline shared by the CLI, the gallery and batch runs.

raw answer mappings -> ``resolve_all`` (validated answers, notices) ->
``render_all`` (file text) -> ``write_all`` (atomic files). For batches,
``render_and_write_all`` does the last two in one pass with flat memory.
Nothing here prints except ``TextProgress``, the progress bar a caller may
pass in; callers decide what to tell the user.

Speed, for the hundreds of DAGs of a migration (numbers in docs/performance.md):

* one ``render.Renderer``: the template and its Jinja environment are loaded
  once per process, not once per DAG;
* one black ``Mode``; black is most of the cost of a DAG (about 9 ms of
  ~11), so batches of ``POOL_MIN`` DAGs or more are formatted by a pool of
  forked worker processes, one per CPU (``jobs``, or ``CREATE_DAG_JOBS``);
* ``render_and_write_all`` streams: each finished file goes to a staging
  folder inside the output folder as soon as it is rendered, and only its
  path is kept, so memory does not grow with the batch's size. Files appear
  under their names only once every one of them rendered (a hard link each),
  so an error or Ctrl-C during the long part still leaves nothing written.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from createdag.errors import InvalidAnswer, InvalidAnswers, OutputExists
from createdag.questions import Settings

#: ``progress(done, total)``: called after each DAG of a batch.
Progress = Callable[[int, int], None]
#: Batches at least this long are rendered by a process pool (when there are 2+ CPUs).
POOL_MIN = 48


@dataclass(frozen=True)
class Rendered:
    path: Path
    source: str
    #: import path of the alert module the DAG imports (``teams_alerts``), None without alerts
    alerts_module: str | None = None


def resolve_all(
    entries: Sequence[Mapping[str, Any]], sets: Mapping[str, Any], settings: Settings, source: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate every entry (``sets`` win over each); raise every problem at once."""
    from createdag.answers import resolve
    from createdag.upstream import planned_dags

    merged = [{**entry, **sets} for entry in entries] if sets else entries  # no copy when nothing to merge
    if len(merged) > 1:  # a DAG may wait for another one created in the same run
        settings = replace(settings, planned=planned_dags(merged))
    results: list[dict[str, Any]] = []
    notices: list[str] = []
    problems: list[InvalidAnswer] = []
    for number, entry in enumerate(merged, 1):
        where = f"{source} DAG #{number}" if len(merged) > 1 else source
        try:
            answers, found = resolve(entry, settings, source=where)
        except InvalidAnswers as exc:
            problems.extend(exc.problems)
            continue
        notices.extend(f"{answers['dag_id']}: {notice}" for notice in found)
        results.append(answers)
    seen: set[str] = set()
    for answers in results:
        if answers["dag_id"] in seen:
            problems.append(InvalidAnswer("dag_id", f"{answers['dag_id']!r} appears twice in one run", source))
        seen.add(answers["dag_id"])
    if problems:
        raise InvalidAnswers(problems)
    return results, notices


def dag_path(output_dir: Path, answers: Mapping[str, Any]) -> Path:
    """Where the DAG of ``answers`` is written: ``<output_dir>/<dag_id>.py``."""
    return output_dir / f"{answers['dag_id']}.py"


def default_jobs(count: int) -> int:
    """How many processes render a batch of ``count`` DAGs: 1 below ``POOL_MIN``, else one per CPU.

    ``CREATE_DAG_JOBS`` overrides (``1`` turns the pool off). Forked workers
    only, so Linux only; elsewhere batches render in the one process.
    """
    wanted = os.environ.get("CREATE_DAG_JOBS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return min(int(wanted), max(count, 1))
    if count < POOL_MIN or not sys.platform.startswith("linux"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


_WORKER_RENDERER: Any = None


def _worker_start(template_dir: Path | None) -> None:
    import signal

    from createdag import render

    global _WORKER_RENDERER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER_RENDERER = render.renderer(template_dir)  # inherited through fork: no reload


def _worker_render(answers: Mapping[str, Any]) -> str:
    return _WORKER_RENDERER.render(answers)


def iter_sources(
    all_answers: Sequence[Mapping[str, Any]], *, jobs: int | None = None, template_dir: Path | None = None
) -> Iterator[str]:
    """The finished file for each set of answers, in order, one at a time.

    With ``jobs`` > 1 (default: ``default_jobs``), a pool of forked processes
    renders and formats while the caller consumes; the template, black and
    its ``Mode`` are loaded in this process first so every worker inherits them.
    """
    from createdag import render

    renderer = render.renderer(template_dir)
    jobs = default_jobs(len(all_answers)) if jobs is None else max(1, min(jobs, len(all_answers)))
    if "airflow" in sys.modules:
        # Forking a process that has imported Airflow (its threads, its logging) can
        # deadlock the children; the CLI never imports Airflow before rendering.
        jobs = 1
    if jobs == 1:
        for answers in all_answers:
            yield renderer.render(answers)
        return
    import multiprocessing

    import black  # noqa: F401 - imported once, here, for every worker

    render._black_mode()
    chunk = max(1, min(16, len(all_answers) // (jobs * 8)))
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_start, initargs=(template_dir,))
    try:
        yield from pool.imap(_worker_render, all_answers, chunksize=chunk)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _reporting(items: Iterator[Any], total: int, progress: Progress | None) -> Iterator[Any]:
    for done, item in enumerate(items, 1):
        yield item
        if progress is not None:
            progress(done, total)


def iter_rendered(
    all_answers: Sequence[Mapping[str, Any]],
    output_dir: Path,
    progress: Progress | None = None,
    *,
    jobs: int | None = None,
) -> Iterator[Rendered]:
    """``render_all`` one file at a time, for callers that need not hold every file at once."""
    sources = _reporting(iter_sources(all_answers, jobs=jobs), len(all_answers), progress)
    for answers, source in zip(all_answers, sources, strict=True):
        yield Rendered(dag_path(output_dir, answers), source, _alerts_module_of(answers))


def render_all(
    all_answers: Sequence[Mapping[str, Any]],
    output_dir: Path,
    progress: Progress | None = None,
    *,
    jobs: int | None = None,
) -> list[Rendered]:
    """Every finished file, in memory; ``progress(done, total)`` after each."""
    return list(iter_rendered(all_answers, output_dir, progress, jobs=jobs))


def _alerts_module_of(answers: Mapping[str, Any]) -> str | None:
    from createdag.questions import ALERTS_MODULE

    return answers.get("alerts_module", ALERTS_MODULE) if answers["alerts"] else None


def install_alerts_module(output_dir: Path, module: str = "teams_alerts") -> str | None:
    """Write the alert module where the DAGs import it from (``a.b`` -> ``a/b.py`` in the dags
    folder, which is on sys.path) when absent; never replace a different one.

    Returns what to tell the user, or None when the module is already there as shipped.
    """
    from createdag import resources
    from createdag.output import write_atomic

    target = output_dir.joinpath(*module.split(".")).with_suffix(".py")
    shipped = resources.alerts_module_source()
    if not target.exists():
        write_atomic(target, shipped)
        return f"wrote {target} (the Teams alert module the DAG imports)"
    if target.read_text(encoding="utf-8") != shipped:
        return (
            f"note: {target} differs from the version shipped with create_dag; kept yours. "
            f"To take the new one, compare with hooks/{resources.ALERTS_FILE}, or delete yours and run again."
        )
    return None


def _install_alerts_modules(output_dir: Path, modules: set[str | None]) -> list[str]:
    messages = [install_alerts_module(output_dir, module) for module in sorted(m for m in modules if m)]
    return [message for message in messages if message]


def write_all(
    rendered: Sequence[Rendered], output_dir: Path, force: bool, progress: Progress | None = None
) -> list[str]:
    """Write every file, refusing before the first write if any would be replaced without ``force``."""
    from createdag.output import write_atomic

    if not force:
        for item in rendered:
            if item.path.exists():
                raise OutputExists(str(item.path))
    messages = _install_alerts_modules(output_dir, {item.alerts_module for item in rendered})
    for done, item in enumerate(rendered, 1):
        write_atomic(item.path, item.source, force=force)
        messages.append(f"wrote {item.path}")
        if progress is not None:
            progress(done, len(rendered))
    return messages


def render_and_write_all(
    all_answers: Sequence[Mapping[str, Any]],
    output_dir: Path,
    force: bool,
    progress: Progress | None = None,
    *,
    jobs: int | None = None,
) -> list[str]:
    """``write_all(render_all(...))`` in one streaming pass: memory stays flat however many DAGs.

    The same promises as ``write_all``: nothing is written when a file would be
    replaced without ``force``, and nothing either when rendering fails or is
    interrupted. Each file is staged (``write_atomic``: complete and on disk)
    in a private folder inside ``output_dir`` as soon as it is rendered; once
    all are staged, each is linked to its name (or renamed over it with
    ``force``), which takes microseconds per file.
    """
    from createdag.output import commit, staged_name, write_atomic

    paths = [dag_path(output_dir, answers) for answers in all_answers]
    if not force:
        for path in paths:
            if path.exists():
                raise OutputExists(str(path))
    made_dir = not output_dir.is_dir()
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".create_dag-staging-", dir=output_dir))
    created: list[Path] = []
    try:
        sources = _reporting(iter_sources(all_answers, jobs=jobs), len(all_answers), progress)
        for path, source in zip(paths, sources, strict=True):
            # a fresh private folder, so replacing is moot; the name ends in
            # .staged so the DAG processor never picks the file up
            write_atomic(staging / staged_name(path), source, force=True)
        messages = _install_alerts_modules(output_dir, {_alerts_module_of(answers) for answers in all_answers})
        for path in paths:
            commit(staging / staged_name(path), path, force=force)
            created.append(path)
            messages.append(f"wrote {path}")
        return messages
    except BaseException:
        if not force:  # files this run created, and nobody else had: take them back
            for path in created:
                path.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        if made_dir:
            try:
                output_dir.rmdir()  # only if still empty
            except OSError:
                pass
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class TextProgress:
    """A one-line progress bar on stderr for batches: ``rendering [#####.....] 512/1000``.

    Drawn only when the stream is a terminal and the batch has more than
    ``min_total`` DAGs; redrawn only when the bar changes. Use as
    ``progress=`` of ``render_all``, ``render_and_write_all`` or ``write_all``,
    inside ``with`` so an interrupted bar still ends its line.
    """

    def __init__(self, label: str = "rendering", *, stream: TextIO | None = None, min_total: int = 20,
                 width: int = 30) -> None:  # fmt: skip
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.min_total = min_total
        self.width = width
        self._shown: tuple[int, int] | None = None
        self._open = False
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= self.min_total:
            return
        filled = self.width * done // total
        key = (filled, done * 100 // total)
        if key == self._shown and done != total:
            return
        self._shown = key
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self._open = done != total
        if done == total:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line if it was left open (an error or Ctrl-C mid-batch)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    def __enter__(self) -> TextProgress:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
