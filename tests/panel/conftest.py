"""Panel fixtures: the CoolXost desk and tickets made through the workflow, as the other core tests do."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.models import HelpdeskSetting
from app.workflow import CustomerRef, Workflow
from tests.factories import make_desk


@pytest.fixture
def desk(session):
    desk = make_desk(session)
    session.add(HelpdeskSetting(key="first_response", value={"email": 3600}))
    session.commit()
    return desk


@pytest.fixture
def wf(session, clock):
    return Workflow(session, clock, via="test")


@pytest.fixture
def new_ticket(wf, desk, session):
    def make(line=None, email="ivan@example.com", subject="Site is down", **kwargs):
        ticket = wf.create_ticket(None, subject=subject, line=line or desk.l1, body="My site does not open",
                                  customer=CustomerRef("Ivan", email), mailbox=desk.mailbox, **kwargs)
        session.commit()
        return ticket
    return make


@pytest.fixture
def count_queries(engine):
    """`with count_queries() as statements:` — the SQL statements run on the engine inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def listener(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return counting
