"""Conversations on channels other than email, and each of their messages' way into Gmail and out to the customer.

A `ChannelConversation` is one customer's dialogue on one adapter ("telegram" chat 4711, one website form
submission, one site chat, one webhook integration's sender). It points at the ticket it currently feeds (a
follow-up ticket takes it over, as a Gmail thread is taken over) and at the Gmail thread it is mirrored into.

A `ChannelMessage` is the channel's side of one stored `Message`: whether it is in the Gmail mirror yet
(`gmail_message_id`) and, for an answer, whether the adapter has delivered it to the customer (`state`:
pending → sent | failed). Unique on the message, so a reply is delivered at most once however often a delivery
run or a retried request meets it (app/channels/service.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.directory import Mailbox
from app.models.tickets import Message, Ticket
from app.models.types import UTCDateTime


class ChannelConversation(Base):
    __tablename__ = "channel_conversations"
    __table_args__ = (UniqueConstraint("adapter", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adapter: Mapped[str] = mapped_column(String(40))  # telegram, form, chat, webhook:facebook, phone
    external_id: Mapped[str] = mapped_column(String(200))  # the adapter's id of the dialogue (a Telegram chat id)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    gmail_thread_id: Mapped[str | None] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    reply_email: Mapped[str | None] = mapped_column(String(320))  # answers go by mail (a form with an address)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # adapter's own facts (chat username, …)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ticket: Mapped[Ticket] = relationship()
    mailbox: Mapped[Mailbox] = relationship()


class ChannelMessage(Base):
    __tablename__ = "channel_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("channel_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    gmail_message_id: Mapped[str | None] = mapped_column(String(128))  # in the Gmail mirror
    mirror_attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="received")  # received (inbound), pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    external_id: Mapped[str | None] = mapped_column(String(200))  # the adapter's id of the delivered answer
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[Message] = relationship()
    conversation: Mapped[ChannelConversation] = relationship()
