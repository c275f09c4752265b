"""Every report figure against a small desk computed by hand (SQLite and PostgreSQL).

The period is Monday 2026-11-23 in Moscow (UTC+3): [2026-11-22 21:00Z, 2026-11-23 21:00Z). Ticket by ticket:

  #  line assignee  created (UTC)     1st resp  done after  status       flags            category   rating
  1  l1   kristina  11-23 06:00       600 s     3,600 s     completed                     Billing    satisfied
  2  l1   kristina  11-23 06:10       1,200 s   7,200 s     done                          Billing    not satisfied
  3  l1   lisa      11-23 06:20       300 s     -           in progress  overdue (resol.) DNS
  4  l1   lisa      11-23 07:00       -         -           assigned     ignored, overdue (1st resp.)
  5  l2   bob       11-23 07:30       1,800 s   10,800 s    done         phantom          No conn.   not submitted
  6  l2   -         11-23 20:59       -         -           new
  7  l1   -         11-23 21:00       -         -           new          (the period's end: outside)
  8  l1   kristina  11-20 12:00       -         -           in progress  (open, created before)
  9  l2   bob       11-20 12:00       -         259,200 s   completed    (solved in the period)

First responses 300, 600, 1200, 1800 → median 900, p90 1620 (percentile_cont: 1200 + 0.7 × 600).
Resolutions 3600, 7200, 10800, 259200 → median 9000, p90 10800 + 0.7 × 248400 = 184680.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import Category, Feedback, HelpdeskSetting, Rating, Status, Ticket
from app.models.timers import TicketTimer
from app.reports.figures import Durations, figures, percentile, place_on_clock
from tests.factories import make_desk

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 23, tzinfo=MSK)
END = datetime(2026, 11, 24, tzinfo=MSK)


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def period_desk(session):
    desk = make_desk(session)
    session.add(HelpdeskSetting(key="timezone", value="Europe/Moscow"))
    session.flush()
    category = {c.name: c for c in session.scalars(select(Category))}
    rows = [  # number, line, assignee, created, first response after, done after, status, flags, category
        (1, desk.l1, desk.kristina, "2026-11-23 06:00", 600, 3600, Status.COMPLETED, (), "Billing"),
        (2, desk.l1, desk.kristina, "2026-11-23 06:10", 1200, 7200, Status.DONE, (), "Billing"),
        (3, desk.l1, desk.lisa, "2026-11-23 06:20", 300, None, Status.IN_PROGRESS, ("overdue",), "DNS"),
        (4, desk.l1, desk.lisa, "2026-11-23 07:00", None, None, Status.ASSIGNED, ("ignored", "overdue"), None),
        (5, desk.l2, desk.bob, "2026-11-23 07:30", 1800, 10800, Status.DONE, ("phantom",), "No connectivity"),
        (6, desk.l2, None, "2026-11-23 20:59", None, None, Status.NEW, (), None),
        (7, desk.l1, None, "2026-11-23 21:00", None, None, Status.NEW, (), None),
        (8, desk.l1, desk.kristina, "2026-11-20 12:00", None, None, Status.IN_PROGRESS, (), None),
        (9, desk.l2, desk.bob, "2026-11-20 12:00", None, 259200, Status.COMPLETED, (), None),
    ]
    tickets = {}
    for number, line, assignee, created, first, done, status, flags, cat in rows:
        at = z(created)
        ticket = Ticket(
            number=number, subject=f"t{number}", channel="email", line=line, assignee=assignee, status=status,
            created_at=at, updated_at=at, line_entered_at=at, category=category[cat] if cat else None,
            first_response_at=at + timedelta(seconds=first) if first else None,
            done_at=at + timedelta(seconds=done) if done else None,
            **{f"flag_{flag}": True for flag in flags})
        session.add(ticket)
        tickets[number] = ticket
    session.flush()
    session.add_all([
        Feedback(ticket_id=tickets[1].id, rating=Rating.SATISFIED, created_at=z("2026-11-23 08:00")),
        Feedback(ticket_id=tickets[2].id, rating=Rating.NOT_SATISFIED, created_at=z("2026-11-23 10:00")),
        Feedback(ticket_id=tickets[5].id, rating=Rating.NOT_SUBMITTED, created_at=z("2026-11-23 11:00")),
        _timer(tickets[4], "first_response", "flagged overdue (first response)"),
        _timer(tickets[3], "resolution", "flagged overdue (resolution)"),
        _timer(tickets[1], "first_response", "nothing to do"),  # fired, but answered meanwhile: not missed
    ])
    session.commit()
    return desk


def _timer(ticket: Ticket, rule: str, outcome: str) -> TicketTimer:
    return TicketTimer(ticket_id=ticket.id, rule=rule, basis="b", due_at=ticket.created_at, state="fired",
                       fired_at=ticket.created_at, outcome=outcome)


def test_every_figure_of_the_day(session, period_desk):
    f = figures(session, START, END)

    assert f.timezone == "Europe/Moscow"
    assert [(x.slug, x.new, x.solved, x.open, x.ignored, x.overdue) for x in f.lines] == [
        ("l1", 4, 2, 3, 1, 2), ("l2", 2, 2, 1, 0, 0), ("dev", 0, 0, 0, 0, 0), ("commercial", 0, 0, 0, 0, 0),
        ("wishes", 0, 0, 0, 0, 0), ("devtasks", 0, 0, 0, 0, 0)]  # quiet lines too, in the desk's order
    assert (f.new, f.solved, f.open, f.ignored, f.overdue, f.phantom) == (6, 4, 4, 1, 2, 1)
    assert f.first_response == Durations(4, 900.0, 1620.0)
    assert f.resolution == Durations(4, 9000.0, 184680.0)
    assert (f.first_response_missed, f.resolution_missed) == (1, 1)
    assert [(a.email.split("@")[0], a.handled, a.first_response, a.resolution, a.satisfied, a.not_satisfied,
             a.phantom) for a in f.agents] == [
        ("bob", 2, Durations(1, 1800.0, 1800.0), Durations(2, 135000.0, 234360.0), 0, 0, 1),
        ("kristina", 2, Durations(2, 900.0, 1140.0), Durations(2, 5400.0, 6840.0), 1, 1, 0),
        ("lisa", 0, Durations(1, 300.0, 300.0), Durations(0, None, None), 0, 0, 0),
    ]
    assert [(c.name, c.count) for c in f.categories] == [("Billing", 2), ("DNS", 1), ("No connectivity", 1)]
    monday = f.load[0]
    assert (monday[9], monday[10], monday[23], sum(map(sum, f.load))) == (3, 2, 1, 6)
    assert f.busiest == (0, 9, 3)


def test_a_line_filter_limits_every_figure(session, period_desk):
    f = figures(session, START, END, lines=["l2"])

    assert [(x.slug, x.new, x.solved, x.open) for x in f.lines] == [("l2", 2, 2, 1)]
    assert (f.new, f.solved, f.open, f.ignored, f.overdue, f.phantom) == (2, 2, 1, 0, 0, 1)
    assert f.first_response == Durations(1, 1800.0, 1800.0)
    assert f.resolution == Durations(2, 135000.0, 234360.0)
    assert (f.first_response_missed, f.resolution_missed) == (0, 0)
    assert [a.email for a in f.agents] == ["bob@coolxost.com"]
    assert [(c.name, c.count) for c in f.categories] == [("No connectivity", 1)]


def test_the_load_follows_a_half_hour_time_zone(session, period_desk):
    f = figures(session, START, END, zone="Asia/Kolkata")  # UTC+5:30: 06:00Z is 11:30

    assert (f.load[0][11], f.load[0][12], f.load[0][13], f.load[1][2]) == (3, 1, 1, 1)


def test_an_empty_period_has_zeros_and_no_durations(session, period_desk):
    f = figures(session, datetime(2027, 1, 1, tzinfo=MSK), datetime(2027, 1, 2, tzinfo=MSK))

    assert (f.new, f.solved, f.first_response, f.agents, f.categories, f.busiest) == (
        0, 0, Durations(0, None, None), (), (), None)
    assert f.open == 5  # open now and created before the period's end: #7 too


def test_percentile_is_postgresqls_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([300.0, 600.0, 1200.0, 1800.0], 0.9) == pytest.approx(1620.0)


def test_place_on_clock_uses_local_weekday_and_hour():
    sunday_late = int(datetime(2026, 11, 22, 21, 30, tzinfo=UTC).timestamp())  # Mon 00:30 in Moscow
    grid = place_on_clock([(sunday_late, 4)], "Europe/Moscow")
    assert grid[0][0] == 4 and sum(map(sum, grid)) == 4
