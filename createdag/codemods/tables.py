"""What moved where between Airflow 1.10/2 and Airflow 3 with today's providers, as data.

The fixers read these tables; a new rename is one row here, not new code (ruff's
AIR rules keep theirs the same way). Names are fully qualified as the file
imports them; the targets exist in Airflow 3.0-3.3 with the standard and
cncf-kubernetes providers (``airflow.hooks.base.BaseHook`` stays: 3.0 has no
``airflow.sdk.BaseHook``).
"""

from __future__ import annotations

_STD = "airflow.providers.standard"
_KPO = "airflow.providers.cncf.kubernetes.operators.pod"


def _same(new_module: str, old_modules: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    return {f"{old}.{name}": f"{new_module}.{name}" for old in old_modules for name in names}


#: ``old.module.Name`` -> ``new.module.Name`` for names a file imports (``from old.module import Name``).
MOVED_NAMES: dict[str, str] = {
    # airflow.sdk: the authoring interface
    **_same("airflow.sdk", ("airflow", "airflow.models", "airflow.models.dag"), ("DAG",)),
    **_same("airflow.sdk", ("airflow.decorators",), ("dag", "task", "task_group", "setup", "teardown")),
    **_same("airflow.sdk", ("airflow.models", "airflow.models.variable"), ("Variable",)),
    **_same("airflow.sdk", ("airflow.models", "airflow.models.param"), ("Param", "ParamsDict")),
    **_same("airflow.sdk", ("airflow.models", "airflow.models.baseoperator"), ("BaseOperator",)),
    **_same("airflow.sdk", ("airflow.models.baseoperator",), ("chain", "cross_downstream", "chain_linear")),
    **_same("airflow.sdk", ("airflow.utils.task_group",), ("TaskGroup",)),
    **_same("airflow.sdk", ("airflow.utils.edgemodifier",), ("Label",)),
    **_same("airflow.sdk", ("airflow.sensors.base", "airflow.sensors.base_sensor_operator"), ("BaseSensorOperator",)),
    **_same("airflow.sdk", ("airflow.operators.python",), ("get_current_context",)),
    "airflow.datasets.Dataset": "airflow.sdk.Asset",
    "airflow.hooks.base_hook.BaseHook": "airflow.hooks.base.BaseHook",
    # the standard provider
    **_same(f"{_STD}.operators.empty", ("airflow.operators.empty",), ("EmptyOperator",)),
    "airflow.operators.dummy_operator.DummyOperator": f"{_STD}.operators.empty.EmptyOperator",
    "airflow.operators.dummy.DummyOperator": f"{_STD}.operators.empty.EmptyOperator",
    "airflow.operators.empty.DummyOperator": f"{_STD}.operators.empty.EmptyOperator",
    **_same(f"{_STD}.operators.bash", ("airflow.operators.bash", "airflow.operators.bash_operator"), ("BashOperator",)),
    **_same(
        f"{_STD}.operators.python",
        ("airflow.operators.python", "airflow.operators.python_operator"),
        (
            "PythonOperator",
            "BranchPythonOperator",
            "ShortCircuitOperator",
            "PythonVirtualenvOperator",
            "ExternalPythonOperator",
        ),
    ),
    **_same(
        f"{_STD}.operators.trigger_dagrun",
        ("airflow.operators.trigger_dagrun", "airflow.operators.dagrun_operator"),
        ("TriggerDagRunOperator",),
    ),
    **_same(
        f"{_STD}.operators.latest_only",
        ("airflow.operators.latest_only", "airflow.operators.latest_only_operator"),
        ("LatestOnlyOperator",),
    ),
    **_same(
        f"{_STD}.operators.branch",
        ("airflow.operators.branch", "airflow.operators.branch_operator"),
        ("BaseBranchOperator",),
    ),
    **_same(f"{_STD}.operators.datetime", ("airflow.operators.datetime",), ("BranchDateTimeOperator",)),
    **_same(f"{_STD}.operators.weekday", ("airflow.operators.weekday",), ("BranchDayOfWeekOperator",)),
    **_same(
        f"{_STD}.sensors.external_task",
        ("airflow.sensors.external_task", "airflow.sensors.external_task_sensor"),
        ("ExternalTaskSensor", "ExternalTaskMarker"),
    ),
    **_same(
        f"{_STD}.sensors.time_delta",
        ("airflow.sensors.time_delta", "airflow.sensors.time_delta_sensor"),
        ("TimeDeltaSensor",),
    ),
    **_same(f"{_STD}.sensors.time", ("airflow.sensors.time_sensor",), ("TimeSensor",)),
    **_same(
        f"{_STD}.sensors.date_time",
        ("airflow.sensors.date_time", "airflow.sensors.date_time_sensor"),
        ("DateTimeSensor",),
    ),
    **_same(f"{_STD}.sensors.filesystem", ("airflow.sensors.filesystem",), ("FileSensor",)),
    **_same(f"{_STD}.sensors.python", ("airflow.sensors.python",), ("PythonSensor",)),
    **_same(f"{_STD}.sensors.bash", ("airflow.sensors.bash",), ("BashSensor",)),
    **_same(
        "airflow.providers.smtp.operators.smtp",
        ("airflow.operators.email", "airflow.operators.email_operator"),
        ("EmailOperator",),
    ),
    # renamed or removed provider modules
    **_same(
        _KPO,
        (
            "airflow.providers.cncf.kubernetes.operators.kubernetes_pod",
            "airflow.contrib.operators.kubernetes_pod_operator",
        ),
        ("KubernetesPodOperator",),
    ),
    **_same(
        "airflow.providers.cncf.kubernetes.secret",
        ("airflow.kubernetes.secret", "airflow.contrib.kubernetes.secret"),
        ("Secret",),
    ),
    "airflow.contrib.sensors.sftp_sensor.SFTPSensor": "airflow.providers.sftp.sensors.sftp.SFTPSensor",
    "airflow.contrib.operators.sftp_operator.SFTPOperator": "airflow.providers.sftp.operators.sftp.SFTPOperator",
    "airflow.contrib.operators.ssh_operator.SSHOperator": "airflow.providers.ssh.operators.ssh.SSHOperator",
    "airflow.contrib.hooks.ssh_hook.SSHHook": "airflow.providers.ssh.hooks.ssh.SSHHook",
    "airflow.hooks.http_hook.HttpHook": "airflow.providers.http.hooks.http.HttpHook",
    "airflow.operators.http_operator.SimpleHttpOperator": "airflow.providers.http.operators.http.HttpOperator",
    "airflow.hooks.postgres_hook.PostgresHook": "airflow.providers.postgres.hooks.postgres.PostgresHook",
    "airflow.operators.postgres_operator.PostgresOperator": "airflow.providers.postgres.operators.postgres.PostgresOperator",  # noqa: E501
}

#: ``old.package.module`` -> ``new.package.module`` for modules a file imports as a name
#: (``from airflow.contrib.operators import kubernetes_pod_operator``); the name it is bound to stays.
MOVED_MODULES: dict[str, str] = {
    "airflow.contrib.operators.kubernetes_pod_operator": _KPO,
    "airflow.providers.cncf.kubernetes.operators.kubernetes_pod": _KPO,
    "airflow.contrib.kubernetes.secret": "airflow.providers.cncf.kubernetes.secret",
    "airflow.kubernetes.secret": "airflow.providers.cncf.kubernetes.secret",
    "airflow.operators.dummy_operator": f"{_STD}.operators.empty",
    "airflow.operators.dummy": f"{_STD}.operators.empty",
    "airflow.operators.bash_operator": f"{_STD}.operators.bash",
    "airflow.operators.bash": f"{_STD}.operators.bash",
    "airflow.operators.python_operator": f"{_STD}.operators.python",
    "airflow.operators.python": f"{_STD}.operators.python",
}

#: Attribute renames that follow a moved module (``dummy_operator.DummyOperator``).
RENAMED_ATTRIBUTES: dict[str, str] = {"DummyOperator": "EmptyOperator", "SimpleHttpOperator": "HttpOperator"}

#: 1.10 pod objects Airflow 3 removed, each rebuilt as the Kubernetes model Airflow 2 turned it into
#: (``to_k8s_client_obj``): old name -> (the model, its positional argument names).
POD_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{
        f"{m}.Port": ("V1ContainerPort", ("name", "container_port"))
        for m in ("airflow.kubernetes.pod", "airflow.contrib.kubernetes.pod")
    },
    **{
        f"{m}.VolumeMount": ("V1VolumeMount", ("name", "mount_path", "sub_path", "read_only"))
        for m in ("airflow.kubernetes.volume_mount", "airflow.contrib.kubernetes.volume_mount")
    },
    **{
        f"{m}.Volume": ("V1Volume", ("name", "configs"))
        for m in ("airflow.kubernetes.volume", "airflow.contrib.kubernetes.volume")
    },
    **{
        f"{m}.Resources": (
            "V1ResourceRequirements",
            (
                "request_memory",
                "request_cpu",
                "limit_memory",
                "limit_cpu",
                "limit_gpu",
                "request_ephemeral_storage",
                "limit_ephemeral_storage",
            ),
        )
        for m in ("airflow.kubernetes.pod", "airflow.contrib.kubernetes.pod")
    },
}

