"""Claims under contention (issue 2): 20 agents claim each ticket at the same moment on PostgreSQL.

Prints claim attempts per second, conflicts, and checks that every ticket ended with exactly one winner.
"""

from __future__ import annotations

import os

from app.clock import SystemClock
from app.db import make_engine, session_factory
from app.models import Agent, Line, LineKind, Role
from app.scratch_db import create_scratch_database, drop_scratch_database
from app.workflow import CustomerRef, Workflow
from app.workflow.contention import race_claims
from benchmarks.common import Figure

CLIENTS = 20
TICKETS = 100


def _prepare(sessions) -> tuple[list[int], list[str]]:
    with sessions() as session:
        head = Agent(email="head@bench.test", name="Head", role=Role.MANAGER)
        crowd = [Agent(email=f"a{i}@bench.test", name=f"A{i}") for i in range(CLIENTS)]
        line = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT, head=head, members=crowd)
        session.add_all([head, line, *crowd])
        session.flush()
        wf = Workflow(session, SystemClock(), via="benchmark")
        numbers = [wf.create_ticket(None, subject=f"t{i}", line=line, customer=CustomerRef(email=f"c{i}@bench.test")).number
                   for i in range(TICKETS)]
        session.commit()
        return numbers, [a.email for a in crowd]


def run(args) -> list[Figure]:
    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url = create_scratch_database(admin_url, prefix="linedesk_bench")
    engine = make_engine(url, pool_size=CLIENTS, max_overflow=5)
    try:
        sessions = session_factory(engine)
        numbers, emails = _prepare(sessions)
        seconds = attempts = conflicts = 0.0
        bad_tickets = 0
        for number in numbers:
            outcome = race_claims(sessions, SystemClock(), number, emails)
            seconds += outcome.seconds
            attempts += len(emails)
            conflicts += outcome.conflicts
            bad_tickets += int(len(outcome.winners) != 1 or bool(outcome.errors))
        return [
            Figure("claims/s, 20 concurrent clients, PostgreSQL", attempts / seconds, "claims/s",
                   f"{int(attempts)} claims on {len(numbers)} tickets"),
            Figure("conflicts (409) under 20 concurrent clients", int(conflicts), "claims",
                   f"expected {int(attempts) - len(numbers)}"),
            Figure("tickets without exactly one winner", bad_tickets, "tickets", "must be 0"),
        ]
    finally:
        engine.dispose()
        drop_scratch_database(admin_url, url)
