"""Raw RFC 822 bytes (Gmail's `format=raw`) → `ParsedMail`, the one shape the sync turns into ticket messages.

Why this module exists: customers' mail is written by every program ever made, and some of it is broken —
missing boundaries, charsets nobody knows, dates that are not dates, 8-bit bytes in headers. A sync that stops
on one bad message stops the helpdesk, so `parse_mail` never raises: whatever it cannot read becomes an empty
field plus a line in `problems` saying what was wrong and how it was handled, and the original bytes stay in
Gmail for anyone who needs them.

How it works:
- The stdlib parser with the lenient `compat32` policy builds the MIME tree (it records broken structure as
  "defects" instead of raising). Headers are read raw and decoded here — undeclared 8-bit bytes as UTF-8, else
  windows-1252; RFC 2047 encoded words by our own small decoder, which joins adjacent words before decoding (a
  UTF-8 character may be split across two) and falls back when a charset is unknown. `policy.default` is not
  used because its header parser raises on some malformed headers.
- Addresses are parsed *before* RFC 2047 decoding, so an encoded display name holding a comma cannot split an
  address; bare addresses are lower-cased.
- Body charsets: every codec Python knows, a few aliases mail uses (ks_c_5601-1987, x-sjis, …); an unknown or
  lying charset is read as UTF-8 if the bytes are valid UTF-8, else windows-1252, else latin-1 — never an error.
- Parts get Gmail's `partId` ("" for the root, "0", "1.2" below), so the sync can map each `Attachment` to the
  `attachmentId` of `messages.get(format=full)`; the attachment's bytes are fetched on demand, not kept here.
  A part is an attachment when Gmail would give it an attachmentId: it has a filename, an attachment
  disposition, or a non-text type with content. A `message/rfc822` part is a container whose only child is the
  enclosed message (Gmail's layout); one sent as an attachment is listed whole and not walked into.
- Text: the inline text/plain parts of the message itself (those of an enclosed message only when the message
  has none), else text derived from its HTML. The HTML is kept sanitised (`sanitize.py`); `visible_text` is the
  reply without quoted history and signature (`reply_trim.py`).
- Output strings never hold NUL characters or lone surrogates (PostgreSQL and JSON reject both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from gmail_sync.mime_text import (  # noqa: F401 - decode_header_value is re-exported
    _FOLD, Problems, decode_bytes, decode_header_value, _clean, _codec, _fix_8bit, _read_headers, _text_8bit,
)
from gmail_sync.reply_trim import visible_reply
from gmail_sync.sanitize import html_to_text, sanitize_html

MAX_DEPTH = 30  # deeper MIME nesting than this is an attack or a loop, not mail
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")

@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # decoded bytes, like Gmail's body.size
    content_id: str | None  # without angle brackets; what a cid: URL in the HTML refers to
    inline: bool
    part_id: str  # Gmail partId: "" for the root, "0", "1.2", …


@dataclass(frozen=True)
class ParsedMail:
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str | None = None
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    text: str = ""
    html: str | None = None
    visible_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    no_body: bool = True


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one message. Never raises: the worst case is empty fields and a `problems` entry."""
    problems = Problems()
    try:
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            problems.add(f"input was {type(raw).__name__}, not bytes; read as UTF-8 text")
            raw = str(raw).encode("utf-8", "surrogateescape")
        msg = message_from_bytes(bytes(raw), policy=compat32)
    except Exception as exc:  # noqa: BLE001 - the promise is "never raises"
        problems.add(f"unreadable as a message ({type(exc).__name__}); nothing extracted")
        return ParsedMail(problems=problems.items)
    hint = _guarded(problems, "charsets", lambda: _charset_hint(msg), None)
    headers = _guarded(problems, "headers", lambda: _read_headers(msg, problems, hint), {})
    envelope = _guarded(problems, "addresses and dates", lambda: _envelope(msg, headers, problems, hint), {})
    walk = _Walk(problems, hint)
    _guarded(problems, "MIME structure", lambda: walk.visit(msg, "", 0, enclosed=False), None)
    body = _guarded(problems, "body text", lambda: _body(walk), {})
    return ParsedMail(
        subject=_clean(headers.get("subject", "").strip()),
        headers={name: _clean(value) for name, value in headers.items()},
        attachments=walk.attachments,
        problems=problems.items,
        **envelope,
        **body,
    )


