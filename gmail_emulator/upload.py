"""The /upload/ protocols google-api-python-client uses for messages.send/insert/import with `media_body`.

- `uploadType=media`: the request body is the message itself (Content-Type message/rfc822); no metadata.
- `uploadType=multipart`: a multipart/related body, first part the JSON metadata (threadId, labelIds), second
  part the message (Content-Transfer-Encoding: binary, bytes unchanged).
- `uploadType=resumable`: the first POST carries the metadata and X-Upload-Content-Length and gets 200 with a
  `Location` (the session URI); the client then PUTs the bytes with `Content-Range: bytes a-b/total`, getting
  308 with `Range: bytes=0-b` until the last chunk, whose response is the method's own response.

This module only turns those into (metadata, message bytes); the server runs the method like any other.
Sessions are kept in memory: an emulator restart forgets unfinished uploads, as an expired session would.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from gmail_emulator.errors import bad_request, not_found

_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


@dataclass
class Session:
    method_id: str
    path: dict[str, str]
    query: list[tuple[str, str]]
    metadata: bytes
    total: int | None
    data: bytearray = field(default_factory=bytearray)


class Uploads:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, session: Session) -> str:
        upload_id = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[upload_id] = session
        return upload_id

    def put(self, upload_id: str, content_range: str | None, chunk: bytes) -> tuple[Session, bool]:
        """Append a chunk; returns the session and whether the upload is complete (then forgotten)."""
        with self._lock:
            session = self._sessions.get(upload_id)
            if session is None:
                raise not_found("No such upload session")
            total = _apply_range(session, content_range, chunk)
            complete = total is not None and len(session.data) >= total
            if complete:
                del self._sessions[upload_id]
            return session, complete


def _apply_range(session: Session, content_range: str | None, chunk: bytes) -> int | None:
    if content_range is None:
        session.data.extend(chunk)
        return len(session.data)
    match = _RANGE.match(content_range.strip())
    if match is None:
        raise bad_request(f"Invalid Content-Range: {content_range}")
    first, last, total_text = match.groups()
    total = int(total_text) if total_text != "*" else session.total
    if first is not None:
        if int(first) != len(session.data) or int(last) - int(first) + 1 != len(chunk):
            raise bad_request(f"Content-Range {content_range} does not continue the upload")
        session.data.extend(chunk)
    return total


def split_multipart(body: bytes, content_type: str) -> tuple[bytes, bytes]:
    """(metadata JSON, message bytes) from a multipart/related upload, bytes kept exactly."""
    match = _BOUNDARY.search(content_type)
    if match is None or not content_type.lower().startswith("multipart/related"):
        raise bad_request("Invalid multipart request: expected multipart/related with a boundary")
    delimiter = b"--" + match.group(1).encode()
    pieces = body.split(delimiter)
    # pieces: preamble, part1, part2, ..., epilogue starting with "--"
    parts = [p for p in pieces[1:] if not p.startswith(b"--")]
    if len(parts) != 2:
        raise bad_request("Invalid multipart request: expected metadata and media parts")
    return _part_body(parts[0]), _part_body(parts[1])


def _part_body(part: bytes) -> bytes:
    newline = b"\r\n" if part.startswith(b"\r\n") else b"\n"
    part = part[len(newline):]
    header_end = part.find(newline + newline)
    if header_end < 0:
        if part.startswith(newline):  # a part with no headers
            header_end = -len(newline)
        else:
            raise bad_request("Invalid multipart request: part without headers")
    content = part[header_end + 2 * len(newline):]
    if content.endswith(newline):  # the line break before the next delimiter belongs to the delimiter
        content = content[: -len(newline)]
    return content


def query_items(query: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in query.items(multi=True) if k not in ("uploadType", "upload_id")]
