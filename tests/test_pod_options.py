"""Pods that run on a real cluster (issue 14): every pod option, as the operator builds the pod.

Each option is answered on a task of its own, in one DAG, beside a task that answers none:
the pod that KubernetesPodOperator builds for each task (``build_pod_request_obj``, no
cluster contacted) carries what was answered and nothing else, and passes the Kubernetes
1.32 schema strictly (kubernetes-validate). One more task combines them all. Bad values
are refused with the fix from ``--set``, an answers file and the team config, exit 1 and
no file; team defaults merge as documented.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import BASE_ANSWERS, REPO, resolve_answers

# --- what each option is answered with (as a file writes it, or the one-line form), and the pod's fields

SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "readOnlyRootFilesystem": True}
AFFINITY = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                           "values": ["eu-west-1a", "eu-west-1b"]}]}]}}}  # fmt: skip
TOLERATIONS = [
    {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"},
    {"key": "spot", "operator": "Exists", "effect": "NoExecute"},
    {"operator": "Exists", "effect": "PreferNoSchedule"},
]
#: the file form only: how long the pod stays on a node that gets the taint
EVICTED_LATER = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300}  # fmt: skip
ENV_FROM = [{"configMapRef": {"name": "app-settings"}}, {"secretRef": {"name": "app-secrets"}, "prefix": "APP_"}]
VOLUMES = [
    {"name": "data", "persistentVolumeClaim": {"claimName": "sales-data"}},
    {"name": "cfg", "configMap": {"name": "app-config"}},
    {"name": "creds", "secret": {"secretName": "app-creds"}},
    {"name": "scratch", "emptyDir": {}},
]
MOUNTS = [
    {"name": "data", "mountPath": "/data"},
    {"name": "cfg", "mountPath": "/etc/app", "readOnly": True},
    {"name": "creds", "mountPath": "/etc/creds/token", "subPath": "token", "readOnly": True},
    {"name": "scratch", "mountPath": "/tmp/work"},
]

#: task id -> (its answers, the pod's option fields they give: see ``option_fields``)
OPTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "service_account": ({"service_account_name": "etl-runner"}, {"serviceAccountName": "etl-runner"}),
    "security": ({"container_security_context": "run_as_non_root=true, run_as_user=1000, "
                                                "read_only_root_filesystem=true"},
                 {"securityContext": SECURITY}),
    "node_selector": ({"node_selector": {"pool": "batch", "kubernetes.io/os": "linux"}},
                      {"nodeSelector": {"pool": "batch", "kubernetes.io/os": "linux"}}),
    "affinity": ({"node_affinity": "topology.kubernetes.io/zone=eu-west-1a|eu-west-1b"}, {"affinity": AFFINITY}),
    "tolerations": ({"tolerations": "dedicated=batch:NoSchedule, spot:NoExecute, :PreferNoSchedule"},
                    {"tolerations": TOLERATIONS}),
    "priority": ({"priority_class_name": "batch-high"}, {"priorityClassName": "batch-high"}),
    "env_from": ({"env_from": [{"configMapRef": {"name": "app-settings"}},
                               {"secret_ref": {"name": "app-secrets"}, "prefix": "APP_"}]},
                 {"envFrom": ENV_FROM}),
    "volumes": ({"volumes": "data=pvc:sales-data, cfg=configmap:app-config, creds=secret:app-creds, "
                            "scratch=emptydir",
                 "volume_mounts": [{"name": "data", "mountPath": "/data"},
                                   {"name": "cfg", "mount_path": "/etc/app", "read_only": True},
                                   {"name": "creds", "mountPath": "/etc/creds/token", "subPath": "token",
                                    "readOnly": True},
                                   "scratch:/tmp/work/"]},
                {"volumes": VOLUMES, "volumeMounts": MOUNTS}),
    "labels": ({"labels": "team=data, app.kubernetes.io/name=sales"},
               {"labels": {"team": "data", "app.kubernetes.io/name": "sales"}}),
    "annotations": ({"annotations": {"acme.com/owner": "Data team, EU", "Vault.hashicorp.com/role": "etl"}},
                    {"annotations": {"acme.com/owner": "Data team, EU", "Vault.hashicorp.com/role": "etl"}}),
    "pull_policy": ({"image_pull_policy": "IfNotPresent"}, {"imagePullPolicy": "IfNotPresent"}),
    "xcom": ({"do_xcom_push": True}, {"containers": ["base", "airflow-xcom-sidecar"],
                                       "volumes": [{"name": "xcom", "emptyDir": {}}],
                                       "volumeMounts": [{"name": "xcom", "mountPath": "/airflow/xcom"}]}),
    # the operator's own settings: no field of the pod, checked on the task (``TASK_FIELDS``)
    "startup": ({"startup_timeout_seconds": 600}, {}),
    "finish": ({"on_finish_action": "delete_succeeded_pod"}, {}),
    "keep": ({"on_finish_action": "keep_pod"}, {}),
    "no_logs": ({"get_logs": False}, {}),
    "pooled": ({"pool": "k8s_pool", "priority_weight": 5}, {}),
    # today's provider (issue 26): two reach the pod spec, the rest are the operator's own
    "deadline": ({"active_deadline_seconds": 3600}, {"activeDeadlineSeconds": 3600}),
    "grace": ({"termination_grace_period": 90}, {"terminationGracePeriodSeconds": 90}),
    "scheduled": ({"schedule_timeout_seconds": 900}, {}),
    "kill_keeps": ({"on_kill_action": "keep_pod"}, {}),
    "deferred": ({"deferrable": True}, {}),
    "not_durable": ({"durable": False}, {}),
}  # fmt: skip
TASK_FIELDS: dict[str, dict[str, Any]] = {
    "startup": {"startup_timeout_seconds": 600, "schedule_timeout_seconds": 600},  # unset: the startup timeout
    "finish": {"on_finish_action": "delete_succeeded_pod"},
    "keep": {"on_finish_action": "keep_pod"},
    "no_logs": {"get_logs": False},
    "pooled": {"pool": "k8s_pool", "priority_weight": 5},
    "scheduled": {"schedule_timeout_seconds": 900},
    "kill_keeps": {"on_kill_action": "keep_pod"},
    "deferred": {"deferrable": True},
    "not_durable": {"durable": False},
}
DEFAULT_TASK_FIELDS = {"startup_timeout_seconds": 120, "on_finish_action": "delete_pod", "get_logs": True,
                       "pool": "default_pool", "priority_weight": 1, "do_xcom_push": False,
                       # the provider's defaults: the schedule timeout is the startup timeout; reattached on retry
                       "schedule_timeout_seconds": 120, "on_kill_action": "delete_pod", "deferrable": False,
                       "durable": True}  # fmt: skip

COMBINED: dict[str, Any] = {
    "service_account_name": "etl-runner", "container_security_context": SECURITY,
    "node_selector": {"pool": "batch"}, "node_affinity": {"topology.kubernetes.io/zone": ["eu-west-1a"]},
    "tolerations": [*TOLERATIONS, EVICTED_LATER], "priority_class_name": "batch-high", "env_from": ENV_FROM,
    "volumes": VOLUMES, "volume_mounts": MOUNTS, "labels": {"team": "data"}, "annotations": {"acme.com/x": "y"},
    "image_pull_policy": "Always", "startup_timeout_seconds": 300, "on_finish_action": "keep_pod",
    "do_xcom_push": True, "get_logs": False, "pool": "k8s_pool", "priority_weight": 3,
    "env_vars": {"MODE": "full"}, "secrets": [{"env": "DB_PASSWORD", "secret": "db", "key": "password"}],
}  # fmt: skip

#: a task of parallel pods (mapped): its options go to .partial(...)
SHARDED: dict[str, Any] = {"tolerations": "gpu:NoSchedule", "volumes": "tmp=emptydir", "volume_mounts": "tmp:/tmp",
                           "labels": "team=data", "on_finish_action": "keep_pod"}  # fmt: skip

TEMPLATE_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "from-template", "labels": {"from-template": "yes"}},
    "spec": {"serviceAccountName": "template-sa", "nodeSelector": {"disk": "ssd"},
             "containers": [{"name": "base", "image": "busybox:1.36"}]},
}  # fmt: skip

#: the operator's own labels on every pod, which say which task instance it is
OPERATOR_LABELS = {"dag_id", "task_id", "run_id", "try_number", "kubernetes_pod_operator", "airflow_version",
                   "map_index", "airflow_kpo_in_cluster"}  # fmt: skip


def pipeline(template: Path) -> dict[str, Any]:
    tasks = [{"task_id": "plain"}]
    tasks += [{"task_id": task_id, **answers} for task_id, (answers, _) in OPTIONS.items()]
    tasks.append({"task_id": "everything", **COMBINED})
    tasks.append({"task_id": "templated", "pod_template_file": str(template), "service_account_name": "etl-runner"})
    tasks.append({"task_id": "sharded", "shards": 2, **SHARDED})
    return {**BASE_ANSWERS, "dag_id": "pod_options", "tasks": tasks}


def option_fields(pod: dict[str, Any]) -> dict[str, Any]:
    """What the pod options set in a pod (as its API dict), without the operator's labels."""
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    fields = {key: spec[key] for key in ("serviceAccountName", "nodeSelector", "affinity", "tolerations",
                                         "priorityClassName", "activeDeadlineSeconds",
                                         "terminationGracePeriodSeconds") if key in spec}  # fmt: skip
    fields.update({key: container[key] for key in ("securityContext", "envFrom", "volumeMounts", "imagePullPolicy")
                   if key in container})  # fmt: skip
    if spec.get("volumes"):
        fields["volumes"] = spec["volumes"]
    labels = {k: v for k, v in (pod["metadata"].get("labels") or {}).items() if k not in OPERATOR_LABELS}
    if labels:
        fields["labels"] = labels
    if pod["metadata"].get("annotations"):
        fields["annotations"] = pod["metadata"]["annotations"]
    if len(spec["containers"]) > 1:
        fields["containers"] = [c["name"] for c in spec["containers"]]
    return fields


