"""The Office 365 connector alert (a MessageCard posted to a webhook connection), in a DAG file
or a helper module it imports: the callback becomes a call to this project's Teams alert module
(``teams_alerts.send_alert``, a Workflows Adaptive Card), and what only it used goes.
Office 365 connectors are retired, so the report says what the connection must now hold."""

from __future__ import annotations

import libcst as cst

from createdag.codemods.base import Facts, FileContext, Fixer, Rule, keyword, literal, walk

ALERT = Rule(
    "AIR3-office365-alert",
    "change",
    "an Office 365 MessageCard callback becomes the Teams Workflows alert (teams_alerts.send_alert); the connection must hold a Workflows URL",  # noqa: E501
)
HELPER_REMOVED = Rule(
    "AIR3-office365-helper", "change", "a class or function only the Office 365 callback used: removed with it"
)

FIXER = Fixer("office365", (ALERT, HELPER_REMOVED))

#: The connection the alert module reads when the old callback named none.
DEFAULT_CONN_ID = "msteams_webhook_url"
ALERTS_MODULE = "teams_alerts"


def _posts_card(node: cst.CSTNode) -> bool:
    for child in walk(node):
        if isinstance(child, cst.SimpleString | cst.ConcatenatedString):
            value = child.evaluated_value
            if isinstance(value, str) and "MessageCard" in value:
                return True
    return False


def _names(node: cst.CSTNode) -> set[str]:
    return {child.value for child in walk(node) if isinstance(child, cst.Name)}


def _conn_id(nodes: list[cst.CSTNode]) -> str:
    for node in nodes:
        for child in walk(node):
            if isinstance(child, cst.Call):
                func = child.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value == "get_connection"
                    and child.args
                    and isinstance(literal(child.args[0].value), str)
                ):
                    return literal(child.args[0].value)
                for name in ("http_conn_id", "conn_id", "webhook_conn_id"):
                    given = keyword(child, name)
                    if given is not None and isinstance(literal(given.value), str):
                        return literal(given.value)
            if (
                isinstance(child, cst.Param)
                and child.name.value in ("http_conn_id", "conn_id")
                and child.default
                and isinstance(literal(child.default), str)
            ):
                return literal(child.default)
    return DEFAULT_CONN_ID


def scan(module: cst.Module, facts: Facts) -> None:
    """Find the card callbacks and what only they use (top-level definitions)."""
    defs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef | cst.ClassDef)}
    cards = {name for name, node in defs.items() if _posts_card(node)}
    if not cards:
        return
    uses = {name: _names(node) - {name} for name, node in defs.items()}
    callbacks = {
        name
        for name, node in defs.items()
        if isinstance(node, cst.FunctionDef)
        and node.params.params
        and (name in cards or uses[name] & cards)
        and not isinstance(defs.get(name), cst.ClassDef)
    }
    callbacks -= {n for n in callbacks if any(n in uses[c] for c in callbacks if c != n)}  # helpers of another
    if not callbacks:
        return
    removed = set(cards) - callbacks
    outside = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.name.value in removed | callbacks:
            continue
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(
            statement.body[0], cst.Import | cst.ImportFrom
        ):
            continue
        outside |= _names(statement)
    removed -= outside | facts.imported_elsewhere
    inside = set().union(*(_names(defs[n]) for n in removed | callbacks))
    facts.dropped_imports |= inside - outside - facts.imported_elsewhere - removed - callbacks
    for name in callbacks:
        conn = _conn_id([defs[name], *(defs[n] for n in removed)])
        event = facts.callback_events.get(name) or (
            "retry" if "retry" in name else "success" if "success" in name else "failure"
        )
        facts.card_callbacks[name] = (event, conn)
    facts.card_helpers |= removed


def _replacement(original: cst.FunctionDef, event: str, conn: str) -> cst.FunctionDef:
    param = original.params.params[0].name.value
    body = cst.parse_statement(
        f"def _():\n"
        f'    """Alert Microsoft Teams through a Workflows webhook (an Adaptive Card, create_dag\'s {ALERTS_MODULE});\n'
        f'    this posted an Office 365 connector MessageCard before, which Teams no longer accepts."""\n'
        f"    send_alert({param}, {event!r}, conn_id={conn!r})\n"
    )
    assert isinstance(body, cst.FunctionDef)
    return original.with_changes(body=body.body)


@FIXER.on(cst.FunctionDef)
def callback(ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
    name = original.name.value
    if name in ctx.facts.card_callbacks:
        event, conn = ctx.facts.card_callbacks[name]
        ctx.need_import(ALERTS_MODULE, "send_alert")
        ctx.scratch.setdefault("unused", set()).update(_names(original))
        ctx.report(
            ALERT,
            original,
            f"{name} posted an Office 365 connector MessageCard, which Teams retired: it now "
            f"sends the {event} alert as a Workflows Adaptive Card ({ALERTS_MODULE}.send_alert, installed in "
            f"the dags folder). Change the connection {conn!r}: create a Workflows webhook for the channel "
            f"(Teams: Workflows > 'Post to a channel when a webhook request is received') and put its whole "
            f"URL in the connection's host (the old hook read a webhook_token extra: drop it)",
        )
        return _replacement(updated, event, conn)
    if name in ctx.facts.card_helpers:
        return _removed(ctx, original)
    return updated


@FIXER.on(cst.ClassDef)
def helper_class(ctx: FileContext, original: cst.ClassDef, updated: cst.ClassDef):
    if original.name.value in ctx.facts.card_helpers:
        return _removed(ctx, original)
    return updated


def _removed(ctx: FileContext, original: cst.FunctionDef | cst.ClassDef):
    ctx.scratch.setdefault("unused", set()).update(_names(original))
    ctx.report(
        HELPER_REMOVED,
        original,
        f"{original.name.value} built or posted the Office 365 card and nothing else "
        "uses it: removed (the Teams alert module replaces it)",
    )
    return cst.RemoveFromParent()
