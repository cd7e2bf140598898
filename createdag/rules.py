"""The rules that tie answers together, or to the repo: everything a check needs beyond one value.

The question table (``questions``) stays data: each question names its
check, and the checks that read other answers, the settings or the dags
folder live here, as do the notices about a whole set of answers
(``cross_answer_rules``). Every source of answers goes through them alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from createdag import images, run_dates
from createdag import validators as v
from createdag.errors import BadValue

# ``schedule`` is imported by the functions that read a schedule: the first question comes before
# any of them runs (docs/performance.md, "Time to the first question").

if TYPE_CHECKING:  # the settings are built above the checks: imported for types only
    from createdag.settings import Settings

Answers = Mapping[str, Any]
#: A question's check: (typed value, answers so far, settings) -> the value, normalized.
Check = Callable[[Any, Answers, "Settings"], Any]


def check_dag_id(value: str, answers: Answers, settings: Settings) -> str:
    value = v.dag_id(value)
    target = settings.output_dir / f"{value}.py"
    if not settings.force and target.exists():
        raise BadValue(f"{target} already exists: choose another dag_id, or pass --force to replace it")
    module = settings.team.alerts_module.split(".")[0]
    if value.lower() == module.lower():
        raise BadValue(
            f"{value!r} is the name of this repo's alert module ({settings.team.alerts_module}): choose another id"
        )
    if settings.existing_dag:
        return value
    from createdag import upstream

    defined_in = upstream.dag_ids_in_cached(settings.repo_root).get(value)
    if defined_in is not None and defined_in.resolve() != target.resolve():
        raise BadValue(f"{value!r} is already the dag_id of {defined_in}: dag_ids must be unique in the repo")
    return value


def apply_team_rules(key: str, value: Any, settings: Settings) -> Any:
    """The team's rules from its config, for every source of answers alike."""
    team = settings.team
    where = f" (rule from {team.path})"
    if key == "dag_id" and not team.dag_id_matches(value):
        raise BadValue(
            f"{value!r} does not follow this repo's naming rule {team.dag_id_pattern!r}: "
            f"e.g. {team.dag_id_example!r}{where}"
        )
    if key == "owner" and team.owners and value not in team.owners:
        raise BadValue(f"{value!r} is not one of this repo's owners: {', '.join(team.owners)}{where}")
    if key == "tags" and team.allowed_tags:
        unknown = [tag for tag in value if tag not in team.allowed_tags]
        if unknown:
            raise BadValue(f"tag {unknown[0]!r} is not allowed here: use {', '.join(team.allowed_tags)}{where}")
    if key == "image" and not team.admits_image(value):
        raise BadValue(f"{value!r} is not from this repo's registry: images start with {team.image_registry!r}{where}")
    return value


def check_max_active_runs(value: int, answers: Answers, settings: Settings) -> int:
    value = v.int_at_least(value, 1)
    if answers.get("schedule") == "@continuous" and value != 1:
        raise BadValue("a @continuous schedule needs max_active_runs = 1 (Airflow refuses anything else)")
    return value


def check_secrets(values: list[dict[str, str]], answers: Answers, settings: Settings) -> list[dict[str, str]]:
    seen: set[str] = set()
    result = []
    for item in values:
        env = v.env_name(item["env"])
        if env in seen:
            raise BadValue(f"environment variable {env!r} is set twice")
        seen.add(env)
        result.append({"env": env, "secret": v.k8s_name(item["secret"]), "key": v.secret_key(item["key"])})
    return result


#: what parallel pods put in each pod's environment; a plain env var of the same name would be lost
SHARD_ENV = ("SHARD", "SHARDS")


def check_env_vars(values: dict[str, str], answers: Answers, settings: Settings) -> dict[str, str]:
    """Plain env vars: valid names, none that a secret or parallel pods also set (Kubernetes
    would keep one of the two silently)."""
    secret_envs = {item["env"] for item in answers.get("secrets") or ()}
    result = {}
    for name, value in values.items():
        name = v.env_name(name.strip())
        if name in secret_envs:
            raise BadValue(f"{name} is also a secret env var: keep one of the two")
        if name in SHARD_ENV and answers.get("shards", 1) > 1:
            raise BadValue(f"{name} is set by parallel pods (SHARD=0..N-1, SHARDS=N): choose another name")
        result[name] = v.airflow_template(value)  # env_vars is a templated field: {{ ds }} works
    problem = unknown_param(result.values(), answers) or run_date_refusal(result.values(), settings)
    if problem:
        raise BadValue(problem)
    return result


