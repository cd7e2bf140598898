"""Put finished files on disk: atomically, and never over existing work.

A file either appears complete or not at all: text goes to a temporary file
in the same folder, is flushed to disk, then linked (no ``--force``: fails
if the target exists, with no window for a race) or renamed over the target
(``--force``). Ctrl-C at any point leaves at most a stray temporary file that
is removed on the way out.

Temporary names are short and fixed in shape (``.create_dag-XXXXXXXX.tmp``,
``<hash>.staged``), never the target's name plus more: a file system allows 255
bytes per name, and a dag_id may take 250 of them (``<dag_id>.py`` and
``.create_dag/<dag_id>.json`` fit; ``.<dag_id>.py.XXXX.tmp`` would not).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from createdag.errors import OutputExists

#: Every temporary file write_atomic makes starts with this (and ends in ``.tmp``).
TEMP_PREFIX = ".create_dag-"


def staged_name(path: Path) -> str:
    """The name under which ``path`` waits in a staging folder: unique per file name,
    short whatever the name's length, and not ending in ``.py`` (so no DAG processor
    picks it up)."""
    digest = hashlib.blake2b(path.name.encode("utf-8", "surrogateescape"), digest_size=10).hexdigest()
    return f"{path.name[:40]}.{digest}.staged"


def write_atomic(path: Path, text: str, *, force: bool = False, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` in one step; refuse to replace it unless ``force``.

    The file gets ``mode`` less the umask; it has it before it takes its name (``0o600``:
    never readable by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not force and path.exists():
        raise OutputExists(str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode & ~_umask())
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
