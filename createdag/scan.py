"""Listing and reading the ``.py`` files of a dags folder: the one walk every command uses.

A dags folder is a shared place anyone can commit to, and its entries are
not all files: a FIFO named ``x.py`` blocks for ever whoever opens it (it
made every ``create`` hang in the dag_id uniqueness scan), a socket or a
device cannot be read as a file, a folder may be named ``x.py``, a symlink
may point at itself or at nothing, and a name may not be valid UTF-8 (which
Airflow's own loader cannot hash). ``python_files`` lists the regular files
only and returns every other ``*.py`` entry as ``Skipped`` with its reason,
for the command to print as a note; ``read_regular`` opens a file without
blocking and refuses anything that turned into something else meanwhile. So
no scan blocks, none crashes, and each says what it left out.

Used by create (the dag_id index), check, update and check --drift (finding a
moved DAG), adopt, migrate and the asset index.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from createdag.escape import printable

#: Folders never walked into, besides dot folders: not DAG code.
SKIPPED_FOLDERS = frozenset({"node_modules", "venv", "__pycache__"})


@dataclass(frozen=True)
class Skipped:
    """A ``*.py`` entry that is not a regular file (or a folder not walked), and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"skipped {printable(self.path)}: {self.reason}"


@dataclass(frozen=True)
class Scan:
    files: tuple[Path, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def notes(self) -> list[str]:
        """One ``note: skipped ...`` line per entry left out, for the command to print."""
        return [f"note: {item}" for item in self.skipped]


def undecodable(name: str) -> bool:
    """The name holds bytes that are not UTF-8 (kept by Python as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder named like a Python file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), which would block whoever reads it"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def why_not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a DAG file (a FIFO, a socket, a device, a folder, a
    symlink loop or to nothing, a name that is not UTF-8), or None for a regular file."""
    if undecodable(str(path)):
        return "its name is not valid UTF-8 (Airflow cannot load it either): rename it"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop"
        if exc.errno == errno.ENOENT and os.path.lexists(path):
            return "a symlink to nothing (dangling)"
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    return _kind(mode)


def python_files(root: Path, *, skip_folders: frozenset[str] = SKIPPED_FOLDERS) -> Scan:
    """The regular ``*.py`` files under ``root``, sorted, and every ``*.py`` entry skipped.

    Dot folders and ``skip_folders`` are not walked; a symlink to a folder is not
    followed (as ``Path.rglob``), so a loop of folders cannot make the walk endless.
    """
    files: list[Path] = []
    skipped: list[Skipped] = []
    pending = [Path(root)]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                found = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            if folder != Path(root):
                skipped.append(Skipped(folder, f"a folder that cannot be read ({exc.strerror or exc})"))
            continue
        for entry in found:
            path = folder / entry.name
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                if entry.name.startswith(".") or entry.name in skip_folders:
                    continue
                if undecodable(entry.name):
                    skipped.append(Skipped(path, "a folder whose name is not valid UTF-8: rename it"))
                    continue
                if not entry.name.endswith(".py"):
                    pending.append(path)
                    continue
            if not entry.name.endswith(".py"):
                continue
            try:  # the type the folder's listing gave: no stat for a regular file
                regular = entry.is_file(follow_symlinks=False) and not undecodable(str(path))
            except OSError:
                regular = False
            reason = None if regular else why_not_regular(path)
            if reason is None:
                files.append(path)
            else:
                skipped.append(Skipped(path, reason))
                if is_folder:
                    pending.append(path)  # a package folder named x.py: its files are still DAG files
    return Scan(tuple(sorted(files)), tuple(sorted(skipped, key=lambda item: item.path)))


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``: opened without blocking (a FIFO put there since
    it was listed cannot hang the read), refused with ``OSError`` when it is not a regular file
    or is larger than ``limit`` bytes (``errno.EFBIG``).

    Read with the size ``fstat`` gives (then on to the end, for a file that grew): asking
    for ``limit`` bytes at once would allocate that much for every small file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        reason = _kind(info.st_mode)
        if reason is not None:
            raise OSError(errno.EINVAL, f"{reason}, not read", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
        # a regular file, which O_NONBLOCK does not change: read to its end
        chunks, size, want = [], 0, info.st_size + 1
        while size <= limit:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            want = min(limit + 1 - size, 1 << 20)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
    return data
