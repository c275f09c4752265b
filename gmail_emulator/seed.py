"""Realistic demo mail for the CoolXost example, as RFC 822 bytes, and the loader that imports it through the API.

Why this module exists: the demo and many tests need a support mailbox that looks lived-in — a few dozen
conversations in three languages, legacy charsets, HTML-only mail, attachments, a reply chain, an auto-reply,
a bounce — without copying anyone's real mail. The conversations are data (`gmail_emulator.seed_data`); this
module turns them into mail and loads it the way real mail gets into Gmail.

How it works: `seed_mails(now)` places every mail at `now - age`, writes its headers (Date in the sender's time
zone, Message-IDs derived from the thread and position so they are the same on every run, In-Reply-To and
References from the mail it answers) and its MIME body (quoted-printable, base64, 8bit or 7bit text in the
declared charset, RFC 2047 encoded subjects and names, multipart/alternative, multipart/mixed with attachments,
multipart/report for the bounce), and returns all of it in chronological order. `seed_mailbox` imports the
customers' mail with `users.messages.import` (INBOX, UNREAD) and stores support's replies with
`users.messages.insert` (SENT), skipping any Message-ID already in the mailbox, so seeding twice adds nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, formataddr
from typing import Any

from gmail_emulator.seed_data import THREADS, Mail, Thread

SUPPORT_NAME = "CoolXost Support"
SUPPORT_UTC_OFFSET_H = 1
MTA_HOST = "mx2.coolxost.com"

HeaderField = tuple[str, str]


@dataclass(frozen=True)
class SeedMail:
    raw: bytes
    direction: str
    thread_key: str


def seed_mails(now: datetime, support_address: str = "support@coolxost.com") -> list[SeedMail]:
    """Every demo mail, oldest first. Deterministic for a given `now` (naive datetimes are taken as UTC)."""
    composer = _Composer(_as_utc(now), support_address)
    dated = []
    for order, (thread, index, mail) in enumerate(_all_mails()):
        raw = composer.raw(thread.key, index)
        dated.append((composer.sent_at(mail), order, SeedMail(raw, mail.direction, thread.key)))
    dated.sort(key=lambda item: (item[0], item[1]))
    return [mail for _, _, mail in dated]


def seed_mailbox(service: Any, support_address: str, now: datetime) -> int:
    """Import the demo mail into `support_address`'s mailbox through the Gmail API; returns how many were added."""
    messages = service.users().messages()
    added = 0
    for mail in seed_mails(now, support_address):
        message_id = _message_id_of(mail.raw)
        if message_id and _already_stored(messages, support_address, message_id):
            continue
        raw = base64.urlsafe_b64encode(mail.raw).decode("ascii")
        if mail.direction == "in":
            body = {"raw": raw, "labelIds": ["INBOX", "UNREAD"]}
            request = messages.import_(
                userId=support_address, body=body, internalDateSource="dateHeader", neverMarkSpam=True
            )
        else:
            body = {"raw": raw, "labelIds": ["SENT"]}
            request = messages.insert(userId=support_address, body=body, internalDateSource="dateHeader")
        request.execute()
        added += 1
    return added


def _already_stored(messages: Any, user_id: str, message_id: str) -> bool:
    found = messages.list(userId=user_id, q=f"rfc822msgid:{message_id}", includeSpamTrash=True, maxResults=1)
    return bool(found.execute().get("messages"))


def _message_id_of(raw: bytes) -> str | None:
    value = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID")
    return str(value).strip() if value else None


def _all_mails() -> list[tuple[Thread, int, Mail]]:
    return [(thread, index, mail) for thread in THREADS for index, mail in enumerate(thread.mails)]


def _as_utc(now: datetime) -> datetime:
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


# --- headers -------------------------------------------------------------------------------------------------


