"""The mailbox operations every API method is built from, over `db.Database`.

`Store` owns the rules that span tables: creating a mailbox on first use (system labels, a fresh history
counter), adding a message (parse the MIME once, pick its thread, apply labels, record `messageAdded`),
changing labels (record `labelAdded`/`labelRemoved` only for real changes, bump the message's historyId),
trash/untrash as label changes, and permanent deletion (`messageDeleted`). Each public method runs in one
transaction, so a failing request changes nothing. Listeners (the push notifier) hear about a mailbox's changes
after commit, with the labels involved, so a watch's label filter can be applied.

Parsing is the costly part of `messages.get`, so parsed messages are kept in a small LRU keyed by message id.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from gmail_emulator import history, labels, mime
from gmail_emulator.config import Clock, EmulatorConfig
from gmail_emulator.db import Database
from gmail_emulator.errors import ApiError, invalid_argument, not_found
from gmail_emulator.threading_rules import Incoming, Known, choose_thread

ChangeListener = Callable[[str, frozenset[str]], None]
_ID = re.compile(r"^[0-9a-f]{1,16}$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
_CACHE_SIZE = 4096


class Store:
    def __init__(self, db: Database, config: EmulatorConfig, clock: Clock, rng: random.Random | None = None) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        self._listeners: list[ChangeListener] = []
        self._parsed: OrderedDict[tuple[str, str], mime.ParsedMessage] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- mailboxes -------------------------------------------------------------------------------------------
    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def resolve(self, user_id: str, me: str | None = None) -> str:
        """The mailbox address for a userId ('me' = the token's or the configured address), created on first use."""
        address = (me or self.config.address) if user_id == "me" else user_id
        address = address.strip().lower()
        if not _ADDRESS.match(address):
            raise invalid_argument("Invalid user id specified in request/Delegation denied")
        with self.db.tx() as conn:
            self.ensure_mailbox(conn, address)
        return address

    def ensure_mailbox(self, conn: sqlite3.Connection, address: str) -> None:
        if conn.execute("SELECT 1 FROM mailboxes WHERE address = ?", (address,)).fetchone():
            return
        start = self.rng.randint(10_000, 999_999)
        conn.execute("INSERT INTO mailboxes (address, history_id, history_floor, next_label) VALUES (?, ?, ?, 1)",
                     (address, start, start))
        labels.install_system_labels(conn, address)

    def mailbox_exists(self, address: str) -> bool:
        with self.db.tx() as conn:
            return conn.execute("SELECT 1 FROM mailboxes WHERE address = ?", (address,)).fetchone() is not None

    def profile(self, address: str) -> dict[str, Any]:
        with self.db.tx() as conn:
            row = conn.execute("SELECT COUNT(*), COUNT(DISTINCT thread_id) FROM messages WHERE mailbox = ?",
                               (address,)).fetchone()
            return {"emailAddress": address, "messagesTotal": row[0], "threadsTotal": row[1],
                    "historyId": str(history.current(conn, address))}

    # -- reading ---------------------------------------------------------------------------------------------
    def message_row(self, conn: sqlite3.Connection, address: str, message_id: str) -> sqlite3.Row:
        check_id(message_id)
        row = conn.execute("SELECT * FROM messages WHERE mailbox = ? AND id = ?", (address, message_id)).fetchone()
        if row is None:
            raise not_found()
        return row

    def label_ids(self, conn: sqlite3.Connection, address: str, message_id: str) -> list[str]:
        rows = conn.execute("SELECT label_id FROM message_labels WHERE mailbox = ? AND message_id = ? ORDER BY rowid",
                            (address, message_id)).fetchall()
        return [r[0] for r in rows]

    def thread_message_ids(self, conn: sqlite3.Connection, address: str, thread_id: str) -> list[str]:
        check_id(thread_id)
        rows = conn.execute("SELECT id FROM messages WHERE mailbox = ? AND thread_id = ? ORDER BY internal_date, id",
                            (address, thread_id)).fetchall()
        if not rows:
            raise not_found()
        return [r[0] for r in rows]

    def parsed(self, address: str, row: sqlite3.Row) -> mime.ParsedMessage:
        key = (address, row["id"])
        with self._cache_lock:
            found = self._parsed.get(key)
            if found is not None:
                self._parsed.move_to_end(key)
                return found
        parsed = mime.parse_raw(bytes(row["raw"]), attachment_id_seed=row["id"])
        self._remember(key, parsed)
        return parsed

    def _remember(self, key: tuple[str, str], parsed: mime.ParsedMessage) -> None:
        with self._cache_lock:
            self._parsed[key] = parsed
            while len(self._parsed) > _CACHE_SIZE:
                self._parsed.popitem(last=False)

    # -- writing ---------------------------------------------------------------------------------------------
    def add_message(self, address: str, raw: bytes, *, label_ids: Iterable[str], thread_id: str | None,
                    date_source: str) -> str:
        """Store one message; return its id. `date_source` is 'dateHeader' or 'receivedTime'."""
        with self.db.tx() as conn:
            wanted = list(dict.fromkeys(label_ids))
            labels.check_applicable(conn, address, wanted, by_hand=False)
            if "DRAFT" in wanted:
                raise invalid_argument("Invalid label: DRAFT")
            message_id = self._new_message_id(conn, address)
            try:
                parsed = mime.parse_raw(raw, attachment_id_seed=message_id)
            except mime.MimeError as exc:
                raise invalid_argument(f"Invalid RFC822 message: {exc}") from exc
            thread = self._thread_for(conn, address, parsed, thread_id) or message_id
            now_ms = int(self.clock() * 1000)
            internal = parsed.date_ms if date_source == "dateHeader" and parsed.date_ms is not None else now_ms
            self._insert_row(conn, address, message_id, thread, raw, internal, parsed)
            for label_id in wanted:
                conn.execute("INSERT INTO message_labels VALUES (?, ?, ?)", (address, message_id, label_id))
            hid = history.record(conn, address, self.rng, kind="messageAdded", message_id=message_id,
                                 thread_id=thread, changed=[], labels_after=wanted, now=self.clock())
            conn.execute("UPDATE messages SET history_id = ? WHERE mailbox = ? AND id = ?", (hid, address, message_id))
            self._notify(address, set(wanted))
        self._remember((address, message_id), parsed)
        return message_id

    def modify(self, address: str, message_ids: list[str], add: list[str], remove: list[str], *,
               by_hand: bool = True, missing_ok: bool = False) -> None:
        with self.db.tx() as conn:
            labels.check_applicable(conn, address, add, by_hand=by_hand)
            labels.check_applicable(conn, address, remove, by_hand=False)
            if set(add) & set(remove):
                raise invalid_argument("A label cannot be both added and removed")
            for message_id in message_ids:
                try:
                    row = self.message_row(conn, address, message_id)
                except ApiError as exc:
                    if missing_ok and exc.code == 404:
                        continue
                    raise
                self._change_labels(conn, address, row, add, remove)

    def _change_labels(self, conn: sqlite3.Connection, address: str, row: sqlite3.Row, add: list[str],
                       remove: list[str]) -> None:
        current = self.label_ids(conn, address, row["id"])
        added = [label for label in dict.fromkeys(add) if label not in current]
        removed = [label for label in dict.fromkeys(remove) if label in current]
        for label_id in added:
            conn.execute("INSERT INTO message_labels VALUES (?, ?, ?)", (address, row["id"], label_id))
        for label_id in removed:
            conn.execute("DELETE FROM message_labels WHERE mailbox = ? AND message_id = ? AND label_id = ?",
                         (address, row["id"], label_id))
        after = [label for label in current if label not in removed] + added
        for kind, changed in (("labelAdded", added), ("labelRemoved", removed)):
            if changed:
                hid = history.record(conn, address, self.rng, kind=kind, message_id=row["id"],
                                     thread_id=row["thread_id"], changed=changed, labels_after=after, now=self.clock())
                conn.execute("UPDATE messages SET history_id = ? WHERE mailbox = ? AND id = ?",
                             (hid, address, row["id"]))
        if added or removed:
            self._notify(address, set(after) | set(removed))

    def trash(self, address: str, message_ids: list[str]) -> None:
        self.modify(address, message_ids, ["TRASH"], ["SPAM"], by_hand=False)

    def untrash(self, address: str, message_ids: list[str]) -> None:
        self.modify(address, message_ids, [], ["TRASH"], by_hand=False)

    def delete(self, address: str, message_ids: list[str], *, missing_ok: bool = False) -> None:
        with self.db.tx() as conn:
            for message_id in message_ids:
                try:
                    row = self.message_row(conn, address, message_id)
                except ApiError as exc:
                    if missing_ok and exc.code == 404:
                        continue
                    raise
                current = self.label_ids(conn, address, message_id)
                conn.execute("DELETE FROM messages WHERE mailbox = ? AND id = ?", (address, message_id))
                conn.execute("DELETE FROM message_labels WHERE mailbox = ? AND message_id = ?", (address, message_id))
                history.record(conn, address, self.rng, kind="messageDeleted", message_id=message_id,
                               thread_id=row["thread_id"], changed=[], labels_after=current, now=self.clock())
                self._notify(address, set(current))
                with self._cache_lock:
                    self._parsed.pop((address, message_id), None)

    def forget_parsed(self) -> None:
        with self._cache_lock:
            self._parsed.clear()

    # -- helpers ---------------------------------------------------------------------------------------------
    def _notify(self, address: str, touched: set[str]) -> None:
        frozen = frozenset(touched)
        for listener in self._listeners:
            self.db.after_commit(lambda listener=listener: listener(address, frozen))

    def _new_message_id(self, conn: sqlite3.Connection, address: str) -> str:
        """Gmail-like ids: 16 hex digits, the high bits a millisecond timestamp, so ids sort roughly by time."""
        while True:
            value = (int(self.clock() * 1000) << 20) | self.rng.getrandbits(20)
            candidate = f"{value:016x}"[-16:]
            if not conn.execute("SELECT 1 FROM messages WHERE mailbox = ? AND id = ?", (address, candidate)).fetchone():
                return candidate

    def _thread_for(self, conn: sqlite3.Connection, address: str, parsed: mime.ParsedMessage,
                    thread_id: str | None) -> str | None:
        if thread_id is not None:
            check_id(thread_id, what="thread_id")
        incoming = Incoming(mime.normalise_subject(parsed.subject or ""), parsed.in_reply_to, parsed.references)

        def known(rows: list[sqlite3.Row]) -> list[Known]:
            return [Known(r["thread_id"], r["rfc822_id"], r["subject_norm"]) for r in rows]

        def members(tid: str) -> list[Known]:
            return known(conn.execute("SELECT thread_id, rfc822_id, subject_norm FROM messages "
                                      "WHERE mailbox = ? AND thread_id = ?", (address, tid)).fetchall())

        def by_rfc822(ids: list[str]) -> list[Known]:
            marks = ",".join("?" * len(ids))
            return known(conn.execute(f"SELECT thread_id, rfc822_id, subject_norm FROM messages WHERE mailbox = ? "
                                      f"AND rfc822_id IN ({marks}) ORDER BY internal_date DESC",  # noqa: S608
                                      (address, *ids)).fetchall())

        return choose_thread(incoming, requested_thread=thread_id, thread_members=members, by_rfc822_id=by_rfc822)

    def _insert_row(self, conn: sqlite3.Connection, address: str, message_id: str, thread_id: str, raw: bytes,
                    internal_ms: int, parsed: mime.ParsedMessage) -> None:
        search = {"from": parsed.from_addr, "to": list(parsed.to_addrs), "cc": list(parsed.cc_addrs),
                  "bcc": list(parsed.bcc_addrs), "text": parsed.text, "has_attachment": parsed.has_attachment,
                  "filenames": filenames(parsed.payload)}
        conn.execute(
            "INSERT INTO messages (mailbox, id, thread_id, raw, internal_date, history_id, size_estimate, snippet, "
            "rfc822_id, subject, subject_norm, references_json, search_json) VALUES (?,?,?,?,?,0,?,?,?,?,?,?,?)",
            (address, message_id, thread_id, raw, internal_ms, parsed.size_estimate, parsed.snippet,
             parsed.message_id, parsed.subject or "", mime.normalise_subject(parsed.subject or ""),
             json.dumps(list(parsed.references)), json.dumps(search)),
        )


def check_id(value: str, what: str = "id") -> None:
    """Gmail answers 400 'Invalid id value' to ids that cannot be ids, and 404 to well-formed unknown ones."""
    if not isinstance(value, str) or not _ID.match(value):
        raise invalid_argument(f"Invalid {what} value")


def filenames(payload: dict[str, Any] | None) -> list[str]:
    if not payload:
        return []
    found = [payload["filename"]] if payload.get("filename") else []
    for part in payload.get("parts", []) or []:
        found.extend(filenames(part))
    return found
