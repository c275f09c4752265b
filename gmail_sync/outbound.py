"""Mail out, exactly once: agents' replies in the customer's own Gmail thread, and the outbox protocol every
outgoing mail (replies, acknowledgements) goes through.

Why this module exists: a send is a network call that can fail after Gmail has taken the mail but before we
hear so, and a crash can fall between the send and our record of it. Retrying blindly sends the customer the
same answer twice; not retrying loses it. The protocol:

1. **prepare** (transaction 1, committed): an `OutboxMail` row, state `pending`, under an idempotency key (the
   caller's, or derived from ticket, agent, text and the last message on the ticket), with the whole mail —
   recipients, subject, In-Reply-To/References, and *our own* Message-ID generated now. The same key again
   finds the same row: it is never prepared twice.
2. **claim** (transaction 2, committed): one conditional UPDATE makes `attempts += 1` *before* the call and
   takes a send lease (`sending_until`, 5 minutes); a row someone else is sending right now is refused
   (`SendInProgress`, 409), so two requests with one idempotency key, or two workers, never both send. A pending
   row with attempts > 0 may already be in Gmail, so first look for our Message-ID in SENT
   (`rfc822msgid:<id> in:sent`); found → skip the send and only record it. The lease is released when the
   attempt ends, however it ends; a process that dies mid-send leaves it to expire.
3. **send**: users.messages.send(threadId, raw). No session is open across the call. A failure is a
   `SendFailed` (retryable: network, 429, 5xx — the row stays pending with `last_error`; permanent 4xx — the
   row becomes `failed`).
4. **record** (transaction 3): the row becomes `sent` with Gmail's ids and, for a reply, the outbound Message
   is stored by `Workflow.record_outbound` (which itself skips a provider id already stored, e.g. by the sync).

Threading (GMAIL_FACTS "Sending a reply"): threadId of the ticket's most recent thread, In-Reply-To the last
customer message's Message-ID, References the thread's Message-IDs oldest first, Subject "Re: <subject>".
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.directory import agent_by_email
from app.domain.errors import DomainError, RuleViolation
from app.models import Agent, Direction, Mailbox, Message, OutboxMail, Ticket
from app.workflow import Workflow
from gmail_sync.smtp import SmtpTransport
from gmail_sync.smtp import retryable as smtp_retryable

MAX_REFERENCES = 20
_RE = re.compile(r"^\s*re\s*:", re.IGNORECASE)
_RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
SEND_LEASE = timedelta(minutes=5)  # covers looking in SENT (with its retries) and the send itself


class SendFailed(DomainError):
    """Gmail did not take the mail. `retryable`: the outbox row is still pending and a retry may succeed."""

    status = 502
    title = "Gmail did not take the mail"

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message, retryable=retryable)
        self.retryable = retryable


@dataclass(frozen=True)
class Draft:
    """One mail to prepare: everything the outbox row holds except the threading, which comes from the ticket."""

    kind: str
    key: str
    to_address: str
    subject: str
    body_text: str
    body_html: str | None = None
    author_agent_id: int | None = None


Recorder = Callable[[Session, Clock, OutboxMail], Message | None]


# --- replies --------------------------------------------------------------------------------------------------


def reply(session_factory: sessionmaker[Session], clock: Clock, ticket_number: int, text: str, agent_email: str,
          *, gmail: Any, idempotency_key: str | None = None, via: str = "api") -> Message:
    """Send an agent's answer into the ticket's Gmail thread, once; returns the stored outbound Message."""
    if not text.strip():
        raise RuleViolation("a reply needs some text")
    from app.channels.service import answers_by_channel, reply as channel_reply

    with transaction(session_factory) as session:
        by_channel = answers_by_channel(session, ticket_number)
    if by_channel:  # a Telegram (or other non-mail) conversation: out through its own channel, not by mail
        return channel_reply(session_factory, clock, ticket_number, text, agent_email, gmail=gmail, via=via)
    with transaction(session_factory) as session:
        wf = Workflow(session, clock, via=via)
        ticket = wf.ticket(ticket_number)
        agent = agent_by_email(session, agent_email)
        wf.require_work(agent, ticket)
        key = idempotency_key or _derived_key(session, ticket, agent.id, text)
        draft = Draft("reply", key, _customer_address(session, ticket), reply_subject(session, ticket), text,
                      text_to_html(text), agent.id)
        outbox_id = prepare(session, clock, ticket, draft).id
    message = deliver(session_factory, clock, outbox_id, gmail=gmail, record=_recorder(via))
    assert message is not None  # a reply always records a Message
    return message


def _recorder(via: str) -> Recorder:
    def record(session: Session, clock: Clock, row: OutboxMail) -> Message:
        wf = Workflow(session, clock, via=via)
        ticket = session.get(Ticket, row.ticket_id)
        agent = session.get(Agent, row.author_agent_id) if row.author_agent_id is not None else None
        assert ticket is not None
        return wf.record_outbound(
            ticket, agent, body_text=row.body_text, body_html=row.body_html, sent_at=row.sent_at,
            mailbox=row.mailbox, provider_message_id=row.provider_message_id,
            provider_thread_id=row.provider_thread_id, rfc822_message_id=row.rfc822_message_id,
            subject=row.subject, from_address=row.mailbox.address)

    return record


def _derived_key(session: Session, ticket: Ticket, agent_id: int, text: str) -> str:
    """The same text by the same agent on the same state of the ticket is one reply, however often it is sent."""
    last = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id)
                          .order_by(Message.id.desc()).limit(1))
    digest = hashlib.sha256(f"{agent_id}\n{text}".encode()).hexdigest()[:32]
    return f"reply:{ticket.id}:{last or 0}:{digest}"


# --- prepare: transaction 1 -----------------------------------------------------------------------------------


def reply_through_mailbox(session: Session, sessions: sessionmaker[Session], clock: Clock, endpoint: str | None,
                          mailbox: Mailbox, number: int, text: str, agent_email: str, *, via: str,
                          idempotency_key: str | None = None) -> Message:
    """`reply` for a surface holding a request's session: reach the ticket's mailbox, end the session's
    transaction (SQLite would otherwise hold its write lock across the send), then send once."""
    from gmail_sync.credentials import CredentialsError, gmail_for_mailbox

    try:
        gmail = gmail_for_mailbox(session, mailbox, endpoint)
    except CredentialsError as exc:
        raise SendFailed(str(exc), retryable=False) from None
    session.rollback()  # no transaction held across the Gmail call (it expires every row)
    return reply(sessions, clock, number, text, agent_email, gmail=gmail, idempotency_key=idempotency_key, via=via)


def prepare(session: Session, clock: Clock, ticket: Ticket, draft: Draft) -> OutboxMail:
    """The pending outbox row for `draft` (the existing one if the key was used before)."""
    existing = session.scalar(select(OutboxMail).where(OutboxMail.idempotency_key == draft.key))
    if existing is not None:
        return existing
    mailbox = ticket.mailbox
    if mailbox is None:
        raise RuleViolation(f"#{ticket.number} has no mailbox to send from")
    thread_id, in_reply_to, references = threading_headers(session, ticket)
    row = OutboxMail(
        idempotency_key=draft.key, kind=draft.kind, mailbox_id=mailbox.id, ticket_id=ticket.id,
        author_agent_id=draft.author_agent_id, to_address=draft.to_address, subject=draft.subject[:998],
        body_text=draft.body_text, body_html=draft.body_html, provider_thread_id=thread_id,
        in_reply_to=in_reply_to, references=" ".join(references) or None,
        rfc822_message_id=new_message_id(mailbox.address), state="pending", attempts=0, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def new_message_id(address: str) -> str:
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@linedesk.{domain}>"


def threading_headers(session: Session, ticket: Ticket) -> tuple[str | None, str | None, list[str]]:
    """(threadId, In-Reply-To, References) for a mail into the ticket's most recent Gmail thread."""
    thread_id = ticket.threads[-1].provider_thread_id if ticket.threads else None
    query = select(Message).where(Message.ticket_id == ticket.id)
    if thread_id is not None:
        query = query.where(Message.provider_thread_id == thread_id)
    messages = list(session.scalars(query.order_by(Message.sent_at, Message.id)))
    ids = [m.rfc822_message_id for m in messages if m.rfc822_message_id]
    customer = [m for m in messages if m.direction is Direction.IN and m.rfc822_message_id]
    in_reply_to = customer[-1].rfc822_message_id if customer else (ids[-1] if ids else None)
    if in_reply_to is not None:
        ids = ids[: ids.index(in_reply_to) + 1]
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_REFERENCES:  # keep the root and the newest, as RFC 5322 suggests
        unique = [unique[0], *unique[-(MAX_REFERENCES - 1):]]
    return thread_id, in_reply_to, unique