def _guarded(problems: Problems, what: str, step, default):
    """Run one step of the parse; if it fails anyway, note it and carry on with the others."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - one unreadable section must not lose the rest
        problems.add(f"could not read the {what} ({type(exc).__name__}); left empty")
        return default


def _charset_hint(msg: Message) -> str | None:
    """The first legacy charset the message declares: the likeliest reading of its undeclared 8-bit headers."""
    for index, part in enumerate(msg.walk()):
        if index >= 50:
            break
        codec = _codec(str(_ParamView(part, None).param("charset") or "").strip().lower())
        if codec and codec != "ascii" and not codec.startswith(("utf", "UTF")):
            return codec
    return None


# --- addresses, dates, ids -----------------------------------------------------------------------------------


def _envelope(msg: Message, headers: dict[str, str], problems: Problems, hint: str | None) -> dict:
    sender = _addresses(msg, "from", problems, hint)
    reply_to = _addresses(msg, "reply-to", problems, hint)
    in_reply_to = _first_id(headers.get("in-reply-to"))
    return {
        "from_name": sender[0][0] if sender else "",
        "from_email": sender[0][1] if sender else "",
        "to": _unique(email for _, email in _addresses(msg, "to", problems, hint)),
        "cc": _unique(email for _, email in _addresses(msg, "cc", problems, hint)),
        "reply_to": reply_to[0][1] if reply_to else None,
        "date": _date(headers.get("date"), problems),
        "message_id": _first_id(headers.get("message-id")),
        "in_reply_to": in_reply_to,
        "references": _unique(_MESSAGE_ID.findall(headers.get("references", ""))),
    }


def _addresses(msg: Message, name: str, problems: Problems, hint: str | None) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs from every `name` header; names decoded after parsing."""
    values = [_FOLD.sub(" ", _fix_8bit(str(v), hint)) for k, v in msg.raw_items() if str(k).lower() == name]
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001 - fall back to picking addresses out of the text below
        pairs = []
    found = [
        (_clean(decode_header_value(display, problems, f"{name} header").strip()), _clean(email.strip().lower()))
        for display, email in pairs
        if "@" in email
    ]
    if not found and any(value.strip() for value in values):
        found = [("", _clean(email.lower())) for value in values for email in _EMAIL.findall(value)]
        if found:
            problems.add(f"malformed {name} header, addresses picked out of its text")
    return found


def _date(value: str | None, problems: Problems) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        problems.add(f"unreadable date {value.strip()[:60]!r}, left empty")
        return None
    if parsed.tzinfo is None:  # "-0000": the time is UTC, the sender's zone unknown
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        problems.add(f"date out of range {value.strip()[:60]!r}, left empty")
        return None