# --- the DAG, as Airflow loads it, and each task's pod -------------------------------------------


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    from helpers import load_dagbag, write_dag

    root = tmp_path_factory.mktemp("pods")
    template = root / "pod_template.yaml"
    template.write_text(yaml.safe_dump(TEMPLATE_POD), encoding="utf-8")
    dags = root / "dags"
    dags.mkdir()
    path = write_dag(dags, **pipeline(template))
    bag = load_dagbag(dags, path)
    yield bag, path
    while str(dags) in sys.path:
        sys.path.remove(str(dags))
    sys.modules.pop("teams_alerts", None)


def pod_of(bag: Any, task_id: str) -> dict[str, Any]:
    from kubernetes.client import ApiClient

    task = bag.dags["pod_options"].get_task(task_id)
    return ApiClient().sanitize_for_serialization(task.build_pod_request_obj(dry_run=True))


def valid(pod: dict[str, Any]) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(pod, "1.32", strict=True)  # raises with the field that is wrong


@pytest.mark.airflow
def test_the_dag_loads(loaded: tuple[Any, Path]) -> None:
    bag, _ = loaded
    assert bag.import_errors == {}


@pytest.mark.airflow
@pytest.mark.parametrize("task_id", list(OPTIONS))
def test_each_option_reaches_the_pod_and_nothing_else(loaded: tuple[Any, Path], task_id: str) -> None:
    bag, _ = loaded
    plain = option_fields(pod_of(bag, "plain"))
    pod = pod_of(bag, task_id)
    valid(pod)
    assert option_fields(pod) == {**plain, **OPTIONS[task_id][1]}
    task = bag.dags["pod_options"].get_task(task_id)
    expected = {**DEFAULT_TASK_FIELDS, **TASK_FIELDS.get(task_id, {}), "do_xcom_push": task_id == "xcom"}
    actual = {field: getattr(task, field) for field in expected}
    actual["on_finish_action"] = task.on_finish_action.value
    actual["on_kill_action"] = task.on_kill_action.value
    assert actual == expected


