"""What checking one DAG file found: the record ``checking`` makes and ``check_cache`` keeps.

Its own module so that the cache (which stores and reads outcomes back) and the checker (which
makes them and asks the cache) both depend on it, and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileOutcome:
    """What loading one file gave, before the repo-wide rules (unique dag_ids) are applied."""

    file: str  # relative to the dags folder
    dag_ids: tuple[str, ...]
    seconds: float
    import_errors: tuple[tuple[str, int | None], ...]  # (the exception's last line, line in this file)
    #: per DAG in the bag's order: (dag_id, its line, the rules it breaks as (rule, message))
    dags: tuple[tuple[str, int | None, tuple[tuple[str, str], ...]], ...]
    warnings: tuple[str, ...] = ()  # trimmed, one line each
    output: tuple[str, ...] = ()  # what the file printed, trimmed
