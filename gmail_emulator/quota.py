"""Gmail's per-user limits and our fault injection, both decided before a method runs.

Quota: every method has a published cost in units (developers.google.com/gmail/api/reference/quota). Each user
has a token bucket that refills at `quota_units_per_s` and holds `quota_burst_s` seconds of units — a moving
average that tolerates short bursts, as Google describes it. A call that does not fit is refused (429
rateLimitExceeded, or 403 userRateLimitExceeded if configured) and spends nothing. A batch is not a method: each
of its parts is charged separately, so a batch costs the sum of its parts.

Concurrency: at most `max_concurrent` requests per user in flight; one more gets 429 "Too many concurrent
requests for user". Faults: at `fault_rate`, a request gets one of the configured kinds (500, 503, a dropped
connection, added latency). `Stats` counts calls, units and refusals per method for tests and benchmarks.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gmail_emulator.config import Clock, EmulatorConfig
from gmail_emulator.errors import rate_limited, too_many_concurrent

COSTS: dict[str, int] = {
    "gmail.users.getProfile": 1,
    "gmail.users.watch": 100,
    "gmail.users.stop": 50,
    "gmail.users.history.list": 2,
    "gmail.users.labels.list": 1,
    "gmail.users.labels.get": 1,
    "gmail.users.labels.create": 5,
    "gmail.users.labels.update": 5,
    "gmail.users.labels.patch": 5,
    "gmail.users.labels.delete": 5,
    "gmail.users.messages.list": 5,
    "gmail.users.messages.get": 5,
    "gmail.users.messages.insert": 25,
    "gmail.users.messages.import": 25,
    "gmail.users.messages.send": 100,
    "gmail.users.messages.modify": 5,
    "gmail.users.messages.batchModify": 50,
    "gmail.users.messages.trash": 5,
    "gmail.users.messages.untrash": 5,
    "gmail.users.messages.delete": 10,
    "gmail.users.messages.batchDelete": 50,
    "gmail.users.messages.attachments.get": 5,
    "gmail.users.threads.list": 10,
    "gmail.users.threads.get": 10,
    "gmail.users.threads.modify": 10,
    "gmail.users.threads.trash": 10,
    "gmail.users.threads.untrash": 10,
    "gmail.users.threads.delete": 20,
}


class Stats:
    """Counters per method id: calls served, units charged; plus refusals and injected faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.calls: Counter[str] = Counter()
            self.units: Counter[str] = Counter()
            self.rejected: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.units_by_user: Counter[str] = Counter()  # per mailbox: is each one near its own quota?
            self.rejected_by_user: Counter[str] = Counter()
            self.batches = 0
            self.pushes: Counter[str] = Counter()

    def add(self, counter: str, key: str, amount: int = 1) -> None:
        with self._lock:
            getattr(self, counter)[key] += amount

    def batch(self) -> None:
        with self._lock:
            self.batches += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self.calls), "units": dict(self.units), "rejected": dict(self.rejected),
                "faults": dict(self.faults), "pushes": dict(self.pushes), "batches": self.batches,
                "total_calls": sum(self.calls.values()), "total_units": sum(self.units.values()),
                "units_by_user": dict(self.units_by_user), "rejected_by_user": dict(self.rejected_by_user),
            }


class QuotaGate:
    """Per-user token buckets, a per-user concurrency cap, and the fault dice."""

    def __init__(self, config: EmulatorConfig, clock: Clock, stats: Stats, rng: random.Random | None = None) -> None:
        self.config = config
        self.clock = clock
        self.stats = stats
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # user -> (tokens, last refill time)
        self._in_flight: Counter[str] = Counter()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def charge(self, user: str, method_id: str) -> None:
        """Spend the method's cost from the user's bucket, or raise the rate-limit error."""
        cost = COSTS.get(method_id, 5)
        rate = self.config.quota_units_per_s
        if rate is not None:
            with self._lock:
                capacity = max(rate * self.config.quota_burst_s, float(cost))
                now = self.clock()
                tokens, last = self._buckets.get(user, (capacity, now))
                tokens = min(capacity, tokens + max(0.0, now - last) * rate)
                if tokens < cost:
                    self._buckets[user] = (tokens, now)
                    self.stats.add("rejected", method_id)
                    self.stats.add("rejected_by_user", user)
                    raise rate_limited(self.config.quota_error_code)
                self._buckets[user] = (tokens - cost, now)
        self.stats.add("calls", method_id)
        self.stats.add("units", method_id, cost)
        self.stats.add("units_by_user", user, cost)

    @contextmanager
    def slot(self, user: str) -> Iterator[None]:
        """Hold one of the user's concurrent-request slots for the duration of a request."""
        cap = self.config.max_concurrent
        with self._lock:
            if cap is not None and self._in_flight[user] >= cap:
                self.stats.add("rejected", "concurrency")
                raise too_many_concurrent()
            self._in_flight[user] += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[user] -= 1

    def roll_fault(self, *, allow_drop: bool = True) -> str | None:
        """The fault to inject into this request, if any: '500', '503', 'drop' or 'latency'."""
        rate = self.config.fault_rate
        if rate <= 0.0 or self.rng.random() >= rate:
            return None
        kinds = [k for k in self.config.fault_kinds if allow_drop or k != "drop"]
        if not kinds:
            return None
        kind = self.rng.choice(kinds)
        self.stats.add("faults", kind)
        return kind