#: The 1.10 ``resources`` keys and where the Kubernetes model holds them.
RESOURCE_KEYS: dict[str, tuple[str, str]] = {
    "request_memory": ("requests", "memory"),
    "request_cpu": ("requests", "cpu"),
    "request_ephemeral_storage": ("requests", "ephemeral-storage"),
    "limit_memory": ("limits", "memory"),
    "limit_cpu": ("limits", "cpu"),
    "limit_gpu": ("limits", "nvidia.com/gpu"),
    "limit_ephemeral_storage": ("limits", "ephemeral-storage"),
}

#: Names Airflow 3 removed with nothing to move them to: importing one blocks the file.
REMOVED_NAMES: dict[str, str] = {
    **{
        f"{m}.SubDagOperator": "SubDAGs were removed in Airflow 3: make the sub-DAG a TaskGroup in this DAG "
        "(airflow.sdk.TaskGroup), or a DAG of its own triggered with TriggerDagRunOperator"
        for m in ("airflow.operators.subdag", "airflow.operators.subdag_operator")
    },
    **{
        f"{m}.PodRuntimeInfoEnv": "PodRuntimeInfoEnv was removed: give env_vars=[k8s.V1EnvVar(name=..., "
        "value_from=k8s.V1EnvVarSource(field_ref=k8s.V1ObjectFieldSelector(field_path=...)))] instead"
        for m in ("airflow.kubernetes.pod_runtime_info_env", "airflow.contrib.kubernetes.pod_runtime_info_env")
    },
    "airflow.utils.helpers.chain": "use airflow.sdk.chain",
}