def reply_subject(session: Session, ticket: Ticket) -> str:
    last_in = session.scalar(select(Message.subject).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.IN).order_by(Message.id.desc()).limit(1))
    subject = (last_in or ticket.subject or "").strip()
    return subject if _RE.match(subject) else f"Re: {subject}"


def _customer_address(session: Session, ticket: Ticket) -> str:
    last_from = session.scalar(select(Message.from_address).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.IN, Message.from_address.contains("@"))
        .order_by(Message.id.desc()).limit(1))
    if last_from:
        return last_from
    if ticket.customer is not None and ticket.customer.emails:
        return ticket.customer.emails[0].email
    raise RuleViolation(f"#{ticket.number} has no customer email address to answer")


def text_to_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


# --- deliver: transactions 2 and 3 around the send -------------------------------------------------------------


def deliver(session_factory: sessionmaker[Session], clock: Clock, outbox_id: int, *, gmail: Any,
            record: Recorder | None = None) -> Message | None:
    """Send a prepared outbox row unless it is already in Gmail, then record it. Safe to call again, and at the
    same time: a second delivery while one is under way is a `SendInProgress`, never a second mail."""
    with transaction(session_factory) as session:
        row = _load(session, outbox_id)
        if row.state == "sent":
            return record(session, clock, row) if record else None
        if row.state == "failed":
            raise SendFailed(f"this mail failed for good earlier: {row.last_error}", retryable=False)
        maybe_sent, raw = row.attempts > 0, build_mime(row, clock)
        rfc_id, address, thread_id = row.rfc822_message_id, row.mailbox.address, row.provider_thread_id
        _claim(session, clock, row)
    try:
        if isinstance(gmail, SmtpTransport):  # our own mail by SMTP: no SENT to look in (see gmail_sync/smtp.py)
            sent = _send_smtp(session_factory, outbox_id, gmail, raw)
        else:
            found = _find_sent(gmail, rfc_id) if maybe_sent else None
            sent = found or _send(session_factory, outbox_id, gmail, raw, thread_id, address)
        with transaction(session_factory) as session:
            row = _load(session, outbox_id)
            row.state, row.last_error, row.sent_at = "sent", None, row.sent_at or clock.now()
            row.provider_message_id = sent["id"]
            row.provider_thread_id = sent.get("threadId") or row.provider_thread_id
            row.sending_until = None
            session.flush()
            return record(session, clock, row) if record else None
    finally:
        _release(session_factory, outbox_id)


