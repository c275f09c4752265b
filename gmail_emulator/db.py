"""Where mailboxes live: one SQLite database, in memory or in a file.

Why SQLite even in memory: the same code then serves the demo (`--db FILE`, mailboxes survive restarts) and the
tests (":memory:", a fresh database per server). The server is multi-threaded; SQLite connections are not
shareable across threads without care, so there is exactly one connection, and every operation runs inside
`Database.tx()`, which holds a re-entrant lock for the whole transaction. A request's changes therefore commit
or roll back as one — a bad request leaves the mailbox as it was. Callbacks registered with `after_commit` (the
push notifier) run only once the outermost transaction has committed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS mailboxes (
    address TEXT PRIMARY KEY,
    history_id INTEGER NOT NULL,
    history_floor INTEGER NOT NULL,
    next_label INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS labels (
    mailbox TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    label_list_visibility TEXT,
    message_list_visibility TEXT,
    background_color TEXT,
    text_color TEXT,
    PRIMARY KEY (mailbox, id)
);
CREATE TABLE IF NOT EXISTS messages (
    mailbox TEXT NOT NULL,
    id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    raw BLOB NOT NULL,
    internal_date INTEGER NOT NULL,
    history_id INTEGER NOT NULL,
    size_estimate INTEGER NOT NULL,
    snippet TEXT NOT NULL,
    rfc822_id TEXT,
    subject TEXT NOT NULL,
    subject_norm TEXT NOT NULL,
    references_json TEXT NOT NULL,
    search_json TEXT NOT NULL,
    PRIMARY KEY (mailbox, id)
);
CREATE INDEX IF NOT EXISTS ix_messages_thread ON messages (mailbox, thread_id);
CREATE INDEX IF NOT EXISTS ix_messages_rfc822 ON messages (mailbox, rfc822_id);
CREATE INDEX IF NOT EXISTS ix_messages_date ON messages (mailbox, internal_date);
CREATE TABLE IF NOT EXISTS message_labels (
    mailbox TEXT NOT NULL,
    message_id TEXT NOT NULL,
    label_id TEXT NOT NULL,
    PRIMARY KEY (mailbox, message_id, label_id)
);
CREATE INDEX IF NOT EXISTS ix_message_labels_label ON message_labels (mailbox, label_id);
CREATE TABLE IF NOT EXISTS history (
    mailbox TEXT NOT NULL,
    id INTEGER NOT NULL,
    created_at REAL NOT NULL,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    changed_labels TEXT NOT NULL,
    message_labels TEXT NOT NULL,
    PRIMARY KEY (mailbox, id)
);
CREATE TABLE IF NOT EXISTS watches (
    mailbox TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    label_ids TEXT NOT NULL,
    behavior TEXT NOT NULL,
    expiration INTEGER NOT NULL
);
"""


class Database:
    """One SQLite connection behind a re-entrant lock; `tx()` is the only way in."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        with self._lock:
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                    self._after_commit.clear()
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")
                callbacks, self._after_commit = self._after_commit, []
        if outermost:
            for callback in callbacks:
                callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` after the current transaction commits (dropped if it rolls back)."""
        with self._lock:
            if self._depth == 0:
                raise RuntimeError("after_commit outside a transaction")
            self._after_commit.append(callback)

    def wipe(self) -> None:
        with self.tx() as conn:
            for table in ("mailboxes", "labels", "messages", "message_labels", "history", "watches"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def close(self) -> None:
        with self._lock:
            self._conn.close()
