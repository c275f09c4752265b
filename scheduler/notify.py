"""Notifications: the alert and warning events the rules record, delivered to the person concerned by mail.

The rules "tell" someone by recording an audit event (`kind` alert or warning, `to_value` the agent's email;
`scheduler.actions`, `app.workflow.feedback`): the head about an ignored ticket or a phantom request, the line's
head when nobody is on duty, the assignee when a target is near. The `notify` job turns each into one mail from
the ticket's support mailbox:

1. **enqueue**: one indexed query — alert/warning events of the last `LOOKBACK` (index `ix_ticket_events_kind_at`)
   with no mailing yet (anti-join on the unique `mailings.event_id`) — and a pending `Mailing` per event, keyed
   `notify:<event id>` (`ON CONFLICT DO NOTHING`: two processes enqueueing together make one row).
2. **deliver** each pending one through `scheduler.mailing.send_once` (lease, outbox, exactly once). A failed
   send stays pending and is retried at the next run; an event older than `LOOKBACK` that was never enqueued
   (the scheduler was down for a week) is stale news and is not sent.
"""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.models import Mailing, Ticket, TicketEvent
from scheduler.mailing import Letter, Mailer, ensure, send_once

KINDS = ("alert", "warning")
LOOKBACK = timedelta(days=7)


def notification_key(event_id: int) -> str:
    return f"notify:{event_id}"


def enqueue(session: Session, clock: Clock) -> int:
    """A pending mailing for every recent alert or warning event that has none; returns how many."""
    rows = session.execute(
        select(TicketEvent.id, TicketEvent.to_value)
        .where(TicketEvent.kind.in_(KINDS), TicketEvent.at >= clock.now() - LOOKBACK,
               TicketEvent.to_value.contains("@"), ~exists().where(Mailing.event_id == TicketEvent.id))
        .order_by(TicketEvent.id)
    ).all()
    for event_id, address in rows:
        ensure(session, clock, notification_key(event_id), kind="notify", to_address=address, event_id=event_id)
    return len(rows)


def notify(sessions: sessionmaker[Session], clock: Clock, *, mailer: Mailer, owner: str,
           limit: int = 200) -> list[str]:
    """Enqueue new events and deliver pending notifications; one line per mail tried."""
    with transaction(sessions) as session:
        enqueue(session, clock)
    with sessions() as session:
        now = clock.now()
        pending = session.execute(
            select(Mailing.key, Mailing.event_id, Mailing.to_address)
            .where(Mailing.state == "pending", or_(Mailing.lease_until.is_(None), Mailing.lease_until < now),
                   Mailing.kind == "notify")
            .order_by(Mailing.id).limit(limit)
        ).all()
    lines = []
    for key, event_id, address in pending:
        outcome = send_once(sessions, clock, key, lambda s, e=event_id: compose_notification(s, e), mailer=mailer,
                            owner=owner, kind="notify", to_address=address, event_id=event_id)
        lines.append(f"{key} to {address}: {outcome}")
    return lines


def compose_notification(session: Session, event_id: int) -> Letter:
    event = session.get(TicketEvent, event_id)
    assert event is not None
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    label = "Alert" if event.kind == "alert" else "Warning"
    note = event.note or f"{label} on #{ticket.number}"
    lines = [note, "", f"Ticket #{ticket.number}: {ticket.subject or '(no subject)'}",
             f"Line: {ticket.line.name}", f"Status: {ticket.status.value.replace('_', ' ')}",
             f"Assignee: {ticket.assignee.email if ticket.assignee else 'nobody'}",
             f"When: {event.at.isoformat(timespec='seconds')}"]
    text = "\n".join(lines) + "\n\n-- \nLinedesk tells you because a response-time rule concerns you.\n"
    body = "".join(f"<p>{html.escape(line)}</p>" if i == 0 else f"{html.escape(line)}<br>"
                   for i, line in enumerate(lines) if line)
    return Letter(key=notification_key(event.id), kind="notify", to_address=event.to_value or "",
                  subject=short_subject(f"[#{ticket.number}] {label}: {note}"), body_text=text,
                  body_html=f"<div>{body}</div>", ticket_id=ticket.id, mailbox_id=ticket.mailbox_id)


def short_subject(text: str, limit: int = 68) -> str:
    """Short enough to stay on the Subject line (longer ones fold, and some readers keep the fold's space)."""
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."
