"""Understand a DAG ``schedule`` answer without importing Airflow or croniter.

The prompt checks the schedule on every key press and shows it back in words
with its next run times, so this has to be instant: a small, exact parser for
the five-field cron syntax Airflow accepts, plus Airflow's presets. What it
accepts is what Airflow 3.3's ``CronTriggerTimetable`` accepts for standard
cron; the test suite cross-checks the next run times against croniter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from createdag.errors import BadValue, CreateDagError

#: Airflow's presets (``airflow.sdk.definitions.timetables._cron.CRON_PRESETS``)
#: plus the two that are not cron at all.
CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
SPECIAL_SCHEDULES: dict[str, str] = {
    "@once": "once, at the start date",
    "@continuous": "continuously: a new run starts as soon as the previous one ends",
}
NO_SCHEDULE_WORDS = frozenset({"", "none", "null", "manual"})

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, tuple(_MONTHS), 1),
    _Field("day of week", 0, 7, tuple(_DAYS), 0),
)


@dataclass(frozen=True)
class Cron:
    """A parsed five-field cron expression: the set of values each field allows."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool
    minute_step: int | None
    hour_step: int | None

    def matches_day(self, day: dt.date) -> bool:
        """Vixie cron's rule, which croniter and so Airflow follow: when both
        day of month and day of week are restricted, either one matching is enough."""
        if day.month not in self.months:
            return False
        weekday = (day.weekday() + 1) % 7
        if self.days_restricted and self.weekdays_restricted:
            return day.day in self.days or weekday in self.weekdays
        return day.day in self.days and weekday in self.weekdays

    def matches(self, when: dt.datetime) -> bool:
        """Is the wall-clock minute ``when`` one of this schedule's run times?"""
        return when.minute in self.minutes and when.hour in self.hours and self.matches_day(when.date())

    def runs_after(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Wall-clock times after ``start`` (naive, in the DAG's timezone), for five years."""
        day = start.date()
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        for _ in range(366 * 5):
            if self.matches_day(day):
                for hour in hours:
                    for minute in minutes:
                        when = dt.datetime.combine(day, dt.time(hour, minute))
                        if when > start:
                            yield when
            day += dt.timedelta(days=1)


def _parse_value(text: str, field: _Field) -> int:
    upper = text.upper()
    if upper in field.names:
        return field.names.index(upper) + field.name_base
    if not text.isdigit():
        raise BadValue(f"{text!r} is not a number in the {field.name} field")
    value = int(text)
    if not field.low <= value <= field.high:
        raise BadValue(f"{value} is outside {field.low}-{field.high} in the {field.name} field")
    return value


def _parse_field(text: str, field: _Field) -> tuple[frozenset[int], int | None]:
    """Return (allowed values, step when the whole field is ``*/n``)."""
    values: set[int] = set()
    step_of_all: int | None = None
    for item in text.split(","):
        if not item:
            raise BadValue(f"empty item in the {field.name} field {text!r}")
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise BadValue(f"step {step_text!r} in the {field.name} field must be a number above 0")
            step = int(step_text)
        if base == "*":
            low, high = field.low, field.high
            if step_text and text == item:
                step_of_all = step
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _parse_value(first, field), _parse_value(last, field)
            if low > high:
                raise BadValue(f"range {base!r} in the {field.name} field runs backwards")
        else:
            low = _parse_value(base, field)
            high = field.high if step_text else low
        values.update(range(low, high + 1, step))
    return frozenset(values), step_of_all


def parse_cron(expression: str) -> Cron:
    """Parse a five-field cron expression or an Airflow preset; raise ``BadValue``."""
    text = CRON_PRESETS.get(expression.strip(), expression.strip())
    parts = text.split()
    if len(parts) != 5:
        raise BadValue(
            f"{expression!r} has {len(parts)} fields: a cron expression has five "
            "(minute hour day-of-month month day-of-week), e.g. '30 6 * * 1-5', "
            f"or use a preset: {', '.join([*CRON_PRESETS, *SPECIAL_SCHEDULES])}, or None"
        )
    parsed = [_parse_field(part, field) for part, field in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in parsed[4][0])
    # croniter's rule (and so Airflow's) for OR-ing day of month with day of
    # week: a field is unrestricted when it is "*", or when it lists every
    # value while the *other* field's text contains a "*".
    days_restricted = parts[2] != "*" and not (len(parsed[2][0]) == 31 and "*" in parts[4])
    weekdays_restricted = parts[4] != "*" and not (len(weekdays) == 7 and "*" in parts[2])
    cron = Cron(
        expression=text,
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days=parsed[2][0],
        months=parsed[3][0],
        weekdays=weekdays,
        days_restricted=days_restricted,
        weekdays_restricted=weekdays_restricted,
        minute_step=parsed[0][1],
        hour_step=parsed[1][1],
    )
    if next(cron.runs_after(dt.datetime(2000, 1, 1)), None) is None:
        raise BadValue(f"{expression!r} never matches a real date (check day of month against month)")
    return cron


def normalize_schedule(value: str | None) -> str | None:
    """Return the schedule as it should be written, or ``None`` for manual runs.

    Raises ``BadValue`` with the fix when it is neither a preset nor valid cron.
    """
    if value is None or value.strip().lower() in NO_SCHEDULE_WORDS:
        return None
    text = value.strip()
    if text in SPECIAL_SCHEDULES:
        return text
    if text.startswith("@") and text not in CRON_PRESETS:
        raise BadValue(
            f"{text!r} is not an Airflow preset: use one of "
            f"{', '.join([*CRON_PRESETS, *SPECIAL_SCHEDULES])}, a cron expression, or None"
        )
    parse_cron(text)
    return " ".join(text.split())


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _time_words(cron: Cron) -> str:
    minutes, hours = sorted(cron.minutes), sorted(cron.hours)
    all_hours = len(hours) == 24
    if len(minutes) == 60 and all_hours:
        return "every minute"
    if cron.minute_step and all_hours:
        return f"every {cron.minute_step} minutes"
    if len(minutes) == 1 and all_hours:
        return f"at minute {minutes[0]} of every hour"
    if len(minutes) == 1 and cron.hour_step:
        return f"every {cron.hour_step} hours at minute {minutes[0]}"
    if len(minutes) == 1 and len(hours) <= 6:
        return "at " + _list([_clock(h, minutes[0]) for h in hours])
    if len(minutes) * len(hours) <= 6:
        return "at " + _list([_clock(h, m) for h in hours for m in minutes])
    return f"at minutes {_ranges(minutes)} of hours {_ranges(hours)}"


def _ranges(values: list[int], names: list[str] | None = None, base: int = 0) -> str:
    """1,2,3,5 -> '1-3, 5' (or with names: 'Monday to Wednesday, Friday')."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and runs[-1][1] == v - 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))

    def show(v: int) -> str:
        return names[v - base] if names else str(v)

    parts = [
        show(a) if a == b else f"{show(a)} to {show(b)}" if names else f"{a}-{b}"
        for a, b in runs
    ]
    return _list(parts)


def _day_words(cron: Cron) -> str:
    days = (
        f"on day {_ranges(sorted(cron.days))} of the month" if cron.days_restricted else ""
    )
    weekdays = (
        "on " + _ranges(sorted(cron.weekdays), _DAY_NAMES) if cron.weekdays_restricted else ""
    )
    when = f"{days} or {weekdays}" if days and weekdays else days or weekdays or "every day"
    if len(cron.months) < 12:
        when += " in " + _ranges(sorted(cron.months), _MONTH_NAMES, 1)
    return when


def describe(schedule: str | None) -> str:
    """Say in words when a (normalized) schedule runs."""
    if schedule is None:
        return "never on its own: only when triggered (UI, API, CLI or an asset)"
    if schedule in SPECIAL_SCHEDULES:
        return SPECIAL_SCHEDULES[schedule]
    cron = parse_cron(schedule)
    return f"{_time_words(cron)}, {_day_words(cron)}"


def next_runs(schedule: str | None, after: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` wall-clock run times after ``after`` (empty when not cron)."""
    if schedule is None or schedule in SPECIAL_SCHEDULES:
        return []
    runs = parse_cron(schedule).runs_after(after)
    return [when for when, _ in zip(runs, range(count), strict=False)]


def preview(schedule: str | None, after: dt.datetime) -> str:
    """One line for the prompt: the schedule in words and its next run times."""
    words = describe(schedule)
    runs = next_runs(schedule, after)
    if not runs:
        return words
    shown = ", ".join(when.strftime("%a %Y-%m-%d %H:%M") for when in runs)
    return f"{words}; next: {shown} (DAG's timezone)"


def live_hint(text: str) -> str:
    """The prompt's live line while a schedule is typed: in words, with its next runs."""
    try:
        return preview(normalize_schedule(text), dt.datetime.now())
    except CreateDagError:
        return "cron: minute hour day-of-month month day-of-week, e.g. 30 6 * * 1-5"
