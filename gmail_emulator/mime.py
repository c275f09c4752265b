"""Raw RFC 822 bytes → the parts of Gmail's Message resource (payload, snippet, attachments, search text).

Why this module exists: the emulator stores every message as the exact bytes it was given (so `format=raw`
round-trips byte for byte) and derives everything else from them the way Gmail does — the `payload` tree of
`format=full`, the `snippet`, `sizeEstimate`, the Date header for `internalDateSource=dateHeader`, the
addresses and text the `q` search runs over, and the bytes behind each `attachmentId`. Doing that once, in a pure
function of the bytes, keeps the server free of MIME and makes the parse easy to test against real-world mail.

How it works: the stdlib parser with the `compat32` policy builds the MIME tree; it never raises on broken mail
(missing boundaries, bad base64, junk transfer encodings become "defects" and the raw text is kept). Header
values and body text are decoded by `mime_decode` rather than by `policy.default` (which raises on some
malformed headers): undeclared 8-bit bytes, RFC 2047 encoded words, legacy and unknown charsets all come out
as readable text, never as an exception. Leaf parts become `body.data` (URL-safe base64 *with* padding,
as Gmail sends it); parts with a filename, an attachment disposition or a non-text type become
`body.attachmentId` + `size`, their bytes kept in `ParsedMessage.attachments`. Part ids follow Gmail: "" for
the root, "0", "1" for its children, "1.0" below "1". A `message/rfc822` part is a container holding the
enclosed message as its only child.

The only error is `MimeError`, for bytes that cannot be a message at all (empty, or neither a header nor a
blank line before the text).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timezone
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from gmail_emulator.mime_decode import (
    charset_hint,
    decode_header_value,
    decode_text,
    fix_8bit,
    html_to_text,
    part_charset,
    unfold,
)

SNIPPET_LENGTH = 200

_HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+[ \t]*:|From )")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_WHITESPACE = re.compile(r"\s+")


class MimeError(ValueError):
    """The bytes cannot be read as a message at all."""


@dataclass(frozen=True)
class ParsedMessage:
    raw: bytes
    headers: list[tuple[str, str]]
    payload: dict
    attachments: dict[str, bytes]
    snippet: str
    size_estimate: int
    date_ms: int | None
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_addr: str
    to_addrs: list[str]
    cc_addrs: list[str]
    bcc_addrs: list[str]
    text: str
    has_attachment: bool


def parse_raw(raw: bytes, *, attachment_id_seed: str) -> ParsedMessage:
    """Parse `raw` into everything the Message resource and the search need. Raises only `MimeError`."""
    _check_is_message(raw)
    msg = message_from_bytes(raw, policy=compat32)
    hint = charset_hint(msg)
    tree = _TreeBuilder(attachment_id_seed, hint)
    payload = tree.build(msg, "")
    headers = _decoded_headers(msg, hint)
    subject = _first(headers, "subject") or ""
    in_reply_to = _first_message_id(_first(headers, "in-reply-to"))
    return ParsedMessage(
        raw=raw,
        headers=headers,
        payload=payload,
        attachments=tree.attachments,
        snippet=_snippet(tree.plain_texts or tree.html_texts),
        size_estimate=len(raw),
        date_ms=_date_ms(_first(headers, "date")),
        message_id=_first_message_id(_first(headers, "message-id")),
        in_reply_to=in_reply_to,
        references=_references(_first(headers, "references"), in_reply_to),
        subject=subject,
        from_addr=_first(headers, "from") or "",
        to_addrs=_addresses(msg, "to", hint),
        cc_addrs=_addresses(msg, "cc", hint),
        bcc_addrs=_addresses(msg, "bcc", hint),
        text="\n".join([subject, *tree.plain_texts, *tree.html_texts]),
        has_attachment=tree.has_attachment,
    )


def payload_for_format(parsed: ParsedMessage, fmt: str, metadata_headers: list[str] | None) -> dict | None:
    """The `payload` field for messages.get/threads.get in format `fmt` (None where Gmail sends no payload)."""
    if fmt == "full":
        return copy.deepcopy(parsed.payload)
    if fmt in ("minimal", "raw"):
        return None
    if fmt != "metadata":
        raise ValueError(f"unknown format {fmt!r}: expected full, metadata, minimal or raw")
    wanted = {name.lower() for name in metadata_headers or []}
    headers = [dict(h) for h in parsed.payload["headers"] if not wanted or h["name"].lower() in wanted]
    return {"partId": "", "mimeType": parsed.payload["mimeType"], "filename": "", "headers": headers}


_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|antw|ответ|отв|返信|転送)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]", re.IGNORECASE
)


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, whitespace collapsed, lowercased: Gmail's threading key."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _SUBJECT_PREFIX.sub("", subject, count=1)
    return _WHITESPACE.sub(" ", subject).strip().lower()


# --- the MIME tree -------------------------------------------------------------------------------------------


@dataclass
class _TreeBuilder:
    """Walks the parsed MIME tree once, building Gmail parts and collecting text and attachments on the way."""

    seed: str
    hint: str
    """Charset for undeclared 8-bit header bytes that are not UTF-8 (see `mime_decode.charset_hint`)."""
    attachments: dict[str, bytes] = field(default_factory=dict)
    plain_texts: list[str] = field(default_factory=list)
    html_texts: list[str] = field(default_factory=list)
    has_attachment: bool = False

    def build(self, part: Message, part_id: str) -> dict:
        params = _params_view(part, self.hint)
        mime_type = _mime_type(params)
        filename = _filename(params, self.hint)
        node: dict = {
            "partId": part_id,
            "mimeType": mime_type,
            "filename": filename,
            "headers": [{"name": name, "value": value} for name, value in _decoded_headers(part, self.hint)],
        }
        children = _children(part, mime_type)
        if children is None:
            node["body"] = self._leaf_body(part, params, part_id, mime_type, filename)
            return node
        node["body"] = self._container_body(part, params, part_id, mime_type, filename)
        node["parts"] = [self.build(child, _child_id(part_id, i)) for i, child in enumerate(children)]
        return node

    def _container_body(self, part: Message, params: Message, part_id: str, mime_type: str, filename: str) -> dict:
        if not mime_type.startswith("message/"):
            return {"size": 0}
        data = _serialise(part.get_payload())
        if filename or _disposition(params) == "attachment":
            return self._attachment(part_id, data, counted=True)
        return {"size": len(data)}

    def _leaf_body(self, part: Message, params: Message, part_id: str, mime_type: str, filename: str) -> dict:
        data = _body_bytes(part)
        disposition = _disposition(params)
        textual = mime_type.startswith(("text/", "multipart/"))
        if filename or disposition == "attachment" or (not textual and data):
            return self._attachment(part_id, data, counted=bool(filename) or disposition == "attachment")
        if mime_type == "text/html":
            self.html_texts.append(html_to_text(decode_text(data, part_charset(params))))
        elif textual:
            self.plain_texts.append(decode_text(data, part_charset(params)))
        if not data:
            return {"size": 0}
        return {"size": len(data), "data": base64.urlsafe_b64encode(data).decode("ascii")}

    def _attachment(self, part_id: str, data: bytes, *, counted: bool) -> dict:
        """Keep `data` behind an attachmentId; `counted` parts (named, or disposition attachment) make
        has:attachment true — an unnamed inline image does not."""
        self.has_attachment = self.has_attachment or counted
        digest = hashlib.sha256(f"{self.seed}\x00{part_id}".encode()).digest()
        attachment_id = "ANGjdJ" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
        self.attachments[attachment_id] = data
        return {"attachmentId": attachment_id, "size": len(data)}


def _children(part: Message, mime_type: str) -> list[Message] | None:
    """Sub-parts Gmail shows as `parts`: those of a multipart, or the message enclosed by message/rfc822."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    if mime_type.startswith("multipart/") or mime_type in ("message/rfc822", "message/global"):
        return [child for child in payload if isinstance(child, Message)]
    return None  # message/delivery-status and friends: header blocks, shown as one leaf


