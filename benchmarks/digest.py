"""The managers' digest over a month of 100,000 tickets (issue 6: target ≤ 1 s), on SQLite and PostgreSQL.

The data: one month (November 2026, desk time zone Europe/Moscow) of 100,000 tickets over 3 lines, 12 agents
and 8 categories, created at random moments with a working-day rhythm; 85 % answered, 70 % solved, a third of
those rated, a few per cent ignored, overdue or phantom, each overdue one with its fired timer — built with
plain executemany INSERTs (the workflow is not what is measured). Measured, median of 5 after one warm-up:
`app.reports.figures.figures` for the month (every figure of the digest: lines, percentiles overall and per
agent, targets, ratings, categories, load), and the whole digest mail composed (figures, both templates, the
three chart PNGs, drawn by matplotlib).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_factory
from app.migrate import upgrade
from app.models import (
    Agent,
    Category,
    Feedback,
    HelpdeskSetting,
    Line,
    LineKind,
    Role,
    Ticket,
)
from app.models.timers import TicketTimer
from app.reports.figures import figures
from benchmarks.common import Figure
from scheduler.digest import Period, compose_digest

TICKETS = 100_000
MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 1, tzinfo=MSK)
END = datetime(2026, 12, 1, tzinfo=MSK)
CHUNK = 10_000


def run(args: Any = None) -> list[Figure]:
    figures_: list[Figure] = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        upgrade(url)
        figures_ += _measure("SQLite", url)
    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    from app.scratch_db import create_scratch_database, drop_scratch_database

    url = create_scratch_database(admin_url, prefix="linedesk_bench")
    try:
        figures_ += _measure("PostgreSQL", url)
    finally:
        drop_scratch_database(admin_url, url)
    return figures_


def _measure(backend: str, url: str) -> list[Figure]:
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        started = time.perf_counter()
        manager_id = _month(sessions, random.Random(6))
        built = time.perf_counter() - started
        with sessions() as session:
            if backend == "PostgreSQL":
                session.connection().exec_driver_sql("ANALYZE")
            numbers = figures(session, START, END)
            assert numbers.new == TICKETS, numbers.new
            report = _median(lambda: figures(session, START, END))
            manager = session.get(Agent, manager_id)
            period = Period("month", START.date(), START, END)
            mail = _median(lambda: compose_digest(session, manager, period, "bench"))
        return [
            Figure(f"digest figures, a month of {TICKETS:,} tickets, {backend}", report * 1000, "ms",
                   f"median of 5; {numbers.solved:,} solved, {len(numbers.agents)} agents; target <= 1,000 ms; "
                   f"data built in {built:.1f} s"),
            Figure(f"digest mail composed (figures, templates, the three chart PNGs), {backend}", mail * 1000, "ms",
                   "median of 5"),
        ]
    finally:
        engine.dispose()


def _median(work: Any) -> float:
    work()  # warm caches and the connection
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _month(sessions: sessionmaker[Session], rng: random.Random) -> int:
    with sessions() as session:
        manager = Agent(email="head@bench.test", name="Head", role=Role.MANAGER, digest="daily")
        agents = [Agent(email=f"a{i}@bench.test", name=f"Agent {i}") for i in range(12)]
        lines = [Line(slug=f"l{n}", name=f"Line {n}", kind=LineKind.SUPPORT, head=manager, position=n,
                      members=agents[4 * n:4 * n + 4]) for n in range(3)]
        categories = [Category(name=f"Category {n}") for n in range(8)]
        session.add_all([manager, *agents, *lines, *categories, HelpdeskSetting(key="timezone", value="Europe/Moscow")])
        session.commit()
        agent_ids = [[a.id for a in line.members] for line in lines]
        line_ids, category_ids, manager_id = [line.id for line in lines], [c.id for c in categories], manager.id
    span = (END - START).total_seconds()
    moments = sorted(_moment(rng, span) for _ in range(TICKETS))  # numbers grow with time, as in real life
    for first in range(1, TICKETS + 1, CHUNK):
        rows = [_ticket(n, moments[n - 1], rng, line_ids, agent_ids, category_ids)
                for n in range(first, first + CHUNK)]
        with sessions() as session:
            session.execute(insert(Ticket), [row for row, _ in rows])
            ids = dict(session.execute(select(Ticket.number, Ticket.id).where(
                Ticket.number >= first, Ticket.number < first + CHUNK)).all())
            extra = [(ids[row["number"]], row, rating) for row, rating in rows]
            feedback = [{"ticket_id": id_, "rating": rating, "created_at": row["done_at"] + timedelta(hours=2)}
                        for id_, row, rating in extra if rating]
            if feedback:
                session.execute(insert(Feedback), feedback)
            timers = [{"ticket_id": id_, "rule": "first_response", "basis": "b", "due_at": row["created_at"],
                       "state": "fired", "fired_at": row["created_at"], "outcome": "flagged overdue (first response)"}
                      for id_, row, _ in extra if row["flag_overdue"]]
            if timers:
                session.execute(insert(TicketTimer), timers)
            session.commit()
    return manager_id


def _ticket(number: int, created: datetime, rng: random.Random, line_ids: list[int], agent_ids: list[list[int]],
            category_ids: list[int]) -> tuple[dict[str, Any], str | None]:
    line = rng.randrange(3)
    answered, solved = rng.random() < 0.85, rng.random() < 0.7
    first = created + timedelta(seconds=rng.lognormvariate(7, 1)) if answered else None
    done = created + timedelta(seconds=rng.lognormvariate(10, 1)) if solved else None
    rating = (rng.choice(("satisfied", "satisfied", "satisfied", "not_satisfied", "not_submitted"))
              if solved and rng.random() < 0.33 else None)
    return {
        "number": number, "subject": f"t{number}", "channel": "email", "line_id": line_ids[line],
        "status": ("completed" if rating else "done") if solved else rng.choice(("new", "assigned", "in_progress")),
        "priority": "normal", "assignee_id": rng.choice(agent_ids[line]) if answered or solved else None,
        "category_id": rng.choice(category_ids) if rng.random() < 0.8 else None,
        "created_at": created, "updated_at": created, "line_entered_at": created, "first_response_at": first,
        "done_at": done, "flag_ignored": rng.random() < 0.03, "flag_overdue": rng.random() < 0.05,
        "flag_phantom": rating == "not_submitted",
    }, rating


def _moment(rng: random.Random, span: float) -> datetime:
    """Busier in working hours: a working-hour moment two times in three."""
    moment = START + timedelta(seconds=rng.random() * span)
    if rng.random() < 0.67:
        local = moment.astimezone(MSK)
        moment = local.replace(hour=rng.randrange(9, 18)).astimezone(UTC)
    return moment.astimezone(UTC)