def check_quantity(resource: str, request_key: str | None = None) -> Check:
    def run(value: str, answers: Answers, settings: Settings) -> str:
        value = v.quantity(value, resource)
        if not value and resource == "memory" and settings.team.require_memory_resources:
            what = "limit" if request_key else "request"
            raise BadValue(
                f"the team config requires a memory {what} on every pod task (require_memory_resources): without "
                "a limit a leaking pod is OOMKilled with its node's other pods, without a request the node is "
                f"overcommitted; e.g. {'1Gi' if request_key else '512Mi'}"
            )
        request = answers.get(request_key) if request_key else None
        if value and request and v.quantity_value(request) > v.quantity_value(value):
            raise BadValue(
                f"the {resource} request {request!r} is above this limit {value!r}: "
                "Kubernetes rejects such a pod; raise the limit or lower the request"
            )
        return value

    return run


#: Pod options that need more than create_dag's floor (Airflow 3.0, cncf-kubernetes 10.4) when
#: set to anything but their default: (Airflow, cncf-kubernetes) releases, and why.
POD_OPTION_NEEDS: dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None, str]] = {
    "schedule_timeout_seconds": (None, (10, 5), "the separate schedule timeout came in 10.5.0"),
    "termination_grace_period": (None, (10, 9), "10.9.0 first applies it to the pod (#56402)"),
    "deferrable": (None, (10, 10), "deferrable pods before 10.10.0 lose logs and deleted pods (#57531, #56976)"),
    "on_kill_action": (None, (10, 15), "on_kill_action came in 10.15.0"),
    "durable": ((3, 3), (10, 22), "durable needs Airflow 3.3's task state store; below it durable=False does "
                "nothing: there reattach_on_restart=False is the lever"),
}
PROVIDER = "apache-airflow-providers-cncf-kubernetes"


def installed_version(package: str) -> tuple[int, int] | None:
    """An installed distribution's (major, minor) from its metadata (never imported); None if absent."""
    from importlib import metadata

    try:
        parts = re.findall(r"\d+", metadata.version(package))
    except metadata.PackageNotFoundError:
        return None
    return (int(parts[0]), int(parts[1])) if len(parts) >= 2 else None


def pod_option_check(key: str, check: Callable[[Any], Any], default: Any) -> Check:
    """``check`` of one value, then, when the value is not the option's ``default``, the Airflow and
    cncf-kubernetes releases it needs (``POD_OPTION_NEEDS``) against what is installed here and
    what the team config says the cluster runs (``cluster_airflow_version``,
    ``cluster_cncf_kubernetes_version``)."""

    def run(value: Any, answers: Answers, settings: Settings) -> Any:
        value = check(value)
        if key not in POD_OPTION_NEEDS or value == default:
            return value
        airflow_needed, provider_needed, why = POD_OPTION_NEEDS[key]
        team = settings.team
        for package, needed, installed, cluster in (
            ("Airflow", airflow_needed, installed_airflow(), team.cluster_airflow_version),
            ("cncf-kubernetes", provider_needed, installed_version(PROVIDER), team.cluster_cncf_kubernetes_version),
        ):
            if needed is None:
                continue
            for where, have in (("installed here", installed), ("the cluster runs (team config)", cluster)):
                if have is not None and have < needed:
                    raise BadValue(
                        f"{key}={value!r} needs {package} {needed[0]}.{needed[1]} or later ({why}); "
                        f"{package} {where} is {have[0]}.{have[1]}: upgrade it, or leave the default"
                    )
        return value

    return run


