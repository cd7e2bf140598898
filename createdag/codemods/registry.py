"""The codemods' registry: every fixer, in the order a node sees them, and every code the
report can carry (``migrate`` adds the rules it applies to whole files)."""


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
