"""An agent's queues: per line, the tickets waiting for a claim (with their age); the agent's own; the ones they
watch; the overdue and the ignored ones; and a search by number, customer email or subject.

Only tickets the agent may see are listed (`app.api.tickets.visible_to`, the set form of `Workflow.can_view`),
and only lines the agent works in (every active line for a manager). Each list is one SELECT with a limit,
so the page costs the same few queries however large the desk. `version` changes when any listed row
changes; the web page polls it to show new tickets without a reload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.clock import as_utc
from app.models import ACTIVE_STATUSES, Agent, Customer, CustomerEmail, Line, Status, Ticket, ticket_watchers

LIMIT = 50
WAITING = (Status.NEW, Status.REOPENED)


@dataclass(frozen=True)
class QueueRow:
    number: int
    subject: str
    status: str
    priority: str
    line: str
    assignee: str | None
    customer: str | None
    waiting_since: datetime  # when it entered its line: the age of a ticket waiting for a claim
    updated_at: datetime
    flags: list[str]


@dataclass(frozen=True)
class LineQueue:
    slug: str
    name: str
    waiting: list[QueueRow]


@dataclass
class Queues:
    lines: list[LineQueue]
    mine: list[QueueRow]
    watching: list[QueueRow]
    overdue: list[QueueRow]
    ignored: list[QueueRow]
    search: str | None = None
    found: list[QueueRow] = field(default_factory=list)

    @property
    def version(self) -> str:
        rows = [r for q in self.lines for r in q.waiting] + self.mine + self.watching + self.overdue + self.ignored
        digest = hashlib.sha256(repr(sorted((r.number, r.status, r.updated_at.isoformat()) for r in rows)).encode())
        return digest.hexdigest()[:16]


def agent_lines(session: Session, agent: Agent) -> list[Line]:
    """The active lines the agent works in: member or head; every one for a manager."""
    from app.models import line_members

    query = select(Line).where(Line.active.is_(True)).order_by(Line.position, Line.id)
    if not agent.is_manager:
        member_of = select(line_members.c.line_id).where(line_members.c.agent_id == agent.id)
        query = query.where(or_(Line.id.in_(member_of), Line.head_id == agent.id))
    return list(session.scalars(query))


def load_queues(session: Session, agent: Agent, *, line: str | None = None, search: str | None = None) -> Queues:
    from app.api.tickets import visible_to

    lines = [ln for ln in agent_lines(session, agent) if line is None or ln.slug == line]
    line_ids = [ln.id for ln in lines]
    seen = visible_to(agent)
    # Overdue and ignored: tickets of the agent's lines (and their own). Narrower than `seen` (no watched tickets
    # of other lines: those are under Watching), and an indexed (line_id, status) range instead of a scan.
    scope = or_(Ticket.line_id.in_(line_ids), Ticket.assignee_id == agent.id) if line is None else Ticket.line_id.in_(line_ids)
    active = Ticket.status.in_(list(ACTIVE_STATUSES))
    waiting = _rows(session, and_(Ticket.line_id.in_(line_ids), Ticket.status.in_(WAITING), Ticket.assignee_id.is_(None)),
                    Ticket.line_entered_at, limit=LIMIT * max(1, len(lines)))
    watched = select(ticket_watchers.c.ticket_id).where(ticket_watchers.c.agent_id == agent.id)
    queues = Queues(
        lines=[LineQueue(ln.slug, ln.name, [r for r in waiting if r.line == ln.name][:LIMIT]) for ln in lines],
        mine=_rows(session, and_(Ticket.assignee_id == agent.id, active), Ticket.updated_at.desc()),
        watching=_rows(session, and_(Ticket.id.in_(watched), active), Ticket.updated_at.desc()),
        overdue=_rows(session, and_(scope, active, Ticket.flag_overdue.is_(True)), Ticket.updated_at.desc()),
        ignored=_rows(session, and_(scope, active, Ticket.flag_ignored.is_(True)), Ticket.updated_at.desc()),
    )
    if search and search.strip():
        queues.search = search.strip()
        queues.found = _rows(session, and_(seen, _matches(queues.search)), Ticket.updated_at.desc())
    return queues


def _matches(text: str) -> ColumnElement[bool]:
    """A number (#1042 or 1042), a customer's email, or words of the subject."""
    digits = text.lstrip("#")
    if digits.isdigit() and len(digits) <= 9:
        return Ticket.number == int(digits)
    if "@" in text:
        customers = select(CustomerEmail.customer_id).where(CustomerEmail.email == text.lower())
        return Ticket.customer_id.in_(customers)
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return func.lower(Ticket.subject).like(pattern, escape="\\")


def _rows(session: Session, where: ColumnElement[bool], order: Any, *, limit: int = LIMIT) -> list[QueueRow]:
    return [_row(r) for r in session.execute(_query().where(where).order_by(order, Ticket.id).limit(limit))]


def _query() -> Select[Any]:
    assignee = aliased(Agent)
    return (select(Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Line.name, assignee.name,
                   Customer.name, Ticket.line_entered_at, Ticket.updated_at, Ticket.flag_overdue, Ticket.flag_ignored)
            .join(Line, Line.id == Ticket.line_id).outerjoin(assignee, assignee.id == Ticket.assignee_id)
            .outerjoin(Customer, Customer.id == Ticket.customer_id))


def _row(r: Any) -> QueueRow:
    number, subject, status, priority, line, assignee, customer, entered, updated, overdue, ignored = r
    flags = [name for name, on in (("overdue", overdue), ("ignored", ignored)) if on]
    return QueueRow(number, subject, status.value, priority.value, line, assignee, customer or None, as_utc(entered),
                    as_utc(updated), flags)
