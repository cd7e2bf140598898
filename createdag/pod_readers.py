"""Read the value of one pod task argument from source, as the answer that stands for it.

``pipeline_source`` finds a DAG's pod tasks and their dependencies; this module reads what
one argument of such a task says: the literals the template writes, the Kubernetes models
(``k8s.V1Toleration(...)`` or imported from ``kubernetes.client.models``) and the dicts the
operator also takes. Each reader returns the answer's value, or ``NOT_FOUND`` when the
argument is in a form no answer holds (the caller keeps it as written or refuses it).
``POD_READERS`` maps every pod argument that is an answer to its reader and to what it
expects, for messages; the pod options the template writes as plain literals come from the
option registry (``questions.POD_OPTIONS``), so a new literal option needs no reader here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from createdag import dagsource, questions
from createdag.dagsource import NOT_FOUND, call_name, kwargs, literal

#: DAG-level answers every task inherits unless it overrides them.
INHERITED = ("namespace", "image_pull_secrets", "cpu_request", "memory_request", "cpu_limit", "memory_limit")


# --- task arguments ----------------------------------------------------------------------


def text_value(node: ast.AST) -> Any:
    value = literal(node)
    return value if isinstance(value, str) else NOT_FOUND


def _words(node: ast.AST) -> Any:
    return [] if literal(node) is None and isinstance(node, ast.Constant) else dagsource.strings(node)


def _env_vars(node: ast.AST) -> Any:
    """``{"A": "b"}`` or ``[k8s.V1EnvVar(name="A", value="b")]`` (``V1EnvVar("A", "b")`` too)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return {}
    if isinstance(node, ast.Dict):
        return dagsource.string_dict(node)
    if not isinstance(node, ast.List | ast.Tuple):
        return NOT_FOUND
    found: dict[str, str] = {}
    for item in node.elts:
        if not (isinstance(item, ast.Call) and call_name(item) == "V1EnvVar") or dagsource.spread(item):
            return NOT_FOUND
        if set(kwargs(item)) - {"name", "value"} or len(item.args) > 2:  # value_from: not a value
            return NOT_FOUND
        name, value = literal(dagsource.argument(item, "name", 0)), literal(dagsource.argument(item, "value", 1))
        if not (isinstance(name, str) and isinstance(value, str)) or name in found:
            return NOT_FOUND
        found[name] = value
    return found


def _pull_secrets(node: ast.AST) -> Any:
    """``[k8s.V1LocalObjectReference(name="regcred")]`` (positional too), or ``"a,b"``."""
    value = literal(node)
    if value is None and isinstance(node, ast.Constant):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(node, ast.List | ast.Tuple):
        return NOT_FOUND
    names = []
    for item in node.elts:
        if not (isinstance(item, ast.Call) and call_name(item) == "V1LocalObjectReference"):
            return NOT_FOUND
        if dagsource.spread(item) or set(kwargs(item)) - {"name"} or len(item.args) > 1:
            return NOT_FOUND
        name = literal(dagsource.argument(item, "name", 0))
        if not isinstance(name, str):
            return NOT_FOUND
        names.append(name)
    return names


SECRET_FIELDS = ("deploy_type", "deploy_target", "secret", "key")


def _secrets(node: ast.AST) -> Any:
    """``[Secret(deploy_type="env", deploy_target=ENV, secret=NAME, key=KEY)]`` (positional too)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return []
    if not isinstance(node, ast.List | ast.Tuple):
        return NOT_FOUND
    found = []
    for item in node.elts:
        if not (isinstance(item, ast.Call) and call_name(item) == "Secret") or dagsource.spread(item):
            return NOT_FOUND
        if set(kwargs(item)) - set(SECRET_FIELDS) or len(item.args) > len(SECRET_FIELDS):
            return NOT_FOUND
        fields = {
            name: literal(dagsource.argument(item, name, position)) for position, name in enumerate(SECRET_FIELDS)
        }
        if fields["deploy_type"] != "env" or not all(isinstance(fields[k], str) for k in SECRET_FIELDS[1:]):
            return NOT_FOUND
        found.append({"env": fields["deploy_target"], "secret": fields["secret"], "key": fields["key"]})
    return found


def _quantities(node: ast.AST | None) -> Any:
    """``{"cpu": "500m", "memory": "1Gi"}`` (either key, numbers as text), or None/absent: {}."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return {}
    value = literal(node) if isinstance(node, ast.Dict) else NOT_FOUND
    if not isinstance(value, dict) or set(value) - {"cpu", "memory"}:
        return NOT_FOUND
    if not all(isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value.values()):
        return NOT_FOUND
    return {key: str(v) for key, v in value.items()}


