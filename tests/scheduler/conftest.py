"""Fixtures for the rules: the CoolXost desk with response targets, a workflow, and `fire()` — one sweep as
of the frozen clock, run in the scheduler's own sessions exactly as in production."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select

from app.models import HelpdeskSetting, Ticket
from app.models.timers import TicketTimer
from app.workflow import CustomerRef, Workflow
from scheduler.engine import Firing, sweep_all
from tests.factories import make_desk


@pytest.fixture
def desk(session):
    desk = make_desk(session)
    session.add(HelpdeskSetting(key="first_response", value={"email": 3600, "chat": 120}))
    session.commit()
    return desk


@pytest.fixture
def wf(session, clock):
    return Workflow(session, clock, via="test")


@pytest.fixture
def new_ticket(wf, desk, session):
    counter = iter(range(1, 10_000))

    def make(line=None, **kwargs) -> Ticket:
        n = next(counter)
        ticket = wf.create_ticket(None, subject=f"Request {n}", line=line or desk.l1, body="Help",
                                  customer=CustomerRef(f"C{n}", f"c{n}@example.com"), mailbox=desk.mailbox, **kwargs)
        session.commit()
        return ticket
    return make


@pytest.fixture
def fire(Session, clock, session) -> Callable[..., list[Firing]]:
    def sweep(seed: int = 0, owner: str = "test") -> list[Firing]:
        session.commit()  # the test's session must not hold SQLite's write lock while the scheduler works
        firings = sweep_all(Session, clock, owner=owner, rng=random.Random(seed))
        session.expire_all()
        return firings
    return sweep


def timers(session, ticket, rule: str | None = None, state: str | None = None) -> list[TicketTimer]:
    query = select(TicketTimer).where(TicketTimer.ticket_id == ticket.id).order_by(TicketTimer.id)
    if rule:
        query = query.where(TicketTimer.rule == rule)
    if state:
        query = query.where(TicketTimer.state == state)
    return list(session.scalars(query))


def rules_fired(firings: list[Firing], number: int | None = None) -> list[str]:
    return [f.rule for f in firings if number is None or f.ticket_number == number]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)
