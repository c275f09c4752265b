"""Due times of the response-time rules, kept as rows so an idle sweep is one indexed query.

The workflow replans a ticket's timers in the same transaction as every change to it (a claim cancels the
claim timer, a transfer starts a new one in the new line); the scheduler fires a due timer by flipping its
state from pending to fired with a conditional UPDATE, which exactly one process can win, in the same
transaction as the action the rule takes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UTCDateTime


class TicketTimer(Base):
    __tablename__ = "ticket_timers"
    __table_args__ = (
        UniqueConstraint("ticket_id", "rule", "basis"),
        Index("ix_ticket_timers_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))  # claim, start, first_response, resolution, auto_complete, …
    # What the due time was computed from (e.g. the moment the ticket entered its line): a new basis is a new
    # timer, so a ticket transferred twice gets a claim timer per line visit and each fires at most once.
    basis: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending, fired, cancelled, or failed (the action raised; the error is in `outcome`, the queue goes on)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fired_by: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(500))
