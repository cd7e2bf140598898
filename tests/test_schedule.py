"""The schedule parser the prompt uses, cross-checked against croniter (what Airflow uses)."""

from __future__ import annotations

import datetime as dt

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from createdag import schedule
from createdag.errors import BadValue

EXPRESSIONS = [
    "* * * * *", "*/15 * * * *", "0 * * * *", "5 4 * * *", "30 6 * * 1-5", "0 0 1 * *", "0 0 1 */3 *",
    "0 9 1,15 * mon", "0 0 * * 7", "0 22 * * sun-thu", "15 14 1 * *", "0 0 29 2 *", "0 */6 * * *",
    "10-50/20 8-18 * * MON-FRI", "0 12 L * *".replace("L", "28-31"), "0 0 * JAN,JUL *", "5/10 * * * *",
]  # fmt: skip


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_next_runs_match_croniter(expression: str) -> None:
    start = dt.datetime(2026, 11, 27, 9, 7)
    count = 1 if expression == "0 0 29 2 *" else 12  # we look five years ahead, enough for a preview
    ours = schedule.next_runs(expression, start, count=count)
    it = croniter(expression, start)
    theirs = [it.get_next(dt.datetime) for _ in range(count)]
    assert ours == theirs


_field = st.one_of(
    st.just("*"),
    st.integers(0, 28).map(str),
    st.tuples(st.integers(0, 10), st.integers(11, 28)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.integers(1, 7).map(lambda n: f"*/{n}"),
)


@settings(max_examples=200, deadline=None)
@given(st.tuples(_field, _field, _field,
                 st.sampled_from(["*", "1", "2-5", "*/2", "JAN,JUN"]), st.sampled_from(["*", "0", "1-5", "MON", "*/2"])))
def test_random_expressions_match_croniter(fields: tuple[str, ...]) -> None:
    expression = " ".join(fields)
    start = dt.datetime(2026, 3, 29, 1, 30)
    try:
        ours = schedule.next_runs(expression, start, count=5)
    except BadValue:
        with pytest.raises(Exception):  # noqa: B017 - croniter's own error types vary
            croniter(expression, start).get_next(dt.datetime)
        return
    it = croniter(expression, start)
    assert ours == [it.get_next(dt.datetime) for _ in range(5)]


@pytest.mark.parametrize(
    ("text", "normalized"),
    [("@daily", "@daily"), (" 0  6 * * * ", "0 6 * * *"), ("None", None), ("", None), ("manual", None),
     (None, None), ("@once", "@once"), ("@continuous", "@continuous")],
)  # fmt: skip
def test_normalize(text, normalized) -> None:
    assert schedule.normalize_schedule(text) == normalized


@pytest.mark.parametrize(
    ("text", "message"),
    [("0 0 30 2 *", "never matches"), ("60 * * * *", "outside 0-59"), ("* * * *", "has 4 fields"),
     ("@midnight", "not an Airflow preset"), ("*/0 * * * *", "above 0"), ("x * * * *", "not a number"),
     ("5-1 * * * *", "backwards"), ("0 0 * * 1,,2", "empty item")],
)  # fmt: skip
def test_refused(text: str, message: str) -> None:
    with pytest.raises(BadValue, match=message):
        schedule.normalize_schedule(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [("@daily", "at 00:00, every day"), ("*/15 * * * *", "every 15 minutes, every day"),
     ("30 6 * * 1-5", "at 06:30, on Monday to Friday"), ("0 9 1,15 * mon", "on day 1 and 15 of the month or on Monday"),
     ("@quarterly", "in January, April, July and October"), (None, "only when triggered"),
     ("@once", "once, at the start date")],
)  # fmt: skip
def test_describe(text, words) -> None:
    assert words in schedule.describe(schedule.normalize_schedule(text))


def test_preview_shows_next_runs() -> None:
    line = schedule.preview("30 6 * * 1-5", dt.datetime(2026, 11, 27, 9, 0))
    assert "next: Mon 2026-11-30 06:30, Tue 2026-12-01 06:30, Wed 2026-12-02 06:30" in line