def _child_id(parent: str, index: int) -> str:
    return str(index) if parent == "" else f"{parent}.{index}"


def _mime_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - any malformed Content-Type reads as the RFC 2045 default
        return "text/plain"


def _params_view(part: Message, hint: str) -> Message:
    """A copy of the part's Content-Type/-Disposition with 8-bit bytes decoded, for reading parameters.
    (compat32 turns undeclared 8-bit parameter bytes into U+FFFD; decoding them first keeps e.g. a Cyrillic
    filename sent raw by an old mailer.)"""
    view = Message()
    view.set_default_type(part.get_default_type())
    for name, value in part.raw_items():
        if str(name).lower() in ("content-type", "content-disposition"):
            view[str(name)] = fix_8bit(unfold(str(value)), hint)
    return view


def _filename(params: Message, hint: str) -> str:
    try:
        name = params.get_filename()
    except Exception:  # noqa: BLE001 - a broken parameter list means no usable filename
        return ""
    if not isinstance(name, str):
        return ""
    return decode_header_value(name, hint)


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _body_bytes(part: Message) -> bytes:
    """The part's content with its transfer encoding undone; the undecoded text when that fails."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return _serialise(payload)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - compat32 is lenient, but never let a body break the parse
        data = None
    if isinstance(data, bytes):
        return data
    return str(payload or "").encode("ascii", "surrogateescape")


def _serialise(payload: object) -> bytes:
    """Bytes of sub-messages (an enclosed message, or delivery-status header blocks)."""
    if not isinstance(payload, list):
        return b""
    chunks = []
    for item in payload:
        try:
            chunks.append(item.as_bytes() if isinstance(item, Message) else bytes(str(item), "utf-8"))
        except Exception:  # noqa: BLE001 - a sub-message the generator cannot write counts as empty
            chunks.append(b"")
    return b"\n".join(chunks)


# --- headers -------------------------------------------------------------------------------------------------


def _decoded_headers(part: Message, hint: str) -> list[tuple[str, str]]:
    return [(str(name), decode_header_value(str(value), hint)) for name, value in part.raw_items()]


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _first_message_id(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    match = _MESSAGE_ID.search(value)
    return match.group(0) if match else value.strip()


def _references(value: str | None, in_reply_to: str | None) -> list[str]:
    references = _MESSAGE_ID.findall(value or "")
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    return references


def _addresses(msg: Message, name: str, hint: str) -> list[str]:
    """Bare addresses, lowercased, from every `name` header. Parsed before RFC 2047 decoding, so an encoded
    display name holding a comma cannot split an address."""
    values = [fix_8bit(unfold(str(v)), hint) for k, v in msg.raw_items() if str(k).lower() == name]
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001 - an unparseable address list has no addresses
        return []
    return [address.strip().lower() for _, address in pairs if "@" in address]


def _date_ms(value: str | None) -> int | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:  # "-0000": the time is UTC, the sender's zone unknown
            parsed = parsed.replace(tzinfo=timezone.utc)
        return int(parsed.timestamp() * 1000)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# Gmail returns the snippet HTML-escaped ("I&#39;m", "&quot;up&quot;"): clients that show it must unescape.
_SNIPPET_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def _snippet(texts: list[str]) -> str:
    collapsed = _WHITESPACE.sub(" ", " ".join(texts)).strip()
    if len(collapsed) > SNIPPET_LENGTH:
        collapsed = collapsed[:SNIPPET_LENGTH].rstrip()
    return collapsed.translate(_SNIPPET_ESCAPES)


# --- the one refusal -----------------------------------------------------------------------------------------


def _check_is_message(raw: bytes) -> None:
    if not isinstance(raw, (bytes, bytearray)):
        raise MimeError(f"a message must be bytes, not {type(raw).__name__}")
    if not raw.strip():
        raise MimeError("empty message: no headers and no body")
    first_line = raw.split(b"\n", 1)[0].rstrip(b"\r")
    has_headers = bool(_HEADER_LINE.match(first_line))
    has_separator = first_line.strip() == b"" or re.search(rb"\r?\n[ \t]*\r?\n", raw) is not None
    if not has_headers and not has_separator:
        raise MimeError(
            "not an RFC 822 message: the first line is not a header field and no blank line separates "
            "headers from a body"
        )
