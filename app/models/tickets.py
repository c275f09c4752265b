"""Tickets and what hangs off them: Gmail threads, watchers, messages, notes, the audit trail, feedback.

TicketEvent and Feedback are insert-only; the migration adds triggers so the database itself refuses an
UPDATE or DELETE of them, whatever code (or person with a SQL prompt) tries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.directory import Agent, Category, Customer, Line, Mailbox
from app.models.enums import Channel, Direction, Priority, Rating, Status
from app.models.types import UTCDateTime, enum_column

ticket_watchers = Table(
    "ticket_watchers",
    Base.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_line_status", "line_id", "status"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_customer_status", "customer_id", "status"),
        Index("ix_tickets_labels_due", "mailbox_id", "labels_synced_at", "updated_at"),
        # The report periods (app.reports): tickets created, and solved, in [start, end).
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_done_at", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    status: Mapped[Status] = mapped_column(enum_column(Status, "status"), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "priority"), default=Priority.NORMAL)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    problem: Mapped[str | None] = mapped_column(Text)  # the problem in the customer's words
    resolution: Mapped[str | None] = mapped_column(Text)  # what was done

    flag_ignored: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_development: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_phantom: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_overdue: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the ticket last entered its current line: the clock the claim and start rules run from.
    line_entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When its Gmail labels were last made to match its state; behind updated_at means a label push is due.
    labels_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The Linedesk label names that push wrote (labels.gmail_labels): how a label change read back from Gmail's
    # history is told apart from the echo of our own push (labels.changes).
    labels_pushed: Mapped[list[str] | None] = mapped_column(JSON)

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)

    mailbox: Mapped[Mailbox | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    line: Mapped[Line] = relationship()
    category: Mapped[Category | None] = relationship()
    assignee: Mapped[Agent | None] = relationship()
    watchers: Mapped[list[Agent]] = relationship(secondary=ticket_watchers, order_by=Agent.id)
    parent: Mapped["Ticket | None"] = relationship(remote_side=[id], foreign_keys=[parent_id], back_populates="children")
    children: Mapped[list["Ticket"]] = relationship(foreign_keys=[parent_id], back_populates="parent", order_by="Ticket.id")
    follow_up_of: Mapped["Ticket | None"] = relationship(remote_side=[id], foreign_keys=[follow_up_of_id])
    threads: Mapped[list["TicketThread"]] = relationship(back_populates="ticket", order_by="TicketThread.id")

    @property
    def is_active(self) -> bool:
        from app.models.enums import ACTIVE_STATUSES

        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket #{self.number} {self.status.value}>"


class TicketThread(Base):
    """A provider conversation (a Gmail thread) that belongs to a ticket. One thread is one ticket."""

    __tablename__ = "ticket_threads"
    __table_args__ = (UniqueConstraint("mailbox_id", "provider_thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    provider_thread_id: Mapped[str] = mapped_column(String(128))

    ticket: Mapped[Ticket] = relationship(back_populates="threads")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("mailbox_id", "provider_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "direction"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    author_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    from_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised before it is stored
    # The customer's new words, quoted history and signature removed, for display; body_text keeps it all.
    visible_text: Mapped[str | None] = mapped_column(Text)
    parse_problems: Mapped[list[str] | None] = mapped_column(JSON)  # what was wrong with the mail, and how it was read
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    provider_thread_id: Mapped[str | None] = mapped_column(String(128))
    rfc822_message_id: Mapped[str | None] = mapped_column(String(998))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)  # auto-reply, bounce, bulk
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()
    author_agent: Mapped[Agent | None] = relationship()


class Note(Base):
    """An internal note: agents only, never shown to the customer."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[Agent | None] = relationship()


class TicketEvent(Base):
    """The append-only audit trail: who did what to a ticket, when, from what to what, and why."""

    __tablename__ = "ticket_events"
    # The notify job's scan: recent alert and warning events (scheduler.notify).
    __table_args__ = (Index("ix_ticket_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    actor_label: Mapped[str] = mapped_column(String(100))  # the agent's email, "system", "customer", …
    kind: Mapped[str] = mapped_column(String(50), index=True)
    from_value: Mapped[str | None] = mapped_column(String(300))
    to_value: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(50))  # api, web, addon, gmail label, scheduler, sync, cli
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Agent | None] = relationship()


class Feedback(Base):
    """The customer's rating: one per ticket, written once, never changed (triggers enforce it)."""

    __tablename__ = "feedback"
    # The ratings given in a report period (app.reports.figures).
    __table_args__ = (Index("ix_feedback_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "rating"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
