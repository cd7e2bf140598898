"""The Teams message as data: card structure, size limit, and the webhook URL rebuilt from a connection.

No network here: these tests call the pure functions of ``hooks/teams_alerts.py``
and Airflow's own ``Connection`` parsing, so a change in either shows up as a
wrong card or a wrong URL rather than as a silent non-delivery in production.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from helpers import REPO, alerts_module_constant, shipped_alerts_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


pytestmark = pytest.mark.airflow  # the alert module imports airflow.sdk
ta = shipped_alerts_module()
#: Read from the source: parametrizing happens at collection, which must not import Airflow.
FORMATS = alerts_module_constant("FORMATS")

#: Identifiers that break naive string building: quotes, backslashes, newlines, non-ASCII, emoji.
TRICKY_TASK_ID = 'lädt_"daten"\\n_\u6570\u636e_\U0001f680'
TRICKY_EXCEPTION = ValueError('bad value "x"\nsecond line: \u00e9\u00e8 \u2603 </script> {"json": true}')
LOG_URL = (
    "https://airflow.example.test/dags/sales_daily/runs/manual__2026-11-01T00%3A00%3A00%2B00%3A00/tasks/main"
    "?try_number=2"
)

#: A Workflows webhook URL: the query string, ``sig`` above all, is the credential.
#: The sig holds percent-escapes on purpose: they must survive the connection round trips unchanged.
WEBHOOK_URL = (
    "https://prod-00.westeurope.logic.azure.com:443/workflows/0a1b2c3d/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Ab-_9x%2Bq%2FZ%3D"
)


def fake_context(
    *,
    dag_id: str = "sales_daily",
    task_id: str = "main",
    run_id: str = "manual__2026-11-01T00:00:00+00:00",
    exception: BaseException | str | None = None,
    log_url: str | None = LOG_URL,
    try_number: int | None = 2,
    logical_date: dt.datetime | None = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
) -> dict[str, Any]:
    """The parts of an Airflow task callback context the alert reads."""
    ti = SimpleNamespace(dag_id=dag_id, task_id=task_id, run_id=run_id, try_number=try_number, log_url=log_url)
    return {"ti": ti, "logical_date": logical_date, "exception": exception}


def card_of(body: bytes) -> dict[str, Any]:
    """The Adaptive Card inside a Workflows envelope, checking the envelope on the way."""
    message = json.loads(body.decode("utf-8"))
    assert message["type"] == "message"
    assert len(message["attachments"]) == 1
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def shown(markdown: str) -> str:
    """What Teams shows for a TextBlock or fact value: CommonMark backslash escapes undone,
    and each ``\\n\\n`` (the only line break Teams renders) read as one line break."""
    return "\n".join(re.sub(r"\\([!-/:-@[-`{-~])", r"\1", part) for part in markdown.split("\n\n"))


def as_lines(text: str) -> str:
    """``text`` with each of its line breaks (``\\r\\n``, ``\\r``, U+2028, ...) as ``\\n``."""
    return "\n".join(text.splitlines())


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    """The facts as a reader sees them (their values are Markdown)."""
    (fact_set,) = [block for block in card["body"] if block["type"] == "FactSet"]
    return {fact["title"]: shown(fact["value"]) for fact in fact_set["facts"]}


def exception_text(card: dict[str, Any]) -> str | None:
    """The error text as a reader sees it."""
    texts = [block["text"] for block in card["body"][1:] if block["type"] == "TextBlock"]
    return shown(texts[0]) if texts else None


# --- the Workflows card -------------------------------------------------------------------------------

EVENT_CASES = [
    ("failure", "failed", "attention", TRICKY_EXCEPTION),
    ("retry", "is retrying", "warning", TRICKY_EXCEPTION),
    ("success", "succeeded", "good", None),
]


@pytest.mark.parametrize(("event", "word", "colour", "exception"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_workflows_card_for_each_event(event: str, word: str, colour: str, exception: BaseException | None) -> None:
    context = fake_context(task_id=TRICKY_TASK_ID, exception=exception)
    body = ta.build_message(ta.facts_from_context(context, event))

    card = card_of(body)
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title = card["body"][0]
    assert title["type"] == "TextBlock" and word in title["text"] and title["color"] == colour
    assert facts_of(card) == {
        "DAG": "sales_daily",
        "Task": TRICKY_TASK_ID,
        "Run": "manual__2026-11-01T00:00:00+00:00",
        "Logical date": "2026-11-01T00:00:00+00:00",
        "Try": "2",
    }
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "View log", "url": LOG_URL}]
    if exception is None:
        assert exception_text(card) is None
    else:
        assert exception_text(card) == as_lines(f"ValueError: {exception}")


def test_card_body_is_utf8_json_not_ascii_escapes() -> None:
    """Non-ASCII is sent as UTF-8 (the header says so), not as \\u escapes that double the size."""
    body = ta.build_message(ta.facts_from_context(fake_context(task_id=TRICKY_TASK_ID), "failure"))
    assert "\u6570\u636e".encode() in body and "\U0001f680".encode() in body
    assert b"\\u6570" not in body


def test_card_without_log_url_has_no_button_and_without_try_no_try_fact() -> None:
    facts = ta.facts_from_context(fake_context(log_url=None, try_number=None, logical_date=None), "failure")
    card = card_of(ta.build_message(facts))
    assert "actions" not in card
    assert set(facts_of(card)) == {"DAG", "Task", "Run"}


def test_facts_fall_back_to_dag_and_dag_run_when_ti_lacks_them() -> None:
    context = {
        "ti": SimpleNamespace(task_id="main"),
        "dag": SimpleNamespace(dag_id="from_dag"),
        "dag_run": SimpleNamespace(run_id="scheduled__x"),
    }
    facts = ta.facts_from_context(context, "failure")
    assert (facts.dag_id, facts.task_id, facts.run_id) == ("from_dag", "main", "scheduled__x")


@pytest.mark.parametrize(
    ("exception", "summary"),
    [
        (ValueError("path ends with:"), "ValueError: path ends with:"),
        (ValueError(), "ValueError"),
        (RuntimeError(" padded "), "RuntimeError:  padded "),
        ("already a string", "already a string"),
        (None, None),
    ],
)
def test_exception_summary_keeps_the_message_as_is(exception: BaseException | str | None, summary: str | None) -> None:
    assert ta.facts_from_context(fake_context(exception=exception), "failure").exception == summary


# --- the legacy MessageCard -----------------------------------------------------------------------------


@pytest.mark.parametrize(("event", "theme"), [("failure", "D13438"), ("retry", "FFB900"), ("success", "2EB886")])
def test_legacy_message_card(event: str, theme: str) -> None:
    context = fake_context(task_id=TRICKY_TASK_ID, exception=TRICKY_EXCEPTION)
    message = json.loads(ta.build_message(ta.facts_from_context(context, event), "legacy"))

    assert message["@type"] == "MessageCard"
    assert message["@context"] == "https://schema.org/extensions"
    assert message["themeColor"] == theme
    (section,) = message["sections"]
    assert {fact["name"]: fact["value"] for fact in section["facts"]}["Task"] == TRICKY_TASK_ID
    assert section["text"] == f"ValueError: {TRICKY_EXCEPTION}"
    assert message["potentialAction"] == [
        {"@type": "OpenUri", "name": "View log", "targets": [{"os": "default", "uri": LOG_URL}]}
    ]
    assert "attachments" not in message


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="message_format"):
        ta.build_message(ta.facts_from_context(fake_context(), "failure"), "markdown")


def test_notifier_refuses_unknown_event_and_format_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="event"):
        ta.TeamsNotifier(event="failed")
    with pytest.raises(ValueError, match="message_format"):
        ta.TeamsNotifier(message_format="html")


# --- size limit ----------------------------------------------------------------------------------------

LONG_IDS = {
    "dag_id": "d" * 200 + "_\u00e9",
    "task_id": "group." * 40 + "t\u00e4sk",
    "run_id": "manual__" + "r" * 240,
}


@pytest.mark.parametrize("message_format", FORMATS)
def test_100kb_exception_is_cut_under_the_limit_and_ids_stay_whole(message_format: str) -> None:
    exception = RuntimeError("\u00fcberlauf " * 12_000)  # ~110 KB of UTF-8
    facts = ta.facts_from_context(fake_context(exception=exception, **LONG_IDS), "failure")
    body = ta.build_message(facts, message_format)

    assert len(body) <= ta.MAX_MESSAGE_BYTES
    text = body.decode("utf-8")
    for value in LONG_IDS.values():
        assert json.dumps(value, ensure_ascii=False) in text
    assert "RuntimeError: \u00fcberlauf" in text
    assert "\u00fcberlauf " * 12_000 not in text


@pytest.mark.parametrize("message_format", FORMATS)
def test_tight_limit_cuts_only_the_exception_and_keeps_as_much_as_fits(message_format: str) -> None:
    """With a limit the exception cannot fit under, the search keeps the longest prefix that does."""
    exception = '\u2603"\n' * 40_000  # 4+2+2 bytes each once JSON-encoded
    facts = ta.facts_from_context(fake_context(exception=exception, **LONG_IDS), "retry")
    limit = 4_000
    body = ta.build_message(facts, message_format, limit=limit)

    assert limit - 16 < len(body) <= limit  # cut, but by no more than a character or two too much
    if message_format == "workflows":
        card = card_of(body)
        shown = facts_of(card)
        cut = exception_text(card)
    else:
        (section,) = json.loads(body)["sections"]
        shown = {fact["name"]: fact["value"] for fact in section["facts"]}
        cut = section["text"]
    assert (shown["DAG"], shown["Task"], shown["Run"]) == (LONG_IDS["dag_id"], LONG_IDS["task_id"], LONG_IDS["run_id"])
    assert cut.endswith("\u2026 (cut)")
    assert as_lines(facts.exception).startswith(cut.removesuffix("\u2026 (cut)"))


def test_ids_are_cut_only_when_the_card_would_not_fit_even_without_the_error() -> None:
    """The error text goes first: ids that fit are sent whole (Airflow's, at most 250 characters,
    always do). Only ids too long for any card (a context can hold anything) are cut, visibly,
    so that the card stays under the limit Teams enforces (issue 25: a 3 MB card was seen)."""
    facts = ta.facts_from_context(fake_context(exception="boom", **LONG_IDS), "failure")
    whole = ta.build_message(ta.AlertFacts(**{**facts.__dict__, "exception": None}))
    body = ta.build_message(facts, limit=len(whole))
    assert facts_of(card_of(body))["Run"] == LONG_IDS["run_id"]
    assert exception_text(card_of(body)) is None
    smaller = ta.build_message(facts, limit=len(whole) - 1)
    assert len(smaller) < len(whole) and "(cut)" in facts_of(card_of(smaller))["Run"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    task_id=st.text(min_size=1, max_size=60),
    exception=st.text(max_size=3_000),
    message_format=st.sampled_from(FORMATS),
)
def test_any_text_gives_valid_json_under_the_limit(task_id: str, exception: str, message_format: str) -> None:
    limit = 2_500
    facts = ta.facts_from_context(fake_context(task_id=task_id, exception=exception or None), "failure")
    body = ta.build_message(facts, message_format, limit=limit)
    assert len(body) <= limit
    message = json.loads(body.decode("utf-8"))
    if message_format == "workflows":
        assert facts_of(card_of(body))["Task"] == as_lines(task_id)
    else:
        assert {f["name"]: f["value"] for f in message["sections"][0]["facts"]}["Task"] == task_id


# --- the webhook URL from each connection form ----------------------------------------------------------


def _json_form() -> Any:
    from airflow.sdk import Connection

    return Connection.from_json(json.dumps({"conn_type": "http", "host": WEBHOOK_URL}), conn_id="teams")


def _classic_form() -> Any:
    from airflow.sdk import Connection

    return Connection(conn_id="teams", conn_type="http", host=WEBHOOK_URL.removeprefix("https://"), schema="https")


def _classic_form_with_port_field() -> Any:
    from airflow.sdk import Connection

    host = WEBHOOK_URL.removeprefix("https://").replace(":443", "")
    return Connection(conn_id="teams", conn_type="http", host=host, schema="https", port=443)


def _uri_form() -> Any:
    from airflow.sdk import Connection

    return Connection.from_uri(WEBHOOK_URL, conn_id="teams")


CONNECTION_FORMS = {
    "json": _json_form,
    "classic": _classic_form,
    "classic-port-field": _classic_form_with_port_field,
    "uri": _uri_form,
}


@pytest.mark.parametrize("form", CONNECTION_FORMS)
def test_webhook_url_from_each_connection_form(form: str) -> None:
    url = ta.webhook_url_from_connection(CONNECTION_FORMS[form]())
    assert url == WEBHOOK_URL
    assert url.partition("?")[2] == "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Ab-_9x%2Bq%2FZ%3D"


@pytest.mark.parametrize("form", CONNECTION_FORMS)
def test_webhook_url_survives_the_connection_uri_round_trip(form: str) -> None:
    """Airflow may cache a connection as ``get_uri()`` and parse it back with ``from_uri``."""
    from airflow.sdk import Connection

    round_tripped = Connection.from_uri(CONNECTION_FORMS[form]().get_uri(), conn_id="teams")
    assert ta.webhook_url_from_connection(round_tripped) == WEBHOOK_URL


@pytest.mark.parametrize(
    "value",
    [json.dumps({"conn_type": "http", "host": WEBHOOK_URL}), WEBHOOK_URL],
    ids=["json", "uri"],
)
def test_webhook_url_from_environment_variable(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The way a Kubernetes Secret usually provides it: ``AIRFLOW_CONN_<ID>``, read through Airflow's backends."""
    from airflow.sdk import BaseHook

    monkeypatch.setenv("AIRFLOW_CONN_TEAMS_PAYLOAD_ENV", value)
    assert ta.webhook_url_from_connection(BaseHook.get_connection("teams_payload_env")) == WEBHOOK_URL


