"""The team's conventions, read from the dags repo.

A ``[tool.create_dag]`` table in the repo's ``pyproject.toml``, or a
``.create_dag.toml`` file, found by walking up from the output folder (the
nearest wins). Its defaults replace the built-in ones in the prompt and for
missing answers; its rules are enforced by the same checks for prompts,
flags and answers files (see ``rules.apply_team_rules``). Precedence:
config < answers file < ``--set``.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag.errors import ConfigError, PatternError, shown
from createdag.questions import TEAM_SETTINGS, TEAM_SETTINGS_OF_TABLES

CONFIG_FILE = ".create_dag.toml"
CONFIG_MAX_BYTES = 4 * 2**20  # pyproject.toml included; a config is a few hundred bytes


@dataclass(frozen=True)
class TeamConfig:
    """The team's config as read: defaults for the questions and the rules every command
    enforces; without a config file, the built-in ones."""

    path: Path | None = None
    defaults: dict[str, Any] = field(default_factory=dict)  # question key -> default answer
    owners: tuple[str, ...] = ()  # allowed owners (empty: any)
    allowed_tags: tuple[str, ...] = ()  # allowed tags (empty: any)
    dag_id_pattern: str | None = None
    dag_id_example: str | None = None
    image_registry: str | None = None  # images must be from this registry path; ends in "/" (see admits_image)
    alerts_module: str = "teams_alerts"
    output_dir: Path | None = None
    check_skip: tuple[str, ...] = ()  # DAG files (relative) exempt from `check` rules
    require_pinned_image: bool = False  # refuse images without a tag, or :latest (else a warning)
    # rules `check` and creation enforce, each off by default (docs/deploy.md, "Rules for the cluster")
    require_memory_resources: bool = False  # every pod task has a memory request and limit
    require_pod_timeouts: bool = False  # every pod task has a pending timeout and an execution timeout
    remote_logging: bool | None = None  # False: the deployment keeps no logs remotely, so no delete_pod
    require_run_date_templates: bool = False  # no template reads the logical date, in any DAG
    # what the cluster runs, when it differs from what is installed here: pod options that need a newer
    # release are refused (rules.POD_OPTION_NEEDS)
    cluster_airflow_version: tuple[int, int] | None = None
    cluster_cncf_kubernetes_version: tuple[int, int] | None = None

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None

    def dag_id_matches(self, dag_id: str) -> bool:
        """Whether ``dag_id`` follows ``dag_id_pattern`` (any does when there is none), in
        time linear in its length: see ``compile_dag_id_pattern``."""
        if self.dag_id_pattern is None:
            return True
        if len(dag_id) > DAG_ID_CHECKED_MAX:
            return False
        return compile_dag_id_pattern(self.dag_id_pattern).fullmatch(dag_id) is not None

    def admits_image(self, image: str) -> bool:
        """Whether ``image`` is from ``image_registry`` (any is when there is none)."""
        return self.image_registry is None or image_in_registry(image, self.image_registry)


#: dag_id_pattern is matched against at most this much (Airflow's limit for a dag_id).
DAG_ID_CHECKED_MAX = 250
DAG_ID_PATTERN_MAX = 500  # characters of the pattern itself


@functools.lru_cache(maxsize=8)
def compile_dag_id_pattern(pattern: str) -> Any:
    """The team's dag_id pattern, compiled by RE2 (the ``google-re2`` package).

    The prompt checks the pattern on every key press, and the pattern comes
    from a file in the repo that anyone may edit in a pull request. Python's
    ``re`` backtracks: ``(a+)+$``, or ``a*a*a*...b``, takes exponential or
    high-polynomial time on a 30-character dag_id and hangs the prompt (seen:
    past 20 s). Refusing such patterns at load would need a proof that a
    pattern cannot backtrack badly, which no simple syntactic check gives
    (nested quantifiers are only one way in); a timeout (the ``regex``
    module's) makes the same dag_id pass or fail depending on the machine's
    load. RE2 matches in time linear in the input, whatever the pattern, and
    bounds the memory of a compiled pattern (``(a{1000}){1000}`` is refused
    when the config is read). What it does not support is refused then too,
    with the reason: look-around and back-references, which a naming rule
    does not need. The input is bounded as well (``DAG_ID_CHECKED_MAX``).
    """
    if len(pattern) > DAG_ID_PATTERN_MAX:
        raise PatternError(f"is {len(pattern)} characters long: a naming rule needs at most {DAG_ID_PATTERN_MAX}")
    try:
        import re2
    except ImportError:
        raise PatternError("needs the google-re2 package to be checked safely: pip install google-re2") from None
    options = re2.Options()
    options.log_errors = False  # the reason is in the exception; keep stderr clean
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"is not a regular expression RE2 accepts ({reason}): no look-around or back-references"
        ) from None


def image_in_registry(image: str, registry: str) -> bool:
    """Whether ``image`` is from ``registry``, a registry host or a path in one, at a path
    boundary: ``ghcr.io/acme`` (or ``ghcr.io/acme/``) admits ``ghcr.io/acme/etl:1.4``,
    ``ghcr.io/acme/team/etl@sha256:...`` and, when it names one repository,
    ``ghcr.io/acme:1.0``; never ``ghcr.io/acmeevil/etl`` nor ``ghcr.io/acme/../x``.
    The tag or digest is not part of the comparison.
    """
    prefix = registry.rstrip("/")
    name = image.split("@", 1)[0]  # without the digest
    head, colon, tag = name.rpartition(":")
    if colon and "/" not in tag:  # a tag, not a registry's port
        name = head
    if name == prefix:
        return "/" in prefix  # the registry path is itself a repository; a bare host is not
    if not name.startswith(prefix + "/"):
        return False
    return all(part not in ("", ".", "..") for part in name[len(prefix) + 1 :].split("/"))


#: The settings of the team config's own (rules, places), and their types.
_OWN_SETTINGS: dict[str, type | tuple[type, ...]] = {
    "owners": list,
    "allowed_tags": list,
    "dag_id_pattern": str,
    "dag_id_example": str,
    "image_registry": str,
    "alerts_module": str,
    "output_dir": str,
    "check_skip": list,
    "require_pinned_image": bool,
    # rules for the cluster (issue 26), each off by default (docs/deploy.md, "Rules for the cluster")
    "require_memory_resources": bool,
    "require_pod_timeouts": bool,
    "remote_logging": bool,
    "require_run_date_templates": bool,
    # what the cluster runs, when it differs from what is installed here
    "cluster_airflow_version": str,
    "cluster_cncf_kubernetes_version": str,
}
#: setting -> (type, question key it gives the default of, or None). The defaults are the
#: questions' (``Question.team_setting``, every pod option): labels and annotations are merged
#: into the task's, the other pod options are every pod task's default.
_SETTINGS: dict[str, tuple[type | tuple[type, ...], str | None]] = {
    **{key: (kind, None) for key, kind in _OWN_SETTINGS.items()},
    **{key: (kind, key) for key, kind in TEAM_SETTINGS.items()},
}
#: settings whose list items may be tables (a toleration, a volume), checked as the answer is
_TABLES_IN_LISTS = TEAM_SETTINGS_OF_TABLES


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            raw = handle.read(CONFIG_MAX_BYTES + 1)
        if len(raw) > CONFIG_MAX_BYTES:
            raise ConfigError(f"{path}: larger than {CONFIG_MAX_BYTES // 2**20} MiB: this is not a config file")
        return tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}): fix the syntax") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config file: fix it") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ConfigError(f"{path}: a number in it has more than 4,300 digits: no setting needs one") from None


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config at or above ``start``: its path and its settings table."""
    here = start.resolve()
    while not here.exists():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            data = _load_toml(candidate)
            return candidate, data.get("tool", {}).get("create_dag", data)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _load_toml(pyproject).get("tool", {}).get("create_dag")
            if table is not None:
                return pyproject, table
    return None


def _known_settings_hint(key: str) -> str:
    """The settings a mistyped key may mean, else where the list is: the full list of some
    fifty names would bury the message."""
    import difflib

    from createdag.invocation import docs_hint

    where = f'{docs_hint("usage")}, "Team config settings"'
    close = difflib.get_close_matches(key[:100], list(_SETTINGS), n=3)
    if close:
        return f"did you mean {' or '.join(close)}? (every setting: {where})"
    return f"every setting is listed in {where}"


def parse_config(path: Path, table: dict[str, Any]) -> TeamConfig:
    """Check every setting; raise ``ConfigError`` naming the file, the key and the fix."""
    where = f"{path} [tool.create_dag]" if path.name == "pyproject.toml" else str(path)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _SETTINGS:
            raise ConfigError(f"{where}: unknown setting {shown(key)}: {_known_settings_hint(key)}")
        kind, _ = _SETTINGS[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            names = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            raise ConfigError(f"{where}: {key} must be a {names}, not {shown(value)}")
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise ConfigError(f"{where}: {key} = {shown(value)} is too large: no setting needs it")
        if isinstance(value, list) and key not in _TABLES_IN_LISTS and not all(isinstance(i, str) for i in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, e.g. {key} = [\"a\", \"b\"]")
        values[key] = value
    pattern = values.get("dag_id_pattern")
    if pattern is not None:
        try:
            compiled = compile_dag_id_pattern(pattern)
        except PatternError as exc:
            raise ConfigError(f"{where}: dag_id_pattern {shown(pattern)} {exc}") from None
        example = values.get("dag_id_example")
        if example is None:
            raise ConfigError(f"{where}: dag_id_pattern needs dag_id_example, a name that matches it, for messages")
        if len(example) > DAG_ID_CHECKED_MAX or not compiled.fullmatch(example):
            raise ConfigError(
                f"{where}: dag_id_example {shown(example)} does not match dag_id_pattern {shown(pattern)}"
            )
    registry = values.get("image_registry")
    if registry is not None:
        _check_registry(registry, where)
    module = values.get("alerts_module", "teams_alerts")
    _check_alerts_module(module, where)
    defaults = {question: values[key] for key, (_, question) in _SETTINGS.items() if question and key in values}
    return TeamConfig(
        path=path,
        defaults=defaults,
        owners=tuple(values.get("owners", ())),
        allowed_tags=tuple(values.get("allowed_tags", ())),
        dag_id_pattern=pattern,
        dag_id_example=values.get("dag_id_example"),
        # with its "/": messages then say what an image must start with ("ghcr.io/acme/")
        image_registry=registry.rstrip("/") + "/" if registry is not None else None,
        alerts_module=module,
        output_dir=_inside_repo(path, where, "output_dir", values["output_dir"]) if "output_dir" in values else None,
        check_skip=tuple(values.get("check_skip", ())),
        require_pinned_image=values.get("require_pinned_image", False),
        require_memory_resources=values.get("require_memory_resources", False),
        require_pod_timeouts=values.get("require_pod_timeouts", False),
        remote_logging=values.get("remote_logging"),
        require_run_date_templates=values.get("require_run_date_templates", False),
        cluster_airflow_version=_release(values, "cluster_airflow_version", where),
        cluster_cncf_kubernetes_version=_release(values, "cluster_cncf_kubernetes_version", where),
    )


def _inside_repo(path: Path, where: str, key: str, value: str) -> Path:
    """``value``, a folder the config names, relative to the config's folder (the repo), when it
    stays inside the repo once ``..`` and symlinks are followed. A config is a committed file anyone
    may change in a pull request: what it names must never make create_dag write elsewhere."""
    import os

    root = Path(os.path.realpath(path.parent))
    if "\x00" in value:
        raise ConfigError(f"{where}: {key} {shown(value)} holds a NUL character: give a folder inside the repo")
    target = Path(os.path.realpath(root / value))
    if not target.is_relative_to(root):
        raise ConfigError(
            f"{where}: {key} {shown(value)} is outside the repo {root} (it leads to {target}): give a folder "
            f"inside it, relative to the config, e.g. {key} = \"dags\"; to write elsewhere, pass -o"
        )
    return path.parent / value


def _release(values: dict[str, Any], key: str, where: str) -> tuple[int, int] | None:
    """``"3.2"`` or ``"10.12.1"`` -> (3, 2) / (10, 12)."""
    import re

    if key not in values:
        return None
    found = re.fullmatch(r"(\d{1,4})\.(\d{1,4})(?:\.\d{1,4})?", values[key].strip())
    if not found:
        raise ConfigError(f"{where}: {key} {shown(values[key])} is not a release like \"3.2\" or \"10.12.1\"")
    return int(found[1]), int(found[2])


def _check_alerts_module(module: str, where: str) -> None:
    """The alert module is written into the dags folder (``a.b`` as ``a/b.py``) and
    imported by every DAG: each part must be importable, and the top-level name
    must not be one that Python would find elsewhere (see ``createdag.modules``)."""
    from createdag.modules import importable, taken_by

    parts = module.split(".")
    bad = next((part for part in parts if not importable(part)), None)
    if bad is not None:
        why = f"{bad!r} is a Python keyword" if bad.isidentifier() else f"{shown(bad)} is not a Python name"
        raise ConfigError(f"{where}: alerts_module {shown(module)} is not an import path ({why}), e.g. 'teams_alerts'")
    from createdag.resources import alerts_module_source

    clash = taken_by(parts[0], alerts_module_source() if len(parts) == 1 else None)
    if clash:
        raise ConfigError(
            f"{where}: alerts_module {module!r} would put {parts[0]}{'/' if len(parts) > 1 else '.py'} in the "
            f"dags folder, which {clash}: every DAG would import the wrong module; "
            "choose another name, e.g. 'teams_alerts'"
        )


def _check_registry(registry: str, where: str) -> None:
    prefix = registry.rstrip("/")
    if not prefix or any(c.isspace() for c in prefix) or "@" in prefix:
        raise ConfigError(f"{where}: image_registry {shown(registry)} is not a registry path, e.g. 'ghcr.io/acme'")
    if "/" in prefix and ":" in prefix.rsplit("/", 1)[1]:
        raise ConfigError(
            f"{where}: image_registry {shown(registry)} has a tag: give the registry path only, e.g. "
            f"{prefix.rsplit(':', 1)[0]!r}"
        )
    if any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ConfigError(f"{where}: image_registry {shown(registry)} has an empty, '.' or '..' part")


def dags_folder(given: Path | None, team: TeamConfig, default: Path = Path("dags")) -> Path:
    """``-o`` when given, else the team config's output_dir (relative to here when it
    can be, for readable messages), else ``default``. Commands reach it through
    ``settings.settings_for``."""
    if given is not None:
        return given
    if team.output_dir is None:
        return default
    try:
        return team.output_dir.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return team.output_dir


def load_team_config(start: Path) -> TeamConfig:
    """The team config that applies to ``start``, or an empty one."""
    found = find_config(start)
    return parse_config(*found) if found else TeamConfig()


CONFIG_TEMPLATE = """\
# create_dag settings for this dags repo. Every line is optional; delete what
# you do not need. Defaults fill the prompt; rules are enforced for prompts,
# --set and answers files alike. Precedence: this file < answers file < --set.

# owner = "data-team"                 # default owner
# owners = ["data-team", "ml-team"]   # only these owners are allowed
# tags = ["data"]                     # default tags
# allowed_tags = ["data", "finance", "daily", "hourly"]
# dag_id_pattern = "[a-z][a-z0-9_]*__v[0-9]+"   # e.g. require a version suffix (RE2 syntax)
# dag_id_example = "orders_sync__v1"            # shown in messages; must match the pattern
# namespace = "airflow"
# image_registry = "ghcr.io/acme/"    # images must be from this registry path
# image_pull_secrets = ["regcred"]
# cpu_request = "250m"                # every pod task's, unless its answers say otherwise
# memory_request = "512Mi"
# cpu_limit = "1"
# memory_limit = "1Gi"
# teams_conn_id = "msteams_webhook_url"
# alerts_module = "teams_alerts"      # import path of the alert module beside the DAGs
# timezone = "UTC"
# retries = 2
# alerts = ["failure"]
# output_dir = "dags"                 # relative to this file
# check_skip = []                     # DAG files exempt from `create-dag check` rules
# require_pinned_image = false        # true: refuse images without a tag, or :latest (else a warning)
# Rules for the cluster, enforced by creation and `check` (`create-dag docs deploy`, "Rules for the cluster"):
# require_memory_resources = false    # true: every pod task has a memory request and limit
# require_pod_timeouts = false        # true: every pod task has a pending timeout and an execution_timeout
# remote_logging = true               # false: logs are not kept remotely, so no on_finish_action="delete_pod"
# require_run_date_templates = false  # true: no template reads the logical date ({{ ds }}), in any DAG
# cluster_airflow_version = "3.3"     # what the cluster runs: pod options that need newer are refused
# cluster_cncf_kubernetes_version = "10.25"
# Pod options: every pod task's default (`create-dag docs options`, "Pods on a real cluster")
# service_account_name = "etl-runner"
# container_security_context = {run_as_non_root = true, run_as_user = 1000, read_only_root_filesystem = true}
# node_selector = {pool = "batch"}
# tolerations = [{key = "dedicated", operator = "Equal", value = "batch", effect = "NoSchedule"}]
# labels = {team = "data"}            # merged into every task's labels
# annotations = {}                    # merged into every task's annotations
# on_finish_action = "delete_pod"     # or delete_succeeded_pod, keep_pod
# startup_timeout_seconds = 120
"""
