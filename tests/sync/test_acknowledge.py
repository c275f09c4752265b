"""The acknowledgement: one per new ticket, in its thread, with its number and response time; never for machines
or ourselves; rate-limited per sender."""

from __future__ import annotations

import base64
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from app.models import Channel, HelpdeskSetting, OutboxMail, Ticket
from app.workflow import Inbound, Workflow
from gmail_emulator.testing import EmulatorServer
from gmail_sync.acknowledge import acknowledge, within
from gmail_sync.credentials import build_gmail_service
from tests.factories import make_desk

SUPPORT = "support@coolxost.com"


@pytest.fixture
def gmail():
    with EmulatorServer(address=SUPPORT) as server:
        yield server


@pytest.fixture
def desk_ready(Session):
    with Session() as session:
        make_desk(session)
        session.add(HelpdeskSetting(key="first_response", value={"email": 3600, "chat": 120}))
        session.add(HelpdeskSetting(key="name", value="CoolXost support"))
        session.commit()


def new_ticket(Session, clock, gmail, sender: str = "ivan@example.com", *, automatic: bool = False,
               n: int = 1) -> int:
    service = gmail.service()
    raw = (f"From: Ivan <{sender}>\r\nTo: {SUPPORT}\r\nSubject: Help {n}\r\nMessage-ID: <m{n}.{sender}>\r\n\r\n"
           "Hi\r\n").encode()
    put = service.users().messages().insert(userId="me", body={"raw": base64.urlsafe_b64encode(raw).decode(),
                                                               "labelIds": ["INBOX"]}).execute()
    with Session() as session:
        from app.models import Mailbox

        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == SUPPORT))
        mailbox.join_active_ticket = False
        result = Workflow(session, clock, via="sync").receive(Inbound(
            channel=Channel.EMAIL, subject=f"Help {n}", body_text="Hi", sent_at=clock.now(), from_email=sender,
            from_name="Ivan", mailbox=mailbox, provider_message_id=put["id"], provider_thread_id=put["threadId"],
            rfc822_message_id=f"<m{n}.{sender}>", automatic=automatic))
        session.commit()
        assert result.ticket is not None
        return result.ticket.number


def service_for(gmail):
    return build_gmail_service(gmail.url, None, SUPPORT)


def sent(gmail) -> list:
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    return [message_from_bytes(base64.urlsafe_b64decode(
        service.users().messages().get(userId="me", id=m["id"], format="raw").execute()["raw"]),
        policy=default_policy) for m in listed]


def test_a_new_ticket_gets_one_acknowledgement_in_its_thread(Session, clock, gmail, desk_ready):
    number = new_ticket(Session, clock, gmail)
    result = acknowledge(Session, clock, number, gmail=service_for(gmail))
    assert result.sent
    again = acknowledge(Session, clock, number, gmail=service_for(gmail))
    assert not again.sent and "already" in again.reason
    [mail] = sent(gmail)
    text = mail.get_body(("plain",)).get_content()
    assert f"#{number}" in text and "within 1 hour" in text and "Ivan" in text
    assert mail["Subject"] == "Re: Help 1" and mail["In-Reply-To"] == "<m1.ivan@example.com>"
    assert mail["Auto-Submitted"] == "auto-replied"
    with Session() as session:
        row = session.scalar(select(OutboxMail))
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert row.state == "sent" and row.kind == "ack"
        assert ticket.first_response_at is None  # an acknowledgement is not an answer
        assert row.provider_thread_id == ticket.threads[0].provider_thread_id


def test_automatic_mail_and_our_own_address_get_none(Session, clock, gmail, desk_ready):
    auto = new_ticket(Session, clock, gmail, "ooo@example.com", n=1)
    with Session() as session:  # mark the first message automatic, as the sync would for an auto-reply
        from app.models import Message

        session.scalar(select(Message).join(Ticket).where(Ticket.number == auto)).automatic = True
        session.commit()
    assert "automatic" in acknowledge(Session, clock, auto, gmail=service_for(gmail)).reason
    daemon = new_ticket(Session, clock, gmail, "mailer-daemon@example.com", n=2)
    assert not acknowledge(Session, clock, daemon, gmail=service_for(gmail)).sent
    assert sent(gmail) == []


def test_a_sender_gets_at_most_three_per_hour(Session, clock, gmail, desk_ready):
    numbers = [new_ticket(Session, clock, gmail, "busy@example.com", n=n) for n in range(5)]
    results = [acknowledge(Session, clock, number, gmail=service_for(gmail)) for number in numbers]
    assert [r.sent for r in results] == [True, True, True, False, False]
    assert "last hour" in results[3].reason
    clock.advance(timedelta(hours=1, seconds=1))
    later = new_ticket(Session, clock, gmail, "busy@example.com", n=9)
    assert acknowledge(Session, clock, later, gmail=service_for(gmail)).sent
    assert len(sent(gmail)) == 4


def test_the_limit_is_a_setting(Session, clock, gmail, desk_ready):
    with Session() as session:
        session.add(HelpdeskSetting(key="ack_per_sender_per_hour", value=1))
        session.commit()
    numbers = [new_ticket(Session, clock, gmail, "c@example.com", n=n) for n in range(2)]
    assert [acknowledge(Session, clock, n, gmail=service_for(gmail)).sent for n in numbers] == [True, False]


@pytest.mark.parametrize(("seconds", "text"), [
    (3600, "within 1 hour"), (120, "within 2 minutes"), (86400, "within 1 day"), (5400, "within 1 hour 30 minutes"),
    (45, "within 45 seconds"), (7200, "within 2 hours"),
])
def test_within(seconds, text):
    assert within(seconds) == text
