"""The kinds of answer, in one table: how text (or a typed value from a file) becomes a value,
how a value is shown as it would be typed, and which prompt widget asks for it.

A question names its kind (``Question.kind``); everything that turns raw
answers into values (``answers.coerce``) or values into prompt defaults
(``prompt``) looks the kind up here, so a new kind is one entry below.
Model: copier's cast table in ``copier/_user_data.py``.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple, Protocol

from createdag.errors import BadValue


class Question(Protocol):
    """What a kind reads of the question it parses for (``questions.Question`` has it): the
    kinds sit below the question table, which names them, and never import it."""

    @property
    def default(self) -> Any: ...
    @property
    def none_ok(self) -> bool: ...
    @property
    def list_syntax(self) -> Literal["comma", "shell"]: ...

Widget = Literal["text", "confirm", "checkbox"]
Shape = Literal["text", "int", "bool", "list", "mapping"]

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


class Kind(NamedTuple):
    """One kind of answer. ``parse(question, raw)`` raises ``BadValue`` with the fix. A named
    tuple, not a frozen dataclass: defining one costs a tenth as much, on the way to the first
    question."""

    name: str
    parse: Callable[[Question, Any], Any]
    show: Callable[[Question, Any], str]
    widget: Widget = "text"
    #: the value's shape in JSON, TOML and the template's context: what ``cookiecutter.json``
    #: holds for it, which type the team config takes, how the plain ``cookiecutter`` command's
    #: text becomes the value (``local_extensions``)
    shape: Shape = "text"
    #: a list whose items are tables (a toleration, a volume): a team config may give them as
    #: tables, or as the one line the prompt takes
    tables: bool = False
    #: how the docs name a value of this kind ("whole number", "list of text")
    described: str = "text"

    @property
    def setting_type(self) -> type | tuple[type, ...]:
        """What the team config may give for a default of this kind: the value, or for
        structured kinds also the one line the prompt takes."""
        if self.shape == "mapping":
            return (dict, str)
        if self.shape == "list":
            return (list, str) if self.tables else list
        return {"text": str, "int": int, "bool": bool}[self.shape]


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
        import json

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


# --- Kubernetes pod options: one-line forms, and the shapes of their Kubernetes fields ------


def _items(question: Question, raw: Any, what: str) -> list[Any]:
    """A list as typed on one line (comma-separated, or JSON/YAML flow) or from a file."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = parse_list_text(raw, "comma")
    if isinstance(raw, Mapping):
        raw = [raw]  # one item written without its list
    if not isinstance(raw, list | tuple):
        raise BadValue(f"{raw!r} is not a list of {what}")
    return list(raw)


def _fields(item: Mapping[str, Any], known: Mapping[str, str], what: str) -> dict[str, Any]:
    """``item``'s fields by their Kubernetes name (camelCase), snake_case spellings accepted."""
    result: dict[str, Any] = {}
    for name, value in item.items():
        field = known.get(str(name))
        if field is None:
            fields = ", ".join(sorted(set(known.values())))
            raise BadValue(f"{what}: unknown field {name!r}: its fields are {fields}")
        if field in result:
            raise BadValue(f"{what}: {field} is given twice")
        result[field] = value
    return result


def _names(*fields: str) -> dict[str, str]:
    """Each Kubernetes field name, and its snake_case spelling, to the field name."""
    import re

    return {spelling: field for field in fields
            for spelling in (field, re.sub(r"(?<!^)([A-Z])", r"_\1", field).lower())}  # fmt: skip


