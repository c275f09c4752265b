import pytest

from app.workflow import CustomerRef, Workflow
from tests.factories import make_desk


@pytest.fixture
def desk(session):
    desk = make_desk(session)
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


def events(session, ticket, kind=None):
    from sqlalchemy import select

    from app.models import TicketEvent

    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    if kind:
        query = query.where(TicketEvent.kind == kind)
    return session.scalars(query).all()
