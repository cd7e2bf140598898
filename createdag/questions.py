"""Every question create_dag asks, declared once, as data.

A ``Question`` says what is asked (prompt and a one-line help that explains
the option), the answer's kind, its default, how it is checked and when it is
asked. The interactive prompt, ``--set`` flags and answers files all go
through ``answers.resolve``, which reads this table; nothing else knows the
list of questions. The order of ``QUESTIONS`` is the order of the prompt.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from createdag import schedule as schedules
from createdag import validators as v
from createdag.config import TeamConfig
from createdag.errors import BadValue

Kind = Literal["text", "bool", "int", "list", "choices", "secrets"]
Answers = Mapping[str, Any]

ALERT_EVENTS = ("failure", "retry", "success")
ALERTS_MODULE = "teams_alerts"


@dataclass(frozen=True)
class Settings:
    """What the checks need beyond the answers: where files go, and the clock.

    ``planned`` holds DAGs being created in the same run (a batch), so a DAG
    can wait on another one that is not on disk yet.
    """

    output_dir: Path = Path("dags")
    force: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    planned: tuple[Any, ...] = ()
    team: TeamConfig = field(default_factory=TeamConfig)
    #: the dag_id names a DAG that exists already (update, adopt): do not refuse it as taken
    existing_dag: bool = False

    @property
    def repo_root(self) -> Path:
        """Where dag_ids must be unique: the folder of the team config, else the output folder."""
        return self.team.root or self.output_dir


Check = Callable[[Any, Answers, Settings], Any]
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
    kind: Kind
    default: Default
    check: Check | None = None
    when: Callable[[Answers], bool] = _always
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: how a list is typed on one line: "comma" (a, b) or "shell" (words, quotes allowed)
    list_syntax: Literal["comma", "shell"] = "comma"
    #: asked to steer the prompt only (e.g. "set resources?"); never rendered
    prompt_only: bool = False

    def default_for(self, answers: Answers, settings: Settings) -> Any:
        if self.key in settings.team.defaults:
            return settings.team.defaults[self.key]
        return self.default(answers, settings) if callable(self.default) else self.default


# --- checks that need more than the value -------------------------------------------


def _check_dag_id(value: str, answers: Answers, settings: Settings) -> str:
    value = v.dag_id(value)
    target = settings.output_dir / f"{value}.py"
    if not settings.force and target.exists():
        raise BadValue(f"{target} already exists: choose another dag_id, or pass --force to replace it")
    module = settings.team.alerts_module.split(".")[0]
    if value.lower() == module.lower():
        raise BadValue(f"{value!r} is the name of this repo's alert module ({settings.team.alerts_module}): choose another id")
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


def _check_schedule(value: str | None, answers: Answers, settings: Settings) -> str | None:
    return schedules.normalize_schedule(value)


def _check_max_active_runs(value: int, answers: Answers, settings: Settings) -> int:
    value = v.int_at_least(value, 1)
    if answers.get("schedule") == "@continuous" and value != 1:
        raise BadValue("a @continuous schedule needs max_active_runs = 1 (Airflow refuses anything else)")
    return value


def _check_alerts(value: list[str], answers: Answers, settings: Settings) -> list[str]:
    unknown = [event for event in value if event not in ALERT_EVENTS]
    if unknown:
        raise BadValue(f"unknown event {unknown[0]!r}: choose from {', '.join(ALERT_EVENTS)}, or none")
    return [event for event in ALERT_EVENTS if event in value]  # canonical order, no repeats


def _check_each(check: Callable[[str], str]) -> Check:
    def run(values: list[str], answers: Answers, settings: Settings) -> list[str]:
        return [check(item) for item in values]

    return run


def _check_secrets(values: list[dict[str, str]], answers: Answers, settings: Settings) -> list[dict[str, str]]:
    seen: set[str] = set()
    result = []
    for item in values:
        env = v.env_name(item["env"])
        if env in seen:
            raise BadValue(f"environment variable {env!r} is set twice")
        seen.add(env)
        result.append({"env": env, "secret": v.k8s_name(item["secret"]), "key": v.secret_key(item["key"])})
    return result


def _check_quantity(resource: str, request_key: str | None = None) -> Check:
    def run(value: str, answers: Answers, settings: Settings) -> str:
        value = v.quantity(value, resource)
        request = answers.get(request_key) if request_key else None
        if value and request and v.quantity_value(request) > v.quantity_value(value):
            raise BadValue(
                f"the {resource} request {request!r} is above this limit {value!r}: "
                "Kubernetes rejects such a pod; raise the limit or lower the request"
            )
        return value

    return run


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


def _check_external_dag_id(value: str, answers: Answers, settings: Settings) -> str:
    value = value.strip()
    if not value:
        return ""
    value = v.airflow_key(value, "upstream dag_id")
    if value == answers.get("dag_id"):
        raise BadValue(f"{value!r} is this DAG's own id: a DAG cannot wait for itself; use depends_on_past instead")
    return value


def _check_external_task_id(value: str, answers: Answers, settings: Settings) -> str:
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
        raise BadValue(
            f"{found.dag_id}.{value} runs as parallel pods (mapped), and ExternalTaskSensor never "
            "succeeds on a mapped task: leave external_task_id empty to wait for the whole DAG run"
        )
    return value


def _default_delta(answers: Answers, settings: Settings) -> int:
    from createdag import upstream

    found = upstream_of(answers, settings)
    ours = answers.get("schedule")
    if found is None or not (upstream.is_cron(ours) and upstream.is_cron(found.schedule)):
        return 0
    suggested = upstream.suggest_delta(
        ours, answers.get("timezone", "UTC"), found.schedule, found.timezone, alignment_start(answers, settings)
    )
    return 0 if suggested is None else suggested


def _check_delta(value: int, answers: Answers, settings: Settings) -> int:
    from createdag import upstream

    found = upstream_of(answers, settings)
    ours = answers.get("schedule")
    if found is None or not (upstream.is_cron(ours) and upstream.is_cron(found.schedule)):
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


def _simple(check: Callable[[Any], Any]) -> Check:
    return lambda value, answers, settings: check(value)


def _default_owner(answers: Answers, settings: Settings) -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; any owner will do
        return "airflow"


def _wants_resources(answers: Answers) -> bool:
    return bool(answers.get("resources"))


def _waits(answers: Answers) -> bool:
    return bool(answers.get("external_dag_id"))


QUESTIONS: tuple[Question, ...] = (
    # DAG ------------------------------------------------------------------------
    Question("dag_id", "DAG", "DAG id", "Unique id of the DAG in Airflow; also its file name, <dag_id>.py.",
             "text", None, _check_dag_id),
    Question("description", "DAG", "Description", "One line shown under the DAG's name in the Airflow UI.",
             "text", "", _simple(v.text)),
    Question("owner", "DAG", "Owner", "Who answers for this DAG (default_args owner), shown in the UI.",
             "text", _default_owner, _simple(v.non_empty)),
    Question("tags", "DAG", "Tags", "Labels to filter DAGs by in the UI, comma-separated (e.g. finance, daily).",
             "list", [], _check_each(v.tag)),
    # Schedule -------------------------------------------------------------------
    Question("schedule", "Schedule", "Schedule",
             "When runs start: cron ('30 6 * * 1-5'), a preset (@daily, @hourly...) or None for manual only.",
             "text", "@daily", _check_schedule),
    Question("start_date", "Schedule", "Start date",
             "First date the schedule counts from, YYYY-MM-DD: a fixed date, never 'now'.",
             "text", lambda answers, settings: settings.today.isoformat(), _simple(v.iso_date)),
    Question("timezone", "Schedule", "Timezone",
             "IANA timezone the schedule's times are read in (DST-aware), e.g. Europe/Paris.",
             "text", "UTC", _simple(v.timezone)),
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
             "int", 1, _check_max_active_runs),
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
             when=lambda answers: answers.get("retries", 0) > 0),
    Question("alerts", "Retries and alerts", "Teams alerts on",
             "Which task events post a card to the team's Microsoft Teams channel (none: no alerts).",
             "choices", ["failure"], _check_alerts, choices=ALERT_EVENTS),
    Question("teams_conn_id", "Retries and alerts", "Teams connection id",
             "Airflow connection that holds the Teams Workflows webhook URL (never the URL itself).",
             "text", "msteams_webhook_url", _simple(lambda s: v.airflow_key(s.strip(), "connection id")),
             when=lambda answers: bool(answers.get("alerts"))),
    # Pod ------------------------------------------------------------------------
    Question("task_id", "Pod", "Task id", "Id of the pod task inside the DAG.",
             "text", "main", _simple(v.task_id)),
    Question("image", "Pod", "Container image",
             "Image the pod runs; pin a tag or digest, e.g. ghcr.io/acme/etl:1.4.2.",
             "text", None, _simple(v.image)),
    Question("namespace", "Pod", "Namespace", "Kubernetes namespace the pod is created in.",
             "text", "airflow", _simple(v.k8s_label_name)),
    Question("shards", "Pod", "Parallel pods",
             "Run the pod N times at once, each with SHARD=0..N-1 and SHARDS=N in its env (1: one pod).",
             "int", 1, _simple(lambda n: v.int_between(n, 1, 1024))),
    Question("cmds", "Pod", "Command",
             "Entrypoint override as shell words, e.g. python -m etl (empty: the image's ENTRYPOINT).",
             "list", [], _check_each(v.airflow_template), list_syntax="shell"),
    Question("arguments", "Pod", "Arguments",
             "Arguments as shell words (empty: the image's CMD); Airflow renders {{ ds }} and the like.",
             "list", [], _check_each(v.airflow_template), list_syntax="shell"),
    # Secrets --------------------------------------------------------------------
    Question("secrets", "Secrets", "Secret env vars",
             "ENV=secret:key, comma-separated: env var ENV from key 'key' of Kubernetes Secret 'secret'.",
             "secrets", [], _check_secrets),
    Question("image_pull_secrets", "Secrets", "Image pull secrets",
             "Kubernetes Secrets with registry credentials for pulling the image, comma-separated.",
             "list", ["regcred"], _check_each(v.k8s_name)),
    # Upstream DAG ---------------------------------------------------------------
    Question("upstream", "Upstream DAG", "Does this DAG wait for another DAG?",
             "Adds an ExternalTaskSensor that waits for the other DAG's run before the pod starts.",
             "bool", False, prompt_only=True),
    Question("external_dag_id", "Upstream DAG", "Upstream dag_id", "The DAG whose run this one waits for.",
             "text", "", _check_external_dag_id, when=lambda answers: bool(answers.get("upstream"))),
    Question("external_task_id", "Upstream DAG", "Upstream task_id",
             "Wait for this task of it to succeed (empty: for the whole DAG run to succeed).",
             "text", "", _check_external_task_id, when=_waits),
    Question("external_delta_minutes", "Upstream DAG", "Upstream run offset (minutes)",
             "How much earlier the upstream run's logical date is than this run's (0: the same).",
             "int", _default_delta, _check_delta, when=_waits),
    Question("sensor_timeout_minutes", "Upstream DAG", "Give up waiting after (minutes)",
             "The sensor fails (and alerts) when the upstream has not succeeded by then.",
             "int", 360, _simple(lambda n: v.int_at_least(n, 1)), when=_waits),
    Question("sensor_poke_interval_seconds", "Upstream DAG", "Check every (seconds)",
             "Between checks the sensor frees its worker slot (mode='reschedule').",
             "int", 300, _simple(lambda n: v.int_at_least(n, 1)), when=_waits),
    # Resources ------------------------------------------------------------------
    Question("resources", "Resources", "Set CPU and memory requests/limits?",
             "Requests reserve capacity for scheduling; limits cap what the pod may use.",
             "bool", False, prompt_only=True),
    Question("cpu_request", "Resources", "CPU request", "CPU reserved for the pod, e.g. 250m or 1 (empty: none).",
             "text", "", _check_quantity("cpu"), when=_wants_resources),
    Question("memory_request", "Resources", "Memory request", "Memory reserved for the pod, e.g. 512Mi (empty: none).",
             "text", "", _check_quantity("memory"), when=_wants_resources),
    Question("cpu_limit", "Resources", "CPU limit", "Most CPU the pod may use; throttled above it (empty: none).",
             "text", "", _check_quantity("cpu", "cpu_request"), when=_wants_resources),
    Question("memory_limit", "Resources", "Memory limit",
             "Most memory the pod may use; killed (OOMKilled) above it (empty: none).",
             "text", "", _check_quantity("memory", "memory_request"), when=_wants_resources),
)  # fmt: skip

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
ALIASES: dict[str, str] = {alias: q.key for q in QUESTIONS for alias in q.aliases}
#: Keys that reach the template (everything but prompt-only steering questions).
ANSWER_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS if not q.prompt_only)