#: Module prefixes whose imports Airflow 3 removed: a name in them not in the tables above blocks the file.
REMOVED_PREFIXES = (
    "airflow.contrib.",
    "airflow.kubernetes.",
    "airflow.operators.",
    "airflow.sensors.",
    "airflow.hooks.",
    "airflow.utils.dates.",
)

#: Names still importable from removed-looking places in Airflow 3.
STILL_THERE = frozenset(
    {
        "airflow.hooks.base.BaseHook",
        "airflow.utils.trigger_rule.TriggerRule",
        "airflow.utils.dates.days_ago",
    }
)

#: The DAG constructors (after or before moving).
DAG_CALLABLES = frozenset(
    {
        "airflow.DAG",
        "airflow.models.DAG",
        "airflow.models.dag.DAG",
        "airflow.sdk.DAG",
        "airflow.decorators.dag",
        "airflow.sdk.dag",
    }
)

#: KubernetesPodOperator, wherever the file imported it from.
POD_OPERATORS = frozenset(
    {
        "airflow.providers.cncf.kubernetes.operators.kubernetes_pod.KubernetesPodOperator",
        "airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator",
        f"{_KPO}.KubernetesPodOperator",
    }
)

#: DAG arguments Airflow 3 renamed: old -> (new, why).
DAG_RENAMES: dict[str, tuple[str, str]] = {
    "schedule_interval": ("schedule", "Airflow 3 removed schedule_interval"),
    "timetable": ("schedule", "Airflow 3 takes a timetable as schedule"),
    "concurrency": ("max_active_tasks", "Airflow 3 removed the DAG's concurrency"),
}
#: DAG arguments Airflow 3 removed, with nothing to carry them: dropped, and said.
DAG_REMOVED: dict[str, str] = {
    "default_view": "the UI's default view is a user setting in Airflow 3",
    "orientation": "the graph's orientation is a user setting in Airflow 3",
    "full_filepath": "Airflow 3 removed it",
}

