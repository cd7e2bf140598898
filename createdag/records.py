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
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


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


def record_path(dags_dir: Path, dag_id: str) -> Path:
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
) -> Path:
    """Record one DAG (adopt); returns the record file's path. ``create.write_dags``
    writes a generation run's records beside its DAG files instead, all or none."""
    return save(dags_dir, new_record(dags_dir, answers, pristine, dag_path, template_version(template_dir)))


def load(path: Path) -> Record:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(
            f"cannot read record {path} ({exc}): restore it from git, or delete it and adopt the DAG again"
        ) from None
    known = {"dag_id", "path", "answers", "template", "pristine", "pending", "format"}
    if not isinstance(data, dict) or not {"dag_id", "path", "answers", "template", "pristine"} <= set(data):
        raise RecordError(
            f"{path} is not a create_dag record: restore it from git, or delete it and adopt the DAG again"
        )
    if data.get("format", FORMAT) > FORMAT:
        raise RecordError(f"{path} was written by a newer create_dag: upgrade create_dag")
    return Record(
        **{k: v for k, v in data.items() if k in known},
        extra={k: v for k, v in data.items() if k not in known},
    )


def load_all(dags_dir: Path) -> list[Record]:
    folder = record_dir(dags_dir)
    if not folder.is_dir():
        return []
    return [load(path) for path in sorted(folder.glob("*.json"))]


def locate(dags_dir: Path, rec: Record) -> Path | None:
    """The DAG's file now: at its recorded path, or wherever a ``.py`` file defines its dag_id."""
    from createdag.upstream import find_upstream

    recorded = dags_dir / rec.path
    if recorded.is_file():
        return recorded
    found = find_upstream(dags_dir, rec.dag_id)
    return found.path if found else None
