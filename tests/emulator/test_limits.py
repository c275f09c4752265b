"""Quota, concurrency cap and injected faults — all off by default, switched on per test."""

from __future__ import annotations

import threading

import httplib2
import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.testing import EmulatorServer
from tests.emulator.conftest import import_mail, make_mail


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_quota_refuses_with_429_and_refills_with_time():
    clock = Clock()
    with EmulatorServer(clock=clock, quota_units_per_s=20) as server:
        gmail = server.service()
        for _ in range(4):
            gmail.users().messages().list(userId="me").execute()  # 5 units each: 20 spent
        with pytest.raises(HttpError) as info:
            gmail.users().messages().list(userId="me").execute()
        assert info.value.status_code == 429
        assert info.value.error_details[0]["reason"] == "rateLimitExceeded"
        clock.now += 0.5  # 10 units back
        gmail.users().messages().list(userId="me").execute()
        stats = server.control.stats()
        assert stats["units"]["gmail.users.messages.list"] == 25
        assert stats["rejected"]["gmail.users.messages.list"] == 1


def test_quota_can_answer_403_user_rate_limit():
    with EmulatorServer(clock=Clock(), quota_units_per_s=1, quota_error_code=403) as server:
        gmail = server.service()
        gmail.users().getProfile(userId="me").execute()
        with pytest.raises(HttpError) as info:
            gmail.users().getProfile(userId="me").execute()
        assert info.value.status_code == 403
        assert info.value.error_details[0]["reason"] == "userRateLimitExceeded"


def test_batch_costs_the_sum_of_its_parts_and_parts_fail_alone():
    with EmulatorServer(clock=Clock(), quota_units_per_s=30) as server:
        gmail = server.service()
        results = {}
        batch = server.batch(lambda rid, resp, exc: results.__setitem__(rid, exc))
        for _ in range(8):
            batch.add(gmail.users().labels().get(userId="me", id="INBOX"))  # 1 unit
        for _ in range(6):
            batch.add(gmail.users().messages().list(userId="me"))  # 5 units
        batch.execute()
        failures = [exc for exc in results.values() if exc is not None]
        assert len(failures) == 2 and all(exc.status_code == 429 for exc in failures)
        assert server.control.stats()["total_units"] == 8 + 4 * 5


def test_quota_is_per_user():
    with EmulatorServer(clock=Clock(), quota_units_per_s=1) as server:
        gmail = server.service()
        gmail.users().getProfile(userId="me").execute()
        gmail.users().getProfile(userId="someone@coolxost.com").execute()


def test_concurrency_cap_gives_429_too_many_concurrent(emulator):
    emulator.control.configure(max_concurrent=2, latency_ms=300)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        service = emulator.service()  # httplib2 is not thread-safe: one client per thread
        try:
            service.users().getProfile(userId="me").execute()
            status = 200
        except HttpError as exc:
            status = exc.status_code
            assert exc.reason == "Too many concurrent requests for user"
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(set(statuses)) == [200, 429] and statuses.count(200) >= 2


@pytest.mark.parametrize("kind,status", [("500", 500), ("503", 503)])
def test_injected_server_errors(emulator, gmail, kind, status):
    emulator.control.configure(fault_rate=1.0, fault_kinds=[kind])
    with pytest.raises(HttpError) as info:
        gmail.users().getProfile(userId="me").execute()
    assert info.value.status_code == status
    assert info.value.error_details[0]["reason"] == "backendError"
    emulator.control.configure(fault_rate=0.0)
    gmail.users().getProfile(userId="me").execute()


def test_dropped_connection_reaches_the_client(emulator, gmail):
    emulator.control.configure(fault_rate=1.0, fault_kinds=["drop"])
    with pytest.raises((ConnectionError, httplib2.HttpLib2Error, OSError)):
        gmail.users().getProfile(userId="me").execute()
    assert emulator.control.stats()["faults"]["drop"] >= 1


def test_latency_fault_delays(emulator, gmail):
    import time

    emulator.control.configure(fault_rate=1.0, fault_kinds=["latency"], fault_latency_ms=200)
    started = time.monotonic()
    gmail.users().getProfile(userId="me").execute()
    assert time.monotonic() - started >= 0.2


def test_faults_never_break_the_mailbox(emulator, gmail):
    emulator.control.configure(fault_rate=0.5, fault_kinds=["500", "503"])
    stored = 0
    for n in range(20):
        try:
            import_mail(gmail, make_mail(f"m{n}"))
            stored += 1
        except HttpError as exc:
            assert exc.status_code in (500, 503)
    emulator.control.configure(fault_rate=0.0)
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == stored


def test_control_rejects_unknown_settings(emulator):
    with pytest.raises(ValueError):
        emulator.control.configure(quota=5)
    http = httplib2.Http()
    response, _ = http.request(emulator.url + "_emulator/config", "POST", body=b'{"fault_rate": 2}')
    assert response.status == 400
    response, content = http.request(emulator.url + "_emulator/config", "POST", body=b'{"quota_units_per_s": 250}')
    assert response.status == 200 and b'"quota_units_per_s": 250' in content