def check_execution_timeout(value: int, answers: Answers, settings: Settings) -> int:
    value = v.int_at_least(value, 0)
    if not value and settings.team.require_pod_timeouts:
        raise BadValue(
            "the team config requires a task timeout on every pod task (require_pod_timeouts): without one a pod "
            "that never ends holds its slot for ever; e.g. 60"
        )
    return value


def check_on_finish_action(value: str, answers: Answers, settings: Settings) -> str:
    value = v.choice(value, v.ON_FINISH_ACTIONS, "on_finish_action")
    if value == "delete_pod" and settings.team.remote_logging is False:
        raise BadValue(
            "delete_pod deletes the pod with its logs, and the team config says this deployment keeps no logs "
            "remotely (remote_logging = false): choose delete_succeeded_pod (failed pods kept to read) or keep_pod"
        )
    return value


def dag_ids_nearby(answers: Answers, settings: Settings) -> Iterable[str]:
    """What Tab completes an upstream dag_id from: the DAGs of the dags folder but this one."""
    from createdag import upstream

    return sorted(set(upstream.dag_ids_in_cached(settings.output_dir)) - {answers.get("dag_id")})


def upstream_of(answers: Answers, settings: Settings) -> Any:
    """The upstream DAG as its source (or this batch) defines it; None when not found."""
    from createdag import upstream

    dag_id = answers.get("external_dag_id")
    if not dag_id:
        return None
    for planned in settings.planned:
        if planned.dag_id == dag_id:
            return planned
    return upstream.find_upstream_cached(settings.output_dir, dag_id)


def alignment_start(answers: Answers, settings: Settings) -> dt.datetime:
    start = dt.date.fromisoformat(answers.get("start_date") or settings.today.isoformat())
    return dt.datetime.combine(max(start, settings.today), dt.time(), tzinfo=dt.timezone.utc)


def check_external_dag_id(value: str, answers: Answers, settings: Settings) -> str:
    value = value.strip()
    if not value:
        return ""
    value = v.airflow_key(value, "upstream dag_id")
    if value == answers.get("dag_id"):
        raise BadValue(f"{value!r} is this DAG's own id: a DAG cannot wait for itself; use depends_on_past instead")
    return value


def check_external_task_id(value: str, answers: Answers, settings: Settings) -> str:
    value = value.strip()
    if not value:
        return ""
    value = v.task_id(value)
    found = upstream_of(answers, settings)
    if found is not None and found.task_ids_complete and value not in found.task_ids:
        tasks = ", ".join(sorted(found.task_ids)) or "none"
        raise BadValue(f"{found.dag_id} ({found.path}) has no task {value!r}: its tasks are {tasks}")
    if found is not None and value in found.mapped_task_ids:
        # ExternalTaskSensor counts task instances: N parallel pods never add up to the 1 it expects.
        join = f"{value[:245]}_done"
        instead = f"wait for {join}, which ends once every pod has, or " if join in found.task_ids else ""
        raise BadValue(
            f"{found.dag_id}.{value} runs as parallel pods (mapped), and ExternalTaskSensor never "
            f"succeeds on a mapped task: {instead}leave external_task_id empty to wait for the whole DAG run"
        )
    return value


def default_delta(answers: Answers, settings: Settings) -> int:
    from createdag import schedule as schedules
    from createdag import upstream

    found = upstream_of(answers, settings)
    ours = answers.get("schedule")
    if found is None or not (schedules.is_cron(ours) and schedules.is_cron(found.schedule)):
        return 0
    suggested = upstream.suggest_delta(
        ours, answers.get("timezone", "UTC"), found.schedule, found.timezone, alignment_start(answers, settings)
    )
    return 0 if suggested is None else suggested


def check_delta(value: int, answers: Answers, settings: Settings) -> int:
    from createdag import schedule as schedules
    from createdag import upstream

    found = upstream_of(answers, settings)
    ours = answers.get("schedule")
    if found is None or not (schedules.is_cron(ours) and schedules.is_cron(found.schedule)):
        return value  # nothing to check against; ``answers.finish`` says so
    after = alignment_start(answers, settings)
    our_tz = answers.get("timezone", "UTC")
    if upstream.lines_up(ours, our_tz, found.schedule, found.timezone, value, after):
        return value
    suggested = upstream.suggest_delta(ours, our_tz, found.schedule, found.timezone, after)
    if suggested is not None:
        raise BadValue(
            f"with {value} the sensor would look for {found.dag_id} runs that never exist "
            f"({found.dag_id} runs {schedules.describe(found.schedule)}, {found.timezone}): "
            f"use {suggested} (its run {upstream.minutes_in_words(suggested)})"
        )
    return value  # no fixed offset works; ``answers.finish`` warns


