"""The alert module against hostile content, servers and connections (issue 16).

What a task puts in its error message, what a server sends back and what a
connection holds are all input from strangers. Each class below is held by
the tests under its heading: the card shows the run's text as text and is
never dropped for it; the secret never reaches a log line; the whole alert
ends by a wall-clock deadline; a 2xx status line means sent, once.

Servers are real, on 127.0.0.1: pytest-httpserver where a well-formed answer
is enough, raw sockets where the answer itself is the attack.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import shipped_alerts_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

ta = shipped_alerts_module()

CONN_ID = "teams_hostile_test"
SIG = "Hostile-Sig_0123456789abcdefXYZ%2B%2F%3D"
SIG_DECODED = "Hostile-Sig_0123456789abcdefXYZ+/="
PATH = "/workflows/5e6f/triggers/manual/paths/invoke"
QUERY_STRING = f"api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"


def context(
    *,
    exception: object = None,
    dag_id: str = "sales_daily",
    task_id: str = "main",
    run_id: str = "manual__2026-11-01T00:00:00+00:00",
    ti: object = None,
) -> dict[str, Any]:
    """The parts of an Airflow task callback context the alert reads."""
    ti = ti or SimpleNamespace(
        dag_id=dag_id, task_id=task_id, run_id=run_id, try_number=1, log_url="https://airflow.example.test/log"
    )
    return {"ti": ti, "logical_date": dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), "exception": exception}


def card_of(body: bytes) -> dict[str, Any]:
    message = json.loads(body.decode("utf-8"))  # strict: the body must be valid UTF-8
    (attachment,) = message["attachments"]
    return attachment["content"]


def markdown_values(card: dict[str, Any]) -> list[str]:
    """Every string of the card that Teams reads as Markdown: TextBlock texts and fact values."""
    values = [block["text"] for block in card["body"] if block["type"] == "TextBlock"]
    for block in card["body"]:
        if block["type"] == "FactSet":
            values += [fact["value"] for fact in block["facts"]]
    return values


def error_text(card: dict[str, Any]) -> str:
    (text,) = [block["text"] for block in card["body"][1:] if block["type"] == "TextBlock"]
    return text


def shown(markdown: str) -> str:
    """What a CommonMark reader shows: escapes undone, each ``\\n\\n`` one line break, and no
    invisible word joiner (the module puts one inside ``<at>`` to break the mention tag)."""
    text = "\n".join(re.sub(r"\\([!-/:-@[-`{-~])", r"\1", part) for part in markdown.split("\n\n"))
    return text.replace("\N{WORD JOINER}", "")


def unescaped_markup(markdown: str) -> list[str]:
    """Markup that Markdown would act on in ``markdown``: link and mention brackets, emphasis,
    code, entities, block markers at a line start, and line breaks Teams would swallow."""
    found = []
    index = 0
    while index < len(markdown):
        char = markdown[index]
        if char == "\\":
            index += 2  # an escape pair: the next character is literal
            continue
        if char in "[]<*`~" or (char == "&" and re.match(r"[#A-Za-z0-9]", markdown[index + 1 : index + 2])):
            found.append(markdown[max(0, index - 10) : index + 10])
        index += 1
    for line in markdown.split("\n\n"):
        if re.match(r"\s*(?:>|[-+#](?:\s|$)|-\s*-|\d+[.)](?:\s|$))", line):
            found.append(line[:20])
    if re.search(r"</?\s*at", markdown, re.IGNORECASE):
        found.append("a Teams mention tag")
    if "\r" in markdown or "\n" in markdown.replace("\n\n", ""):
        found.append("a line break Teams does not show")
    return found


# --- an alert is never dropped for its content ------------------------------------------------------

UNDECODABLE = os.fsdecode(b"/data/in/caf\xe9_\xff.csv")  # a Latin-1 file name on a UTF-8 system


class StrRaises(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")


class StrNotAString(Exception):
    def __str__(self) -> Any:
        return 42  # noqa: PLE0307 - the point of the test


class NastyStr(str):
    """A str subclass whose own methods raise: str() of it must not be trusted further."""

    def __format__(self, spec: str) -> str:
        raise RuntimeError("no formatting")

    def splitlines(self, keepends: bool = False) -> list[str]:
        raise RuntimeError("no lines")


class StrReturnsNasty(Exception):
    def __str__(self) -> str:
        return NastyStr("nasty [link](https://evil.example)")


def test_undecodable_file_name_in_the_error_still_gives_a_card() -> None:
    assert "\udce9" in UNDECODABLE  # the trap: this str cannot be encoded as UTF-8
    body = ta.build_message(ta.facts_from_context(context(exception=FileNotFoundError(UNDECODABLE)), "failure"))
    text = shown(error_text(card_of(body)))
    assert text == "FileNotFoundError: /data/in/caf\ufffd_\ufffd.csv"


def test_undecodable_characters_in_ids_are_replaced_not_fatal() -> None:
    facts = ta.facts_from_context(context(task_id="t\udcff", run_id="r\ud800"), "failure")
    card = card_of(ta.build_message(facts))
    assert {"t\ufffd", "r\ufffd"} <= {shown(value) for value in markdown_values(card)}


@pytest.mark.parametrize(
    ("exception", "expected"),
    [(StrRaises(), "StrRaises"), (StrNotAString(), "StrNotAString"), (StrReturnsNasty(), "StrReturnsNasty: nasty")],
    ids=["str-raises", "str-not-a-string", "str-subclass"],
)
def test_exception_whose_str_misbehaves_falls_back_to_its_type(exception: BaseException, expected: str) -> None:
    body = ta.build_message(ta.facts_from_context(context(exception=exception), "failure"))
    assert shown(error_text(card_of(body))).startswith(expected)


def test_a_ti_property_that_raises_leaves_out_that_fact_only() -> None:
    class Ti:
        dag_id, task_id, run_id, try_number = "sales_daily", "main", "manual__x", 1

        @property
        def log_url(self) -> str:
            raise RuntimeError("no [api] base_url in this process")

    card = card_of(ta.build_message(ta.facts_from_context(context(ti=Ti(), exception="boom"), "failure")))
    assert "actions" not in card and shown(error_text(card)) == "boom"


def test_undecodable_error_and_broken_str_still_post_a_card(httpserver: HTTPServer, monkeypatch: Any) -> None:
    """Through send_alert, as Airflow calls it: both alerts arrive, one card each."""
    use_webhook(monkeypatch, f"{httpserver.url_for(PATH)}?{QUERY_STRING}")
    httpserver.expect_request(PATH, method="POST").respond_with_data("", status=202)

    assert ta.send_alert(context(exception=OSError(UNDECODABLE)), "failure", CONN_ID) is True
    assert ta.send_alert(context(exception=StrRaises()), "failure", CONN_ID) is True

    texts = [shown(error_text(card_of(request.get_data()))) for request, _ in httpserver.log]
    assert texts == ["OSError: /data/in/caf\ufffd_\ufffd.csv", "StrRaises"]


# --- task output is shown as text, not markup ---------------------------------------------------------

PHISH = "[Reset your password](https://evil.example/login) <at>General</at> <https://evil.example> &lt;at&gt;"


def test_links_and_mentions_in_the_error_are_escaped() -> None:
    body = ta.build_message(ta.facts_from_context(context(exception=RuntimeError(PHISH)), "failure"))
    text = error_text(card_of(body))
    assert unescaped_markup(text) == []
    assert not re.search("<at|</at", text, re.IGNORECASE) and "](" not in text.replace("\\](", "")
    assert shown(text) == f"RuntimeError: {PHISH}"  # the reader still sees every character


def test_markup_in_ids_is_escaped_too() -> None:
    """run_id is free text for API-triggered runs; dag and task ids are shown the same way."""
    facts = ta.facts_from_context(context(run_id="[click](https://evil.example)", task_id="**loud**"), "failure")
    card = card_of(ta.build_message(facts))
    for value in markdown_values(card):
        assert unescaped_markup(value) == [], value
    assert {"[click](https://evil.example)", "**loud**"} <= {shown(value) for value in markdown_values(card)}


def test_plain_ids_are_sent_without_backslashes() -> None:
    """Underscores inside a word are no emphasis: ids stay readable in clients that show escapes."""
    card = card_of(ta.build_message(ta.facts_from_context(context(), "failure")))
    assert [f["value"] for f in card["body"][1]["facts"]][:3] == [
        "sales_daily",
        "main",
        "manual__2026-11-01T00:00:00+00:00",
    ]


def test_line_breaks_become_the_breaks_teams_renders() -> None:
    """Teams ignores a single newline in a TextBlock: every kind of break is sent as ``\\n\\n``."""
    error = RuntimeError("first\nsecond\r\nthird\rfourth\u2028- not a list\n1. not a list either\n> nor a quote")
    text = error_text(card_of(ta.build_message(ta.facts_from_context(context(exception=error), "failure"))))
    assert text == (
        "RuntimeError: first\n\nsecond\n\nthird\n\nfourth\n\n\\- not a list\n\n1\\. not a list either\n\n\\> nor a quote"
    )
    assert unescaped_markup(text) == []


HOSTILE_PIECES = [
    "[", "]", "(", ")", "](https://evil.example/x)", "![img](https://evil.example/i.png)", "<at>", "</at>",
    "<at>General</at>", "<https://evil.example>", "**", "*", "_", "__", "`", "```", "~~", "&lt;", "&#60;",
    "&amp;", "\\", "\\[", "\n", "\r\n", "\r", "\u2028", "\x85", "- ", "+ ", "1. ", "2) ", "# ", "> ", ">", "---",
    "- - -", "    ", "\t", "\udcff", "\ud800", "\U0001f680", "\u00e9", "\x00", "\x1b[31m",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=6), st.characters(categories=["Cs"])),
    max_size=120,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=hostile_text, task_id=hostile_text.filter(bool), as_exception=st.booleans())
def test_any_error_text_gives_a_valid_card_that_shows_it_as_text(
    message: str, task_id: str, as_exception: bool
) -> None:
    limit = 3_000
    exception: object = ValueError(message) if as_exception else (message or None)
    facts = ta.facts_from_context(context(exception=exception, task_id=task_id), "failure")
    body = ta.build_message(facts, limit=limit)

    assert len(body) <= limit
    card = card_of(body)  # valid JSON, valid UTF-8
    for value in markdown_values(card):
        assert unescaped_markup(value) == [], value
    if facts.exception and not re.search("[\ud800-\udfff]", message) and "(cut)" not in body.decode():
        summary = f"ValueError: {message}" if as_exception and message else (message or "ValueError")
        text = shown(error_text(card)).removesuffix("\N{HORIZONTAL ELLIPSIS}")
        assert "\n".join(summary.splitlines()).startswith(text)


# --- an empty or partial context is skipped with a warning --------------------------------------------


@pytest.mark.parametrize(
    "bad_context",
    [
        {},
        None,
        {"exception": RuntimeError("boom")},
        {"ti": SimpleNamespace(task_id="main"), "exception": RuntimeError("boom")},  # no dag_id, no run_id
        context(dag_id="", exception="boom"),
    ],
    ids=["empty", "none", "no-ti", "ti-without-ids", "empty-dag-id"],
)
def test_empty_or_partial_context_is_a_warning_not_an_empty_card(
    bad_context: Any, httpserver: HTTPServer, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    use_webhook(monkeypatch, f"{httpserver.url_for(PATH)}?{QUERY_STRING}")
    httpserver.expect_request(PATH, method="POST").respond_with_data("", status=202)
    caplog.set_level(logging.DEBUG)

    assert ta.send_alert(bad_context, "failure", CONN_ID) is False
    ta.TeamsNotifier(conn_id=CONN_ID)(bad_context or {})  # the way Airflow calls it: no raise either

    assert httpserver.log == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "Teams alert" in r.getMessage()]
    assert len(warnings) == 2 and "skipped" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- helpers shared with the sections below -------------------------------------------------------------


def use_webhook(monkeypatch: Any, url: str) -> None:
    """The connection as a deployment provides it: JSON in ``AIRFLOW_CONN_<ID>``, the whole URL in host."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "http", "host": url}))
