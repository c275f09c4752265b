"""The batch endpoint: many API calls in one multipart/mixed HTTP request (developers.google.com/gmail/api/guides/batch).

Request, as googleapiclient.http.BatchHttpRequest writes it: each part is `Content-Type: application/http`,
`Content-ID: <BASE + N>`, and its body is an HTTP request — `GET /gmail/v1/users/me/messages/ID?alt=json
HTTP/1.1`, headers, blank line, body. Response: multipart/mixed, one part per request in order, each
`Content-ID: <response-BASE + N>` holding `HTTP/1.1 200 OK`, headers, CRLF CRLF, body (the client splits on
exactly that). At most 100 parts; more is a 400 for the whole batch. Each part runs through the same pipeline as
a direct call — routing, quota, faults — so each is counted and charged on its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from http import HTTPStatus

from gmail_emulator.errors import bad_request, invalid_argument

MAX_PARTS = 100
PartDispatcher = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
_HEAD_END = re.compile(rb"\r?\n\r?\n")


def handle(body: bytes, content_type: str, dispatch: PartDispatcher) -> tuple[bytes, str]:
    """Run every part; return the multipart/mixed response body and its Content-Type."""
    parts = _parts(body, content_type)
    boundary = "batch_" + secrets.token_urlsafe(18)
    out: list[bytes] = []
    for part in parts:
        method, target, headers, inner_body = _inner_request(part)
        status, response_headers, response_body = dispatch(method, target, headers, inner_body)
        out.append(_response_part(boundary, part.get("Content-ID"), status, response_headers, response_body))
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/mixed; boundary={boundary}"


def _parts(body: bytes, content_type: str) -> list[Message]:
    if not content_type.lower().startswith("multipart/mixed") or "boundary" not in content_type:
        raise bad_request("Batch requests must be multipart/mixed with a boundary")
    envelope = BytesParser(policy=compat32).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not envelope.is_multipart():
        raise bad_request("Invalid batch request body")
    parts: list[Message] = envelope.get_payload()  # type: ignore[assignment]
    if not parts:
        raise bad_request("Empty batch request")
    if len(parts) > MAX_PARTS:
        raise invalid_argument(f"Too many requests in batch: {len(parts)}; the limit is {MAX_PARTS}")
    return parts


def _inner_request(part: Message) -> tuple[str, str, dict[str, str], bytes]:
    payload = part.get_payload()
    if not isinstance(payload, str):
        raise bad_request("Each batch part must be an application/http request")
    data = payload.encode("utf-8", "surrogateescape")
    request_line, _, rest = data.partition(b"\n")
    pieces = request_line.decode("latin-1").strip().split(" ")
    if len(pieces) != 3 or not pieces[2].startswith("HTTP/"):
        raise bad_request(f"Invalid request line in batch part: {request_line[:100]!r}")
    match = _HEAD_END.search(rest)
    head, inner_body = (rest[: match.start()], rest[match.end():]) if match else (rest, b"")
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        inner_body = inner_body[: int(length)]
    return pieces[0].upper(), pieces[1], headers, inner_body


def _response_part(boundary: str, content_id: str | None, status: int, headers: dict[str, str], body: bytes) -> bytes:
    inner = (content_id or "").strip().removeprefix("<").removesuffix(">")
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"--{boundary}", "Content-Type: application/http", f"Content-ID: <response-{inner}>", "",
             f"HTTP/1.1 {status} {reason}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body + b"\r\n"
