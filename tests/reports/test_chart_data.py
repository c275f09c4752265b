"""The data behind the new charts, against the hand-computed desk of tests/scheduler/test_report_figures.py and the
route of tests/reports/test_report_tables.py (SQLite and PostgreSQL).

Tickets per local day (Moscow), 20 to 23 November: #8 and #9 were created on the 20th at 15:00, #1–#6 on the 23rd
(#7 at 00:00 on the 24th is outside) → 2, 0, 0, 6; the trend through them (least squares, x = 0..3, mean 2,
slope Σ(x−1.5)(y−2) / Σ(x−1.5)² = 6 / 5 = 1.2) is 0.2, 1.4, 2.6, 3.8.

The distributions on the 23rd (bins of 0, 5, 15, 30 min, 1, 2, 4, 8 h, 1, 2, 7 d; a duration on an edge belongs to
the bin above it): first responses 300 s, 600 s → 5–15 min; 1,200 s → 15–30 min; 1,800 s → 30–60 min.
Resolutions of the tickets solved that day: #1 3,600 s → 1–2 h; #2 7,200 s and #5 10,800 s → 2–4 h; #9 259,200 s
(three days) → 2–7 d. Satisfaction: #1 satisfied 08:00Z, #2 not satisfied 10:00Z, #5 "did not submit" 11:00Z, all
on the 23rd.
"""

from __future__ import annotations

from datetime import date, datetime

from app.reports.breakdowns import DurationBins, durations, rhythms, satisfaction
from app.reports.figures import Filters, make_scope
from tests.reports.test_report_tables import routed  # noqa: F401  (the fixture)
from tests.scheduler.test_report_figures import END, MSK, START, period_desk  # noqa: F401  (the fixture)

FOUR_DAYS = datetime(2026, 11, 20, tzinfo=MSK)


def test_tickets_per_local_day_every_day_listed(session, routed):  # noqa: F811
    r = rhythms(make_scope(session, FOUR_DAYS, END), "Europe/Moscow")
    assert r.days == ((date(2026, 11, 20), 2), (date(2026, 11, 21), 0), (date(2026, 11, 22), 0),
                      (date(2026, 11, 23), 6))
    assert rhythms(make_scope(session, START, END), "Europe/Moscow").days == ((date(2026, 11, 23), 6),)


def test_response_and_resolution_times_per_bin(session, routed):  # noqa: F811
    assert durations(make_scope(session, START, END)) == DurationBins(
        first_response=(0, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0), resolution=(0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0))
    kristina = durations(make_scope(session, START, END, Filters(agents=["kristina@coolxost.com"])))
    assert kristina == DurationBins((0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0))


def test_satisfaction_per_local_day(session, routed):  # noqa: F811
    assert satisfaction(make_scope(session, FOUR_DAYS, END), "Europe/Moscow") == (
        (date(2026, 11, 20), 0, 0, 0), (date(2026, 11, 21), 0, 0, 0), (date(2026, 11, 22), 0, 0, 0),
        (date(2026, 11, 23), 1, 1, 1))
    only_l2 = satisfaction(make_scope(session, START, END, Filters(lines=["l2"])), "Europe/Moscow")
    assert only_l2 == ((date(2026, 11, 23), 0, 0, 1),)  # #5 is in l2 now
