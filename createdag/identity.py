"""Who is running create_dag: the owner default when the team config names none.

The git author name (``git config user.name`` in the dags repo) says who
answers for a DAG better than the login name, which is ``root`` in
containers and CI. git runs once per process, only when a default owner is
needed (the owner question, or answers without an owner), with a timeout;
without git, or without a name configured, the login name is used.
"""

from __future__ import annotations

import functools
import getpass
from pathlib import Path

GIT_TIMEOUT_SECONDS = 2.0


@functools.lru_cache(maxsize=8)
def git_user_name(where: Path) -> str | None:
    """``git config user.name`` as seen from ``where``; None without git or a name."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "config", "--get", "user.name"],
            cwd=where, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):  # no git, or it hangs: any owner will do
        return None
    name = result.stdout.strip()
    return name if result.returncode == 0 and name else None


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return "airflow"


def default_owner(folder: Path, allowed: tuple[str, ...] = ()) -> str:
    """The git author name, else the login name; with a list of ``allowed`` owners, the first
    of those two that is allowed, else the first allowed owner."""
    here = folder.resolve()
    while not here.is_dir():
        here = here.parent
    candidates = [name for name in (git_user_name(here), login_name()) if name]
    if allowed:
        return next((name for name in candidates if name in allowed), allowed[0])
    return candidates[0]
