"""The sync under Gmail's limits: the quota limiter, backoff, and a large sync with faults switched on."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from gmail_sync.client import GmailUnavailable
from gmail_sync.quota import Backoff, Limiter
from gmail_sync.runner import SyncOptions
from tests.sync.conftest import (
    SUPPORT,
    connect,
    deliver,
    fill,
    inbox_ids,
    mail,
    stored_ids,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_limiter_spends_at_most_the_rate_after_the_first_burst():
    fake = FakeTime()
    limiter = Limiter(250, monotonic=fake.monotonic, sleep=fake.sleep)
    for _ in range(100):
        limiter.acquire(250)  # a batch of 50 messages.get
    assert 100 * 250 / fake.now <= 250  # never faster than the quota
    assert 100 * 250 / fake.now >= 0.9 * 250  # and not much slower


def test_a_refusal_slows_the_limiter_down_and_quiet_time_restores_it():
    fake = FakeTime()
    limiter = Limiter(100, monotonic=fake.monotonic, sleep=fake.sleep)
    limiter.throttled()
    assert limiter.rate == pytest.approx(95 * 2 / 3)
    fake.now += 60
    limiter.acquire(1)
    assert limiter.rate == pytest.approx(95)


def test_batches_shrink_to_fit_a_small_quota():
    assert Limiter(100).calls_per_burst("messages.get", 50) == 20
    assert Limiter(None).calls_per_burst("messages.get", 50) == 50


def test_backoff_delays_grow_with_jitter_and_end():
    delays = list(Backoff(base_s=1, cap_s=8, tries=6).delays())
    assert len(delays) == 5 and all(0 <= d <= min(8, 2 ** n) for n, d in enumerate(delays))


def test_a_gmail_that_keeps_failing_is_a_typed_error(make_runner, gmail):
    gmail.control.configure(fault_rate=1.0, fault_kinds=["503"])
    with pytest.raises(GmailUnavailable):
        make_runner(api=connect(gmail, tries=3)).sync_once()


def test_the_limiter_keeps_a_backfill_under_the_quota(make_runner, gmail, Session):
    fill(gmail, 120)
    gmail.control.configure(quota_units_per_s=250)
    gmail.control.reset(stats=True)
    api = connect(gmail, units_per_s=250)
    started = time.monotonic()
    make_runner(api=api).sync_once()
    elapsed = time.monotonic() - started
    stats = gmail.control.stats()
    assert stats["rejected"] == {} and api.refusals == 0
    assert (stats["total_units"] - 250) / elapsed <= 250 * 1.05  # one second's burst, then the rate
    assert len(stored_ids(Session)) == 120


@pytest.mark.slow
def test_a_large_sync_with_faults_stores_every_inbox_message_exactly_once(make_runner, gmail, Session):
    """Random 5xx and dropped connections, a limiter that believes in twice the real quota (so 429s come),
    a short history horizon, and mail arriving while the sync runs: in the end every INBOX message is stored
    once."""
    fill(gmail, 1000)
    gmail.control.configure(fault_rate=0.05, fault_kinds=["500", "503", "drop"], quota_units_per_s=600,
                            quota_burst_s=0.25, history_max_age_s=0.3)
    api = connect(gmail, units_per_s=1500, tries=30)
    runner = make_runner(api=api, options=SyncOptions(batch_size=50))
    stop = threading.Event()

    def deliver_meanwhile() -> None:
        for n in range(40):
            if stop.wait(0.05):
                return
            try:
                deliver(gmail, mail(f"during {n}", sender=f"late{n}@example.org"))
            except Exception:  # noqa: BLE001 - a fault on the delivering side is fine: Gmail did not take it
                pass

    worker = threading.Thread(target=deliver_meanwhile)
    worker.start()
    try:
        for _ in range(6):
            try:
                runner.sync_once()
            except GmailUnavailable:
                pass
    finally:
        stop.set()
        worker.join()
    gmail.control.configure(fault_rate=0.0)
    runner.sync_once()
    stored = stored_ids(Session)
    assert Counter(stored).most_common(1)[0][1] == 1
    assert set(stored) == inbox_ids(gmail)
    stats = gmail.control.stats()
    assert stats["faults"] and stats["rejected"]  # the faults really happened
    assert SUPPORT
