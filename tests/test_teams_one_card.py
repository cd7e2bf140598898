"""One card per failure, and a card of bounded size whatever the context holds.

Against a local TCP server that plays each kind of webhook: one that takes the
POST and then says nothing (slow), drips its status line, throttles (429),
fails (503), resets the connection after the request, or is not there at all.
Task alerts (``send_alert``) and deadline alerts (``send_deadline_alert``) go
through the same transport; each case runs for both. A request whose body went
out is posted again only when the server answered that it did not take it; the
log says which case it was.

No test here depends on how fast the machine is: the servers that stall do so
until the client hangs up, so every attempt ends at the client's own deadline.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import shipped_alerts_module

pytestmark = pytest.mark.airflow  # the alert module imports airflow.sdk
ta = shipped_alerts_module()

CONN_ID = "teams_one_card_test"
PATH = "/workflows/0a1b/triggers/manual/paths/invoke"
QUERY_STRING = "api-version=2016-06-01&sig=S3CRETsig"


def task_context(**ids: str) -> dict[str, Any]:
    ti = SimpleNamespace(
        dag_id=ids.get("dag_id", "sales_daily"),
        task_id=ids.get("task_id", "main"),
        run_id=ids.get("run_id", "manual__2026-11-01T00:00:00+00:00"),
        try_number=1,
        log_url=ids.get("log_url", "https://airflow.example.test/log"),
    )
    return {"ti": ti, "logical_date": None, "exception": ValueError(ids.get("exception", "boom"))}


def deadline_context(**ids: str) -> dict[str, Any]:
    run = {
        "dag_id": ids.get("dag_id", "sales_daily"),
        "dag_run_id": ids.get("run_id", "scheduled__2026-11-01T00:00:00+00:00"),
        "logical_date": ids.get("logical_date", "2026-11-01T00:00:00+00:00"),
    }
    return {"dag_run": run, "deadline": {"id": ids.get("id", "1"), "deadline_time": ids.get("due", "2026-11-01T01:00")}}


def send_task(**kwargs: Any) -> bool:
    return bool(ta.send_alert(task_context(), "failure", CONN_ID, **kwargs))


def send_deadline(**kwargs: Any) -> bool:
    return bool(ta.send_deadline_alert(deadline_context(), CONN_ID, **kwargs))


SENDERS = {"task": send_task, "deadline": send_deadline}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Server:
    """A webhook on 127.0.0.1: each connection gets the next handler of ``script`` (the last one
    repeats), after its request (head and body) has been read and kept in ``bodies``."""

    def __init__(self, script: list[Callable[[socket.socket], None]]) -> None:
        self.script = script
        self.bodies: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=32)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}{PATH}?{QUERY_STRING}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            handler = self.script[min(len(self.bodies), len(self.script) - 1)]
            self.bodies.append(read_body(conn))
            threading.Thread(target=self._one, args=(conn, handler), daemon=True).start()

    @staticmethod
    def _one(conn: socket.socket, handler: Callable[[socket.socket], None]) -> None:
        with conn, contextlib.suppress(OSError):
            handler(conn)


def read_body(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return body


def reply(raw: bytes) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(raw)


def stall(conn: socket.socket) -> None:
    """Took the card, and says nothing until the client hangs up."""
    while conn.recv(1024):
        pass


def drip(conn: socket.socket) -> None:
    """A 202 whose status line comes one byte every 0.3 s: cut by the client's deadline mid-line."""
    for byte in b"HTTP/1.1 202 Accepted\r\n\r\n":
        conn.sendall(bytes([byte]))
        time.sleep(0.3)