@pytest.mark.airflow
def test_a_task_without_options_gets_the_operators_defaults(loaded: tuple[Any, Path]) -> None:
    bag, _ = loaded
    pod = pod_of(bag, "plain")
    valid(pod)
    assert not any(option_fields(pod).values())  # the operator writes some of them empty


@pytest.mark.airflow
def test_every_option_at_once(loaded: tuple[Any, Path]) -> None:
    bag, _ = loaded
    pod = pod_of(bag, "everything")
    valid(pod)
    fields = option_fields(pod)
    assert fields["serviceAccountName"] == "etl-runner" and fields["priorityClassName"] == "batch-high"
    assert fields["securityContext"] == SECURITY
    assert fields["nodeSelector"] == {"pool": "batch"}
    assert fields["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a"]}]}]}  # fmt: skip
    assert fields["tolerations"] == [*TOLERATIONS, EVICTED_LATER]
    assert fields["envFrom"] == ENV_FROM
    assert fields["volumes"] == [{"name": "xcom", "emptyDir": {}}, *VOLUMES]  # the sidecar's first
    assert fields["volumeMounts"] == [{"name": "xcom", "mountPath": "/airflow/xcom"}, *MOUNTS]
    assert fields["labels"] == {"team": "data"} and fields["annotations"] == {"acme.com/x": "y"}
    assert fields["imagePullPolicy"] == "Always"
    assert fields["containers"] == ["base", "airflow-xcom-sidecar"]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in pod["spec"]["containers"][0]["env"]}
    assert env == {"MODE": "full", "DB_PASSWORD": {"secretKeyRef": {"name": "db", "key": "password"}}}
    task = bag.dags["pod_options"].get_task("everything")
    assert (task.startup_timeout_seconds, task.on_finish_action.value, task.get_logs, task.do_xcom_push) == (
        300, "keep_pod", False, True)  # fmt: skip
    assert (task.pool, task.priority_weight) == ("k8s_pool", 3)


