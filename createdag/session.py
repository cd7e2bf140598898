"""Answers kept beyond one run: ``--save-answers`` files, and the session kept for ``--resume``.

``--save-answers FILE`` writes the checked answers in the format
``--answers`` reads (YAML, or JSON for a ``.json`` file), every key spelled
out, so ``--answers FILE`` gives the same DAG, byte for byte.

When the questions are interrupted (Ctrl-C) or the review is left without
writing, the answers given so far are kept in the user's cache folder
(``$XDG_CACHE_HOME/create_dag``, else ``~/.cache/create_dag``), one file per
dags folder, and never in the dags folder itself: nothing is written
there. ``--resume`` starts from them; a written DAG forgets them.

Kept answers hold env var values, so the file is the user's alone: written
``0600`` in a ``0700`` folder, and a kept file that another user owns, that
others may write, or that is a symlink is refused with a message, never
loaded: its answers would become the next DAG.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from createdag.errors import UserError
from createdag.invocation import prog
from createdag.output import write_atomic
from createdag.questions import BY_KEY, TASKS

FORMAT = 1


# --- --save-answers ------------------------------------------------------------------------


def answers_file_text(all_answers: Sequence[Mapping[str, Any]], path: Path) -> str:
    """The answers as ``--answers`` reads them: one mapping for one DAG, else a list."""
    from createdag.pipeline import as_entry

    entries = [as_entry(answers) for answers in all_answers]
    data: Any = entries[0] if len(entries) == 1 else entries
    if path.suffix.lower() == ".json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)


def save_answers(path: Path, all_answers: Sequence[Mapping[str, Any]]) -> None:
    if path.is_dir():
        raise UserError(f"--save-answers {path} is a folder: name a file, e.g. {path / 'answers.yaml'}")
    write_atomic(path, answers_file_text(all_answers, path), force=True)


# --- the session kept for --resume -----------------------------------------------------------


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/create_dag`` (an absolute XDG_CACHE_HOME only, as the spec says),
    else ``~/.cache/create_dag``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "create_dag"


def kept_path(output_dir: Path) -> Path:
    """The file kept for one dags folder: sessions in two repos never mix."""
    digest = hashlib.sha256(str(output_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"session-{digest}.json"


def keep(answers: Mapping[str, Any], output_dir: Path) -> Path:
    """Keep the answers given so far (steering answers included); return where."""
    path = kept_path(output_dir)
    data = {
        "format": FORMAT,
        "dags_folder": str(output_dir.resolve()),
        "kept_at": dt.datetime.now().isoformat(timespec="seconds"),
        "answers": {key: answers[key] for key in (*BY_KEY, TASKS) if key in answers},
    }
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)  # a folder an older release made 0755
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", force=True, mode=0o600)
    return path


def _trusted(path: Path) -> None:
    """Refuse kept answers that are not the user's own: another user's file, one others may
    write (or in a folder they may write), or a symlink."""
    import stat

    for where in (path.parent, path):
        info = where.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise UserError(f"{where} is a symlink: kept answers are never read through one; delete it and start again")
        if info.st_uid != os.getuid():
            raise UserError(
                f"{where} belongs to user id {info.st_uid}, not to you ({os.getuid()}): kept answers are not read "
                "from another user's file; delete it and start again"
            )
        if info.st_mode & 0o022:
            raise UserError(
                f"{where} can be changed by other users (mode {stat.S_IMODE(info.st_mode):04o}): kept answers "
                f"are not read from it; delete it (or chmod {'700' if where.is_dir() else '600'} it) and start again"
            )


def load_kept(output_dir: Path) -> tuple[dict[str, Any], Path]:
    """The answers kept for ``output_dir`` and where they were; ``UserError`` when there are none."""
    path = kept_path(output_dir)
    try:
        _trusted(path)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"no answers kept for {output_dir} (looked in {cache_dir()}): they are kept when the "
            f"questions are interrupted; run {prog()} without --resume to start"
        ) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the kept answers {path} ({exc}): delete it and start again") from None
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        raise UserError(f"{path} holds no answers: delete it and start again")
    return {key: value for key, value in answers.items() if key in BY_KEY or key == TASKS}, path


def forget(output_dir: Path) -> None:
    kept_path(output_dir).unlink(missing_ok=True)
