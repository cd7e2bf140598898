"""Pure checks for single answers: a value in, the normalized value out.

Each function raises ``BadValue`` with a reason that tells the user the fix;
``answers`` adds which key it was about. Nothing here touches the terminal,
the file system or Airflow, so the prompt can run these on every key press.
The rules mirror what Airflow and Kubernetes enforce, so a DAG that passes
here does not fail later at parse time or when its pod is created.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from createdag.errors import BadValue, shown

if TYPE_CHECKING:
    from decimal import Decimal

# The patterns are compiled on first use (``re`` keeps them), not before the first question.
# Airflow's KEY_REGEX is r"^[\w.-]+$" with at most 250 characters; \w also
# matches non-ASCII letters there, but the dag_id is our file name too, so we
# keep to ASCII.
_AIRFLOW_KEY = r"[A-Za-z0-9_.-]+"
AIRFLOW_KEY_MAX = 250
# Kubernetes: RFC 1123 label (namespaces) and subdomain (Secrets and most names).
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SECRET_KEY = r"[-._a-zA-Z0-9]+"
_QUANTITY = (
    r"(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?"
)
#: each suffix's factor, exact as ``Decimal`` makes it (``decimal`` is imported when a
#: quantity is compared, not before the first question)
_SUFFIX_FACTOR: dict[str | None, str | int] = {
    None: 1, "n": "1e-9", "u": "1e-6", "m": "1e-3",
    "k": "1e3", "M": "1e6", "G": "1e9", "T": "1e12",
    "P": "1e15", "E": "1e18",
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30,
    "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}  # fmt: skip
def text(value: str) -> str:
    """Any text, as typed; it must be writable as UTF-8 (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadValue(f"contains a character that is not valid Unicode ({exc.reason})") from None
    return value


def airflow_template(value: str) -> str:
    """Text that Airflow renders with Jinja at run time (KubernetesPodOperator's cmds and
    arguments): its template syntax is parsed now, never evaluated, so that ``{{ ds }``
    fails here rather than in the first run's task."""
    value = text(value)
    if not any(mark in value for mark in ("{{", "{%", "{#")):
        return value
    import jinja2  # only for values that use templates

    try:
        jinja2.Environment().parse(value)
    except jinja2.TemplateSyntaxError as exc:
        raise BadValue(
            f"{shown(value)} is not a valid Airflow template ({exc.message}): Airflow renders cmds and arguments "
            "with Jinja at run time; fix the braces, e.g. '{{ ds }}'"
        ) from None
    return value


def non_empty(value: str) -> str:
    value = text(value).strip()
    if not value:
        raise BadValue("must not be empty")
    return value


TAG_MAX = 100  # airflow.sdk.definitions.dag.TAG_MAX_LEN


def tag(value: str) -> str:
    value = non_empty(value)
    if len(value) > TAG_MAX:
        raise BadValue(f"tag {value[:20]!r}... is {len(value)} characters long: Airflow allows at most {TAG_MAX}")
    return value


def airflow_key(value: str, what: str = "id") -> str:
    """Airflow's rule for dag_id and task_id: letters, digits, '_', '.', '-'."""
    if not value:
        raise BadValue(f"the {what} must not be empty")
    if len(value) > AIRFLOW_KEY_MAX:
        raise BadValue(f"is {len(value)} characters long: Airflow allows at most {AIRFLOW_KEY_MAX}")
    if not re.fullmatch(_AIRFLOW_KEY, value):
        bad = sorted({c for c in value if not re.fullmatch(_AIRFLOW_KEY, c)})
        listed = " ".join(repr(c) for c in bad)
        raise BadValue(
            f"{shown(value)} has {listed}: use only letters, digits, '_', '.' and '-' "
            f"(e.g. {shown(re.sub(r'[^A-Za-z0-9_.-]+', '_', value).strip('_') or 'my_dag')})"
        )
    return value


def dag_id(value: str) -> str:
    """A dag_id, which is also the DAG's file name (``<dag_id>.py``)."""
    value = airflow_key(value.strip(), "dag_id")
    if value[0] in ".-":
        raise BadValue(
            f"{shown(value)} starts with {value[0]!r}: start with a letter or digit, it is also the file name"
        )
    clash = module_name_taken(value)
    if clash:
        raise BadValue(
            f"{value!r} would create {value}.py in the dags folder, which is on sys.path, "
            f"and {clash}: choose another id, e.g. {value + '_dag'!r}"
        )
    return value


def module_name_taken(name: str) -> str | None:
    """Why a top-level module ``name`` written into the dags folder would not work (it
    would shadow a standard-library, Airflow-environment or installed module, or is
    a keyword), as a clause for a message, or None. Looks ``name`` up on ``sys.path`` without importing anything
    (see ``createdag.modules``): the one check here that reads the file system."""
    from createdag.modules import taken_by

    return taken_by(name)


def task_id(value: str) -> str:
    return airflow_key(value.strip(), "task_id")


def _kubernetes_name(value: str, pattern: str, longest: int, rule: str) -> str:
    """``value`` stripped, when Kubernetes accepts it as a name of this kind; else the rule, quoted."""
    value = value.strip()
    if len(value) > longest or not re.fullmatch(pattern, value):
        raise BadValue(f"{shown(value)} is not a valid Kubernetes {rule}")
    return value


def k8s_label_name(value: str) -> str:
    """RFC 1123 label: what a namespace name must be."""
    return _kubernetes_name(value, _DNS_LABEL, 63, "name: at most 63 lowercase letters, digits and '-', "
                            "starting and ending with a letter or digit (e.g. 'data-jobs')")  # fmt: skip


def k8s_name(value: str) -> str:
    """RFC 1123 subdomain: what a Secret name must be."""
    return _kubernetes_name(value, _DNS_SUBDOMAIN, 253, "Secret name: lowercase letters, digits, '-' and '.', "
                            "starting and ending with a letter or digit (e.g. 'db-credentials')")  # fmt: skip


def image(value: str) -> str:
    value = non_empty(value)
    if any(c.isspace() for c in value):
        raise BadValue(
            f"{shown(value)} contains white space: an image reference has none (e.g. 'ghcr.io/acme/etl:1.4.2')"
        )
    return value


def env_name(value: str) -> str:
    if not re.fullmatch(_ENV_NAME, value):
        raise BadValue(
            f"{shown(value)} is not a valid environment variable name: letters, digits and '_', "
            "not starting with a digit (e.g. 'DB_PASSWORD')"
        )
    return value


def env_prefix(value: str) -> str:
    """What env_from puts before each key: the start of a valid environment variable name."""
    value = value.strip()
    if not re.fullmatch(_ENV_NAME, value):
        raise BadValue(f"prefix {shown(value)} is no start of an env var name: letters, digits and '_' (e.g. 'APP_')")
    return value


def secret_key(value: str) -> str:
    if len(value) > 253 or not re.fullmatch(_SECRET_KEY, value):
        raise BadValue(f"{shown(value)} is not a valid key of a Kubernetes Secret: letters, digits, '-', '_' and '.'")
    return value


def quantity(value: str, resource: str) -> str:
    """A Kubernetes quantity such as ``250m``, ``1.5`` or ``2Gi``; empty means unset."""
    value = value.strip()
    if not value:
        return ""
    match = re.fullmatch(_QUANTITY, value)
    if not match:
        example = "'250m' or '1'" if resource == "cpu" else "'512Mi' or '2Gi'"
        raise BadValue(f"{shown(value)} is not a Kubernetes quantity: use e.g. {example}")
    if resource == "memory" and match["suffix"] == "m":
        raise BadValue(
            f"{shown(value)} means {match['number']} thousandths of a byte: "
            f"for memory use Mi or M (e.g. '{match['number']}Mi')"
        )
    if quantity_value(value) == 0:
        raise BadValue(f"{shown(value)} is zero: leave it empty to not set it")
    return value


def quantity_value(value: str) -> Decimal:
    """The number a quantity stands for, to compare a request with its limit."""
    from decimal import Decimal, InvalidOperation

    match = re.fullmatch(_QUANTITY, value)
    if not match:
        raise BadValue(f"{shown(value)} is not a Kubernetes quantity")
    suffix = match["suffix"]
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        raise BadValue(f"{shown(value)} is not a Kubernetes quantity") from None
    if suffix and suffix[0] in "eE":
        return number * Decimal(10) ** int(suffix[1:])
    return number * Decimal(_SUFFIX_FACTOR[suffix])


def iso_date(value: str | dt.date) -> str:
    """A real calendar date, written back as ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    value = value.strip()
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue(f"{shown(value)} is not a date: use YYYY-MM-DD, e.g. '2026-01-01'") from None
    if len(value) != 10:
        raise BadValue(f"{shown(value)}: write the date as YYYY-MM-DD, e.g. {parsed.isoformat()!r}")
    return parsed.isoformat()


def timezone(value: str) -> str:
    """An IANA timezone name that exists (``Europe/Paris``, ``UTC``)."""
    value = value.strip()
    import zoneinfo  # cheap, but only needed for this question

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        hint = _closest_timezone(value)
        fix = f": did you mean {hint!r}?" if hint else ": e.g. 'Europe/Paris' or 'UTC'"
        raise BadValue(f"{shown(value)} is not an IANA timezone name{fix}") from None
    return value


def _closest_timezone(value: str) -> str | None:
    import difflib
    import zoneinfo

    names = {name.lower(): name for name in zoneinfo.available_timezones()}
    found = difflib.get_close_matches(value.lower(), list(names), n=1)
    return names[found[0]] if found else None


def int_at_least(value: int, low: int) -> int:
    if value < low:
        raise BadValue(f"must be a whole number of at least {low}, got {value}")
    return value


def int_between(value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise BadValue(f"must be a whole number from {low} to {high}, got {value}")
    return value


# --- Kubernetes pod options: names, labels, placement, paths ------------------------------

# Kubernetes' IsQualifiedName: an optional DNS-subdomain prefix and '/', then a name of at
# most 63 characters: alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
_QUALIFIED_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_MAX = 63
#: kubernetes' own lists (core/v1 Toleration, TaintEffect)
TOLERATION_OPERATORS = ("Exists", "Equal")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
IMAGE_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
#: KubernetesPodOperator's on_finish_action, and what each costs
ON_FINISH_ACTIONS = ("delete_pod", "delete_succeeded_pod", "keep_pod")
ON_KILL_ACTIONS = ("delete_pod", "keep_pod")


def k8s_subdomain(value: str, what: str, example: str) -> str:
    """An RFC 1123 subdomain (ServiceAccounts, ConfigMaps, Secrets, PVCs, PriorityClasses)."""
    value = value.strip()
    if not value:
        raise BadValue(f"the {what} must not be empty")
    if len(value) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, value):
        raise BadValue(
            f"{shown(value)} is not a valid {what}: at most 253 lowercase letters, digits, '-' and '.', "
            f"starting and ending with a letter or digit (e.g. {example!r})"
        )
    return value


def k8s_dns_label(value: str, what: str, example: str) -> str:
    """An RFC 1123 label (volume names, namespaces)."""
    value = value.strip()
    if not value:
        raise BadValue(f"the {what} must not be empty")
    if len(value) > LABEL_MAX or not re.fullmatch(_DNS_LABEL, value):
        raise BadValue(
            f"{shown(value)} is not a valid {what}: at most 63 lowercase letters, digits and '-', "
            f"starting and ending with a letter or digit (e.g. {example!r})"
        )
    return value


def optional_subdomain(value: str, what: str, example: str) -> str:
    """Empty (not set), or an RFC 1123 subdomain."""
    return k8s_subdomain(value, what, example) if value.strip() else ""


def qualified_name(value: str, what: str, lower_prefix: bool = True) -> str:
    """A label or annotation key: ``[prefix/]name``, prefix a DNS subdomain, name at most 63."""
    prefix, slash, name = value.rpartition("/")
    example = "'app.kubernetes.io/name' or 'team'"
    if slash and not prefix:
        raise BadValue(f"{what} {shown(value)} has an empty prefix before '/': drop the '/' or add a domain")
    if not name or len(name) > LABEL_MAX or not re.fullmatch(_QUALIFIED_PART, name):
        raise BadValue(
            f"{what} {shown(value)}: the name{' after the prefix' if slash else ''} must be 1-63 letters, digits, "
            f"'-', '_' or '.', starting and ending with a letter or digit (e.g. {example})"
        )
    if slash:
        checked = prefix if lower_prefix else prefix.lower()
        if len(checked) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, checked):
            raise BadValue(
                f"{what} {shown(value)}: the prefix {shown(prefix)} must be a DNS subdomain, lowercase letters, "
                "digits, '-' and '.' (e.g. 'acme.com/team')"
            )
    return value


def label_key(value: str) -> str:
    return qualified_name(value.strip(), "label key")


def label_value(value: str, key: str) -> str:
    """A label value: empty, or at most 63 of letters, digits, '-', '_', '.', alphanumeric at both ends."""
    value = value.strip()
    if value and (len(value) > LABEL_MAX or not re.fullmatch(_QUALIFIED_PART, value)):
        raise BadValue(
            f"the value of label {key}, {shown(value)}, must be at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit (no spaces or '/'); put free text in an annotation"
        )
    return value


def annotation_key(value: str) -> str:
    # Kubernetes checks annotation keys lower-cased: upper case is allowed in the prefix too
    return qualified_name(value.strip(), "annotation key", lower_prefix=False)


def choice(value: str, choices: tuple[str, ...], what: str, empty_ok: bool = False) -> str:
    value = value.strip()
    if empty_ok and not value:
        return ""
    if value in choices:
        return value
    by_case = {item.lower(): item for item in choices}
    listed = ", ".join(choices) + (", or empty" if empty_ok else "")
    hint = f"did you mean {by_case[value.lower()]!r}? " if value.lower() in by_case else ""
    raise BadValue(f"{shown(value)} is not a valid {what}: {hint}choose from {listed}")


def mount_path(value: str) -> str:
    value = value.strip()
    if not value.startswith("/"):
        raise BadValue(f"mount path {shown(value)} is not absolute: start it with '/', e.g. '/data'")
    if any(part == ".." for part in value.split("/")):
        raise BadValue(f"mount path {shown(value)} contains '..': Kubernetes refuses it; write the path in full")
    if ":" in value:
        raise BadValue(f"mount path {shown(value)} contains ':': Kubernetes refuses it")
    return value.rstrip("/") or "/"


POOL_MAX = 256  # Airflow's slot_pool.pool column


def pool(value: str) -> str:
    """An Airflow pool's name (Airflow takes any text up to 256 characters); empty: default_pool."""
    value = text(value).strip()
    if len(value) > POOL_MAX:
        raise BadValue(f"pool name {shown(value)} is {len(value)} characters long: Airflow allows at most {POOL_MAX}")
    if any(c in value for c in "\n\r\t"):
        raise BadValue(f"pool name {shown(value)} holds a line break or tab: give the pool's name as the UI shows it")
    return value


def pod_template_file(value: str) -> str:
    """A pod manifest's path as the worker sees it: KubernetesPodOperator reads it from there, at
    run time, and a file it does not find is only a warning in the log (the pod is built without it)."""
    value = text(value).strip()
    if not value:
        return ""
    if any(c in value for c in "\n\r\t"):
        raise BadValue(f"{shown(value)} contains a line break or tab: give a file path")
    templated = "{{" in value
    if not templated and not value.endswith((".yaml", ".yml", ".json")):
        raise BadValue(f"{shown(value)} is not a .yaml, .yml or .json file: give the path of a pod manifest")
    if not templated and not value.startswith("/"):
        raise BadValue(
            f"{shown(value)} is relative: the operator reads it from the worker's working directory, not the dags "
            "folder; give the absolute path on the worker, e.g. '/opt/airflow/dags/pod_templates/base.yaml'"
        )
    return value
# --- params for manual runs (Airflow's ``Param``: JSON Schema types) -----------------------------

PARAM_TYPES = ("string", "integer", "number", "boolean")
_PARAM_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def _param_value(value: object, kind: str, typed: bool, what: str) -> object:
    """``value`` as a value of JSON Schema type ``kind``; text typed on one line is converted."""
    import math

    if typed and isinstance(value, str):
        word = value.strip()
        try:
            if kind == "integer":
                return int(word)
            if kind == "number":
                number = float(word)
                return int(number) if number.is_integer() and "." not in word and "e" not in word.lower() else number
        except ValueError:
            number_kind = "a whole number" if kind == "integer" else "a number"
            raise BadValue(f"{what} {shown(value)} is not {number_kind}") from None
        if kind == "boolean":
            if word.lower() in ("true", "yes", "on", "1"):
                return True
            if word.lower() in ("false", "no", "off", "0"):
                return False
            raise BadValue(f"{what} {shown(value)} is not true or false")
        return value
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }[kind]
    if not ok:
        raise BadValue(f"{what} {shown(value)} is not of type {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue(f"{what} {shown(value)} is not a finite number (JSON has no infinity)")
    return value


def _infer_type(spec: dict) -> str:
    sample = spec.get("default", (spec.get("enum") or [None])[0])
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int):
        return "integer"
    if isinstance(sample, float):
        return "number"
    return "string"


