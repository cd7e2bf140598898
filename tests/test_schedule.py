"""The schedule parser the prompt uses, cross-checked against croniter (what Airflow uses).

Airflow's own verdict, timetable and all, is checked in test_schedule_airflow.py.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from croniter import CroniterBadDateError, croniter
from helpers import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from createdag import schedule
from createdag.errors import BadValue

EXPRESSIONS = [
    "* * * * *", "*/15 * * * *", "0 * * * *", "5 4 * * *", "30 6 * * 1-5", "0 0 1 * *", "0 0 1 */3 *",
    "0 9 1,15 * mon", "0 0 * * 7", "0 22 * * sun-thu", "15 14 1 * *", "0 0 29 2 *", "0 */6 * * *",
    "10-50/20 8-18 * * MON-FRI", "0 12 L * *".replace("L", "28-31"), "0 0 * JAN,JUL *", "5/10 * * * *",
    # croniter's own reading, which the plain parser follows: an equal range is the whole field,
    # a backwards range wraps around (stepped croniter's way), 7 is Sunday, "*" in a list is all
    "5-5 * * * *", "0 0 * jan-jan *", "0 0 * * 7-7", "1-1/3 * * * *", "50-10/7 * * * *", "0 0 * * 5-1",
    "0 0 * dec-feb *", "0 0 31-2 * *", "0 0 * * 1/2", "0 0 * * 7/2", "0 0 * * 6/2", "59/15 * * * *",
    "0 0 1-5,* * 1", "0 0 */2 * 1,*", "0 0 0-0 * *",
    # left to croniter: L, W, #, ? and a seconds field
    "0 0 L * *", "0 9 * * 1#2", "0 0 15W * *", "0 0 ? * 1", "0 0 * * L5", "*/5 * * * * 30",
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
@given(st.tuples(_field, _field, _field, st.sampled_from(["*", "1", "2-5", "*/2", "JAN,JUN"]),
                 st.sampled_from(["*", "0", "1-5", "MON", "*/2"])))
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


def _value(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(low - 1, high + 1).map(str), *([st.sampled_from(names)] if names else []))


def _cron_field(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Any item croniter reads (and some it refuses): ranges equal, backwards and out of range,
    steps from 0 up, names in any case, "*" among other items, the extended forms, junk."""
    value, step = _value(low, high, names), st.integers(0, high + 2).map(str)
    item = st.one_of(
        st.just("*"), value, st.builds("{}-{}".format, value, value), st.builds("{}-{}/{}".format, value, value, step),
        st.builds("{}/{}".format, st.one_of(st.just("*"), value), step),
        st.sampled_from(["L", "15W", "1#2", "MON#5", "L5", "?", "x", "", "-1", "*/", "07", "\uff10"]),
    )  # fmt: skip
    return st.lists(item, min_size=1, max_size=3).map(",".join)


@settings(max_examples=400, deadline=None)
@given(st.tuples(_cron_field(0, 59), _cron_field(0, 23), _cron_field(1, 31),
                 _cron_field(1, 12, ("jan", "Jun", "DEC")), _cron_field(0, 7, ("sun", "Mon", "FRI", "sat"))))
def test_verdict_and_runs_match_croniter(fields: tuple[str, ...]) -> None:
    """Accepted exactly when croniter (Airflow's check) takes it and finds a date; the runs are croniter's."""
    expression = " ".join(fields)
    start = dt.datetime(2026, 3, 29, 1, 30)
    try:
        croniter(expression)
        it = croniter(expression, start)
        theirs = [it.get_next(dt.datetime) for _ in range(5)]
    except CroniterBadDateError:
        theirs = []  # Airflow parses it, but its scheduler finds no run: refused on purpose
    except Exception:  # noqa: BLE001 - any croniter error is Airflow's refusal
        theirs = []
    try:
        normalized = schedule.normalize_schedule(expression)
    except BadValue as error:
        assert not theirs, f"{expression!r} refused, croniter runs it: {error}"
        assert "\n" not in str(error)
        return
    assert theirs, f"{expression!r} accepted, croniter refuses it or finds no date"
    ours = schedule.next_runs(normalized, start, count=5)
    assert ours and ours == theirs[: len(ours)]


@pytest.mark.parametrize(
    ("text", "normalized"),
    [("@daily", "@daily"), (" 0  6 * * * ", "0 6 * * *"), ("None", None), ("", None), ("manual", None),
     (None, None), ("@once", "@once"), ("@continuous", "@continuous"), ("@midnight", "@midnight"),
     ("@annually", "@annually"), ("@DAILY", "@daily"), ("@Midnight", "@midnight"), ("0 0 l * *", "0 0 l * *"),
     ("0  9 * * MON#1", "0 9 * * MON#1"), ("5-1 * * * *", "5-1 * * * *"), ("*/5 * * * * 30", "*/5 * * * * 30")],
)  # fmt: skip
def test_normalize(text, normalized) -> None:
    assert schedule.normalize_schedule(text) == normalized


