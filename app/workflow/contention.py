"""Many agents claiming one ticket at once: the shared harness of the race test and the claim benchmark.

Each contender runs in its own thread with its own session, as separate web workers would; a barrier
releases them together so the claims really overlap.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import Conflict
from app.models import Agent, Ticket
from app.workflow import Workflow


@dataclass(frozen=True)
class ClaimOutcome:
    winners: list[str]
    conflicts: int
    errors: list[str]
    seconds: float


def race_claims(sessions: sessionmaker[Session], clock: Clock, ticket_number: int, agent_emails: list[str]) -> ClaimOutcome:
    barrier = threading.Barrier(len(agent_emails), timeout=60)
    lock = threading.Lock()
    winners: list[str] = []
    errors: list[str] = []
    conflicts = 0

    def contend(email: str) -> None:
        nonlocal conflicts
        with sessions() as session:
            agent = session.scalar(select(Agent).where(Agent.email == email))
            session.commit()  # end the read: on SQLite an open transaction holds the write lock
            barrier.wait()
            try:
                wf = Workflow(session, clock, via="race")
                wf.claim(wf.ticket(ticket_number), agent)
                session.commit()
                with lock:
                    winners.append(email)
            except Conflict:
                session.rollback()
                with lock:
                    conflicts += 1
            except Exception as exc:  # reported, never hidden: a race test must see every failure
                session.rollback()
                with lock:
                    errors.append(f"{email}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=contend, args=(email,)) for email in agent_emails]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ClaimOutcome(winners, conflicts, errors, time.perf_counter() - started)


def holder(sessions: sessionmaker[Session], ticket_number: int) -> str | None:
    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == ticket_number))
        return ticket.assignee.email if ticket.assignee else None