def _resources(node: ast.AST) -> Any:
    """``k8s.V1ResourceRequirements(requests={...}, limits={...})`` -> the four resource answers."""
    if isinstance(node, ast.Constant) and node.value is None:
        return dict.fromkeys(INHERITED[2:], "")
    if not (isinstance(node, ast.Call) and call_name(node) == "V1ResourceRequirements"):
        return NOT_FOUND
    given = kwargs(node)
    if node.args or dagsource.spread(node) or set(given) != {"requests", "limits"}:
        return NOT_FOUND  # one side only: kept as written (the template writes both)
    requests, limits = _quantities(given.get("requests")), _quantities(given.get("limits"))
    if requests is NOT_FOUND or limits is NOT_FOUND:
        return NOT_FOUND
    return {
        "cpu_request": requests.get("cpu", ""),
        "memory_request": requests.get("memory", ""),
        "cpu_limit": limits.get("cpu", ""),
        "memory_limit": limits.get("memory", ""),
    }


# --- pod options: Kubernetes models (``k8s.V1Toleration(...)``, ``V1Volume(...)`` imported
# from kubernetes.client.models) and, where the operator takes them, their dict forms -----


@dataclass(frozen=True)
class _Obj:
    """A Kubernetes model call (``model``: its class) or a dict literal (``model`` ''), its
    fields by their Kubernetes name (camelCase); fields given None are left out."""

    model: str
    fields: dict[str, Any]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _plain(node: ast.AST) -> Any:
    """Model calls and dict literals as ``_Obj``, lists as lists, literals as values;
    ``NOT_FOUND`` for anything else (a name, a computed value, ``**spread``, positional fields)."""
    if isinstance(node, ast.Call):
        name = call_name(node)
        if not (name.startswith("V1") and isinstance(node.func, ast.Name | ast.Attribute)):
            return NOT_FOUND
        if node.args or dagsource.spread(node) or dagsource.repeated_keywords(node):
            return NOT_FOUND
        fields: dict[str, Any] = {}
        for key, value in kwargs(node).items():
            inner = _plain(value)
            if inner is NOT_FOUND or key != key.lower():  # a model takes snake_case arguments
                return NOT_FOUND
            if inner is not None:
                fields[_camel(key)] = inner
        return _Obj(name, fields)
    if isinstance(node, ast.Dict):
        fields = {}
        for key_node, value in zip(node.keys, node.values, strict=True):
            field_name = literal(key_node) if key_node is not None else NOT_FOUND
            inner = _plain(value)
            if not isinstance(field_name, str) or field_name in fields or inner is NOT_FOUND:
                return NOT_FOUND
            if inner is not None:
                fields[field_name] = inner
        return _Obj("", fields)
    if isinstance(node, ast.List | ast.Tuple):
        items = [_plain(item) for item in node.elts]
        return NOT_FOUND if any(item is NOT_FOUND for item in items) else items
    if isinstance(node, ast.Constant | ast.UnaryOp):
        return literal(node)
    return NOT_FOUND


def _obj(value: Any, model: str, allowed: Iterable[str], form: str) -> Any:
    """``value``'s fields when it is ``model`` (form "model") or a dict (form "dict") of
    ``allowed`` fields only; ``NOT_FOUND`` otherwise."""
    if not isinstance(value, _Obj) or value.model != (model if form == "model" else ""):
        return NOT_FOUND
    return dict(value.fields) if set(value.fields) <= set(allowed) else NOT_FOUND


def _form(value: Any) -> str:
    return "dict" if isinstance(value, _Obj) and not value.model else "model"


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _typed(fields: Any, kinds: Mapping[str, Callable[[Any], bool]]) -> Any:
    """``fields`` when each is of its kind (``_is_text``...), else ``NOT_FOUND``."""
    if fields is NOT_FOUND or not all(kinds[key](value) for key, value in fields.items()):
        return NOT_FOUND
    return fields


def _none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


SECURITY_CONTEXT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "runAsNonRoot": _is_bool,
    "runAsUser": _is_int,
    "readOnlyRootFilesystem": _is_bool,
}


