"""An attachment's bytes, fetched from Gmail when an agent opens it, and the response that serves them.

One implementation for the REST API and the web panel. The caller has checked that the agent may see the
ticket. No transaction is held across the Gmail calls. An attachment is mail from outside, so it is served as a
download, never rendered in our origin: `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`
and a sandboxing CSP, whatever type the sender claimed.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from sqlalchemy.orm import Session

from app.domain.errors import NotFound
from app.models import Mailbox, Message, Ticket
from gmail_sync.attachments import AttachmentFile


def fetch_attachment(session: Session, endpoint: str | None, ticket: Ticket, message_id: int, index: int) -> AttachmentFile:
    from gmail_sync.attachments import attachment_meta, download
    from gmail_sync.client import GmailApi, GmailError, normalise_endpoint
    from gmail_sync.credentials import CredentialsError, gmail_for_mailbox
    from gmail_sync.outbound import SendFailed
    from gmail_sync.quota import Backoff

    number = ticket.number
    message = session.get(Message, message_id)
    if message is None or message.ticket_id != ticket.id:
        raise NotFound(f"#{number} has no message {message_id}")
    attachment_meta(message, index)  # 404 before any Gmail call
    mailbox = session.get(Mailbox, message.mailbox_id) if message.mailbox_id else None
    if mailbox is None:
        raise NotFound(f"message {message_id} did not come by mail: there is no Gmail copy")
    address = mailbox.address
    try:
        service = gmail_for_mailbox(session, mailbox, endpoint)
    except CredentialsError as exc:
        raise SendFailed(str(exc), retryable=False) from None
    session.expunge(message)  # keeps what was read; then no transaction is held across the Gmail calls
    session.rollback()
    try:
        # Someone is waiting: three tries within about a second, not the sync's patient backoff.
        api_ = GmailApi(service, normalise_endpoint(endpoint), address, backoff=Backoff(tries=3, cap_s=0.5))
        return download(api_, message, index)
    except GmailError as exc:
        raise SendFailed(f"Gmail did not give the attachment: {exc}", retryable=True) from None


def download_response(file: AttachmentFile) -> Response:
    ascii_name = file.filename.encode("ascii", "replace").decode().replace('"', "'")
    return Response(file.data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Linedesk-Content-Type": file.content_type,
    })
