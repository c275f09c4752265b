"""Alert and warning events mailed to the person concerned through the local Gmail: once per event, however
often and in however many sessions the job runs; a failing send stays pending and is retried."""

from __future__ import annotations

import base64
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from app.models import Mailing, OutboxMail, TicketEvent
from gmail_emulator.testing import EmulatorServer
from scheduler.notify import enqueue, notify

SUPPORT = "support@coolxost.com"


@pytest.fixture
def gmail():
    with EmulatorServer(address=SUPPORT, seed=11) as server:
        yield server


@pytest.fixture
def mailer(gmail):
    return lambda address: gmail.service()


@pytest.fixture
def ignored(new_ticket, fire, clock, session):
    """A ticket claimed by the rules and then not started: the head (Anna) is alerted."""
    ticket = new_ticket()
    clock.advance(seconds=41)
    fire(seed=1)
    clock.advance(minutes=16)
    fire(seed=1)
    session.expire_all()
    assert ticket.flag_ignored
    session.commit()  # the test's session must not hold SQLite's write lock while the job runs
    return ticket


def sent(gmail) -> list:
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    raws = [service.users().messages().get(userId="me", id=m["id"], format="raw").execute()["raw"] for m in listed]
    return [message_from_bytes(base64.urlsafe_b64decode(raw), policy=default_policy) for raw in raws]


def alerts(session) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.kind.in_(("alert", "warning")))))


def test_the_head_gets_the_alert_once(Session, clock, session, ignored, gmail, mailer):
    [alert] = alerts(session)
    assert alert.to_value == "anna@coolxost.com"
    session.commit()

    lines = notify(Session, clock, mailer=mailer, owner="a")
    assert lines == [f"notify:{alert.id} to anna@coolxost.com: sent"]
    assert notify(Session, clock, mailer=mailer, owner="b") == []  # a second run: nothing pending
    [mail] = sent(gmail)
    assert (mail["From"], mail["To"]) == (SUPPORT, "anna@coolxost.com")
    assert mail["Subject"] == f"[#{ignored.number}] Alert: #{ignored.number} was not started within 900 s by..."
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith(f"#{ignored.number} was not started within 900 s by ") and "Line: 1st line" in text
    assert mail["In-Reply-To"] is None  # its own thread, not the customer's
    with Session() as check:
        assert check.scalar(select(OutboxMail.idempotency_key)) == f"notify:{alert.id}"


def test_two_sessions_running_the_job_together_send_one_mail(Session, clock, ignored, gmail, mailer):
    results: dict[str, list[str]] = {}
    barrier = threading.Barrier(2)

    def job(owner: str) -> None:
        barrier.wait()
        results[owner] = notify(Session, clock, mailer=mailer, owner=owner)

    threads = [threading.Thread(target=job, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = [line.rsplit(": ", 1)[1] for lines in results.values() for line in lines]
    assert outcomes.count("sent") == 1 and set(outcomes) <= {"sent", "busy", "already sent"}
    assert len(sent(gmail)) == 1
    with Session() as session:
        assert [m.state for m in session.scalars(select(Mailing))] == ["sent"]


def test_a_failing_send_stays_pending_and_is_retried(Session, clock, ignored, gmail, mailer):
    gmail.control.configure(fault_rate=1.0, fault_kinds=["503"])
    [line] = notify(Session, clock, mailer=mailer, owner="a")
    assert ": will retry: " in line
    with Session() as session:
        mailing = session.scalar(select(Mailing))
        assert (mailing.state, mailing.lease_until) == ("pending", None) and mailing.last_error
    gmail.control.configure(fault_rate=0.0)
    [line] = notify(Session, clock, mailer=mailer, owner="a")
    assert line.endswith(": sent") and len(sent(gmail)) == 1


def test_warnings_go_to_the_assignee(Session, clock, session, new_ticket, fire, gmail, mailer):
    ticket = new_ticket()
    clock.advance(seconds=41)
    fire(seed=1)
    session.expire_all()
    assignee = ticket.assignee.email
    session.commit()
    clock.advance(minutes=48)  # 80 % of the 1 h first-response target (the start rule alerts the head too)
    fire(seed=1)
    notify(Session, clock, mailer=mailer, owner="a")
    recipients = sorted(mail["To"] for mail in sent(gmail))
    assert recipients == sorted([assignee, "anna@coolxost.com"])


def test_stale_events_are_not_enqueued(Session, clock, session, ignored):
    clock.advance(days=8)
    session.commit()
    with Session() as fresh:
        assert enqueue(fresh, clock) == 0