def _security_context(node: ast.AST) -> Any:
    """``k8s.V1SecurityContext(run_as_non_root=True, run_as_user=1000, read_only_root_filesystem=True)``
    or the dict ``{"runAsNonRoot": True, ...}`` -> ``{"runAsNonRoot": True, ...}``."""
    if _none(node):
        return {}
    value = _plain(node)
    return _typed(_obj(value, "V1SecurityContext", SECURITY_CONTEXT_FIELDS, _form(value)), SECURITY_CONTEXT_FIELDS)


def _node_affinity(node: ast.AST) -> Any:
    """Required node labels, as the template writes them: ``k8s.V1Affinity(node_affinity=k8s.V1NodeAffinity(
    required_during_scheduling_ignored_during_execution=k8s.V1NodeSelector(node_selector_terms=[
    k8s.V1NodeSelectorTerm(match_expressions=[k8s.V1NodeSelectorRequirement(key=K, operator="In",
    values=[...])])])))`` (one term; the dict of the same fields too) -> ``{K: [...]}``."""
    if _none(node):
        return {}
    value = _plain(node)
    form = _form(value)
    affinity = _obj(value, "V1Affinity", {"nodeAffinity"}, form)
    if affinity is NOT_FOUND or not affinity:
        return NOT_FOUND if affinity is NOT_FOUND else {}
    required = "requiredDuringSchedulingIgnoredDuringExecution"
    node_affinity = _obj(affinity["nodeAffinity"], "V1NodeAffinity", {required}, form)
    if node_affinity is NOT_FOUND or required not in node_affinity:
        return NOT_FOUND
    selector = _obj(node_affinity[required], "V1NodeSelector", {"nodeSelectorTerms"}, form)
    terms = selector.get("nodeSelectorTerms") if selector is not NOT_FOUND else None
    if not (isinstance(terms, list) and len(terms) == 1):  # terms are ORed: no answer says that
        return NOT_FOUND
    term = _obj(terms[0], "V1NodeSelectorTerm", {"matchExpressions"}, form)
    expressions = term.get("matchExpressions") if term is not NOT_FOUND else None
    if not (isinstance(expressions, list) and expressions):
        return NOT_FOUND
    found: dict[str, list[str]] = {}
    for item in expressions:
        requirement = _obj(item, "V1NodeSelectorRequirement", {"key", "operator", "values"}, form)
        if requirement is NOT_FOUND or requirement.get("operator") != "In":
            return NOT_FOUND
        key, values = requirement.get("key"), requirement.get("values")
        if not isinstance(key, str) or key in found or not isinstance(values, list) or not values:
            return NOT_FOUND
        if not all(isinstance(item, str) for item in values):
            return NOT_FOUND
        found[key] = list(values)
    return found


TOLERATION_FIELDS: dict[str, Callable[[Any], bool]] = {
    "key": _is_text, "operator": _is_text, "value": _is_text, "effect": _is_text, "tolerationSeconds": _is_int,
}  # fmt: skip


def _each(node: ast.AST, read: Callable[[Any], Any]) -> Any:
    """A list of Kubernetes models (tolerations, env_from, volumes, mounts), each item read by
    ``read``; None: []; ``NOT_FOUND`` when it is no list or any item cannot be read."""
    if _none(node):
        return []
    value = _plain(node)
    if not isinstance(value, list):
        return NOT_FOUND
    found = [read(item) for item in value]
    return NOT_FOUND if any(item is NOT_FOUND for item in found) else found


def _tolerations(node: ast.AST) -> Any:
    """``[k8s.V1Toleration(key=..., operator=..., value=..., effect=..., toleration_seconds=...)]``,
    each item a model or a dict of the same fields (``{"key": ..., "tolerationSeconds": 300}``)."""
    return _each(node, lambda item: _typed(_obj(item, "V1Toleration", TOLERATION_FIELDS, _form(item)),
                                           TOLERATION_FIELDS))  # fmt: skip


ENV_FROM_REFS = {"configMapRef": "V1ConfigMapEnvSource", "secretRef": "V1SecretEnvSource"}


def _env_from(node: ast.AST) -> Any:
    """``[k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name=...), prefix=...)]``
    (``secret_ref=k8s.V1SecretEnvSource(name=...)`` too) -> ``[{"configMapRef": {"name": ...}, "prefix": ...}]``."""
    return _each(node, _env_from_source)