@pytest.mark.airflow
def test_a_pod_template_file_is_the_base_and_the_answers_win(loaded: tuple[Any, Path]) -> None:
    bag, _ = loaded
    pod = pod_of(bag, "templated")
    valid(pod)
    assert pod["spec"]["serviceAccountName"] == "etl-runner"  # the answer, over the template's template-sa
    assert pod["spec"]["nodeSelector"] == {"disk": "ssd"}  # the template's, not answered
    assert pod["metadata"]["labels"]["from-template"] == "yes"


@pytest.mark.airflow
def test_parallel_pods_take_the_options_in_partial(loaded: tuple[Any, Path]) -> None:
    bag, _ = loaded
    kwargs = bag.dags["pod_options"].get_task("sharded").partial_kwargs
    assert [(t.key, t.operator, t.effect) for t in kwargs["tolerations"]] == [("gpu", "Exists", "NoSchedule")]
    assert [(m.name, m.mount_path) for m in kwargs["volume_mounts"]] == [("tmp", "/tmp")]
    assert kwargs["labels"] == {"team": "data"} and kwargs["on_finish_action"] == "keep_pod"


def test_plain_cookiecutter_takes_the_pod_options_as_json(tmp_path: Path) -> None:
    args = ["dag_id=z", 'tolerations=[{"key": "gpu", "operator": "Exists"}]', 'volumes=[{"name": "t", "emptyDir": {}}]',
            'volume_mounts=[{"name": "t", "mountPath": "/t"}]', 'labels={"team": "data"}', "do_xcom_push=yes",
            "startup_timeout_seconds=30"]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO / "dag_template"), "-o", str(tmp_path), *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "z" / "z.py").read_text(encoding="utf-8")
    compile(source, "z.py", "exec")
    for line in ('k8s.V1Toleration(key="gpu", operator="Exists")', 'k8s.V1Volume(name="t", empty_dir=',
                 'k8s.V1VolumeMount(name="t", mount_path="/t")', 'labels={"team": "data"}', "do_xcom_push=True",
                 "startup_timeout_seconds=30"):  # fmt: skip
        assert line in source, line


@pytest.mark.airflow
def test_the_file_imports_only_what_it_uses_and_passes_ruff(loaded: tuple[Any, Path], tmp_path: Path) -> None:
    from createdag.render import render_dag

    _, path = loaded
    for source in (path, write(tmp_path, render_dag(resolve_answers(tmp_path, image_pull_secrets=[],
                                                                    service_account_name="etl")))):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "E,W,F,AIR", "--preview",
             str(source)], capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout
    lone = (tmp_path / "dag.py").read_text(encoding="utf-8")
    assert "kubernetes.client" not in lone and 'service_account_name="etl"' in lone


def write(folder: Path, source: str) -> Path:
    path = folder / "dag.py"
    path.write_text(source, encoding="utf-8")
    return path


# --- the answer forms ----------------------------------------------------------------------------


def resolve(raw: dict[str, Any], tmp_path: Path, team: str | None = None) -> tuple[dict[str, Any], list[str]]:
    from createdag.answers import resolve as resolve_answers
    from createdag.config import load_team_config
    from createdag.settings import Settings

    if team is not None:
        (tmp_path / ".create_dag.toml").write_text(team, encoding="utf-8")
    settings = Settings(output_dir=tmp_path, team=load_team_config(tmp_path))
    return resolve_answers({**BASE_ANSWERS, **raw}, settings)


@pytest.mark.parametrize(
    ("key", "one_line", "shape"),
    [
        ("tolerations", "dedicated=batch:NoSchedule, spot:NoExecute, :PreferNoSchedule", TOLERATIONS),
        ("env_from", "configmap:app-settings, secret:app-secrets",
         [{"configMapRef": {"name": "app-settings"}}, {"secretRef": {"name": "app-secrets"}}]),
        ("volumes", "data=pvc:sales-data, cfg=configmap:app-config, creds=secret:app-creds, scratch=emptydir",
         VOLUMES),
        ("volume_mounts", "data:/data, cfg:/etc/app:ro", MOUNTS[:2]),
        ("container_security_context", "runAsNonRoot=yes, run_as_user=1000, read_only_root_filesystem=true",
         SECURITY),
        ("node_affinity", "zone=a|b, disk=ssd", {"zone": ["a", "b"], "disk": ["ssd"]}),
        ("node_selector", "pool=batch", {"pool": "batch"}),
        ("labels", "team=data", {"team": "data"}),
    ],
)  # fmt: skip
def test_the_one_line_form_and_the_yaml_shape_are_the_same_answer(key: str, one_line: str, shape: Any,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    from createdag.questions import BY_KEY

    extra = {"volumes": VOLUMES} if key == "volume_mounts" else {}
    typed, _ = resolve({**extra, key: one_line}, tmp_path)
    from_file, _ = resolve({**extra, key: shape}, tmp_path)
    assert typed["tasks"][0][key] == from_file["tasks"][0][key] == shape
    question = BY_KEY[key]
    shown = question.kind_of.show(question, shape)  # the prompt's default: typed back, the same answer
    again, _ = resolve({**extra, key: shown}, tmp_path)
    assert again["tasks"][0][key] == shape


def test_set_takes_the_one_line_form_per_task(tmp_path: Path) -> None:
    from createdag.pipeline import apply_sets

    raw = {**BASE_ANSWERS, "tasks": [{"task_id": "a"}, {"task_id": "b"}]}
    sets = {"b.tolerations": "gpu:NoSchedule", "service_account_name": "etl", "a.volumes": "tmp=emptydir",
            "a.volume_mounts": "tmp:/tmp"}  # fmt: skip
    answers, _ = resolve(apply_sets(raw, sets), tmp_path)
    a, b = answers["tasks"]
    assert a["service_account_name"] == b["service_account_name"] == "etl"
    assert b["tolerations"] == [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}] and a["tolerations"] == []
    assert a["volume_mounts"] == [{"name": "tmp", "mountPath": "/tmp"}] and b["volumes"] == []


