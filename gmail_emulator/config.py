"""The emulator's runtime switches: quota, faults, history horizon, push, auth.

Everything here is OFF by default, so the demo behaves like a healthy Gmail. Tests and benchmarks switch things
on at runtime — in-process through `EmulatorServer.control`, from another process through
`POST /_emulator/config` with a JSON object of the fields below. `EmulatorConfig.update` validates every field,
so a typo in a test is an error, not a silently ignored setting.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

Clock = Callable[[], float]
"""Seconds since the epoch, like `time.time`. Injected so quota and push timing can be driven by tests."""

FAULT_KINDS = ("500", "503", "drop", "latency")


@dataclass
class EmulatorConfig:
    """Switches read on every request. Mutate only through `update` (it holds the lock)."""

    address: str = "support@coolxost.com"
    quota_units_per_s: float | None = None
    """Per-user quota; Gmail's published figure is 250 units/s (a moving average that allows short bursts)."""
    quota_burst_s: float = 1.0
    """How many seconds of quota the bucket holds, i.e. the burst a user may spend at once."""
    quota_error_code: int = 429
    """429 rateLimitExceeded (what Gmail answers today) or 403 userRateLimitExceeded (the older answer)."""
    max_concurrent: int | None = None
    """Concurrent requests per user beyond which Gmail answers 429 'Too many concurrent requests for user'."""
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: ["500", "503", "drop"])
    latency_ms: float = 0.0
    """Added to every request (always), in addition to the 'latency' fault kind (at fault_rate)."""
    fault_latency_ms: float = 500.0
    history_max_age_s: float | None = None
    """Records older than this are dropped; a startHistoryId from before them gets 404."""
    push_url: str | None = None
    push_interval_s: float = 1.0
    """Gmail sends at most one notification per second per user."""
    watch_ttl_s: float = 7 * 24 * 3600.0
    require_token: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown emulator setting(s): {', '.join(unknown)}")
        for name, value in values.items():
            _check(name, value)
        with self._lock:
            for name, value in values.items():
                setattr(self, name, list(value) if name == "fault_kinds" else value)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def _check(name: str, value: Any) -> None:
    optional_positive = {"quota_units_per_s", "history_max_age_s"}
    if name in optional_positive and value is not None and not (_is_number(value) and value > 0):
        raise ValueError(f"{name} must be a positive number or null")
    if name == "max_concurrent" and value is not None and not (isinstance(value, int) and value > 0):
        raise ValueError("max_concurrent must be a positive integer or null")
    if name == "fault_rate" and not (_is_number(value) and 0.0 <= value <= 1.0):
        raise ValueError("fault_rate must be between 0 and 1")
    if name == "fault_kinds" and (not isinstance(value, list) or not set(value) <= set(FAULT_KINDS) or not value):
        raise ValueError(f"fault_kinds must be a non-empty list of {FAULT_KINDS}")
    if name == "quota_error_code" and value not in (403, 429):
        raise ValueError("quota_error_code must be 403 or 429")
    non_negative = {"latency_ms", "fault_latency_ms", "push_interval_s", "quota_burst_s", "watch_ttl_s"}
    if name in non_negative and not (_is_number(value) and value >= 0):
        raise ValueError(f"{name} must be a non-negative number")
    if name in {"push_url", "require_token"} and value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string or null")
    if name == "address" and (not isinstance(value, str) or "@" not in value):
        raise ValueError("address must be an email address")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def system_clock() -> float:
    return time.time()