class SendInProgress(SendFailed):
    """Another delivery of the same mail is under way (two requests with one idempotency key, two workers)."""

    status = 409
    title = "This mail is being sent right now"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


def _claim(session: Session, clock: Clock, row: OutboxMail) -> None:
    """Step 2: one conditional UPDATE takes the attempt — and the send lease — or finds someone else holds it.
    The lease outlives any one send (Gmail calls time out after 60 s); a process that dies mid-send leaves it to
    expire, and the next delivery then looks in SENT first (attempts > 0)."""
    now = clock.now()
    taken = session.execute(
        update(OutboxMail).where(
            OutboxMail.id == row.id, OutboxMail.state == "pending", OutboxMail.attempts == row.attempts,
            or_(OutboxMail.sending_until.is_(None), OutboxMail.sending_until <= now))
        .values(attempts=OutboxMail.attempts + 1, sending_until=now + SEND_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise SendInProgress(f"this mail is being sent right now (outbox {row.id}); try again in a moment")


def _release(session_factory: sessionmaker[Session], outbox_id: int) -> None:
    """The send is over, whatever its outcome: the next delivery need not wait for the lease."""
    with transaction(session_factory) as session:
        session.execute(update(OutboxMail).where(OutboxMail.id == outbox_id).values(sending_until=None)
                        .execution_options(synchronize_session=False))


def _load(session: Session, outbox_id: int) -> OutboxMail:
    row = session.get(OutboxMail, outbox_id)
    if row is None:
        raise RuleViolation(f"no outbox mail {outbox_id}")
    return row


def build_mime(row: OutboxMail, clock: Clock) -> bytes:
    mail = EmailMessage()
    mail["From"] = row.mailbox.address
    mail["To"] = row.to_address
    mail["Subject"] = row.subject
    mail["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    mail["Message-ID"] = row.rfc822_message_id
    if row.in_reply_to:
        mail["In-Reply-To"] = row.in_reply_to
    if row.references:
        mail["References"] = row.references
    if row.kind != "reply":  # RFC 3834: machine-made mail says so, and asks for no auto-reply back
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        mail.add_alternative(row.body_html, subtype="html", charset="utf-8")
        html_part = mail.get_payload()[-1]
        for image in row.inline_images or ():  # multipart/related: the HTML shows them by cid
            maintype, _, subtype = image["type"].partition("/")
            html_part.add_related(base64.b64decode(image["data"]), maintype=maintype, subtype=subtype,
                                  cid=f"<{image['cid']}>", disposition="inline")
    return mail.as_bytes()


def _send(session_factory: sessionmaker[Session], outbox_id: int, gmail: Any, raw: bytes,
          thread_id: str | None, address: str) -> dict[str, Any]:
    body: dict[str, Any] = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
    if thread_id:
        body["threadId"] = thread_id
    try:
        return gmail.users().messages().send(userId="me", body=body).execute(num_retries=0)
    except Exception as exc:  # noqa: BLE001 - classified below; anything unknown is treated as retryable
        failure = _classify(exc, address)
    _record_failure(session_factory, outbox_id, failure)
    raise failure


def _send_smtp(session_factory: sessionmaker[Session], outbox_id: int, smtp: SmtpTransport,
               raw: bytes) -> dict[str, Any]:
    try:
        return smtp.send(raw)
    except Exception as exc:  # noqa: BLE001 - classified below
        failure = SendFailed(f"the SMTP server {smtp.host} did not take the mail: {type(exc).__name__}: {exc}",
                             retryable=smtp_retryable(exc))
    _record_failure(session_factory, outbox_id, failure)
    raise failure


def _record_failure(session_factory: sessionmaker[Session], outbox_id: int, failure: SendFailed) -> None:
    with transaction(session_factory) as session:
        row = _load(session, outbox_id)
        row.last_error = str(failure)[:2000]
        if not failure.retryable:
            row.state = "failed"


def _find_sent(gmail: Any, rfc822_message_id: str) -> dict[str, Any] | None:
    """Our Message-ID in SENT: a previous attempt did reach Gmail."""
    try:
        found = gmail.users().messages().list(userId="me", q=f"rfc822msgid:{rfc822_message_id} in:sent",
                                              maxResults=1).execute(num_retries=3)
    except Exception as exc:  # noqa: BLE001 - without the answer we must not send: that could send twice
        raise _classify(exc, "Gmail") from None
    messages = found.get("messages") or []
    return messages[0] if messages else None


def _classify(exc: Exception, address: str) -> SendFailed:
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        status = int(getattr(exc.resp, "status", 0) or 0)
        reason = exc.reason if hasattr(exc, "reason") else ""
        rate_limited = status == 403 and "rate" in str(reason).lower()
        retryable = status in _RETRYABLE_STATUS or rate_limited
        return SendFailed(f"Gmail answered {status} for {address}: {reason}", retryable=retryable)
    return SendFailed(f"could not reach Gmail for {address}: {type(exc).__name__}: {exc}", retryable=True)


def retry_pending(session_factory: sessionmaker[Session], clock: Clock, mailbox: Mailbox, *, gmail: Any,
                  via: str = "sync") -> int:
    """Deliver the mailbox's pending outbox mail (e.g. from the sync loop); returns how many went out."""
    with session_factory() as session:
        pending = list(session.scalars(select(OutboxMail.id).where(
            OutboxMail.mailbox_id == mailbox.id, OutboxMail.state == "pending").order_by(OutboxMail.id)))
        kinds = dict(session.execute(select(OutboxMail.id, OutboxMail.kind).where(OutboxMail.id.in_(pending))).all())
    sent = 0
    for outbox_id in pending:
        try:
            deliver(session_factory, clock, outbox_id, gmail=gmail,
                    record=_recorder(via) if kinds[outbox_id] == "reply" else None)
            sent += 1
        except SendFailed:
            continue
    return sent
