"""Delivery of a Teams alert over real HTTP, against pytest-httpserver and raw sockets.

Each test goes through ``send_alert`` (or ``TeamsNotifier``) the way Airflow
calls it: a callback context in, the connection read from
``AIRFLOW_CONN_<ID>``. Waits between retries go to a recording ``sleep`` where
the test is about *what* is waited; tests about *giving up in time* sleep for
real, with bounds small enough to keep the file quick and loose enough not
to flake.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from helpers import REPO, shipped_alerts_module
from pytest_httpserver import HTTPServer


pytestmark = pytest.mark.airflow  # the alert module imports airflow.sdk
ta = shipped_alerts_module()


def fake_context(exception: BaseException | None = None) -> dict[str, Any]:
    """The parts of an Airflow task callback context the alert reads."""
    ti = SimpleNamespace(
        dag_id="sales_daily",
        task_id="main",
        run_id="manual__2026-11-01T00:00:00+00:00",
        try_number=1,
        log_url="https://airflow.example.test/dags/sales_daily/runs/x/tasks/main?try_number=1",
    )
    return {"ti": ti, "logical_date": None, "exception": exception}


CONN_ID = "teams_http_test"
SECRET = "SECRET123"
PATH = "/workflows/0a1b2c3d/triggers/manual/paths/invoke"
QUERY = {"api-version": "2016-06-01", "sp": "/triggers/manual/run", "sv": "1.0", "sig": SECRET}
QUERY_STRING = f"api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SECRET}"


class Sleeps(list[float]):
    """A ``sleep`` that records what it was asked to wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture everything down to DEBUG, except the test server's own access log, which quotes the URL."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", True)


