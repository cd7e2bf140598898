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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from createdag.errors import UserError

RECORD_DIR = ".create_dag"
FORMAT = 1


class RecordError(UserError):
    """A record file cannot be read or does not match what update needs."""


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


def record(
    output_dir: Path,
    answers: Mapping[str, Any],
    rendered: str,
    dag_path: Path,
    template_dir: Path | None = None,
) -> Path:
    """Record one freshly generated DAG; returns the record file's path."""
    rec = Record(
        dag_id=str(answers["dag_id"]),
        path=_relative(output_dir, dag_path),
        answers=json.loads(json.dumps(dict(answers), default=str)),
        template=template_version(template_dir),
        pristine=rendered,
    )
    return save(output_dir, rec)


def record_all(
    output_dir: Path, answers_list: Sequence[Mapping[str, Any]], rendered_list: Sequence[Any] | None = None
) -> list[Path]:
    """Record a generation run, right after its files were written.

    ``rendered_list`` items are ``generate.Rendered`` (path and source), plain
    source text (written at ``<output_dir>/<dag_id>.py``) or paths of the
    written files. Without it (``render_and_write_all`` keeps no sources), each
    ``<output_dir>/<dag_id>.py`` is read back: just written, it is the pristine render.
    """
    version = template_version()
    if rendered_list is None:
        rendered_list = [Path(output_dir) / f"{answers['dag_id']}.py" for answers in answers_list]
    written = []
    for answers, item in zip(answers_list, rendered_list, strict=True):
        if isinstance(item, Path):
            path, source = item, item.read_text(encoding="utf-8")
        elif isinstance(item, str):
            path, source = Path(output_dir) / f"{answers['dag_id']}.py", item
        else:
            path, source = item.path, item.source
        rec = Record(
            dag_id=str(answers["dag_id"]),
            path=_relative(output_dir, path),
            answers=json.loads(json.dumps(dict(answers), default=str)),
            template=dict(version),
            pristine=source,
        )
        written.append(save(output_dir, rec))
    return written


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
