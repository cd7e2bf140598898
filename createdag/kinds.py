"""The kinds of answer, in one table: how text (or a typed value from a file) becomes a value,
how a value is shown as it would be typed, and which prompt widget asks for it.

A question names its kind (``Question.kind``); everything that turns raw
answers into values (``answers.coerce``) or values into prompt defaults
(``prompt``) looks the kind up here, so a new kind is one entry below.
Model: copier's cast table in ``copier/_user_data.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from createdag.errors import BadValue

if TYPE_CHECKING:
    from createdag.questions import Question

Widget = Literal["text", "confirm", "checkbox"]

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


@dataclass(frozen=True)
class Kind:
    """One kind of answer. ``parse(question, raw)`` raises ``BadValue`` with the fix."""

    name: str
    parse: Callable[[Question, Any], Any]
    show: Callable[[Question, Any], str]
    widget: Widget = "text"


# --- text to values ------------------------------------------------------------------------


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadValue(f"{text!r} is not yes or no: use true/false (or yes/no)")


def parse_int(text: str) -> int:
    word = text.strip()
    if not word.isascii() or not word.lstrip("+-").isdigit():
        raise BadValue(f"{text!r} is not a whole number")
    return int(word)


def parse_list_text(text: str, syntax: str) -> list[Any]:
    """A list typed on one line: JSON or YAML flow (``[a, b]``), shell words, or comma-separated."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError:
            import yaml  # YAML flow lists: [a, b] without quotes

            try:
                value = yaml.safe_load(stripped)
            except yaml.YAMLError:
                raise BadValue(f"{text!r} starts with '[' but is not a JSON or YAML list") from None
        if not isinstance(value, list):
            raise BadValue(f"{text!r} is not a list")
        return value
    if syntax == "shell":
        try:
            return shlex.split(text)
        except ValueError as exc:
            raise BadValue(f"{exc}: close the quote, or write the list as JSON") from None
    return [item.strip() for item in text.split(",") if item.strip()]


def _parse_secret(text: str) -> dict[str, str]:
    env, eq, rest = text.strip().partition("=")
    secret, colon, key = rest.partition(":")
    if not (eq and colon and env and secret and key):
        raise BadValue(f"{text.strip()!r} is not ENV=secret:key, e.g. 'DB_PASSWORD=db-creds:password'")
    return {"env": env.strip(), "secret": secret.strip(), "key": key.strip()}


def _items_as_text(items: list[Any]) -> list[str]:
    for number, item in enumerate(items, 1):
        if not isinstance(item, str):
            raise BadValue(f"item {number} is {item!r}, not text: quote it, e.g. \"{item}\"")
    return items


# --- the kinds -------------------------------------------------------------------------------


def _text(question: Question, raw: Any) -> Any:
    if raw is None and question.none_ok:
        return None
    if raw is None and question.default == "":
        return ""
    if not isinstance(raw, str):
        raise BadValue(f"{raw!r} is not text: quote it, e.g. \"{raw}\"")
    return raw


def _date(question: Question, raw: Any) -> Any:
    return raw if isinstance(raw, dt.date) else _text(question, raw)  # YAML reads 2026-01-01 as a date


