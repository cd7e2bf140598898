"""``check`` underneath: load every DAG file as Airflow's DAG processor does, on every core, and report.

dags folder -> the files Airflow would parse (the integrity test's ``dag_files``)
-> each file loaded and checked on its own (``check_file``: the integrity
test's ``load_each`` and rules), here or in N worker processes forked after
Airflow's import -> outcomes merged in file order (``merge``: import errors, unique
dag_ids across the repo, the rules) -> a ``Report`` -> text, JSON or GitHub
Actions annotations (pure functions of the report; the command prints).

This process imports Airflow (quietly: its logging turned down to CRITICAL),
lists the files and checks the first one, which imports what DAG files use
(the Kubernetes operator...); for a big repo (``POOL_MIN_FILES``) it then forks
one worker per CPU, which start warm and check the rest in chunks, as Airflow's
own DAG processor forks to parse. Warnings and prints are captured per file, so
nothing but the report reaches the terminal. One process or many, the results are the
same as the integrity test's ``collect`` (tested).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from createdag import scan
from createdag.errors import UserError
from createdag.escape import printable
from createdag.file_outcome import FileOutcome
from createdag.progress import Progress

#: Repos with fewer files than this are checked in one process: forked workers save
#: about half of ~2.5 ms per file on 2 cores, and cost ~0.3 s (the fork, pages copied on
#: write, results sent back), so below ~300 files they buy back less than they cost.
POOL_MIN_FILES = 300
#: At most this many worker processes; each gets at least ``FILES_PER_WORKER`` files.
MAX_JOBS = 8
FILES_PER_WORKER = 150
#: The shape of ``to_json``'s output; raised only when a field changes meaning or goes away.
JSON_VERSION = 1
#: Captured warnings and output lines kept per file, and their width.
KEEP_LINES = 5
KEEP_WIDTH = 200

_AIRFLOW_IMPORT = re.compile(r"^\s*(?:from|import)\s+(airflow\.[\w.]+)", re.M)
_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')


@dataclass(frozen=True)
class Problem:
    """One problem: an import error or a broken rule, with the line where known."""

    file: str
    rule: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{printable(self.file)}: {self.rule}: {printable(self.message)}"


@dataclass(frozen=True)
class Report:
    dags_dir: Path
    files: tuple[FileOutcome, ...]
    problems: tuple[Problem, ...]
    #: [core] dagbag_import_timeout, and the share of it above which a file is slow
    timeout: float
    slow_share: float
    jobs: int
    seconds: float
    #: files whose outcome came from the cache (``check_cache``): unchanged since they were checked
    cached: int = 0
    #: ``*.py`` entries not loaded: FIFOs, sockets, devices, folders, symlink loops, names not
    #: UTF-8 (``scan.python_files``), one ``skipped <path>: <why>`` line each
    skipped: tuple[str, ...] = ()

    @property
    def slow(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.seconds > self.slow_share * self.timeout)


# --- one file, in whichever process loads it ------------------------------------------------


def quiet_airflow() -> None:
    """Before Airflow is imported: its log lines off (the report says it all), deep tracebacks
    (to find the failing line in the DAG file). No effect once Airflow is imported."""
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "CRITICAL"
    os.environ.setdefault("AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH", "50")


def load_integrity(dags_dir: Path) -> ModuleType:
    """The integrity test module with Airflow imported quietly and the dags folder on ``sys.path``."""
    from createdag.integrity import integrity_module

    first = "airflow" not in sys.modules
    if first:
        quiet_airflow()
    with warnings.catch_warnings(), _collector_paused(freeze=first):
        warnings.simplefilter("ignore")  # Airflow's import-time deprecations are not the user's
        module = integrity_module()
        for _ in module.load_each(dags_dir, []):  # no file: imports its loader (the DagBag module)
            pass
        # what the DagBag of Airflow 3.0 imports on its first file (warning about the provider's
        # deprecated imports): here, so that the first file checked is not the one that warns
        with contextlib.suppress(ImportError):
            import airflow.models.dag  # noqa: F401
    # after Airflow's import, as in the DAG processor: the dags folder is no place its import
    # looks for airflow_local_settings
    if str(dags_dir) not in sys.path:
        sys.path.append(str(dags_dir))
    return module


@contextlib.contextmanager
def _collector_paused(*, freeze: bool, collect: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector off while Airflow is imported, and what the import
    built frozen after it (``gc.freeze``) when this was its first import in the process.

    Importing Airflow, its DagBag and the Kubernetes provider creates about a million
    objects that live as long as the process and almost no garbage, yet each full
    collection on the way walks them all: about 0.4 s of the import. Frozen, they are
    never walked again, by later collections nor by the interpreter's last one at exit
    (another 0.5 s), and forked workers do not copy the pages a collection would touch
    (the pattern the ``gc.freeze`` documentation gives for forking servers).

    ``collect``: garbage collected first (what files checked before left), so that only
    what lives is frozen for good; cheap once Airflow's heap is frozen."""
    import gc

    enabled = gc.isenabled()
    if collect:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def check_file(module: ModuleType, dags_dir: Path, path: Path) -> FileOutcome:
    """Load ``path`` with the integrity test's loader and apply its rules; warnings and prints
    are captured, and the DAG module is dropped afterwards so memory stays flat."""
    name = str(path.relative_to(dags_dir))
    printed = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed), \
            contextlib.redirect_stderr(printed):  # fmt: skip
        warnings.simplefilter("always")
        pre_import(path)
        ((_, bag, seconds),) = module.load_each(dags_dir, [path])
        errors = tuple(_import_error(text, path) for text in bag.import_errors.values())
        dags = []
        for dag_id, dag in bag.dags.items():
            broken = tuple((p.rule, p.message) for p in module._rule_problems(name, dag))
            dags.append((dag_id, dag_line(path, dag_id) if broken else None, broken))
        dag_ids = tuple(bag.dag_ids)
        found = [line for lines in bag.captured_warnings.values() for line in lines]
    found += [f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}" for w in caught
              if not any(line.endswith(f": {w.message}") for line in found)]  # fmt: skip
    _forget(path)
    prefix = f"{dags_dir}{os.sep}"
    return FileOutcome(
        name, dag_ids, seconds, errors, tuple(dags),
        _trim(line.replace(prefix, "") for line in found), _trim(printed.getvalue().splitlines()[-KEEP_LINES:]),
    )  # fmt: skip


