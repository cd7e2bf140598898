"""Understand a DAG ``schedule`` answer, with croniter and cron-descriptor only when needed.

The prompt checks the schedule on every key press and shows it back in words
with its next run times, so the common case has to be instant: a small, exact
parser for plain cron (numbers, names, ``*``, ranges, lists and steps in five
fields) plus Airflow's presets, importing nothing heavy.

Whatever that parser does not cover is decided the way Airflow 3.3 decides it.
For a ``schedule=`` string Airflow builds a cron timetable
(``airflow/sdk/definitions/dag.py``, ``_create_timetable``) whose ``validate()``
(``CronMixin`` in ``airflow/sdk/definitions/timetables/_cron.py``, called by the
DAG bag before it keeps a DAG) resolves Airflow's own presets and then calls
``croniter(expression)``: whatever croniter takes, Airflow takes. So here too:
``L``, ``15W``, ``MON#2``, ``L5``, ``?``, ``R``, a sixth (seconds) and seventh
(year) field and croniter's own aliases (``@midnight``, ``@annually``, in any
case) are accepted when croniter accepts them, and described by cron-descriptor
(both imported on first use, never at import: startup is a feature). ``H`` is
refused, as in Airflow, which gives croniter no hash id.

One deliberate difference: a schedule that never matches a date (``0 0 30 2 *``)
passes Airflow's parse but its scheduler cannot compute a single run
(``next_dagrun_info`` raises croniter's ``CroniterBadDateError``), so it is
refused here with the fix.

The plain parser follows croniter 7 (what Airflow 3.3 installs) to the letter,
including its quirks: ``5-5`` (an equal range) is the whole field, ``50-10`` wraps
around, ``7`` is Sunday. The tests cross-check it against croniter and the whole
verdict against Airflow's own timetable.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from createdag.errors import BadValue, CreateDagError, shown

#: Airflow's presets, looked up exactly as written: ``CRON_PRESETS`` in
#: ``airflow/sdk/definitions/timetables/_cron.py`` (the same dict as ``cron_presets``
#: in ``airflow/utils/dates.py``). ``@Quarterly`` is no preset: it falls through to croniter.
AIRFLOW_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
#: croniter's own aliases (``expr_aliases`` in ``croniter._expand``), which an expression
#: reaches when Airflow's lookup misses. croniter lower-cases the expression first, so
#: these are taken in any case (``@Daily``); ``@reboot`` is not one of them.
CRONITER_ALIASES: dict[str, str] = {
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
#: Every preset a cron timetable takes (for completion and messages).
CRON_PRESETS: dict[str, str] = {**AIRFLOW_PRESETS, **CRONITER_ALIASES}
#: The two schedules ``_create_timetable`` turns into other timetables (exact spelling only).
SPECIAL_SCHEDULES: dict[str, str] = {
    "@once": "once, at the start date",
    "@continuous": "continuously: a new run starts as soon as the previous one ends",
}
NO_SCHEDULE_WORDS = frozenset({"", "none", "null", "manual"})
#: What the prompt says of a schedule Airflow takes but nothing here can put in words.
NO_PREVIEW = "Airflow accepts this; no preview"

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

#: croniter splits on ASCII whitespace only (``field_re``): a no-break space joins two fields.
_TOKEN = re.compile(r"\S+", re.ASCII)
#: croniter's ``hash_expression_re``: ``H`` (hashed) and ``R`` (random) values, a whole field.
_HASHED = re.compile(r"^[hr](\(\d+-\d+\))?(/\d+)?$", re.ASCII | re.IGNORECASE)
_EXTENDED_HINT = (
    "besides numbers, names, * - , and / cron takes L or 15W in the day of month, "
    "MON#2 or L5 (last Friday) in the day of week, ? for either day field"
)


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0
    seven_is_sunday: bool = False

    @property
    def shown_range(self) -> str:
        return f"{self.low}-{self.high + 1 if self.seven_is_sunday else self.high}"


#: croniter's ``RANGES`` and ``ALPHACONV``, field by field; 6th and 7th only in the longer forms.
_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, tuple(_MONTHS), 1),
    _Field("day of week", 0, 6, tuple(_DAYS), 0, seven_is_sunday=True),
    _Field("second", 0, 59),
    _Field("year", 1970, 2099),
)
_DAY_OF_MONTH, _DAY_OF_WEEK = 2, 4


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


@dataclass(frozen=True)
class CroniterCron:
    """A cron expression Airflow takes that the plain parser leaves to croniter
    (``L``, ``W``, ``#``, ``?``, ``R``, seconds or year fields...): same interface as ``Cron``."""

    expression: str

    def runs_after(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Wall-clock times after ``start`` (naive, in the DAG's timezone), for five years."""
        croniter = _croniter()
        runs = croniter.croniter(self.expression, start)
        end = start + dt.timedelta(days=366 * 5)
        while True:
            try:
                when = runs.get_next(dt.datetime)
            except croniter.CroniterBadDateError:
                return
            if when > end:
                return
            yield when

    def matches(self, when: dt.datetime) -> bool:
        """Is the wall-clock time ``when`` one of this schedule's run times?"""
        return next(self.runs_after(when - dt.timedelta(seconds=1)), None) == when

    @property
    def words(self) -> str | None:
        """The schedule in words (cron-descriptor), or ``None`` when it cannot say it right."""
        return _describe_with_cron_descriptor(self.expression)


def _croniter() -> Any:
    """The croniter package, imported on first use (it costs the prompt's startup ~50 ms)."""
    import croniter  # type: ignore[import-untyped]

    return croniter


def _parse_value(text: str, field: _Field) -> int:
    """One value, names included; 7 in the day of week is Sunday (croniter's ``value_alias``)."""
    upper = text.upper()
    if upper in field.names:
        return field.names.index(upper) + field.name_base
    if not (text.isascii() and text.isdigit()):
        raise BadValue(f"{shown(text)} is not a number in the {field.name} field")
    value = int(text)
    return 0 if field.seven_is_sunday and value == 7 else value


def _outside(value: int, field: _Field) -> BadValue:
    return BadValue(f"{value} is outside {field.shown_range} in the {field.name} field")


def _parse_item(item: str, field: _Field) -> tuple[list[int], int | None]:
    """One item of a list, as croniter's ``_expand`` reads it: (values, its step)."""
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
            raise BadValue(f"step {shown(step_text)} in the {field.name} field must be a number above 0")
        step = int(step_text)
    if base == "*":
        return list(range(field.low, field.high + 1, step)), step if slash else None
    if "-" in base:
        first, _, last = base.partition("-")
        low, high = _parse_value(first, field), _parse_value(last, field)
        if max(low, high) > field.high:
            raise _outside(max(low, high), field)
        if low == high:  # croniter: an equal range written as one ("5-5", "Jan-Jan") is the whole field
            low, high = field.low, field.high
    elif slash:  # "10/15" is 10-59/15; "59/15" is just 59
        low, high = _parse_value(base, field), field.high
        if low > high:
            raise _outside(low, field)
    else:
        value = _parse_value(base, field)
        if not field.low <= value <= field.high:
            raise _outside(value, field)
        return [value], None
    if low <= high:
        values = list(range(low, high + 1, step))
    else:  # a range that wraps around ("50-10", "FRI-MON"), stepped the way croniter steps it
        values = list(range(low, field.high + 1, step))
        skip = 0
        if values[-1] - field.low + step > field.high - field.low + 1 and field.high - values[-1] < step:
            skip = step - (field.high - values[-1])
        values += range(field.low + skip, high + 1, step)
    for value in values:
        if value < field.low:
            raise _outside(value, field)
    return values, None


def _parse_field(text: str, field: _Field) -> tuple[frozenset[int], int | None]:
    """Return (allowed values, step when the whole field is ``*/n``)."""
    values: set[int] = set()
    step_of_all: int | None = None
    items = text.split(",")
    for item in items:
        if not item:
            raise BadValue(f"empty item in the {field.name} field {shown(text)}")
        found, step = _parse_item(item, field)
        if text == item and item.startswith("*"):
            step_of_all = step
        values.update(found)
    if "*" in items:  # croniter: a "*" anywhere in the list makes it the whole field
        values = set(range(field.low, field.high + 1))
    return frozenset(values), step_of_all


def _is_extended(token: str, index: int) -> bool:
    """Syntax only croniter reads: ``?``, ``H``/``R``, ``L``/``W`` in the day of month, ``#``/``L``
    in the day of week. croniter says whether it is right."""
    lower = token.lower()
    if "?" in lower or _HASHED.match(lower):
        return True
    if index == _DAY_OF_MONTH:
        return "l" in lower or "w" in lower
    if index == _DAY_OF_WEEK:
        return "#" in lower or "l" in lower
    return False


class _LeftToCroniter(Exception):
    """The plain parser found nothing wrong but cannot schedule this itself."""

    def __init__(self, extended: list[int]) -> None:
        super().__init__()
        self.extended = extended


def _parse_plain(tokens: list[str]) -> Cron:
    """The plain parser: a ``Cron``, or ``BadValue`` (the first mistake it sees in plain
    syntax), or ``_LeftToCroniter`` when all it can read is right but some is not its own."""
    parsed: list[tuple[frozenset[int], int | None]] = []
    extended = []
    first_error: BadValue | None = None
    for index, (token, field) in enumerate(zip(tokens, _FIELDS, strict=False)):
        if _is_extended(token, index):
            extended.append(index)
            parsed.append((frozenset(), None))
            continue
        try:
            parsed.append(_parse_field(token, field))
        except BadValue as error:
            first_error = first_error or error
            parsed.append((frozenset(), None))
    if first_error is not None:
        raise first_error
    if extended or len(tokens) > 5:  # seconds and years are beyond Cron: croniter does them
        raise _LeftToCroniter(extended)
    day_text, weekday_text = tokens[_DAY_OF_MONTH], tokens[_DAY_OF_WEEK]
    weekdays = parsed[_DAY_OF_WEEK][0]
    # croniter's rule (and so Airflow's) for OR-ing day of month with day of
    # week: a field is unrestricted when "*" is one of its items, or when it
    # lists every value while the *other* field's text contains a "*".
    days_restricted = "*" not in day_text.split(",") and not (len(parsed[2][0]) == 31 and "*" in weekday_text)
    weekdays_restricted = "*" not in weekday_text.split(",") and not (len(weekdays) == 7 and "*" in day_text)
    return Cron(
        expression=" ".join(tokens),
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


def _preset(text: str) -> str | None:
    """The preset ``text`` names, spelled as written to the DAG, or ``None``."""
    if text in AIRFLOW_PRESETS:
        return text
    return text.lower() if text.lower() in CRONITER_ALIASES else None


def _all_presets() -> str:
    return ", ".join([*CRON_PRESETS, *SPECIAL_SCHEDULES])


@functools.lru_cache(maxsize=256)
def parse_cron(expression: str) -> Cron | CroniterCron:
    """Parse a cron expression or a preset as Airflow's cron timetable does; raise ``BadValue``."""
    preset = _preset(expression.strip())
    tokens = _TOKEN.findall(CRON_PRESETS[preset] if preset else expression)
    if len(tokens) not in (5, 6, 7):  # croniter's first check: no need to ask it
        raise BadValue(
            f"{shown(expression)} has {len(tokens)} fields: a cron expression has five "
            "(minute hour day-of-month month day-of-week), e.g. '30 6 * * 1-5', "
            f"or use a preset: {_all_presets()}, or None"
        )
    try:
        cron = _parse_plain(tokens)
    except _LeftToCroniter as left:
        return _parse_with_croniter(expression, tokens, None, left.extended)
    except BadValue as error:  # croniter has the last word all the same
        return _parse_with_croniter(expression, tokens, error, [])
    if next(cron.runs_after(dt.datetime(2000, 1, 1)), None) is None:
        raise BadValue(f"{shown(expression)} never matches a real date (check day of month against month)")
    return cron


def _parse_with_croniter(
    expression: str, tokens: list[str], plain_error: BadValue | None, extended: list[int]
) -> CroniterCron:
    """Airflow's verdict (``CronMixin.validate``: ``croniter(expression)``), then a first run."""
    croniter = _croniter()
    text = " ".join(tokens)
    try:
        croniter.croniter(text)
    # Airflow turns croniter's errors into AirflowTimetableInvalid and lets any other
    # escape ``validate()``: either way the DAG is an import error, so every error refuses.
    except Exception as error:  # noqa: BLE001
        raise plain_error or _croniter_refusal(expression, tokens, extended, error) from None
    if any(_HASHED.match(token) for token in tokens):
        return CroniterCron(text)  # R: whether a run exists depends on the draw (Airflow's validate passes)
    try:
        croniter.croniter(text, dt.datetime.now()).get_next(dt.datetime)
    except croniter.CroniterBadDateError:
        day_fields = f"{tokens[_DAY_OF_MONTH]} {tokens[_DAY_OF_WEEK]}".lower()
        fix = "check day of month against month"
        if len(tokens) == 7:
            fix += " and the year (7th field), which must not be past"
        if "#" in day_fields or "w" in day_fields:
            fix += "; with # or W, a day of month must match as well as the day of week"
        raise BadValue(f"{shown(expression)} never matches a date croniter (Airflow's cron) can find: {fix}") from None
    return CroniterCron(text)


def _croniter_refusal(expression: str, tokens: list[str], extended: list[int], error: Exception) -> BadValue:
    """One line from croniter's reason: its copy of the expression and boilerplate left out."""
    reason = re.sub(r"\[[^\]]*\]", "", str(error)).split("  Cron:")[0]
    reason = re.sub(r"^\s*(is not acceptable)?[.,]?\s*", "", reason).strip().rstrip(".")
    if "hash_id" in reason:
        return BadValue(
            f"{shown(expression)}: H (a hashed value) needs a hash id, which Airflow never gives croniter: "
            "write a number instead"
        )
    where = ", ".join(f"{shown(tokens[i])} in the {_FIELDS[i].name} field" for i in extended)
    said = f": {reason}" if reason else ""
    return BadValue(f"{shown(expression)} is not cron Airflow accepts ({where or 'croniter'}{said}); {_EXTENDED_HINT}")


@functools.lru_cache(maxsize=64)
def _describe_with_cron_descriptor(expression: str) -> str | None:
    tokens = expression.upper().split()
    if any(_HASHED.match(token) for token in tokens):
        return None  # R: croniter draws a new random value each time Airflow asks for a run
    if len(tokens) > 5:  # croniter puts seconds 6th; cron-descriptor reads them first (Quartz)
        tokens = [tokens[5], *tokens[:5], *tokens[6:]]
    from cron_descriptor import CasingTypeEnum, ExpressionDescriptor  # type: ignore[import-untyped]

    try:
        words = ExpressionDescriptor(
            " ".join(tokens), casing_type=CasingTypeEnum.Sentence, use_24hour_time_format=True, locale_code="en_US"
        ).get_description()
    # A description is a courtesy: no error of the describer may stop an answer Airflow takes.
    except Exception:  # noqa: BLE001
        return None
    if not words or "  " in words:  # a gap is a word it could not say ("on the  Monday")
        return None
    return words[0].lower() + words[1:]


def normalize_schedule(value: str | None) -> str | None:
    """Return the schedule as it should be written, or ``None`` for manual runs.

    Raises ``BadValue`` with the fix when Airflow would refuse it.
    """
    if value is None or value.strip().lower() in NO_SCHEDULE_WORDS:
        return None
    text = value.strip()
    if text in SPECIAL_SCHEDULES:
        return text
    every = every_schedule(text)
    if every is not None:
        return every
    if text.startswith("@"):
        preset = _preset(text)
        if preset is None:
            lower = text.lower()
            fix = f" (write {lower})" if lower in CRON_PRESETS or lower in SPECIAL_SCHEDULES else ""
            raise BadValue(
                f"{shown(text)} is not an Airflow preset{fix}: use one of {_all_presets()}, "
                "a cron expression, or None"
            )
        return preset
    return parse_cron(text).expression


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
    if is_every(schedule):
        return f"{schedule}, counted from the start date (a timedelta schedule)"
    cron = parse_cron(schedule)
    if isinstance(cron, CroniterCron):
        return cron.words or f"on cron {shown(schedule)} ({NO_PREVIEW})"
    return f"{_time_words(cron)}, {_day_words(cron)}"


def next_runs(schedule: str | None, after: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` wall-clock run times after ``after`` (empty when not cron)."""
    if schedule is None or schedule in SPECIAL_SCHEDULES or is_every(schedule):
        return []
    runs = parse_cron(schedule).runs_after(after)
    return [when for when, _ in zip(runs, range(count), strict=False)]


def preview(schedule: str | None, after: dt.datetime) -> str:
    """One line for the prompt: the schedule in words and its next run times."""
    if schedule is not None and schedule not in SPECIAL_SCHEDULES and not is_every(schedule):
        cron = parse_cron(schedule)
        if isinstance(cron, CroniterCron) and cron.words is None:
            return NO_PREVIEW
    words = describe(schedule)
    runs = next_runs(schedule, after)
    if not runs:
        return words
    clock = "%H:%M:%S" if any(when.second for when in runs) else "%H:%M"  # a seconds field
    shown_runs = ", ".join(when.strftime(f"%a %Y-%m-%d {clock}") for when in runs)
    return f"{words}; next: {shown_runs} (DAG's timezone)"


def live_hint(text: str) -> str:
    """The prompt's live line while a schedule is typed: in words, with its next runs."""
    try:
        return preview(normalize_schedule(text), dt.datetime.now())
    except CreateDagError:
        return "cron: minute hour day-of-month month day-of-week, e.g. 30 6 * * 1-5"


# --- timedelta schedules: "every 15 minutes" ---------------------------------------------------------

#: ``every N minutes|hours|days`` (or ``every hour``): Airflow's ``schedule=timedelta(...)``, which
#: Airflow 3 turns into a ``DeltaTriggerTimetable``: runs start_date + N, + 2N... (not cron times).
_EVERY = re.compile(r"every\s+(?:(\d+)\s+)?(minute|hour|day)s?", re.ASCII | re.IGNORECASE)
_EVERY_UNITS = {"minute": "minutes", "hour": "hours", "day": "days"}


def every_schedule(text: str) -> str | None:
    """``text`` as the canonical ``every N <unit>s`` when it is a timedelta schedule, else None;
    ``BadValue`` for ``every 0 minutes``."""
    match = _EVERY.fullmatch(" ".join(text.split()))
    if match is None:
        if text.lower().startswith("every"):
            raise BadValue(
                f"{shown(text)} is not 'every N minutes', 'every N hours' or 'every N days' (e.g. every 15 minutes)"
            )
        return None
    count = int(match[1]) if match[1] else 1
    unit = match[2].lower()
    if count < 1:
        raise BadValue(f"{shown(text)}: the interval must be at least 1 {unit}")
    if count > 100_000:
        raise BadValue(f"{shown(text)}: write a cron schedule for intervals this long")
    return f"every {count} {unit}" + ("s" if count != 1 else "")


def is_every(schedule: str | None) -> bool:
    return schedule is not None and schedule.startswith("every ")


def is_cron(schedule: object) -> TypeGuard[str]:
    """A schedule Airflow runs on a cron timetable: a cron expression or preset its cron timetable takes.

    One answer for every reader: the upstream alignment computes run times from it (so text
    Airflow refuses, like ``'foo'``, ``'@foo'`` or ``''``, is no cron: its DAG never loads),
    and migrate keeps Airflow 2's data-interval timetable only for what ran on one. Not cron:
    None, ``@once``, ``@continuous``, a timedelta (``every N minutes`` or any value that is no
    string), or a cron that never matches a date.
    """
    if not isinstance(schedule, str) or schedule in SPECIAL_SCHEDULES or is_every(schedule):
        return False
    try:
        parse_cron(schedule)
    except BadValue:
        return False
    return True


def timedelta_args(schedule: str) -> dict[str, int]:
    """``{"minutes": 15}`` for ``every 15 minutes``: the arguments of ``datetime.timedelta``."""
    count, unit = schedule.split()[1:3]
    return {_EVERY_UNITS[unit.rstrip("s")]: int(count)}