def _env_from_source(item: Any) -> Any:
    source = _obj(item, "V1EnvFromSource", {*ENV_FROM_REFS, "prefix"}, "model")
    refs = [field for field in ENV_FROM_REFS if source is not NOT_FOUND and field in source]
    if len(refs) != 1 or not isinstance(source.get("prefix", ""), str):
        return NOT_FOUND
    ref = _typed(_obj(source[refs[0]], ENV_FROM_REFS[refs[0]], {"name"}, "model"), {"name": _is_text})
    if ref is NOT_FOUND or "name" not in ref:
        return NOT_FOUND
    entry: dict[str, Any] = {refs[0]: ref}
    if source.get("prefix"):
        entry["prefix"] = source["prefix"]
    return entry


#: a volume source field -> (its model, its fields and their kinds, the field it needs)
VOLUME_SOURCES: dict[str, tuple[str, dict[str, Callable[[Any], bool]], str]] = {
    "persistentVolumeClaim": (
        "V1PersistentVolumeClaimVolumeSource",
        {"claimName": _is_text, "readOnly": _is_bool},
        "claimName",
    ),
    "configMap": ("V1ConfigMapVolumeSource", {"name": _is_text}, "name"),
    "secret": ("V1SecretVolumeSource", {"secretName": _is_text}, "secretName"),
    "emptyDir": ("V1EmptyDirVolumeSource", {"sizeLimit": _is_text, "medium": _is_text}, ""),
}


def _volumes(node: ast.AST) -> Any:
    """``[k8s.V1Volume(name=..., persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
    claim_name=...))]``, or a ConfigMap, Secret or emptyDir source -> ``[{"name": ..., "persistentVolumeClaim":
    {"claimName": ...}}]``."""
    return _each(node, _volume)


def _volume(item: Any) -> Any:
    volume = _obj(item, "V1Volume", {"name", *VOLUME_SOURCES}, "model")
    if volume is NOT_FOUND or not isinstance(volume.get("name"), str) or len(volume) != 2:
        return NOT_FOUND
    name = volume.pop("name")
    ((field, body),) = volume.items()
    model, kinds, needed = VOLUME_SOURCES[field]
    source = _typed(_obj(body, model, kinds, "model"), kinds)
    if source is NOT_FOUND or (needed and needed not in source):
        return NOT_FOUND
    return {"name": name, field: source}


MOUNT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "name": _is_text,
    "mountPath": _is_text,
    "subPath": _is_text,
    "readOnly": _is_bool,
}


def _volume_mounts(node: ast.AST) -> Any:
    """``[k8s.V1VolumeMount(name=..., mount_path=..., sub_path=..., read_only=True)]``."""
    return _each(node, _volume_mount)


def _volume_mount(item: Any) -> Any:
    mount = _typed(_obj(item, "V1VolumeMount", MOUNT_FIELDS, "model"), MOUNT_FIELDS)
    return mount if mount is not NOT_FOUND and {"name", "mountPath"} <= set(mount) else NOT_FOUND


def _mapping(node: ast.AST) -> Any:
    """A dict of strings (node selector, labels, annotations); None: {}."""
    return {} if _none(node) else dagsource.string_dict(node)


def _optional_text(node: ast.AST) -> Any:
    """A string; None: '' (no service account, pool, priority class...)."""
    return "" if _none(node) else text_value(node)


def _whole(node: ast.AST) -> Any:
    value = literal(node)
    return value if _is_int(value) else NOT_FOUND


def _flag(node: ast.AST) -> Any:
    value = literal(node)
    return value if isinstance(value, bool) else NOT_FOUND


def _on_finish_action(node: ast.AST) -> Any:
    """``"keep_pod"``, or the provider's enum ``OnFinishAction.KEEP_POD`` (``OnKillAction`` alike)."""
    if isinstance(node, ast.Attribute) and dagsource.dotted(node.value).endswith(("OnFinishAction", "OnKillAction")):
        return node.attr.lower()
    return text_value(node)


def _outlets(node: ast.AST) -> Any:
    """``[Asset("uri"), ...]`` with literal URIs, or one ``Asset(...)`` (Airflow lists it); None: []."""
    if _none(node):
        return []
    items = node.elts if isinstance(node, ast.List | ast.Tuple) else [node]
    uris = [dagsource.asset_uri(item, {}) for item in items]
    return uris if all(isinstance(uri, str) for uri in uris) else NOT_FOUND