def reset(conn: socket.socket) -> None:
    """Read the request, then reset the connection (RST, no answer)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[Callable[..., Server]]:
    caplog.set_level(logging.DEBUG)
    servers: list[Server] = []

    def start(*script: Callable[[socket.socket], None]) -> Server:
        server = Server(list(script))
        servers.append(server)
        monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "http", "host": server.url}))
        return server

    yield start
    for server in servers:
        server.listener.close()


@pytest.mark.parametrize("kind", SENDERS)
@pytest.mark.parametrize("answer", [stall, drip, reset], ids=["slow", "drip", "reset-after-body"])
def test_a_card_whose_body_went_out_is_never_posted_again(
    kind: str, answer: Callable[[socket.socket], None], webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = webhook(answer)
    sleeps = Sleeps()
    sent = SENDERS[kind](timeout=0.5, total_timeout=30.0, sleep=sleeps)
    assert sent is False
    assert len(server.bodies) == 1 and sleeps == []
    assert "after the message was sent; not sent again, as the webhook may have taken it" in caplog.text
    assert "may not have arrived" in caplog.text
    if answer is drip:  # the deadline cut the status line in two: logged as the deadline, not as garbage
        assert "no complete answer within 0.5s (the alert's deadline)" in caplog.text
        assert "BadStatusLine" not in caplog.text
    assert "S3CRETsig" not in caplog.text


@pytest.mark.parametrize("kind", SENDERS)
@pytest.mark.parametrize("refusal", [b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n\r\n",
                                     b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"],
                         ids=["429", "503"])  # fmt: skip
def test_a_card_the_server_refused_is_posted_again(
    kind: str, refusal: bytes, webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = webhook(reply(refusal), reply(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    sleeps = Sleeps()
    assert SENDERS[kind](timeout=5.0, total_timeout=30.0, sleep=sleeps) is True
    assert len(server.bodies) == 2 and server.bodies[0] == server.bodies[1]
    assert "the webhook did not take the message); trying again" in caplog.text


@pytest.mark.parametrize("kind", SENDERS)
def test_a_connection_that_failed_before_the_body_is_tried_again(
    kind: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there now
    url = f"http://127.0.0.1:{port}{PATH}?{QUERY_STRING}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "http", "host": url}))
    sleeps = Sleeps()
    assert SENDERS[kind](timeout=5.0, total_timeout=30.0, backoff=0.01, sleep=sleeps) is False
    assert len(sleeps) == 9  # ten attempts: none of them got the card out
    assert "ConnectionRefusedError: [Errno 111] Connection refused before the message was sent" in caplog.text


MEGA = "x" * 1_000_000


@pytest.mark.parametrize("message_format", ["workflows", "legacy"])
@pytest.mark.parametrize("ids", [
    {"dag_id": MEGA}, {"run_id": MEGA, "due": MEGA, "logical_date": MEGA}, {"task_id": MEGA, "log_url": MEGA},
    {"dag_id": "<" * 200_000, "run_id": "\n" * 200_000, "exception": "*" * 500_000},
    {"dag_id": "\U0001f600" * 300_000, "exception": "\x00" * 300_000},
])  # fmt: skip
def test_the_size_cap_holds_for_the_whole_card(ids: dict[str, str], message_format: str) -> None:
    for facts in (ta.deadline_facts(deadline_context(**ids)), ta.facts_from_context(task_context(**ids), "failure")):
        body = ta.build_message(facts, message_format)
        assert len(body) <= ta.MAX_MESSAGE_BYTES
        assert json.loads(body)  # valid JSON, still a card


@pytest.mark.parametrize("kind", ["task", "deadline"])
def test_a_deadline_or_task_alert_with_huge_ids_posts_a_bounded_card(kind: str, webhook: Any) -> None:
    server = webhook(reply(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    if kind == "task":
        assert ta.send_alert(task_context(dag_id=MEGA, run_id=MEGA, exception=MEGA), "failure", CONN_ID) is True
    else:
        assert ta.send_deadline_alert(deadline_context(dag_id=MEGA, run_id=MEGA, due=MEGA), CONN_ID) is True
    assert len(server.bodies) == 1 and len(server.bodies[0]) <= ta.MAX_MESSAGE_BYTES


def test_short_facts_are_never_cut() -> None:
    body = ta.build_message(ta.facts_from_context(task_context(exception="e" * 100_000), "failure"))
    text = body.decode("utf-8")
    assert "manual\\\\_\\\\_2026-11-01T00:00:00+00:00" in text or "manual__2026-11-01T00:00:00+00:00" in text
    assert "x (cut)" not in text and len(body) <= ta.MAX_MESSAGE_BYTES
