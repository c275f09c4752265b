"""The Gmail mirror: every message of a non-email conversation written into the support mailbox as one thread.

Why: agents work every conversation from Gmail and the sidebar. A Telegram dialogue therefore becomes a Gmail
thread (users.messages.insert, the customer's words with INBOX+UNREAD, our answers with SENT) and each later
message joins it through `threadId`. The thread is linked to the ticket like any mail thread, so the label
push labels it as the ticket, the add-on finds the ticket from it, and an agent who answers in it is recorded
by the sync (SENT mail in a ticket's thread) — then `service.pick_up_gmail_replies` delivers that answer
through the conversation's own channel.

How a message is mirrored, once:
1. (transaction) the ChannelMessage's `mirror_attempts += 1`, and the MIME is built with *our* Message-ID
   `<chm-<id>@linedesk.mirror>` and the header `X-Linedesk-Mirror` (the sync ignores such mail: the message
   is already on the ticket);
2. (no session) a retry first looks for that Message-ID (`rfc822msgid:`), then inserts;
3. (transaction) Gmail's ids are stored; the conversation's thread is linked to its ticket.

The customer's address in the mirror: their own when answers go by email (a form with an address: Reply in
Gmail mails them), otherwise a plus-address of the support mailbox itself (`support+telegram-12@…`), so an
agent's Reply in Gmail never mails a made-up address — it lands in our own mailbox, where the sync reads it.
"""

from __future__ import annotations

import base64
import html
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.channels.base import channel_settings
from app.clock import Clock
from app.db import transaction
from app.models import ChannelConversation, ChannelMessage, Direction, TicketThread

MIRROR_HEADER = "X-Linedesk-Mirror"
LABELS_IN = ["INBOX", "UNREAD"]
LABELS_OUT = ["SENT"]
SETTLE = timedelta(minutes=1)  # a message younger than this may be being mirrored by its own request right now


def customer_address(conversation: ChannelConversation) -> str:
    if conversation.reply_email:
        return conversation.reply_email
    local, _, domain = conversation.mailbox.address.partition("@")
    tag = "".join(ch if ch.isalnum() else "-" for ch in conversation.adapter)
    return f"{local}+{tag}-{conversation.id}@{domain}"


def mirror_id(channel_message_id: int) -> str:
    return f"<chm-{channel_message_id}@linedesk.mirror>"


def mirror(sessions: sessionmaker[Session], clock: Clock, channel_message_id: int, *, gmail: Any,
           label: str) -> str | None:
    """Put one conversation message into the mailbox's thread of its conversation; returns Gmail's id."""
    with transaction(sessions) as session:
        row = session.get(ChannelMessage, channel_message_id)
        if row is None or row.gmail_message_id:
            return row.gmail_message_id if row else None
        row.mirror_attempts += 1
        retry = row.mirror_attempts > 1
        raw = _mime(session, row, label)
        thread_id = row.conversation.gmail_thread_id
        labels = LABELS_IN if row.message.direction is Direction.IN else LABELS_OUT
    messages = gmail.users().messages()
    found = None
    if retry:
        listed = messages.list(userId="me", q=f"rfc822msgid:{mirror_id(channel_message_id)}", maxResults=1
                               ).execute(num_retries=3)
        found = (listed.get("messages") or [None])[0]
    if found is None:
        body: dict[str, Any] = {"raw": base64.urlsafe_b64encode(raw).decode("ascii"), "labelIds": labels}
        if thread_id:
            body["threadId"] = thread_id
        found = messages.insert(userId="me", body=body, internalDateSource="dateHeader").execute(num_retries=3)
    with transaction(sessions) as session:
        row = session.get(ChannelMessage, channel_message_id)
        assert row is not None
        row.gmail_message_id = found["id"]
        conversation = row.conversation
        conversation.gmail_thread_id = conversation.gmail_thread_id or found.get("threadId")
        message = row.message
        message.provider_thread_id = message.provider_thread_id or conversation.gmail_thread_id
        message.rfc822_message_id = message.rfc822_message_id or mirror_id(channel_message_id)
        _link(session, conversation)
    return found["id"]


