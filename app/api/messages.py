"""The conversation of a ticket: `GET /tickets/{number}/messages`, and each attachment's bytes, fetched from
Gmail when asked (`gmail_sync/attachments.py` says why they are not stored).

An attachment is mail from outside, so it is served as a download, never rendered in our origin:
`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff` and a sandboxing CSP, whatever type the
sender claimed.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import api
from app.api.common import visible_ticket
from app.api.serialize import message_json
from app.domain.errors import NotFound
from app.models import Mailbox, Message
from app.web import db_session, runtime


@api.get("/tickets/<int:number>/messages")
def list_messages(number: int) -> ResponseReturnValue:
    ticket = visible_ticket(number)
    messages = db_session().scalars(select(Message).where(Message.ticket_id == ticket.id)
                                    .options(selectinload(Message.author_agent)).order_by(Message.sent_at, Message.id))
    return jsonify(messages=[message_json(m, number, m.author_agent.email if m.author_agent else None)
                             for m in messages])


@api.get("/tickets/<int:number>/messages/<int:message_id>/attachments/<int:index>")
def download_attachment(number: int, message_id: int, index: int) -> ResponseReturnValue:
    from gmail_sync.attachments import attachment_meta, download
    from gmail_sync.client import GmailApi, GmailError, normalise_endpoint
    from gmail_sync.credentials import CredentialsError, gmail_for_mailbox
    from gmail_sync.outbound import SendFailed
    from gmail_sync.quota import Backoff

    ticket = visible_ticket(number)
    message = db_session().get(Message, message_id)
    if message is None or message.ticket_id != ticket.id:
        raise NotFound(f"#{number} has no message {message_id}")
    attachment_meta(message, index)  # 404 before any Gmail call
    mailbox = db_session().get(Mailbox, message.mailbox_id) if message.mailbox_id else None
    if mailbox is None:
        raise NotFound(f"message {message_id} did not come by mail: there is no Gmail copy")
    endpoint, address = runtime().settings.gmail_api_endpoint, mailbox.address
    try:
        service = gmail_for_mailbox(db_session(), mailbox, endpoint)
    except CredentialsError as exc:
        raise SendFailed(str(exc), retryable=False) from None
    db_session().expunge(message)  # keeps what was read; then no transaction is held across the Gmail calls
    db_session().rollback()
    try:
        # Someone is waiting: three tries within about a second, not the sync's patient backoff.
        api_ = GmailApi(service, normalise_endpoint(endpoint), address, backoff=Backoff(tries=3, cap_s=0.5))
        file = download(api_, message, index)
    except GmailError as exc:
        raise SendFailed(f"Gmail did not give the attachment: {exc}", retryable=True) from None
    ascii_name = file.filename.encode("ascii", "replace").decode().replace('"', "'")
    return Response(file.data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Linedesk-Content-Type": file.content_type,
    })