@pytest.mark.parametrize(
    ("text", "message"),
    [("0 0 30 2 *", "never matches"), ("60 * * * *", "outside 0-59"), ("* * * *", "has 4 fields"),
     ("@reboot", "not an Airflow preset"), ("*/0 * * * *", "above 0"), ("x * * * *", "not a number"),
     ("5-70 * * * *", "70 is outside 0-59"), ("0 0 * * 1,,2", "empty item"), ("@Quarterly", r"write @quarterly"),
     ("@ONCE", "write @once"), ("H * * * *", "hash id"), ("0 0 * * 1#6", "Invalid day_of_week value"),
     ("0 0 * * 5L", "L5 .last Friday."), ("* * * * * 60", "outside 0-59 in the second field"),
     ("0 0 1 1 * 0 2100", "outside 1970-2099 in the year field"), ("1 2 3 4 5 6 7 8", "has 8 fields"),
     ("0 0 15 * 1#2", "never matches"), ("0 0 L * 8", "8 is outside 0-7 in the day of week field"),
     ("0 0 */ * *", "step '' in the day of month field"), ("\u0663 * * * *", "not a number")],
)  # fmt: skip
def test_refused(text: str, message: str) -> None:
    with pytest.raises(BadValue, match=message) as refused:
        schedule.normalize_schedule(text)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [("@daily", "at 00:00, every day"), ("*/15 * * * *", "every 15 minutes, every day"),
     ("30 6 * * 1-5", "at 06:30, on Monday to Friday"), ("0 9 1,15 * mon", "on day 1 and 15 of the month or on Monday"),
     ("@quarterly", "in January, April, July and October"), (None, "only when triggered"),
     ("@once", "once, at the start date"), ("@midnight", "at 00:00, every day"),
     ("5-1 * * * *", "at minutes 0-1 and 5-59"), ("0 0 * * 5-1", "on Sunday to Monday and Friday to Saturday"),
     ("0 0 L * *", "at 00:00, on the last day of the month"), ("0 9 * * MON#2", "on the second Monday"),
     ("0 0 15W * *", "weekday nearest day 15"), ("0 0 * * L5", "last Friday"),
     ("*/5 * * * * 30", "at 30 seconds past the minute, every 5 minutes"),
     ("R * * * *", "(Airflow accepts this; no preview)")],
)  # fmt: skip
def test_describe(text, words) -> None:
    assert words in schedule.describe(schedule.normalize_schedule(text))


def test_preview_shows_next_runs() -> None:
    line = schedule.preview("30 6 * * 1-5", dt.datetime(2026, 11, 27, 9, 0))
    assert "next: Mon 2026-11-30 06:30, Tue 2026-12-01 06:30, Wed 2026-12-02 06:30" in line


def test_live_hint_describes_what_only_croniter_reads() -> None:
    assert schedule.live_hint("0 0 L * *").startswith("at 00:00, on the last day of the month; next: ")
    assert "on the second Monday of the month; next: " in schedule.live_hint("0 9 * * 1#2")
    assert schedule.live_hint("R * * * *") == "Airflow accepts this; no preview"  # a new draw each time
    assert schedule.live_hint("0 0 * * 1#2,3#1") == "Airflow accepts this; no preview"  # cron-descriptor garbles it
    assert schedule.live_hint("0 0 LW * *").startswith("cron: minute hour")


def test_croniter_schedules_have_runs_for_the_alignment_check() -> None:
    last_day = schedule.parse_cron("0 0 L * *")
    assert last_day.matches(dt.datetime(2028, 2, 29)) and not last_day.matches(dt.datetime(2028, 2, 28))
    assert schedule.next_runs("0 0 L * *", dt.datetime(2026, 1, 1), 2) == [dt.datetime(2026, 1, 31),
                                                                           dt.datetime(2026, 2, 28)]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "cron"),
    [
        ("0 6 * * *", True),  # five fields
        ("0 0 6 * * *", True),  # six: croniter's seconds
        ("0 0 L * *", True),  # what only croniter reads
        ("@daily", True),
        ("@Daily", True),  # croniter's alias, in any case
        ("@midnight", True),
        ("foo", False),  # one field: the two old readers disagreed here
        ("0 6 * *", False),  # four fields
        ("@foo", False),  # no preset: Airflow refuses it
        ("", False),
        ("0 0 30 2 *", False),  # never matches a date: no run times
        (None, False),
        ("@once", False),
        ("@continuous", False),
        ("every 15 minutes", False),  # the answer for timedelta(minutes=15)
        (dt.timedelta(minutes=15), False),
        (3600, False),
    ],
)
def test_is_cron_is_one_answer_for_alignment_and_migrate(value: object, cron: bool) -> None:
    """The upstream alignment and migrate's data-interval decision ask the same question."""
    from createdag.codemods.template_variables import decide_intervals

    assert schedule.is_cron(value) is cron
    assert (decide_intervals(value, ["ds"]).timetable is not None) is cron


def test_croniter_and_cron_descriptor_load_only_when_needed() -> None:
    """Startup: importing the module, the prompt's questions and a plain schedule's preview load neither."""
    code = (
        "import sys, json\n"
        "import createdag.schedule as s, createdag.questions\n"
        "s.live_hint('30 6 * * 1-5'); s.live_hint('@daily'); s.live_hint('0 0'); s.describe('0 9 1,15 * mon')\n"
        "loaded = lambda: sorted(m for m in ('croniter', 'cron_descriptor') if m in sys.modules)\n"
        "before = loaded(); s.live_hint('0 0 L * *')\n"
        "print(json.dumps([before, loaded()]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert json.loads(result.stdout) == [[], ["cron_descriptor", "croniter"]]
