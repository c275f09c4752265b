"""Mail plumbing state: each mailbox's sync cursor, and the outbox of mail Linedesk sends.

The sync cursor (MailboxSync.history_id) is written in the same transaction as the messages it covers, so a
crash at any moment resumes without losing or repeating a message. Every outgoing mail is first written to the
outbox with an idempotency key, then sent; a retry after a failure finds the row and never sends twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.directory import Mailbox
from app.models.types import UTCDateTime


class MailboxSync(Base):
    """Where a mailbox's sync stands. `state`: backfill → incremental, and resync after a stale cursor."""

    __tablename__ = "mailbox_sync"

    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="backfill")
    history_id: Mapped[str | None] = mapped_column(String(32))
    backfill_page_token: Mapped[str | None] = mapped_column(String(200))
    backfill_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    messages_synced: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # A lease, so that one process at a time syncs a mailbox (several sync workers share the mailboxes out).
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    watch_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    mailbox: Mapped[Mailbox] = relationship()


class OutboxMail(Base):
    """A mail Linedesk sends (reply, acknowledgement, feedback request, digest), recorded before it is sent."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)  # reply, ack, feedback, digest
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Images the HTML shows by cid (a digest's chart): [{"cid", "type": "image/png", "data": base64}].
    inline_images: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    provider_thread_id: Mapped[str | None] = mapped_column(String(128))
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str | None] = mapped_column(Text)
    rfc822_message_id: Mapped[str] = mapped_column(String(998))  # ours, set before sending: finds a lost send
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A send under way: another delivery of this row waits until then (gmail_sync/outbound.py, step 2).
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    mailbox: Mapped[Mailbox] = relationship()


class MailboxCredentials(Base):
    """How Linedesk reaches a mailbox: a service account with delegation, an OAuth refresh token, or none
    (the local Gmail). Secrets are stored encrypted with a key from the environment, or only referenced
    (`env:NAME`), never in plain text."""

    __tablename__ = "mailbox_credentials"

    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # service_account, oauth, none
    secret: Mapped[str | None] = mapped_column(Text)  # encrypted blob, or env:NAME
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
