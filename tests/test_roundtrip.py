"""Round trip: any pipeline create_dag writes, ``adopt`` reads back as the same answers.

Generated specs (1 to 6 pod tasks, fan-out and fan-in, parallel pods, secrets,
env vars, resources, a task's own namespace and pull secrets, a few pod options
per task (service account, security context, placement, env_from, volumes and
mounts, labels, annotations, lifecycle), with and without the upstream sensor,
task ids that are and are not Python names, a few Airflow 3 answers (schedules as
cron, preset, every N and None, data intervals, assets all/any with and without a time,
params of each type, run and task timeouts, deadline alerts, task outlets)) are written by
``create.create``, read back from the file by ``adopt`` (``pipeline_source``),
validated again by ``resolve``: the same validated answers, and the template's
render of them is the file itself (the base ``update`` merges against).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from createdag import adopt, create
from createdag.answers import resolve
from createdag.settings import Settings, settings_for

#: Task ids: Python names, names the template must spell otherwise (not identifiers, keywords,
#: names the file imports) and ids the template's join would take (``<leaf>_done``, ``done``).
TASK_IDS = ("extract", "load", "main", "run-pod", "clean.up", "3rd", "class", "k8s", "EmptyOperator",
            "load_done", "done", "report_v2")  # fmt: skip
IMAGES = ("ghcr.io/acme/etl:1.4.2", "busybox:1.36", "ghcr.io/acme/report@sha256:" + "a" * 64)
WORDS = ("python", "-m", "etl", "--day", "{{ ds }}", "it's", 'say "hi"', "é", "")
ENV_NAMES = ("MODE", "REGION", "DB_USER", "TOKEN", "X1")
ENV_VALUES = ("full", "{{ ds }}", "", "a b", "it's", 'q"uote', "ünï")
NAMESPACES = ("etl", "airflow", "data-jobs")
PULL_SECRETS = ((), ("regcred",), ("regcred", "other.registry"))
SCHEDULES = ("@daily", "0 6 * * 1-5", "every 15 minutes", "every 1 hour", "every 60 minutes", "every 2 days", None)
ASSET_URIS = ("s3://lake/raw/sales", "s3://lake/raw/stock", "postgres://dwh/public/orders")
PARAMS: dict[str, dict[str, Any]] = {
    "day": {"type": "string", "default": "", "description": "YYYY-MM-DD, empty: the logical date"},
    "limit": {"type": "integer", "default": 100},
    "ratio": {"type": "number", "default": 0.5, "description": "it's \"half\""},
    "dry_run": {"type": "boolean", "default": False},
    "mode": {"type": "string", "default": "full", "enum": ["full", "delta"]},
    "level": {"type": "integer", "default": 2, "enum": [1, 2, 3]},
}


@st.composite
def resources(draw: st.DrawFn) -> dict[str, str]:
    """Requests at most their limits, each possibly unset."""
    return {
        "cpu_request": draw(st.sampled_from(["", "250m", "1"])),
        "cpu_limit": draw(st.sampled_from(["", "2"])),
        "memory_request": draw(st.sampled_from(["", "512Mi"])),
        "memory_limit": draw(st.sampled_from(["", "1Gi", "2Gi"])),
    }


#: each pod option, and values of it (the defaults among them: a task may answer one back)
POD_OPTIONS: dict[str, tuple[Any, ...]] = {
    "service_account_name": ("", "etl-runner", "sa.batch"),
    "container_security_context": (
        {},
        {"runAsNonRoot": True},
        {"runAsNonRoot": True, "runAsUser": 1000, "readOnlyRootFilesystem": True},
        {"readOnlyRootFilesystem": False, "runAsUser": 0},
    ),
    "node_selector": ({}, {"pool": "batch"}, {"kubernetes.io/os": "linux", "disk": "ssd"}),
    "node_affinity": (
        {},
        {"topology.kubernetes.io/zone": ["eu-west-1a", "eu-west-1b"]},
        {"disk": ["ssd"], "pool": ["batch", "spot"]},
    ),
    "tolerations": (
        [],
        [{"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}],
        [{"key": "spot", "operator": "Exists"}, {"operator": "Exists", "effect": "PreferNoSchedule"}],
        [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
          "tolerationSeconds": 300}],
    ),
    "priority_class_name": ("", "batch-high"),
    "env_from": (
        [],
        [{"configMapRef": {"name": "app-settings"}}],
        [{"secretRef": {"name": "app-secrets"}, "prefix": "APP_"}, {"configMapRef": {"name": "more"}}],
    ),
    "labels": ({}, {"team": "sales"}, {"app.kubernetes.io/name": "etl", "tier": "batch"}),
    "annotations": ({}, {"vault.hashicorp.com/role": "etl"}, {"note": "it's, \"quoted\" = é"}),
    "image_pull_policy": ("", "Always", "IfNotPresent", "Never"),
    "startup_timeout_seconds": (120, 1, 600),
    "on_finish_action": ("delete_pod", "delete_succeeded_pod", "keep_pod"),
    "do_xcom_push": (False, True),
    "get_logs": (True, False),
    "pool": ("", "k8s_pods", "a pool, named freely"),
    "priority_weight": (1, 0, -5, 100),
    "pod_template_file": ("", "/opt/airflow/pod_templates/base.yaml"),
    "schedule_timeout_seconds": (0, 1, 900),
    "active_deadline_seconds": (0, 60, 86400),
    "termination_grace_period": (0, 1, 120),
    "on_kill_action": ("delete_pod", "keep_pod"),
    "deferrable": (False, True),
    "durable": (True, False),
}  # fmt: skip
#: volumes and their mounts are answered together: a mount names a volume of its task
STORAGE: tuple[tuple[list[dict[str, Any]], list[dict[str, Any]]], ...] = (
    ([], []),
    ([{"name": "data", "persistentVolumeClaim": {"claimName": "sales-data"}}],
     [{"name": "data", "mountPath": "/data"}]),
    ([{"name": "data", "persistentVolumeClaim": {"claimName": "sales-data", "readOnly": True}},
      {"name": "cfg", "configMap": {"name": "app-config"}},
      {"name": "creds", "secret": {"secretName": "app-creds"}},
      {"name": "scratch", "emptyDir": {}}],
     [{"name": "cfg", "mountPath": "/etc/app", "readOnly": True},
      {"name": "creds", "mountPath": "/etc/creds/token", "subPath": "token"},
      {"name": "scratch", "mountPath": "/tmp/work"}]),
    ([{"name": "cache", "emptyDir": {"sizeLimit": "1Gi", "medium": "Memory"}}], []),
)  # fmt: skip


@st.composite
def pod_options(draw: st.DrawFn) -> dict[str, Any]:
    """A few pod options (none to four of them), each with one of its values."""
    keys = draw(st.lists(st.sampled_from([*POD_OPTIONS, "storage"]), max_size=4, unique=True))
    options: dict[str, Any] = {}
    for key in keys:
        if key == "storage":
            options["volumes"], options["volume_mounts"] = draw(st.sampled_from(STORAGE))
        else:
            options[key] = draw(st.sampled_from(POD_OPTIONS[key]))
    return options


@st.composite
def task(draw: st.DrawFn, task_id: str, earlier: list[str], shards: int) -> dict[str, Any]:
    secret_envs = draw(st.lists(st.sampled_from(ENV_NAMES), max_size=2, unique=True))
    plain = [name for name in ENV_NAMES if name not in secret_envs]
    env_names = draw(st.lists(st.sampled_from(plain), max_size=3, unique=True)) if plain else []
    spec: dict[str, Any] = {
        "task_id": task_id,
        "image": draw(st.sampled_from(IMAGES)),
        "shards": shards,
        "cmds": draw(st.lists(st.sampled_from(WORDS), max_size=3)),
        "arguments": draw(st.lists(st.sampled_from(WORDS), max_size=3)),
        "secrets": [
            {"env": env, "secret": draw(st.sampled_from(["db-creds", "api.token"])), "key": "password"}
            for env in secret_envs
        ],
        "env_vars": {name: draw(st.sampled_from(ENV_VALUES)) for name in env_names},
        # a subset of the earlier tasks, in file order: the graph has no cycle
        "after": [name for name in earlier if draw(st.booleans())],
    }
    if draw(st.booleans()):
        spec.update(draw(resources()))
    if draw(st.integers(0, 3)) == 0:  # a task of its own namespace
        spec["namespace"] = draw(st.sampled_from(NAMESPACES))
    if draw(st.integers(0, 3)) == 0:
        spec["image_pull_secrets"] = list(draw(st.sampled_from(PULL_SECRETS)))
    spec.update(draw(pod_options()))
    if draw(st.integers(0, 3)) == 0:
        spec["outlets"] = draw(st.lists(st.sampled_from(ASSET_URIS), min_size=1, max_size=2, unique=True))
    if draw(st.integers(0, 3)) == 0:
        spec["execution_timeout_minutes"] = draw(st.sampled_from([1, 45, 120]))
    return spec


@st.composite
def run_options(draw: st.DrawFn, alerts: list[str]) -> dict[str, Any]:
    """The schedule, and a few of the Airflow 3 DAG answers (none of them at all, often)."""
    options: dict[str, Any] = {"schedule": draw(st.sampled_from(SCHEDULES))}
    if draw(st.booleans()):
        options["timezone"] = "Europe/Paris"
    keys = draw(st.lists(st.sampled_from(["intervals", "assets", "params", "timeout", "deadline"]),
                         max_size=3, unique=True))  # fmt: skip
    if "intervals" in keys and options["schedule"] is not None:
        options["data_intervals"] = True
    if "assets" in keys:
        options["assets"] = draw(st.lists(st.sampled_from(ASSET_URIS), min_size=1, max_size=3, unique=True))
        if len(options["assets"]) > 1:
            options["assets_mode"] = draw(st.sampled_from(["all", "any"]))
    if "params" in keys:
        names = draw(st.lists(st.sampled_from(list(PARAMS)), min_size=1, max_size=4, unique=True))
        options["params"] = {name: PARAMS[name] for name in names}
    if "timeout" in keys:
        options["dagrun_timeout_minutes"] = draw(st.sampled_from([30, 240]))
    if "deadline" in keys and alerts:
        options["deadline_minutes"] = draw(st.sampled_from([15, 90]))
        options["deadline_from"] = draw(st.sampled_from(["queued", "logical_date"]))
    return options


@st.composite
def pipelines(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(TASK_IDS), min_size=1, max_size=6, unique=True))
    # all pods mapped (the template then writes its EmptyOperator after them), none, or some
    mapped = draw(st.sampled_from(["all", "none", "some"]))
    tasks = []
    for number, task_id in enumerate(ids):
        shards = {"all": draw(st.integers(2, 4)), "none": 1}.get(mapped, draw(st.sampled_from([1, 1, 3])))
        tasks.append(draw(task(task_id, ids[:number], shards)))
    answers: dict[str, Any] = {
        "dag_id": "roundtrip_daily",
        "owner": "data-team",
        "start_date": "2026-01-01",
        "namespace": draw(st.sampled_from(NAMESPACES)),
        "image_pull_secrets": list(draw(st.sampled_from(PULL_SECRETS))),
        "alerts": draw(st.sampled_from([[], ["failure"], ["failure", "success"]])),
        "tasks": tasks,
    }
    answers.update(draw(run_options(answers["alerts"])))
    if draw(st.booleans()):
        answers["external_dag_id"] = "upstream_daily"
        answers["external_task_id"] = draw(st.sampled_from(["", "load"]))
        answers["external_delta_minutes"] = draw(st.sampled_from([0, 30, 60]))
    return answers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=pipelines())
def test_a_generated_pipeline_reads_back_as_its_answers(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="create_dag-roundtrip-") as scratch:
        made, adopted = Path(scratch) / "made", Path(scratch) / "adopted"
        made.mkdir()
        adopted.mkdir()
        created = create.create([spec], Settings(output_dir=made), source="spec")
        (written,) = created.paths
        text = written.read_text(encoding="utf-8")
        event("the EmptyOperator after the pods" if "EmptyOperator(\n" in text else "no EmptyOperator")
        event("the upstream sensor" if "external_dag_id" in spec else "no sensor")
        event("a sanitized variable" if "noqa: AIR001" in text else "variables as task ids")
        given = {key for task in spec["tasks"] for key in task if key in (*POD_OPTIONS, "volumes")}
        event(f"{len(given) if len(given) < 5 else '5+'} kinds of pod option given")
        schedule = "every N" if str(spec["schedule"]).startswith("every") else str(spec["schedule"])
        event(f"schedule {schedule}" + (" with assets" if spec.get("assets") else ""))
        for key in ("data_intervals", "params", "dagrun_timeout_minutes", "deadline_minutes"):
            event(f"{key} given" if key in spec else f"no {key}")
        expected, _ = resolve(spec, settings_for(made, force=True, existing_dag=True), source="spec")

        copy = adopted / written.name  # a dags folder without its record: adopt it there
        shutil.copyfile(written, copy)
        found, _ = adopt.read_answers(copy)
        plan = adopt.plan_adopt(adopted, copy)

    def graph(answers: dict[str, Any]) -> list[tuple[str, list[str]]]:
        return [(task["task_id"], task["after"]) for task in answers["tasks"]]

    assert graph(found) == graph(expected)
    assert plan.answers["tasks"] == expected["tasks"]
    assert {key: plan.answers.get(key) for key in expected} == expected
    assert plan.pristine == text  # the render of what was read is the file, byte for byte
