"""Every report page's figures over 1,000,000 tickets on PostgreSQL (issue 8: target ≤ 2 s each).

The data: one year (2026, desk time zone Europe/Moscow) of 1,000,000 tickets over 3 lines (1st, 2nd,
development), 12 agents, 8 categories and 500 subjects, built inside PostgreSQL with INSERT … SELECT over
generate_series (seeded): 80 % mail, 15 % chat, 5 % phone; 85 % answered, 70 % solved, a third of the solved
rated; a few per cent ignored, overdue (with the fired timer) or phantom; two audit events per ticket
(claimed, status) plus the route: 20 % transferred 1st→2nd line, half of those passed back, 3 % on to
development and back. The workflow is not what is measured.

Measured, median of 3 after one warm-up, for each report of `app.reports.tables` (what the page and its CSV
compute, the chart specs included; drawing is not): over the whole year (all 1,000,000 tickets) and over one
month (November, ~83,000), and the whole year again limited to one line and to one agent. Then, for the year,
drawing each report's charts as the page does (`render_chart.svg`, matplotlib), measured apart.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.reports import breakdowns, render_chart
from app.reports.figures import Filters
from app.reports.tables import REPORTS, Request, build
from benchmarks.common import Figure

TICKETS = int(os.environ.get("LINEDESK_BENCH_REPORT_TICKETS", "1000000"))
MSK = ZoneInfo("Europe/Moscow")
YEAR = (datetime(2026, 1, 1, tzinfo=MSK), datetime(2027, 1, 1, tzinfo=MSK))
MONTH = (datetime(2026, 11, 1, tzinfo=MSK), datetime(2026, 12, 1, tzinfo=MSK))
NOW = datetime(2027, 1, 2, tzinfo=UTC)


def run(args: Any = None) -> list[Figure]:
    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    from app.scratch_db import create_scratch_database, drop_scratch_database

    url = create_scratch_database(admin_url, prefix="linedesk_bench")
    try:
        upgrade(url)
        engine = make_engine(url)
        try:
            return _measure(session_factory(engine))
        finally:
            engine.dispose()
    finally:
        drop_scratch_database(admin_url, url)


def _measure(sessions: sessionmaker[Session]) -> list[Figure]:
    started = time.perf_counter()
    with sessions() as session:
        build_data(session, TICKETS)
        session.commit()
        session.connection().exec_driver_sql("ANALYZE")
        session.commit()
    out = [Figure("build: tickets with events, ratings, timers (INSERT … SELECT)", round(time.perf_counter() - started, 1),
                  "s", f"{TICKETS:,} tickets")]
    cases = [("year", YEAR, Filters()), ("month", MONTH, Filters()), ("year, line l2", YEAR, Filters(lines=["l2"])),
             ("year, one agent", YEAR, Filters(agents=["agent3@bench.example"]))]
    for label, (start, end), filters in cases:
        for name in REPORTS:
            with sessions() as session:
                request = Request(session, start, end, filters, "Europe/Moscow", NOW)
                report = build(name, request)  # warm-up
                assert report.tables[0].rows or label != "year", name
                seconds = statistics.median(_time(lambda: build(name, request)) for _ in range(3))
            out.append(Figure(f"report {name}, {label}", round(seconds * 1000, 1), "ms", "target ≤ 2,000 ms"))
    # What the charts added to the figures (issue 21), alone and in the same conditions as the rows above.
    for name, label, work in (
            ("agents", "satisfaction over time", lambda r: breakdowns.satisfaction(r.scope(), r.zone)),
            ("targets", "the two response-time distributions", lambda r: breakdowns.durations(r.scope()))):
        with sessions() as session:
            request = Request(session, *YEAR, Filters(), "Europe/Moscow", NOW)
            work(request)
            seconds = statistics.median(_time(lambda: work(request)) for _ in range(3))
        out.append(Figure(f"report {name}, year: of which {label}", round(seconds * 1000, 1), "ms",
                          "the chart's data, alone"))
    for name in REPORTS:
        with sessions() as session:
            report = build(name, Request(session, *YEAR, Filters(), "Europe/Moscow", NOW))
        draw = [render_chart.svg(chart) for chart in report.charts]  # warm-up
        seconds = statistics.median(_time(lambda: [render_chart.svg(chart) for chart in report.charts])
                                    for _ in range(3))
        out.append(Figure(f"report {name}, year: its {len(draw)} charts drawn (SVG)", round(seconds * 1000, 1), "ms",
                          "matplotlib; with the figures above, what the page costs"))
    return out


def _time(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def build_data(session: Session, tickets: int) -> None:
    run_sql = session.execute
    run_sql(text("""
        INSERT INTO agents (email, name, role, on_duty, active, digest, digest_at)
        SELECT 'agent' || g || '@bench.example', 'Agent ' || g, 'agent', true, true, '', '08:00'
        FROM generate_series(1, 12) g"""))
    run_sql(text("""
        INSERT INTO lines (slug, name, kind, claim_within_s, start_within_s, assign_strategy, position, active)
        VALUES ('l1', '1st line', 'support', 40, 900, 'least_busy', 1, true),
               ('l2', '2nd line', 'support', 40, 900, 'least_busy', 2, true),
               ('dev', 'Development', 'development', 40, 900, 'least_busy', 3, true)"""))
    run_sql(text("INSERT INTO categories (name, urgent, active) SELECT 'Category ' || g, false, true "
                 "FROM generate_series(1, 8) g"))
    run_sql(text("""INSERT INTO helpdesk_settings (key, value) VALUES
        ('timezone', '"Europe/Moscow"'), ('first_response', '{"email": 3600, "chat": 300}'),
        ('resolution', '{"low": 259200, "normal": 86400, "high": 28800, "urgent": 7200}')"""))
    run_sql(text("SELECT setseed(0.42)"))
    # One row per ticket with its random draws; every later column derives from them.
    run_sql(text("""
        CREATE TEMP TABLE draws AS
        SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
               timestamptz '2025-12-31 21:00:00+00' + (random() * 365 * 86400) * interval '1 second' AS created
        FROM generate_series(1, :n) g"""), {"n": tickets})
    run_sql(text("""
        INSERT INTO tickets (id, number, subject, channel, line_id, status, priority, category_id, assignee_id,
            flag_ignored, flag_development, flag_phantom, flag_overdue, created_at, updated_at, claimed_at,
            first_response_at, done_at, completed_at, line_entered_at)
        SELECT g, g, 'Topic ' || (g % 500),
            CASE WHEN r1 < 0.80 THEN 'email' WHEN r1 < 0.95 THEN 'chat' ELSE 'phone' END,
            (SELECT id FROM lines WHERE slug = CASE WHEN r2 < 0.20 THEN 'l2' WHEN r2 < 0.23 THEN 'l2' ELSE 'l1' END),
            CASE WHEN r3 < 0.40 THEN 'completed' WHEN r3 < 0.70 THEN 'done' WHEN r3 < 0.80 THEN 'in_progress'
                 WHEN r3 < 0.90 THEN 'assigned' WHEN r3 < 0.95 THEN 'waiting' ELSE 'new' END,
            CASE WHEN r4 < 0.08 THEN 'low' WHEN r4 < 0.88 THEN 'normal' WHEN r4 < 0.98 THEN 'high' ELSE 'urgent' END,
            CASE WHEN g % 9 = 0 THEN NULL ELSE (SELECT min(id) FROM categories) + g % 9 - 1 END,
            CASE WHEN r3 < 0.95 THEN (SELECT min(id) FROM agents) + g % 12 END,
            r5 < 0.02, r2 >= 0.20 AND r2 < 0.23, r5 > 0.995, r5 >= 0.02 AND r5 < 0.07,
            created, created, created + interval '30 seconds',
            CASE WHEN r6 < 0.85 THEN created + (r6 * 7200) * interval '1 second' END,
            CASE WHEN r3 < 0.70 THEN created + (7200 + r4 * 172800) * interval '1 second' END,
            CASE WHEN r3 < 0.40 THEN created + (7200 + r4 * 172800 + 86400) * interval '1 second' END,
            CASE WHEN r2 < 0.23 THEN created + interval '1 hour' ELSE created END
        FROM draws"""))
    run_sql(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"), {"n": tickets})
    events = """INSERT INTO ticket_events (ticket_id, at, actor_label, kind, from_value, to_value, via, data)
                SELECT g, {at}, 'bench', '{kind}', {source}, {target}, 'bench', '{{}}' FROM draws WHERE {where}"""
    for at, kind, source, target, where in (
        ("created + interval '30 seconds'", "claimed", "NULL", "NULL", "r3 < 0.95"),
        ("created + interval '60 seconds'", "status", "'assigned'", "'in_progress'", "r3 < 0.80"),
        ("created + interval '1 hour'", "transferred", "'l1'", "'l2'", "r2 < 0.20"),
        ("created + interval '2 hours'", "passed_back", "'l2'", "'l1'", "r2 < 0.10"),
        ("created + interval '1 hour'", "transferred", "'l1'", "'dev'", "r2 >= 0.20 AND r2 < 0.23"),
        ("created + interval '3 hours'", "passed_back", "'dev'", "'l2'", "r2 >= 0.20 AND r2 < 0.23"),
    ):
        run_sql(text(events.format(at=at, kind=kind, source=source, target=target, where=where)))
    run_sql(text("""
        INSERT INTO feedback (ticket_id, rating, comment, created_at)
        SELECT g, CASE WHEN r6 < 0.8 THEN 'satisfied' WHEN r6 < 0.99 THEN 'not_satisfied' ELSE 'not_submitted' END,
               NULL, created + interval '3 days'
        FROM draws WHERE r3 < 0.70 AND r1 * 3 < 1 + r1 AND g % 3 = 0"""))
    run_sql(text("""
        INSERT INTO ticket_timers (ticket_id, rule, basis, due_at, state, fired_at, outcome)
        SELECT g, 'first_response', 'created', created + interval '1 hour', 'fired', created + interval '1 hour',
               'flagged overdue (first response)'
        FROM draws WHERE r5 >= 0.02 AND r5 < 0.07"""))
    run_sql(text("DROP TABLE draws"))
