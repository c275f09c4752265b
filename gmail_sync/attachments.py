"""Attachments on demand: a stored message knows its attachments' names, types, sizes and Gmail part ids; the
bytes stay in Gmail until someone opens one.

Why not store Gmail's attachmentId at sync time: the sync reads messages with `format=raw` (the only format
that gives the exact bytes to parse), which carries no attachmentId, and Gmail mints attachmentIds per
`messages.get` rather than keeping one per part, so a stored one is not a reliable key anyway. The part id
("1", "1.2" — the same numbering in our parser and in Gmail's `payload`) is stable. A download is therefore:
messages.get(format=full, fields=payload) → the part with that partId → its `body.attachmentId` →
messages.attachments.get (5 + 5 quota units), or the part's inline `body.data` when Gmail inlined it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from app.domain.errors import NotFound
from app.models import Message
from gmail_sync.client import GmailApi, GmailRequestError


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    content_type: str
    data: bytes


def attachment_meta(message: Message, index: int) -> dict[str, Any]:
    attachments = message.attachments or []
    if not 0 <= index < len(attachments):
        raise NotFound(f"message {message.id} has no attachment {index} (it has {len(attachments)})")
    return attachments[index]


def download(api: GmailApi, message: Message, index: int) -> AttachmentFile:
    """The bytes of attachment `index` of `message`, from Gmail."""
    meta = attachment_meta(message, index)
    if meta.get("data"):  # a channel's file (Telegram, the website form, a webhook), kept with the message
        return AttachmentFile(meta.get("filename") or "file", meta.get("content_type") or "application/octet-stream",
                              base64.b64decode(meta["data"]))
    if not message.provider_message_id or message.provider_message_id.startswith("import:"):
        raise NotFound("this message was imported from a file, not read from Gmail: its attachments were not kept")
    try:
        payload = api.message_payload(message.provider_message_id)
    except GmailRequestError as exc:
        if exc.status == 404:
            raise NotFound("the message is no longer in Gmail (deleted there)") from None
        raise
    part = find_part(payload, str(meta.get("part_id", "")))
    if part is None:
        raise NotFound(f"Gmail's copy of the message has no part {meta.get('part_id')!r}")
    body = part.get("body") or {}
    if body.get("attachmentId"):
        data = api.attachment_data(message.provider_message_id, body["attachmentId"])
    else:
        data = body.get("data") or ""
    return AttachmentFile(str(meta.get("filename") or f"attachment-{index + 1}"),
                          str(meta.get("content_type") or "application/octet-stream"), _b64(data))


def find_part(payload: dict[str, Any], part_id: str) -> dict[str, Any] | None:
    """The part of Gmail's payload tree with this partId (the root is "")."""
    stack = [payload]
    while stack:
        part = stack.pop()
        if str(part.get("partId", "")) == part_id:
            return part
        stack.extend(part.get("parts") or [])
    return None


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
