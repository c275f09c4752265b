"""Who and where: mailboxes, support lines, agents, customers, categories, API tokens, helpdesk settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.enums import AssignStrategy, LineKind, Role
from app.models.types import UTCDateTime, enum_column

line_members = Table(
    "line_members",
    Base.metadata,
    Column("line_id", ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # always lower case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.AGENT)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Managers' digest mails: "daily", "weekly", "daily,weekly" or "" (none), sent at `digest_at` local time.
    digest: Mapped[str] = mapped_column(String(20), default="", server_default="")
    digest_at: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")

    lines: Mapped[list["Line"]] = relationship(secondary=line_members, back_populates="members")

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<Agent {self.email}>"


class Line(Base):
    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, "line_kind"), default=LineKind.SUPPORT)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    claim_within_s: Mapped[int] = mapped_column(Integer, default=40)
    start_within_s: Mapped[int] = mapped_column(Integer, default=900)
    assign_strategy: Mapped[AssignStrategy] = mapped_column(
        enum_column(AssignStrategy, "assign_strategy"), default=AssignStrategy.RANDOM
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Business hours: {"timezone", "hours": {"mon": ["09:00", "18:00"], …}, "holidays": ["2027-01-01", …]};
    # None means around the clock.
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Automatic answers (app.kb.auto): a new ticket whose best article scores at least the threshold gets it in
    # its acknowledgement, with a signed "this solved it" link. Off unless the setup file turns it on.
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    auto_answer_threshold: Mapped[float] = mapped_column(Float, default=0.75, server_default="0.75")

    head: Mapped[Agent | None] = relationship(foreign_keys=[head_id])
    members: Mapped[list[Agent]] = relationship(secondary=line_members, back_populates="lines")

    def has_member(self, agent: Agent) -> bool:
        return any(member.id == agent.id for member in self.members)

    def __repr__(self) -> str:
        return f"<Line {self.slug}>"


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    default_line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    # "One active ticket per customer": a new message from a customer with an open ticket joins it.
    join_active_ticket: Mapped[bool] = mapped_column(Boolean, default=True)

    default_line: Mapped[Line | None] = relationship()


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    contract: Mapped[str | None] = mapped_column(String(100), unique=True)
    company: Mapped[str | None] = mapped_column(String(300))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_manager_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    personal_manager: Mapped[Agent | None] = relationship()
    emails: Mapped[list["CustomerEmail"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerEmail.id"
    )
    phones: Mapped[list["CustomerPhone"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.id"
    )


class CustomerEmail(Base):
    __tablename__ = "customer_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower case; the unique index is the lookup

    customer: Mapped[Customer] = relationship(back_populates="emails")


class CustomerPhone(Base):
    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)  # E.164

    customer: Mapped[Customer] = relationship(back_populates="phones")


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    """A bearer token for the REST API. Only its SHA-256 is stored: a leaked database leaks no tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agent: Mapped[Agent] = relationship()


class HelpdeskSetting(Base):
    """Helpdesk-wide settings from the setup file (name, label prefix, time zone, response targets)."""

    __tablename__ = "helpdesk_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Counter(Base):
    """Named counters allocated under a row lock: ticket numbers people say aloud (#1042)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
