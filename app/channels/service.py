"""What every channel shares: a customer's message in, an agent's answer out, both mirrored into Gmail.

In (`receive`): the conversation is found or started (adapter + the channel's id of the dialogue); the message
goes through `Workflow.receive` with the channel, the conversation's ticket (so a dialogue stays one ticket,
reopens a done one, starts a follow-up after a completed one) and the line a routing choice or rule chose; the
routing rules of the setup file are applied to a new ticket (app/channels/rules.py) and explained in the audit;
then the message is mirrored into the conversation's Gmail thread (app/channels/mirror.py).

Out (`reply`, `pick_up_gmail_replies`, `deliver`): an answer is stored on the ticket and a ChannelMessage
`pending` is written in the same transaction; then `deliver` claims it with one conditional UPDATE (attempts
n → n+1, so two runs never both send it), calls the adapter with no session open, and records `sent` (or the
error; a permanent one makes it `failed`). Answers come from the panels and the add-on (through
`gmail_sync.outbound.reply`, which hands a channel ticket over here) or from Gmail: an agent who answers in the
mirrored thread is recorded by the sync as SENT mail of the ticket, and `pick_up_gmail_replies` (the sync calls
it after each round) delivers it — never by email to a made-up address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.channels.base import ChannelSettings, DeliveryFailed, Recipient, adapter, channel_settings
from app.channels.mirror import mirror
from app.clock import Clock
from app.db import transaction
from app.directory import agent_by_email
from app.domain.errors import InvalidInput, RuleViolation
from app.models import ChannelConversation, ChannelMessage, Direction, Line, Mailbox, Message, Ticket
from app.workflow import Inbound, Workflow


@dataclass(frozen=True)
class Incoming:
    """One customer message as a channel's entry point read it."""

    adapter: str
    conversation: str  # the channel's id of the dialogue: a Telegram chat id, a form submission id, …
    text: str
    message_id: str | None = None  # the channel's id of this message: a retried webhook is stored once
    name: str = ""
    email: str | None = None
    phone: str | None = None
    subject: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    choice: str | None = None  # the routing choice the customer made (form, Telegram keyboard)
    address: str | None = None  # the address the customer wrote to (support@ vs sales@), for the rules
    data: dict[str, Any] = field(default_factory=dict)  # kept on the conversation (adapter's own facts)


@dataclass(frozen=True)
class Received:
    ticket_number: int
    outcome: str  # new, joined, reopened, follow_up, duplicate
    conversation_id: int
    message_id: int | None
    rule: str | None = None  # the routing rule that placed a new ticket


def receive(sessions: sessionmaker[Session], clock: Clock, incoming: Incoming, *, gmail_for: Any,
            settings: ChannelSettings | None = None, via: str = "channel") -> Received:
    """Store a customer's message on its ticket through the workflow, then mirror it into Gmail."""
    from app.channels.rules import apply_rules

    cs = settings or channel_settings()
    channel_adapter = adapter(incoming.adapter, cs)
    if not (incoming.text or "").strip() and not incoming.attachments:
        raise InvalidInput("the message is empty")
    with transaction(sessions) as session:
        wf = Workflow(session, clock, via=via)
        mailbox = channel_mailbox(session, cs)
        conversation = session.scalar(select(ChannelConversation).where(
            ChannelConversation.adapter == incoming.adapter, ChannelConversation.external_id == incoming.conversation))
        subject = incoming.subject or _subject(incoming.text, channel_adapter.label)
        provider_id = f"{incoming.adapter}:{incoming.conversation}:{incoming.message_id}" if incoming.message_id else None
        result = wf.receive(Inbound(
            channel=channel_adapter.channel, subject=subject, body_text=incoming.text, sent_at=clock.now(),
            from_email=incoming.email, from_phone=incoming.phone, from_name=incoming.name,
            attachments=list(incoming.attachments), mailbox=mailbox, provider_message_id=provider_id,
            provider_thread_id=conversation.gmail_thread_id if conversation else None,
            ticket=conversation.ticket if conversation else None, line=None))
        assert result.ticket is not None
        ticket = result.ticket
        rule = None
        if result.outcome in ("new", "follow_up"):
            rule = apply_rules(session, wf, ticket, incoming, channel_adapter.channel)
        if conversation is None:
            conversation = ChannelConversation(
                adapter=incoming.adapter, external_id=incoming.conversation, ticket_id=ticket.id, mailbox_id=mailbox.id,
                display_name=(incoming.name or incoming.email or incoming.phone or "")[:200],
                reply_email=incoming.email if channel_adapter.replies_by_email else None,
                data=dict(incoming.data), created_at=clock.now())
            session.add(conversation)
        else:
            conversation.ticket_id = ticket.id
            if incoming.data:
                conversation.data = {**(conversation.data or {}), **incoming.data}
        session.flush()
        row_id = None
        if result.outcome != "duplicate" and result.message is not None:
            row = ChannelMessage(message_id=result.message.id, conversation_id=conversation.id, state="received",
                                 created_at=clock.now())
            session.add(row)
            session.flush()
            row_id = row.id
        received = Received(ticket.number, result.outcome, conversation.id,
                            result.message.id if result.message else None, rule)
        gmail = _gmail_quietly(gmail_for, session, mailbox) if row_id else None
    if row_id is not None:
        _mirror_quietly(sessions, clock, row_id, gmail, channel_adapter.label)
    return received


