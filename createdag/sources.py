"""Raw answers from outside the prompt: ``--set KEY=VALUE`` flags and answers files.

These only read and shape; ``answers.resolve`` checks the values. An
answers file holds one mapping (one DAG) or a list of mappings (many DAGs);
``--set`` values apply to every DAG of the file and win over it.

An answers file is input from anyone who can open a pull request, so it is
read within bounds, each with a message that says which was passed:

* at most ``MAX_BYTES`` of UTF-8 (a BOM is allowed);
* at most ``MAX_DEPTH`` levels of nesting (answers need three: a list of
  DAGs, a DAG's mapping, a list of secrets or tags, and one more for the
  mapping of a secret);
* at most ``MAX_VALUES`` values once YAML aliases are expanded: an alias is
  a reference, so a few hundred bytes can stand for billions of values
  ("billion laughs"); these are counted without expanding them, and a
  recursive alias is refused;
* whole numbers of at most 64 bits (YAML's ``0x...`` has no digit limit);
* no key twice in one mapping, in YAML or JSON: the last one would win
  silently. YAML's merge key (``<<: *defaults``) still lets a DAG's own keys
  override the merged ones, as YAML defines.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from createdag.errors import AnswersFileError, InvalidAnswer, shown

MAX_BYTES = 64 * 1024 * 1024  # a 5,000-DAG batch is about 3 MB
MAX_DEPTH = 8
MAX_VALUES = 5_000_000
MAX_INT_BITS = 64


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
    text = _read_text(path)
    try:
        data = _load_json(text, path) if path.suffix.lower() == ".json" else _load_yaml(text, path)
    except RecursionError:  # the parsers' own limit, before ours is checked
        raise AnswersFileError(f"{path}: nested too deeply: answers need at most {MAX_DEPTH} levels") from None
    check_shape(data, path)
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(entry, Mapping) for entry in entries):
        raise AnswersFileError(
            f"{path}: expected one mapping of answers (dag_id: ..., image: ...) or a list of them"
        )
    return [dict(entry) for entry in entries]


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise AnswersFileError(f"cannot read answers file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise AnswersFileError(
            f"{path}: larger than {MAX_BYTES // 2**20} MiB: split it into several answers files"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise AnswersFileError(
            f"{path}: not UTF-8 text (byte {exc.start + 1}, line {line}): save it as UTF-8"
        ) from None


def _load_json(text: str, path: Path) -> Any:
    import json  # an answers file only: not loaded before the first question

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            keys = [key for key, _ in pairs]
            twice = next(key for number, key in enumerate(keys) if key in keys[:number])
            raise AnswersFileError(f"{path}: key {shown(twice)} is given twice in one mapping: keep one")
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise AnswersFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise AnswersFileError(f"{path}: {_unreadable(exc)}") from None


@functools.cache
def _yaml_loader() -> type:
    """The C loader when PyYAML has it (6x faster on big batches), refusing duplicate keys."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode) and not _distinct_text_keys(node):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue  # merged keys may be overridden, as YAML defines
                    key = self.construct_object(key_node, deep=True)
                    try:
                        twice = key in seen
                    except TypeError:  # unhashable: the base class says so
                        break
                    if twice:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {shown(key)} is given twice in one mapping: keep one",
                            key_node.start_mark,
                        )  # fmt: skip
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


_STR = "tag:yaml.org,2002:str"


def _distinct_text_keys(node: Any) -> bool:
    """The fast, common case: every key is text, and no two are the same."""
    keys = [key.value for key, _ in node.value if key.tag == _STR]
    return len(keys) == len(node.value) and len(set(keys)) == len(keys)


def _load_yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(exc, "problem", None)
        if problem and "given twice" in problem:
            raise AnswersFileError(f"{path}{where}: {problem}") from None
        if problem and "nesting depth" in problem:
            raise AnswersFileError(
                f"{path}{where}: nested too deeply: answers need at most {MAX_DEPTH} levels"
            ) from None
        raise AnswersFileError(f"{path}: not valid YAML{where}: fix the syntax") from None
    except (ValueError, OverflowError) as exc:  # 4,300 digits or more; a date such as 2026-02-30
        raise AnswersFileError(f"{path}: {_unreadable(exc)}") from None
    except (AttributeError, TypeError, IndexError):  # PyYAML's own constructors on odd tags (!!timestamp '')
        raise AnswersFileError(f"{path}: a tagged value (!!...) cannot be read: quote it to give it as text") from None


def _unreadable(exc: Exception) -> str:
    if "digits" in str(exc):
        return "a number in it has more than 4,300 digits: no answer needs one"
    return f"a value cannot be read ({exc}): quote it to give it as text"


def check_shape(data: Any, path: Path) -> None:
    """Refuse data nested deeper than ``MAX_DEPTH``, holding more than ``MAX_VALUES``
    values with aliases expanded, a recursive alias, or a whole number beyond 64 bits.

    One pass over the distinct containers, each measured once (aliases share
    them), so the cost follows the file's size, never the expanded size.
    """
    measured: dict[int, tuple[int, int]] = {}  # id of a container -> (values, depth) inside it
    open_: set[int] = set()  # containers whose contents are being measured
    stack: list[tuple[Any, list[Any] | None]] = [(data, None)]
    while stack:
        node, inner = stack.pop()
        if inner is not None:  # the containers inside it are measured: add them up
            values, depth = 1 + (2 * len(node) if isinstance(node, Mapping) else len(node)), 1
            for kid in inner:
                size, level = measured[id(kid)]
                values, depth = values + size - 1, max(depth, level + 1)
            if values > MAX_VALUES:
                raise AnswersFileError(
                    f"{path}: stands for more than {MAX_VALUES:,} values once its YAML aliases (*name) are "
                    "expanded: write the values out, or split the file"
                )
            if depth > MAX_DEPTH:
                raise AnswersFileError(f"{path}: nested too deeply: answers need at most {MAX_DEPTH} levels")
            open_.discard(id(node))
            measured[id(node)] = (values, depth)
            continue
        if not isinstance(node, _CONTAINERS) or id(node) in measured:
            _check_scalar(node, path)
            continue
        if id(node) in open_:
            raise AnswersFileError(
                f"{path}: a YAML alias refers to a value that contains it: answers cannot be recursive"
            )
        open_.add(id(node))
        kids = [*node, *node.values()] if isinstance(node, Mapping) else node
        inner = []
        for kid in kids:
            if type(kid) is str:  # most values: nothing to look into
                continue
            if isinstance(kid, _CONTAINERS):
                inner.append(kid)
            else:
                _check_scalar(kid, path)
        stack.append((node, inner))
        stack.extend((kid, None) for kid in inner)


_CONTAINERS = (Mapping, list, tuple, set, frozenset)


def _check_scalar(value: Any, path: Path) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise AnswersFileError(f"{path}: the number {shown(value)} is too large: no answer needs it")
