"""What every command works with besides the answers: the dags folder, the team config, the clock.

``settings_for`` is the one rule for which folder a command works on and
which team config applies, used by create, update, adopt and check alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag.config import TeamConfig, dags_folder, load_team_config


@dataclass(frozen=True)
class Settings:
    """What the checks need beyond the answers: where files go, the team's rules, and the clock.

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
    #: the DAG was written by hand (adopt): the team's labels and annotations are for new DAGs,
    #: never merged into what its file says
    adopted: bool = False

    @property
    def repo_root(self) -> Path:
        """Where dag_ids must be unique: the folder of the team config, else the output folder."""
        return self.team.root or self.output_dir


def settings_for(
    output_dir: Path | None = None, *, repo: Path | None = None, force: bool = False, existing_dag: bool = False
) -> Settings:
    """The settings for a command run: the team config found walking up from ``output_dir``
    (else ``repo``, else here), and the dags folder: ``output_dir`` when given, else the
    config's ``output_dir``, else ``<repo>/dags`` (``./dags`` without a repo)."""
    team = load_team_config(output_dir or repo or Path.cwd())
    default = repo / "dags" if repo is not None else Path("dags")
    return Settings(
        output_dir=dags_folder(output_dir, team, default), force=force, team=team, existing_dag=existing_dag
    )
