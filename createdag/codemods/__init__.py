"""``migrate``'s codemods: one module per family of changes Airflow 3 needs, each rule with a
stable code, what it detects and what it does or reports (bump-pydantic's codemods and report,
django-upgrade's one fixer per change). What moved where is data, in ``tables``.

``FIXERS`` is the registry, in the order a node sees them; ``RULES`` every code the report
can carry, with the rules ``migrate`` itself applies to whole files (``createdag.migrate``).
"""

from __future__ import annotations

from createdag.codemods import arguments, imports, office365, pod_objects, templates
from createdag.codemods.base import Finding, Fixer, Rule
from createdag.codemods.engine import INTERNAL, SYNTAX, FileResult, migrate_source

FIXERS: tuple[Fixer, ...] = (
    office365.FIXER,
    imports.FIXER,
    pod_objects.FIXER,
    arguments.FIXER,
    templates.FIXER,
)

RULES: dict[str, Rule] = {rule.code: rule for fixer in FIXERS for rule in fixer.rules} | {
    SYNTAX.code: SYNTAX,
    INTERNAL.code: INTERNAL,
}

__all__ = ["FIXERS", "RULES", "FileResult", "Finding", "Fixer", "Rule", "migrate_source"]