def test_connection_without_host_is_a_config_error() -> None:
    from airflow.sdk import Connection

    with pytest.raises(ta.AlertConfigError, match="host"):
        ta.webhook_url_from_connection(Connection(conn_id="teams", conn_type="http", host=""))


def test_boolean_extras_are_not_taken_for_query_parameters() -> None:
    from airflow.sdk import Connection

    conn = Connection(
        conn_id="teams", conn_type="https", host="example.test", schema="hook", extra=json.dumps({"verify": True})
    )
    assert ta.webhook_url_from_connection(conn) == "https://example.test/hook"


def test_redact_removes_url_query_and_sig() -> None:
    text = f"failed POST {WEBHOOK_URL}; query {WEBHOOK_URL.partition('?')[2]}; sig Ab-_9x+q/Z="
    redacted = ta.redact(text, WEBHOOK_URL)
    assert "Ab-_9x" not in redacted
    assert "logic.azure.com" not in redacted
    assert redacted.startswith("failed POST ***")


def test_uri_form_keeps_a_numeric_looking_query_value() -> None:
    """``airflow connections add --conn-uri`` stores ``sv=1.0`` as the float 1.0 (the core model
    parses query values as JSON); the rebuilt URL must still say 1.0 or the signature fails."""
    from airflow.models import Connection

    url = "https://h.example:443/workflows/a/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=abc"
    conn = Connection(conn_id="teams", uri=url)
    assert conn.extra_dejson["sv"] == 1.0  # the trap: Airflow made it a number
    assert ta.webhook_url_from_connection(conn) == url
