"""The acknowledgement: one mail in a new ticket's thread saying its number and when we will answer.

Why this module exists: a customer who hears nothing writes again (or phones); one who gets "#1042, we answer
within 1 hour" waits. But an acknowledgement is also how helpdesks end up in mail loops, so it is sent only
when it cannot start one:
- at most one per ticket — the outbox idempotency key `ack:<ticket id>` makes a second call a no-op;
- never for automatic mail (auto-replies, bounces, bulk: the ticket's first message is `automatic`), never to
  one of our own mailbox addresses, never to a mailer-daemon or no-reply address;
- at most N per sender address per hour (HelpdeskSetting `ack_per_sender_per_hour`, default 3): beyond that a
  sender gets none — whoever writes ten mails a minute is a machine or does not need telling;
- the mail itself says `Auto-Submitted: auto-replied` (RFC 3834), so well-behaved responders stay quiet.

On a line that answers automatically (app.kb.auto), the acknowledgement also carries the knowledge-base article
most likely to answer, with a signed "this solved it" link, and says that a reply reaches a person; the offer is
recorded on the ticket (Workflow.offer_automatic_answer) in the transaction that prepares the mail.

It goes out through the outbox (`outbound.prepare` + `outbound.deliver`), so a retry never sends it twice. It
is not recorded as the ticket's first response: that is a person's answer. The sync runner calls
`acknowledge` after a new ticket.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.models import Direction, HelpdeskSetting, Mailbox, Message, OutboxMail, Ticket
from gmail_sync.outbound import Draft, deliver, prepare, reply_subject

log = logging.getLogger(__name__)
DEFAULT_PER_SENDER_PER_HOUR = 3
RATE_SETTING = "ack_per_sender_per_hour"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
_MACHINE_LOCAL_PARTS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply")


@dataclass(frozen=True)
class AckResult:
    sent: bool
    reason: str  # why not, or "sent"
    outbox_id: int | None = None


def acknowledge(session_factory: sessionmaker[Session], clock: Clock, ticket_number: int, *, gmail: Any,
                answer_links: Any = None) -> AckResult:
    """Send the ticket's acknowledgement if it should have one and has not had it. `answer_links`
    (app.kb.links.AnswerLinks) signs an automatic answer's links; None: from PUBLIC_URL and SECRET_KEY."""
    with transaction(session_factory) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == ticket_number))
        if ticket is None:
            return AckResult(False, f"no ticket #{ticket_number}")
        existing = session.scalar(select(OutboxMail).where(OutboxMail.idempotency_key == ack_key(ticket)))
        if existing is not None and existing.state != "pending":
            return AckResult(False, f"already acknowledged ({existing.state})", existing.id)
        if existing is None:
            refusal = why_not(session, clock, ticket)
            if refusal:
                return AckResult(False, refusal)
            answer = _automatic_answer(session, clock, ticket, answer_links)
            existing = prepare(session, clock, ticket, _draft(session, ticket, answer))
        outbox_id = existing.id
    deliver(session_factory, clock, outbox_id, gmail=gmail)
    return AckResult(True, "sent", outbox_id)


def ack_key(ticket: Ticket) -> str:
    return f"ack:{ticket.id}"


def why_not(session: Session, clock: Clock, ticket: Ticket) -> str | None:
    """The reason this ticket gets no acknowledgement, or None when it should get one."""
    if ticket.mailbox is None:
        return "the ticket did not come by mail"
    first = session.scalar(select(Message).where(Message.ticket_id == ticket.id, Message.direction == Direction.IN)
                           .order_by(Message.id).limit(1))
    if first is None or not first.from_address or "@" not in first.from_address:
        return "no customer mail to answer"
    if first.automatic:
        return "automatic mail gets no acknowledgement"
    sender = first.from_address.strip().lower()
    own = set(session.scalars(select(func.lower(Mailbox.address))))
    if sender in own:
        return "mail from our own address gets no acknowledgement"
    if sender.partition("@")[0] in _MACHINE_LOCAL_PARTS:
        return "mail from a machine address gets no acknowledgement"
    limit = int(_setting(session, RATE_SETTING, DEFAULT_PER_SENDER_PER_HOUR))
    recent = session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.kind == "ack", OutboxMail.to_address == sender,
        OutboxMail.created_at >= clock.now() - timedelta(hours=1))) or 0
    if recent >= limit:
        return f"{sender} already got {recent} acknowledgements in the last hour (limit {limit})"
    return None


def _automatic_answer(session: Session, clock: Clock, ticket: Ticket, links: Any) -> Any:
    from app.kb.auto import choose, links_from_env
    from app.workflow import Workflow

    if not ticket.line.auto_answer:
        return None
    try:
        with session.begin_nested():  # a failing search must not cost the customer the acknowledgement itself
            answer = choose(session, ticket, links if links is not None else links_from_env(clock))
    except Exception:
        log.exception("automatic answer for #%s not chosen; the acknowledgement goes without it", ticket.number)
        return None
    if answer is not None:
        Workflow(session, clock, via="sync").offer_automatic_answer(ticket, answer.article_id, answer.title,
                                                                    answer.confidence)
    return answer


def _draft(session: Session, ticket: Ticket, answer: Any = None) -> Draft:
    first = session.scalar(select(Message).where(Message.ticket_id == ticket.id, Message.direction == Direction.IN)
                           .order_by(Message.id).limit(1))
    assert first is not None and first.from_address
    targets = _setting(session, "first_response", None) or {}
    seconds = targets.get(ticket.channel.value) if isinstance(targets, dict) else None
    context = {
        "number": ticket.number, "subject": ticket.subject, "helpdesk": _setting(session, "name", None) or "Support",
        "customer_name": ticket.customer.name if ticket.customer and ticket.customer.name else "",
        "response_time": within(int(seconds)) if seconds else "",
        "answer": answer,
    }
    text = _environment(False).get_template("ack.txt").render(context)
    html = _environment(True).get_template("ack.html").render(context)
    return Draft("ack", ack_key(ticket), first.from_address.strip().lower(), reply_subject(session, ticket),
                 text, html, None)


def within(seconds: int) -> str:
    """A response target for people: 3600 → "within 1 hour", 5400 → "within 1 hour 30 minutes"."""
    units = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
    parts: list[str] = []
    rest = max(int(seconds), 1)
    for name, size in units:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
        if len(parts) == 2:
            break
    return "within " + " ".join(parts)


def _setting(session: Session, key: str, default: Any) -> Any:
    row = session.get(HelpdeskSetting, key)
    return default if row is None or row.value is None else row.value


@functools.lru_cache(maxsize=2)
def _environment(autoescape: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=autoescape,
                       undefined=StrictUndefined, keep_trailing_newline=True)