# --- bad values, each with its fix --------------------------------------------------------------

#: (key, bad value as --set gives it, what the message says); extra answers for the ones that need them
BAD: list[tuple[str, Any, str]] = [
    ("service_account_name", "ETL_runner", "is not a valid ServiceAccount name"),
    ("priority_class_name", "High Priority", "is not a valid PriorityClass name"),
    ("node_selector", "pool=batch jobs", "must be at most 63 letters"),
    ("node_selector", "-pool=batch", "label key '-pool'"),
    ("node_selector", "Acme.COM/pool=x", "the prefix 'Acme.COM' must be a DNS subdomain"),
    ("node_selector", "a/b/c=x", "must be a DNS subdomain"),
    ("node_selector", f"{'k' * 64}=x", "must be 1-63 letters"),
    ("node_affinity", "zone=eu west", "must be at most 63 letters"),
    ("labels", "dag_id=x", "set by KubernetesPodOperator on every pod"),
    ("labels", f"team={'v' * 64}", "must be at most 63 letters"),
    ("labels", "team=a/b", "put free text in an annotation"),
    ("annotations", "bad key=x", "annotation key 'bad key'"),
    ("annotations", "/x=y", "has an empty prefix"),
    ("tolerations", "gpu=yes:NoShedule", "is not a valid toleration 1's taint effect: choose from NoSchedule"),
    ("tolerations", "gpu=yes:noschedule", "did you mean 'NoSchedule'?"),
    ("tolerations", '[{"key": "gpu", "operator": "Exists", "value": "yes"}]', "operator Exists matches any value"),
    ("tolerations", '[{"key": "gpu", "operator": "In"}]', "choose from Exists, Equal"),
    ("tolerations", "=x:NoSchedule", "has no key: only operator Exists"),
    ("tolerations", '[{"key": "a", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}]',
     "applies to effect NoExecute only"),
    ("tolerations", '[{"key": "gpu", "operatr": "Exists"}]', "unknown field 'operatr'"),
    ("env_from", "configmap:App_Settings", "is not a valid ConfigMap name"),
    ("env_from", "secret:db, secret:db", "is given twice"),
    ("env_from", "vault:db", "is not configmap:NAME or secret:NAME"),
    ("volumes", "Data=emptydir", "is not a valid volume name"),
    ("volumes", "a=emptydir, a=pvc:x", "volume 'a' is defined twice"),
    ("volumes", "a=pvc:Claim_1", "is not a valid PersistentVolumeClaim name"),
    ("volumes", "a=secret:", "is not NAME=pvc:CLAIM"),
    ("volumes", "a=hostpath:/x", "is not NAME=pvc:CLAIM"),
    ("volume_mounts", "nope:/data", "mount 'nope' names no volume of this task"),
    ("container_security_context", "run_as_user=-1", "is not a user id"),
    ("container_security_context", "run_as_non_root=true, run_as_user=0", "runAsNonRoot with runAsUser 0"),
    ("container_security_context", "privileged=true", "unknown field 'privileged'"),
    ("image_pull_policy", "always", "did you mean 'Always'?"),
    ("on_finish_action", "delete", "is not a valid on_finish_action: choose from delete_pod, delete_succeeded_pod"),
    ("startup_timeout_seconds", "0", "at least 1"),
    ("pool", "p" * 257, "Airflow allows at most 256"),
    ("priority_weight", "lots", "is not a whole number"),
    ("pod_template_file", "/pods/pod.txt", "is not a .yaml, .yml or .json file"),
    ("pod_template_file", "pod_templates/base.yaml", "is relative: the operator reads it from the worker's"),
    ("get_logs", "maybe", "is not yes or no"),
]
#: checks that read another answer of the task: (answers, the key refused, message)
BAD_TOGETHER: list[tuple[dict[str, Any], str, str]] = [
    ({"volumes": "a=emptydir", "volume_mounts": "a:data"}, "volume_mounts", "is not absolute: start it with '/'"),
    ({"volumes": "a=emptydir, b=emptydir", "volume_mounts": "a:/data, b:/data/"}, "volume_mounts",
     "/data is mounted twice"),
    ({"volumes": "a=emptydir", "volume_mounts": "a:/x/../etc"}, "volume_mounts", "contains '..'"),
    ({"volumes": "xcom=emptydir", "do_xcom_push": "true"}, "do_xcom_push", "adds a volume named 'xcom'"),
    ({"volumes": "a=emptydir", "volume_mounts": "a:/airflow/xcom", "do_xcom_push": "true"}, "do_xcom_push",
     "mounts its volume at /airflow/xcom"),
    ({"secrets": "DB=db:pw", "env_vars": "DB=x"}, "env_vars", "is also a secret env var"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "message"), BAD, ids=[f"{k}:{v}"[:40] for k, v, _ in BAD])