def _first_id(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    match = _MESSAGE_ID.search(value)
    return match.group(0) if match else value.strip().split()[0]


def _unique(items) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


# --- the MIME tree -------------------------------------------------------------------------------------------


class _Walk:
    """One pass over the MIME tree: text and HTML of the message (and of enclosed ones), attachments."""

    def __init__(self, problems: Problems, hint: str | None) -> None:
        self.problems = problems
        self.hint = hint
        self.plain: list[str] = []
        self.html: list[str] = []
        self.enclosed_plain: list[str] = []
        self.enclosed_html: list[str] = []
        self.attachments: list[Attachment] = []

    def visit(self, part: Message, part_id: str, depth: int, *, enclosed: bool) -> None:
        if depth > MAX_DEPTH:
            self.problems.add(f"MIME nesting deeper than {MAX_DEPTH} at part {part_id}, not read further")
            return
        for defect in getattr(part, "defects", [])[:5]:
            self.problems.add(f"{type(defect).__name__} in {_where(part_id)}")
        view = _ParamView(part, self.hint)
        content_type = view.content_type()
        payload = part.get_payload()
        if isinstance(payload, list) and _is_container(content_type):
            if content_type.startswith("message/") and (view.filename() or view.disposition() == "attachment"):
                self._attach(view, content_type, _enclosed_size(payload), part_id)
                return
            inner = enclosed or content_type.startswith("message/")
            for index, child in enumerate(payload):
                if isinstance(child, Message):
                    child_id = str(index) if part_id == "" else f"{part_id}.{index}"
                    self.visit(child, child_id, depth + 1, enclosed=inner)
            return
        self._leaf(part, view, content_type, part_id, enclosed)

    def _leaf(self, part: Message, view: _ParamView, content_type: str, part_id: str, enclosed: bool) -> None:
        data = _leaf_bytes(part)
        if content_type.startswith("multipart/"):
            self.problems.add(f"{content_type} without readable parts in {_where(part_id)}, read as text")
            content_type = "text/plain"
        textual = content_type.startswith("text/")
        if view.filename() or view.disposition() == "attachment" or (not textual and data):
            self._attach(view, content_type, len(data), part_id)
            return
        if content_type not in ("text/plain", "text/html"):
            return  # calendars, vcards, rfc822-headers: neither body text nor an attachment in Gmail
        text, problem = decode_bytes(data, view.param("charset"), _where(part_id))
        if problem:
            self.problems.add(problem)
        text = _clean(text.replace("\r\n", "\n").replace("\r", "\n"))
        if content_type == "text/html":
            (self.enclosed_html if enclosed else self.html).append(text)
        else:
            (self.enclosed_plain if enclosed else self.plain).append(text)

    def _attach(self, view: _ParamView, content_type: str, size: int, part_id: str) -> None:
        content_id = view.content_id()
        disposition = view.disposition()
        inline = disposition == "inline" or (not disposition and content_id is not None)
        self.attachments.append(Attachment(view.filename(), content_type, size, content_id, inline, part_id))


class _ParamView:
    """Content-Type/-Disposition/-ID of one part with 8-bit bytes decoded first, read through the stdlib's own
    parameter parser (RFC 2231 included); every accessor answers something sane for broken headers."""

    def __init__(self, part: Message, hint: str | None) -> None:
        self.hint = hint
        self.view = Message()
        self.view.set_default_type(part.get_default_type())
        for name, value in part.raw_items():
            if str(name).lower() in ("content-type", "content-disposition", "content-id"):
                self.view[str(name)] = _FOLD.sub(" ", _fix_8bit(str(value), hint))

    def content_type(self) -> str:
        try:
            return _clean(self.view.get_content_type())
        except Exception:  # noqa: BLE001 - a malformed Content-Type reads as the RFC 2045 default
            return "text/plain"

    def param(self, name: str) -> str | None:
        try:
            value = self.view.get_param(name)
        except Exception:  # noqa: BLE001
            return None
        if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
            value = value[2]
        return value if isinstance(value, str) else None

    def filename(self) -> str:
        try:
            name = self.view.get_filename()
        except Exception:  # noqa: BLE001 - a broken parameter list means no usable filename
            return ""
        return _clean(decode_header_value(name, hint=self.hint).strip()) if isinstance(name, str) else ""

    def disposition(self) -> str:
        try:
            return (self.view.get_content_disposition() or "").lower()
        except Exception:  # noqa: BLE001
            return ""

    def content_id(self) -> str | None:
        value = _clean(str(self.view.get("content-id") or "")).strip().strip("<>").strip()
        return value or None


def _is_container(content_type: str) -> bool:
    return content_type.startswith("multipart/") or content_type in ("message/rfc822", "message/global")


def _leaf_bytes(part: Message) -> bytes:
    """The part's content with its transfer encoding undone; the raw text when that fails."""
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status and friends: header blocks
        return _serialise(payload)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - compat32 is lenient, but a body must never break the parse
        data = None
    if isinstance(data, bytes):
        return data
    return str(payload or "").encode("utf-8", "surrogateescape")


def _enclosed_size(payload: list) -> int:
    """Approximate size of enclosed messages: serialising them just to count bytes can cost more than the parse."""
    total = 0
    stack = list(payload)
    while stack:
        item = stack.pop()
        if not isinstance(item, Message):
            total += len(str(item))
            continue
        total += sum(len(str(name)) + len(str(value)) + 3 for name, value in item.raw_items()) + 2
        inner = item.get_payload()
        if isinstance(inner, list):
            stack.extend(inner)
        else:
            total += len(str(inner or ""))
    return total


def _serialise(payload: list) -> bytes:
    chunks = []
    for item in payload:
        try:
            chunks.append(item.as_bytes() if isinstance(item, Message) else str(item).encode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - a sub-message the generator cannot write counts as empty
            chunks.append(b"")
    return b"\n".join(chunks)


def _where(part_id: str) -> str:
    return "the body" if part_id == "" else f"part {part_id}"


def _body(walk: _Walk) -> dict:
    plain = walk.plain or walk.enclosed_plain
    html_parts = walk.html or walk.enclosed_html
    text = "\n\n".join(chunk.strip("\n") for chunk in plain if chunk.strip())
    joined_html = "\n".join(html_parts)
    if not text.strip() and joined_html.strip():
        text = html_to_text(joined_html)
    text = _clean(text)
    return {
        "text": text,
        "html": _clean(sanitize_html(joined_html)) if html_parts else None,
        "visible_text": _clean(visible_reply(text)),
        "no_body": not text.strip(),
    }
