"""What create_dag remembers about each DAG it generated, so that ``update`` can regenerate it.

One JSON file per DAG, ``<dags dir>/.create_dag/<dag_id>.json`` (a dot folder:
Airflow's DAG processor and ``find_upstream`` skip it, and it holds no ``.py``
file anyway), with:

* ``answers``: the validated answers. They never hold a secret *value*, only
  names (Kubernetes Secret names and keys, an Airflow connection id).
* ``template``: the template version the DAG was rendered with, a sha256 of
  every file of ``dag_template/`` plus the tool version.
* ``path``: the DAG file, relative to the dags dir. When that file is gone
  (renamed or moved), the DAG is looked up by its ``dag_id`` in the source of
  the dags dir's ``.py`` files (``ast``, never importing them).
* ``pristine``: the file exactly as the template rendered it: the *base* of
  the three-way merge that ``update`` runs. Black, hand edits and renames of
  the DAG file do not touch it.
* ``pending``: set only while an ``update`` left conflict markers in the file:
  the answers, template version and render that the conflict was merged
  against. Once the markers are gone, the next ``update`` takes the user's
  resolution as the result of that merge and ``pending`` becomes the base.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from createdag.errors import RecordError

RECORD_DIR = ".create_dag"
FORMAT = 1


@dataclass
class Record:
    dag_id: str
    path: str
    answers: dict[str, Any]
    template: dict[str, str]
    pristine: str
    pending: dict[str, Any] | None = None
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("extra")
        data.update(self.extra)
        # the fields in name order; what they hold in its own order: a DAG's labels, env vars and
        # the arguments an adopted file keeps as written render in the order the file gives them
        ordered = {key: data[key] for key in sorted(data)}
        return json.dumps(ordered, indent=2, ensure_ascii=False, default=str) + "\n"


def template_version(template_dir: Path | None = None) -> dict[str, str]:
    """``{"template_hash": sha256 of dag_template/, "tool_version": createdag.__version__}``."""
    from createdag import __version__, resources

    root = Path(template_dir or resources.template_dir())
    digest = hashlib.sha256()
    files = sorted(
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.relative_to(root).parts and p.suffix != ".pyc"
    )
    for rel, path in files:
        digest.update(rel.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return {"template_hash": digest.hexdigest(), "tool_version": __version__}


def record_dir(dags_dir: Path) -> Path:
    return dags_dir / RECORD_DIR


#: What Airflow accepts as a dag_id (``KEY_REGEX``, at most 250 characters), never a path.
_DAG_ID = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9_.-]{1,250}", re.ASCII)


def record_path(dags_dir: Path, dag_id: str) -> Path:
    """``.create_dag/<dag_id>.json``; a dag_id that is not a plain file name is refused."""
    if not _DAG_ID.fullmatch(dag_id):
        raise RecordError(f"{dag_id[:80]!r} cannot name a record file: a dag_id is letters, digits, '_', '.', '-'")
    return record_dir(dags_dir) / f"{dag_id}.json"


def _relative(dags_dir: Path, dag_path: Path) -> str:
    try:
        return Path(dag_path).resolve().relative_to(Path(dags_dir).resolve()).as_posix()
    except ValueError:
        raise RecordError(
            f"{dag_path} is not inside {dags_dir}: records live in the dags folder; "
            "pass the dags folder that holds the file with -o"
        ) from None


def save(dags_dir: Path, rec: Record) -> Path:
    from createdag.output import write_atomic

    target = record_path(dags_dir, rec.dag_id)
    write_atomic(target, rec.to_json(), force=True)
    return target


def new_record(
    dags_dir: Path, answers: Mapping[str, Any], pristine: str, dag_path: Path, version: Mapping[str, str]
) -> Record:
    """The record of a DAG just rendered from ``answers`` as ``pristine``, to live at ``dag_path``."""
    return Record(
        dag_id=str(answers["dag_id"]),
        path=_relative(dags_dir, dag_path),
        answers=jsonable(answers),
        template=dict(version),
        pristine=pristine,
    )


def jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as they read back from a record's JSON (dates as text, tuples as lists)."""
    return json.loads(json.dumps(dict(answers), default=str))