def params(value: dict) -> dict:
    """Params as ``Param(default, type=..., description=..., enum=[...])`` takes them: a name usable
    as ``{{ params.NAME }}``, one JSON Schema type, a default of that type (and among the choices)."""
    result = {}
    for name, raw in value.items():
        if not re.fullmatch(_PARAM_NAME, name):
            raise BadValue(f"param name {shown(name)} is not a Python-style name (letters, digits, _): "
                           "templates read it as {{ params.NAME }}")  # fmt: skip
        spec = dict(raw)
        typed = bool(spec.pop("typed", False))
        kind = spec.get("type") or _infer_type(spec)
        if kind not in PARAM_TYPES:
            raise BadValue(f"param {name}: type {shown(kind)} is not one of {', '.join(PARAM_TYPES)}")
        checked: dict = {"type": kind}
        if "default" not in spec or spec["default"] is None:
            raise BadValue(f"param {name} needs a default: scheduled runs take it, and the trigger form shows it")
        checked["default"] = _param_value(spec["default"], kind, typed, f"param {name}: default")
        description = spec.get("description") or ""
        if not isinstance(description, str):
            raise BadValue(f"param {name}: description {shown(description)} is not text")
        if description:
            checked["description"] = text(description)
        enum = spec.get("enum")
        if enum is not None:
            if not isinstance(enum, list | tuple) or not enum:
                raise BadValue(f"param {name}: enum must be a non-empty list of choices")
            choices = [_param_value(item, kind, typed, f"param {name}: choice") for item in enum]
            if len(set(map(repr, choices))) != len(choices):
                raise BadValue(f"param {name}: a choice is listed twice")
            if checked["default"] not in choices:
                raise BadValue(f"param {name}: default {shown(checked['default'])} is not one of its choices "
                               f"{', '.join(map(str, choices))}")  # fmt: skip
            checked["enum"] = choices
        result[name] = checked
    return result


