"""What the agent surfaces keep besides tickets: canned responses per line, and who is looking at a ticket.

`CannedResponse`: a reply kept per line, with placeholders ({customer_name}, {ticket_number}, {agent_name}),
managed on the web by the line's head or a manager. `TicketPresence`: an agent had the ticket open (and was
writing a reply) at `seen_at`; the panels show others' recent presence as a collision notice. Presence is not
ticket state: it is written by the panels directly, never through the workflow, and old rows mean nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.directory import Agent, Line
from app.models.types import UTCDateTime


class CannedResponse(Base):
    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("line_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))

    line: Mapped[Line] = relationship()
    updated_by: Mapped[Agent | None] = relationship()


class TicketPresence(Base):
    __tablename__ = "ticket_presence"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replying: Mapped[bool] = mapped_column(Boolean, default=False)

    agent: Mapped[Agent] = relationship()