def record(
    dags_dir: Path,
    answers: Mapping[str, Any],
    pristine: str,
    dag_path: Path,
    template_dir: Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Record one DAG (adopt); returns the record file's path. ``create.write_dags``
    writes a generation run's records beside its DAG files instead, all or none.
    ``extra``: more fields (adopt's ``adopted``: what the file leaves out and keeps as written)."""
    rec = new_record(dags_dir, answers, pristine, dag_path, template_version(template_dir))
    rec.extra.update(extra or {})
    return save(dags_dir, rec)


_RECORD_HELP = "restore it from git, or delete it and adopt the DAG again"
#: A record larger than this is not one create_dag wrote (the pristine render is a few KB).
MAX_RECORD_BYTES = 2 * 1024 * 1024


def _field(path: Path, data: Mapping[str, Any], name: str, kind: type, where: str = "") -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = type(value).__name__ if name in data else "missing"
        raise RecordError(
            f"{path}: field {where}{name} must be {_KIND_WORDS[kind]}, not {shown}: {_RECORD_HELP}"
        )
    return value


_KIND_WORDS = {str: "text", dict: "a mapping", int: "a whole number"}


def _version(path: Path, value: Any, where: str) -> dict[str, str]:
    if not (isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise RecordError(f"{path}: field {where} must map names to text: {_RECORD_HELP}")
    return value


def inside(dags_dir: Path, relative: str, path: Path, what: str) -> Path:
    """``dags_dir / relative`` when it resolves (symlinks followed) inside ``dags_dir``; else
    ``RecordError``. Records are committed files anyone can edit in a pull request: a path they
    name must never let ``update`` read or write outside the dags folder."""
    candidate = Path(relative)
    if not relative or candidate.is_absolute() or "\x00" in relative:
        raise RecordError(f"{path}: {what} {relative!r} is not a path relative to the dags folder: {_RECORD_HELP}")
    root = Path(os.path.realpath(dags_dir))
    target = Path(os.path.realpath(root / candidate))  # never raises: a symlink loop stays as it is
    if not target.is_relative_to(root) or target == root:
        raise RecordError(f"{path}: {what} {relative!r} points outside the dags folder {dags_dir}: {_RECORD_HELP}")
    return Path(dags_dir) / candidate


def load(path: Path, dags_dir: Path | None = None) -> Record:
    """Read and check a record: every field's type, its paths confined to ``dags_dir`` (the
    folder holding ``.create_dag/``), its dag_id that of its file name and of its answers."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise RecordError(f"{path} is larger than any record create_dag writes: {_RECORD_HELP}")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise RecordError(f"cannot read record {path} ({reason}): {_RECORD_HELP}") from None
    if not isinstance(data, dict):
        raise RecordError(f"{path} is not a create_dag record: {_RECORD_HELP}")
    record_format = data.get("format", FORMAT)
    if not isinstance(record_format, int) or isinstance(record_format, bool):
        raise RecordError(f"{path}: field format must be a whole number: {_RECORD_HELP}")
    if record_format > FORMAT:
        raise RecordError(f"{path} was written by a newer create_dag: upgrade create_dag")
    dag_id = _field(path, data, "dag_id", str)
    relative = _field(path, data, "path", str)
    answers = _field(path, data, "answers", dict)
    template = _version(path, data.get("template"), "template")
    pristine = _field(path, data, "pristine", str)
    pending = data.get("pending")
    if pending is not None:
        if not isinstance(pending, dict):
            raise RecordError(f"{path}: field pending must be a mapping: {_RECORD_HELP}")
        _field(path, pending, "answers", dict, "pending.")
        _field(path, pending, "pristine", str, "pending.")
        _version(path, pending.get("template"), "pending.template")
    if not _DAG_ID.fullmatch(dag_id):
        raise RecordError(
            f"{path}: field dag_id {dag_id[:80]!r} is not a dag_id (at most 250 letters, digits, '_', '.', '-'): "
            f"{_RECORD_HELP}"
        )
    if path.name != f"{dag_id}.json":
        raise RecordError(f"{path}: records dag_id {dag_id!r}, but its file is named {path.name}: {_RECORD_HELP}")
    for where, given in (("answers", answers), ("pending.answers", (pending or {}).get("answers", {}))):
        if "dag_id" in given and given["dag_id"] != dag_id:
            raise RecordError(
                f"{path}: field {where}.dag_id is {str(given['dag_id'])[:80]!r}, not the record's {dag_id!r}: "
                f"{_RECORD_HELP}"
            )
    if dags_dir is not None:
        inside(dags_dir, relative, path, "path")
    known = {"dag_id", "path", "answers", "template", "pristine", "pending", "format"}
    return Record(
        dag_id=dag_id, path=relative, answers=answers, template=template, pristine=pristine, pending=pending,
        format=record_format, extra={k: v for k, v in data.items() if k not in known},
    )  # fmt: skip


def load_all(dags_dir: Path) -> list[Record]:
    folder = record_dir(dags_dir)
    if not folder.is_dir():
        return []
    return [load(path, dags_dir) for path in sorted(folder.glob("*.json"))]


def locate(dags_dir: Path, rec: Record) -> Path | None:
    """The DAG's file now: at its recorded path, or wherever a ``.py`` file defines its dag_id."""
    from createdag.upstream import find_upstream

    recorded = inside(dags_dir, rec.path, record_path(dags_dir, rec.dag_id), "path")
    if recorded.is_file():
        return recorded
    found = find_upstream(dags_dir, rec.dag_id)
    if found is None or not Path(os.path.realpath(found.path)).is_relative_to(os.path.realpath(dags_dir)):
        return None  # never a file reached through a link out of the dags folder
    return found.path
