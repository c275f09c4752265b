"""Mail to our own people (digests, alert notifications), sent exactly once through the outbox.

Protocol for one mail, identified by its key (`digest:<manager>:<period>:<start>`, `notify:<event id>`):

1. **lease** (transaction 1): the `Mailing` row for the key is created if missing (`ON CONFLICT DO NOTHING`),
   then taken with one conditional UPDATE — `state = 'pending' AND (lease_until IS NULL OR lease_until < now)`
   — which one process wins; the others answer "busy" (or "already sent"). While the lease holds, nobody
   else touches the mail. The outbox row is prepared in the same transaction, under the same key, the first
   time only: the mail's words and chart are fixed then, and a retry sends exactly those.
2. **deliver**: `gmail_sync.outbound.deliver` — claims the outbox row, finds it in SENT if an earlier attempt
   got there, sends otherwise. No session is open across the call.
3. **record** (transaction 2): sent → the mailing is `sent`; a retryable failure leaves it `pending` with the
   error and the lease released, so the next run tries again; a permanent failure marks it `failed`.

A process that dies mid-way leaves a lease that runs out after `LEASE`; the next run resumes, and the outbox's
SENT lookup keeps a mail that did reach Gmail from going twice.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.domain.errors import RuleViolation
from app.models import Mailbox, Mailing, OutboxMail
from gmail_sync.outbound import SendFailed, deliver, new_message_id

LEASE = timedelta(minutes=5)
log = logging.getLogger(__name__)

Mailer = Callable[[str], Any]  # mailbox address -> a Gmail API service, or an SmtpTransport (SMTP_URL)


@dataclass(frozen=True)
class Image:
    cid: str
    data: bytes
    type: str = "image/png"


@dataclass(frozen=True)
class Letter:
    """One mail to one of our people, from a support mailbox, in its own new thread."""

    key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str | None = None
    images: tuple[Image, ...] = field(default_factory=tuple)
    ticket_id: int | None = None
    mailbox_id: int | None = None  # None: the first support mailbox


def send_once(sessions: sessionmaker[Session], clock: Clock, key: str, compose: Callable[[Session], Letter], *,
              mailer: Mailer, owner: str, kind: str = "digest", to_address: str = "",
              event_id: int | None = None) -> str:
    """Send the mail `key` unless it was sent; `compose` builds it, once. Returns what happened, in words."""
    with transaction(sessions) as session:
        ensure(session, clock, key, kind=kind, to_address=to_address, event_id=event_id)
        if not _lease(session, clock, key, owner):
            state = session.scalar(select(Mailing.state).where(Mailing.key == key))
            return "already sent" if state == "sent" else f"not sent: {state}" if state == "failed" else "busy"
        mailing = session.scalar(select(Mailing).where(Mailing.key == key))
        assert mailing is not None
        if mailing.outbox_id is None:
            mailing.outbox_id = prepare(session, clock, compose(session)).id
        outbox_id, address = mailing.outbox_id, session.get(OutboxMail, mailing.outbox_id).mailbox.address
    try:
        deliver(sessions, clock, outbox_id, gmail=mailer(address))
    except SendFailed as exc:
        _record(sessions, clock, key, error=str(exc), final=not exc.retryable)
        return f"{'failed' if not exc.retryable else 'will retry'}: {exc}"
    except Exception as exc:
        log.exception("mail %s could not be delivered", key)
        _record(sessions, clock, key, error=f"{type(exc).__name__}: {exc}", final=False)
        return f"will retry: {type(exc).__name__}: {exc}"
    _record(sessions, clock, key)
    return "sent"


def ensure(session: Session, clock: Clock, key: str, *, kind: str, to_address: str,
           event_id: int | None = None) -> None:
    """The mailing row for `key`, created pending if missing (two processes may race: neither fails)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Mailing).values(
        key=key, kind=kind, event_id=event_id, to_address=to_address[:320], state="pending", attempts=0,
        created_at=clock.now()).on_conflict_do_nothing())


def _lease(session: Session, clock: Clock, key: str, owner: str) -> bool:
    now = clock.now()
    won = session.execute(
        update(Mailing).where(Mailing.key == key, Mailing.state == "pending",
                              or_(Mailing.lease_until.is_(None), Mailing.lease_until < now))
        .values(lease_owner=owner[:100], lease_until=now + LEASE, attempts=Mailing.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return won == 1


def _record(sessions: sessionmaker[Session], clock: Clock, key: str, *, error: str | None = None,
            final: bool = False) -> None:
    with transaction(sessions) as session:
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "last_error": error and error[:2000]}
        if error is None:
            values.update(state="sent", sent_at=clock.now())
        elif final:
            values["state"] = "failed"
        session.execute(update(Mailing).where(Mailing.key == key).values(**values)
                        .execution_options(synchronize_session=False))


def prepare(session: Session, clock: Clock, letter: Letter) -> OutboxMail:
    """The outbox row of `letter` (the existing one if the key was used before)."""
    existing = session.scalar(select(OutboxMail).where(OutboxMail.idempotency_key == letter.key))
    if existing is not None:
        return existing
    mailbox = (session.get(Mailbox, letter.mailbox_id) if letter.mailbox_id is not None
               else support_mailbox(session))
    if mailbox is None:
        raise RuleViolation("there is no support mailbox to send from")
    row = OutboxMail(
        idempotency_key=letter.key, kind=letter.kind, mailbox_id=mailbox.id, ticket_id=letter.ticket_id,
        to_address=letter.to_address, subject=letter.subject[:998], body_text=letter.body_text,
        body_html=letter.body_html, rfc822_message_id=new_message_id(mailbox.address), state="pending",
        attempts=0, created_at=clock.now(),
        inline_images=[{"cid": image.cid, "type": image.type, "data": base64.b64encode(image.data).decode("ascii")}
                       for image in letter.images] or None)
    session.add(row)
    session.flush()
    return row


def support_mailbox(session: Session) -> Mailbox | None:
    """The mailbox our own mail goes out from: the first one set up."""
    return session.scalar(select(Mailbox).order_by(Mailbox.id).limit(1))


def gmail_mailer(sessions: sessionmaker[Session]) -> Mailer | None:
    """How our own mail goes out: by SMTP when `SMTP_URL` is set (gmail_sync/smtp.py), else Gmail clients for the
    configured endpoint and stored credentials; None when there is nothing to send from: no mailbox, or
    Google's endpoint and no credentials stored for the support mailbox."""
    import os

    from app.config import Settings
    from app.models import MailboxCredentials
    from gmail_sync.smtp import SmtpTransport
    from gmail_sync.wiring import connector

    settings = Settings.from_env()
    with sessions() as session:
        mailbox = support_mailbox(session)
        if mailbox is None:
            return None
    if os.environ.get("SMTP_URL"):
        smtp = SmtpTransport.from_url(os.environ["SMTP_URL"])  # a bad URL stops the start, saying why
        return lambda _address: smtp
    with sessions() as session:
        mailbox = support_mailbox(session)
        assert mailbox is not None
        if not settings.gmail_api_endpoint and session.get(MailboxCredentials, mailbox.id) is None:
            return None
    connect = connector(sessions, settings.gmail_api_endpoint, settings.gmail_quota_units_per_s)
    return lambda address: connect(address).service
