"""Every question create_dag asks, declared once, as data.

A ``Question`` says what is asked (prompt and a one-line help that explains
the option), the answer's kind (an entry of ``kinds.KINDS``: how text becomes
a value, how a value is shown, which widget asks), its default, how it is
checked and when it is asked; and where the answer lives in the DAG file
(``Place``), whether the team config may set its default, and examples of
its value. The interactive prompt, ``--set`` flags, answers files and the
team config's defaults all go through ``answers.check_one``, which reads
this table. Checks that read more than one value are in ``rules``. The order
of ``QUESTIONS`` is the order of the prompt; ``ANSWER_KEYS`` is the list of
answers every other module uses.

This is the option registry: the tables at the end (the pod options, their
defaults and arguments, the team settings) are derived from it for the
readers, migrate and the team config, and ``createdag.derived`` writes the
files that must stay on disk (the template's ``cookiecutter.json`` and
tables, the docs' options table) from it. docs/architecture.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from createdag import images, rules, run_dates
from createdag import validators as v
from createdag.errors import BadValue
from createdag.kinds import KINDS, Kind
from createdag.rules import Check

if TYPE_CHECKING:  # the settings (and the team config, which reads this table) sit above it
    from createdag.settings import Settings

Answers = Mapping[str, Any]

ALERT_EVENTS = ("failure", "retry", "success")
ALERTS_MODULE = "teams_alerts"
#: the upstream-DAG sensor's task_id: it runs before every root task
SENSOR_TASK_ID = "wait_for_upstream"


Default = Any | Callable[[Answers, "Settings"], Any]


def _always(answers: Answers) -> bool:
    return True


class Place(NamedTuple):
    """Where an answer lives in the DAG file the template writes, and how it is spelled there.

    The tables the readers and migrate use (which operator arguments are answers, under which
    name, which of them are written as the plain literal) are derived from these. A named tuple,
    not a frozen dataclass: defining one costs a tenth as much, on the way to the first question.
    """

    #: "dag": an argument of ``DAG(...)``; "default_args": a key of its ``default_args``; "pod": an
    #: argument of each ``KubernetesPodOperator``; "sensor": of the upstream ``ExternalTaskSensor``;
    #: "graph": the ``>>`` lines
    on: Literal["dag", "default_args", "pod", "sensor", "graph"]
    #: the argument (or ``default_args`` key) it is written as
    argument: str
    #: "literal": the value itself, as a Python literal (``py_literal``), left out when it is the
    #: default; "k8s": a Kubernetes model (``k8s.V1...``); "timedelta": ``datetime.timedelta(minutes=N)``;
    #: "built": the template composes it, with other answers (schedule, callbacks, ``Secret``)
    form: Literal["literal", "k8s", "timedelta", "built"] = "literal"
    #: a field inside the argument's object (``requests.cpu`` of ``container_resources``)
    field: str = ""
    #: written even when it is the default (what every DAG has written since before it was an answer)
    always: bool = False


class Question(NamedTuple):
    """One question. ``check`` gets the typed value and returns it normalized.

    A named tuple, not a frozen dataclass: defining one with these fields costs several
    times as much, on the way to the first question."""

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
    #: where the answer lives in the DAG file (None: a prompt-only question, never written)
    place: Place | None = None
    #: the team config may set its default (``[tool.create_dag]``, the key as setting name); every
    #: pod option may
    team_setting: bool = False
    #: values of it, as validated answers: the round trip writes each and reads it back
    #: (tests/test_roundtrip.py); the first is ``cookiecutter.json``'s when the default is computed
    examples: tuple[Any, ...] = ()
    #: the docs' words for its kind and default, where the kind's and the default's own are not enough
    doc_kind: str = ""
    doc_default: str = ""

    @property
    def kind_of(self) -> Kind:
        return KINDS[self.kind]

    @property
    def pod_option(self) -> bool:
        """Asked behind "Set pod options?": a pod option (docs/options.md, "Pods on a real cluster")."""
        return "pod_options" in self.depends_on

    @property
    def is_team_setting(self) -> bool:
        return self.team_setting or self.pod_option

    @property
    def template_value(self) -> Any:
        """Its value in ``cookiecutter.json``: the default, or the first example where the
        default is computed (the owner, today) or required (dag_id, image)."""
        return self.examples[0] if self.default is None or callable(self.default) else self.default

    def default_for(self, answers: Answers, settings: Settings) -> Any:
        if self.key in settings.team.defaults:
            return settings.team.defaults[self.key]
        return self.default(answers, settings) if callable(self.default) else self.default


# --- checks of one value (the rules that read more live in ``rules``) -----------------


# ``schedule`` is imported when a schedule is checked, shown or completed: the first question
# comes before (docs/performance.md, "Time to the first question").


def _check_schedule(value: str | None, answers: Answers, settings: Settings) -> str | None:
    from createdag import schedule

    return schedule.normalize_schedule(value)


def _schedule_hint(text: str) -> str:
    from createdag import schedule

    return schedule.live_hint(text)


def _schedule_echo(value: str | None) -> str:
    from createdag import schedule

    return f"-> {schedule.describe(value)}"


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
    value = v.task_id(value)
    if value == SENSOR_TASK_ID:
        raise BadValue(f"{value!r} is the task that waits for an upstream DAG: choose another task id")
    if value in _earlier_tasks(answers):
        raise BadValue(f"{value!r} is the id of an earlier task of this DAG: task ids are unique in a DAG")
    return value


DEADLINE_FROM = ("queued", "logical_date")
_EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "day": {"type": "string", "default": "", "description": "YYYY-MM-DD, empty: the logical date"},
    "limit": {"type": "integer", "default": 100},
    "ratio": {"type": "number", "default": 0.5, "description": 'it\'s "half"'},
    "dry_run": {"type": "boolean", "default": False},
    "mode": {"type": "string", "default": "full", "enum": ["full", "delta"]},
    "level": {"type": "integer", "default": 2, "enum": [1, 2, 3]},
}


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
    from createdag.schedule import SPECIAL_SCHEDULES

    schedule = answers.get("schedule")
    return schedule is not None and schedule not in SPECIAL_SCHEDULES


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
    from createdag.schedule import CRON_PRESETS, SPECIAL_SCHEDULES

    return (*CRON_PRESETS, *SPECIAL_SCHEDULES, "None")


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


# --- examples: values the round trip writes and reads back (tests/test_roundtrip.py) -----

_ASSETS_EXAMPLES: tuple[Any, ...] = (
    [],
    ["s3://lake/raw/sales"],
    ["s3://lake/raw/sales", "s3://lake/raw/stock", "postgres://dwh/public/orders"],
)
_TASK_ID_EXAMPLES: tuple[Any, ...] = (
    "main",
    "extract",
    "load",
    "run-pod",
    "clean.up",
    "3rd",
    "class",
    "k8s",
    "EmptyOperator",
    "load_done",
    "done",
    "report_v2",
)
_SECRETS_EXAMPLES: tuple[Any, ...] = (
    [],
    [{"env": "TOKEN", "secret": "api.token", "key": "password"}],
    [
        {"env": "DB_USER", "secret": "db-creds", "key": "user"},
        {"env": "DB_PASS", "secret": "db-creds", "key": "password"},
    ],
)
_CONTAINER_SECURITY_CONTEXT_EXAMPLES: tuple[Any, ...] = (
    {},
    {"runAsNonRoot": True},
    {"runAsNonRoot": True, "runAsUser": 1000, "readOnlyRootFilesystem": True},
    {"readOnlyRootFilesystem": False, "runAsUser": 0},
)
_NODE_AFFINITY_EXAMPLES: tuple[Any, ...] = (
    {},
    {"topology.kubernetes.io/zone": ["eu-west-1a", "eu-west-1b"]},
    {"disk": ["ssd"], "pool": ["batch", "spot"]},
)
_TOLERATIONS_EXAMPLES: tuple[Any, ...] = (
    [],
    [{"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}],
    [{"key": "spot", "operator": "Exists"}, {"operator": "Exists", "effect": "PreferNoSchedule"}],
    [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
)
_ENV_FROM_EXAMPLES: tuple[Any, ...] = (
    [],
    [{"configMapRef": {"name": "app-settings"}}],
    [{"secretRef": {"name": "app-secrets"}, "prefix": "APP_"}, {"configMapRef": {"name": "more"}}],
)
_VOLUMES_EXAMPLES: tuple[Any, ...] = (
    [],
    [{"name": "data", "persistentVolumeClaim": {"claimName": "sales-data"}}],
    [
        {"name": "data", "persistentVolumeClaim": {"claimName": "sales-data", "readOnly": True}},
        {"name": "cfg", "configMap": {"name": "app-config"}},
        {"name": "creds", "secret": {"secretName": "app-creds"}},
        {"name": "scratch", "emptyDir": {}},
    ],
    [{"name": "data", "emptyDir": {"sizeLimit": "1Gi", "medium": "Memory"}}],
)
_VOLUME_MOUNTS_EXAMPLES: tuple[Any, ...] = (
    [],
    [{"name": "data", "mountPath": "/data"}],
    [
        {"name": "data", "mountPath": "/etc/app", "readOnly": True},
        {"name": "data", "mountPath": "/etc/creds/token", "subPath": "token"},
    ],
)
_OUTLETS_EXAMPLES: tuple[Any, ...] = _ASSETS_EXAMPLES


QUESTIONS: tuple[Question, ...] = (
    # DAG ------------------------------------------------------------------------
    Question("dag_id", "DAG", "DAG id", "Unique id of the DAG in Airflow; also its file name, <dag_id>.py.",
             "text", None, rules.check_dag_id,
             place=Place("dag", "dag_id"), examples=("example_dag", "sales_daily", "orders__v2")),
    Question("description", "DAG", "Description", "One line shown under the DAG's name in the Airflow UI.",
             "text", "", _simple(v.text),
             place=Place("dag", "description"), examples=("", "Loads the day's sales.", 'it\'s "quoted", é')),
    Question("owner", "DAG", "Owner", "Who answers for this DAG (default_args owner), shown in the UI.",
             "text", _default_owner, _simple(v.non_empty),
             place=Place("default_args", "owner"), examples=("airflow", "data-team", "Zoë Ops"), team_setting=True,
             doc_default="(team config, else your git author name, else your login name)"),
    Question("tags", "DAG", "Tags", "Labels to filter DAGs by in the UI, comma-separated (e.g. finance, daily).",
             "list", [], _check_each(v.tag),
             place=Place("dag", "tags"), examples=([], ["finance", "daily"]), team_setting=True),
    # Schedule -------------------------------------------------------------------
    Question("schedule", "Schedule", "Schedule",
             "When runs start: cron ('30 6 * * 1-5'; Airflow 3 runs at the time named, no data interval), "
             "a preset, 'every 15 minutes' or None.",
             "text", "@daily", _check_schedule, none_ok=True, live_hint=_schedule_hint,
             echo=_schedule_echo, complete=_schedule_presets,
             place=Place("dag", "schedule", "built"),
             examples=("@daily", "0 6 * * 1-5", "every 15 minutes", "every 1 hour", "every 2 days", "@once", None)),
    Question("start_date", "Schedule", "Start date",
             "First date the schedule counts from, YYYY-MM-DD: a fixed date, never 'now'.",
             "date", lambda answers, settings: settings.today.isoformat(), _simple(v.iso_date),
             place=Place("dag", "start_date", "built"), examples=("2026-01-01", "2025-12-31"), doc_kind="text",
             doc_default="(today)"),
    Question("timezone", "Schedule", "Timezone",
             "IANA timezone the schedule's times are read in (DST-aware), e.g. Europe/Paris.",
             "text", "UTC", _simple(v.timezone), complete=_timezones,
             place=Place("dag", "start_date", "built"), examples=("UTC", "Europe/Paris"), team_setting=True),
    Question("catchup", "Schedule", "Catch up missed runs?",
             "On: one run per interval missed since start_date (backfill). Off: only the latest.",
             "bool", False,
             place=Place("dag", "catchup"), examples=(False, True)),
    # Runs -----------------------------------------------------------------------
    Question("depends_on_past", "Runs", "Depends on past?",
             "A task starts only if the same task succeeded or was skipped in the previous run.",
             "bool", False,
             place=Place("default_args", "depends_on_past"), examples=(False, True)),
    Question("wait_for_downstream", "Runs", "Wait for downstream?",
             "Also wait for the previous run's tasks downstream of it; turns on depends_on_past.",
             "bool", False,
             place=Place("default_args", "wait_for_downstream"), examples=(False, True)),
    Question("max_active_runs", "Runs", "Max active runs",
             "How many runs of this DAG may be running at the same time.",
             "int", 1, rules.check_max_active_runs, depends_on=("schedule",),
             place=Place("dag", "max_active_runs"), examples=(1, 3)),
    Question("max_active_tasks", "Runs", "Max active tasks",
             "How many tasks of one DAG run may run at the same time (Airflow 2's 'concurrency').",
             "int", 16, _simple(lambda n: v.int_at_least(n, 1)), aliases=("concurrency",),
             place=Place("dag", "max_active_tasks"), examples=(16, 4)),
    # Retries and alerts ---------------------------------------------------------
    Question("retries", "Retries and alerts", "Retries",
             "How many times a failed task is tried again before it counts as failed.",
             "int", 2, _simple(lambda n: v.int_at_least(n, 0)),
             place=Place("default_args", "retries"), examples=(2, 0, 5), team_setting=True),
    Question("retry_delay_minutes", "Retries and alerts", "Minutes between retries",
             "How long Airflow waits before trying a failed task again.",
             "int", 5, _simple(lambda n: v.int_at_least(n, 0)),
             when=lambda answers: answers.get("retries", 0) > 0, depends_on=("retries",),
             place=Place("default_args", "retry_delay", "timedelta"), examples=(5, 1, 30)),
    Question("alerts", "Retries and alerts", "Teams alerts on",
             "Which task events post a card to the team's Microsoft Teams channel (none: no alerts).",
             "choices", ["failure"], _check_alerts, choices=ALERT_EVENTS,
             place=Place("default_args", "on_failure_callback", "built"),
             examples=([], ["failure"], ["failure", "success"], ["retry"]), team_setting=True,
             doc_kind="list: failure, retry, success"),
    Question("teams_conn_id", "Retries and alerts", "Teams connection id",
             "Airflow connection that holds the Teams Workflows webhook URL (never the URL itself).",
             "text", "msteams_webhook_url", _simple(lambda s: v.airflow_key(s.strip(), "connection id")),
             when=lambda answers: bool(answers.get("alerts")), depends_on=("alerts",),
             place=Place("default_args", "on_failure_callback", "built"),
             examples=("msteams_webhook_url", "teams_data"), team_setting=True),
    # Airflow 3: run limits, params, data-aware scheduling -----------------------
    Question("run_options", "Airflow 3", "Set a run timeout, deadline alert, params, assets or data intervals?",
             "Airflow 3 options most DAGs leave off: each asked next when on (more: docs options).",
             "bool", False, prompt_only=True),
    Question("dagrun_timeout_minutes", "Airflow 3", "Run timeout (minutes)",
             "A run still going after N minutes is failed by the scheduler and its unfinished tasks "
             "skipped, without task alerts (0: no limit).",
             "int", 0, _simple(lambda n: v.int_at_least(n, 0)), when=_wants_run_options,
             depends_on=("run_options",),
             place=Place("dag", "dagrun_timeout", "timedelta"), examples=(0, 30, 240)),
    Question("deadline_minutes", "Airflow 3", "Deadline alert after (minutes)",
             "Post a 'missed deadline' card to Teams when a run has not finished N minutes after it was queued "
             "or after its logical date (0: none; Airflow 3.1+).",
             "int", 0, rules.check_deadline_minutes, when=_wants_run_options, depends_on=("alerts", "run_options"),
             place=Place("dag", "deadline", "built"), examples=(0, 15, 90)),
    Question("deadline_from", "Airflow 3", "Counted from",
             "queued: from when the run was queued (any run); logical_date: from its logical date "
             "(scheduled runs' time slot).",
             "text", "queued", _check_deadline_from,
             when=lambda a: _wants_run_options(a) and bool(a.get("deadline_minutes")),
             depends_on=("deadline_minutes", "run_options"), complete=lambda answers, settings: DEADLINE_FROM,
             place=Place("dag", "deadline", "built"), examples=DEADLINE_FROM, doc_kind="`queued` or `logical_date`"),
    Question("params", "Airflow 3", "Params for manual runs",
             "Typed values the trigger form asks for, NAME:TYPE=DEFAULT (string, integer, number, boolean, "
             "or a|b choices); read as {{ params.NAME }}.",
             "params", {}, _simple(v.params), when=_wants_run_options, depends_on=("run_options",),
             place=Place("dag", "params", "built"),
             examples=({}, _EXAMPLE_PARAMS, {"limit": _EXAMPLE_PARAMS["limit"]})),
    Question("assets", "Airflow 3", "Runs when another DAG's data is ready: assets",
             "Asset URIs whose updates queue a run (empty: none); unlike the sensor below, no worker slot waits "
             "and it runs once per update, not per logical date.",
             "list", [], rules.check_assets, when=_wants_run_options, depends_on=("schedule", "run_options"),
             place=Place("dag", "schedule", "built"),
             examples=_ASSETS_EXAMPLES,
             doc_kind="list of asset URIs"),
    Question("assets_mode", "Airflow 3", "Run when all or any of them updated?",
             "all: once every asset has been updated since the last run; any: on each update of one of them.",
             "text", "all", _check_assets_mode, when=lambda a: _wants_run_options(a) and len(a.get("assets") or ()) > 1,
             depends_on=("assets", "run_options"), complete=lambda answers, settings: ASSETS_MODES,
             place=Place("dag", "schedule", "built"), examples=ASSETS_MODES, doc_kind="`all` or `any`"),
    Question("data_intervals", "Airflow 3", "Cron with data intervals (Airflow 2 style)?",
             "On: a run covers the interval before it and starts at its end (CronDataIntervalTimetable); "
             "off: runs at the time named.",
             "bool", False, rules.check_data_intervals, when=lambda a: _wants_run_options(a) and _has_run_times(a),
             depends_on=("schedule", "run_options"),
             place=Place("dag", "schedule", "built"), examples=(False, True)),
    # Tasks: asked once per pod task ---------------------------------------------
    Question("task_id", "Task", "Task id",
             "Id of this pod task in the DAG, and its variable in the file (e.g. extract, load).",
             "text", "main", _check_task_id, scope="task",
             place=Place("pod", "task_id"),
             examples=_TASK_ID_EXAMPLES),
    Question("image", "Task", "Container image",
             "Image the pod runs; pin a tag or digest, e.g. ghcr.io/acme/etl:1.4.2.",
             "text", None, _check_image, live_hint=images.live_hint, echo=images.live_hint, scope="task",
             inherit=True,
             place=Place("pod", "image"),
             examples=("busybox:1.36", "ghcr.io/acme/etl:1.4.2", "ghcr.io/acme/report@sha256:" + "a" * 64)),
    Question("namespace", "Task", "Namespace", "Kubernetes namespace the pod is created in.",
             "text", "airflow", _simple(v.k8s_label_name), scope="task", once=True,
             place=Place("pod", "namespace"), examples=("airflow", "etl", "data-jobs"), team_setting=True),
    Question("shards", "Task", "Parallel pods",
             "Run the pod N times at once, each with SHARD=0..N-1 and SHARDS=N in its env (1: one pod).",
             "int", 1, _simple(lambda n: v.int_between(n, 1, 1024)), scope="task",
             place=Place("pod", "expand", "built"), examples=(1, 2, 4)),
    Question("cmds", "Task", "Command",
             "Entrypoint override as shell words, e.g. python -m etl (empty: the image's ENTRYPOINT).",
             "list", [], rules.check_templates, list_syntax="shell", scope="task", depends_on=("params",),
             live_hint=run_dates.live_hint, echo=run_dates.echo,
             place=Place("pod", "cmds"), examples=([], ["python", "-m", "etl"], ["it's", 'say "hi"', "é", ""])),
    Question("arguments", "Task", "Arguments",
             "Arguments as shell words (empty: the image's CMD); the run's date on every run: "
             "--date '" + run_dates.RUN_DATE + "'.",
             "list", [], rules.check_templates, list_syntax="shell", scope="task", depends_on=("params",),
             live_hint=run_dates.live_hint, echo=run_dates.echo,
             place=Place("pod", "arguments"),
             examples=([], ["--day", run_dates.RUN_DATE], ["--day", "{{ ds }}"], ["it's", 'say "hi"', "é", ""])),
    Question("secrets", "Task", "Secret env vars",
             "ENV=secret:key, comma-separated: env var ENV from key 'key' of Kubernetes Secret 'secret'.",
             "secrets", [], rules.check_secrets, scope="task",
             place=Place("pod", "secrets", "built"),
             examples=_SECRETS_EXAMPLES),
    Question("env_vars", "Task", "Env vars",
             "Plain (non-secret) environment variables, NAME=value, comma-separated (empty: none).",
             "mapping", {}, rules.check_env_vars, scope="task", depends_on=("shards", "secrets", "params"),
             live_hint=run_dates.live_hint, echo=run_dates.echo,
             place=Place("pod", "env_vars"),
             examples=({}, {"MODE": "full"}, {"REGION": "{{ ds }}", "X1": "", "QUOTE": 'it\'s "q"', "U": "ünï"})),
    Question("image_pull_secrets", "Task", "Image pull secrets",
             "Kubernetes Secrets with registry credentials for pulling the image, comma-separated.",
             "list", ["regcred"], _check_each(v.k8s_name), scope="task", once=True,
             place=Place("pod", "image_pull_secrets", "k8s"),
             examples=(["regcred"], [], ["regcred", "other.registry"]), team_setting=True),
    # Pod options (issue 14): asked when "Set pod options?" is yes; else the team's defaults
    # (a later task: the task before it's, as ``inherit`` fills an answer not asked)
    Question("pod_options", "Task", "Set pod options (service account, placement, volumes, labels, lifecycle)?",
             "No: the pod takes the team's defaults for these (a later task: the task before it's).",
             "bool", False, prompt_only=True, scope="task"),
    Question("service_account_name", "Pod identity", "Service account",
             "Kubernetes ServiceAccount the pod runs as: its RBAC and cloud identity (empty: the namespace's default).",
             "text", "", _simple(lambda s: v.optional_subdomain(s, "ServiceAccount name", "etl-runner")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "service_account_name"), examples=("", "etl-runner", "sa.batch")),
    Question("container_security_context", "Pod identity", "Container security context",
             "run_as_non_root=true, run_as_user=1000, read_only_root_filesystem=true: who the container runs as "
             "(empty: the image's user).",
             "security_context", {}, rules.check_security_context, when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "container_security_context", "k8s"),
             examples=_CONTAINER_SECURITY_CONTEXT_EXAMPLES),
    Question("node_selector", "Pod placement", "Node selector",
             "Node labels the pod must run on, LABEL=value, comma-separated, e.g. pool=batch (empty: any node).",
             "mapping", {}, rules.check_node_selector, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "node_selector"),
             examples=({}, {"pool": "batch"}, {"kubernetes.io/os": "linux", "disk": "ssd"}),
             doc_kind="mapping label: value"),
    Question("node_affinity", "Pod placement", "Required node labels (affinity)",
             "LABEL=a|b: the pod runs only on nodes whose label has one of these values (empty: no affinity).",
             "node_labels", {}, rules.check_node_affinity, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "affinity", "k8s"),
             examples=_NODE_AFFINITY_EXAMPLES),
    Question("tolerations", "Pod placement", "Tolerations",
             "Taints the pod tolerates, KEY=VALUE:EFFECT or KEY:EFFECT, comma-separated: lets it onto tainted nodes.",
             "tolerations", [], rules.check_tolerations, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "tolerations", "k8s"),
             examples=_TOLERATIONS_EXAMPLES),
    Question("priority_class_name", "Pod placement", "Priority class",
             "PriorityClass of the pod: a higher one is scheduled first and may evict lower ones (empty: none).",
             "text", "", _simple(lambda s: v.optional_subdomain(s, "PriorityClass name", "batch-high")),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "priority_class_name"), examples=("", "batch-high")),
    Question("env_from", "Pod config", "Env from ConfigMaps/Secrets",
             "configmap:NAME, secret:NAME: every key of these becomes an env var of the container (empty: none).",
             "env_from", [], rules.check_env_from, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "env_from", "k8s"),
             examples=_ENV_FROM_EXAMPLES),
    Question("volumes", "Pod volumes", "Volumes",
             "NAME=pvc:CLAIM, NAME=configmap:NAME, NAME=secret:NAME or NAME=emptydir: storage the pod can mount.",
             "volumes", [], rules.check_volumes, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "volumes", "k8s"),
             examples=_VOLUMES_EXAMPLES),
    Question("volume_mounts", "Pod volumes", "Volume mounts",
             "VOLUME:/path (or VOLUME:/path:ro, read-only): where each volume appears in the container.",
             "volume_mounts", [], rules.check_volume_mounts, when=_wants_pod_options,
             depends_on=("pod_options", "volumes"), scope="task", inherit=True,
             place=Place("pod", "volume_mounts", "k8s"),
             examples=_VOLUME_MOUNTS_EXAMPLES),
    Question("labels", "Pod metadata", "Pod labels",
             "LABEL=value, comma-separated: pod labels, for selectors, cost reports and kubectl -l (the team's added).",
             "mapping", {}, rules.check_labels, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True, merges=True,
             place=Place("pod", "labels"),
             examples=({}, {"team": "sales"}, {"app.kubernetes.io/name": "etl", "tier": "batch"}),
             doc_kind="mapping label: value"),
    Question("annotations", "Pod metadata", "Pod annotations",
             "KEY=value, comma-separated: pod annotations, read by tools such as Istio or Vault (the team's added).",
             "mapping", {}, rules.check_annotations, when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True, merges=True,
             place=Place("pod", "annotations"),
             examples=({}, {"vault.hashicorp.com/role": "etl"}, {"note": 'it\'s, "quoted" = é'}),
             doc_kind="mapping key: value"),
    Question("image_pull_policy", "Pod lifecycle", "Image pull policy",
             "Always, IfNotPresent or Never: when the node pulls the image (empty: Kubernetes' default for its tag).",
             "text", "", _simple(lambda s: v.choice(s, v.IMAGE_PULL_POLICIES, "image pull policy", empty_ok=True)),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.IMAGE_PULL_POLICIES,
             place=Place("pod", "image_pull_policy"), examples=("", *v.IMAGE_PULL_POLICIES)),
    Question("startup_timeout_seconds", "Pod lifecycle", "Startup timeout (seconds)",
             "The task fails when the pod has not started by then (pending: no node, image still pulling).",
             "int", 120, _simple(lambda n: v.int_at_least(n, 1)), when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "startup_timeout_seconds"), examples=(120, 1, 600)),
    Question("on_finish_action", "Pod lifecycle", "When the pod finishes",
             "delete_pod: frees the namespace, logs only in Airflow; delete_succeeded_pod: keeps failed pods to debug; "
             "keep_pod: keeps all, they fill the namespace.",
             "text", "delete_pod", rules.check_on_finish_action,
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.ON_FINISH_ACTIONS,
             place=Place("pod", "on_finish_action", always=True), examples=v.ON_FINISH_ACTIONS),
    # reliability options of today's provider (issue 26): its own argument names; 0 / the default writes nothing
    Question("schedule_timeout_seconds", "Pod lifecycle", "Schedule timeout (seconds)",
             "The task fails when no node took the pod by then (0: the startup timeout). cncf-kubernetes 10.5+.",
             "int", 0, rules.pod_option_check("schedule_timeout_seconds", lambda n: v.int_at_least(n, 0), 0),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "schedule_timeout_seconds"), examples=(0, 60, 600)),
    Question("active_deadline_seconds", "Pod lifecycle", "Pod deadline (seconds)",
             "Kubernetes kills the pod after N seconds (DeadlineExceeded), even if the worker is gone (0: never).",
             "int", 0, rules.pod_option_check("active_deadline_seconds", lambda n: v.int_at_least(n, 0), 0),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "active_deadline_seconds"), examples=(0, 3600)),
    Question("termination_grace_period", "Pod lifecycle", "Termination grace period (seconds)",
             "Time between SIGTERM and SIGKILL when the pod is stopped (0: Kubernetes' 30 s). cncf-kubernetes 10.9+.",
             "int", 0, rules.pod_option_check("termination_grace_period", lambda n: v.int_at_least(n, 0), 0),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "termination_grace_period"), examples=(0, 10, 120)),
    Question("on_kill_action", "Pod lifecycle", "When the task is killed",
             "delete_pod: the pod is stopped with the task (marked failed, timed out); keep_pod: it runs on. "
             "cncf-kubernetes 10.15+ for keep_pod.",
             "text", "delete_pod",
             rules.pod_option_check(
                 "on_kill_action", lambda s: v.choice(s, v.ON_KILL_ACTIONS, "on_kill_action"), "delete_pod"
             ),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             complete=lambda answers, settings: v.ON_KILL_ACTIONS,
             place=Place("pod", "on_kill_action"), examples=v.ON_KILL_ACTIONS),
    Question("deferrable", "Pod lifecycle", "Deferrable?",
             "Wait for the pod in the triggerer, freeing the worker slot (needs a triggerer). cncf-kubernetes 10.10+.",
             "bool", False, rules.pod_option_check("deferrable", bool, False),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "deferrable"), examples=(False, True)),
    Question("durable", "Pod lifecycle", "Reattach to a running pod on retry?",
             "Yes: a retry after the worker died picks its pod up again (durable; was reattach_on_restart). "
             "No needs Airflow 3.3+.",
             "bool", True, rules.pod_option_check("durable", bool, True),
             when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "durable"), examples=(True, False)),
    Question("do_xcom_push", "Pod lifecycle", "Push XCom?",
             "Adds a sidecar container; when the container ends, Airflow reads /airflow/xcom/return.json "
             "through it as the task's XCom.",
             "bool", False, rules.check_do_xcom_push, when=_wants_pod_options,
             depends_on=("pod_options", "volumes", "volume_mounts"), scope="task", inherit=True,
             place=Place("pod", "do_xcom_push"), examples=(False, True)),
    Question("get_logs", "Pod lifecycle", "Show the container's logs in Airflow?",
             "Streams the container's stdout and stderr into the task log while the pod runs.",
             "bool", True, when=_wants_pod_options, depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "get_logs", always=True), examples=(True, False)),
    Question("pool", "Pod lifecycle", "Airflow pool",
             "Airflow pool the task takes a slot of: caps how many such tasks run at once (empty: default_pool).",
             "text", "", _simple(v.pool), when=_wants_pod_options, depends_on=("pod_options",), scope="task",
             inherit=True,
             place=Place("pod", "pool"), examples=("", "k8s_pods", "a pool, named freely")),
    Question("priority_weight", "Pod lifecycle", "Priority weight",
             "When slots are short, Airflow queues tasks of a higher weight first (default 1).",
             "int", 1, _simple(lambda n: v.int_between(n, -(2**31), 2**31 - 1)), when=_wants_pod_options,
             depends_on=("pod_options",), scope="task", inherit=True,
             place=Place("pod", "priority_weight"), examples=(1, 0, -5, 100)),
    Question("pod_template_file", "Pod lifecycle", "Pod template file",
             "Absolute path on the worker of a pod manifest (YAML) to start from; answers override its fields "
             "(empty: none).",
             "text", "", _simple(v.pod_template_file), when=_wants_pod_options, depends_on=("pod_options",),
             scope="task", inherit=True,
             place=Place("pod", "pod_template_file"), examples=("", "/opt/airflow/pod_templates/base.yaml")),
    Question("resources", "Task", "Set CPU and memory requests/limits?",
             "Requests reserve capacity for scheduling; limits cap what the pod may use.",
             "bool", False, prompt_only=True, scope="task"),
    Question("cpu_request", "Task", "CPU request", "CPU reserved for the pod, e.g. 250m or 1 (empty: none).",
             "text", "", rules.check_quantity("cpu"), when=_wants_resources, depends_on=("resources",), scope="task",
             place=Place("pod", "container_resources", "k8s", "requests.cpu"), examples=("", "250m", "1"),
             team_setting=True),
    Question("memory_request", "Task", "Memory request", "Memory reserved for the pod, e.g. 512Mi (empty: none).",
             "text", "", rules.check_quantity("memory"), when=_wants_resources,
             depends_on=("resources",), scope="task",
             place=Place("pod", "container_resources", "k8s", "requests.memory"), examples=("", "512Mi"),
             team_setting=True),
    Question("cpu_limit", "Task", "CPU limit", "Most CPU the pod may use; throttled above it (empty: none).",
             "text", "", rules.check_quantity("cpu", "cpu_request"), when=_wants_resources,
             depends_on=("resources", "cpu_request"), scope="task",
             place=Place("pod", "container_resources", "k8s", "limits.cpu"), examples=("", "2"), team_setting=True),
    Question("memory_limit", "Task", "Memory limit",
             "Most memory the pod may use; killed (OOMKilled) above it (empty: none).",
             "text", "", rules.check_quantity("memory", "memory_request"), when=_wants_resources,
             depends_on=("resources", "memory_request"), scope="task",
             place=Place("pod", "container_resources", "k8s", "limits.memory"), examples=("", "1Gi", "2Gi"),
             team_setting=True),
    Question("outlets", "Task", "Assets it updates",
             "Asset URIs this task updates when it succeeds, comma-separated: DAGs scheduled on them start "
             "(empty: none).",
             "list", [], rules.check_outlets, scope="task", when=_wants_run_options, depends_on=("run_options",),
             place=Place("pod", "outlets", "built"),
             examples=_OUTLETS_EXAMPLES,
             doc_kind="list of asset URIs"),
    Question("execution_timeout_minutes", "Task", "Task timeout (minutes)",
             "A try still running after N minutes fails with a timeout: retried, then the failure alert "
             "goes out (0: no limit).",
             "int", 0, rules.check_execution_timeout, scope="task", when=_wants_run_options,
             depends_on=("run_options",),
             place=Place("pod", "execution_timeout", "timedelta"), examples=(0, 1, 45, 120)),
    Question("after", "Task", "Runs after",
             "The tasks this one starts after, once they all succeeded (none: it starts first).",
             "tasks", [], _check_after, scope="task", options=_earlier_tasks,
             when=lambda answers: bool(_earlier_tasks(answers)),
             place=Place("graph", ">>", "built"), doc_default="`[]` (in the prompt: the task before)"),
    Question("more_tasks", "Task", "Add another task?",
             "Another pod task in this DAG: its own image, command, secrets and resources.",
             "bool", False, prompt_only=True, scope="task"),
    # Upstream DAG ---------------------------------------------------------------
    Question("upstream", "Upstream DAG", "Does this DAG wait for another DAG?",
             "Adds an ExternalTaskSensor that waits for the other DAG's run before the pod starts.",
             "bool", False, prompt_only=True),
    Question("external_dag_id", "Upstream DAG", "Upstream dag_id", "The DAG whose run this one waits for.",
             "text", "", rules.check_external_dag_id, when=lambda answers: bool(answers.get("upstream")),
             depends_on=("upstream", "dag_id"), complete=rules.dag_ids_nearby,
             place=Place("sensor", "external_dag_id"), examples=("", "upstream_daily")),
    Question("external_task_id", "Upstream DAG", "Upstream task_id",
             "Wait for this task of it to succeed (empty: for the whole DAG run to succeed).",
             "text", "", rules.check_external_task_id, when=_waits, depends_on=("external_dag_id",),
             complete=_upstream_task_ids,
             place=Place("sensor", "external_task_id"), examples=("", "load")),
    Question("external_delta_minutes", "Upstream DAG", "Upstream run offset (minutes)",
             "How much earlier the upstream run's logical date is than this run's (0: the same).",
             "int", rules.default_delta, rules.check_delta, when=_waits,
             depends_on=("external_dag_id", "schedule", "timezone", "start_date"),
             place=Place("sensor", "execution_delta", "timedelta"), examples=(0, 30, 60),
             doc_default="(computed from the upstream's schedule, else 0)"),
    Question("sensor_timeout_minutes", "Upstream DAG", "Give up waiting after (minutes)",
             "The sensor fails (and alerts) when the upstream has not succeeded by then.",
             "int", 360, _simple(lambda n: v.int_at_least(n, 1)), when=_waits, depends_on=("external_dag_id",),
             place=Place("sensor", "timeout", "built"), examples=(360, 60)),
    Question("sensor_poke_interval_seconds", "Upstream DAG", "Check every (seconds)",
             "Between checks the sensor frees its worker slot (mode='reschedule').",
             "int", 300, _simple(lambda n: v.int_at_least(n, 1)), when=_waits, depends_on=("external_dag_id",),
             place=Place("sensor", "poke_interval"), examples=(300, 60)),
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

# --- tables derived from the questions: the readers, migrate, the team config, the template --------

#: The pod options (asked behind "Set pod options?"), in the order the template writes them.
POD_OPTIONS: tuple[Question, ...] = tuple(q for q in TASK_QUESTIONS if q.pod_option)
#: What a file that leaves a pod option out means: the provider's defaults, the questions' own.
POD_OPTION_DEFAULTS: dict[str, Any] = {q.key: q.default for q in POD_OPTIONS}
#: The pod argument of a task answer, where the two are named differently (node_affinity: affinity).
POD_ARGUMENT_OF: dict[str, str] = {
    q.key: q.place.argument
    for q in TASK_QUESTIONS
    if q.place and q.place.on == "pod" and q.place.form != "built" and not q.place.field and q.place.argument != q.key
}
#: The team config's settings that give a question's default: setting -> what TOML value it takes.
TEAM_SETTINGS: dict[str, type | tuple[type, ...]] = {
    q.key: q.kind_of.setting_type for q in QUESTIONS if q.is_team_setting
}
#: team settings whose list items may be tables (a toleration, a volume)
TEAM_SETTINGS_OF_TABLES: frozenset[str] = frozenset(q.key for q in QUESTIONS if q.is_team_setting and q.kind_of.tables)
