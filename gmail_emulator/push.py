"""users.watch / users.stop and the Pub/Sub-style push that Gmail sends after changes.

A watch (stored per mailbox: topic, labelIds, labelFilterBehavior, expiration) asks Gmail to publish to a Cloud
Pub/Sub topic whenever the mailbox changes; Pub/Sub then POSTs to the subscriber's push endpoint::

    {"message": {"data": base64url(JSON {"emailAddress": ..., "historyId": ...}),
                 "messageId": "...", "publishTime": "2026-11-23T09:00:00.000Z"},
     "subscription": "projects/P/subscriptions/S"}

The emulator skips Pub/Sub and POSTs that body straight to the configured `push_url`. Gmail sends at most one
notification per second per user; extra changes are folded into the next notification, which carries the history
id current at sending time. A successful watch sends one notification at once. Delivery runs on one background
thread so API requests never wait for the receiver; a non-2xx answer is retried a few times, as Pub/Sub retries.
The coalescing window uses the real monotonic clock because it has to actually wait.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any

from gmail_emulator import history, labels
from gmail_emulator.errors import invalid_argument
from gmail_emulator.quota import Stats
from gmail_emulator.store import Store

log = logging.getLogger(__name__)
_TOPIC = re.compile(r"^projects/[^/]+/topics/[^/]+$")
_RETRY_DELAYS_S = (0.2, 0.5, 1.0)


class PushNotifier:
    def __init__(self, store: Store, stats: Stats) -> None:
        self.store = store
        self.config = store.config
        self.stats = stats
        self._cond = threading.Condition()
        self._due: dict[str, float] = {}  # address -> monotonic time the next push may go
        self._last_sent: dict[str, float] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="gmail-emulator-push", daemon=True)
        self._thread.start()
        store.add_listener(self.on_change)

    # -- API methods -----------------------------------------------------------------------------------------
    def watch(self, address: str, body: dict[str, Any]) -> dict[str, str]:
        topic = body.get("topicName")
        if not isinstance(topic, str) or not _TOPIC.match(topic):
            raise invalid_argument("Invalid topicName does not match projects/SOME_PROJECT/topics/SOME_TOPIC")
        label_ids = body.get("labelIds") or []
        behavior = body.get("labelFilterBehavior") or body.get("labelFilterAction") or "include"
        if behavior not in ("include", "exclude"):
            raise invalid_argument(f"Invalid labelFilterBehavior: {behavior}")
        expiration = int((self.store.clock() + self.config.watch_ttl_s) * 1000)
        with self.store.db.tx() as conn:
            labels.check_applicable(conn, address, label_ids, by_hand=False)
            conn.execute("INSERT OR REPLACE INTO watches VALUES (?, ?, ?, ?, ?)",
                         (address, topic, json.dumps(label_ids), behavior, expiration))
            current = history.current(conn, address)
        self._schedule(address)
        return {"historyId": str(current), "expiration": str(expiration)}

    def stop(self, address: str) -> None:
        with self.store.db.tx() as conn:
            conn.execute("DELETE FROM watches WHERE mailbox = ?", (address,))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    # -- change listener -------------------------------------------------------------------------------------
    def on_change(self, address: str, touched: frozenset[str]) -> None:
        with self.store.db.tx() as conn:
            watch = conn.execute("SELECT * FROM watches WHERE mailbox = ?", (address,)).fetchone()
        if watch is not None and self._wanted(watch, touched):
            self._schedule(address)

    def _wanted(self, watch: sqlite3.Row, touched: frozenset[str]) -> bool:
        if watch["expiration"] < self.store.clock() * 1000:
            return False
        filter_ids = set(json.loads(watch["label_ids"]))
        if not filter_ids:
            return True
        if watch["behavior"] == "include":
            return bool(touched & filter_ids)
        return not (touched & filter_ids)

    def _schedule(self, address: str) -> None:
        if not self.config.push_url:
            return
        with self._cond:
            if address in self._due:
                return  # coalesced into the pending notification
            last = self._last_sent.get(address)
            now = time.monotonic()
            self._due[address] = now if last is None else max(now, last + self.config.push_interval_s)
            self._cond.notify_all()

    # -- delivery thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                address = self._next_due()
                if address is None:
                    return
                self._last_sent[address] = time.monotonic()
                del self._due[address]
            self._deliver(address)

    def _next_due(self) -> str | None:
        while not self._closed:
            if self._due:
                address, due = min(self._due.items(), key=lambda item: item[1])
                wait = due - time.monotonic()
                if wait <= 0:
                    return address
                self._cond.wait(timeout=wait)
            else:
                self._cond.wait()
        return None

    def _deliver(self, address: str) -> None:
        url = self.config.push_url
        if not url:
            return
        with self.store.db.tx() as conn:
            watch = conn.execute("SELECT topic FROM watches WHERE mailbox = ?", (address,)).fetchone()
            if watch is None:
                return
            current = history.current(conn, address)
        body = json.dumps(envelope(address, current, watch["topic"])).encode()
        for attempt, delay in enumerate((0.0, *_RETRY_DELAYS_S)):
            if delay:
                time.sleep(delay)
            if self._post(url, body):
                self.stats.add("pushes", "delivered")
                return
            log.warning("push to %s failed (attempt %d)", url, attempt + 1)
        self.stats.add("pushes", "failed")

    def _post(self, url: str, body: bytes) -> bool:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - configured local URL
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError) as exc:
            log.warning("push to %s: %s", url, exc)
            return False


def envelope(address: str, history_id: int, topic: str) -> dict[str, Any]:
    """The Pub/Sub push body for one Gmail notification."""
    data = json.dumps({"emailAddress": address, "historyId": history_id}).encode()
    message_id = str(secrets.randbelow(10**16))
    publish_time = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    project, _, topic_name = topic.removeprefix("projects/").partition("/topics/")
    return {
        "message": {"data": base64.urlsafe_b64encode(data).decode(), "messageId": message_id,
                    "message_id": message_id, "publishTime": publish_time, "publish_time": publish_time},
        "subscription": f"projects/{project}/subscriptions/{topic_name}-push",
    }
