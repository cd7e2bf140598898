"""The Kubernetes manifests in docs/deploy.md are valid Kubernetes 1.32 objects.

Every document of every ```yaml block in ``docs/deploy.md`` that has an
``apiVersion`` and a ``kind`` (and every document of the example files in
``docs/deploy/``) is validated with ``kubernetes-validate`` against the
Kubernetes 1.32 OpenAPI schemas, strictly: a field Kubernetes does not know
(``verb:`` for ``verbs:``, ``namespce:``) fails, as ``kubectl apply`` with
server-side validation would. tests/test_docs_deploy.py checks the same
manifests for the mistakes a schema cannot see (base64 with a newline in it).

Then what the schemas cannot check either: the manifests shown in the page
are the example files, the image pull Secret is a ``.dockerconfigjson`` for
the name the generated DAGs use, the RoleBinding binds the Role shown, and
that Role grants every call on pods and events that KubernetesPodOperator's
modules in the installed cncf.kubernetes provider make.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
import yaml
from helpers import REPO
from test_docs_deploy import fenced_blocks

DEPLOY_MD = REPO / "docs" / "deploy.md"
EXAMPLES = REPO / "docs" / "deploy"
KUBERNETES_VERSION = "1.32"


def _is_manifest(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "apiVersion" in doc and "kind" in doc


def _documents(text: str) -> list[Any]:
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError:
        return []  # test_docs_deploy.py's parse tests report it


@cache
def shown() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The manifests in docs/deploy.md's ```yaml blocks, with where each one is."""
    found = []
    for block in fenced_blocks(DEPLOY_MD):
        if block.lang in ("yaml", "yml"):
            for number, doc in enumerate(_documents(block.text)):
                if _is_manifest(doc):
                    found.append((f"{block.where}#{number}", doc))
    return tuple(found)


