"""Mailbox sync leases (gmail_sync/lease.py): one process per mailbox at a time, take-over after expiry, the
fence that rolls back a process that lost its mailbox — in-process with a frozen clock, then with two real
`linedesk sync --loop` processes, ten mailboxes, mail arriving meanwhile and one process SIGKILLed mid-run."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.clock import SystemClock
from app.config import ConfigError, Settings
from app.db import transaction
from app.models import Mailbox, Message
from app.models.mail import MailboxSync
from gmail_emulator.testing import EmulatorServer
from gmail_sync.lease import LeaseLost, Leases
from gmail_sync.runner import SyncService
from tests.sync.conftest import SUPPORT, connect, deliver, mail

ROOT = Path(__file__).resolve().parents[2]


def _mailbox_id(Session, address: str = SUPPORT) -> int:  # noqa: N803
    with transaction(Session) as session:
        return session.scalar(select(Mailbox.id).where(Mailbox.address == address))


def test_a_lease_is_held_by_one_process_until_released_or_expired(Session, desk, clock):
    box = _mailbox_id(Session)
    a, b = (Leases(Session, clock, owner, timedelta(seconds=60)) for owner in ("host-a:1", "host-b:2"))
    assert a.take(box) and a.take(box)  # taking again extends our own lease
    assert not b.take(box) and b.holder(box) == "host-a:1"
    a.release(box)
    assert b.take(box) and not a.take(box)
    clock.advance(seconds=59)
    assert not a.take(box)
    clock.advance(seconds=2)  # b died without releasing: its lease has expired
    assert a.holder(box) is None and a.take(box) and not b.take(box)


def test_a_process_that_lost_its_lease_commits_nothing(Session, desk, clock, gmail):
    """The fence: b took the mailbox over while a was stalled; a's write transaction renews, fails, rolls back."""
    box = _mailbox_id(Session)
    a, b = (Leases(Session, clock, owner, timedelta(seconds=60)) for owner in ("host-a:1", "host-b:2"))
    deliver(gmail, mail("Lost lease"))
    assert a.take(box)
    clock.advance(seconds=61)
    assert b.take(box)
    service = SyncService(Session, clock, connect=lambda _address: connect(gmail), leases=a)
    runner = service.runner(SUPPORT)
    runner.fence = lambda session: a.renew(session, box)
    with pytest.raises(LeaseLost):
        runner.sync_once()
    with transaction(Session) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert session.get(MailboxSync, box).lease_owner == "host-b:2"


def test_sync_all_skips_mailboxes_leased_by_others(Session, desk, clock, gmail):
    box = _mailbox_id(Session)
    deliver(gmail, mail("Wait for it"))
    other = Leases(Session, clock, "host-b:2", timedelta(seconds=60))
    mine = Leases(Session, clock, "host-a:1", timedelta(seconds=60))
    service = SyncService(Session, clock, connect=lambda _address: connect(gmail), leases=mine)
    assert other.take(box)
    [report] = service.sync_all()
    assert report.skipped == "leased by host-b:2" and report.fetched == 0
    other.release(box)
    [report] = service.sync_all()
    assert report.skipped is None and report.fetched == 1
    assert mine.holder(box) is None  # released at the end of the step


@pytest.mark.parametrize("value", ["soon", "0", "-5", "7200"])
def test_a_bad_lease_setting_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="SYNC_LEASE_SECONDS"):
        Settings.from_env({"SYNC_LEASE_SECONDS": value})


# ----- real processes ----------------------------------------------------------------------------------------
BOXES = [SUPPORT] + [f"box{n}@coolxost.com" for n in range(1, 10)]
PER_BOX = 40  # already there when the processes start (each mailbox's backfill)
LEASE_S = 2.0
QUOTA = 250.0  # units per second per mailbox, on both sides: a backfill of 40 messages takes about a second


