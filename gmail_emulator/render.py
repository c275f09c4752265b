"""Stored messages and threads rendered as the Gmail API's Message and Thread resources.

Formats (users.messages.get `format`): `minimal` — ids, labels, snippet, size, historyId, internalDate;
`metadata` — plus `payload` with headers only (filtered by `metadataHeaders` when given); `full` — plus the whole
MIME tree with bodies (attachments by `attachmentId`); `raw` — plus `raw`, the exact stored bytes in base64url,
and no payload. Like Gmail (proto3 JSON), empty lists such as `labelIds` are omitted, 64-bit numbers are strings.
"""

from __future__ import annotations

import base64
import sqlite3
from typing import Any

from gmail_emulator import mime
from gmail_emulator.store import Store

MESSAGE_FORMATS = ("minimal", "full", "raw", "metadata")
THREAD_FORMATS = ("full", "metadata", "minimal")


def message(store: Store, conn: sqlite3.Connection, address: str, row: sqlite3.Row, fmt: str,
            metadata_headers: list[str] | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {"id": row["id"], "threadId": row["thread_id"]}
    label_ids = store.label_ids(conn, address, row["id"])
    if label_ids:
        resource["labelIds"] = label_ids
    resource["snippet"] = row["snippet"]
    if fmt in ("full", "metadata"):
        payload = mime.payload_for_format(store.parsed(address, row), fmt, metadata_headers or [])
        if payload is not None:
            resource["payload"] = payload
    resource["sizeEstimate"] = row["size_estimate"]
    if fmt == "raw":
        resource["raw"] = base64.urlsafe_b64encode(bytes(row["raw"])).decode("ascii")
    resource["historyId"] = str(row["history_id"])
    resource["internalDate"] = str(row["internal_date"])
    return resource


def thread(store: Store, conn: sqlite3.Connection, address: str, thread_id: str, fmt: str,
           metadata_headers: list[str] | None = None) -> dict[str, Any]:
    ids = store.thread_message_ids(conn, address, thread_id)
    rows = [store.message_row(conn, address, message_id) for message_id in ids]
    return {
        "id": thread_id,
        "historyId": str(max(row["history_id"] for row in rows)),
        "messages": [message(store, conn, address, row, fmt, metadata_headers) for row in rows],
    }


def message_ref(row: sqlite3.Row) -> dict[str, str]:
    return {"id": row["id"], "threadId": row["thread_id"]}
