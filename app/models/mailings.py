"""Mail Linedesk sends to its own people on a schedule: managers' digests and alert notifications.

A `Mailing` is the exactly-once record for one such mail, keyed like its outbox row (`digest:<manager>:<period>:
<start>`, `notify:<event id>`). It exists to be *leased*: a process takes a mailing with one conditional UPDATE
(`state = 'pending' AND (lease_until IS NULL OR lease_until < now)`) before it prepares and delivers the outbox
row, so two scheduler processes never push the same mail through the outbox at once; a crashed holder's lease
runs out and another process finishes the job (the outbox then finds the mail in SENT if it got there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UTCDateTime


class Mailing(Base):
    __tablename__ = "mailings"
    __table_args__ = (Index("ix_mailings_state_lease_until", "state", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # digest, notify
    # The alert or warning event a notification delivers: unique, so the "undelivered events" anti-join is
    # an index probe per event.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
