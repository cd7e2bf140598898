"""Put finished files on disk: atomically, and never over existing work.

A file either appears complete or not at all: text goes to a temporary file
in the same folder, is flushed to disk, then linked (no ``--force``: fails
if the target exists, with no window for a race) or renamed over the target
(``--force``). Ctrl-C at any point leaves at most a stray temporary file that
is removed on the way out.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from createdag.errors import OutputExists


def write_atomic(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` in one step; refuse to replace it unless ``force``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not force and path.exists():
        raise OutputExists(str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644 & ~_umask())
        commit(tmp, path, force=force)
    finally:
        tmp.unlink(missing_ok=True)


def commit(staged: Path, path: Path, *, force: bool) -> None:
    """Give a finished file in the same file system its final name, in one step.

    Without ``force`` this is a hard link, which fails if ``path`` exists: no
    window in which another writer's file could be replaced. The caller
    removes ``staged`` afterwards (a link leaves it in place).
    """
    if force:
        os.replace(staged, path)
        return
    try:
        os.link(staged, path)  # atomic create-if-absent
    except FileExistsError:
        raise OutputExists(str(path)) from None
    except OSError:  # file systems without hard links
        if path.exists():
            raise OutputExists(str(path)) from None
        os.replace(staged, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
