"""Staying inside Gmail's per-user quota, and coming back politely when Gmail says no.

Why this module exists: Gmail charges every call in units (messages.get 5, history.list 2, …) against a per-user
budget (250 units/s by default, a setting: Google's own pages disagree). A sync that simply fires requests runs
into 429s, and every refused call is wasted time plus a backoff. So each mailbox gets a `Limiter`, a token bucket
that is *spent before* a call goes out: a call waits until its units are available, which keeps the mailbox just
under the quota instead of bouncing off it.

- Adaptive: the bucket runs at `headroom` (95 %) of the configured rate. If Gmail still answers 429 or a
  rate-limit 403 (another client shares the mailbox's quota, or the setting is too high), `throttled()` cuts the
  rate by a third; every quiet second gives back 5 % until the configured rate is reached again.
- Backoff: `Backoff.delays()` yields exponential delays with full jitter (AWS's "full jitter": a random wait in
  [0, min(cap, base·2ⁿ)]), for 429, rate-limit 403, 5xx and dropped connections; after `tries` attempts the
  caller raises a typed error (see `client.py`).
- Time is injected (`monotonic`, `sleep`) so tests and benchmarks can drive it without sleeping.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# Units per call, from developers.google.com/gmail/api/reference/quota (see GMAIL_FACTS.md).
COSTS: dict[str, int] = {
    "getProfile": 1, "history.list": 2, "labels.list": 1, "labels.get": 1, "labels.create": 5,
    "labels.update": 5, "labels.patch": 5, "labels.delete": 5, "messages.list": 5, "messages.get": 5,
    "messages.modify": 5, "messages.attachments.get": 5, "messages.batchModify": 50, "messages.send": 100,
    "threads.list": 10, "threads.get": 10, "threads.modify": 10, "threads.delete": 20, "watch": 100, "stop": 50,
}
DEFAULT_UNITS_PER_S = 250.0

Sleeper = Callable[[float], None]
Monotonic = Callable[[], float]


def cost(method: str) -> int:
    return COSTS.get(method, 5)


@dataclass
class Limiter:
    """A token bucket of quota units for one mailbox. `units_per_s=None` switches it off."""

    units_per_s: float | None = DEFAULT_UNITS_PER_S
    burst_s: float = 1.0
    headroom: float = 0.95
    monotonic: Monotonic = time.monotonic
    sleep: Sleeper = time.sleep
    _rate: float = field(init=False, default=0.0)
    _tokens: float = field(init=False, default=0.0)
    _last: float = field(init=False, default=0.0)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rate = self.target
        self._tokens = self.capacity(0)
        self._last = self.monotonic()

    @property
    def enabled(self) -> bool:
        return self.units_per_s is not None

    @property
    def target(self) -> float:
        return (self.units_per_s or 0.0) * self.headroom

    @property
    def rate(self) -> float:
        return self._rate

    def capacity(self, units: int) -> float:
        return max(self._rate * self.burst_s, float(units))

    def calls_per_burst(self, method: str, most: int) -> int:
        """How many calls of `method` fit in one burst: the size of a batch that will not be refused."""
        if not self.enabled:
            return most
        return max(1, min(most, int((self.units_per_s or 0.0) * self.burst_s // cost(method))))

    def acquire(self, units: int) -> float:
        """Wait until `units` are available and spend them; returns the seconds waited."""
        if not self.enabled:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                self._refill(units)
                if self._tokens >= units - 1e-6:  # float dust must not leave us waiting 0 s forever
                    self._tokens -= units
                    return waited
                wait = max((units - self._tokens) / self._rate, 1e-4)
            self.sleep(wait)
            waited += wait

    def throttled(self) -> None:
        """Gmail refused a call for quota: slow down and start from an empty bucket."""
        if not self.enabled:
            return
        with self._lock:
            self._rate = max(self.target * 0.1, self._rate * 2 / 3)
            self._tokens = 0.0
            self._last = self.monotonic()

    def _refill(self, units: int = 0) -> None:
        now = self.monotonic()
        elapsed = max(0.0, now - self._last)
        self._last = now
        if self._rate < self.target:  # recover 5 % of the target per quiet second
            self._rate = min(self.target, self._rate + self.target * 0.05 * elapsed)
        self._tokens = min(self.capacity(units), self._tokens + elapsed * self._rate)


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·2ⁿ)]."""

    base_s: float = 0.25
    cap_s: float = 32.0
    tries: int = 8
    rng: random.Random = field(default_factory=random.Random)
    sleep: Sleeper = time.sleep

    def delays(self) -> Iterator[float]:
        for attempt in range(self.tries - 1):
            yield self.rng.uniform(0.0, min(self.cap_s, self.base_s * 2 ** attempt))

    def wait(self, delay: float) -> None:
        if delay > 0:
            self.sleep(delay)
