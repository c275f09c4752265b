"""Replies out, exactly once, against the local Gmail: threading headers, the outbox protocol, a crash between
the send and its record, and Gmail faults."""

from __future__ import annotations

import base64
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from app.models import Channel, Direction, Message, OutboxMail, Ticket
from app.workflow import Inbound, Workflow
from gmail_emulator.testing import EmulatorServer
from gmail_sync import outbound
from gmail_sync.credentials import build_gmail_service
from gmail_sync.outbound import SendFailed, SendInProgress, reply
from tests.factories import make_desk

CUSTOMER = "ivan@example.com"
SUPPORT = "support@coolxost.com"


def customer_mail(message_id: str, subject: str = "Site is down", refs: str = "") -> bytes:
    extra = f"In-Reply-To: {refs.split()[-1]}\r\nReferences: {refs}\r\n" if refs else ""
    return (f"From: Ivan <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "My site does not open.\r\n").encode()


def put_in_inbox(service, raw: bytes, thread_id: str | None = None) -> dict:
    body = {"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": ["INBOX", "UNREAD"]}
    if thread_id:
        body["threadId"] = thread_id
    return service.users().messages().insert(userId="me", body=body).execute()


@pytest.fixture
def gmail():
    with EmulatorServer(address=SUPPORT) as server:
        yield server


@pytest.fixture
def ticket_in_thread(Session, clock, gmail):
    """A customer's mail in the local Gmail and the ticket it opened; returns (ticket number, Gmail thread id)."""
    service = gmail.service()
    first = put_in_inbox(service, customer_mail("<q1@example.com>"))
    second = put_in_inbox(service, customer_mail("<q2@example.com>", "Re: Site is down", "<q1@example.com>"),
                          first["threadId"])
    with Session() as session:
        desk = make_desk(session)
        wf = Workflow(session, clock, via="sync")
        number = None
        for sent, mid in ((first, "<q1@example.com>"), (second, "<q2@example.com>")):
            result = wf.receive(Inbound(channel=Channel.EMAIL, subject="Site is down", body_text="My site",
                                        sent_at=clock.now(), from_email=CUSTOMER, mailbox=desk.mailbox,
                                        provider_message_id=sent["id"], provider_thread_id=sent["threadId"],
                                        rfc822_message_id=mid))
            number = result.ticket.number
        session.commit()
    return number, first["threadId"]


def sent_messages(gmail) -> list[dict]:
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    return [service.users().messages().get(userId="me", id=m["id"], format="raw").execute() for m in listed]


def headers_of(raw_b64: str):
    return message_from_bytes(base64.urlsafe_b64decode(raw_b64), policy=default_policy)


def test_reply_goes_into_the_customers_thread(Session, clock, gmail, ticket_in_thread):
    number, thread_id = ticket_in_thread
    service = build_gmail_service(gmail.url, None, SUPPORT)
    message = reply(Session, clock, number, "Hello Ivan,\n\nit works again.", "kristina@coolxost.com",
                    gmail=service)
    assert message.direction is Direction.OUT and message.provider_thread_id == thread_id
    [sent] = sent_messages(gmail)
    assert sent["threadId"] == thread_id
    mail = headers_of(sent["raw"])
    assert mail["Subject"] == "Re: Site is down"  # not "Re: Re: …"
    assert mail["In-Reply-To"] == "<q2@example.com>"
    assert mail["References"].split() == ["<q1@example.com>", "<q2@example.com>"]
    assert mail["From"] == SUPPORT and mail["To"] == CUSTOMER
    assert mail["Message-ID"].endswith("@linedesk.coolxost.com>") and mail["Message-ID"] == message.rfc822_message_id
    assert mail.get_body(("plain",)).get_content().startswith("Hello Ivan")
    assert mail.get_body(("html",)) is not None
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.first_response_at is not None
        row = session.scalar(select(OutboxMail))
        assert (row.state, row.attempts, row.provider_message_id) == ("sent", 1, sent["id"])
    thread = gmail.service().users().threads().get(userId="me", id=thread_id).execute()
    assert len(thread["messages"]) == 3


def test_the_same_reply_twice_is_sent_once(Session, clock, gmail, ticket_in_thread):
    number, _ = ticket_in_thread
    service = build_gmail_service(gmail.url, None, SUPPORT)
    first = reply(Session, clock, number, "Fixed.", "kristina@coolxost.com", gmail=service)
    again = reply(Session, clock, number, "Fixed.", "kristina@coolxost.com", gmail=service, idempotency_key=None)
    # The derived key changed (the reply itself is now the last message), so pass the first key explicitly:
    with Session() as session:
        key = session.scalar(select(OutboxMail.idempotency_key).order_by(OutboxMail.id).limit(1))  # the first's
    third = reply(Session, clock, number, "Fixed.", "kristina@coolxost.com", gmail=service, idempotency_key=key)
    assert third.id == first.id
    assert len(sent_messages(gmail)) == 2 and again.id != first.id


def test_a_crash_between_send_and_record_does_not_send_twice(Session, clock, gmail, ticket_in_thread, monkeypatch):
    number, _ = ticket_in_thread
    service = build_gmail_service(gmail.url, None, SUPPORT)
    real = outbound._recorder
    crashes = []

    def crashing(via):
        record = real(via)

        def once(session, clock_, row):
            if not crashes:
                crashes.append(row.id)
                raise RuntimeError("power cut")
            return record(session, clock_, row)

        return once

    monkeypatch.setattr(outbound, "_recorder", crashing)
    with pytest.raises(RuntimeError):
        reply(Session, clock, number, "On it.", "kristina@coolxost.com", gmail=service, idempotency_key="k1")
    assert len(sent_messages(gmail)) == 1
    with Session() as session:
        assert session.scalar(select(OutboxMail.state)) == "pending"
    message = reply(Session, clock, number, "On it.", "kristina@coolxost.com", gmail=service, idempotency_key="k1")
    assert len(sent_messages(gmail)) == 1
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.direction == Direction.OUT)) == 1
        assert session.scalar(select(OutboxMail.provider_message_id)) == message.provider_message_id