def cross_answer_notices(answers: dict[str, Any], settings: Settings | None) -> list[str]:
    """Apply the rules that tie a whole set of answers together (in place); return the notices.

    Notices are things the user should know but need not fix, e.g. that
    wait_for_downstream switches depends_on_past on (Airflow does so anyway;
    writing it keeps the file honest).
    """
    notices = []
    if answers.get("wait_for_downstream") and not answers.get("depends_on_past"):
        answers["depends_on_past"] = True
        notices.append("depends_on_past is on too: wait_for_downstream implies it in Airflow")
    if answers.get("external_dag_id") and settings is not None:
        notices.extend(alignment_notices(answers, settings))
    if answers.get("assets") and settings is not None:
        notices.extend(asset_notices(answers, settings))
    for task in answers.get("tasks") or ():  # params changed after the tasks were answered (the review)
        texts = [*(task.get("cmds") or ()), *(task.get("arguments") or ()), *(task.get("env_vars") or {}).values()]
        problem = unknown_param(texts, answers)
        if problem:
            notices.append(f"warning: task {task.get('task_id')}: {problem}; Airflow would render it empty")
    tasks = answers.get("tasks") or ()
    for task in tasks:
        unpinned = images.unpinned(task.get("image") or "")
        if unpinned:  # refused instead when the team config sets require_pinned_image
            notices.append(f"warning: {unpinned}" + (f" (task {task['task_id']})" if len(tasks) > 1 else ""))
        notices.extend(pod_option_notices(task, f" (task {task['task_id']})" if len(tasks) > 1 else ""))
        undated = run_dates.task_notice(task, answers)
        if undated:
            notices.append(undated + (f" (task {task['task_id']})" if len(tasks) > 1 else ""))
    if settings is not None and not settings.existing_dag:
        from createdag import upstream

        for problem in upstream.index_cached(settings.repo_root).unreadable:
            notices.append(f"{problem}; its dag_ids were not checked for uniqueness")
    return notices


def alignment_notices(answers: Mapping[str, Any], settings: Settings) -> list[str]:
    """Warnings for a sensor whose upstream run may never exist; errors were raised earlier."""
    from createdag import schedule as schedules
    from createdag import upstream

    found = upstream_of(answers, settings)
    name = answers["external_dag_id"]
    if found is None:
        delta = answers["external_delta_minutes"]
        when = "the same as this run's" if delta == 0 else f"{upstream.minutes_in_words(delta)} than this run's"
        return [
            f"{name} is not defined in {settings.output_dir}, so its schedule was not checked: the sensor "
            f"waits for the {name} run whose logical date is {when}"
        ]
    ours, theirs = answers["schedule"], found.schedule
    if not (schedules.is_cron(ours) and schedules.is_cron(theirs)):
        return [
            f"warning: this DAG runs {ours or 'manually'} and {name} runs {theirs or 'manually'}: a sensor only "
            "matches a run with exactly the expected logical date, so it will time out unless both are triggered "
            "with matching logical dates"
        ]
    after = alignment_start(answers, settings)
    delta = answers["external_delta_minutes"]
    if not upstream.lines_up(ours, answers["timezone"], theirs, found.timezone, delta, after):
        return [
            f"warning: no fixed offset lines this DAG's runs up with {name}'s ({schedules.describe(theirs)}): "
            "some runs of the sensor will time out; consider matching schedules"
        ]
    return []


# --- Kubernetes pod options ------------------------------------------------------------------

#: labels KubernetesPodOperator sets on every pod (to find it again): a label of the same key is lost
OPERATOR_LABELS = ("dag_id", "task_id", "run_id", "try_number", "map_index", "kubernetes_pod_operator",
                   "airflow_version", "airflow_kpo_in_cluster", "parent_dag_id")  # fmt: skip