def _bool(question: Question, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return parse_bool(raw)
    raise BadValue(f"{raw!r} is not true or false")


def _int(question: Question, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadValue(f"{raw!r} is not a whole number")
    return parse_int(raw) if isinstance(raw, str) else raw


def _list(question: Question, raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = parse_list_text(raw, question.list_syntax)
    if not isinstance(raw, list | tuple):
        raise BadValue(f"{raw!r} is not a list")
    return _items_as_text(list(raw))


def _choices(question: Question, raw: Any) -> list[str]:
    if isinstance(raw, str) and raw.strip().lower() in ("none", "[]", ""):
        return []
    return _list(question, raw)


def _secrets(question: Question, raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if isinstance(raw, str):
        if not raw.strip().startswith("["):
            return [_parse_secret(part) for part in raw.split(",") if part.strip()]
        raw = parse_list_text(raw, "comma")
    if not isinstance(raw, list | tuple):
        raise BadValue(f"{raw!r} is not a list of secrets")
    result = []
    for item in raw:
        if isinstance(item, str):
            result.append(_parse_secret(item))
        elif isinstance(item, Mapping) and set(item) == {"env", "secret", "key"}:
            result.append({k: str(item[k]) for k in ("env", "secret", "key")})
        else:
            raise BadValue(f"{item!r} is not {{env, secret, key}} nor 'ENV=secret:key'")
    return result


def parse_mapping_text(text: str) -> dict[str, Any]:
    """A mapping typed on one line: ``NAME=value, NAME2=value2``, or JSON / YAML flow (``{...}``)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        import yaml  # JSON is YAML flow too

        try:
            value = yaml.safe_load(stripped)
        except yaml.YAMLError:
            raise BadValue(f"{text!r} starts with '{{' but is not a JSON or YAML mapping") from None
        if not isinstance(value, dict):
            raise BadValue(f"{text!r} is not a mapping")
        return value
    result: dict[str, Any] = {}
    for part in stripped.split(","):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip():
            raise BadValue(
                f"{part.strip()!r} is not NAME=value, e.g. 'MODE=full, REGION=eu' "
                "(a value with a comma: write {\"NAME\": \"a,b\"})"
            )
        if name.strip() in result:
            raise BadValue(f"{name.strip()!r} is given twice")
        result[name.strip()] = value.strip()
    return result


def _mapping(question: Question, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = parse_mapping_text(raw)
    if not isinstance(raw, Mapping):
        raise BadValue(f"{raw!r} is not a mapping of NAME: value")
    result = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            raise BadValue(f"name {name!r} is not text: quote it")
        if not isinstance(value, str):
            raise BadValue(f"the value of {name} is {value!r}, not text: quote it, e.g. {name}: \"{value}\"")
        result[name] = value
    return result


def _show_plain(question: Question, value: Any) -> str:
    return "" if value is None else str(value)


def _show_list(question: Question, value: Any) -> str:
    if value is None:
        return ""
    return shlex.join(value) if question.list_syntax == "shell" else ", ".join(value)


def _show_mapping(question: Question, value: Any) -> str:
    if not value:
        return ""
    if any("," in str(item) or "=" in str(item) for item in value.values()):
        return json.dumps(value, ensure_ascii=False)  # the one-line form cannot hold these
    return ", ".join(f"{name}={item}" for name, item in value.items())


def _show_secrets(question: Question, value: Any) -> str:
    return "" if value is None else ", ".join(f"{s['env']}={s['secret']}:{s['key']}" for s in value)


# --- params: name -> {type, default, description, enum} (checked by ``validators.params``) ---------

def _parse_param_item(text: str) -> tuple[str, dict[str, Any]]:
    """``name=default``, ``name:type=default`` or ``name:a|b|c=a`` (one of a list)."""
    head, eq, default = text.partition("=")
    name, _, kind = head.partition(":")
    if not eq or not name.strip():
        raise BadValue(
            f"{text.strip()!r} is not NAME:TYPE=DEFAULT, e.g. 'limit:integer=100, mode:full|delta=full' "
            "(types: string, integer, number, boolean, or choices a|b; descriptions: write the JSON form)"
        )
    spec: dict[str, Any] = {"default": default.strip()}
    kind = kind.strip()
    if "|" in kind:
        spec["enum"] = [choice.strip() for choice in kind.split("|")]
    elif kind:
        spec["type"] = kind
    return name.strip(), spec


def _params(question: Question, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        if raw.strip().startswith("{"):
            raw = parse_mapping_text(raw)
        else:
            items: dict[str, Any] = {}
            for part in raw.split(","):
                if part.strip():
                    name, spec = _parse_param_item(part)
                    if name in items:
                        raise BadValue(f"param {name!r} is given twice")
                    items[name] = {**spec, "typed": True}  # its default is text to convert
            return items
    if not isinstance(raw, Mapping):
        raise BadValue(f"{raw!r} is not a mapping of param name: {{type, default, description, enum}}")
    result: dict[str, Any] = {}
    for name, spec in raw.items():
        if not isinstance(name, str):
            raise BadValue(f"param name {name!r} is not text: quote it")
        if not isinstance(spec, Mapping):
            spec = {"default": spec}  # ``limit: 100``: a param with that default, its type inferred
        unknown = set(spec) - {"type", "default", "description", "enum"}
        if unknown:
            raise BadValue(f"param {name}: unknown key {sorted(unknown)[0]!r}: use type, default, description, enum")
        result[name] = dict(spec)
    return result


def _show_params(question: Question, value: Any) -> str:
    if not value:
        return ""
    parts = []
    for name, spec in value.items():
        values = [spec["default"], *spec.get("enum", ())]
        if (
            spec.get("description")
            or any(c in str(x) for x in values for c in ",|=")
            or any(isinstance(x, str) and x != x.strip() for x in values)
            or (spec.get("enum") and spec["type"] != "string")  # choices read back as text
        ):
            return json.dumps(value, ensure_ascii=False)  # the one-line form cannot hold these
        default = spec["default"]
        shown = "true" if default is True else "false" if default is False else str(default)
        kind = "|".join(str(x) for x in spec["enum"]) if spec.get("enum") else spec["type"]
        parts.append(f"{name}:{kind}={shown}")
    return ", ".join(parts)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("text", _text, _show_plain),
        Kind("date", _date, _show_plain),
        Kind("bool", _bool, _show_plain, "confirm"),
        Kind("int", _int, _show_plain),
        Kind("list", _list, _show_list),
        Kind("choices", _choices, _show_list, "checkbox"),
        Kind("secrets", _secrets, _show_secrets),
        Kind("mapping", _mapping, _show_mapping),
        Kind("tasks", _list, _show_list, "checkbox"),
        Kind("params", _params, _show_params),
    )
}
