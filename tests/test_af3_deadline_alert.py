"""The deadline alert's callback in hooks/teams_alerts.py: what it reads of the context Airflow's
deadline machinery passes (``Deadline.handle_miss``), the card it posts, and that it never raises.
The whole chain on real Airflow is in test_af3_engine.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
from typing import Any

import pytest
from helpers import shipped_alerts_module

ta = shipped_alerts_module()
pytestmark = pytest.mark.airflow

#: what Deadline.handle_miss passes as ``context`` (DAGRunResponse as JSON, the deadline row)
CONTEXT: dict[str, Any] = {
    "dag_run": {"dag_id": "sales_daily", "dag_run_id": "scheduled__2026-01-01T00:00:00+00:00",
                "logical_date": "2026-01-01T00:00:00Z", "queued_at": "2026-01-01T00:00:03Z", "state": "running"},
    "deadline": {"id": "0192-...", "deadline_time": dt.datetime(2026, 1, 1, 0, 30, 3, tzinfo=dt.timezone.utc)},
}  # fmt: skip


def test_the_facts_of_a_missed_deadline() -> None:
    facts = ta.deadline_facts(CONTEXT)
    assert (facts.event, facts.dag_id, facts.task_id, facts.run_id) == (
        "missed_deadline", "sales_daily", "", "scheduled__2026-01-01T00:00:00+00:00")  # fmt: skip
    assert facts.deadline == "2026-01-01T00:30:03+00:00"
    assert facts.logical_date == "2026-01-01T00:00:00Z"
    assert ta.deadline_facts({**CONTEXT, "deadline": {"deadline_time": "2026-01-01T00:30:03Z"}}).deadline == (
        "2026-01-01T00:30:03Z"
    )


def test_the_card_is_of_its_own_kind_in_both_formats() -> None:
    facts = ta.deadline_facts(CONTEXT)
    card = json.loads(ta.build_message(facts))["attachments"][0]["content"]
    assert card["body"][0]["text"] == "\N{ALARM CLOCK} Airflow run missed its deadline"
    assert card["body"][0]["color"] == "attention"
    assert [f["title"] for f in card["body"][1]["facts"]] == ["DAG", "Run", "Logical date", "Deadline"]
    legacy = json.loads(ta.build_message(facts, "legacy"))
    assert legacy["summary"] == "sales_daily missed its deadline"
    assert "missed_deadline" not in ta.EVENTS  # not a task event: TeamsNotifier refuses it
    with pytest.raises(ValueError):
        ta.TeamsNotifier(event="missed_deadline")


@pytest.mark.parametrize("context", [None, {}, {"dag_run": {"dag_id": "x"}}, {"dag_run": "nonsense"}, 42])
def test_a_context_that_names_no_run_posts_nothing_and_never_raises(
    context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted: list[Any] = []
    monkeypatch.setattr(ta, "_deliver", lambda *args: posted.append(args) or True)
    assert ta.send_deadline_alert(context) is False
    assert posted == []


def test_the_callback_is_awaitable_as_asynccallback_wants_and_posts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import AsyncCallback

    assert inspect.iscoroutinefunction(ta.deadline_alert)
    AsyncCallback.verify_callable(ta.deadline_alert)  # raises for a callable the triggerer cannot await
    posted: list[Any] = []
    monkeypatch.setattr(ta, "_deliver", lambda facts, conn_id, *rest: posted.append((facts.run_id, conn_id)) or True)
    assert asyncio.run(ta.deadline_alert(context=CONTEXT, conn_id="team_hook", unknown_future_kwarg=1)) is True
    assert posted == [("scheduled__2026-01-01T00:00:00+00:00", "team_hook")]


def test_an_error_while_posting_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> bool:
        raise RuntimeError("no")

    monkeypatch.setattr(ta, "_deliver", boom)
    assert ta.send_deadline_alert(CONTEXT) is False
