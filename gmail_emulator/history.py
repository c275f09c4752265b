"""The mailbox history: Gmail's change log, and the cursor every sync runs on.

Each mailbox has one counter, `history_id`, that only grows, by a random gap per change (Gmail's ids have gaps
too, so clients must treat them as a cursor, never as a count). Every change Gmail records — a message added or
deleted, labels added or removed — bumps the counter and writes one record naming the message, its thread and
its labels at that moment. `history.list` returns the records after `startHistoryId`, in increasing id,
filtered by type and label, paged with an opaque token; the response's `historyId` is the mailbox's current one.

Records do not live forever: past the horizon (`history_max_age_s`, or `expire`) they are dropped and the
mailbox remembers the newest dropped id as its `history_floor`. A `startHistoryId` below the floor could miss
changes, so it gets 404, which tells a client to run a full sync — exactly Gmail's contract.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
from typing import Any

from gmail_emulator.errors import bad_request, not_found

HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_FIELD = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
          "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}


def bump(conn: sqlite3.Connection, mailbox: str, rng: random.Random) -> int:
    """Advance the mailbox's history id by a random gap and return the new id."""
    conn.execute("UPDATE mailboxes SET history_id = history_id + ? WHERE address = ?", (rng.randint(1, 16), mailbox))
    return current(conn, mailbox)


def current(conn: sqlite3.Connection, mailbox: str) -> int:
    value: int = conn.execute("SELECT history_id FROM mailboxes WHERE address = ?", (mailbox,)).fetchone()[0]
    return value


def record(conn: sqlite3.Connection, mailbox: str, rng: random.Random, *, kind: str, message_id: str,
           thread_id: str, changed: list[str], labels_after: list[str], now: float) -> int:
    """Write one history record and return its id (also the message's new historyId)."""
    history_id = bump(conn, mailbox, rng)
    conn.execute(
        "INSERT INTO history (mailbox, id, created_at, kind, message_id, thread_id, changed_labels, message_labels)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (mailbox, history_id, now, kind, message_id, thread_id, json.dumps(changed), json.dumps(labels_after)),
    )
    return history_id


def prune(conn: sqlite3.Connection, mailbox: str, *, older_than: float | None) -> None:
    """Drop records created before `older_than` (epoch s; None = all) and raise the floor past them."""
    if older_than is None:
        dropped = current(conn, mailbox)
        conn.execute("DELETE FROM history WHERE mailbox = ?", (mailbox,))
    else:
        row = conn.execute("SELECT MAX(id) FROM history WHERE mailbox = ? AND created_at < ?",
                           (mailbox, older_than)).fetchone()
        if row[0] is None:
            return
        dropped = row[0]
        conn.execute("DELETE FROM history WHERE mailbox = ? AND id <= ?", (mailbox, dropped))
    conn.execute("UPDATE mailboxes SET history_floor = MAX(history_floor, ?) WHERE address = ?", (dropped, mailbox))


def list_history(conn: sqlite3.Connection, mailbox: str, *, start: int, types: list[str] | None,
                 label_id: str | None, max_results: int, page_token: str | None) -> dict[str, Any]:
    floor = conn.execute("SELECT history_floor FROM mailboxes WHERE address = ?", (mailbox,)).fetchone()[0]
    if start < floor:
        raise not_found()
    after = _decode_token(page_token, start) if page_token else start
    wanted = set(types or HISTORY_TYPES)
    entries: list[dict[str, Any]] = []
    last_seen = after
    cursor = conn.execute("SELECT * FROM history WHERE mailbox = ? AND id > ? ORDER BY id", (mailbox, after))
    more = False
    for row in cursor:
        if len(entries) == max_results:
            more = True
            break
        last_seen = row["id"]
        if row["kind"] in wanted and _matches_label(row, label_id):
            entries.append(_entry(row))
    cursor.close()
    response: dict[str, Any] = {}
    if entries:
        response["history"] = entries
    if more:
        response["nextPageToken"] = _encode_token(start, last_seen)
    response["historyId"] = str(current(conn, mailbox))
    return response


def _matches_label(row: sqlite3.Row, label_id: str | None) -> bool:
    if label_id is None:
        return True
    return label_id in json.loads(row["message_labels"]) or label_id in json.loads(row["changed_labels"])


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    ref = {"id": row["message_id"], "threadId": row["thread_id"]}
    message = dict(ref)
    labels_after = json.loads(row["message_labels"])
    if labels_after:
        message["labelIds"] = labels_after
    change: dict[str, Any] = {"message": message}
    if row["kind"] in ("labelAdded", "labelRemoved"):
        change["labelIds"] = json.loads(row["changed_labels"])
    return {"id": str(row["id"]), "messages": [ref], _FIELD[row["kind"]]: [change]}


def _encode_token(start: int, last: int) -> str:
    return base64.urlsafe_b64encode(f"h1:{start}:{last}".encode()).decode().rstrip("=")


def _decode_token(token: str, start: int) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        tag, token_start, last = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        if tag != "h1" or int(token_start) != start:
            raise ValueError(token)
        return int(last)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Invalid pageToken") from exc