#: what do_xcom_push adds to the pod: a sidecar and an emptyDir volume, mounted in the container
XCOM_VOLUME, XCOM_PATH = "xcom", "/airflow/xcom"
ANNOTATIONS_MAX = 256 * 1024  # Kubernetes' limit on all of a pod's annotations together


def _team_mapping(key: str, settings: Settings) -> dict[str, Any]:
    """The team config's labels (or annotations), as a table or in the one-line form."""
    from createdag.kinds import parse_mapping_text

    value = settings.team.defaults.get(key)
    if isinstance(value, str):
        value = parse_mapping_text(value)
    return {str(k): item for k, item in value.items()} if isinstance(value, Mapping) else {}


def check_labels(values: dict[str, str], answers: Answers, settings: Settings) -> dict[str, str]:
    """Pod labels: the team's merged with this task's (the task's value wins for a key)."""

    def check(name: str, value: Any) -> tuple[str, str]:
        name = v.label_key(name)
        if name in OPERATOR_LABELS:
            raise BadValue(
                f"label {name!r} is set by KubernetesPodOperator on every pod (to find it again): "
                "yours would be lost; choose another key, e.g. 'app.kubernetes.io/name'"
            )
        return name, v.label_value(str(value), name)

    return dict(_merged("labels", values, settings, check))


def check_annotations(values: dict[str, str], answers: Answers, settings: Settings) -> dict[str, str]:
    """Pod annotations: the team's merged with this task's; keys are qualified names, values any text."""
    result = dict(_merged("annotations", values, settings,
                          lambda name, value: (v.annotation_key(name), v.text(str(value)))))  # fmt: skip
    size = sum(len(k.encode()) + len(x.encode()) for k, x in result.items())
    if size > ANNOTATIONS_MAX:
        raise BadValue(f"the annotations add up to {size:,} bytes: Kubernetes allows 256 KiB; keep big data elsewhere")
    return result


def _merged(key: str, values: Mapping[str, Any], settings: Settings,
            check: Callable[[str, Any], tuple[str, str]]) -> list[tuple[str, str]]:  # fmt: skip
    """The team's ``key`` (labels, annotations) and then ``values``, each checked; a bad one of
    the team's says it comes from the team config."""
    result = []
    team = {} if settings.adopted else _team_mapping(key, settings)
    for name, value in {**team, **values}.items():
        try:
            result.append(check(name, value))
        except BadValue as exc:
            if name in values:
                raise
            raise BadValue(f"{exc} (in {key} of {settings.team.path})") from None
    return result


def check_node_selector(values: dict[str, str], answers: Answers, settings: Settings) -> dict[str, str]:
    return {v.label_key(name): v.label_value(value, name) for name, value in values.items()}


def check_node_affinity(values: dict[str, list[str]], answers: Answers, settings: Settings) -> dict[str, list[str]]:
    result = {}
    for name, items in values.items():
        name = v.label_key(name)
        result[name] = list(dict.fromkeys(v.label_value(item, name) for item in items))
    return result