#: Operator arguments (any operator, and default_args keys) Airflow 3 renamed: old -> (new, why).
TASK_RENAMES: dict[str, tuple[str, str]] = {
    "task_concurrency": ("max_active_tis_per_dag", "Airflow 3 removed task_concurrency"),
}
#: Operator arguments Airflow 3 removed: dropped, and said.
TASK_REMOVED: dict[str, str] = {
    "provide_context": "Airflow 3 always passes the context to a callable that takes **kwargs or names its keys",
    "sla": "Airflow 3 removed SLAs: Deadline alerts (airflow.sdk.definitions.deadline, Airflow 3.1+) replace them",
}
#: KubernetesPodOperator arguments renamed by the cncf-kubernetes provider since 1.10: old -> (new, why).
POD_RENAMES: dict[str, tuple[str, str]] = {
    "node_selectors": ("node_selector", "the provider renamed node_selectors"),
    "xcom_push": ("do_xcom_push", "Airflow 2 renamed xcom_push"),
    "resources": ("container_resources", "the provider renamed resources to container_resources"),
}
#: Every argument KubernetesPodOperator takes in cncf-kubernetes 10.x with Airflow 3's BaseOperator (read from
#: their signatures). Airflow 1.10 ignored any other with a warning; Airflow 2 and 3 refuse the DAG.
POD_ARGUMENTS = frozenset({
    "active_deadline_seconds", "affinity", "allow_nested_operators", "annotations", "arguments",
    "automount_service_account_token", "base_container_name", "base_container_status_polling_interval", "callbacks",
    "cluster_context", "cmds", "config_file", "configmaps", "container_logs", "container_name_log_prefix_enabled",
    "container_resources", "container_security_context", "dag", "default_args", "deferrable", "depends_on_past",
    "dns_config", "dnspolicy", "do_xcom_push", "doc", "doc_json", "doc_md", "doc_rst", "doc_yaml", "durable",
    "email", "email_on_failure", "email_on_retry", "end_date", "env_from", "env_vars", "execution_timeout",
    "executor", "executor_config", "full_pod_spec", "get_logs", "host_aliases", "hostname", "hostnetwork",
    "ignore_first_depends_on_past", "image", "image_pull_policy", "image_pull_secrets", "in_cluster",
    "init_container_logs", "init_containers", "inlets", "is_delete_operator_pod", "kubernetes_conn_id", "labels",
    "log_events_on_failure", "log_events_on_startup", "log_formatter", "log_pod_spec_on_failure", "logger_name",
    "logging_interval", "map_index_template", "max_active_tis_per_dag", "max_active_tis_per_dagrun",
    "max_retry_delay", "multiple_outputs", "name", "namespace", "node_selector", "on_execute_callback",
    "on_failure_callback", "on_finish_action", "on_kill_action", "on_retry_callback", "on_skipped_callback",
    "on_success_callback", "outlets", "owner", "params", "pod_runtime_info_envs", "pod_template_dict",
    "pod_template_file", "poll_interval", "pool", "pool_slots", "ports", "post_execute", "pre_execute",
    "priority_class_name", "priority_weight", "progress_callback", "queue", "random_name_suffix",
    "reattach_on_restart", "render_template_as_native_obj", "resources", "retries", "retry_delay",
    "retry_exponential_backoff", "retry_policy", "run_as_user", "runtime_class_name", "schedule_timeout_seconds",
    "schedulername", "secrets", "security_context", "service_account_name", "skip_on_exit_code", "sla", "start_date",
    "startup_check_interval_seconds", "startup_timeout_seconds", "subdomain", "task_display_name", "task_group",
    "task_id", "termination_grace_period", "termination_message_policy", "tolerations", "trigger_kwargs",
    "trigger_rule", "volume_mounts", "volumes", "wait_for_downstream", "wait_for_past_depends_before_skipping",
    "weight_rule", "xcom_sidecar_container_security_context",
})  # fmt: skip

#: Operator-specific renames: (operator class name, old) -> new.
OPERATOR_RENAMES: dict[tuple[str, str], str] = {
    ("TriggerDagRunOperator", "execution_date"): "logical_date",
}
#: Trigger rules Airflow 3 removed -> the one with Airflow 2's meaning.
TRIGGER_RULES: dict[str, str] = {"none_failed_or_skipped": "none_failed_min_one_success", "dummy": "always"}

#: Context keys (``context["execution_date"]``) Airflow 3 renamed with the same value whatever the
#: timetable (data intervals are kept wherever a DAG reads the logical date).
CONTEXT_RENAMES: dict[str, str] = {"execution_date": "logical_date"}

#: What renders on every Airflow 3.0-3.3 run, manual without a logical date and asset-triggered too:
#: the moment the run was due (scheduled) or created (manual, asset). ``dag_run.run_after``.
EVERY_RUN = "dag_run.run_after"
