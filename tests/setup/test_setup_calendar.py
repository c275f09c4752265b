"""Business hours per line (`[lines.calendar]`) and first-response targets per priority
(`[first_response.priority]`) in the setup file: read, checked with key paths and lines, applied."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import HelpdeskSetting, Line
from app.setup_file import SetupInvalid, parse_setup
from tests.setup.conftest import SMALL, line_of

CALENDAR = """
[lines.calendar]
holidays = [2027-01-01, "2027-01-07"]

[lines.calendar.hours]
mon = ["09:00", "18:00"]
fri = ["09:00", "17:00"]
"""
# The calendar belongs to the 2nd line: the [[lines]] table just above it.
WITH_CALENDAR = SMALL.replace('name = "2nd line"\n', 'name = "2nd line"\n' + CALENDAR)
WITH_PRIORITY = SMALL + '\n[first_response.priority]\nurgent = "15m"\nhigh = "30m"\n'


def problems_of(text: str):
    with pytest.raises(SetupInvalid) as caught:
        parse_setup(text, "desk.toml")
    return caught.value.problems


def test_a_line_calendar_is_read_with_the_helpdesk_time_zone_by_default():
    spec = parse_setup(WITH_CALENDAR)
    assert spec.lines[0].calendar is None
    assert spec.lines[1].calendar == {"timezone": "Europe/Moscow", "holidays": ["2027-01-01", "2027-01-07"],
                                      "hours": {"mon": ["09:00", "18:00"], "fri": ["09:00", "17:00"]}}


def test_a_calendar_may_name_its_own_time_zone():
    spec = parse_setup(WITH_CALENDAR.replace("[lines.calendar]\n", '[lines.calendar]\ntimezone = "Europe/Berlin"\n'))
    assert spec.lines[1].calendar["timezone"] == "Europe/Berlin"


def test_first_response_targets_per_priority():
    spec = parse_setup(WITH_PRIORITY)
    assert spec.first_response == {"email": 3600}
    assert spec.first_response_priority == {"urgent": 900, "high": 1800}
    assert spec.settings()["first_response_priority"] == {"urgent": 900, "high": 1800}


@pytest.mark.parametrize("old, new, path, words", [
    ('mon = ["09:00", "18:00"]', 'funday = ["09:00", "18:00"]  # HERE', "lines[1].calendar", "unknown weekday"),
    ('fri = ["09:00", "17:00"]', 'fri = ["9am", "17:00"]  # HERE', "lines[1].calendar", "not a time of day"),
    ("[lines.calendar]\n", '[lines.calendar]\nzone = "UTC"  # HERE\n', "lines[1].calendar.zone", "unknown key"),
    ("[lines.calendar]\n", '[lines.calendar]\ntimezone = "Mars/Olympus"  # HERE\n', "lines[1].calendar.timezone",
     "not an IANA time zone"),
], ids=["weekday", "time", "unknown key", "time zone"])
def test_calendar_mistakes_are_reported_where_they_are(old, new, path, words):
    text = WITH_CALENDAR.replace(old, new, 1)
    [problem] = problems_of(text)
    assert problem.path == path and words in problem.message
    assert problem.line is not None and problem.line <= line_of(text, "# HERE")


def test_an_unknown_priority_is_reported():
    [problem] = problems_of(WITH_PRIORITY.replace('high = "30m"', 'highest = "30m"'))
    assert problem.path == "first_response.priority.highest" and "unknown key" in problem.message


def test_apply_stores_the_calendar_and_the_priority_targets(session, apply_text):
    apply_text(WITH_CALENDAR + '\n[first_response.priority]\nurgent = "15m"\n')
    l2 = session.scalar(select(Line).where(Line.slug == "l2"))
    assert l2.calendar["hours"]["mon"] == ["09:00", "18:00"] and l2.calendar["timezone"] == "Europe/Moscow"
    assert session.get(HelpdeskSetting, "first_response_priority").value == {"urgent": 900}
    assert not apply_text(WITH_CALENDAR + '\n[first_response.priority]\nurgent = "15m"\n').changed