def check_tolerations(values: list[dict[str, Any]], answers: Answers, settings: Settings) -> list[dict[str, Any]]:
    """Kubernetes' rules for a toleration: its operator and effect from Kubernetes' lists,
    Exists with no value, no key only with Exists, tolerationSeconds only for NoExecute."""
    result: list[dict[str, Any]] = []
    for number, item in enumerate(values, 1):
        what = f"toleration {number}"
        item = dict(item)
        operator = v.choice(item.get("operator") or "Equal", v.TOLERATION_OPERATORS, f"{what}'s operator")
        item["operator"] = operator
        if item.get("key"):
            item["key"] = v.label_key(item["key"])
        elif operator != "Exists":
            raise BadValue(f"{what} has no key: only operator Exists tolerates every key (write ':NoSchedule')")
        if operator == "Exists" and item.get("value"):
            raise BadValue(f"{what}: operator Exists matches any value: drop the value '{item['value']}', "
                           "or use Equal (KEY=VALUE)")  # fmt: skip
        if operator == "Exists":
            item.pop("value", None)
        elif item.get("value"):
            item["value"] = v.label_value(item["value"], item.get("key", ""))
        if item.get("effect"):
            item["effect"] = v.choice(item["effect"], v.TAINT_EFFECTS, f"{what}'s taint effect")
        else:
            item.pop("effect", None)  # every effect
        if "tolerationSeconds" in item and item.get("effect") != "NoExecute":
            raise BadValue(f"{what}: tolerationSeconds (how long the pod stays on a node tainted after it started) "
                           "applies to effect NoExecute only: add effect: NoExecute or drop it")  # fmt: skip
        if item.get("tolerationSeconds", 0) < 0:
            raise BadValue(f"{what}: tolerationSeconds is negative: give 0 (evicted at once) or more")
        fields: tuple[str, ...] = ("key", "operator", "value", "effect", "tolerationSeconds")
        result.append({k: item[k] for k in fields if k in item})
    return result


def check_env_from(values: list[dict[str, Any]], answers: Answers, settings: Settings) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    result = []
    for item in values:
        field = "configMapRef" if "configMapRef" in item else "secretRef"
        what = "ConfigMap name" if field == "configMapRef" else "Secret name"
        name = v.k8s_subdomain(item[field]["name"], what, "app-settings")
        if (field, name) in seen:
            raise BadValue(f"the {what.split()[0]} {name!r} is given twice: keep one")
        seen.add((field, name))
        entry: dict[str, Any] = {field: {"name": name}}
        if item.get("prefix"):
            entry["prefix"] = v.env_prefix(item["prefix"])
        result.append(entry)
    return result


_VOLUME_SOURCE_NAME = {"persistentVolumeClaim": ("claimName", "PersistentVolumeClaim name", "sales-data"),
                       "configMap": ("name", "ConfigMap name", "app-settings"),
                       "secret": ("secretName", "Secret name", "app-secrets")}  # fmt: skip


def check_volumes(values: list[dict[str, Any]], answers: Answers, settings: Settings) -> list[dict[str, Any]]:
    """Volume names are RFC 1123 labels, unique in the pod; what they mount is named by Kubernetes' rules."""
    seen: set[str] = set()
    result = []
    for item in values:
        name = v.k8s_dns_label(item["name"], "volume name", "data")
        if name in seen:
            raise BadValue(f"volume {name!r} is defined twice: volume names are unique in a pod")
        seen.add(name)
        field = next(key for key in item if key != "name")
        source = dict(item[field])
        if field in _VOLUME_SOURCE_NAME:
            ref, what, example = _VOLUME_SOURCE_NAME[field]
            source[ref] = v.k8s_subdomain(source[ref], what, example)
        if "sizeLimit" in source:
            source["sizeLimit"] = v.quantity(source["sizeLimit"], "memory")
        if "medium" in source:
            source["medium"] = v.choice(source["medium"], ("Memory",), "emptyDir medium", empty_ok=True)
        result.append({"name": name, field: {k: x for k, x in source.items() if x != ""}})
    return result


def check_volume_mounts(values: list[dict[str, Any]], answers: Answers, settings: Settings) -> list[dict[str, Any]]:
    """Each mount names a volume of this task, at an absolute path no other mount of the container uses."""
    defined = [volume["name"] for volume in answers.get("volumes") or ()]
    paths: dict[str, str] = {}
    result = []
    for item in values:
        name = item["name"].strip()
        if name not in defined:
            known = f"its volumes are {', '.join(defined)}" if defined else "it has no volumes: add one to volumes"
            raise BadValue(f"mount {name!r} names no volume of this task: {known}")
        path = v.mount_path(item["mountPath"])
        if path in paths:
            raise BadValue(f"{path} is mounted twice (volumes {paths[path]!r} and {name!r}): one volume per path")
        paths[path] = name
        result.append({**item, "name": name, "mountPath": path})
    return result


