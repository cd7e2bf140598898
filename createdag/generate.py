"""The non-interactive pipeline shared by the CLI, the gallery and batch runs.

raw answer mappings -> ``resolve_all`` (validated answers, notices) ->
``render_all`` (file text) -> ``write_all`` (atomic files). Nothing here
prints; callers decide what to tell the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from createdag.errors import InvalidAnswer, InvalidAnswers, OutputExists
from createdag.questions import Settings


@dataclass(frozen=True)
class Rendered:
    path: Path
    source: str
    uses_alerts: bool


def resolve_all(
    entries: Sequence[Mapping[str, Any]], sets: Mapping[str, Any], settings: Settings, source: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate every entry (``sets`` win over each); raise every problem at once."""
    from createdag.answers import resolve
    from createdag.upstream import planned_dags

    merged = [{**entry, **sets} for entry in entries]
    if len(merged) > 1:  # a DAG may wait for another one created in the same run
        settings = replace(settings, planned=planned_dags(merged))
    results: list[dict[str, Any]] = []
    notices: list[str] = []
    problems: list[InvalidAnswer] = []
    for number, entry in enumerate(merged, 1):
        where = f"{source} DAG #{number}" if len(merged) > 1 else source
        try:
            answers, found = resolve(entry, settings, source=where)
        except InvalidAnswers as exc:
            problems.extend(exc.problems)
            continue
        notices.extend(f"{answers['dag_id']}: {notice}" for notice in found)
        results.append(answers)
    seen: set[str] = set()
    for answers in results:
        if answers["dag_id"] in seen:
            problems.append(InvalidAnswer("dag_id", f"{answers['dag_id']!r} appears twice in one run", source))
        seen.add(answers["dag_id"])
    if problems:
        raise InvalidAnswers(problems)
    return results, notices


def render_all(all_answers: Sequence[Mapping[str, Any]], output_dir: Path) -> list[Rendered]:
    from createdag.render import render_dag

    return [
        Rendered(output_dir / f"{answers['dag_id']}.py", render_dag(answers), bool(answers["alerts"]))
        for answers in all_answers
    ]


def install_alerts_module(output_dir: Path) -> str | None:
    """Write the alert module beside the DAGs when absent; never replace a different one.

    Returns what to tell the user, or None when the module is already there as shipped.
    """
    from createdag import resources
    from createdag.output import write_atomic

    target = output_dir / resources.ALERTS_FILE
    shipped = resources.alerts_module_source()
    if not target.exists():
        write_atomic(target, shipped)
        return f"wrote {target} (the Teams alert module the DAG imports)"
    if target.read_text(encoding="utf-8") != shipped:
        return (
            f"note: {target} differs from the version shipped with create_dag; kept yours. "
            f"To take the new one, compare with hooks/{resources.ALERTS_FILE}, or delete yours and run again."
        )
    return None


def write_all(rendered: Sequence[Rendered], output_dir: Path, force: bool) -> list[str]:
    """Write every file, refusing before the first write if any would be replaced without ``force``."""
    from createdag.output import write_atomic

    if not force:
        for item in rendered:
            if item.path.exists():
                raise OutputExists(str(item.path))
    messages = []
    if any(item.uses_alerts for item in rendered):
        message = install_alerts_module(output_dir)
        if message:
            messages.append(message)
    for item in rendered:
        write_atomic(item.path, item.source, force=force)
        messages.append(f"wrote {item.path}")
    return messages
