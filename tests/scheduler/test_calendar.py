"""Business-hours arithmetic, without a database: opening hours, weekends, holidays, time zones, DST."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scheduler.calendar import (
    CalendarError,
    add_business_seconds,
    check_calendar,
    is_working,
)

WEEKDAYS_9_18 = {day: ["09:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
MOSCOW = {"timezone": "Europe/Moscow", "hours": WEEKDAYS_9_18, "holidays": []}
BERLIN = {"timezone": "Europe/Berlin", "hours": WEEKDAYS_9_18}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_without_a_calendar_the_line_works_around_the_clock():
    start = at("2026-11-28T23:59:00+00:00")  # a Saturday night
    assert add_business_seconds(start, 120, None) == start + timedelta(seconds=120)


def test_inside_working_hours_time_simply_runs():
    start = at("2026-11-23T10:00:00+03:00")  # Monday
    assert add_business_seconds(start, 3600, MOSCOW) == at("2026-11-23T11:00:00+03:00")


def test_a_target_that_runs_past_closing_continues_at_the_next_opening():
    start = at("2026-11-23T17:30:00+03:00")
    assert add_business_seconds(start, 3600, MOSCOW) == at("2026-11-24T09:30:00+03:00")


def test_before_opening_the_count_starts_at_opening():
    assert add_business_seconds(at("2026-11-24T07:00:00+03:00"), 40, MOSCOW) == at("2026-11-24T09:00:40+03:00")


def test_a_ticket_arriving_on_saturday_is_due_on_monday():
    saturday = at("2026-11-28T12:00:00+03:00")
    assert add_business_seconds(saturday, 3600, MOSCOW) == at("2026-11-30T10:00:00+03:00")
    friday_evening = at("2026-11-27T17:00:00+03:00")
    assert add_business_seconds(friday_evening, 2 * 3600, MOSCOW) == at("2026-11-30T10:00:00+03:00")


def test_a_holiday_is_skipped():
    calendar = {**MOSCOW, "holidays": ["2026-11-30"]}
    assert add_business_seconds(at("2026-11-28T12:00:00+03:00"), 3600, calendar) == at("2026-12-01T10:00:00+03:00")


def test_a_span_of_several_days_counts_only_working_hours():
    # 20 working hours from Thursday 09:00: Thu 9 h, Fri 9 h, (weekend), Mon 2 h.
    assert add_business_seconds(at("2026-11-26T09:00:00+03:00"), 20 * 3600, MOSCOW) == at("2026-11-30T11:00:00+03:00")


def test_dst_spring_forward_keeps_wall_clock_hours():
    # Europe/Berlin moves from +01:00 to +02:00 on Sunday 2027-03-28. Two working hours from Friday 17:00 (+01)
    # are one hour on Friday and one from Monday 09:00 local, which is now +02:00 (07:00 UTC).
    friday = at("2027-03-26T17:00:00+01:00")
    due = add_business_seconds(friday, 2 * 3600, BERLIN)
    assert due == at("2027-03-29T10:00:00+02:00")
    assert due.utcoffset() == timedelta(0) and due == at("2027-03-29T08:00:00+00:00")


def test_dst_night_counts_its_real_length_on_a_round_the_clock_calendar():
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    always = {"timezone": "Europe/Berlin", "hours": {d: ["00:00", "24:00"] for d in days}}
    before = at("2027-03-28T01:30:00+01:00")
    # 3600 real seconds later is 03:30 local (02:00-03:00 does not exist that night).
    assert add_business_seconds(before, 3600, always) == at("2027-03-28T03:30:00+02:00")
    autumn = at("2027-10-31T01:30:00+02:00")  # the night with 25 hours
    assert add_business_seconds(autumn, 2 * 3600, always) == at("2027-10-31T02:30:00+01:00")


def test_is_working():
    assert is_working(at("2026-11-23T10:00:00+03:00"), MOSCOW)
    assert not is_working(at("2026-11-28T10:00:00+03:00"), MOSCOW)
    assert is_working(at("2026-11-28T10:00:00+03:00"), None)


def test_results_are_utc():
    due = add_business_seconds(at("2026-11-23T10:00:00+03:00"), 1, MOSCOW)
    assert due.tzinfo == timezone.utc


@pytest.mark.parametrize("calendar, message", [
    ({"timezone": "Mars/Olympus", "hours": WEEKDAYS_9_18}, "unknown time zone"),
    ({"timezone": "UTC", "hours": {}}, "no working hours"),
    ({"timezone": "UTC", "hours": {"funday": ["09:00", "18:00"]}}, "unknown weekday"),
    ({"timezone": "UTC", "hours": {"mon": ["9am", "18:00"]}}, "not a time of day"),
    ({"timezone": "UTC", "hours": WEEKDAYS_9_18, "holidays": ["1 Jan"]}, "not a date"),
])
def test_bad_calendars_are_refused(calendar, message):
    with pytest.raises(CalendarError, match=message):
        check_calendar(calendar)