def check_do_xcom_push(value: bool, answers: Answers, settings: Settings) -> bool:
    """The XCom sidecar adds volume ``xcom`` at /airflow/xcom: none of the task's may take them."""
    if not value:
        return value
    if any(volume["name"] == XCOM_VOLUME for volume in answers.get("volumes") or ()):
        raise BadValue(f"do_xcom_push adds a volume named {XCOM_VOLUME!r}: rename this task's volume of that name")
    if any(mount["mountPath"] == XCOM_PATH for mount in answers.get("volume_mounts") or ()):
        raise BadValue(f"do_xcom_push mounts its volume at {XCOM_PATH}: mount this task's volume elsewhere")
    return value


def pod_option_notices(task: Mapping[str, Any], where: str) -> list[str]:
    """What Kubernetes would do silently with a task's environment and volumes."""
    notices = []
    env_from = task.get("env_from") or ()
    own = [*(task.get("env_vars") or {}), *(item["env"] for item in task.get("secrets") or ())]
    if env_from and own:
        notices.append(
            f"env_from{where}: Kubernetes cannot be asked which keys its ConfigMaps and Secrets hold; "
            f"where one holds {', '.join(own[:3])}{'...' if len(own) > 3 else ''}, the env var set here wins"
        )
    if len(env_from) > 1:
        notices.append(f"env_from{where}: a key held by two of its sources takes the value of the last one listed")
    mounted = {mount["name"] for mount in task.get("volume_mounts") or ()}
    unused = [volume["name"] for volume in task.get("volumes") or () if volume["name"] not in mounted]
    if unused:
        notices.append(f"volumes{where}: {', '.join(unused)} defined but not mounted: add it to volume_mounts")
    return notices


def check_security_context(value: dict[str, Any], answers: Answers, settings: Settings) -> dict[str, Any]:
    user = value.get("runAsUser")
    if user is not None and not 0 <= user <= 2**31 - 1:
        raise BadValue(f"runAsUser {user} is not a user id: a whole number from 0 to 2147483647")
    if value.get("runAsNonRoot") and user == 0:
        raise BadValue("runAsNonRoot with runAsUser 0 (root): Kubernetes refuses to start the container; "
                       "give a non-zero user id")  # fmt: skip
    return value


# --- params: what templates may name -------------------------------------------------------------

#: ``{{ ... }}`` blocks: what they name is written into the pod's arguments. A ``{% if params.X %}``
#: statement reads a value that may be absent (one passed in the run's conf only): not checked.
#: (compiled on first use, not before the first question)
_TEMPLATE = r"\{\{(.*?)\}\}"
_PARAM_REF = r"\bparams\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['\"])(.*?)\2\s*\])"


def param_refs(text: str) -> list[str]:
    """The params a templated text writes out: ``{{ params.NAME }}``, ``{{ params['NAME'] }}``."""
    names = []
    for block in re.finditer(_TEMPLATE, text, re.S):
        for ref in re.finditer(_PARAM_REF, block[1]):
            names.append(ref[1] or ref[3])
    return names


def unknown_param(texts: Iterable[str], answers: Answers) -> str | None:
    """The first param a text names that the DAG does not declare, as the message says it; or None."""
    declared = answers.get("params") or {}
    for text in texts:
        for name in param_refs(text):
            if name in ("get", "items", "keys", "values"):  # params.get('x'): the dict's own methods
                continue
            if name not in declared:
                known = f"its params are {', '.join(declared)}" if declared else "it declares no params"
                return (
                    f"{{{{ params.{name} }}}} names no param of this DAG ({known}): add {name} to params "
                    f"(or, for a value only some runs pass, test it: {{% if params.{name} %}}...{{% endif %}})"
                )
    return None


def check_templates(values: list[str], answers: Answers, settings: Settings) -> list[str]:
    """Shell words that Airflow renders: valid Jinja, and every ``{{ params.X }}`` declared."""
    values = [v.airflow_template(item) for item in values]
    problem = unknown_param(values, answers) or run_date_refusal(values, settings)
    if problem:
        raise BadValue(problem)
    return values


