"""messages.list and threads.list: label filters, Gmail search (`q`), spam/trash exclusion, paging.

Gmail lists newest first (by internalDate). `labelIds` must all be present on a message; SPAM and TRASH are left
out unless `includeSpamTrash` is true or the caller asks for them by label or by `in:trash`/`in:spam`/
`in:anywhere`. The query language itself is `gmail_emulator.search`; this module only feeds it each message.
threads.list lists a thread when any of its messages matches. `maxResults` is capped at 500 as Gmail does, and
`resultSizeEstimate` is the exact count (Gmail's is an estimate; exact is a valid estimate). Page tokens are
opaque, offset-based.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from typing import Any

from gmail_emulator import search
from gmail_emulator.errors import bad_request, invalid_argument
from gmail_emulator.store import Store

_SPAM_TRASH_QUERY = re.compile(r"(?:^|\s|\()-?(?:in|label):(?:trash|spam|anywhere)\b", re.IGNORECASE)


def _matching_rows(store: Store, conn: sqlite3.Connection, address: str, *, label_ids: list[str], q: str | None,
                   include_spam_trash: bool) -> list[sqlite3.Row]:
    query = _parse(q)
    rows = conn.execute("SELECT id, thread_id, internal_date, size_estimate, snippet, history_id, rfc822_id, subject, "
                        "search_json FROM messages WHERE mailbox = ? ORDER BY internal_date DESC, id DESC",
                        (address,)).fetchall()
    all_labels: dict[str, set[str]] = {}
    for message_id, label_id in conn.execute("SELECT message_id, label_id FROM message_labels WHERE mailbox = ?",
                                             (address,)):
        all_labels.setdefault(message_id, set()).add(label_id)
    excluded = set() if include_spam_trash or (q and _SPAM_TRASH_QUERY.search(q)) else {"SPAM", "TRASH"}
    excluded -= set(label_ids)
    names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM labels WHERE mailbox = ?", (address,))}
    now_ms = int(store.clock() * 1000)
    matched = []
    for row in rows:
        have = all_labels.get(row["id"], set())
        if not set(label_ids) <= have or have & excluded:
            continue
        if query is not None and not query.matches(_searchable(row, have, names), now_ms=now_ms):
            continue
        matched.append(row)
    return matched


def list_messages(store: Store, address: str, *, label_ids: list[str], q: str | None, include_spam_trash: bool,
                  max_results: int, page_token: str | None) -> dict[str, Any]:
    with store.db.tx() as conn:
        rows = _matching_rows(store, conn, address, label_ids=label_ids, q=q, include_spam_trash=include_spam_trash)
    return _page("messages", [{"id": r["id"], "threadId": r["thread_id"]} for r in rows], max_results, page_token)


def list_threads(store: Store, address: str, *, label_ids: list[str], q: str | None, include_spam_trash: bool,
                 max_results: int, page_token: str | None) -> dict[str, Any]:
    with store.db.tx() as conn:
        rows = _matching_rows(store, conn, address, label_ids=label_ids, q=q, include_spam_trash=include_spam_trash)
        thread_ids = list(dict.fromkeys(r["thread_id"] for r in rows))
        threads = [_thread_summary(conn, address, tid) for tid in thread_ids]
    return _page("threads", threads, max_results, page_token)


def _thread_summary(conn: sqlite3.Connection, address: str, thread_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT snippet, (SELECT MAX(history_id) FROM messages WHERE mailbox = ? AND thread_id = ?) "
                       "AS hid FROM messages WHERE mailbox = ? AND thread_id = ? ORDER BY internal_date DESC, id DESC "
                       "LIMIT 1", (address, thread_id, address, thread_id)).fetchone()
    return {"id": thread_id, "snippet": row["snippet"], "historyId": str(row["hid"])}


def _page(key: str, items: list[dict[str, Any]], max_results: int, page_token: str | None) -> dict[str, Any]:
    offset = _decode(page_token) if page_token else 0
    chunk = items[offset:offset + max_results]
    response: dict[str, Any] = {}
    if chunk:
        response[key] = chunk
    if offset + max_results < len(items):
        response["nextPageToken"] = _encode(offset + max_results)
    response["resultSizeEstimate"] = len(items)
    return response


def _searchable(row: sqlite3.Row, label_ids: set[str], names: dict[str, str]) -> search.SearchableMessage:
    data = json.loads(row["search_json"])
    return search.SearchableMessage(
        label_ids=frozenset(label_ids), label_names=names, from_addr=data["from"], to_addrs=data["to"],
        cc_addrs=data["cc"], bcc_addrs=data["bcc"], subject=row["subject"], text=data["text"],
        message_id=row["rfc822_id"], internal_date_ms=row["internal_date"], size_estimate=row["size_estimate"],
        has_attachment=data["has_attachment"], filenames=data["filenames"],
    )


def _parse(q: str | None) -> search.Query | None:
    if not q or not q.strip():
        return None
    try:
        return search.parse_query(q)
    except search.QueryError as exc:
        raise invalid_argument(f"Invalid search query: {exc}") from exc


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"p1:{offset}".encode()).decode().rstrip("=")


def _decode(token: str) -> int:
    try:
        tag, offset = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode().split(":")
        if tag != "p1" or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Invalid pageToken") from exc
