"""The response-time rules under load (issue 6), on SQLite and PostgreSQL.

- Idle sweep: 100,000 open tickets, each with its pending claim, first-response-warning and first-response
  timers (300,000 rows, built with plain bulk INSERTs), none due: the time of one `engine.sweep` (open a
  session, run the indexed due query, finish). Target ≤ 20 ms.
- Due actions per second: 1,000 tickets past their first-response target (2,000 timers: the 80 % warning
  and the overdue flag), fired by one sweeper through the Workflow in batches of up to 500 timers per
  transaction (scheduler/engine.py), replanning included; and 1,000 unclaimed tickets auto-assigned.
  Target ≥ 2,000/s.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FrozenClock
from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import Agent, HelpdeskSetting, Line, LineKind, Role, Ticket
from app.models.timers import TicketTimer
from benchmarks.common import Figure
from scheduler.engine import BATCH, sweep, sweep_all
from scheduler.rules import stamp

OPEN_TICKETS = 100_000
OVERDUE = 2_000
UNCLAIMED = 1_000
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
DUE_IN = {"claim": 40, "first_response_warn": 2880, "first_response": 3600}  # email: 1 h target


def run(args: Any = None) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        upgrade(url)
        figures += _measure("SQLite", url)
    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    from app.scratch_db import create_scratch_database, drop_scratch_database

    url = create_scratch_database(admin_url, prefix="linedesk_bench")
    try:
        figures += _measure("PostgreSQL", url)
    finally:
        drop_scratch_database(admin_url, url)
    return figures


def _measure(backend: str, url: str) -> list[Figure]:
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        line_id = _desk(sessions)
        now = T0 + timedelta(seconds=30)  # the 100,000 tickets were created at T0: nothing due yet
        _bulk_tickets(sessions, line_id, first=1, count=OPEN_TICKETS, created=T0)
        idle = _idle_sweep(sessions, now)
        _bulk_tickets(sessions, line_id, first=OPEN_TICKETS + 1, count=OVERDUE // 2, created=T0 - timedelta(hours=2),
                      rules=("first_response_warn", "first_response"), claimed=True)
        _analyze(sessions)
        flags, flag_s = _timed(lambda: sweep_all(sessions, FrozenClock(now), owner="bench"))
        _bulk_tickets(sessions, line_id, first=OPEN_TICKETS + OVERDUE + 1, count=UNCLAIMED,
                      created=T0 - timedelta(seconds=60))
        _analyze(sessions)
        claims, claim_s = _timed(lambda: sweep_all(sessions, FrozenClock(now), owner="bench", rng=random.Random(1)))
        assert all(f.outcome != "nothing to do" for f in flags + claims), "the benchmark data does not fit the rules"
        return [
            Figure(f"idle sweep, {OPEN_TICKETS:,} open tickets, {backend}", idle * 1000, "ms",
                   f"median of 50; {3 * OPEN_TICKETS:,} pending timers; target <= 20 ms"),
            Figure(f"due actions/s: 80 % warnings + overdue flags, {backend}", len(flags) / flag_s, "actions/s",
                   f"{len(flags):,} fired in {flag_s:.2f} s, batches of {BATCH}; target >= 2,000/s"),
            Figure(f"due actions/s: auto-assign, {backend}", len(claims) / claim_s, "actions/s",
                   f"{len(claims):,} fired in {claim_s:.2f} s, batches of {BATCH}; target >= 2,000/s"),
        ]
    finally:
        engine.dispose()


def _desk(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        head = Agent(email="head@bench.test", name="Head", role=Role.MANAGER)
        members = [Agent(email=f"a{i}@bench.test", name=f"A{i}") for i in range(5)]
        line = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT, head=head, members=members)
        session.add_all([head, line, *members, HelpdeskSetting(key="first_response", value={"email": 3600})])
        session.commit()
        return line.id


def _bulk_tickets(sessions: sessionmaker[Session], line_id: int, *, first: int, count: int, created: datetime,
                  rules: tuple[str, ...] = ("claim", "first_response_warn", "first_response"),
                  claimed: bool = False) -> None:
    """Tickets and their pending timers by plain executemany INSERTs (the workflow is not what is measured)."""
    with sessions() as session:
        agent_id = session.scalar(select(Agent.id).where(Agent.email == "a0@bench.test")) if claimed else None
        for start in range(first, first + count, 10_000):
            numbers = range(start, min(start + 10_000, first + count))
            session.execute(insert(Ticket), [{
                "number": n, "subject": f"t{n}", "channel": "email", "line_id": line_id,
                "status": "in_progress" if claimed else "new", "priority": "normal", "assignee_id": agent_id,
                "created_at": created, "updated_at": created, "line_entered_at": created,
                "claimed_at": created if claimed else None, "started_at": created if claimed else None,
            } for n in numbers])
            ids = dict(session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(list(numbers)))).all())
            session.execute(insert(TicketTimer), [
                {"ticket_id": ids[n], "rule": rule, "basis": _basis(rule, created),
                 "due_at": created + timedelta(seconds=DUE_IN[rule]),
                 "state": "pending"} for n in numbers for rule in rules])
        session.commit()


def _analyze(sessions: sessionmaker[Session]) -> None:
    """Statistics for the tables just filled, as autovacuum keeps them on a live database: without them PostgreSQL
    plans the batch's `= ANY(ids)` lookups on freshly bulk-loaded tables as sequential scans."""
    with sessions() as session:
        session.execute(text("ANALYZE"))
        session.commit()


def _basis(rule: str, created: datetime) -> str:
    return stamp(created) if rule == "claim" else f"{stamp(created)}/3600s"


def _idle_sweep(sessions: sessionmaker[Session], now: datetime) -> float:
    clock = FrozenClock(now)
    sweep(sessions, clock, owner="bench")  # warm the connection pool and caches
    samples = []
    for _ in range(50):
        started = time.perf_counter()
        assert sweep(sessions, clock, owner="bench") == []
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _timed(work: Callable[[], list[Any]]) -> tuple[list[Any], float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started