def _text_field(value: Any, field: str, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadValue(f"{what}: {field} is {value!r}, not text: quote it")
    return str(value)


def _bool_field(value: Any, field: str, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return parse_bool(value)
    raise BadValue(f"{what}: {field} is {value!r}, not true or false")


_TOLERATION = _names("key", "operator", "value", "effect", "tolerationSeconds")


def parse_toleration(text: str) -> dict[str, str]:
    """``KEY=VALUE:EFFECT`` (as kubectl taint writes a taint), ``KEY:EFFECT``, ``KEY=VALUE`` or ``KEY``;
    with a value the operator is Equal, without it Exists; ``:EFFECT`` alone tolerates every key."""
    body, colon, effect = text.strip().partition(":")
    key, eq, value = body.partition("=")
    result = {"key": key.strip(), "operator": "Equal" if eq else "Exists"}
    if eq:
        result["value"] = value.strip()
    if colon:
        result["effect"] = effect.strip()
    if not result["key"]:
        del result["key"]
    return result


def _tolerations(question: Question, raw: Any) -> list[dict[str, Any]]:
    result = []
    for number, item in enumerate(_items(question, raw, "tolerations"), 1):
        if isinstance(item, str):
            result.append(parse_toleration(item))
        elif isinstance(item, Mapping):
            what = f"toleration {number}"
            fields = _fields(item, _TOLERATION, what)
            seconds = fields.pop("tolerationSeconds", None)
            toleration: dict[str, Any] = {k: _text_field(v, k, what) for k, v in fields.items() if v is not None}
            if seconds is not None:
                toleration["tolerationSeconds"] = _int(question, seconds)
            result.append(toleration)
        else:
            raise BadValue(f"{item!r} is not KEY=VALUE:EFFECT nor {{key, operator, value, effect}}")
    return result


def _json_line(value: Any, **options: Any) -> str:
    """A value as one line of JSON, for the forms the one-line syntax cannot hold (``json`` is
    imported then, not before the first question)."""
    import json

    return json.dumps(value, **options)


def _show_tolerations(question: Question, value: Any) -> str:
    if any("tolerationSeconds" in item for item in value or ()):
        return _json_line(value)  # the one-line form has no tolerationSeconds
    parts = []
    for item in value or ():
        text = item.get("key", "")
        if item.get("operator") == "Equal" or "value" in item:
            text += f"={item.get('value', '')}"
        if item.get("effect"):
            text += f":{item['effect']}"
        parts.append(text)
    return ", ".join(parts)


_ENV_FROM = _names("configMapRef", "secretRef", "prefix")
#: one-line spelling -> the field of EnvFromSource it becomes
ENV_FROM_SOURCES = {"configmap": "configMapRef", "secret": "secretRef"}


def _env_from(question: Question, raw: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for number, item in enumerate(_items(question, raw, "ConfigMaps and Secrets"), 1):
        if isinstance(item, str):
            source, colon, name = item.strip().partition(":")
            field = ENV_FROM_SOURCES.get(source.strip().lower())
            if not colon or field is None or not name.strip():
                raise BadValue(f"{item.strip()!r} is not configmap:NAME or secret:NAME, e.g. 'configmap:app-settings'")
            result.append({field: {"name": name.strip()}})
            continue
        if not isinstance(item, Mapping):
            raise BadValue(f"{item!r} is not configmap:NAME, secret:NAME nor {{configMapRef: {{name: ...}}}}")
        what = f"env_from item {number}"
        fields = _fields(item, _ENV_FROM, what)
        refs = [field for field in ("configMapRef", "secretRef") if field in fields]
        if len(refs) != 1:
            raise BadValue(
                f"{what} needs exactly one of configMapRef or secretRef, e.g. {{configMapRef: {{name: app}}}}"
            )
        ref = fields[refs[0]]
        if isinstance(ref, str):
            ref = {"name": ref}
        if not isinstance(ref, Mapping) or set(ref) != {"name"}:
            raise BadValue(f"{what}: {refs[0]} is {ref!r}: write {{name: ...}}")
        entry: dict[str, Any] = {refs[0]: {"name": _text_field(ref["name"], "name", what)}}
        if fields.get("prefix"):
            entry["prefix"] = _text_field(fields["prefix"], "prefix", what)
        result.append(entry)
    return result


def _show_env_from(question: Question, value: Any) -> str:
    if any("prefix" in item for item in value or ()):
        return _json_line(value)  # the one-line form has no prefix
    spelled = {field: source for source, field in ENV_FROM_SOURCES.items()}
    return ", ".join(f"{spelled[field]}:{ref['name']}" for item in value or () for field, ref in item.items())


#: one-line spelling -> (the volume source field, the field naming what it mounts)
VOLUME_SOURCES = {
    "pvc": ("persistentVolumeClaim", "claimName"),
    "configmap": ("configMap", "name"),
    "secret": ("secret", "secretName"),
    "emptydir": ("emptyDir", ""),
}
_VOLUME = _names("name", *(field for field, _ in VOLUME_SOURCES.values()))
_VOLUME_REF = {**_names("claimName", "secretName", "name", "readOnly", "sizeLimit", "medium")}


def _volumes(question: Question, raw: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for number, item in enumerate(_items(question, raw, "volumes"), 1):
        if isinstance(item, str):
            name, eq, source = item.strip().partition("=")
            kind, _, target = source.strip().partition(":")
            spec = VOLUME_SOURCES.get(kind.strip().lower())
            if not eq or spec is None or bool(spec[1]) != bool(target.strip()):
                raise BadValue(
                    f"{item.strip()!r} is not NAME=pvc:CLAIM, NAME=configmap:NAME, NAME=secret:NAME or NAME=emptydir, "
                    "e.g. 'data=pvc:sales-data'"
                )
            field, ref = spec
            result.append({"name": name.strip(), field: {ref: target.strip()} if ref else {}})
            continue
        if not isinstance(item, Mapping):
            raise BadValue(
                f"{item!r} is not NAME=pvc:CLAIM nor {{name: ..., persistentVolumeClaim: {{claimName: ...}}}}"
            )
        what = f"volume {number}"
        fields = _fields(item, _VOLUME, what)
        sources = [field for field, _ in VOLUME_SOURCES.values() if field in fields]
        if "name" not in fields or len(sources) != 1:
            raise BadValue(
                f"{what} needs a name and one of persistentVolumeClaim, configMap, secret or emptyDir, "
                "e.g. {name: data, persistentVolumeClaim: {claimName: sales-data}}"
            )
        field = sources[0]
        ref_field = next(ref for f, ref in VOLUME_SOURCES.values() if f == field)
        body = fields[field] if fields[field] is not None else {}
        if isinstance(body, str) and ref_field:
            body = {ref_field: body}
        if not isinstance(body, Mapping):
            raise BadValue(f"{what}: {field} is {body!r}: write {{{ref_field or 'sizeLimit'}: ...}}")
        allowed = {ref_field, "readOnly"} if field == "persistentVolumeClaim" else (
            {"sizeLimit", "medium"} if field == "emptyDir" else {ref_field})  # fmt: skip
        source_fields = _fields(body, {k: v for k, v in _VOLUME_REF.items() if v in allowed}, f"{what} {field}")
        if ref_field and ref_field not in source_fields:
            raise BadValue(f"{what}: {field} needs {ref_field}, e.g. {{{ref_field}: sales-data}}")
        checked = {k: (_bool_field(v, k, what) if k == "readOnly" else _text_field(v, k, what))
                   for k, v in source_fields.items()}  # fmt: skip
        result.append({"name": _text_field(fields["name"], "name", what), field: checked})
    return result


def _show_volumes(question: Question, value: Any) -> str:
    parts = []
    spelled = {field: (short, ref) for short, (field, ref) in VOLUME_SOURCES.items()}
    for item in value or ():
        field = next(key for key in item if key != "name")
        short, ref = spelled[field]
        if set(item[field]) != ({ref} if ref else set()):
            return _json_line(value)  # readOnly, sizeLimit...: the one-line form cannot hold them
        parts.append(f"{item['name']}={short}" + (f":{item[field][ref]}" if ref else ""))
    return ", ".join(parts)


_MOUNT = _names("name", "mountPath", "readOnly", "subPath")


def _volume_mounts(question: Question, raw: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for number, item in enumerate(_items(question, raw, "volume mounts"), 1):
        if isinstance(item, str):
            name, colon, rest = item.strip().partition(":")
            path, _, flag = rest.rpartition(":") if rest.endswith((":ro", ":rw")) else (rest, "", "")
            if not colon or not name.strip() or not path.strip():
                raise BadValue(f"{item.strip()!r} is not VOLUME:/path or VOLUME:/path:ro, e.g. 'data:/data'")
            mount: dict[str, Any] = {"name": name.strip(), "mountPath": path.strip()}
            if flag == "ro":
                mount["readOnly"] = True
            result.append(mount)
            continue
        if not isinstance(item, Mapping):
            raise BadValue(f"{item!r} is not VOLUME:/path nor {{name: ..., mountPath: ...}}")
        what = f"volume mount {number}"
        fields = _fields(item, _MOUNT, what)
        if "name" not in fields or "mountPath" not in fields:
            raise BadValue(f"{what} needs name and mountPath, e.g. {{name: data, mountPath: /data}}")
        mount = {k: _text_field(fields[k], k, what) for k in ("name", "mountPath")}
        if fields.get("subPath") is not None:
            mount["subPath"] = _text_field(fields["subPath"], "subPath", what)
        if fields.get("readOnly") is not None and _bool_field(fields["readOnly"], "readOnly", what):
            mount["readOnly"] = True
        result.append(mount)
    return result


def _show_volume_mounts(question: Question, value: Any) -> str:
    if any("subPath" in item for item in value or ()):
        return _json_line(value)
    return ", ".join(f"{m['name']}:{m['mountPath']}" + (":ro" if m.get("readOnly") else "") for m in value or ())


#: the container security context fields create_dag writes: field -> "bool" or "int"
SECURITY_CONTEXT = {"runAsNonRoot": "bool", "runAsUser": "int", "readOnlyRootFilesystem": "bool"}


def _security_context(question: Question, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = parse_mapping_text(raw)
    if not isinstance(raw, Mapping):
        raise BadValue(f"{raw!r} is not a mapping, e.g. 'run_as_non_root=true, run_as_user=1000'")
    fields = _fields(raw, _names(*SECURITY_CONTEXT), "container_security_context")
    result: dict[str, Any] = {}
    for field, value in fields.items():
        if SECURITY_CONTEXT[field] == "bool":
            result[field] = _bool_field(value, field, "container_security_context")
        elif isinstance(value, bool) or not isinstance(value, int | str):
            raise BadValue(f"{field} is {value!r}, not a user id (a whole number)")
        else:
            result[field] = parse_int(value) if isinstance(value, str) else value
    return result


def _show_security_context(question: Question, value: Any) -> str:
    return ", ".join(f"{field}={str(item).lower() if isinstance(item, bool) else item}"
                     for field, item in (value or {}).items())  # fmt: skip


def _node_labels(question: Question, raw: Any) -> dict[str, list[str]]:
    """Required node labels: ``KEY=VALUE|VALUE2, KEY2=VALUE`` or a mapping of a key to a value or list."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = parse_mapping_text(raw)
        raw = {key: value.split("|") if isinstance(value, str) else value for key, value in raw.items()}
    if not isinstance(raw, Mapping):
        raise BadValue(f"{raw!r} is not a mapping of node label: value(s)")
    result: dict[str, list[str]] = {}
    for key, values in raw.items():
        if not isinstance(key, str):
            raise BadValue(f"label {key!r} is not text: quote it")
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list | tuple) or not values:
            raise BadValue(f"the values of {key} are {values!r}: give one value or a list, e.g. {key}: [a, b]")
        result[key] = [_text_field(item, key, "node_affinity").strip() for item in values]
    return result


def _show_node_labels(question: Question, value: Any) -> str:
    return ", ".join(f"{key}={'|'.join(values)}" for key, values in (value or {}).items())


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
        return _json_line(value, ensure_ascii=False)  # the one-line form cannot hold these
    return ", ".join(f"{name}={item}" for name, item in value.items())


def _show_secrets(question: Question, value: Any) -> str:
    return "" if value is None else ", ".join(f"{s['env']}={s['secret']}:{s['key']}" for s in value)


Show = Callable[["Question", Any], str]


def _parsed(parse: Callable[[Question, Any], Any], show: Show) -> Show:
    """``show`` of any form of the value (a team config's may be one-line text, or snake_case fields)."""

    def run(question: Question, value: Any) -> str:
        try:
            return show(question, parse(question, value))
        except BadValue:
            return value if isinstance(value, str) else _json_line(value, default=str)  # its check says what is wrong

    return run
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
            return _json_line(value, ensure_ascii=False)  # the one-line form cannot hold these
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
        Kind("bool", _bool, _show_plain, "confirm", shape="bool", described="true/false"),
        Kind("int", _int, _show_plain, shape="int", described="whole number"),
        Kind("list", _list, _show_list, shape="list", described="list of text"),
        Kind("choices", _choices, _show_list, "checkbox", shape="list", described="list"),
        Kind("secrets", _secrets, _show_secrets, shape="list", described="list of {env, secret, key}"),
        Kind("mapping", _mapping, _show_mapping, shape="mapping", described="mapping NAME: value"),
        Kind("tasks", _list, _show_list, "checkbox", shape="list", described="list of task ids"),
        Kind("tolerations", _tolerations, _parsed(_tolerations, _show_tolerations), shape="list", tables=True,
             described="list of {key, operator, value, effect}"),
        Kind("env_from", _env_from, _parsed(_env_from, _show_env_from), shape="list", tables=True,
             described="list of {configMapRef or secretRef: {name}, prefix}"),
        Kind("volumes", _volumes, _parsed(_volumes, _show_volumes), shape="list", tables=True,
             described="list of {name, persistentVolumeClaim / configMap / secret / emptyDir}"),
        Kind("volume_mounts", _volume_mounts, _parsed(_volume_mounts, _show_volume_mounts), shape="list",
             tables=True, described="list of {name, mountPath, readOnly, subPath}"),
        Kind("security_context", _security_context, _parsed(_security_context, _show_security_context),
             shape="mapping", described="mapping of runAsNonRoot, runAsUser, readOnlyRootFilesystem"),
        Kind("node_labels", _node_labels, _parsed(_node_labels, _show_node_labels), shape="mapping",
             described="mapping label: value or list of values"),
        Kind("params", _params, _show_params, shape="mapping",
             described="mapping name: {type, default, description, enum}"),
    )
}  # fmt: skip