def _raw(subject: str, sender: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = format_datetime(SystemClock().now())
    msg["Message-ID"] = f"<{subject.replace(' ', '-').replace('@', '.')}@example.org>"
    msg.set_content(f"{subject}: hello")
    return msg.as_bytes()


def _inbox(gmail: EmulatorServer, address: str) -> set[str]:
    with gmail.emulator.db.tx() as conn:
        rows = conn.execute("SELECT m.id FROM messages m JOIN message_labels l ON l.mailbox = m.mailbox AND "
                            "l.message_id = m.id WHERE m.mailbox = ? AND l.label_id = 'INBOX'", (address,))
        return {row[0] for row in rows}


def _stored(Session) -> Counter:  # noqa: N803
    with transaction(Session) as session:
        rows = session.execute(select(Mailbox.address, Message.provider_message_id).join(
            Mailbox, Mailbox.id == Message.mailbox_id).where(Message.provider_message_id.is_not(None)))
        return Counter((address, message_id) for address, message_id in rows)


def _holders(Session) -> dict[str, str | None]:  # noqa: N803
    with transaction(Session) as session:
        rows = session.execute(select(Mailbox.address, MailboxSync.lease_owner).join(
            MailboxSync, MailboxSync.mailbox_id == Mailbox.id))
        return {address: owner for address, owner in rows}


def _sync_process(db_url: str, gmail: EmulatorServer, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url, "PYTHONPATH": str(ROOT),
           "SYNC_LEASE_SECONDS": str(LEASE_S), "GMAIL_QUOTA_UNITS_PER_S": str(QUOTA), "PYTHONUNBUFFERED": "1",
           "LINEDESK_INSTANCE": str(tmp_path / name)}
    log = tmp_path / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "sync", "--loop", "--interval", "0.3"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def _wait(condition, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what()}")
        time.sleep(0.05)


def test_two_sync_processes_one_killed_mid_run_every_message_stored_once(db_url, Session, desk, tmp_path):
    with transaction(Session) as session:
        session.add_all([Mailbox(address=address, default_line_id=desk.l1.id) for address in BOXES[1:]])
    with EmulatorServer(address=SUPPORT, seed=99, quota_units_per_s=QUOTA) as gmail:
        store = gmail.emulator.store
        for address in BOXES:
            store.resolve(address)
            with gmail.emulator.db.tx():
                for n in range(PER_BOX):
                    store.add_message(address, _raw(f"{address} backlog {n}", f"c{n}@example.org", address),
                                      label_ids=["INBOX", "UNREAD"], thread_id=None, date_source="receivedTime")
        stop = threading.Event()
        rng = random.Random(5)

        def arriving() -> None:  # new mail, through the API, while the processes run
            services = {address: gmail.service(user=address) for address in BOXES}
            n = 0
            while not stop.is_set():
                address = rng.choice(BOXES)
                raw = _raw(f"{address} live {n}", f"live{n % 7}@example.org", address)
                try:
                    deliver_to(services[address], raw)
                except Exception:  # noqa: BLE001 - refused for quota now and then: it arrives next time round
                    time.sleep(0.2)
                    continue
                n += 1
                time.sleep(0.04)

        feeder = threading.Thread(target=arriving, daemon=True)
        a, a_log = _sync_process(db_url, gmail, tmp_path, "a")
        b, b_log = _sync_process(db_url, gmail, tmp_path, "b")
        a_owner = f"{socket.gethostname()}:{a.pid}"
        try:
            feeder.start()
            # Kill a in the middle of a mailbox step: holding a lease, after it has stored some mail.
            _wait(lambda: a_owner in _holders(Session).values() and "new" in a_log.read_text(), 90,
                  lambda: f"process a to be mid-step: {a_log.read_text()[-1500:]} / {b_log.read_text()[-1500:]}")
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
            killed_at = time.monotonic()
            held = {address for address, owner in _holders(Session).items() if owner == a_owner}  # a's, left over
            time.sleep(1.0)
            stop.set()
            feeder.join(timeout=10)
            expected = {(address, message_id) for address in BOXES for message_id in _inbox(gmail, address)}
            _wait(lambda: set(_stored(Session)) >= expected, 120,
                  lambda: f"every INBOX message to be stored: {sorted(expected - set(_stored(Session)))[:5]} "
                          f"{_holders(Session)} {b_log.read_text()[-3000:]}")
            taken_over_after = time.monotonic() - killed_at
            assert b.poll() is None, b_log.read_text()[-3000:]
        finally:
            stop.set()
            for process in (a, b):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=20)
        stored = _stored(Session)
        assert set(stored) == expected and len(expected) > len(BOXES) * PER_BOX
        assert max(stored.values()) == 1  # every message once
        # Both processes did part of the work before the kill; the survivor finished a's mailboxes.
        a_text, b_text = a_log.read_text(), b_log.read_text()
        assert any(f"{address}: backfill" in a_text for address in BOXES), a_text[-2000:]
        assert any(f"{address}: backfill" in b_text for address in BOXES), b_text[-2000:]
        assert held and f"taken over from {a_owner}" in b_text, (held, b_text[-3000:])
        assert taken_over_after >= LEASE_S * 0.5
        with transaction(Session) as session:
            assert session.scalar(select(func.count()).select_from(MailboxSync).where(
                MailboxSync.lease_owner == a_owner)) == 0


def deliver_to(service, raw: bytes) -> None:
    import base64

    body = {"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": ["INBOX", "UNREAD"]}
    service.users().messages().import_(userId="me", body=body).execute()


def test_sync_watch_starts_push_for_every_mailbox_and_refuses_without_a_topic(db_url, desk, gmail, Session):
    from click.testing import CliRunner

    from app.cli import main

    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url, "GMAIL_QUOTA_UNITS_PER_S": "0",
           "GMAIL_PUSH_TOPIC": ""}
    refused = CliRunner().invoke(main, ["sync", "--watch"], env=env)
    assert refused.exit_code == 1 and "GMAIL_PUSH_TOPIC is not set" in refused.output
    env["GMAIL_PUSH_TOPIC"] = "projects/p/topics/gmail-push"
    result = CliRunner().invoke(main, ["sync", "--watch"], env=env)
    assert result.exit_code == 0 and f"{SUPPORT}: push to projects/p/topics/gmail-push until" in result.output
    with transaction(Session) as session:
        assert session.get(MailboxSync, desk.mailbox.id).watch_expires_at is not None


def test_a_bad_lease_setting_stops_the_sync_command_with_its_name(db_url, desk):
    from click.testing import CliRunner

    from app.cli import main

    result = CliRunner().invoke(main, ["sync", "--once"], env={"DATABASE_URL": db_url, "SYNC_LEASE_SECONDS": "0"})
    assert result.exit_code == 1 and "bad setting: SYNC_LEASE_SECONDS" in result.output
