"""Canned responses: replies kept per line, with placeholders, sent into the customer's Gmail thread.

Placeholders: {customer_name}, {ticket_number}, {agent_name}; anything else in braces stays as written (the text
is never passed to str.format, so a stray brace is harmless). Everyone on a line may use its canned responses;
the line's head and managers manage them (`may_manage`). Sending goes through the outbox exactly as an API reply
does (`gmail_sync.outbound.reply`: once, into the customer's thread, recorded on the ticket), as the agent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from app.models import Agent, CannedResponse, Line
from app.panel.model import load_ticket
from app.workflow import Workflow

PLACEHOLDERS = ("{customer_name}", "{ticket_number}", "{agent_name}")


def for_line(session: Session, line_id: int) -> list[CannedResponse]:
    return list(session.scalars(select(CannedResponse).where(CannedResponse.line_id == line_id)
                                .order_by(CannedResponse.title)))


def render(body: str, *, customer_name: str, ticket_number: int, agent_name: str) -> str:
    values = {"{customer_name}": customer_name, "{ticket_number}": f"#{ticket_number}", "{agent_name}": agent_name}
    for placeholder, value in values.items():
        body = body.replace(placeholder, value)
    return body


def may_manage(agent: Agent, line: Line) -> bool:
    return agent.active and (agent.is_manager or line.head_id == agent.id)


def save(session: Session, now: datetime, agent: Agent, line: Line, title: str, body: str,
         canned_id: int | None = None) -> CannedResponse:
    """Create (canned_id None) or change a canned response of `line`. The caller commits."""
    if not may_manage(agent, line):
        raise PermissionDenied(f"only the head of {line.name} or a manager manages its canned responses")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise InvalidInput("a canned response needs a title and a text", fields=["title", "body"])
    title = title[:200]
    clash = session.scalar(select(CannedResponse.id).where(CannedResponse.line_id == line.id,
                                                          CannedResponse.title == title))
    if clash is not None and clash != canned_id:  # the unique constraint stays the last word under a race
        raise Conflict(f"{line.name} already has a canned response called {title!r}")
    canned = CannedResponse(line_id=line.id) if canned_id is None else _own(session, line, canned_id)
    canned.title, canned.body, canned.updated_at, canned.updated_by_id = title, body, now, agent.id
    session.add(canned)
    session.flush()
    return canned


def delete(session: Session, agent: Agent, line: Line, canned_id: int) -> None:
    if not may_manage(agent, line):
        raise PermissionDenied(f"only the head of {line.name} or a manager manages its canned responses")
    session.delete(_own(session, line, canned_id))
    session.flush()


def _own(session: Session, line: Line, canned_id: int) -> CannedResponse:
    canned = session.get(CannedResponse, canned_id)
    if canned is None or canned.line_id != line.id:
        raise NotFound(f"{line.name} has no canned response {canned_id}")
    return canned


def send(session: Session, sessions: sessionmaker[Session], clock: Clock, endpoint: str | None, agent: Agent,
         number: int, canned_id: int | None, *, via: str) -> str:
    """Reply to the customer of ticket `number` with a canned response of its line, as `agent`."""
    from gmail_sync.outbound import reply_through_mailbox

    ticket = load_ticket(session, number)
    wf = Workflow(session, clock, via=via)
    wf.require_view(agent, ticket)
    wf.require_work(agent, ticket)
    canned = session.get(CannedResponse, canned_id) if canned_id else None
    if canned is None or canned.line_id != ticket.line_id:
        raise InvalidInput(f"choose one of the canned responses of {ticket.line.name}")
    if ticket.mailbox is None:
        raise RuleViolation(f"#{number} did not come by mail: there is no mailbox to answer from")
    customer = ticket.customer.name if ticket.customer and ticket.customer.name else "customer"
    text = render(canned.body, customer_name=customer, ticket_number=number, agent_name=agent.name)
    title, email = canned.title, agent.email
    reply_through_mailbox(session, sessions, clock, endpoint, ticket.mailbox, number, text, email, via=via)
    return f"Reply “{title}” sent to the customer"