def test_a_bad_value_is_refused_with_the_fix(key: str, value: Any, message: str, tmp_path: Path) -> None:
    from createdag.errors import InvalidAnswers

    with pytest.raises(InvalidAnswers) as caught:
        resolve({key: value}, tmp_path)
    reasons = [f"{p.key}: {p.reason}" for p in caught.value.problems]
    assert len(reasons) == 1 and reasons[0].startswith(key) and message in reasons[0], reasons


@pytest.mark.parametrize(("answers", "key", "message"), BAD_TOGETHER)
def test_answers_that_clash_are_refused_with_the_fix(answers: dict[str, Any], key: str, message: str,
                                                     tmp_path: Path) -> None:  # fmt: skip
    from createdag.errors import InvalidAnswers

    with pytest.raises(InvalidAnswers) as caught:
        resolve(answers, tmp_path)
    reasons = [f"{p.key}: {p.reason}" for p in caught.value.problems]
    assert len(reasons) == 1 and reasons[0].startswith(key) and message in reasons[0], reasons


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--no-input", *args], cwd=tmp_path, capture_output=True,
        text=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def one_per_key() -> dict[str, Any]:
    """One bad value for each checked key, all in one run (every problem is reported)."""
    chosen: dict[str, Any] = {}
    for key, value, _ in BAD:
        chosen.setdefault(key, value)
    return chosen


def messages_for(chosen: dict[str, Any]) -> list[str]:
    return [next(message for k, v, message in BAD if k == key and v == value) for key, value in chosen.items()]


def test_bad_values_through_set_exit_1_and_write_nothing(tmp_path: Path) -> None:
    chosen = one_per_key()
    base = [f"--set={key}={value}" for key, value in BASE_ANSWERS.items()]
    result = cli(tmp_path, *base, *(f"--set={key}={value}" for key, value in chosen.items()), "-o", "dags")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for key, message in zip(chosen, messages_for(chosen), strict=True):
        assert key in result.stderr and message in result.stderr, (key, message, result.stderr)
    assert not (tmp_path / "dags").exists()


def test_bad_values_in_an_answers_file_exit_1_and_write_nothing(tmp_path: Path) -> None:
    tasks = [{"task_id": f"t{number}", key: value} for number, (key, value, _) in enumerate(BAD)]
    tasks += [{"task_id": f"c{number}", **answers} for number, (answers, _, _) in enumerate(BAD_TOGETHER)]
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump({**BASE_ANSWERS, "tasks": tasks}), encoding="utf-8")
    result = cli(tmp_path, "--answers", "answers.yaml", "-o", "dags")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for number, (key, _, message) in enumerate(BAD):
        assert f"tasks[{number}].{key}" in result.stderr and message in result.stderr, (key, message)
    for number, (_, key, message) in enumerate(BAD_TOGETHER, len(BAD)):
        assert f"tasks[{number}].{key}" in result.stderr and message in result.stderr, (key, message)
    assert not (tmp_path / "dags").exists()