def pre_import(path: Path) -> None:
    """Import the ``airflow.*`` modules ``path`` imports, before its parse is timed, as the DAG
    processor does (``[dag_processor] parsing_pre_import_modules``): a provider's first import is
    not the file's parse time. Files whose ``airflow.`` imports are all loaded already are skipped
    without parsing them."""
    try:
        named = _AIRFLOW_IMPORT.findall(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return
    if all(name in sys.modules for name in named):
        return
    import importlib

    from airflow.utils.file import iter_airflow_imports

    # modules, like Airflow's, loaded for the process's life; what their import warns is not the
    # file's (the processor logs it apart from the file's warnings), nor only the first file's to import them
    with _collector_paused(freeze=True, collect=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in iter_airflow_imports(str(path)):
            with contextlib.suppress(Exception):  # the parse that follows reports it, as the processor's does
                importlib.import_module(name)


def _import_error(text: str, path: Path) -> tuple[str, int | None]:
    """The exception's last line (as the integrity test words it) and the line of the last
    frame in ``path`` (a SyntaxError's own line included), if the traceback shows one."""
    line = None
    for frame in _FRAME.finditer(text):
        if os.path.realpath(frame["path"]) == os.path.realpath(path):
            line = int(frame["line"])
    return text.strip().splitlines()[-1], line


def dag_line(path: Path, dag_id: str) -> int | None:
    """The first line of ``path`` naming ``dag_id`` as a string literal: where a rule break points."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(source.splitlines(), 1):
        if f'"{dag_id}"' in text or f"'{dag_id}'" in text:
            return number
    return None


def _forget(path: Path) -> None:
    try:
        from airflow.utils.file import get_unique_dag_module_name
    except ImportError:  # pragma: no cover - an Airflow without it keeps the modules
        return
    sys.modules.pop(get_unique_dag_module_name(str(path)), None)


def _trim(lines: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for line in lines:
        line = " ".join(line.split())
        if line and line not in kept:
            kept.append(line if len(line) <= KEEP_WIDTH else line[: KEEP_WIDTH - 3] + "...")
    return tuple(kept[:KEEP_LINES])


# --- the whole repo ---------------------------------------------------------------------------


def merge(outcomes: Iterable[FileOutcome], skip: frozenset[str], dags_dir: Path) -> tuple[Problem, ...]:
    """The problems of the repo, in file order, worded and ordered exactly as the integrity test's
    ``collect``: a file's import errors, then per DAG a dag_id defined earlier, then its rules."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for outcome in outcomes:
        problems += [Problem(outcome.file, "import error", message, line) for message, line in outcome.import_errors]
        for dag_id, line, broken in outcome.dags:
            if dag_id in seen:
                where = dag_line(dags_dir / outcome.file, dag_id)
                problems.append(Problem(outcome.file, "unique dag_id", f"{dag_id!r} is also defined in {seen[dag_id]}",
                                        where))  # fmt: skip
            seen.setdefault(dag_id, outcome.file)
            if outcome.file not in skip:
                problems += [Problem(outcome.file, rule, message, line) for rule, message in broken]
    return tuple(problems)


def default_jobs(count: int) -> int:
    """One process for small repos; else one per usable CPU (at most ``MAX_JOBS``), each with at
    least ``FILES_PER_WORKER`` files. ``CREATE_DAG_JOBS`` overrides, as for batches."""
    wanted = os.environ.get("CREATE_DAG_JOBS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    if count < POOL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_JOBS, count // FILES_PER_WORKER))


def run_check(dags_dir: Path, skip: frozenset[str] = frozenset(), *, jobs: int | None = None,
              progress: Progress | None = None, cache: Path | None = None) -> Report:  # fmt: skip
    """Check every DAG file of ``dags_dir``: in this process (``jobs=1``) or in ``jobs`` workers.

    With ``cache`` (a cache file, ``check_cache``), only the files whose content or
    dependencies changed are loaded, and Airflow is imported only if one did.
    """
    started = time.perf_counter()
    dags_dir = dags_dir.resolve()
    remembered = None
    if cache is not None:
        from createdag.check_cache import CheckCache

        remembered = CheckCache(cache, dags_dir)
        names, settings = remembered.names(), remembered.settings()
        if names is not None and settings is not None:
            kept = [remembered.outcome(name) for name in names]
            if all(outcome is not None for outcome in kept):
                unchanged = [outcome for outcome in kept if outcome is not None]
                if progress:
                    progress(len(unchanged), len(unchanged))
                skipped = tuple(str(item) for item in scan.python_files(dags_dir).skipped)  # said every run
                return Report(dags_dir, tuple(unchanged), merge(unchanged, skip, dags_dir), *settings, 1,
                              time.perf_counter() - started, cached=len(unchanged), skipped=skipped)  # fmt: skip
    module = load_integrity(dags_dir)
    names = remembered.names() if remembered is not None else None
    scanned = scan.python_files(dags_dir)  # what is no regular file is skipped, with a note
    if names is not None:  # the folder lists as it did: the names are known, no relative_to per file
        listing = [(dags_dir / name, name) for name in names]
    else:
        listing = [(path, _relative(path, dags_dir)) for path in module.dag_files(dags_dir)]
    listing = [(path, name) for path, name in listing if scan.why_not_regular(path) is None]
    files = [path for path, _ in listing]
    hits: dict[Path, FileOutcome] = {}
    if remembered is not None:
        for path, name in listing:
            outcome = remembered.outcome(name)
            if outcome is not None:
                hits[path] = outcome
    pending = [path for path in files if path not in hits]
    jobs = min(default_jobs(len(pending)) if jobs is None else max(1, jobs), max(1, len(pending) - 1))
    checked: list[FileOutcome] = []
    for path in pending if jobs == 1 else pending[:1]:  # with workers: the first one warms the imports up
        checked.append(check_file(module, dags_dir, path))
        if progress:
            progress(len(hits) + len(checked), len(files))
    if jobs > 1:
        checked += _in_workers(module, dags_dir, pending[1:], jobs, progress, len(files))
    fresh = iter(checked)
    outcomes = [hits[path] if path in hits else next(fresh) for path in files]
    timeout, share = _settings(module)
    if remembered is not None:
        remembered.save([name for _, name in listing], outcomes, (timeout, share))
    return Report(dags_dir, tuple(outcomes), merge(outcomes, skip, dags_dir), timeout, share, jobs,
                  time.perf_counter() - started, cached=len(hits),
                  skipped=tuple(str(item) for item in scanned.skipped))  # fmt: skip


def _relative(path: Path, dags_dir: Path) -> str:
    return path.relative_to(dags_dir).as_posix()


def _settings(module: ModuleType) -> tuple[float, float]:
    from airflow.configuration import conf

    return conf.getfloat("core", "dagbag_import_timeout"), float(module.SLOW_SHARE)


def _in_workers(module: ModuleType, dags_dir: Path, files: list[Path], jobs: int, progress: Progress | None,
                total: int) -> list[FileOutcome]:  # fmt: skip
    """``files`` checked by ``jobs`` worker processes, in order. Forked from this process, which has
    imported Airflow, the integrity module and what the first DAG file imports, so each worker starts
    warm: Airflow's own DAG processor forks the same way. Only a process with other threads (whose
    locks a fork could copy held) spawns its workers instead, and each imports Airflow again."""
    import gc
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    fork = sys.platform.startswith("linux") and threading.active_count() == 1
    if fork:
        _WORKER.update(dags_dir=dags_dir, module=module)
        gc.freeze()  # what is loaded now stays shared with the workers instead of copied on write
        # (no gc.collect() first: a full collection of Airflow's heap is ~0.2 s on the critical path;
        # nor gc.unfreeze() after: Airflow's heap, frozen since its import, would be walked again)
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                               initializer=_worker_start, initargs=(str(dags_dir), os.getpid()))  # fmt: skip
    size = max(1, min(16, len(files) // (jobs * 8)))
    outcomes: list[FileOutcome] = []
    try:
        for batch in pool.map(_worker_check, [files[start : start + size] for start in range(0, len(files), size)]):
            outcomes += batch
            if progress:
                progress(total - len(files) + len(outcomes), total)
    except BrokenProcessPool:
        suspects = files[len(outcomes) : len(outcomes) + size * (jobs + 1)]  # the chunks in flight
        raise UserError(
            f"a worker process died while loading DAG files of {dags_dir}: one of the files from "
            f"{suspects[0].relative_to(dags_dir)} to {suspects[-1].relative_to(dags_dir)} calls os._exit() or "
            "crashes Python"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if fork:
            _WORKER.clear()
    return outcomes


_WORKER: dict[str, Any] = {}


def _worker_start(dags_dir: str, parent: int) -> None:
    """In each worker, first: it dies with its parent (``faults.die_with_parent``; a parent gone
    before that was set is seen by ``getppid``), SIGTERM ends it outright, Ctrl-C is the parent's."""
    import signal

    from createdag.faults import die_with_parent

    die_with_parent()
    if os.getppid() != parent:
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stdout is the parent's report (JSON, annotations): nothing else may reach it
    if not _WORKER:  # spawned, not forked: import everything again
        _WORKER.update(dags_dir=Path(dags_dir), module=load_integrity(Path(dags_dir)))


def _worker_check(paths: Sequence[Path]) -> list[FileOutcome]:
    module, dags_dir = _WORKER["module"], _WORKER["dags_dir"]
    return [check_file(module, dags_dir, path) for path in paths]


# --- formats: text for people, JSON for tools, annotations for GitHub Actions ------------------


def problem_lines(report: Report) -> list[str]:
    """The default report: each problem and each slow file, one line each, in file order."""
    lines = [str(problem) for problem in report.problems]
    lines += [f"{printable(outcome.file)}: slow: {_slow_text(report, outcome)}" for outcome in report.slow]
    return lines


def _slow_text(report: Report, outcome: FileOutcome) -> str:
    return (f"took {outcome.seconds:.1f}s to parse, {outcome.seconds / report.timeout:.0%} of [core] "
            f"dagbag_import_timeout ({report.timeout:g}s): move work out of module level")  # fmt: skip


def file_lines(report: Report) -> list[str]:
    """``--verbose``: a line per file, its captured warnings and output indented under it."""
    failed = {problem.file for problem in report.problems}
    lines = []
    for outcome in report.files:
        mark = "FAIL" if outcome.file in failed else "ok"
        dag_ids = printable(", ".join(outcome.dag_ids) or "no DAG")
        lines.append(f"{mark:4} {printable(outcome.file)}: {dag_ids} ({outcome.seconds:.2f}s)")
        lines += [f"       warning: {printable(text)}" for text in outcome.warnings]
        lines += [f"       printed: {printable(text)}" for text in outcome.output]
    return lines


def summary(report: Report) -> str:
    files = len(report.files)
    dags = sum(len(outcome.dag_ids) for outcome in report.files)
    text = (f"checked {_count(files, 'file')} ({_count(dags, 'DAG')}) in {report.seconds:.1f}s with "
            f"{_count(report.jobs, 'process', 'processes')}: {_count(len(report.problems), 'problem')}")  # fmt: skip
    if report.problems:
        text += f" in {_count(len({p.file for p in report.problems}), 'file')}"
    if report.slow:
        text += f", {_count(len(report.slow), 'slow file')}"
    if report.cached:
        text += f" ({report.cached} unchanged since their last check: from the cache)"
    return text


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def to_json(report: Report) -> str:
    """The report for tools; the shape (documented in docs/usage.md) is ``JSON_VERSION``."""
    slow = set(report.slow)
    data = {
        "version": JSON_VERSION,
        "dags_folder": str(report.dags_dir),
        "ok": not report.problems,
        "summary": {
            "files": len(report.files),
            "dags": sum(len(outcome.dag_ids) for outcome in report.files),
            "problems": len(report.problems),
            "files_with_problems": len({problem.file for problem in report.problems}),
            "slow_files": len(slow),
            "seconds": round(report.seconds, 3),
            "processes": report.jobs,
            "dagbag_import_timeout": report.timeout,
            "cached_files": report.cached,
        },
        "problems": [asdict(problem) for problem in report.problems],
        "skipped": list(report.skipped),
        "files": [
            {
                "file": outcome.file, "dag_ids": list(outcome.dag_ids), "seconds": round(outcome.seconds, 4),
                "slow": outcome in slow, "warnings": list(outcome.warnings), "output": list(outcome.output),
            }
            for outcome in report.files
        ],
    }  # fmt: skip
    # json.dumps escapes control characters; "##[" (the runner's older command syntax) is written
    # "#\u0023[" inside strings, the same value, so no line of the report reads as a command
    return json.dumps(data, indent=2).replace("##[", "#\\u0023[")


def github_annotations(report: Report, root: Path) -> Iterator[str]:
    """GitHub Actions workflow commands: ``::error`` per problem, ``::warning`` per slow file,
    paths relative to ``root`` (the workspace), escaped as GitHub's toolkit escapes them."""
    for problem in report.problems:
        yield _command("error", _where(report, problem.file, root), problem.line, f"check: {problem.rule}",
                       problem.message)  # fmt: skip
    for outcome in report.slow:
        yield _command("warning", _where(report, outcome.file, root), None, "check: slow", _slow_text(report, outcome))


def _where(report: Report, file: str, root: Path) -> str:
    path = report.dags_dir / file
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _command(kind: str, file: str, line: int | None, title: str, message: str) -> str:
    properties = {"file": file, **({"line": str(line)} if line else {}), "title": title}
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{kind} {listed}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped (``@actions/core``'s ``escapeData``),
    and every other control character shown as its escape (``escape.printable``)."""
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as ``escape_data``, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