def run_date_refusal(values: Iterable[str], settings: Settings) -> str | None:
    """With ``require_run_date_templates`` in the team config, a template that reads the
    logical date is refused (else a warning says so): the message, or None."""
    if not settings.team.require_run_date_templates:
        return None
    names = run_dates.values_needing_logical_date(list(values))
    if not names:
        return None
    return run_dates.warning(names).removeprefix("warning: ") + " (require_run_date_templates)"


# --- assets ----------------------------------------------------------------------------------------


def _unique_uris(values: list[str]) -> list[str]:
    result: list[str] = []
    for item in values:
        uri = v.asset_uri(item)
        if uri not in result:
            result.append(uri)
    return result


def check_outlets(values: list[str], answers: Answers, settings: Settings) -> list[str]:
    return _unique_uris(values)


def check_assets(values: list[str], answers: Answers, settings: Settings) -> list[str]:
    from createdag import schedule as schedules

    values = _unique_uris(values)
    schedule = answers.get("schedule")
    if values and schedule in schedules.SPECIAL_SCHEDULES:
        raise BadValue(
            f"a {schedule} schedule cannot be combined with assets: set schedule to None (assets alone) "
            "or to a cron, preset or 'every N minutes' (the assets or the time, whichever comes first)"
        )
    return values


def check_data_intervals(value: bool, answers: Answers, settings: Settings) -> bool:
    from createdag import schedule as schedules

    schedule = answers.get("schedule")
    if value and (schedule is None or schedule in schedules.SPECIAL_SCHEDULES):
        raise BadValue(f"data intervals need a cron, preset or 'every N' schedule, not {schedule}")
    return value


def asset_notices(answers: Mapping[str, Any], settings: Settings) -> list[str]:
    """Which DAGs of the repo (or of this batch) produce each asset this DAG runs on, read from
    their source; a warning for an asset none of them lists as an outlet, with the ones they do."""
    from createdag import schedule as schedules
    from createdag import upstream

    wanted = list(answers.get("assets") or ())
    if not wanted:
        return []
    producers = upstream.asset_producers_cached(settings.output_dir)
    for planned in settings.planned:
        for uri in planned.outlets:
            producers.setdefault(uri, []).append((planned.dag_id, planned.path))
    own = answers.get("dag_id")
    notices = []
    schedule = answers.get("schedule")
    if schedule is not None:
        notices.append(
            f"this DAG runs on its assets or {schedule} ({schedules.describe(schedule)}), whichever comes first "
            "(Airflow's AssetOrTimeSchedule): set schedule to None for the assets alone"
        )
    for uri in wanted:
        found = [(dag_id, path) for dag_id, path in producers.get(uri, ()) if dag_id != own]
        if found:
            names = ", ".join(f"{dag_id} ({path})" for dag_id, path in found)
            notices.append(f"asset {uri} is produced by {names}")
        else:
            known = sorted(uri for uri, dags in producers.items() if any(d != own for d, _ in dags))
            listing = ", ".join(known) if known else "none"
            notices.append(
                f"warning: no DAG in {settings.output_dir} lists {uri} as an outlet, so nothing here starts "
                f"this DAG through it; the assets its DAGs produce: {listing}"
            )
    return notices


# --- deadline alerts -----------------------------------------------------------------------------

#: the first Airflow with ``DeadlineAlert`` (``airflow.sdk.definitions.deadline``)
DEADLINE_AIRFLOW = (3, 1)


def installed_airflow() -> tuple[int, int] | None:
    """The installed Airflow's (major, minor), read from the package metadata (Airflow is never
    imported for this); None when it is not installed here."""
    return installed_version("apache-airflow-core") or installed_version("apache-airflow")


def check_deadline_minutes(value: int, answers: Answers, settings: Settings) -> int:
    value = v.int_at_least(value, 0)
    if not value:
        return value
    installed = installed_airflow()
    if installed is not None and installed < DEADLINE_AIRFLOW:
        raise BadValue(
            f"deadline alerts need Airflow {DEADLINE_AIRFLOW[0]}.{DEADLINE_AIRFLOW[1]} or later (DeadlineAlert); "
            f"the Airflow installed here is {installed[0]}.{installed[1]}: upgrade it, or set 0"
        )
    return value
