"""What the machine can do to a run, turned into messages: signals and OS errors.

SIGTERM (what CI cancellation, Kubernetes and ``timeout`` send) is raised as
``Terminated``, a ``KeyboardInterrupt``, so every clean-up that Ctrl-C runs
runs for it too. ``deferred_signals`` holds both back while a few files take
their final names, so a DAG and its record appear together or not at all.
``describe_os_error`` names the path, the reason and the fix for the errors a
user or the machine causes (full disk, read-only folder, permissions, names
too long), so none of them ends in a traceback.
"""

from __future__ import annotations

import errno
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from createdag.errors import Terminated

_FIXES = {
    errno.ENOSPC: "the disk is full: free some space (or write elsewhere with -o) and run again",
    errno.EDQUOT: "the disk quota is used up: free some space (or write elsewhere with -o) and run again",
    errno.EROFS: "the file system is read-only: write to another folder with -o",
    errno.EACCES: "permission denied: check who owns the folder, or write elsewhere with -o",
    errno.EPERM: "the operation is not permitted here: check the folder's permissions, or write elsewhere with -o",
    errno.ENAMETOOLONG: "a name is too long for the file system: use a shorter dag_id or folder",
    errno.ENOENT: "no such file or folder: check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    errno.EISDIR: "the path is a folder, not a file: check the path",
}


def describe_os_error(exc: OSError) -> str:
    """``<path>: <reason>: <fix>`` for an error of the file system."""
    where = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or type(exc).__name__
    fix = _FIXES.get(exc.errno or 0, "fix the cause and run again")
    return f"{where}: {reason}: {fix}"


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def handle_sigterm() -> None:
    """From now on SIGTERM raises ``Terminated`` in the main thread (where handlers run)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


def ignore_late_signals() -> None:
    """Once the run's outcome and exit code are decided, SIGINT and SIGTERM are ignored: one that
    arrived while the interpreter shuts down would only turn a clean exit into a traceback."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a short critical section; re-raise the first one
    received when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    saved = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    if received:
        raise Terminated() if received[0] == signal.SIGTERM else KeyboardInterrupt()


def die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent ends (``prctl(PR_SET_PDEATHSIG)``): a worker
    (of a batch, of ``check``) never outlives the run that forked it, however that run ends."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux: the parent's teardown remains
        pass
