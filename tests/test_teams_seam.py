"""The alert-channel seam of hooks/teams_alerts.py: a channel-neutral core and the Teams card builder.

A second channel is a ``Channel`` (its name, connection, formats and body) and an
``AlertNotifier`` with that channel: nothing of the transport, its deadline, the
retries, the redaction or the Airflow glue is copied. This test builds one, a
plain-text channel that exists only here, and drives it against a local webhook
through the core: the notifier as Airflow calls it, retries after a 429, one
message per failure when the server takes the body and says nothing, no secret
in the log, deadline alerts, and the Teams card never in its body.
"""

from __future__ import annotations

import ast
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from helpers import REPO, shipped_alerts_module

pytestmark = pytest.mark.airflow  # the alert module imports airflow.sdk
# the channel below subclasses the module's at import: without Airflow the file is skipped whole
pytest.importorskip("airflow.sdk", reason="the alert module imports airflow.sdk")
ta = shipped_alerts_module()
SIG = "pl41nSECRETsig"


class PlainText(ta.Channel):
    """A channel that posts ``{"text": "..."}``: what a chat webhook other than Teams takes."""

    name = "Plain"
    default_conn_id = "plain_webhook_test"
    formats = ("text",)
    rejected_hint = "check {conn_id}"

    def build(self, facts: Any, message_format: str) -> bytes:
        return json.dumps({"text": f"{facts.dag_id}.{facts.task_id or '-'} {facts.event}"}).encode()


class PlainNotifier(ta.AlertNotifier):
    channel = PlainText()


def context() -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="sales_daily", task_id="main", run_id="manual__1", try_number=1, log_url=None)
    return {"ti": ti, "logical_date": None, "exception": ValueError("boom")}


class Webhook:
    """Answers each POST with the next of ``answers`` (the last repeats); keeps each body."""

    def __init__(self, answers: list[bytes | None]) -> None:
        self.answers, self.bodies = answers, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook?sig={SIG}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            answer = self.answers[min(len(self.bodies), len(self.answers) - 1)]
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
                         .split(b":")[1])  # fmt: skip
            while len(body) < length:
                body += conn.recv(65536)
            self.bodies.append(body)
            threading.Thread(target=self._answer, args=(conn, answer), daemon=True).start()

    @staticmethod
    def _answer(conn: socket.socket, answer: bytes | None) -> None:
        with conn:
            try:
                if answer is None:  # took it, says nothing
                    while conn.recv(1024):
                        pass
                else:
                    conn.sendall(answer)
            except OSError:
                pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[Callable[..., Webhook]]:
    caplog.set_level(logging.DEBUG)
    made: list[Webhook] = []

    def start(*answers: bytes | None) -> Webhook:
        hook = Webhook(list(answers))
        made.append(hook)
        monkeypatch.setenv("AIRFLOW_CONN_PLAIN_WEBHOOK_TEST", json.dumps({"conn_type": "http", "host": hook.url}))
        return hook

    yield start
    for hook in made:
        hook.listener.close()


ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
THROTTLED = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n\r\n"


def test_a_test_channel_posts_through_the_core_with_retries(webhook: Any, caplog: pytest.LogCaptureFixture) -> None:
    hook = webhook(THROTTLED, ACCEPTED)
    PlainNotifier(event="failure").notify(context())
    assert [json.loads(body) for body in hook.bodies] == [{"text": "sales_daily.main failure"}] * 2
    assert "Plain alert for sales_daily.main: try 1 failed (HTTP 429" in caplog.text
    assert "Plain alert for sales_daily.main sent (HTTP 202)" in caplog.text
    assert SIG not in caplog.text and "Teams" not in caplog.text


def test_a_test_channel_gets_one_message_per_failure_and_its_deadline(
    webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hook = webhook(None)
    notifier = PlainNotifier(event="retry", timeout=0.5, total_timeout=5.0)
    notifier.notify(context())
    assert len(hook.bodies) == 1
    assert "Plain alert for sales_daily.main may not have arrived" in caplog.text
    assert "no complete answer within 0.5s (the alert's deadline)" in caplog.text


def test_a_test_channel_sends_deadline_alerts_and_rejections_through_the_core(
    webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hook = webhook(ACCEPTED)
    run = {"dag_run": {"dag_id": "sales_daily", "dag_run_id": "scheduled__1"}, "deadline": {"deadline_time": "x"}}
    assert ta.alert_deadline(PlainText(), run, "plain_webhook_test", "text") is True
    assert json.loads(hook.bodies[0]) == {"text": "sales_daily.- missed_deadline"}
    webhook(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    assert ta.alert_task(PlainText(), context(), "failure", "plain_webhook_test", "text") is False
    assert "Plain rejected the alert for sales_daily.main (HTTP 404 Not Found); not retried: check plain_webhook_test" \
        in caplog.text  # fmt: skip


def test_the_notifier_glue_checks_what_the_channel_declares() -> None:
    assert PlainNotifier().message_format == "text" and PlainNotifier().conn_id == "plain_webhook_test"
    with pytest.raises(ValueError, match="message_format must be one of"):
        PlainNotifier(message_format="workflows")
    assert ta.TeamsNotifier().conn_id == ta.DEFAULT_CONN_ID and ta.TeamsNotifier().message_format == "workflows"
    assert isinstance(ta.TeamsNotifier(), ta.AlertNotifier) and ta.TeamsNotifier.channel is ta.TEAMS


#: What only the Teams channel may use: its card builders and Markdown escaping.
TEAMS_ONLY = {"build_message", "adaptive_card", "workflows_message", "legacy_message_card", "markdown_text",
              "_fact_list", "_title", "TEAMS", "TeamsChannel", "TeamsNotifier", "FORMATS", "MAX_MESSAGE_BYTES"}  # fmt: skip


def test_the_core_does_not_reach_into_the_teams_card() -> None:
    """Every function and class above the Teams section names nothing of the Teams card: a second
    channel gets the core whole, and the Teams part can be read on its own."""
    source = (REPO / "hooks" / "teams_alerts.py").read_text(encoding="utf-8")
    core, marker, _ = source.partition("\n# === the Teams channel")
    assert marker
    tree = ast.parse(core)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not names & TEAMS_ONLY, (node.name, names & TEAMS_ONLY)
