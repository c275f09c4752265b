"""Messages in and out: how a customer's message finds its ticket, and how an answer is recorded.

The rules, in order, for an inbound message:
1. A message already stored (same mailbox and provider message id) is not stored again.
2. A known conversation (provider thread, or a channel's dialogue) belongs to its ticket.
3. Otherwise, if the mailbox joins customers' messages to their active ticket, a customer with an active
   ticket gets the message on that ticket (from any channel), with the same responsible agent.
4. Otherwise a new ticket in the mailbox's default line (or the line the channel routed to).
Then: a message on a done ticket reopens it; on a completed ticket it starts a follow-up ticket linked to the
old one, which takes over the conversation. Automatic mail (auto-replies, bounces) never opens a ticket and
never reopens one; it is recorded on the ticket it belongs to, or dropped with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.directory import find_or_create_customer
from app.domain.errors import RuleViolation
from app.models import (
    ACTIVE_STATUSES, Agent, Channel, Customer, Direction, Line, Mailbox, Message, Status, Ticket, TicketThread,
)
from app.workflow.routing import RoutingActions

if TYPE_CHECKING:
    from app.workflow.bulk import Outcome, Sent


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    subject: str
    body_text: str
    sent_at: datetime
    from_email: str | None = None
    from_phone: str | None = None
    from_name: str = ""
    body_html: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    mailbox: Mailbox | None = None
    provider_message_id: str | None = None
    provider_thread_id: str | None = None
    rfc822_message_id: str | None = None
    automatic: bool = False
    line: Line | None = None  # a routing choice made by the channel (web form: "I am technical")
    visible_text: str | None = None  # the reply without quoted history and signature (mail only)
    parse_problems: list[str] = field(default_factory=list)  # what was wrong with the mail, and how it was read
    ticket: Ticket | None = None  # the ticket a channel's dialogue feeds (app/channels): rule 2, as a thread is


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket | None
    message: Message | None
    outcome: str  # "new", "joined", "reopened", "follow_up", "duplicate", "dropped"
    reason: str = ""


class IntakeActions(RoutingActions):
    def receive(self, inbound: Inbound) -> IntakeResult:
        duplicate = self._stored(inbound.mailbox, inbound.provider_message_id)
        if duplicate is not None:
            return IntakeResult(duplicate.ticket, duplicate, "duplicate", "already stored")
        customer = None
        if inbound.from_email or inbound.from_phone:
            customer = find_or_create_customer(self.session, self.now(), email=inbound.from_email,
                                               phone=inbound.from_phone, name=inbound.from_name,
                                               region=self.phone_region())
        ticket, outcome = self._find_ticket(inbound, customer)
        if ticket is None:
            if inbound.automatic:
                return IntakeResult(None, None, "dropped", "automatic mail does not open a ticket")
            ticket, outcome = self._open(inbound, customer), "new"
        elif ticket.status is Status.DONE and not inbound.automatic:
            self._move(ticket, None, Status.REOPENED, actor_label="customer")
            ticket.done_at = None
            outcome = "reopened"
        elif ticket.status is Status.COMPLETED and not inbound.automatic:
            ticket, outcome = self._follow_up(ticket, inbound, customer), "follow_up"
        self._link_thread(ticket, inbound)
        message = self._store(ticket, inbound, customer, Direction.IN)
        return IntakeResult(ticket, message, outcome)

    def record_outbound(
        self, ticket: Ticket, agent: Agent | None, *, body_text: str, sent_at: datetime | None = None,
        channel: Channel | None = None, subject: str | None = None, mailbox: Mailbox | None = None,
        provider_message_id: str | None = None, provider_thread_id: str | None = None,
        rfc822_message_id: str | None = None, body_html: str | None = None, from_address: str | None = None,
    ) -> Message:
        """An answer to the customer; the first one sets the ticket's first response time."""
        stored = self._stored(mailbox, provider_message_id)
        if stored is not None:
            return stored
        inbound = Inbound(channel=channel or ticket.channel, subject=subject or ticket.subject, body_text=body_text,
                          sent_at=sent_at or self.now(), body_html=body_html, mailbox=mailbox,
                          provider_message_id=provider_message_id, provider_thread_id=provider_thread_id,
                          rfc822_message_id=rfc822_message_id, from_email=from_address)
        message = self._store(ticket, inbound, None, Direction.OUT, agent=agent)
        if ticket.first_response_at is None:
            ticket.first_response_at = message.sent_at
        self._link_thread(ticket, inbound)
        self._event(ticket, "replied", agent, actor_label="mailbox" if agent is None else None)
        return message

    def receive_many(self, mailbox: Mailbox, items: Sequence[Inbound | Sent]) -> list[Outcome]:
        """Many messages of one mailbox, in order, by the same rules as `receive` and `record_outbound` (for
        `Sent` items), at a handful of statements per call instead of per message (app/workflow/bulk.py)."""
        from app.workflow.bulk import BulkIntake

        return BulkIntake(self, mailbox).run(items)  # type: ignore[arg-type]

    # ----- helpers ---------------------------------------------------------------------------------------
    def _stored(self, mailbox: Mailbox | None, provider_message_id: str | None) -> Message | None:
        if not provider_message_id:
            return None
        return self.session.scalar(select(Message).where(
            Message.mailbox_id == (mailbox.id if mailbox else None),
            Message.provider_message_id == provider_message_id,
        ))

    def _find_ticket(self, inbound: Inbound, customer: Customer | None) -> tuple[Ticket | None, str]:
        if inbound.ticket is not None:
            return inbound.ticket, "joined"
        if inbound.mailbox is not None and inbound.provider_thread_id:
            link = self.session.scalar(select(TicketThread).where(
                TicketThread.mailbox_id == inbound.mailbox.id,
                TicketThread.provider_thread_id == inbound.provider_thread_id,
            ))
            if link is not None:
                return link.ticket, "joined"
        joins = inbound.mailbox.join_active_ticket if inbound.mailbox is not None else True
        if customer is not None and joins:
            active = self.session.scalar(
                select(Ticket).where(Ticket.customer_id == customer.id, Ticket.status.in_(ACTIVE_STATUSES),
                                     Ticket.parent_id.is_(None))
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)
            )
            if active is not None:
                return active, "joined"
        return None, ""

    def _open(self, inbound: Inbound, customer: Customer | None, follow_up_of: Ticket | None = None) -> Ticket:
        line = inbound.line or (inbound.mailbox.default_line if inbound.mailbox else None) or self.first_line()
        if line is None:
            raise RuleViolation("no line can take new tickets: set the mailbox's default line in the setup file")
        ticket = self.create_ticket(None, subject=inbound.subject, line=line, channel=inbound.channel,
                                    mailbox=inbound.mailbox, follow_up_of=follow_up_of)
        ticket.customer = customer
        return ticket

    def _follow_up(self, old: Ticket, inbound: Inbound, customer: Customer | None) -> Ticket:
        ticket = self._open(inbound, customer or old.customer, follow_up_of=old)
        self._event(old, "follow_up_opened", None, to_value=str(ticket.number), actor_label="customer")
        return ticket

    def _link_thread(self, ticket: Ticket, inbound: Inbound) -> None:
        if inbound.mailbox is None or not inbound.provider_thread_id:
            return
        link = self.session.scalar(select(TicketThread).where(
            TicketThread.mailbox_id == inbound.mailbox.id, TicketThread.provider_thread_id == inbound.provider_thread_id,
        ))
        if link is None:
            self.session.add(TicketThread(ticket_id=ticket.id, mailbox_id=inbound.mailbox.id,
                                          provider_thread_id=inbound.provider_thread_id))
        elif link.ticket_id != ticket.id:
            link.ticket_id = ticket.id  # a follow-up takes the conversation over
        self.session.flush()

    def _store(self, ticket: Ticket, inbound: Inbound, customer: Customer | None, direction: Direction,
               agent: Agent | None = None) -> Message:
        message = Message(
            ticket_id=ticket.id, direction=direction, channel=inbound.channel, author_agent_id=agent.id if agent else None,
            author_customer_id=customer.id if customer else None, from_address=inbound.from_email or inbound.from_phone,
            subject=(inbound.subject or "")[:998], body_text=inbound.body_text or "", body_html=inbound.body_html,
            attachments=list(inbound.attachments), mailbox_id=inbound.mailbox.id if inbound.mailbox else None,
            provider_message_id=inbound.provider_message_id, provider_thread_id=inbound.provider_thread_id,
            rfc822_message_id=inbound.rfc822_message_id, automatic=inbound.automatic, sent_at=inbound.sent_at,
            visible_text=inbound.visible_text, parse_problems=list(inbound.parse_problems) or None,
            created_at=self.now(),
        )
        self.session.add(message)
        self.session.flush()
        if direction is Direction.IN:
            self._event(ticket, "message", None, actor_label="customer", channel=inbound.channel.value,
                        automatic=inbound.automatic)
        return message