# --- asset URIs (Airflow's ``Asset(uri)``: ``_sanitize_uri`` and its validators) ------------------

ASSET_URI_MAX = 1500


def asset_uri(value: str) -> str:
    """An asset URI as ``Asset(uri)`` accepts it, normalized as Airflow stores it (scheme in lower
    case, no trailing slash, query sorted, no fragment), so the producer's and the consumer's match.

    Airflow's rules (``airflow/sdk/definitions/asset/__init__.py``): at most 1500 characters, not
    empty or blank, not ``self`` or ``context``, the ``airflow`` scheme is reserved; a password is
    dropped with a warning (refused here: it would land in the DAG file). A provider may add rules
    for its own scheme (``s3``, ``gs``...), which only that provider, installed, can check.
    """
    import urllib.parse

    uri = value.strip()
    if not uri:
        raise BadValue("an asset URI is empty: write one, e.g. s3://bucket/sales/daily or file:///data/sales.csv")
    if len(uri) > ASSET_URI_MAX:
        raise BadValue(f"asset URI {shown(uri)} is longer than Airflow's {ASSET_URI_MAX} characters")
    if uri in ("self", "context"):
        raise BadValue(f"{uri!r} is a name Airflow reserves: it cannot be an asset")
    text(uri)
    try:
        parsed = urllib.parse.urlsplit(uri)
        password = parsed.password
    except ValueError as exc:
        raise BadValue(f"asset URI {shown(uri)} does not parse as a URI: {exc}") from None
    scheme = parsed.scheme.lower()
    if not scheme or scheme.startswith("x-"):
        return uri  # not a URI (a plain name), or a private scheme: Airflow keeps it as written
    if scheme == "airflow":
        raise BadValue(f"asset URI {shown(uri)}: the scheme 'airflow' is reserved by Airflow")
    if password:
        raise BadValue(f"asset URI {shown(uri)} holds a password: Airflow drops it; leave user info out")
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parsed.query))) if parsed.query else ""
    parsed = parsed._replace(scheme=scheme, path=parsed.path.rstrip("/") or "/", query=query, fragment="")
    return urllib.parse.urlunsplit(parsed)