def use_webhook(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Provide the connection as a deployment would: JSON in ``AIRFLOW_CONN_<ID>``, the whole URL in host."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "http", "host": url}))


@pytest.fixture
def webhook(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """The connection points at the test server, with a ``sig`` in its query string."""
    use_webhook(monkeypatch, f"{httpserver.url_for(PATH)}?{QUERY_STRING}")
    return httpserver


def expect(server: HTTPServer, ordered: bool = False) -> Any:
    """A handler that only matches a POST with the whole query string, so a mangled URL cannot pass."""
    method = server.expect_ordered_request if ordered else server.expect_request
    return method(PATH, method="POST", query_string=QUERY)


def assert_no_secret(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    """Nothing the alert wrote anywhere shows the credential; returns the log text for further checks."""
    out, err = capfd.readouterr()
    logged = "\n".join(
        record.getMessage() + (f"\n{record.exc_text}" if record.exc_text else "") for record in caplog.records
    )
    for where, text in (("logs", logged), ("stdout", out), ("stderr", err)):
        assert SECRET not in text, f"the webhook's sig leaked into {where}"
        assert "sig=" not in text, f"the webhook's query string leaked into {where}"
    return logged


def send(**options: Any) -> bool:
    return ta.send_alert(fake_context(exception=RuntimeError("pod failed")), "failure", CONN_ID, **options)


# --- answers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body"), [(202, ""), (200, "1"), (204, "")])
def test_any_2xx_counts_as_sent(
    status: int, body: str, webhook: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    expect(webhook).respond_with_data(body, status=status)

    assert send(sleep=sleeps) is True

    assert len(webhook.log) == 1 and sleeps == []
    request, _ = webhook.log[0]
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    card = request.get_json()["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert "sales_daily.main sent (HTTP" in assert_no_secret(caplog, capfd)


def test_429_retry_after_is_honoured_then_202_is_sent(
    webhook: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    expect(webhook, ordered=True).respond_with_data("", status=429, headers={"Retry-After": "7"})
    expect(webhook, ordered=True).respond_with_data("", status=202)

    assert send(sleep=sleeps, backoff=0.5) is True

    assert sleeps == [7.0]  # the server's wait, not the 0.5 s backoff
    assert len(webhook.log) == 2
    assert webhook.log[0][0].get_data() == webhook.log[1][0].get_data()  # the same card, sent again
    webhook.check_assertions()
    assert_no_secret(caplog, capfd)


def test_5xx_without_retry_after_backs_off_exponentially(webhook: HTTPServer, sleeps: Sleeps) -> None:
    for status in (503, 502, 500):
        expect(webhook, ordered=True).respond_with_data("", status=status)
    expect(webhook, ordered=True).respond_with_data("", status=202)

    assert send(sleep=sleeps, backoff=0.25) is True
    assert sleeps == [0.25, 0.5, 1.0]
    assert len(webhook.log) == 4


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    webhook: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    """Retrying before the server allows it would only earn another 429; stop and say so."""
    expect(webhook).respond_with_data("", status=429, headers={"Retry-After": "3600"})

    assert send(sleep=sleeps, total_timeout=30) is False

    assert sleeps == [] and len(webhook.log) == 1
    assert "HTTP 429" in assert_no_secret(caplog, capfd)


def test_retry_after_as_http_date() -> None:
    now = 1_800_000_000.0
    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 42))
    assert ta._retry_after(header, now=lambda: now) == pytest.approx(42)
    assert ta._retry_after(header.replace("GMT", "-0000"), now=lambda: now) == pytest.approx(42)
    assert ta._retry_after("1.5") == 1.5
    assert ta._retry_after("soon") is None


def test_500_forever_gives_up_within_the_bound(
    webhook: HTTPServer, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    expect(webhook).respond_with_data("", status=500)

    started = time.monotonic()
    assert send(total_timeout=5.0, backoff=0.05) is False  # real sleeps: 0.05, 0.1, 0.2, 0.4, ...
    elapsed = time.monotonic() - started

    assert elapsed < 5.0 + 10  # the bound plus slack for a loaded machine (ten tries would sleep 25 s)
    assert len(webhook.log) >= 3  # it did retry
    logged = assert_no_secret(caplog, capfd)
    # the last try may still be waiting for its answer when the deadline comes (a loaded machine): then
    # the card went out and is not sent again, and the log says it may not have arrived
    assert ("not sent after" in logged or "may not have arrived" in logged) and "HTTP 500" in logged


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_permanent_errors_are_not_retried(
    status: int, webhook: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    expect(webhook).respond_with_data("flow not found", status=status)

    assert send(sleep=sleeps) is False

    assert len(webhook.log) == 1 and sleeps == []
    logged = assert_no_secret(caplog, capfd)
    assert f"Teams rejected the alert for sales_daily.main (HTTP {status}" in logged
    assert f"connection {CONN_ID!r} holds its current URL" in logged


def test_redirect_is_not_followed_nor_counted_as_sent(webhook: HTTPServer, sleeps: Sleeps) -> None:
    """urllib would follow a 302 with a bodiless GET; its 200 must not pass for a delivered alert."""
    expect(webhook).respond_with_data("", status=302, headers={"Location": webhook.url_for("/elsewhere")})
    webhook.expect_request("/elsewhere").respond_with_data("ok", status=200)

    assert send(sleep=sleeps) is False
    assert [request.path for request, _ in webhook.log] == [PATH]


# --- servers that misbehave below HTTP ---------------------------------------------------------------------


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start a TCP server whose every connection gets ``handle(conn)``; returns its base URL."""
    listeners: list[socket.socket] = []
    accepted: list[socket.socket] = []

    def start(handle: Callable[[socket.socket], None]) -> str:
        listener = socket.create_server(("127.0.0.1", 0), backlog=32)
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted.append(conn)
                handle(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for sock in listeners + accepted:
        sock.close()


def test_server_that_never_answers_times_out_within_the_bound(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    base = raw_server(lambda conn: None)  # accepts, reads nothing, says nothing
    use_webhook(monkeypatch, f"{base}{PATH}?{QUERY_STRING}")

    started = time.monotonic()
    assert send(timeout=0.3, total_timeout=1.0, backoff=0.05) is False
    elapsed = time.monotonic() - started

    assert elapsed < 1.0 + 10  # the server never answers: only the deadline ends it
    logged = assert_no_secret(caplog, capfd)
    assert "timed out" in logged or "TimeoutError" in logged


def test_garbage_answer_is_an_error_not_an_exception(
    raw_server: Any, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    """``http.client.BadStatusLine`` is no ``OSError``: it must still be caught and logged. The card
    went out before the garbage came back, so it is not sent again (Teams may have it)."""

    def garbage(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"this is not HTTP\r\n\r\n")
        conn.close()

    use_webhook(monkeypatch, f"{raw_server(garbage)}{PATH}?{QUERY_STRING}")

    assert send(sleep=sleeps, backoff=0.01) is False

    assert sleeps == []  # one card per failure: never posted again once its body went out
    logged = assert_no_secret(caplog, capfd)
    assert "BadStatusLine" in logged and "after the message was sent; not sent again" in logged


def test_connection_refused_ends_after_max_attempts(
    monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    """Even when the deadline is far (a sleep that does not wait), the number of attempts is bounded."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there now
    use_webhook(monkeypatch, f"http://127.0.0.1:{port}{PATH}?{QUERY_STRING}")

    assert send(sleep=sleeps, backoff=0.01) is False

    assert sleeps == [0.01 * 2**n for n in range(9)]  # ten attempts, nine waits
    assert "ConnectionRefusedError" in assert_no_secret(caplog, capfd)


def test_malformed_url_error_does_not_quote_the_url() -> None:
    """``urllib.request.Request`` puts the whole URL in its ValueError; the reason must not carry it on."""
    result = ta.post_with_retries(f"no-scheme.example.test{PATH}?{QUERY_STRING}", b"{}", sleep=Sleeps())
    assert result.sent is False and result.attempts == 1
    assert SECRET not in result.reason and "ValueError" in result.reason


# --- the connection -----------------------------------------------------------------------------------------


def test_missing_connection_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    monkeypatch.delenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", raising=False)
    assert send() is False
    assert f"connection {CONN_ID!r} unusable (AirflowNotFoundException)" in assert_no_secret(caplog, capfd)


def test_connection_without_host_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "http", "extra": {"sig": SECRET}}))
    assert send() is False
    logged = assert_no_secret(caplog, capfd)
    assert "the connection has no host" in logged


def test_uri_form_connection_is_delivered_with_its_query_intact(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", f"{httpserver.url_for(PATH)}?{QUERY_STRING}")
    expect(httpserver).respond_with_data("", status=202)

    assert send(sleep=sleeps) is True
    assert webhook_query(httpserver) == QUERY_STRING.encode()


def webhook_query(server: HTTPServer) -> bytes:
    (request, _), *_ = server.log
    return request.query_string


# --- the notifier, as Airflow calls it ----------------------------------------------------------------------


def test_notifier_called_like_airflow_does_never_raises(
    webhook: HTTPServer, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    """``BaseNotifier.__call__`` re-raises whatever ``notify`` raises, into the task: nothing may get there."""
    expect(webhook).respond_with_data("", status=503)
    # 5 s: the connection look-up (which counts) takes well under it even on a loaded machine
    notifier = ta.TeamsNotifier(event="retry", conn_id=CONN_ID, timeout=5.0, total_timeout=5.0)

    notifier(fake_context(exception=RuntimeError("pod failed")))  # must not raise

    assert len(webhook.log) >= 1
    logged = assert_no_secret(caplog, capfd)
    assert ("not sent after" in logged or "may not have arrived" in logged) and "HTTP 503" in logged


def test_notifier_renders_a_templated_conn_id(webhook: HTTPServer) -> None:
    expect(webhook).respond_with_data("", status=202)
    notifier = ta.TeamsNotifier(event="success", conn_id="{{ params.teams_conn }}")

    notifier({**fake_context(), "params": {"teams_conn": CONN_ID}})

    card = webhook.log[0][0].get_json()["attachments"][0]["content"]
    assert "succeeded" in card["body"][0]["text"]


def test_plain_callback_sends_a_failure_card(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{ta.DEFAULT_CONN_ID.upper()}",
        json.dumps({"conn_type": "http", "host": f"{httpserver.url_for(PATH)}?{QUERY_STRING}"}),
    )
    expect(httpserver).respond_with_data("", status=202)

    ta.on_failure_alert(fake_context(exception=RuntimeError("pod failed")))

    card = httpserver.log[0][0].get_json()["attachments"][0]["content"]
    assert "failed" in card["body"][0]["text"]