def reply(sessions: sessionmaker[Session], clock: Clock, ticket_number: int, text: str, agent_email: str, *,
          gmail: Any, settings: ChannelSettings | None = None, via: str = "web") -> Message:
    """An agent's answer to a channel conversation: stored, delivered through the channel, mirrored into Gmail.
    The same text by the same agent right after their own answer is that answer again, not a second one. A
    retryable failure leaves it pending (the next sync round delivers it); a permanent one raises."""
    if not text.strip():
        raise RuleViolation("a reply needs some text")
    cs = settings or channel_settings()
    with transaction(sessions) as session:
        wf = Workflow(session, clock, via=via)
        ticket = wf.ticket(ticket_number)
        agent = agent_by_email(session, agent_email)
        wf.require_work(agent, ticket)
        conversation = conversation_of(session, ticket)
        if conversation is None:
            raise RuleViolation(f"#{ticket_number} has no channel conversation")
        label = adapter(conversation.adapter, cs).label
        if adapter(conversation.adapter, cs).replies_by_email:  # a form or a call without an address
            raise RuleViolation(f"#{ticket_number} came by {label.lower()} without an email address: call them back")
        last = session.scalar(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()).limit(1))
        if last is not None and last.direction is Direction.OUT and last.author_agent_id == agent.id \
                and last.body_text == text:  # the same answer again (a double click, a retried request): sent once
            session.expunge(last)
            return last
        message = wf.record_outbound(ticket, agent, body_text=text, channel=ticket.channel, mailbox=conversation.mailbox)
        row = ChannelMessage(message_id=message.id, conversation_id=conversation.id, state="pending",
                             created_at=clock.now())
        session.add(row)
        session.flush()
        row_id = row.id
        session.expunge(message)
    state = deliver(sessions, clock, row_id, settings=cs)
    _mirror_quietly(sessions, clock, row_id, gmail, label)
    if state == "failed":  # on the ticket, but the channel refused it for good (a blocked bot): say so
        with sessions() as session:
            error = session.scalar(select(ChannelMessage.last_error).where(ChannelMessage.id == row_id))
        raise DeliveryFailed(f"the answer is on the ticket but {label} refused it: {error}", retryable=False)
    return message


def deliver(sessions: sessionmaker[Session], clock: Clock, row_id: int, *, settings: ChannelSettings) -> str:
    """Send one pending answer through its channel, at most once per claim; returns the row's state."""
    with transaction(sessions) as session:
        row = session.get(ChannelMessage, row_id)
        if row is None or row.state != "pending":
            return row.state if row else "missing"
        taken = session.execute(update(ChannelMessage).where(
            ChannelMessage.id == row_id, ChannelMessage.state == "pending", ChannelMessage.attempts == row.attempts)
            .values(attempts=ChannelMessage.attempts + 1).execution_options(synchronize_session=False)).rowcount
        if not taken:
            return "pending"
        conversation = row.conversation
        to = Recipient(conversation.adapter, conversation.external_id, conversation.display_name,
                       dict(conversation.data or {}), conversation.ticket.number)
        text = row.message.visible_text or row.message.body_text
    try:
        external = adapter(to.adapter, settings).send(to, text)
    except DeliveryFailed as exc:
        with transaction(sessions) as session:
            row = session.get(ChannelMessage, row_id)
            assert row is not None
            row.last_error = str(exc.message)[:2000]
            row.state = "pending" if exc.retryable else "failed"
            return row.state
    with transaction(sessions) as session:
        row = session.get(ChannelMessage, row_id)
        assert row is not None
        row.state, row.external_id, row.sent_at, row.last_error = "sent", str(external)[:200], clock.now(), None
    return "sent"