@cache
def example_files() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The manifests in docs/deploy/*.yaml (the values files have no kind and are left out)."""
    found = []
    for path in sorted(EXAMPLES.glob("*.y*ml")):
        for number, doc in enumerate(_documents(path.read_text(encoding="utf-8"))):
            if _is_manifest(doc):
                found.append((f"{path.relative_to(REPO)}#{number}", doc))
    return tuple(found)


def _key(doc: Mapping[str, Any]) -> tuple[str, str, str]:
    metadata = doc.get("metadata") or {}
    return doc["kind"], metadata.get("namespace", ""), metadata.get("name", "")


def validation_problems(doc: Mapping[str, Any]) -> list[str]:
    """Why ``doc`` is not a valid Kubernetes 1.32 object (strict: unknown fields count)."""
    try:
        import kubernetes_validate
    except ImportError:
        pytest.skip(
            "kubernetes-validate is not installed (it is in the test extra: "
            "pip install 'kubernetes-validate>=1.32'); the manifests are not checked against Kubernetes' schemas"
        )
    try:
        kubernetes_validate.validate(dict(doc), KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.absolute_path) or "<root>"
        return [f"{where}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


# --- the finder finds them ---------------------------------------------------------------------------


def test_deploy_md_shows_the_manifests_it_talks_about() -> None:
    kinds = {(doc["kind"], doc.get("type")) for _, doc in shown()}
    expected = {
        ("Secret", "Opaque"),
        ("Secret", "kubernetes.io/dockerconfigjson"),
        ("Role", None),
        ("RoleBinding", None),
        ("ServiceAccount", None),
    }
    assert expected <= kinds, f"missing from docs/deploy.md: {sorted(expected - kinds, key=str)}"


# --- valid for Kubernetes 1.32 -----------------------------------------------------------------------


MANIFESTS = [*shown(), *example_files()]


@pytest.mark.parametrize(("where", "doc"), MANIFESTS, ids=[where for where, _ in MANIFESTS])
def test_manifest_is_valid_for_kubernetes(where: str, doc: dict[str, Any]) -> None:
    problems = validation_problems(doc)
    assert not problems, f"{where} is not a valid Kubernetes {KUBERNETES_VERSION} object:\n" + "\n".join(
        problems
    )


ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "r", "namespace": "n"},
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({**ROLE, "rules": [{"apiGroups": [""], "resources": ["pods"], "verb": ["get"]}]}, "rules.0"),
        ({**ROLE, "metadata": {"name": "r", "namespce": "n"}}, "metadata"),
        ({**ROLE, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": "get"}]}, "rules.0.verbs"),
        (
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s"},
                "data": {".dockerconfigjson": 1},
            },
            "data..dockerconfigjson",
        ),
        (
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s"}, "automount": False},
            "<root>",
        ),
        ({**ROLE, "apiVersion": "rbac.authorization.k8s.io/v1beta1"}, "Couldn't find schema"),
    ],
)
def test_validation_is_strict(doc: dict[str, Any], expected: str) -> None:
    problems = validation_problems(doc)
    assert any(expected in problem for problem in problems), problems


def test_validation_accepts_a_valid_role() -> None:
    assert validation_problems(ROLE) == []


# --- what the schemas cannot check -------------------------------------------------------------------


def test_manifests_shown_are_the_example_files() -> None:
    files = {_key(doc): (where, doc) for where, doc in example_files()}
    for where, doc in shown():
        if _key(doc) in files:
            file_where, file_doc = files[_key(doc)]
            assert doc == file_doc, f"{where} differs from {file_where}"
    shown_keys = {_key(doc) for _, doc in shown()}
    for name in ("secret-regcred.yaml", "rbac-pod-namespace.yaml"):
        for where, doc in example_files():
            if where.startswith(f"docs/deploy/{name}#"):
                assert _key(doc) in shown_keys, f"{where} is not shown in docs/deploy.md"


def _dockerconfigjson_secrets() -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (where, doc)
        for where, doc in (*shown(), *example_files())
        if doc["kind"] == "Secret" and doc.get("type") == "kubernetes.io/dockerconfigjson"
    ]


def test_image_pull_secret_is_a_docker_config_for_the_generated_dags() -> None:
    defaults = json.loads((REPO / "dag_template" / "cookiecutter.json").read_text(encoding="utf-8"))
    default_names = json.loads(defaults["image_pull_secrets"])
    secrets = _dockerconfigjson_secrets()
    assert secrets
    for where, doc in secrets:
        assert doc["metadata"]["name"] in default_names, f"{where}: the generated DAGs name {default_names}"
        assert set(doc["data"]) == {".dockerconfigjson"}, where
        raw = base64.b64decode(doc["data"][".dockerconfigjson"], validate=True).decode("utf-8")
        config = json.loads(raw)
        assert config["auths"], where
        for server, entry in config["auths"].items():
            assert "/" not in server and "." in server, f"{where}: {server!r} is not a registry host"
            login = f"{entry['username']}:{entry['password']}"
            assert (
                base64.b64decode(entry["auth"]).decode("utf-8") == login
            ), f"{where}: auth is not user:password"
            assert "REPLACE_WITH" in entry["password"], f"{where}: only a placeholder belongs in the docs"


def test_image_pull_secret_placeholder_is_what_kubectl_creates() -> None:
    """The docs say the placeholder is byte for byte what ``kubectl create secret docker-registry`` prints."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the placeholder is not compared with kubectl's output")
    for where, doc in _dockerconfigjson_secrets():
        ((server, entry),) = json.loads(base64.b64decode(doc["data"][".dockerconfigjson"]))["auths"].items()
        command = [
            kubectl, "create", "secret", "docker-registry", doc["metadata"]["name"],
            f"--namespace={doc['metadata']['namespace']}", f"--docker-server={server}",
            f"--docker-username={entry['username']}", f"--docker-password={entry['password']}",
            f"--docker-email={entry['email']}", "--dry-run=client", "--output=json",
        ]  # fmt: skip
        made = json.loads(
            subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
        )
        assert made["data"] == doc["data"] and made["type"] == doc["type"], where


def test_role_binding_binds_the_role_shown() -> None:
    roles = {
        (doc["metadata"]["namespace"], doc["metadata"]["name"]) for _, doc in shown() if doc["kind"] == "Role"
    }
    bindings = [(where, doc) for where, doc in shown() if doc["kind"] == "RoleBinding"]
    assert bindings
    for where, doc in bindings:
        assert doc["roleRef"]["kind"] == "Role", where
        assert (doc["metadata"]["namespace"], doc["roleRef"]["name"]) in roles, f"{where}: no such Role shown"
        for subject in doc["subjects"]:
            assert (
                subject["kind"] == "ServiceAccount" and subject["namespace"] != doc["metadata"]["namespace"]
            ), f"{where}: binds the Airflow release's service accounts, from their own namespace"


#: How a kubernetes client method name maps to what RBAC checks.
_CALL_RE = re.compile(
    r"\b(create|read|list|patch|delete|replace|connect_get|connect_post)_namespaced_(pod\w*|event)\b"
)
_VERBS = {"read": "get", "connect_get": "get", "connect_post": "create"}
#: The modules KubernetesPodOperator runs, from its own code to the hook and the trigger it uses.
_OPERATOR_MODULES = ("operators/pod.py", "utils/pod_manager.py", "triggers/pod.py", "hooks/kubernetes.py")


def _rbac_of(method: str, kind: str) -> tuple[str, str]:
    resource = "events" if kind == "event" else "pods" + kind[len("pod") :].replace("_", "/", 1)
    return resource, _VERBS.get(method, method)


def test_call_names_map_to_rbac() -> None:
    calls = {
        m.group(1, 2) for m in _CALL_RE.finditer("read_namespaced_pod_log( connect_get_namespaced_pod_exec")
    }
    assert {_rbac_of(*call) for call in calls} == {("pods/log", "get"), ("pods/exec", "get")}
    assert _rbac_of("list", "event") == ("events", "list")


@pytest.mark.airflow
def test_role_grants_every_pod_call_the_operator_makes() -> None:
    """Reads the installed provider's source: a new call on pods or events fails here, not in a cluster."""
    from pathlib import Path

    import airflow.providers.cncf.kubernetes as provider

    root = Path(provider.__file__).parent
    needed: dict[tuple[str, str], str] = {}
    for module in _OPERATOR_MODULES:
        for match in _CALL_RE.finditer((root / module).read_text(encoding="utf-8")):
            needed.setdefault(_rbac_of(*match.group(1, 2)), f"{module}: {match.group(0)}")
    assert ("pods", "create") in needed, "the provider's source is not where this test looks"

    (role,) = [doc for _, doc in shown() if doc["kind"] == "Role"]
    granted = {
        (resource, verb)
        for rule in role["rules"]
        if "" in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    missing = {grant: call for grant, call in needed.items() if grant not in granted}
    assert not missing, f"the Role in docs/deploy.md does not grant {missing}"
