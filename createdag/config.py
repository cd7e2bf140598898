"""The team's conventions, read from the dags repo.

A ``[tool.create_dag]`` table in the repo's ``pyproject.toml``, or a
``.create_dag.toml`` file, found by walking up from the output folder (the
nearest wins). Its defaults replace the built-in ones in the prompt and for
missing answers; its rules are enforced by the same checks for prompts,
flags and answers files (see ``rules.apply_team_rules``). Precedence:
config < answers file < ``--set``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag.errors import ConfigError

CONFIG_FILE = ".create_dag.toml"


@dataclass(frozen=True)
class TeamConfig:
    path: Path | None = None
    defaults: dict[str, Any] = field(default_factory=dict)  # question key -> default answer
    owners: tuple[str, ...] = ()  # allowed owners (empty: any)
    allowed_tags: tuple[str, ...] = ()  # allowed tags (empty: any)
    dag_id_pattern: str | None = None
    dag_id_example: str | None = None
    image_registry: str | None = None  # images must start with this
    alerts_module: str = "teams_alerts"
    output_dir: Path | None = None
    check_skip: tuple[str, ...] = ()  # DAG files (relative) exempt from `check` rules
    require_pinned_image: bool = False  # refuse images without a tag, or :latest (else a warning)

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None


#: setting -> (type, question key it gives the default of, or None)
_SETTINGS: dict[str, tuple[type | tuple[type, ...], str | None]] = {
    "owner": (str, "owner"),
    "owners": (list, None),
    "tags": (list, "tags"),
    "allowed_tags": (list, None),
    "dag_id_pattern": (str, None),
    "dag_id_example": (str, None),
    "namespace": (str, "namespace"),
    "image_registry": (str, None),
    "image_pull_secrets": (list, "image_pull_secrets"),
    "teams_conn_id": (str, "teams_conn_id"),
    "alerts_module": (str, None),
    "timezone": (str, "timezone"),
    "output_dir": (str, None),
    "retries": (int, "retries"),
    "alerts": (list, "alerts"),
    "check_skip": (list, None),
    "require_pinned_image": (bool, None),
}


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}): fix the syntax") from None


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


def parse_config(path: Path, table: dict[str, Any]) -> TeamConfig:
    """Check every setting; raise ``ConfigError`` naming the file, the key and the fix."""
    where = f"{path} [tool.create_dag]" if path.name == "pyproject.toml" else str(path)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _SETTINGS:
            raise ConfigError(f"{where}: unknown setting {key!r}: known settings are {', '.join(_SETTINGS)}")
        kind, _ = _SETTINGS[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise ConfigError(f"{where}: {key} must be a {getattr(kind, '__name__', kind)}, not {value!r}")
        if kind is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, e.g. {key} = [\"a\", \"b\"]")
        values[key] = value
    pattern = values.get("dag_id_pattern")
    if pattern is not None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: dag_id_pattern {pattern!r} is not a regular expression ({exc})") from None
        example = values.get("dag_id_example")
        if example is None:
            raise ConfigError(f"{where}: dag_id_pattern needs dag_id_example, a name that matches it, for messages")
        if not compiled.fullmatch(example):
            raise ConfigError(f"{where}: dag_id_example {example!r} does not match dag_id_pattern {pattern!r}")
    module = values.get("alerts_module", "teams_alerts")
    if not all(part.isidentifier() for part in module.split(".")):
        raise ConfigError(f"{where}: alerts_module {module!r} is not an import path, e.g. 'teams_alerts'")
    defaults = {question: values[key] for key, (_, question) in _SETTINGS.items() if question and key in values}
    return TeamConfig(
        path=path,
        defaults=defaults,
        owners=tuple(values.get("owners", ())),
        allowed_tags=tuple(values.get("allowed_tags", ())),
        dag_id_pattern=pattern,
        dag_id_example=values.get("dag_id_example"),
        image_registry=values.get("image_registry"),
        alerts_module=module,
        output_dir=(path.parent / values["output_dir"]) if "output_dir" in values else None,
        check_skip=tuple(values.get("check_skip", ())),
        require_pinned_image=values.get("require_pinned_image", False),
    )


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
# dag_id_pattern = "[a-z][a-z0-9_]*__v[0-9]+"   # e.g. require a version suffix
# dag_id_example = "orders_sync__v1"            # shown in messages; must match the pattern
# namespace = "airflow"
# image_registry = "ghcr.io/acme/"    # images must start with this
# image_pull_secrets = ["regcred"]
# teams_conn_id = "msteams_webhook_url"
# alerts_module = "teams_alerts"      # import path of the alert module beside the DAGs
# timezone = "UTC"
# retries = 2
# alerts = ["failure"]
# output_dir = "dags"                 # relative to this file
# check_skip = []                     # DAG files exempt from `create_dag.py check` rules
# require_pinned_image = false        # true: refuse images without a tag, or :latest (else a warning)
"""