def test_bad_values_in_the_team_config_exit_1_and_write_nothing(tmp_path: Path) -> None:
    chosen = {key: value for key, value in one_per_key().items() if key not in ("tolerations", "get_logs",
                                                                                  "priority_weight")}
    expected = dict(zip(chosen, messages_for(chosen), strict=True))
    lines = [f"{key} = {json.dumps(value)}" for key, value in chosen.items()]  # TOML strings, as JSON writes them
    lines[lines.index('startup_timeout_seconds = "0"')] = "startup_timeout_seconds = 0"
    lines.append('tolerations = [{key = "gpu", operator = "Exists", value = "yes"}]')  # a table, as TOML writes it
    expected["tolerations"] = "operator Exists matches any value"
    (tmp_path / ".create_dag.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = [f"--set={key}={value}" for key, value in BASE_ANSWERS.items()]
    result = cli(tmp_path, *base, "-o", "dags")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "default in" in result.stderr and ".create_dag.toml" in result.stderr
    for key, message in expected.items():
        assert message in result.stderr, (key, message, result.stderr)
    assert not (tmp_path / "dags").exists()


def test_a_team_config_setting_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    from createdag.config import ConfigError, load_team_config

    (tmp_path / ".create_dag.toml").write_text("labels = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="labels must be a dict or str, not 3"):
        load_team_config(tmp_path)


# --- team < DAG level (beside tasks:) < task --------------------------------------------------------

TEAM = """\
service_account_name = "team-sa"
on_finish_action = "delete_succeeded_pod"
labels = {team = "data", "cost-center" = "42"}
annotations = {"acme.com/owner" = "data"}
container_security_context = {run_as_non_root = true, run_as_user = 1000}
tolerations = ["dedicated=batch:NoSchedule"]
"""


def test_team_then_dag_level_then_task(tmp_path: Path) -> None:
    raw = {"service_account_name": "dag-sa", "labels": {"app": "sales"},
           "tasks": [{"task_id": "a"}, {"task_id": "b", "service_account_name": "task-sa", "labels": {"team": "ml"}},
                     {"task_id": "c", "on_finish_action": "keep_pod", "container_security_context": {}}]}  # fmt: skip
    answers, _ = resolve(raw, tmp_path, TEAM)
    a, b, c = answers["tasks"]
    assert [t["service_account_name"] for t in (a, b, c)] == ["dag-sa", "task-sa", "dag-sa"]
    assert [t["on_finish_action"] for t in (a, b, c)] == ["delete_succeeded_pod", "delete_succeeded_pod", "keep_pod"]
    # labels and annotations: the team's merged in, a task's own value winning for its key
    assert a["labels"] == {"team": "data", "cost-center": "42", "app": "sales"}
    assert b["labels"] == {"team": "ml", "cost-center": "42", "app": "sales"}  # DAG-level ones added too
    assert c["labels"] == a["labels"] and c["annotations"] == {"acme.com/owner": "data"}
    assert a["container_security_context"] == {"runAsNonRoot": True, "runAsUser": 1000}
    assert c["container_security_context"] == {}
    assert a["tolerations"] == [{"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}]


def test_the_prompt_shows_the_team_defaults(tmp_path: Path) -> None:
    from createdag.config import load_team_config
    from createdag.questions import BY_KEY
    from createdag.settings import Settings

    bare = Settings(output_dir=tmp_path)
    (tmp_path / ".create_dag.toml").write_text(TEAM, encoding="utf-8")
    team = Settings(output_dir=tmp_path, team=load_team_config(tmp_path))
    shown = {key: BY_KEY[key].kind_of.show(BY_KEY[key], BY_KEY[key].default_for({}, team))
             for key in ("service_account_name", "on_finish_action", "labels", "container_security_context",
                         "tolerations")}  # fmt: skip
    assert shown == {"service_account_name": "team-sa", "on_finish_action": "delete_succeeded_pod",
                     "labels": "team=data, cost-center=42", "container_security_context":
                     "runAsNonRoot=true, runAsUser=1000", "tolerations": "dedicated=batch:NoSchedule"}  # fmt: skip
    assert BY_KEY["on_finish_action"].default_for({}, bare) == "delete_pod"
    assert BY_KEY["startup_timeout_seconds"].default_for({}, bare) == 120


def test_notices_say_what_kubernetes_does_silently(tmp_path: Path) -> None:
    _, notices = resolve({"env_from": "configmap:a, secret:b", "env_vars": "MODE=x", "volumes": "v=emptydir"},
                         tmp_path)  # fmt: skip
    said = "\n".join(notices)
    assert "the env var set here wins" in said and "MODE" in said
    assert "takes the value of the last one listed" in said
    assert "v defined but not mounted" in said


def test_an_unpinned_image_is_warned_on_every_task_and_refused_by_the_team_rule(tmp_path: Path) -> None:
    from createdag.errors import InvalidAnswers

    raw = {"tasks": [{"task_id": "a"}, {"task_id": "b", "image": "ghcr.io/acme/x:latest"},
                     {"task_id": "c", "image": "ghcr.io/acme/y"}]}  # fmt: skip
    _, notices = resolve(raw, tmp_path)
    assert sum("warning" in n and "(task b)" in n for n in notices) == 1
    assert sum("warning" in n and "(task c)" in n for n in notices) == 1
    strict = tmp_path / "strict"
    strict.mkdir()
    with pytest.raises(InvalidAnswers) as caught:
        resolve(raw, strict, "require_pinned_image = true\n")
    assert [p.key for p in caught.value.problems] == ["tasks[1].image", "tasks[2].image"]


def test_a_bad_team_label_says_it_is_the_teams_even_when_a_task_gives_labels(tmp_path: Path) -> None:
    from createdag.errors import InvalidAnswers

    with pytest.raises(InvalidAnswers) as caught:
        resolve({"labels": {"app": "sales"}}, tmp_path, 'labels = {team = "Data Team"}\n')
    (problem,) = caught.value.problems
    assert "the value of label team" in problem.reason and str(tmp_path / ".create_dag.toml") in problem.reason


# --- the releases today's pod options need (issue 26) ------------------------------------------

def team_settings(root: Path) -> Any:
    """The settings of a run in ``root``, with the team config there (as the CLI finds it)."""
    from createdag.settings import settings_for

    return settings_for(root / "dags")


NEEDING = [("schedule_timeout_seconds", 900, "10.4", "10.5"), ("termination_grace_period", 30, "10.8", "10.9"),
           ("deferrable", True, "10.9", "10.10"), ("on_kill_action", "keep_pod", "10.14", "10.15"),
           ("durable", False, "10.21", "10.22")]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "older", "enough"), NEEDING)
def test_an_option_the_clusters_provider_lacks_is_refused_with_the_release_it_needs(
    tmp_path: Path, key: str, value: Any, older: str, enough: str
) -> None:
    from createdag.answers import resolve
    from createdag.errors import InvalidAnswers

    (tmp_path / ".create_dag.toml").write_text(f'cluster_cncf_kubernetes_version = "{older}.3"\n')
    settings = team_settings(tmp_path)
    with pytest.raises(InvalidAnswers, match=rf"{key}=.* needs cncf-kubernetes {enough} or later .*the cluster runs"):
        resolve({**BASE_ANSWERS, key: value}, settings)
    (tmp_path / ".create_dag.toml").write_text(f'cluster_cncf_kubernetes_version = "{enough}"\n')
    assert resolve({**BASE_ANSWERS, key: value}, team_settings(tmp_path))[0]["tasks"][0][key] == value
    default = {"deferrable": False, "durable": True, "on_kill_action": "delete_pod"}.get(key, 0)
    (tmp_path / ".create_dag.toml").write_text(f'cluster_cncf_kubernetes_version = "{older}"\n')
    resolve({**BASE_ANSWERS, key: default}, team_settings(tmp_path))  # the default needs nothing


def test_durable_false_needs_airflow_3_3_where_the_cluster_runs_older(tmp_path: Path) -> None:
    from createdag.answers import resolve
    from createdag.errors import InvalidAnswers

    (tmp_path / ".create_dag.toml").write_text('cluster_airflow_version = "3.2.2"\n')
    with pytest.raises(InvalidAnswers, match=r"durable=False needs Airflow 3\.3 or later .*reattach_on_restart"):
        resolve({**BASE_ANSWERS, "durable": False}, team_settings(tmp_path))


def test_the_installed_releases_are_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from createdag import rules
    from createdag.answers import resolve
    from createdag.errors import InvalidAnswers

    monkeypatch.setattr(rules, "installed_version", lambda package: (10, 4) if "kubernetes" in package else (3, 0))
    with pytest.raises(InvalidAnswers, match=r"cncf-kubernetes installed here is 10\.4"):
        resolve({**BASE_ANSWERS, "deferrable": True}, team_settings(tmp_path))


@pytest.mark.parametrize("bad", ['"three"', '"3"', '"3.x"'])
def test_a_cluster_release_that_is_not_one_is_refused(tmp_path: Path, bad: str) -> None:
    from createdag.config import load_team_config
    from createdag.errors import ConfigError

    (tmp_path / ".create_dag.toml").write_text(f"cluster_airflow_version = {bad}\n")
    with pytest.raises(ConfigError, match="is not a release like"):
        load_team_config(tmp_path)


@pytest.mark.airflow
def test_the_installed_provider_takes_each_option_by_its_own_name() -> None:
    """The answer keys are the provider's argument names: the installed operator accepts each."""
    import inspect

    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    from createdag.rules import POD_OPTION_NEEDS

    parameters = inspect.signature(KubernetesPodOperator.__init__).parameters
    for key in (*POD_OPTION_NEEDS, "active_deadline_seconds"):
        assert key in parameters, key
