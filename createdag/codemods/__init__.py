"""``migrate``'s codemods: one module per family of changes Airflow 3 needs, each rule with a
stable code, what it detects and what it does or reports (bump-pydantic's codemods and report,
django-upgrade's one fixer per change). What moved where is data, in ``tables``.

``registry.FIXERS`` is the registry, in the order a node sees them; ``registry.RULES`` every code the report
can carry, with the rules ``migrate`` itself applies to whole files (``createdag.migrate``).
"""