def test_two_deliveries_at_once_send_one_mail(Session, clock, gmail, ticket_in_thread):
    """Two requests with one idempotency key (a client retrying while the first is still out): the second finds
    the send lease taken and is told so; Gmail gets one mail."""
    number, _ = ticket_in_thread
    gmail.control.configure(latency_ms=400)  # every call takes a while: the first send is still under way
    outcomes: list[object] = []

    def send() -> None:
        try:
            outcomes.append(reply(Session, clock, number, "On it.", "kristina@coolxost.com",
                                  gmail=build_gmail_service(gmail.url, None, SUPPORT), idempotency_key="same"))
        except SendFailed as exc:
            outcomes.append(exc)

    first = threading.Thread(target=send)
    first.start()
    deadline = time.monotonic() + 10
    with Session() as session:  # wait until the first has claimed the row (committed before its Gmail call)
        while time.monotonic() < deadline and not session.scalar(select(OutboxMail.sending_until)):
            session.rollback()
            time.sleep(0.02)
    send()
    first.join()
    gmail.control.configure(latency_ms=0)
    refused = [o for o in outcomes if isinstance(o, SendFailed)]
    assert len(refused) == 1 and isinstance(refused[0], SendInProgress) and refused[0].status == 409
    assert len(sent_messages(gmail)) == 1
    with Session() as session:
        row = session.scalar(select(OutboxMail))
        assert (row.state, row.attempts, row.sending_until) == ("sent", 1, None)


def test_a_sender_that_died_mid_send_holds_the_lease_until_it_expires(Session, clock, gmail, ticket_in_thread):
    """A process that took the lease and died: deliveries wait for the lease, then look in SENT before sending."""
    number, _ = ticket_in_thread
    service = build_gmail_service(gmail.url, None, SUPPORT)
    gmail.control.configure(fault_rate=1.0, fault_kinds=["503"])
    with pytest.raises(SendFailed):
        reply(Session, clock, number, "On it.", "kristina@coolxost.com", gmail=service, idempotency_key="k9")
    gmail.control.configure(fault_rate=0.0)
    with Session() as session:
        row = session.scalar(select(OutboxMail))
        assert (row.attempts, row.sending_until) == (1, None)  # a failed attempt gives the lease back
        row.sending_until = clock.now() + outbound.SEND_LEASE  # another process claimed it, then died
        session.commit()
        outbox_id = row.id
    with pytest.raises(SendInProgress):
        outbound.deliver(Session, clock, outbox_id, gmail=service)
    assert sent_messages(gmail) == []
    clock.advance(outbound.SEND_LEASE)
    outbound.deliver(Session, clock, outbox_id, gmail=service)
    outbound.deliver(Session, clock, outbox_id, gmail=service)  # already sent: records, sends nothing
    assert len(sent_messages(gmail)) == 1


def test_with_faults_the_reply_is_eventually_sent_once(Session, clock, gmail, ticket_in_thread):
    number, _ = ticket_in_thread
    service = build_gmail_service(gmail.url, None, SUPPORT)
    gmail.control.configure(fault_rate=0.5, fault_kinds=["500", "503", "drop"])
    failures = 0
    for _ in range(60):
        try:
            reply(Session, clock, number, "Retried.", "lisa@coolxost.com", gmail=service, idempotency_key="k2")
            break
        except SendFailed as exc:
            assert exc.retryable
            failures += 1
            with Session() as session:
                row = session.scalar(select(OutboxMail))
                assert row is None or (row.state == "pending" and row.last_error)
    else:
        pytest.fail("never sent")
    gmail.control.configure(fault_rate=0.0)
    assert len(sent_messages(gmail)) == 1


def test_an_agent_off_the_line_may_not_reply(Session, clock, gmail, ticket_in_thread):
    from app.domain.errors import PermissionDenied

    number, _ = ticket_in_thread
    with pytest.raises(PermissionDenied):
        reply(Session, clock, number, "Hi", "carl@coolxost.com", gmail=build_gmail_service(gmail.url, None, SUPPORT))
    assert sent_messages(gmail) == []
