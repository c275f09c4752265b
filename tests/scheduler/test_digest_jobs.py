"""The scheduler's mail jobs: digest cron jobs with deterministic ids in each manager's time zone, reconciled on
start and when the settings change; notify; none of them without a mail sender; a digest whose time passed
while the scheduler was down goes out on start, once even with two schedulers."""

from __future__ import annotations

import base64
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.clock import FrozenClock
from app.models import Agent, HelpdeskSetting
from gmail_emulator.testing import EmulatorServer
from scheduler.runner import JobSpec, SchedulerRunner, passed_this_period
from tests.factories import make_desk

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def desk(session):
    desk = make_desk(session)
    session.add(HelpdeskSetting(key="timezone", value="Europe/Moscow"))
    desk.anna.digest, desk.anna.digest_at = "daily,weekly", "07:30"
    desk.boris.digest, desk.boris.timezone = "daily", "Asia/Novosibirsk"
    session.commit()
    return desk


def no_mail(address: str):  # pragma: no cover - the jobs below are only listed, never run
    raise AssertionError("no mail expected")


def test_digest_jobs_have_deterministic_ids_and_the_managers_time_zones(Session, clock, desk):
    runner = SchedulerRunner(Session, clock, mailer=no_mail)
    specs = {spec.id: spec for spec in runner.jobs()}
    assert sorted(specs) == ["digest-jobs", "digest:anna@coolxost.com:daily", "digest:anna@coolxost.com:weekly",
                             "digest:boris@coolxost.com:daily", "notify", "sweep"]
    assert specs["digest:anna@coolxost.com:weekly"] == JobSpec(
        "digest:anna@coolxost.com:weekly", "cron",
        {"hour": 7, "minute": 30, "timezone": "Europe/Moscow", "day_of_week": "mon"})
    assert specs["digest:boris@coolxost.com:daily"].options["timezone"] == "Asia/Novosibirsk"

    runner.reconcile(runner.jobs())
    jobs = runner.scheduled()
    now = datetime(2026, 11, 24, 12, 0, tzinfo=MSK)  # Tuesday noon in Moscow
    assert jobs["digest:anna@coolxost.com:daily"].trigger.get_next_fire_time(None, now) == \
        datetime(2026, 11, 25, 7, 30, tzinfo=MSK)
    assert jobs["digest:anna@coolxost.com:weekly"].trigger.get_next_fire_time(None, now) == \
        datetime(2026, 11, 30, 7, 30, tzinfo=MSK)
    assert jobs["digest:boris@coolxost.com:daily"].trigger.get_next_fire_time(None, now) == \
        datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))


def test_reconciling_follows_the_settings(Session, clock, session, desk):
    runner = SchedulerRunner(Session, clock, mailer=no_mail)
    runner.reconcile(runner.jobs())
    anna = session.scalar(select(Agent).where(Agent.email == "anna@coolxost.com"))
    anna.digest, anna.digest_at = "weekly", "09:00"
    session.scalar(select(Agent).where(Agent.email == "boris@coolxost.com")).active = False
    session.commit()
    runner.reconcile_digests()
    jobs = runner.scheduled()
    assert sorted(j for j in jobs if j.startswith("digest:")) == ["digest:anna@coolxost.com:weekly"]
    assert jobs["digest:anna@coolxost.com:weekly"].trigger.get_next_fire_time(
        None, datetime(2026, 11, 24, tzinfo=MSK)) == datetime(2026, 11, 30, 9, 0, tzinfo=MSK)


def test_without_a_mail_sender_there_are_no_mail_jobs(Session, clock, desk):
    assert [spec.id for spec in SchedulerRunner(Session, clock).jobs()] == ["sweep"]


def test_passed_this_period():
    daily = JobSpec("d", "cron", {"hour": 8, "minute": 0, "timezone": "Europe/Moscow"})
    weekly = JobSpec("w", "cron", {"hour": 8, "minute": 0, "timezone": "Europe/Moscow", "day_of_week": "mon"})
    assert not passed_this_period(daily, datetime(2026, 11, 24, 7, 59, tzinfo=MSK))
    assert passed_this_period(daily, datetime(2026, 11, 24, 8, 0, tzinfo=MSK))
    assert passed_this_period(weekly, datetime(2026, 11, 24, 7, 0, tzinfo=MSK))  # Tuesday: Monday's is behind
    assert not passed_this_period(weekly, datetime(2026, 11, 23, 7, 0, tzinfo=MSK))


def test_a_digest_missed_while_down_goes_out_on_start_once_with_two_schedulers(Session, desk):
    clock = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=MSK))  # after 07:30: today's daily run is behind
    with EmulatorServer(address="support@coolxost.com", seed=3) as gmail:
        service = gmail.service()
        runners = [SchedulerRunner(Session, clock, mailer=lambda address: gmail.service(), owner=f"p{n}",
                                   notify_interval=3600) for n in range(2)]
        for runner in runners:
            runner.start()
        try:
            deadline = time.monotonic() + 20
            subjects: list[str] = []
            while time.monotonic() < deadline and len(subjects) < 3:
                time.sleep(0.2)
                listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
                subjects = [_subject(service, m["id"]) for m in listed]
            time.sleep(0.5)  # let the slower scheduler finish its catch-up too
        finally:
            for runner in runners:
                runner.stop()
        listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
        subjects = sorted(_subject(service, m["id"]) for m in listed)
    # Anna: yesterday's daily and last week's weekly; Boris (Novosibirsk, 13:00 there): yesterday's daily.
    assert subjects == ["Linedesk: daily digest, Monday 2026-11-23", "Linedesk: daily digest, Monday 2026-11-23",
                        "Linedesk: weekly digest, week of 2026-11-16 to 2026-11-22"]


def _subject(service, message_id: str) -> str:
    raw = service.users().messages().get(userId="me", id=message_id, format="raw").execute()["raw"]
    head = base64.urlsafe_b64decode(raw).split(b"\n\n", 1)[0].decode()
    return next(line for line in head.splitlines() if line.startswith("Subject: "))[9:]


def test_a_mail_sender_needs_a_mailbox_and_a_way_to_reach_it(Session, session, desk, monkeypatch):
    from app.models import Mailbox
    from scheduler.mailing import gmail_mailer

    monkeypatch.delenv("GMAIL_API_ENDPOINT", raising=False)
    assert gmail_mailer(Session) is None  # Google's endpoint, and no credentials stored
    monkeypatch.setenv("GMAIL_API_ENDPOINT", "http://127.0.0.1:9/")
    assert callable(gmail_mailer(Session))
    session.delete(session.scalar(select(Mailbox)))
    session.commit()
    assert gmail_mailer(Session) is None