class _Composer:
    """Builds each mail once (a bounce quotes the headers of the mail it returns, so mails refer to each other)."""

    def __init__(self, now: datetime, support_address: str) -> None:
        self.now = now
        self.support = support_address
        self.support_domain = support_address.rsplit("@", 1)[-1]
        self._threads = {thread.key: thread for thread in THREADS}
        self._built: dict[tuple[str, int], bytes] = {}

    def thread(self, key: str) -> Thread:
        return self._threads[key]

    def sent_at(self, mail: Mail) -> datetime:
        return self.now - mail.age

    def raw(self, key: str, index: int) -> bytes:
        if (key, index) not in self._built:
            self._built[(key, index)] = _serialise(*self._compose(self._threads[key], index))
        return self._built[(key, index)]

    def header_block(self, key: str, index: int) -> bytes:
        raw = self.raw(key, index)
        return raw[: raw.index(b"\r\n\r\n") + 2]

    def message_id(self, thread: Thread, index: int) -> str:
        mail = thread.mails[index]
        token = hashlib.sha256(f"coolxost-demo/{thread.key}/{index}".encode()).hexdigest()[:24]
        if mail.direction == "out":
            return f"<{token}@{self.support_domain}>"
        domain = thread.address.rsplit("@", 1)[-1]
        return f"<{token}@{domain}>" if mail.kind == "bounce" else f"<{token}@mail.{domain}>"

    def _compose(self, thread: Thread, index: int) -> tuple[list[HeaderField], bytes]:
        mail = thread.mails[index]
        if mail.kind == "bounce":
            content, body = _bounce_body(self, mail)
        else:
            content, body = _content(mail, _boundary(thread.key, index))
        return self._envelope(thread, index) + content, body

    def _envelope(self, thread: Thread, index: int) -> list[HeaderField]:
        mail = thread.mails[index]
        inbound = mail.direction == "in"
        offset = thread.utc_offset_h if inbound else SUPPORT_UTC_OFFSET_H
        date = format_datetime(self.sent_at(mail).astimezone(timezone(timedelta(hours=offset))))
        customer = _address(thread.customer, thread.address, thread.header_charset if inbound else "utf-8")
        support = _address(SUPPORT_NAME, self.support, "utf-8")
        headers = [("Received", self._received(thread, date))] if inbound and mail.kind != "bounce" else []
        headers += [("From", customer if inbound else support), ("To", support if inbound else mail.to or customer)]
        headers += [("Subject", self._subject(thread, index)), ("Date", date)]
        headers.append(("Message-ID", self.message_id(thread, index)))
        headers += self._threading(thread, index)
        if inbound and thread.x_mailer and mail.kind == "plain":
            headers.append(("X-Mailer", thread.x_mailer))
        if mail.kind in ("autoreply", "bounce"):
            headers.append(("Auto-Submitted", "auto-replied"))
        if mail.kind == "autoreply":
            headers.append(("X-Autoreply", "yes"))
        return headers + list(mail.headers) + [("MIME-Version", "1.0")]

    def _subject(self, thread: Thread, index: int) -> str:
        mail = thread.mails[index]
        charset = thread.header_charset if mail.direction == "in" else "utf-8"
        if mail.subject is not None:
            return _encoded(mail.subject, charset, "Subject")
        prefix = "Re: " if index > 0 else ""
        return prefix + _encoded(thread.subject, charset, "Subject", len(prefix))

    def _threading(self, thread: Thread, index: int) -> list[HeaderField]:
        if index == 0 or thread.mails[index].kind == "bounce":
            return []
        chain = self._ancestors(thread, index)
        references = " ".join(self.message_id(thread, i) for i in chain)
        return [("In-Reply-To", self.message_id(thread, chain[-1])), ("References", references)]

    def _ancestors(self, thread: Thread, index: int) -> list[int]:
        parent = thread.mails[index].parent
        parent = index - 1 if parent is None else parent
        return (self._ancestors(thread, parent) if parent > 0 else []) + [parent]

    def _received(self, thread: Thread, date: str) -> str:
        domain = thread.address.rsplit("@", 1)[-1]
        digest = hashlib.sha256(f"{thread.key}/{date}".encode()).digest()
        queue_id = digest[:5].hex().upper()
        return (
            f"from mail.{domain} (mail.{domain} [203.0.113.{digest[5] % 250 + 2}])\r\n"
            f"\tby mx1.{self.support_domain} (Postfix) with ESMTPS id {queue_id}\r\n"
            f"\tfor <{self.support}>; {date}"
        )


def _address(name: str, address: str, charset: str) -> str:
    return formataddr((name, address), charset=charset)


def _encoded(text: str, charset: str, header_name: str, used: int = 0) -> str:
    """`text` as-is when ASCII, else RFC 2047 encoded words in `charset`, folded to 76 columns."""
    if text.isascii():
        return text
    header = Header(text, charset, header_name=header_name, maxlinelen=76 - used)
    return header.encode(linesep="\r\n")