def mirror_pending(sessions: sessionmaker[Session], clock: Clock, *, gmail_for: Any, settings: Any = None) -> int:
    """Mirror what is not in Gmail yet (a failed insert; the sync calls this after each round);
    `gmail_for(session, mailbox)` gives the mailbox's Gmail service, or None to leave it to another process."""
    from app.channels.base import adapter

    cs = channel_settings(settings)
    with transaction(sessions) as session:
        rows = [(r.id, r.conversation.adapter, gmail_for(session, r.conversation.mailbox)) for r in session.scalars(
            select(ChannelMessage).where(ChannelMessage.gmail_message_id.is_(None),
                                         ChannelMessage.created_at < clock.now() - SETTLE).order_by(ChannelMessage.id))]
    done = 0
    for row_id, name, gmail in rows:
        if gmail is None:  # another mailbox's sync mirrors it
            continue
        mirror(sessions, clock, row_id, gmail=gmail, label=adapter(name, cs).label)
        done += 1
    return done


def _link(session: Session, conversation: ChannelConversation) -> None:
    if not conversation.gmail_thread_id:
        return
    link = session.scalar(select(TicketThread).where(TicketThread.mailbox_id == conversation.mailbox_id,
                                                     TicketThread.provider_thread_id == conversation.gmail_thread_id))
    if link is None:
        session.add(TicketThread(ticket_id=conversation.ticket_id, mailbox_id=conversation.mailbox_id,
                                 provider_thread_id=conversation.gmail_thread_id))
    elif link.ticket_id != conversation.ticket_id:
        link.ticket_id = conversation.ticket_id
    session.flush()


def _mime(session: Session, row: ChannelMessage, label: str) -> bytes:
    conversation, message = row.conversation, row.message
    support = conversation.mailbox.address
    customer = formataddr((_one_line(f"{conversation.display_name or 'Customer'} via {label}"),
                           customer_address(conversation)))
    earlier = list(session.scalars(select(ChannelMessage.id).where(
        ChannelMessage.conversation_id == conversation.id, ChannelMessage.id < row.id,
        ChannelMessage.gmail_message_id.is_not(None)).order_by(ChannelMessage.id)))
    mail = EmailMessage()
    if message.direction is Direction.IN:
        mail["From"], mail["To"] = customer, support
    else:
        agent = message.author_agent.name if message.author_agent else "Support"
        mail["From"], mail["To"] = formataddr((_one_line(f"{agent} via {label}"), support)), customer
    subject = _one_line(conversation.ticket.subject or f"{label} conversation")
    mail["Subject"] = subject if message.direction is Direction.IN or not earlier else f"Re: {subject}"
    mail["Date"] = format_datetime(message.sent_at)
    mail["Message-ID"] = mirror_id(row.id)
    if earlier:
        ids = [mirror_id(i) for i in earlier[-20:]]
        mail["In-Reply-To"], mail["References"] = ids[-1], " ".join(ids)
    mail[MIRROR_HEADER] = conversation.adapter
    text = message.body_text or ""
    files = [a.get("filename") or "file" for a in message.attachments or [] if not a.get("data")]
    if files:
        text += "\n\n" + "\n".join(f"[attachment: {name}]" for name in files)
    mail.set_content(text, charset="utf-8")
    mail.add_alternative(f"<div>{html.escape(text).replace(chr(10), '<br>')}</div>", subtype="html", charset="utf-8")
    for item in message.attachments or []:
        if item.get("data"):  # the file itself, so agents open it from Gmail
            maintype, _, subtype = (item.get("content_type") or "application/octet-stream").partition("/")
            mail.add_attachment(base64.b64decode(item["data"]), maintype=maintype, subtype=subtype or "octet-stream",
                                filename=item.get("filename") or "file")
    return mail.as_bytes()


def _one_line(text: str) -> str:
    """A header value from customer text: no line breaks (header injection), no runs of spaces."""
    return " ".join(text.split())[:200]
