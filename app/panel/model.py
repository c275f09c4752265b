"""The ticket panel: everything the Gmail sidebar and the web panel show for one ticket, as plain data.

`load_panel(session, clock, agent, number)` reads, in a fixed number of queries whatever the ticket's
history (a test counts them):

1. the ticket with its line (members, head), assignee, category, watchers and customer (emails, phones,
   personal manager) — one joined SELECT plus one SELECT per collection;
2. its pending timers (time left to each target), notes (with authors), audit trail, messages;
3. the customer's earlier tickets the viewer may see, the active lines, categories and the line's canned
   responses (for the action forms), and who else has the ticket open (app.panel.presence).

It raises NotFound / PermissionDenied exactly as the API does (`Workflow.require_view`). The actions offered
are decided by `app.panel.actions.allowed_actions`, which follows the workflow's own permission checks; a
test holds the two together. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.clock import Clock, as_utc
from app.domain.errors import NotFound
from app.models import Agent, CannedResponse, Category, Customer, Line, Message, Note, Ticket, TicketEvent
from app.models.timers import TicketTimer
from app.panel.actions import Actions, allowed_actions
from app.panel.presence import Presence, others
from app.workflow import Workflow

EARLIER_TICKETS = 10
TARGET_NAMES = {"claim": "claim", "start": "start", "first_response": "first response", "resolution": "resolution",
                "auto_complete": "auto-complete"}

PANEL_LOADS = (
    joinedload(Ticket.line).joinedload(Line.head),
    joinedload(Ticket.line).selectinload(Line.members),
    joinedload(Ticket.assignee),
    joinedload(Ticket.category),
    joinedload(Ticket.customer).joinedload(Customer.personal_manager),
    joinedload(Ticket.customer).selectinload(Customer.emails),
    joinedload(Ticket.customer).selectinload(Customer.phones),
    selectinload(Ticket.watchers),
    joinedload(Ticket.parent),
)


@dataclass(frozen=True)
class Target:
    rule: str
    name: str
    due_at: datetime
    seconds_left: int  # negative: missed by that much


@dataclass(frozen=True)
class EarlierTicket:
    number: int
    subject: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class CustomerView:
    name: str
    emails: list[str]
    phones: list[str]
    contract: str | None
    company: str | None
    vip: bool
    personal_manager: str | None
    earlier: list[EarlierTicket]


@dataclass(frozen=True)
class NoteView:
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    kind: str
    from_value: str | None
    to_value: str | None
    note: str | None
    via: str


@dataclass(frozen=True)
class AttachmentView:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    author: str
    subject: str
    sent_at: datetime
    text: str
    html: str | None  # sanitised when it was stored (gmail_sync/sanitize.py)
    automatic: bool
    attachments: list[AttachmentView]


@dataclass(frozen=True)
class Panel:
    ticket_id: int
    number: int
    subject: str
    status: str
    line: str  # name
    line_slug: str
    assignee: str | None  # name
    assignee_email: str | None
    priority: str
    category: str | None
    deadline: datetime | None
    created_at: datetime
    updated_at: datetime
    flags: list[str]
    parent: int | None
    problem: str | None
    resolution: str | None
    targets: list[Target]
    customer: CustomerView | None
    notes: list[NoteView]
    events: list[EventView]
    messages: list[MessageView]
    actions: Actions
    others: list[Presence]  # other agents who have it open now (the collision notice)

    @property
    def version(self) -> str:
        """Changes whenever the ticket does (every workflow action records an event and sets updated_at)."""
        return self.updated_at.isoformat()


def load_ticket(session: Session, number: int) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.number == number).options(*PANEL_LOADS))
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket


def load_panel(session: Session, clock: Clock, agent: Agent, number: int) -> Panel:
    ticket = load_ticket(session, number)
    Workflow(session, clock).require_view(agent, ticket)
    now = clock.now()
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                             .order_by(TicketEvent.id)).all()
    lines = session.scalars(select(Line).where(Line.active.is_(True)).order_by(Line.position, Line.id)).all()
    categories = session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.name)).all()
    canned = session.scalars(select(CannedResponse).where(CannedResponse.line_id == ticket.line_id)
                             .order_by(CannedResponse.title)).all()
    return Panel(
        ticket_id=ticket.id, number=ticket.number, subject=ticket.subject, status=ticket.status.value, line=ticket.line.name,
        line_slug=ticket.line.slug, assignee=ticket.assignee.name if ticket.assignee else None,
        assignee_email=ticket.assignee.email if ticket.assignee else None, priority=ticket.priority.value,
        category=ticket.category.name if ticket.category else None, deadline=as_utc(ticket.deadline),
        created_at=as_utc(ticket.created_at), updated_at=as_utc(ticket.updated_at), flags=flags_of(ticket),
        parent=ticket.parent.number if ticket.parent else None, problem=ticket.problem, resolution=ticket.resolution,
        targets=_targets(session, ticket, now), customer=_customer(session, ticket, agent),
        notes=_notes(session, ticket), events=[_event(e) for e in events], messages=_messages(session, ticket),
        actions=allowed_actions(agent, ticket, events, lines, categories, canned),
        others=others(session, now, ticket.id, agent.id),
    )


def flags_of(ticket: Ticket) -> list[str]:
    pairs = (("overdue", ticket.flag_overdue), ("ignored", ticket.flag_ignored),
             ("passed to development", ticket.flag_development), ("phantom", ticket.flag_phantom))
    return [name for name, on in pairs if on]


def _targets(session: Session, ticket: Ticket, now: datetime) -> list[Target]:
    rows = session.execute(select(TicketTimer.rule, TicketTimer.due_at).where(
        TicketTimer.ticket_id == ticket.id, TicketTimer.state == "pending").order_by(TicketTimer.due_at)).all()
    return [Target(rule, TARGET_NAMES[rule], as_utc(due), int((as_utc(due) - now).total_seconds()))
            for rule, due in rows if rule in TARGET_NAMES]


def _customer(session: Session, ticket: Ticket, agent: Agent) -> CustomerView | None:
    customer = ticket.customer
    if customer is None:
        return None
    from app.api.tickets import visible_to

    earlier = session.execute(
        select(Ticket.number, Ticket.subject, Ticket.status, Ticket.created_at)
        .where(Ticket.customer_id == customer.id, Ticket.id != ticket.id, visible_to(agent))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(EARLIER_TICKETS)
    ).all()
    manager = customer.personal_manager
    return CustomerView(
        name=customer.name, emails=[e.email for e in customer.emails], phones=[p.phone for p in customer.phones],
        contract=customer.contract, company=customer.company, vip=customer.vip,
        personal_manager=f"{manager.name} <{manager.email}>" if manager else None,
        earlier=[EarlierTicket(n, s, st.value, as_utc(c)) for n, s, st, c in earlier],
    )


def _notes(session: Session, ticket: Ticket) -> list[NoteView]:
    notes = session.scalars(select(Note).where(Note.ticket_id == ticket.id).options(joinedload(Note.author))
                            .order_by(Note.id)).all()
    return [NoteView(n.author.name if n.author else "system", n.text, as_utc(n.created_at)) for n in notes]


def _event(event: TicketEvent) -> EventView:
    return EventView(as_utc(event.at), event.actor_label, event.kind, event.from_value, event.to_value, event.note,
                     event.via)


def _messages(session: Session, ticket: Ticket) -> list[MessageView]:
    messages = session.scalars(select(Message).where(Message.ticket_id == ticket.id)
                               .options(joinedload(Message.author_agent))
                               .order_by(Message.sent_at, Message.id)).all()
    return [MessageView(
        id=m.id, direction=m.direction.value,
        author=m.author_agent.name if m.author_agent else (m.from_address or "customer"),
        subject=m.subject, sent_at=as_utc(m.sent_at), text=m.visible_text or m.body_text or "", html=m.body_html,
        automatic=m.automatic, attachments=[_attachment(meta, i) for i, meta in enumerate(m.attachments or [])],
    ) for m in messages]


def _attachment(meta: dict[str, Any], index: int) -> AttachmentView:
    return AttachmentView(index, str(meta.get("filename") or f"attachment-{index + 1}"),
                          str(meta.get("content_type") or "application/octet-stream"), int(meta.get("size") or 0))
