"""The report pages' figures against the hand-computed desk of tests/scheduler/test_report_figures.py, with a
route through the lines, targets and a second channel added (SQLite and PostgreSQL).

Added to that desk (times UTC, 2026-11-23; the period ends 21:00; "now" is later, so open visits end at 21:00):

  #1  l1 06:00→done 07:00; a development subtask opened 06:30, done 06:50; flag development; subject "Site down"
  #2  l1 06:10→done 08:10; subject "  site DOWN"
  #3  l1 06:20, transferred l1→l2 07:20, passed back l2→l1 08:20, open in l1 since 08:20
  #4  l1 07:00, open
  #5  created in l1 07:30, transferred l1→l2 08:00, l2→dev 09:00, passed back dev→l2 10:00, done 10:30
  #6  l2 20:59, open; channel chat, priority high
  #8  (created before the period) transferred l2→l1 at 10:00: not counted

Time in lines:
  l1: closed visits #3 3,600 + #5 1,800; current #1 3,600, #2 7,200, #3 45,600, #4 50,400 → 6 visits, 112,200 s
  l2: closed #3 3,600 (passed back) + #5 3,600 (transferred); current #5 1,800, #6 60 → 4 visits, 9,060 s
  dev: closed #5 3,600 (passed back) → 1 visit
Transfers: #3 one, #5 two → by 0/1/2/3+: (4, 1, 1, 0), 3 in all. Development: #1 (subtask) and #5 (line) went
and came back → 2 and 2.
Targets: email 900 s first response, high priority 600 s; resolution normal 14,400 s.
  email/normal: first response answered #1 #2 #3 #5 + missed unanswered #4 → 5 decided, 1 missed (0.8);
  resolution solved #1 #2 #5 + missed unsolved #3 → 4 decided, 1 missed (0.75).
  chat/high: target 600 s, nothing decided; no resolution target.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.models import Channel, HelpdeskSetting, Priority, Ticket, TicketEvent
from app.reports.breakdowns import CategoryRow, TargetRow, Topic, categories, rhythms, targets, topics
from app.reports.figures import Filters, figures, make_scope
from app.reports.journeys import LineTime, journeys
from tests.scheduler.test_report_figures import END, START, period_desk, z  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def routed(session, period_desk):  # noqa: F811
    t = {ticket.number: ticket for ticket in session.scalars(select(Ticket))}
    t[1].subject, t[2].subject, t[1].flag_development = "Site down", "  site DOWN", True
    t[3].line_entered_at, t[5].line_entered_at = z("2026-11-23 08:20"), z("2026-11-23 10:00")
    t[6].channel, t[6].priority = Channel.CHAT, Priority.HIGH

    def event(number: int, kind: str, at: str, source: str | None, target: str | None) -> TicketEvent:
        return TicketEvent(ticket_id=t[number].id, at=z(at), actor_label="test", kind=kind, from_value=source,
                           to_value=target, via="test", data={})

    session.add_all([
        event(1, "passed_to_development", "2026-11-23 06:30", None, "dev"),
        event(1, "subtask_done", "2026-11-23 06:50", None, "10"),
        event(3, "transferred", "2026-11-23 07:20", "l1", "l2"),
        event(3, "passed_back", "2026-11-23 08:20", "l2", "l1"),
        event(5, "transferred", "2026-11-23 08:00", "l1", "l2"),
        event(5, "transferred", "2026-11-23 09:00", "l2", "dev"),
        event(5, "passed_back", "2026-11-23 10:00", "dev", "l2"),
        event(8, "transferred", "2026-11-23 10:00", "l2", "l1"),
        HelpdeskSetting(key="first_response", value={"email": 900}),
        HelpdeskSetting(key="first_response_priority", value={"high": 600}),
        HelpdeskSetting(key="resolution", value={"normal": 14400}),
    ])
    session.commit()


def test_time_in_each_line_transfers_and_development(session, routed):
    j = journeys(make_scope(session, START, END), NOW)
    assert j.tickets == 6
    assert j.lines == (LineTime("l1", "1st line", 6, 112200.0, 2, 0), LineTime("l2", "2nd line", 4, 9060.0, 1, 1),
                       LineTime("dev", "Development", 1, 3600.0, 0, 1))
    assert j.lines[0].mean_s == 18700.0
    assert (j.by_transfers, j.transfers, j.went_to_development, j.back_from_development) == ((4, 1, 1, 0), 3, 2, 2)


def test_an_open_visit_ends_now_when_the_period_has_not(session, routed):
    j = journeys(make_scope(session, START, END), z("2026-11-23 20:59:30"))
    assert j.lines[1].total_s == 9060.0 - 30  # #6 entered l2 at 20:59: its visit so far is 30 s, not 60


def test_agents_flags_and_share_satisfied(session, routed):
    agents = {a.email.split("@")[0]: a for a in figures(session, START, END).agents}
    assert [(n, a.ignored, a.overdue, a.flagged_phantom, a.share_satisfied) for n, a in sorted(agents.items())] == [
        ("bob", 0, 0, 1, 0.0), ("kristina", 0, 0, 0, 0.5), ("lisa", 1, 2, 0, None)]


def test_categories_and_topics(session, routed):
    scope = make_scope(session, START, END)
    assert categories(scope) == (
        CategoryRow("(none)", 2, 0, 0, 0, 0), CategoryRow("Billing", 2, 2, 1, 0, 1), CategoryRow("DNS", 1, 0, 0, 0, 0),
        CategoryRow("No connectivity", 1, 1, 0, 1, 0))
    assert topics(scope, top=3) == (Topic("site down", 2), Topic("t3", 1), Topic("t4", 1))


def test_targets_per_channel_and_priority(session, routed):
    rows = targets(make_scope(session, START, END))
    assert rows == (TargetRow("chat", "high", 600, 0, 0, None, 0, 0), TargetRow("email", "normal", 900, 5, 1, 14400, 4, 1))
    assert (rows[1].first_response_share, rows[1].resolution_share, rows[0].first_response_share) == (0.8, 0.75, None)


def test_rhythms_by_month_weekday_hour_and_channel(session, routed):
    r = rhythms(make_scope(session, START, END), "Europe/Moscow")
    assert r.months == (("2026-11", 6),)
    assert r.channels == (("email", 5), ("chat", 1))
    assert (r.load[0][9], r.load[0][10], r.load[0][23], sum(map(sum, r.load))) == (3, 2, 1, 6)


def test_filters_by_agent_channel_and_category(session, routed):
    assert figures(session, START, END, filters=Filters(agents=["kristina@coolxost.com"])).new == 2
    assert figures(session, START, END, filters=Filters(agents=["kristina@coolxost.com"])).solved == 2
    assert figures(session, START, END, filters=Filters(channels=["chat"])).new == 1
    assert figures(session, START, END, filters=Filters(categories=["Billing"])).new == 2
    lines_only = journeys(make_scope(session, START, END, Filters(lines=["l2"])), NOW)
    assert (lines_only.tickets, lines_only.transfers) == (2, 2)  # #5 and #6 are in l2 now
