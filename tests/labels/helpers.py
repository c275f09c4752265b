"""What the label tests do in Gmail and read back from the desk: an agent's label change through the API, a
ticket's labels, its audit trail and notes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from app.db import transaction
from app.models import Note, Ticket, TicketEvent
from labels.gmail_labels import push_due
from tests.labels.test_push import act, number_of, open_ticket, ours, thread_messages
from tests.sync.conftest import SUPPORT, connect


def label_id(gmail: Any, name: str) -> str:
    """The id of label `name`, created as an agent would in Gmail when it does not exist yet."""
    users = gmail.service().users()
    for label in users.labels().list(userId="me").execute()["labels"]:
        if label["name"].casefold() == name.casefold():
            return str(label["id"])
    return str(users.labels().create(userId="me", body={"name": name}).execute()["id"])


def in_gmail(gmail: Any, thread_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    """An agent applying / removing labels on the whole conversation in Gmail."""
    body = {"addLabelIds": [label_id(gmail, n) for n in add], "removeLabelIds": [label_id(gmail, n) for n in remove]}
    gmail.service().users().threads().modify(userId="me", id=thread_id, body=body).execute()


def audit(Session: Any, number: int) -> list[TicketEvent]:
    with transaction(Session) as session:
        events = list(session.scalars(select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                                      .where(Ticket.number == number).order_by(TicketEvent.id)))
        session.expunge_all()
        return events


def notes(Session: Any, number: int) -> list[str]:
    with transaction(Session) as session:
        return list(session.scalars(select(Note.text).join(Ticket, Ticket.id == Note.ticket_id)
                                    .where(Ticket.number == number).order_by(Note.id)))


def ticket(Session: Any, number: int) -> Ticket:
    with transaction(Session) as session:
        found = session.scalar(select(Ticket).where(Ticket.number == number))
        assert found is not None
        _ = (found.line.name, found.assignee.name if found.assignee else None)
        session.expunge_all()
        return found


def held_ticket(gmail: Any, make_runner: Any, Session: Any, clock: Any) -> tuple[Any, str, int]:
    """A customer's ticket claimed by Lisa in Linedesk and pushed to Gmail: (runner, thread id, number)."""
    runner, thread_id = open_ticket(gmail, make_runner)
    number = number_of(Session, thread_id)
    act(Session, clock, number, "claim", "lisa@coolxost.com")
    push_due(connect(gmail), Session, clock, SUPPORT)
    runner.sync_once()  # reads the push's echo: nothing happens
    return runner, thread_id, number


def labels_on(gmail: Any, thread_id: str) -> list[set[str]]:
    return [ours(labels) for labels in thread_messages(gmail, thread_id)]


def calls(gmail: Any, method: str) -> int:
    return int(gmail.control.stats()["calls"].get(f"gmail.users.{method}", 0))