def pick_up_gmail_replies(sessions: sessionmaker[Session], clock: Clock, *, settings: Any = None) -> int:
    """Deliver the answers agents wrote in mirrored Gmail threads (recorded by the sync), and retry pending ones.
    Returns how many were delivered."""
    cs = settings if isinstance(settings, ChannelSettings) else channel_settings(settings)
    with transaction(sessions) as session:
        found = session.execute(
            select(Message.id, ChannelConversation.id)
            .join(ChannelConversation, (ChannelConversation.ticket_id == Message.ticket_id)
                  & (ChannelConversation.gmail_thread_id == Message.provider_thread_id))
            .outerjoin(ChannelMessage, ChannelMessage.message_id == Message.id)
            .where(Message.direction == Direction.OUT, Message.provider_message_id.is_not(None),
                   ChannelMessage.id.is_(None), ChannelConversation.reply_email.is_(None),
                   Message.created_at >= ChannelConversation.created_at)
            .order_by(Message.id)).all()
        for message_id, conversation_id in found:  # written in the conversation's own mirrored thread
            message = session.get(Message, message_id)
            assert message is not None
            session.add(ChannelMessage(message_id=message_id, conversation_id=conversation_id, state="pending",
                                       gmail_message_id=message.provider_message_id, created_at=clock.now()))
        session.flush()
        pending = list(session.scalars(select(ChannelMessage.id).where(ChannelMessage.state == "pending")
                                       .order_by(ChannelMessage.id)))
    return sum(deliver(sessions, clock, row_id, settings=cs) == "sent" for row_id in pending)


# ----- helpers -------------------------------------------------------------------------------------------------
def answers_by_channel(session: Session, ticket_number: int) -> bool:
    """Whether an answer to ticket `ticket_number` goes out through a channel adapter instead of by mail."""
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == ticket_number))
    return ticket_id is not None and conversation_of(session, ticket_id) is not None


def conversation_of(session: Session, ticket: Ticket | int) -> ChannelConversation | None:
    """The conversation an answer to `ticket` goes to: the one the customer last wrote from, when that is a
    channel that does not answer by mail (a Telegram message joined to an email ticket is answered in Telegram;
    a later email on it, by email)."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    conversation = session.scalar(
        select(ChannelConversation).join(ChannelMessage, ChannelMessage.conversation_id == ChannelConversation.id)
        .join(Message, Message.id == ChannelMessage.message_id)
        .where(Message.ticket_id == ticket_id, Message.direction == Direction.IN)
        .order_by(Message.id.desc()).limit(1))
    if conversation is None or conversation.reply_email is not None:
        return None
    last_in = session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket_id,
                                                                 Message.direction == Direction.IN))
    from_channel = session.scalar(select(ChannelMessage.id).join(Message, Message.id == ChannelMessage.message_id)
                                  .where(Message.id == last_in))
    return conversation if from_channel is not None else None


def channel_mailbox(session: Session, cs: ChannelSettings) -> Mailbox:
    query = select(Mailbox).order_by(Mailbox.id)
    if cs.mailbox:
        query = query.where(Mailbox.address == cs.mailbox.lower())
    mailbox = session.scalar(query.limit(1))
    if mailbox is None:
        raise RuleViolation(f"no support mailbox {cs.mailbox or ''} to mirror channel conversations into".replace("  ", " "))
    return mailbox


def line_for(session: Session, slug: str) -> Line | None:
    return session.scalar(select(Line).where(Line.slug == slug, Line.active.is_(True)))


def _subject(text: str, label: str) -> str:
    first = " ".join((text or "").split())[:80]
    return f"{label}: {first}" if first else f"{label} conversation"


def _gmail_quietly(gmail_for: Any, session: Session, mailbox: Mailbox) -> Any:
    """The mailbox's Gmail service, or None (no credentials yet): the message is kept and mirrored later."""
    import logging

    try:
        return gmail_for(session, mailbox)
    except Exception as exc:  # noqa: BLE001 - e.g. CredentialsError: never refuse the customer's message for it
        logging.getLogger(__name__).warning("no Gmail for %s to mirror into yet: %s", mailbox.address, exc)
        return None


def _mirror_quietly(sessions: sessionmaker[Session], clock: Clock, row_id: int, gmail: Any, label: str) -> None:
    """Mirror now; a failure leaves the row for `mirror_pending` (the customer's message is already stored)."""
    import logging

    try:
        mirror(sessions, clock, row_id, gmail=gmail, label=label)
    except Exception as exc:  # noqa: BLE001 - Gmail down must not lose or refuse the customer's message
        logging.getLogger(__name__).warning("channel message %s not mirrored into Gmail yet: %s", row_id, exc)
