"""Validate and render many DAGs: the engine under ``create``, the gallery, ``update`` and batches.

raw answer mappings -> ``resolve_all`` (validated answers, notices) ->
``iter_sources``/``render_all`` (finished file text). Writing is
``create.write_dags``'s. Nothing here prints.

Speed, for the hundreds of DAGs of a migration (numbers in docs/performance.md):

* one ``render.Renderer``: the template and its Jinja environment are loaded
  once per process, not once per DAG;
* one black ``Mode``; black is most of the cost of a DAG (about 9 ms of
  ~11), so batches of ``POOL_MIN`` DAGs or more are formatted by a pool of
  forked worker processes, one per CPU (``jobs``, or ``CREATE_DAG_JOBS``);
* ``iter_sources`` yields one finished file at a time, so a caller that
  writes each one as it comes keeps memory flat however long the batch.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from createdag.errors import InvalidAnswer, InvalidAnswers
from createdag.layout import alerts_module_of, dag_path
from createdag.progress import Progress
from createdag.settings import Settings

#: Batches at least this long are rendered by a process pool (when there are 2+ CPUs).
POOL_MIN = 48


@dataclass(frozen=True)
class Rendered:
    path: Path
    source: str
    #: import path of the alert module the DAG imports (``teams_alerts``), None without alerts
    alerts_module: str | None = None


class PackedAnswers(Sequence[dict[str, Any]]):
    """Validated answers of a batch, each kept pickled and unpacked when read.

    Every entry is checked before anything is written, so a batch's answers are
    all held at once; a pipeline's spec is some 15 KB as dicts and 2 KB
    pickled, so this keeps a 5,000-DAG batch's memory close to a 100-DAG one's.
    """

    def __init__(self) -> None:
        self._packed: list[bytes] = []

    def append(self, answers: Mapping[str, Any]) -> None:
        import pickle

        self._packed.append(pickle.dumps(dict(answers), protocol=pickle.HIGHEST_PROTOCOL))

    def __len__(self) -> int:
        return len(self._packed)

    def __getitem__(self, index: Any) -> Any:
        import pickle

        if isinstance(index, slice):
            return [pickle.loads(item) for item in self._packed[index]]
        return pickle.loads(self._packed[index])


def resolve_all(
    entries: Sequence[Mapping[str, Any]], sets: Mapping[str, Any], settings: Settings, source: str
) -> tuple[Sequence[dict[str, Any]], list[str]]:
    """Validate every entry (``sets`` win over each); raise every problem at once.

    The answers come back packed (``PackedAnswers``) for batches of ``POOL_MIN`` or more."""
    from createdag.answers import resolve
    from createdag.pipeline import apply_sets, planned_dags

    merged = [apply_sets(entry, sets) for entry in entries] if sets else entries  # no copy when nothing to merge
    if len(merged) > 1:  # a DAG may wait for another one created in the same run
        settings = replace(settings, planned=planned_dags(merged))
    results: Any = PackedAnswers() if len(entries) >= POOL_MIN else []
    dag_ids: list[str] = []
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
        dag_ids.append(str(answers["dag_id"]))
    seen: set[str] = set()
    for dag_id in dag_ids:
        if dag_id in seen:
            problems.append(InvalidAnswer("dag_id", f"{dag_id!r} appears twice in one run", source))
        seen.add(dag_id)
    if problems:
        raise InvalidAnswers(problems)
    return results, notices


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
#: what the parent holds back while its pool starts (see ``_starting_pool``)
_STOPPING = frozenset({signal.SIGINT, signal.SIGTERM})


def _worker_start(template_dir: Path | None, parent: int) -> None:
    """In each forked worker, first: it dies with its parent, whatever becomes of the parent.

    ``PR_SET_PDEATHSIG`` has the kernel send SIGKILL when the parent goes (even by SIGKILL);
    a parent gone before that was set is seen by ``getppid``. SIGTERM kills the worker
    outright (it inherited the parent's handler, which would raise inside the pool's loop),
    Ctrl-C is the parent's to handle, and the signals the parent held back while the pool
    started are let through again.
    """
    from createdag import render
    from createdag.faults import die_with_parent

    global _WORKER_RENDERER
    die_with_parent()
    if os.getppid() != parent:
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    _WORKER_RENDERER = render.renderer(template_dir)  # inherited through fork: no reload


def _starting_pool(jobs: int, template_dir: Path | None) -> Any:
    """A fork pool of ``jobs`` workers, started with SIGINT and SIGTERM held back.

    A signal that arrived while ``Pool()`` was forking would raise in the middle of it, before
    the caller holds the pool to tear down: workers already forked would be left blocked on
    their queue after the parent exits, holding its pipes open. Held back, it is raised as soon
    as the caller is inside the ``try`` whose ``finally`` terminates the pool.
    """
    import multiprocessing

    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        return multiprocessing.get_context("fork").Pool(
            jobs, initializer=_worker_start, initargs=(template_dir, os.getpid())
        )
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise


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
    import black  # noqa: F401 - imported once, here, for every worker

    render._black_mode()
    chunk = max(1, min(16, len(all_answers) // (jobs * 8)))
    pool = _starting_pool(jobs, template_dir)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)  # a signal held back is raised here
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
        yield Rendered(dag_path(output_dir, answers), source, alerts_module_of(answers))


def render_all(
    all_answers: Sequence[Mapping[str, Any]],
    output_dir: Path,
    progress: Progress | None = None,
    *,
    jobs: int | None = None,
) -> list[Rendered]:
    """Every finished file, in memory; ``progress(done, total)`` after each."""
    return list(iter_rendered(all_answers, output_dir, progress, jobs=jobs))
