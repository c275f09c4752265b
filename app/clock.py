"""Time as a dependency.

Every rule in Linedesk (claim within 40 s, escalate after 15 min, auto-complete after 2 days) is a comparison
with "now". Reading the wall clock ad hoc would make those rules untestable to the second, so every service
takes a clock object and asks it instead. All times are timezone-aware UTC.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to: for tests, `rules run --now` and replays."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._at = at.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._at += delta if delta is not None else timedelta(**kwargs)
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at.astimezone(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Normalise a datetime read back from the database.

    SQLite drops the offset of stored datetimes; we store UTC only, so a naive value read back is UTC.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