def _serialise(headers: list[HeaderField], body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("ascii") + b"\r\n" + body


# --- bodies --------------------------------------------------------------------------------------------------


def _boundary(key: str, index: int) -> str:
    return "=_cx_" + hashlib.sha256(f"{key}/{index}".encode()).hexdigest()[:20]


def _content(mail: Mail, boundary: str) -> tuple[list[HeaderField], bytes]:
    if mail.html_only:
        assert mail.html is not None
        text = _text_part(mail.html, "html", mail.charset, mail.transfer)
    elif mail.html is not None:
        plain = _text_part(mail.body, "plain", mail.charset, mail.transfer)
        html = _text_part(mail.html, "html", mail.charset, mail.transfer)
        text = _multipart("alternative", [plain, html], boundary + "_alt")
    else:
        text = _text_part(mail.body, "plain", mail.charset, mail.transfer)
    if not mail.attachments:
        return text
    files = [_attachment_part(a.filename, a.content_type, a.make()) for a in mail.attachments]
    return _multipart("mixed", [text, *files], boundary)


def _text_part(text: str, subtype: str, charset: str, transfer: str) -> tuple[list[HeaderField], bytes]:
    data = text.replace("\n", "\r\n").encode(charset)  # text travels in canonical form: CRLF line ends
    headers = [("Content-Type", f"text/{subtype}; charset={charset}"), ("Content-Transfer-Encoding", transfer)]
    return headers, _transfer_encode(data, transfer)


def _transfer_encode(data: bytes, transfer: str) -> bytes:
    """`data` in the transfer encoding, as CRLF-terminated lines. Binary data goes through untouched."""
    if transfer == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    if transfer == "quoted-printable":
        data = binascii.b2a_qp(data, istext=True)  # keeps the input's CRLF line ends, soft breaks as "=\r\n"
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _attachment_part(filename: str, content_type: str, data: bytes) -> tuple[list[HeaderField], bytes]:
    headers = [
        ("Content-Type", f'{content_type}; name="{filename}"'),
        ("Content-Disposition", f'attachment; filename="{filename}"'),
        ("Content-Transfer-Encoding", "base64"),
    ]
    return headers, _transfer_encode(data, "base64")


def _multipart(
    subtype: str, parts: list[tuple[list[HeaderField], bytes]], boundary: str, params: str = ""
) -> tuple[list[HeaderField], bytes]:
    chunks = [b"This is a multi-part message in MIME format.\r\n"]
    for headers, body in parts:
        chunks.append(b"\r\n--" + boundary.encode() + b"\r\n" + _serialise(headers, body))
    chunks.append(b"\r\n--" + boundary.encode() + b"--\r\n")
    content_type = f'multipart/{subtype}; boundary="{boundary}"{params}'
    return [("Content-Type", content_type)], b"".join(chunks)


def _bounce_body(composer: _Composer, mail: Mail) -> tuple[list[HeaderField], bytes]:
    """A Postfix-style non-delivery report (RFC 3464) for the support mail named by `mail.bounced`."""
    assert mail.bounced is not None
    key, index = mail.bounced
    original = composer.thread(key).mails[index]
    recipient = (original.to or "").rsplit("<", 1)[-1].rstrip(">")
    domain = recipient.rsplit("@", 1)[-1]
    arrival = format_datetime(composer.sent_at(original).astimezone(UTC))
    reason = f"Host or domain name not found. Name service error for name={domain} type=MX: Host not found"
    notice = (
        f"This is the mail system at host {MTA_HOST}.\n\nI'm sorry to have to inform you that your message "
        "could not\nbe delivered to one or more recipients. It's attached below.\n\n"
        f"For further assistance, please send mail to postmaster.\n\n<{recipient}>: {reason}\n"
    )
    status = (
        f"Reporting-MTA: dns; {MTA_HOST}\nX-Postfix-Queue-ID: 4F2A71C0E3B\nArrival-Date: {arrival}\n\n"
        f"Final-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\nAction: failed\n"
        f"Status: 5.4.4\nDiagnostic-Code: X-Postfix; {reason}\n"
    )
    parts = [
        ([("Content-Description", "Notification"), ("Content-Type", "text/plain; charset=us-ascii")],
         notice.encode("ascii").replace(b"\n", b"\r\n")),
        ([("Content-Description", "Delivery report"), ("Content-Type", "message/delivery-status")],
         status.encode("ascii").replace(b"\n", b"\r\n")),
        ([("Content-Description", "Undelivered Message Headers"), ("Content-Type", "text/rfc822-headers")],
         composer.header_block(key, index)),
    ]
    boundary = _boundary(key, index) + "_dsn"
    return _multipart("report", parts, boundary, "; report-type=delivery-status")
