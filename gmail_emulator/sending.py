"""users.messages.send: what Gmail does to a message on its way out, and local delivery.

Gmail stores the sent message in the sender's mailbox with SENT, adding the headers a mail client may leave out —
Message-ID (so replies can thread on it), Date and From — and keeping the rest byte for byte. Recipients are the
To, Cc and Bcc addresses; none is 400 "Recipient address required". When a recipient is another mailbox already
on this emulator, it receives the message in INBOX+UNREAD (Bcc stripped), threaded by its own References — the
way two Linedesk demo mailboxes can talk to each other. Other recipients go nowhere: nothing leaves the machine.
"""

from __future__ import annotations

import re
import secrets
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import formatdate

from gmail_emulator import mime
from gmail_emulator.errors import invalid_argument
from gmail_emulator.store import Store

_BCC_LINE = re.compile(rb"^Bcc:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)


def send(store: Store, address: str, raw: bytes, thread_id: str | None) -> str:
    raw = complete_headers(raw, address, store.clock())
    try:
        parsed = mime.parse_raw(raw, attachment_id_seed="send")
    except mime.MimeError as exc:
        raise invalid_argument(f"Invalid RFC822 message: {exc}") from exc
    recipients = {a.lower() for a in (*parsed.to_addrs, *parsed.cc_addrs, *parsed.bcc_addrs)}
    if not recipients:
        raise invalid_argument("Recipient address required")
    own_labels = ["SENT", "INBOX"] if address in recipients else ["SENT"]
    with store.db.tx():
        message_id = store.add_message(address, raw, label_ids=own_labels, thread_id=thread_id,
                                       date_source="receivedTime")
        delivered = strip_bcc(raw)
        for recipient in sorted(recipients - {address}):
            if store.mailbox_exists(recipient):
                store.add_message(recipient, delivered, label_ids=["INBOX", "UNREAD"], thread_id=None,
                                  date_source="receivedTime")
    return message_id


def complete_headers(raw: bytes, sender: str, now: float) -> bytes:
    """Prepend Message-ID, Date and From when absent; never rewrite what is there."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")
    newline = b"\r\n" if b"\r\n" in head or not head else b"\n"
    added: list[bytes] = []
    if headers.get("Message-ID") is None:
        added.append(b"Message-ID: <" + secrets.token_hex(16).encode() + b"@mail.gmail.com>")
    if headers.get("Date") is None:
        added.append(b"Date: " + formatdate(now, localtime=False).encode())
    if headers.get("From") is None:
        added.append(b"From: " + sender.encode())
    return b"".join(line + newline for line in added) + raw


def strip_bcc(raw: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in raw:
            head, body = raw.split(separator, 1)
            return _BCC_LINE.sub(b"", head + separator[: len(separator) // 2]) + separator[len(separator) // 2:] + body
    return raw
