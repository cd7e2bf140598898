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
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import shipped_alerts_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.airflow  # the alert module imports airflow.sdk
ta = shipped_alerts_module()
REGISTER_WITH_AIRFLOW_MASKER: Callable[[str], None]


@pytest.fixture(autouse=True, scope="module")
def _keep_the_shipped_mask() -> None:
    """``ta._mask`` as shipped, kept before the fixture below swaps it out; read here rather than
    at import, since collecting tests must not import Airflow."""
    global REGISTER_WITH_AIRFLOW_MASKER
    REGISTER_WITH_AIRFLOW_MASKER = ta._mask

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
        "RuntimeError: first\n\nsecond\n\nthird\n\nfourth\n\n"
        "\\- not a list\n\n1\\. not a list either\n\n\\> nor a quote"
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


def test_an_error_that_escaping_inflates_is_cut_after_escaping() -> None:
    """Escapes and doubled line breaks make the text longer than it was: the size is measured after them."""
    error = RuntimeError("[<\n*_" * 30_000)  # each of these characters grows once escaped
    facts = ta.facts_from_context(context(exception=error), "failure")
    limit = 2_500
    raw = facts.exception or ""
    assert len(raw.encode()) < limit < len(json.dumps(ta.markdown_text(raw)))  # only the escaping makes it too big
    body = ta.build_message(facts, limit=limit)
    assert limit - 16 < len(body) <= limit
    text = error_text(card_of(body))
    assert unescaped_markup(text) == [] and text.endswith("\N{HORIZONTAL ELLIPSIS} (cut)")


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


@pytest.fixture(autouse=True)
def _own_redaction_only(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Airflow's secrets masker is switched off, so what the logs show is the module's own redaction,
    and the test server's access log (werkzeug, which quotes the URL) is kept out of the capture."""
    monkeypatch.setattr(ta, "_mask", lambda url: None)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", True)
    caplog.set_level(logging.DEBUG)


class Sleeps(list[float]):
    """A ``sleep`` that records what it was asked to wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def leaks(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], *secrets: str) -> list[str]:
    """Every captured text holding a secret: each record's message, raw msg, args (str and repr),
    exception text, and the process's stdout and stderr. Also fails when nothing was logged."""
    assert any("Teams" in record.getMessage() for record in caplog.records), "no alert log line at all"
    out, err = capfd.readouterr()
    texts = [out, err]
    for record in caplog.records:
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        texts += [record.getMessage(), str(record.msg), record.exc_text or ""]
        texts += [str(arg) for arg in args] + [repr(arg) for arg in args]
    return [text for text in texts for secret in secrets or (SIG, SIG_DECODED) if secret in text]


# --- the secret never appears in a log line ------------------------------------------------------------

SIG_LOWER_HEX = SIG[:-9] + SIG[-9:].lower()  # ...%2b%2f%3d: the same secret, re-encoded by a server
REASONS = {
    "path-and-query": f"Not Found: POST {PATH}?{QUERY_STRING}",
    "query-reordered": f"no flow for {PATH}?sig={SIG}&api-version=2016-06-01",
    "sig-decoded": f"bad signature {SIG_DECODED}",
    "sig-cut-by-server": f"denied {PATH}?sig={SIG[:17]}",
    "sig-repr": f"denied {SIG!r} and {json.dumps(SIG_DECODED)}",
    "sig-with-controls": f"denied sig={SIG}\x1b[2K\x7f",
    "sig-lower-hex": f"denied {SIG_LOWER_HEX}",
}


@pytest.fixture
def raw_server() -> Any:
    """A TCP server on 127.0.0.1 whose every connection gets ``handle(conn)`` in its own thread.
    Returns ``start(handle) -> (base_url, posts)``: ``posts`` lists each request line received
    (unless ``read_first=False``: then ``handle`` reads the request itself, e.g. after a TLS handshake)."""
    listeners: list[socket.socket] = []

    def start(handle: Callable[[socket.socket], None], read_first: bool = True) -> tuple[str, list[bytes]]:
        listener = socket.create_server(("127.0.0.1", 0), backlog=32)
        listeners.append(listener)
        posts: list[bytes] = []

        def serve_one(conn: socket.socket) -> None:
            with conn:
                try:
                    if read_first:
                        posts.append(read_request(conn).split(b"\r\n", 1)[0])
                    handle(conn)
                except OSError:  # the client hung up (or shut its socket at its deadline)
                    pass

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}", posts

    yield start
    for listener in listeners:
        listener.close()


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (head and Content-Length body) from ``conn``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1]) if b"ength" in head else 0  # type: ignore[index]
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def answer(raw: bytes, then: str = "close", drip: float = 0.0) -> Callable[[socket.socket], None]:
    """A handler that sends ``raw`` (one byte every ``drip`` seconds if set), then closes or stalls."""

    def handle(conn: socket.socket) -> None:
        if drip:
            for byte in raw:
                conn.sendall(bytes([byte]))
                time.sleep(drip)
        else:
            conn.sendall(raw)
        if then == "stall":
            while conn.recv(1024):  # until the client shuts its side
                pass

    return handle


