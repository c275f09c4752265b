"""Business-hours arithmetic: "40 s of the line's working time after this moment".

A line's calendar is plain data (the `lines.calendar` JSON, from the setup file)::

    {"timezone": "Europe/Moscow",
     "hours": {"mon": ["09:00", "18:00"], …, "fri": ["09:00", "17:00"]},   # a missing day is closed
     "holidays": ["2027-01-01", …]}                                        # whole days closed

`None` means the line works around the clock. The functions here are pure: they take UTC-aware datetimes and
return UTC-aware datetimes. Working windows are built in the line's local time and converted to UTC before
any arithmetic, so a day on which the clocks change counts its real length (a DST night never adds or
loses an hour of work), and "18:00" means 18:00 on the wall clock whatever the offset that day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

Calendar = Mapping[str, Any]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no working day at all would loop for ever; after this many closed days we give up.
MAX_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar cannot be used: unknown time zone, bad hours, or no working time at all."""


def add_business_seconds(start: datetime, seconds: float, calendar: Calendar | None) -> datetime:
    """The moment `seconds` of working time after `start` (UTC-aware in, UTC-aware out).

    Outside working hours the count starts at the next opening, so a ticket that arrives on Saturday with a
    one-hour target is due at Monday's opening plus an hour.
    """
    start = start.astimezone(timezone.utc)
    if calendar is None:
        return start + timedelta(seconds=seconds)
    remaining = max(0.0, float(seconds))
    for opens, closes in windows(start, calendar):
        begin = max(start, opens)
        available = (closes - begin).total_seconds()
        if remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= available
    raise CalendarError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")  # pragma: no cover


def windows(start: datetime, calendar: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """The working windows (UTC open, UTC close) that end after `start`, in order."""
    zone = _zone(str(calendar.get("timezone") or "UTC"))
    hours = _hours(calendar)
    holidays = {str(day) for day in calendar.get("holidays") or ()}
    if not hours:
        raise CalendarError("the calendar has no working hours on any weekday")
    day = start.astimezone(zone).date() - timedelta(days=1)  # yesterday's window may run past midnight UTC
    for _ in range(MAX_DAYS):
        window = _window(day, hours, holidays, zone)
        day += timedelta(days=1)
        if window is not None and window[1] > start:
            yield window


def is_working(moment: datetime, calendar: Calendar | None) -> bool:
    if calendar is None:
        return True
    opens, closes = next(windows(moment, calendar))
    return opens <= moment.astimezone(timezone.utc) < closes


def _window(day: date, hours: dict[int, tuple[time, time | None]], holidays: set[str],
            zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    if day.isoformat() in holidays or day.weekday() not in hours:
        return None
    opens, closes = hours[day.weekday()]
    open_at = datetime.combine(day, opens, tzinfo=zone)
    # "24:00" closes at the next midnight, which `time` cannot say.
    close_at = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone) if closes is None
                else datetime.combine(day, closes, tzinfo=zone))
    open_utc, close_utc = open_at.astimezone(timezone.utc), close_at.astimezone(timezone.utc)
    return (open_utc, close_utc) if close_utc > open_utc else None


def _hours(calendar: Calendar) -> dict[int, tuple[time, time | None]]:
    parsed: dict[int, tuple[time, time | None]] = {}
    for name, span in (calendar.get("hours") or {}).items():
        key = str(name).lower()[:3]
        if key not in WEEKDAYS:
            raise CalendarError(f"unknown weekday {name!r}: use mon, tue, … sun")
        if not span:
            continue  # closed that day
        if len(span) != 2:
            raise CalendarError(f"hours for {name} must be [opens, closes], e.g. [\"09:00\", \"18:00\"]")
        parsed[WEEKDAYS.index(key)] = (parse_clock(span[0]), None if span[1] == "24:00" else parse_clock(span[1]))
    return parsed


def parse_clock(text: str) -> time:
    try:
        hour, minute = (int(part) for part in str(text).split(":"))
        return time(hour, minute)
    except ValueError:
        raise CalendarError(f"{text!r} is not a time of day like 09:00") from None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise CalendarError(f"unknown time zone {name!r}") from None


def check_calendar(calendar: Calendar) -> None:
    """Raise CalendarError if the calendar cannot be used (for the setup file's checker)."""
    _zone(str(calendar.get("timezone") or "UTC"))
    if not _hours(calendar):
        raise CalendarError("the calendar has no working hours on any weekday")
    for day in calendar.get("holidays") or ():
        try:
            date.fromisoformat(str(day))
        except ValueError:
            raise CalendarError(f"holiday {day!r} is not a date like 2027-01-01") from None
