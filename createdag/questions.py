"""Every question create_dag asks, declared once, as data.

A ``Question`` says what is asked (prompt and a one-line help that explains
the option), the answer's kind (an entry of ``kinds.KINDS``: how text becomes
a value, how a value is shown, which widget asks), its default, how it is
checked and when it is asked. The interactive prompt, ``--set`` flags,
answers files and the team config's defaults all go through
``answers.check_one``, which reads this table. Checks that read more than
one value are in ``rules``. The order of ``QUESTIONS`` is the order of the
prompt; ``ANSWER_KEYS`` is the list of answers every other module uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from createdag import images, rules, run_dates
from createdag import schedule as schedules
from createdag import validators as v
from createdag.errors import BadValue
from createdag.kinds import KINDS, Kind
from createdag.rules import Check
from createdag.settings import Settings

Answers = Mapping[str, Any]

ALERT_EVENTS = ("failure", "retry", "success")
ALERTS_MODULE = "teams_alerts"


Default = Any | Callable[[Answers, Settings], Any]


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    """One question. ``check`` gets the typed value and returns it normalized."""

    key: str
    group: str
    prompt: str
    help: str
    kind: str  # a key of kinds.KINDS
    default: Default
    check: Check | None = None
    when: Callable[[Answers], bool] = _always
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: how a list is typed on one line: "comma" (a, b) or "shell" (words, quotes allowed)
    list_syntax: Literal["comma", "shell"] = "comma"
    #: asked to steer the prompt only (e.g. "set resources?"); never rendered
    prompt_only: bool = False
    #: ``None`` is an answer (a schedule of None: manual runs only)
    none_ok: bool = False
    #: shown live under the prompt while typing: text typed so far -> one line
    live_hint: Callable[[str], str] | None = None
    #: shown after the answer: value -> one line (e.g. the schedule in words)
    echo: Callable[[Any], str] | None = None
    #: the answers this question's ``when``, default or check reads: when one of them is
    #: changed at the review, this question is asked again (``tests`` hold the list complete)
    depends_on: tuple[str, ...] = ()
    #: the known answers Tab completes from: (answers so far, settings) -> candidates
    complete: Callable[[Answers, Settings], Iterable[str]] | None = None
    #: "dag": one answer for the DAG; "task": one answer per pod task (``tasks:`` in files,
    #: ``TASK.KEY`` with ``--set``). A task answer given at the DAG level is every task's default.
    scope: Literal["dag", "task"] = "dag"
    #: task answers only: later tasks default to the previous task's answer (the image, say)
    inherit: bool = False
    #: task answers only: asked for the first task; later tasks take the first task's answer
    #: unless a file or ``--set`` gives them their own (the namespace, say)
    once: bool = False
    #: a checkbox's choices when they depend on the answers so far (earlier task ids, say)
    options: Callable[[Answers], Sequence[str]] | None = None
    #: mappings only: a task's own value adds to the DAG-level one instead of replacing it
    #: (labels, annotations: the task's value wins for a key)
    merges: bool = False

    @property
    def kind_of(self) -> Kind:
        return KINDS[self.kind]

    def default_for(self, answers: Answers, settings: Settings) -> Any:
        if self.key in settings.team.defaults:
            return settings.team.defaults[self.key]
        return self.default(answers, settings) if callable(self.default) else self.default


# --- checks of one value (the rules that read more live in ``rules``) -----------------


def _check_schedule(value: str | None, answers: Answers, settings: Settings) -> str | None:
    return schedules.normalize_schedule(value)


def _check_alerts(value: list[str], answers: Answers, settings: Settings) -> list[str]:
    unknown = [event for event in value if event not in ALERT_EVENTS]
    if unknown:
        raise BadValue(f"unknown event {unknown[0]!r}: choose from {', '.join(ALERT_EVENTS)}, or none")
    return [event for event in ALERT_EVENTS if event in value]  # canonical order, no repeats


def _check_each(check: Callable[[str], str]) -> Check:
    def run(values: list[str], answers: Answers, settings: Settings) -> list[str]:
        return [check(item) for item in values]

    return run


def _simple(check: Callable[[Any], Any]) -> Check:
    return lambda value, answers, settings: check(value)


def _default_owner(answers: Answers, settings: Settings) -> str:
    from createdag import identity  # runs git: only when an owner default is needed

    return identity.default_owner(settings.repo_root, settings.team.owners)


def _check_image(value: str, answers: Answers, settings: Settings) -> str:
    value = v.image(value)
    reason = images.unpinned(value) if settings.team.require_pinned_image else None
    if reason:
        raise BadValue(f"{reason} (rule from {settings.team.path})")
    return value  # unpinned but allowed: ``rules.cross_answer_notices`` warns


def _check_task_id(value: str, answers: Answers, settings: Settings) -> str:
    from createdag.pipeline import SENSOR_TASK_ID

    value = v.task_id(value)
    if value == SENSOR_TASK_ID:
        raise BadValue(f"{value!r} is the task that waits for an upstream DAG: choose another task id")
    if value in _earlier_tasks(answers):
        raise BadValue(f"{value!r} is the id of an earlier task of this DAG: task ids are unique in a DAG")
    return value


DEADLINE_FROM = ("queued", "logical_date")


def _check_deadline_from(value: str, answers: Answers, settings: Settings) -> str:
    word = value.strip().lower().replace(" ", "_").replace("-", "_")
    if word not in DEADLINE_FROM:
        raise BadValue(f"{value!r} is neither queued nor logical_date")
    return word


ASSETS_MODES = ("all", "any")


def _check_assets_mode(value: str, answers: Answers, settings: Settings) -> str:
    mode = value.strip().lower()
    if mode not in ASSETS_MODES:
        raise BadValue(f"{value!r} is neither all nor any")
    return mode


def _has_run_times(answers: Answers) -> bool:
    schedule = answers.get("schedule")
    return schedule is not None and schedule not in schedules.SPECIAL_SCHEDULES


def _check_after(value: list[str], answers: Answers, settings: Settings) -> list[str]:
    seen: list[str] = []
    for name in value:
        name = v.task_id(name.strip())
        if name not in seen:
            seen.append(name)
    return seen


# --- what Tab completes from --------------------------------------------------------------


def _timezones(answers: Answers, settings: Settings) -> Iterable[str]:
    import zoneinfo

    return sorted(zoneinfo.available_timezones())


def _schedule_presets(answers: Answers, settings: Settings) -> Iterable[str]:
    return (*schedules.CRON_PRESETS, *schedules.SPECIAL_SCHEDULES, "None")


def _dag_ids_nearby(answers: Answers, settings: Settings) -> Iterable[str]:
    from createdag import upstream

    return sorted(set(upstream.dag_ids_in_cached(settings.output_dir)) - {answers.get("dag_id")})


def _upstream_task_ids(answers: Answers, settings: Settings) -> Iterable[str]:
    found = rules.upstream_of(answers, settings)
    return sorted(found.task_ids) if found is not None else ()


def _earlier_tasks(answers: Answers) -> Sequence[str]:
    """The tasks defined before this one: what "runs after" can name in the prompt."""
    return [str(task["task_id"]) for task in answers.get("tasks", ())]


def _wants_run_options(answers: Answers) -> bool:
    return bool(answers.get("run_options"))


def _wants_resources(answers: Answers) -> bool:
    return bool(answers.get("resources"))


def _wants_pod_options(answers: Answers) -> bool:
    return bool(answers.get("pod_options"))


def _waits(answers: Answers) -> bool:
    return bool(answers.get("external_dag_id"))


QUESTIONS: tuple[Question, ...] = (
    # DAG ------------------------------------------------------------------------
    Question("dag_id", "DAG", "DAG id", "Unique id of the DAG in Airflow; also its file name, <dag_id>.py.",
             "text", None, rules.check_dag_id),
    Question("description", "DAG", "Description", "One line shown under the DAG's name in the Airflow UI.",
             "text", "", _simple(v.text)),
    Question("owner", "DAG", "Owner", "Who answers for this DAG (default_args owner), shown in the UI.",
             "text", _default_owner, _simple(v.non_empty)),
    Question("tags", "DAG", "Tags", "Labels to filter DAGs by in the UI, comma-separated (e.g. finance, daily).",
             "list", [], _check_each(v.tag)),
    # Schedule -------------------------------------------------------------------
    Question("schedule", "Schedule", "Schedule",
             "When runs start: cron ('30 6 * * 1-5'; Airflow 3 runs at the time named, no data interval), "
             "a preset, 'every 15 minutes' or None.",
             "text", "@daily", _check_schedule, none_ok=True, live_hint=schedules.live_hint,
             echo=lambda value: f"-> {schedules.describe(value)}", complete=_schedule_presets),
    Question("start_date", "Schedule", "Start date",
             "First date the schedule counts from, YYYY-MM-DD: a fixed date, never 'now'.",
             "date", lambda answers, settings: settings.today.isoformat(), _simple(v.iso_date)),
    Question("timezone", "Schedule", "Timezone",
             "IANA timezone the schedule's times are read in (DST-aware), e.g. Europe/Paris.",
             "text", "UTC", _simple(v.timezone), complete=_timezones),
    Question("catchup", "Schedule", "Catch up missed runs?",
             "On: one run per interval missed since start_date (backfill). Off: only the latest.",
             "bool", False),
    # Runs -----------------------------------------------------------------------
    Question("depends_on_past", "Runs", "Depends on past?",
             "A task starts only if the same task succeeded or was skipped in the previous run.",
             "bool", False),
    Question("wait_for_downstream", "Runs", "Wait for downstream?",
             "Also wait for the previous run's tasks downstream of it; turns on depends_on_past.",
             "bool", False),
    Question("max_active_runs", "Runs", "Max active runs",
             "How many runs of this DAG may be running at the same time.",
             "int", 1, rules.check_max_active_runs, depends_on=("schedule",)),
    Question("max_active_tasks", "Runs", "Max active tasks",
             "How many tasks of one DAG run may run at the same time (Airflow 2's 'concurrency').",
             "int", 16, _simple(lambda n: v.int_at_least(n, 1)), aliases=("concurrency",)),
    # Retries and alerts ---------------------------------------------------------
    Question("retries", "Retries and alerts", "Retries",
             "How many times a failed task is tried again before it counts as failed.",
             "int", 2, _simple(lambda n: v.int_at_least(n, 0))),
    Question("retry_delay_minutes", "Retries and alerts", "Minutes between retries",
             "How long Airflow waits before trying a failed task again.",
             "int", 5, _simple(lambda n: v.int_at_least(n, 0)),
             when=lambda answers: answers.get("retries", 0) > 0, depends_on=("retries",)),
    Question("alerts", "Retries and alerts", "Teams alerts on",
             "Which task events post a card to the team's Microsoft Teams channel (none: no alerts).",
             "choices", ["failure"], _check_alerts, choices=ALERT_EVENTS),
    Question("teams_conn_id", "Retries and alerts", "Teams connection id",
             "Airflow connection that holds the Teams Workflows webhook URL (never the URL itself).",
             "text", "msteams_webhook_url", _simple(lambda s: v.airflow_key(s.strip(), "connection id")),
             when=lambda answers: bool(answers.get("alerts")), depends_on=("alerts",)),
    # Airflow 3: run limits, params, data-aware scheduling -----------------------
    Question("run_options", "Airflow 3", "Set a run timeout, deadline alert, params, assets or data intervals?",
             "Airflow 3 options most DAGs leave off: each asked next when on (docs/options.md).",
             "bool", False, prompt_only=True),
    Question("dagrun_timeout_minutes", "Airflow 3", "Run timeout (minutes)",
             "A run still going after N minutes is failed by the scheduler and its unfinished tasks "
             "skipped, without task alerts (0: no limit).",
             "int", 0, _simple(lambda n: v.int_at_least(n, 0)), when=_wants_run_options,
             depends_on=("run_options",)),
    Question("deadline_minutes", "Airflow 3", "Deadline alert after (minutes)",
             "Post a 'missed deadline' card to Teams when a run has not finished N minutes after it was queued "
             "or after its logical date (0: none; Airflow 3.1+).",
             "int", 0, rules.check_deadline_minutes, when=_wants_run_options, depends_on=("alerts", "run_options")),
    Question("deadline_from", "Airflow 3", "Counted from",
             "queued: from when the run was queued (any run); logical_date: from its logical date "
             "(scheduled runs' time slot).",
             "text", "queued", _check_deadline_from,
             when=lambda a: _wants_run_options(a) and bool(a.get("deadline_minutes")),
             depends_on=("deadline_minutes", "run_options"), complete=lambda answers, settings: DEADLINE_FROM),
    Question("params", "Airflow 3", "Params for manual runs",
             "Typed values the trigger form asks for, NAME:TYPE=DEFAULT (string, integer, number, boolean, "
             "or a|b choices); read as {{ params.NAME }}.",
             "params", {}, _simple(v.params), when=_wants_run_options, depends_on=("run_options",)),
    Question("assets", "Airflow 3", "Runs when another DAG's data is ready: assets",
             "Asset URIs whose updates queue a run (empty: none); unlike the sensor below, no worker slot waits "
             "and it runs once per update, not per logical date.",
             "list", [], rules.check_assets, when=_wants_run_options, depends_on=("schedule", "run_options")),
    Question("assets_mode", "Airflow 3", "Run when all or any of them updated?",
             "all: once every asset has been updated since the last run; any: on each update of one of them.",
             "text", "all", _check_assets_mode, when=lambda a: _wants_run_options(a) and len(a.get("assets") or ()) > 1,
             depends_on=("assets", "run_options"), complete=lambda answers, settings: ASSETS_MODES),
    Question("data_intervals", "Airflow 3", "Cron with data intervals (Airflow 2 style)?",
             "On: a run covers the interval before it and starts at its end (CronDataIntervalTimetable); "
             "off: runs at the time named.",
             "bool", False, rules.check_data_intervals, when=lambda a: _wants_run_options(a) and _has_run_times(a),
             depends_on=("schedule", "run_options")),
    # Tasks: asked once per pod task ---------------------------------------------
    Question("task_id", "Task", "Task id",
             "Id of this pod task in the DAG, and its variable in the file (e.g. extract, load).",
             "text", "main", _check_task_id, scope="task"),
    Question("image", "Task", "Container image",
             "Image the pod runs; pin a tag or digest, e.g. ghcr.io/acme/etl:1.4.2.",
             "text", None, _check_image, live_hint=images.live_hint, echo=images.live_hint, scope="task",
             inherit=True),
    Question("namespace", "Task", "Namespace", "Kubernetes namespace the pod is created in.",
             "text", "airflow", _simple(v.k8s_label_name), scope="task", once=True),
    Question("shards", "Task", "Parallel pods",
             "Run the pod N times at once, each with SHARD=0..N-1 and SHARDS=N in its env (1: one pod).",
             "int", 1, _simple(lambda n: v.int_between(n, 1, 1024)), scope="task"),
    Question("cmds", "Task", "Command",
             "Entrypoint override as shell words, e.g. python -m etl (empty: the image's ENTRYPOINT).",
             "list", [], rules.check_templates, list_syntax="shell", scope="task", depends_on=("params",),
             live_hint=run_dates.live_hint, echo=run_dates.echo),
    Question("arguments", "Task", "Arguments",
             "Arguments as shell words (empty: the image's CMD); the run's date on every run: "
             "--date '" + run_dates.RUN_DATE + "'.",
             "list", [], rules.check_templates, list_syntax="shell", scope="task", depends_on=("params",),
             live_hint=run_dates.live_hint, echo=run_dates.echo),
    Question("secrets", "Task", "Secret env vars",
             "ENV=secret:key, comma-separated: env var ENV from key 'key' of Kubernetes Secret 'secret'.",
             "secrets", [], rules.check_secrets, scope="task"),
    Question("env_vars", "Task", "Env vars",
             "Plain (non-secret) environment variables, NAME=value, comma-separated (empty: none).",
             "mapping", {}, rules.check_env_vars, scope="task", depends_on=("shards", "secrets", "params"),
             live_hint=run_dates.live_hint, echo=run_dates.echo),
    Question("image_pull_secrets", "Task", "Image pull secrets",
             "Kubernetes Secrets with registry credentials for pulling the image, comma-separated.",
             "list", ["regcred"], _check_each(v.k8s_name), scope="task", once=True),
    # Pod options (issue 14): asked when "Set pod options?" is yes; else the team's defaults
    # (a later task: the task before it's, as ``inherit`` fills an answer not asked)
    Question("pod_options", "Task", "Set pod options (service account, placement, volumes, labels, lifecycle)?",
             "No: the pod takes the team's defaults for these (a later task: the task before it's).",
             "bool", False, prompt_only=True, scope="task"),
    Question("service_account_name", "Pod identity", "Service account",
             "Kubernetes ServiceAccount the pod runs as: its RBAC and cloud identity (empty: the namespace's default).",
             "text", "", _simple(lambda s: v.optional_subdomain(s, "ServiceAccount name", "etl-runner")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("container_security_context", "Pod identity", "Container security context",
             "run_as_non_root=true, run_as_user=1000, read_only_root_filesystem=true: who the container runs as "
             "(empty: the image's user).",
             "security_context", {}, rules.check_security_context, when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True),
    Question("node_selector", "Pod placement", "Node selector",
             "Node labels the pod must run on, LABEL=value, comma-separated, e.g. pool=batch (empty: any node).",
             "mapping", {}, rules.check_node_selector, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("node_affinity", "Pod placement", "Required node labels (affinity)",
             "LABEL=a|b: the pod runs only on nodes whose label has one of these values (empty: no affinity).",
             "node_labels", {}, rules.check_node_affinity, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("tolerations", "Pod placement", "Tolerations",
             "Taints the pod tolerates, KEY=VALUE:EFFECT or KEY:EFFECT, comma-separated: lets it onto tainted nodes.",
             "tolerations", [], rules.check_tolerations, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("priority_class_name", "Pod placement", "Priority class",
             "PriorityClass of the pod: a higher one is scheduled first and may evict lower ones (empty: none).",
             "text", "", _simple(lambda s: v.optional_subdomain(s, "PriorityClass name", "batch-high")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("env_from", "Pod config", "Env from ConfigMaps/Secrets",
             "configmap:NAME, secret:NAME: every key of these becomes an env var of the container (empty: none).",
             "env_from", [], rules.check_env_from, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("volumes", "Pod volumes", "Volumes",
             "NAME=pvc:CLAIM, NAME=configmap:NAME, NAME=secret:NAME or NAME=emptydir: storage the pod can mount.",
             "volumes", [], rules.check_volumes, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("volume_mounts", "Pod volumes", "Volume mounts",
             "VOLUME:/path (or VOLUME:/path:ro, read-only): where each volume appears in the container.",
             "volume_mounts", [], rules.check_volume_mounts, when=_wants_pod_options,
             depends_on=("pod_options", "volumes"), scope="task", inherit=True),
    Question("labels", "Pod metadata", "Pod labels",
             "LABEL=value, comma-separated: pod labels, for selectors, cost reports and kubectl -l (the team's added).",
             "mapping", {}, rules.check_labels, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True, merges=True),
    Question("annotations", "Pod metadata", "Pod annotations",
             "KEY=value, comma-separated: pod annotations, read by tools such as Istio or Vault (the team's added).",
             "mapping", {}, rules.check_annotations, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True, merges=True),
    Question("image_pull_policy", "Pod lifecycle", "Image pull policy",
             "Always, IfNotPresent or Never: when the node pulls the image (empty: Kubernetes' default for its tag).",
             "text", "", _simple(lambda s: v.choice(s, v.IMAGE_PULL_POLICIES, "image pull policy", empty_ok=True)),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.IMAGE_PULL_POLICIES),
    Question("startup_timeout_seconds", "Pod lifecycle", "Startup timeout (seconds)",
             "The task fails when the pod has not started by then (pending: no node, image still pulling).",
             "int", 120, _simple(lambda n: v.int_at_least(n, 1)), when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True),
    Question("on_finish_action", "Pod lifecycle", "When the pod finishes",
             "delete_pod: frees the namespace, logs only in Airflow; delete_succeeded_pod: keeps failed pods to debug; "
             "keep_pod: keeps all, they fill the namespace.",
             "text", "delete_pod", rules.check_on_finish_action,
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.ON_FINISH_ACTIONS),
    # reliability options of today's provider (issue 26): its own argument names; 0 / the default writes nothing
    Question("schedule_timeout_seconds", "Pod lifecycle", "Schedule timeout (seconds)",
             "The task fails when no node took the pod by then (0: the startup timeout). cncf-kubernetes 10.5+.",
             "int", 0, rules.pod_option_check("schedule_timeout_seconds", lambda n: v.int_at_least(n, 0)),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("active_deadline_seconds", "Pod lifecycle", "Pod deadline (seconds)",
             "Kubernetes kills the pod after N seconds (DeadlineExceeded), even if the worker is gone (0: never).",
             "int", 0, rules.pod_option_check("active_deadline_seconds", lambda n: v.int_at_least(n, 0)),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("termination_grace_period", "Pod lifecycle", "Termination grace period (seconds)",
             "Time between SIGTERM and SIGKILL when the pod is stopped (0: Kubernetes' 30 s). cncf-kubernetes 10.9+.",
             "int", 0, rules.pod_option_check("termination_grace_period", lambda n: v.int_at_least(n, 0)),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("on_kill_action", "Pod lifecycle", "When the task is killed",
             "delete_pod: the pod is stopped with the task (marked failed, timed out); keep_pod: it runs on. "
             "cncf-kubernetes 10.15+ for keep_pod.",
             "text", "delete_pod",
             rules.pod_option_check("on_kill_action", lambda s: v.choice(s, v.ON_KILL_ACTIONS, "on_kill_action")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.ON_KILL_ACTIONS),
    Question("deferrable", "Pod lifecycle", "Deferrable?",
             "Wait for the pod in the triggerer, freeing the worker slot (needs a triggerer). cncf-kubernetes 10.10+.",
             "bool", False, rules.pod_option_check("deferrable", bool),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("durable", "Pod lifecycle", "Reattach to a running pod on retry?",
             "Yes: a retry after the worker died picks its pod up again (durable; was reattach_on_restart). "
             "No needs Airflow 3.3+.",
             "bool", True, rules.pod_option_check("durable", bool),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("do_xcom_push", "Pod lifecycle", "Push XCom?",
             "Adds a sidecar container; when the container ends, Airflow reads /airflow/xcom/return.json "
             "through it as the task's XCom.",
             "bool", False, rules.check_do_xcom_push, when=_wants_pod_options,
             depends_on=("pod_options", "volumes", "volume_mounts"), scope="task", inherit=True),
    Question("get_logs", "Pod lifecycle", "Show the container's logs in Airflow?",
             "Streams the container's stdout and stderr into the task log while the pod runs.",
             "bool", True, when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True),
    Question("pool", "Pod lifecycle", "Airflow pool",
             "Airflow pool the task takes a slot of: caps how many such tasks run at once (empty: default_pool).",
             "text", "", _simple(v.pool), when=_wants_pod_options, depends_on=("pod_options",), scope="task",
             inherit=True),
    Question("priority_weight", "Pod lifecycle", "Priority weight",
             "When slots are short, Airflow queues tasks of a higher weight first (default 1).",
             "int", 1, _simple(lambda n: v.int_between(n, -(2**31), 2**31 - 1)), when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True),
    Question("pod_template_file", "Pod lifecycle", "Pod template file",
             "Absolute path on the worker of a pod manifest (YAML) to start from; answers override its fields "
             "(empty: none).",
             "text", "", _simple(v.pod_template_file), when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True),
    Question("resources", "Task", "Set CPU and memory requests/limits?",
             "Requests reserve capacity for scheduling; limits cap what the pod may use.",
             "bool", False, prompt_only=True, scope="task"),
    Question("cpu_request", "Task", "CPU request", "CPU reserved for the pod, e.g. 250m or 1 (empty: none).",
             "text", "", rules.check_quantity("cpu"), when=_wants_resources, depends_on=("resources",), scope="task"),
    Question("memory_request", "Task", "Memory request", "Memory reserved for the pod, e.g. 512Mi (empty: none).",
             "text", "", rules.check_quantity("memory"), when=_wants_resources,
             depends_on=("resources",), scope="task"),
    Question("cpu_limit", "Task", "CPU limit", "Most CPU the pod may use; throttled above it (empty: none).",
             "text", "", rules.check_quantity("cpu", "cpu_request"), when=_wants_resources,
             depends_on=("resources", "cpu_request"), scope="task"),
    Question("memory_limit", "Task", "Memory limit",
             "Most memory the pod may use; killed (OOMKilled) above it (empty: none).",
             "text", "", rules.check_quantity("memory", "memory_request"), when=_wants_resources,
             depends_on=("resources", "memory_request"), scope="task"),
    Question("outlets", "Task", "Assets it updates",
             "Asset URIs this task updates when it succeeds, comma-separated: DAGs scheduled on them start "
             "(empty: none).",
             "list", [], rules.check_outlets, scope="task", when=_wants_run_options, depends_on=("run_options",)),
    Question("execution_timeout_minutes", "Task", "Task timeout (minutes)",
             "A try still running after N minutes fails with a timeout: retried, then the failure alert "
             "goes out (0: no limit).",
             "int", 0, rules.check_execution_timeout, scope="task", when=_wants_run_options,
             depends_on=("run_options",)),
    Question("after", "Task", "Runs after",
             "The tasks this one starts after, once they all succeeded (none: it starts first).",
             "tasks", [], _check_after, scope="task", options=_earlier_tasks,
             when=lambda answers: bool(_earlier_tasks(answers))),
    Question("more_tasks", "Task", "Add another task?",
             "Another pod task in this DAG: its own image, command, secrets and resources.",
             "bool", False, prompt_only=True, scope="task"),
    # Upstream DAG ---------------------------------------------------------------
    Question("upstream", "Upstream DAG", "Does this DAG wait for another DAG?",
             "Adds an ExternalTaskSensor that waits for the other DAG's run before the pod starts.",
             "bool", False, prompt_only=True),
    Question("external_dag_id", "Upstream DAG", "Upstream dag_id", "The DAG whose run this one waits for.",
             "text", "", rules.check_external_dag_id, when=lambda answers: bool(answers.get("upstream")),
             depends_on=("upstream", "dag_id"), complete=_dag_ids_nearby),
    Question("external_task_id", "Upstream DAG", "Upstream task_id",
             "Wait for this task of it to succeed (empty: for the whole DAG run to succeed).",
             "text", "", rules.check_external_task_id, when=_waits, depends_on=("external_dag_id",),
             complete=_upstream_task_ids),
    Question("external_delta_minutes", "Upstream DAG", "Upstream run offset (minutes)",
             "How much earlier the upstream run's logical date is than this run's (0: the same).",
             "int", rules.default_delta, rules.check_delta, when=_waits,
             depends_on=("external_dag_id", "schedule", "timezone", "start_date")),
    Question("sensor_timeout_minutes", "Upstream DAG", "Give up waiting after (minutes)",
             "The sensor fails (and alerts) when the upstream has not succeeded by then.",
             "int", 360, _simple(lambda n: v.int_at_least(n, 1)), when=_waits, depends_on=("external_dag_id",)),
    Question("sensor_poke_interval_seconds", "Upstream DAG", "Check every (seconds)",
             "Between checks the sensor frees its worker slot (mode='reschedule').",
             "int", 300, _simple(lambda n: v.int_at_least(n, 1)), when=_waits, depends_on=("external_dag_id",)),
)  # fmt: skip

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
#: The answers of the DAG, and those of each of its pod tasks (``answers["tasks"]``).
DAG_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if q.scope == "dag")
TASK_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if q.scope == "task")
TASK_KEYS: tuple[str, ...] = tuple(q.key for q in TASK_QUESTIONS if not q.prompt_only)
#: The key under which answers hold the DAG's tasks: a list of each task's answers.
TASKS = "tasks"
ALIASES: dict[str, str] = {alias: q.key for q in QUESTIONS for alias in q.aliases}
#: Keys of answers (everything but prompt-only steering questions), the DAG's and the tasks'.
ANSWER_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS if not q.prompt_only)
#: The DAG's own answers; the template gets these and ``tasks``.
DAG_KEYS: tuple[str, ...] = tuple(q.key for q in DAG_QUESTIONS if not q.prompt_only)
#: The answers nothing can default, asked first; the prompt then offers to write with the
#: defaults for the rest, to review, to add a task or to go on through the other questions.
ESSENTIAL_KEYS: tuple[str, ...] = ("dag_id", "schedule", "image", "cmds")