@pytest.mark.parametrize("status", [404, 503])
@pytest.mark.parametrize("reason", REASONS.values(), ids=REASONS.keys())
def test_reason_phrase_quoting_the_secret_is_redacted(
    status: int, reason: str, raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    base, posts = raw_server(answer(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n".encode()))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, sleep=Sleeps()) is False

    assert len(posts) == 1 if status == 404 else 2 <= len(posts) <= 10  # 503 is retried, 404 is not
    assert leaks(caplog, capfd, SIG, SIG_DECODED, SIG_LOWER_HEX, SIG[:17]) == []
    assert f"HTTP {status}" in caplog.text


def test_control_characters_from_the_server_are_spelled_out_in_the_log(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """A reason phrase cannot forge a log line or hide part of one with terminal escapes."""
    base, _ = raw_server(answer(b"HTTP/1.1 404 gone\rFAKE: Teams alert sent\x1b[2K\r\nContent-Length: 0\r\n\r\n"))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID) is False

    (line,) = [r.getMessage() for r in caplog.records if "Teams" in r.getMessage()]
    assert "\r" not in line and "\x1b" not in line
    assert "gone\\rFAKE: Teams alert sent\\x1b[2K" in line


CRLF_SIG = "FirstHalf0123\r\nSecondHalf4567"


def test_url_with_a_line_break_is_refused_without_quoting_it(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    use_webhook(monkeypatch, f"{httpserver.url_for(PATH)}?api-version=2016-06-01&sig={CRLF_SIG}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID) is False

    assert httpserver.log == []
    assert "holds a space, a line break or another control character" in caplog.text
    assert leaks(caplog, capfd, "FirstHalf0123", "SecondHalf4567") == []


@pytest.mark.parametrize("where", ["sig", "path"])
def test_url_with_a_line_break_is_not_quoted_by_the_transport_either(where: str, httpserver: HTTPServer) -> None:
    """Past the connection check (post_with_retries called directly), http.client refuses the URL
    with an InvalidURL that quotes it with repr(): every half of the secret is gone all the same."""
    if where == "sig":
        url = f"{httpserver.url_for(PATH)}?api-version=2016-06-01&sig={CRLF_SIG}"
    else:
        url = f"{httpserver.url_for(PATH)}\r\n?api-version=2016-06-01&sig={CRLF_SIG.replace(chr(13) + chr(10), '')}"
    result = ta.post_with_retries(url, b"{}", sleep=Sleeps())

    assert result.sent is False and result.attempts == 1  # a malformed URL is not retried
    assert "InvalidURL" in result.reason or "ValueError" in result.reason
    for half in ("FirstHalf0123", "SecondHalf4567"):
        assert half not in result.reason
    assert httpserver.log == []


URL = f"https://h.example{PATH}?{QUERY_STRING}"
CRLF_URL = f"https://h.example{PATH}?api-version=1&sig={CRLF_SIG}"


@pytest.mark.parametrize(
    ("text", "url", "secrets"),
    [
        (f"POST {PATH}?{QUERY_STRING}", URL, [SIG, SIG_DECODED]),
        (f"{PATH}?{QUERY_STRING}".replace("&", "\r\n"), URL, [SIG, SIG_DECODED]),
        (f"{SIG_DECODED!r}", URL, [SIG_DECODED]),
        (repr(f"sig={CRLF_SIG}"), CRLF_URL, ["FirstHalf0123\\r\\nSecondHalf4567"]),
        (json.dumps({"url": CRLF_URL}), CRLF_URL, ["FirstHalf0123\\r\\nSecondHalf4567"]),
        (CRLF_SIG.encode("unicode_escape").decode(), CRLF_URL, ["FirstHalf0123\\r\\nSecondHalf4567"]),
        (f"raw {CRLF_SIG} raw", CRLF_URL, [CRLF_SIG]),
    ],
    ids=["plain", "split-by-crlf", "repr", "crlf-repr", "crlf-json", "crlf-unicode-escape", "crlf-raw"],
)
def test_log_safe_removes_each_form_of_the_secret(text: str, url: str, secrets: list[str]) -> None:
    assert any(secret in text for secret in secrets)  # the case holds what it claims to
    redacted = ta.log_safe(text, url)
    assert [secret for secret in secrets if secret in redacted] == []
    assert "FirstHalf0123" not in redacted and "SecondHalf4567" not in redacted and SIG not in redacted


SECRET_AS_QUOTED = [SIG, SIG_DECODED, SIG_LOWER_HEX, repr(SIG_DECODED), json.dumps(SIG), QUERY_STRING]


@settings(max_examples=150, deadline=None)
@given(
    before=hostile_text,
    after=hostile_text,
    secret=st.sampled_from(SECRET_AS_QUOTED),
    crlf=st.booleans(),
)
def test_no_text_around_the_secret_lets_it_through_log_safe(before: str, after: str, secret: str, crlf: bool) -> None:
    """Whatever surrounds it (control characters, quotes, half-escapes, surrogates), log_safe blanks the secret."""
    url = f"https://h.example{PATH}?{QUERY_STRING}"
    if crlf:  # the same with a URL whose sig holds CR/LF, quoted the way http.client quotes it
        url, secret = CRLF_URL, repr(f"sig={CRLF_SIG}")
    logged = ta.log_safe(before + secret + after, url)
    for piece in (SIG, SIG_DECODED, SIG_LOWER_HEX, "FirstHalf0123", "SecondHalf4567"):
        assert piece not in logged
    assert not re.search("[\x00-\x1f\x7f]", logged)  # and no raw control character reaches the log


def test_airflow_masker_gets_every_form_of_the_sig_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow masks what it is given in every later line of the process: the credential, not api-version's date."""
    import airflow.sdk.log

    registered: list[str] = []
    monkeypatch.setattr(airflow.sdk.log, "mask_secret", registered.append)
    REGISTER_WITH_AIRFLOW_MASKER(f"https://h.example{PATH}?{QUERY_STRING}")

    assert {SIG, SIG_DECODED, SIG_LOWER_HEX, QUERY_STRING} <= set(registered)
    assert not [form for form in registered if "2016-06-01" == form or "/triggers/manual/run" == form]


# --- a hard wall-clock deadline for the whole alert ------------------------------------------------------


def alert_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "teams-alert-post"]


def test_drip_fed_answer_is_cut_at_the_deadline(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    """Seen: one byte every 5 s held the callback 460 s. Each byte resets a socket timeout; not this.
    The status line takes 22 s to arrive, so the bounds below leave 10 s for a loaded machine."""
    base, posts = raw_server(answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", drip=1.0))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")
    notifier = ta.TeamsNotifier(conn_id=CONN_ID, timeout=10.0, total_timeout=2.0)

    started = time.monotonic()
    notifier(context(exception="boom"))  # the status line alone would take 22 s to arrive
    elapsed = time.monotonic() - started

    assert 2.0 <= elapsed < 2.0 + 10  # it waited for the deadline, and ended long before the status line
    assert len(posts) == 1
    # the deadline is the whole alert's: what the connection look-up took is not waited again (1.9x s when
    # loaded, less under heavier load), so the try's own limit is at most the 2 s
    within = re.search(r"no complete answer within (\d+(?:\.\d+)?)s", caplog.text)
    assert "not sent" in caplog.text and within and 0 < float(within[1]) <= 2.0, caplog.text
    assert "BadStatusLine" not in caplog.text  # the deadline cut the status line: the deadline is the reason
    assert leaks(caplog, capfd) == []
    deadline = time.monotonic() + 10
    while alert_threads() and time.monotonic() < deadline:  # the worker was woken, not left to drip
        time.sleep(0.05)
    assert alert_threads() == []


def test_silent_server_is_cut_at_the_total_timeout_not_the_attempt_timeout(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, posts = raw_server(answer(b"", then="stall"))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    started = time.monotonic()
    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, timeout=30.0, total_timeout=1.0) is False
    assert time.monotonic() - started < 1.0 + 10  # the server never answers: only the deadline ends it
    assert len(posts) == 1


# --- a 2xx status line means sent ------------------------------------------------------------------------

AFTER_THE_STATUS_LINE = {
    "close-before-body": (b"HTTP/1.1 202 Accepted\r\nContent-Length: 500\r\n\r\n", "close"),
    "close-before-headers": (b"HTTP/1.1 202 Accepted\r\n", "close"),
    "stall-before-headers": (b"HTTP/1.1 202 Accepted\r\n", "stall"),
    "stall-in-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12", "stall"),
    "broken-chunks": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "close"),
    "garbage-headers": (b"HTTP/1.1 202 Accepted\r\n" + b"X" * 70_000 + b"\r\n\r\n", "close"),
    "reason-quoting-sig": (f"HTTP/1.1 202 {PATH}?{QUERY_STRING}\r\n".encode(), "stall"),
}


@pytest.mark.parametrize(("raw", "then"), AFTER_THE_STATUS_LINE.values(), ids=AFTER_THE_STATUS_LINE.keys())
def test_2xx_status_line_is_sent_once_whatever_follows(
    raw: bytes, then: str, raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    """Seen: a 202 whose body never came was re-posted, three identical cards."""
    base, posts = raw_server(answer(raw, then=then))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")
    sleeps = Sleeps()

    started = time.monotonic()
    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, total_timeout=60.0, sleep=sleeps) is True
    assert time.monotonic() - started < 30  # at once, not at the deadline

    assert len(posts) == 1 and sleeps == []
    assert "sales_daily.main sent (HTTP 20" in caplog.text
    assert leaks(caplog, capfd) == []


def test_drip_fed_headers_after_a_202_status_line_are_not_waited_for(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = b"X-Slow: " + b"y" * 100 + b"\r\n\r\n"  # 112 s at a byte a second
    base, posts = raw_server(lambda conn: (conn.sendall(b"HTTP/1.1 202 Accepted\r\n"), answer(headers, drip=1.0)(conn)))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    started = time.monotonic()
    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, total_timeout=60.0) is True
    assert time.monotonic() - started < 30
    assert len(posts) == 1


# --- redirects and throttling, with hostile headers --------------------------------------------------------


def test_redirect_to_a_url_with_the_sig_is_neither_followed_nor_logged(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    location = f"http://127.0.0.1:1{PATH}?{QUERY_STRING}"
    base, posts = raw_server(answer(f"HTTP/1.1 307 {location}\r\nLocation: {location}\r\n\r\n".encode()))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, sleep=Sleeps()) is False
    assert len(posts) == 1 and posts[0].startswith(b"POST ")
    assert leaks(caplog, capfd) == []


@pytest.mark.parametrize("retry_after", ["-5", "nan", "inf", "1e400", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "0"])
def test_429_with_odd_retry_after_stays_within_the_deadline(retry_after: str, raw_server: Any) -> None:
    base, posts = raw_server(answer(f"HTTP/1.1 429 slow down\r\nRetry-After: {retry_after}\r\n\r\n".encode()))
    sleeps = Sleeps()
    started = time.monotonic()

    result = ta.post_with_retries(
        f"{base}{PATH}?{QUERY_STRING}", b"{}", total_timeout=30.0, backoff=0.5, sleep=sleeps,
        clock=lambda: time.monotonic() + sum(sleeps),  # the waits pass on this clock without being waited
    )  # fmt: skip
    assert time.monotonic() - started < 25  # ten quick tries, the waits not waited: far from the 30 s

    assert result.sent is False and result.status == 429
    assert len(posts) == result.attempts <= 10
    assert sum(sleeps) < 30.0 and all(0 <= wait < 30.0 for wait in sleeps)


# --- the same over TLS, as Teams is reached ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_server(raw_server: Any, tls_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``raw_server`` behind TLS; the client trusts the certificate through ``SSL_CERT_FILE``,
    which ``ssl.create_default_context()`` reads, so the module's own TLS set-up is what runs."""
    cert_file, key_file = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", cert_file)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)

    def start(handle: Callable[[socket.socket], None]) -> tuple[str, list[bytes]]:
        posts: list[bytes] = []

        def tls_handle(conn: socket.socket) -> None:
            with server_context.wrap_socket(conn, server_side=True) as tls_conn:
                posts.append(read_request(tls_conn).split(b"\r\n", 1)[0])
                handle(tls_conn)

        base, _ = raw_server(tls_handle, read_first=False)
        return base.replace("http://", "https://"), posts

    return start


def test_https_202_is_sent(tls_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any) -> None:
    base, posts = tls_server(answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID) is True
    assert len(posts) == 1 and posts[0].startswith(b"POST " + PATH.encode())
    assert leaks(caplog, capfd) == []


def test_https_drip_is_cut_at_the_deadline(tls_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    base, posts = tls_server(answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", drip=1.0))
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    started = time.monotonic()
    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, timeout=10.0, total_timeout=1.5) is False
    assert time.monotonic() - started < 1.5 + 10  # the status line alone takes 22 s
    assert len(posts) == 1
    deadline = time.monotonic() + 10
    while alert_threads() and time.monotonic() < deadline:  # the TLS socket was shut too
        time.sleep(0.05)
    assert alert_threads() == []


def test_https_to_an_untrusted_certificate_is_an_error_not_a_crash(
    tls_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any, capfd: Any
) -> None:
    base, _ = tls_server(answer(b"HTTP/1.1 202 Accepted\r\n\r\n"))
    monkeypatch.delenv("SSL_CERT_FILE")
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    assert ta.send_alert(context(exception="boom"), "failure", CONN_ID, total_timeout=1.0, sleep=Sleeps()) is False
    assert "SSLCertVerificationError" in caplog.text
    assert leaks(caplog, capfd) == []