def _execution_timeout(node: ast.AST) -> Any:
    """Whole minutes of ``timedelta(...)``; None: 0 (no limit)."""
    return 0 if _none(node) else dagsource.timedelta_minutes(node)


#: What a file that leaves a pod option out means: the provider's defaults (KubernetesPodOperator
#: of cncf-kubernetes 10), which are the questions' defaults (``questions.POD_OPTIONS``).
POD_OPTION_DEFAULTS: dict[str, Any] = questions.POD_OPTION_DEFAULTS
#: The pod argument of an answer when they are named differently (``questions.Place``).
POD_ARGUMENT_OF = questions.POD_ARGUMENT_OF
#: How a pod option the template writes as a plain literal is read, by the shape of its value.
_LITERAL_READERS: dict[str, tuple[Callable[[ast.AST], Any], str]] = {
    "text": (_optional_text, "a string"),
    "int": (_whole, "a whole number"),
    "bool": (_flag, "True or False"),
    "mapping": (_mapping, "a dict of strings"),
}


#: Pod arguments that are answers: how each is read, and what the reader expects (for messages).
POD_READERS: dict[str, tuple[Callable[[ast.AST], Any], str]] = {
    **{
        q.place.argument: _LITERAL_READERS[q.kind_of.shape]
        for q in questions.POD_OPTIONS
        if q.place is not None and q.place.form == "literal"
    },
    "image": (text_value, "a string"),
    "namespace": (text_value, "a string"),
    "cmds": (_words, "a list of strings"),
    "arguments": (_words, "a list of strings"),
    "env_vars": (_env_vars, 'a dict of strings, or [k8s.V1EnvVar(name="...", value="...")]'),
    "secrets": (_secrets, '[Secret("env", ENV, SECRET_NAME, KEY)]'),
    "image_pull_secrets": (_pull_secrets, '[k8s.V1LocalObjectReference(name="...")]'),
    "container_resources": (
        _resources,
        'k8s.V1ResourceRequirements(requests={"cpu": ..., "memory": ...}, limits={...})',
    ),
    "container_security_context": (
        _security_context,
        "k8s.V1SecurityContext(run_as_non_root=..., run_as_user=..., read_only_root_filesystem=...) or its dict",
    ),
    "affinity": (
        _node_affinity,
        'required node labels as create_dag writes them (k8s.V1Affinity(node_affinity=...), one term, operator="In"),'
        " or their dict",
    ),
    "tolerations": (_tolerations, "[k8s.V1Toleration(key=..., operator=..., value=..., effect=...)] or dicts"),
    "env_from": (
        _env_from,
        "[k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name=...))] "
        "(secret_ref=k8s.V1SecretEnvSource(name=...), prefix=...)",
    ),
    "volumes": (
        _volumes,
        "[k8s.V1Volume(name=..., persistent_volume_claim=..., config_map=..., secret=... or empty_dir=...)]",
    ),
    "volume_mounts": (_volume_mounts, "[k8s.V1VolumeMount(name=..., mount_path=..., sub_path=..., read_only=...)]"),
    "on_finish_action": (_on_finish_action, 'a string ("delete_pod", "delete_succeeded_pod", "keep_pod")'),
    "outlets": (_outlets, '[Asset("uri"), ...]'),
    "execution_timeout": (_execution_timeout, "datetime.timedelta(...) of whole minutes, or None"),
}
#: Pod arguments the template writes only when their answer says something: a value in a form no
#: answer holds (``nvidia.com/gpu`` resources, a pod anti-affinity, a ``host_path`` volume,
#: ``value_from``) is kept as written instead, its answer left empty for that task.
KEPT_WHEN_NO_ANSWER_SAYS_IT = frozenset({
    "secrets", "env_vars", "image_pull_secrets", "container_resources", "service_account_name",
    "container_security_context", "node_selector", "affinity", "tolerations", "priority_class_name", "env_from",
    "volumes", "volume_mounts", "labels", "annotations", "image_pull_policy", "pool", "pod_template_file",
    "outlets", "execution_timeout",
})  # fmt: skip
#: The answer each pod option argument gives.
POD_ANSWER_OF = {argument: answer for answer, argument in POD_ARGUMENT_OF.items()}
