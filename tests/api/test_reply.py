"""POST /tickets/{number}/reply: the answer goes into the customer's Gmail thread (the local Gmail), once."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.models import Channel, Mailbox
from app.workflow import Inbound, Workflow

SUPPORT = "support@coolxost.com"


@pytest.fixture
def app(make_app, gmail):  # the app, pointed at the local Gmail
    return make_app(gmail_api_endpoint=gmail.url)


@pytest.fixture
def mail_ticket(Session, clock, gmail, desk) -> tuple[int, str]:
    raw = (f"From: Ivan <ivan@example.com>\r\nTo: {SUPPORT}\r\nSubject: Site is down\r\n"
           "Message-ID: <q1@example.com>\r\n\r\nHelp\r\n").encode()
    put = gmail.service().users().messages().insert(
        userId="me", body={"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": ["INBOX"]}).execute()
    with Session() as session:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == SUPPORT))
        result = Workflow(session, clock, via="sync").receive(Inbound(
            channel=Channel.EMAIL, subject="Site is down", body_text="Help", sent_at=clock.now(),
            from_email="ivan@example.com", mailbox=mailbox, provider_message_id=put["id"],
            provider_thread_id=put["threadId"], rfc822_message_id="<q1@example.com>"))
        session.commit()
        return result.ticket.number, put["threadId"]


def in_sent(gmail) -> list:
    return gmail.service().users().messages().list(userId="me", q="in:sent").execute().get("messages", [])


def test_reply_is_sent_in_the_thread_and_returned(api_client, gmail, mail_ticket):
    number, thread_id = mail_ticket
    kristina = api_client("kristina")
    response = kristina.post(f"/tickets/{number}/reply", {"text": "Hello Ivan, fixed."},
                             headers={"Idempotency-Key": "abc"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["direction"] == "out" and body["author"] == "kristina@coolxost.com" and body["ticket"] == number
    assert body["gmail_thread_id"] == thread_id and body["from"] == SUPPORT
    again = kristina.post(f"/tickets/{number}/reply", {"text": "Hello Ivan, fixed."},
                          headers={"Idempotency-Key": "abc"})
    assert again.status_code == 201 and again.get_json()["id"] == body["id"]
    assert len(in_sent(gmail)) == 1
    ticket = kristina.get(f"/tickets/{number}").get_json()
    assert ticket["times"]["first_response"] is not None


def test_reply_refusals(api_client, gmail, mail_ticket):
    number, _ = mail_ticket
    assert api_client("carl").post(f"/tickets/{number}/reply", {"text": "Hi"}).status_code == 403
    assert api_client("kristina").post("/tickets/9999/reply", {"text": "Hi"}).status_code == 404
    assert api_client("kristina").post(f"/tickets/{number}/reply", {"text": "  "}).status_code == 400
    assert api_client("kristina").post(f"/tickets/{number}/reply", {}).status_code == 400
    assert in_sent(gmail) == []


def test_gmail_down_is_a_502_and_the_retry_sends_once(api_client, gmail, mail_ticket):
    number, _ = mail_ticket
    kristina = api_client("kristina")
    gmail.control.configure(fault_rate=1.0, fault_kinds=["503"])
    failed = kristina.post(f"/tickets/{number}/reply", {"text": "Later"}, headers={"Idempotency-Key": "k"})
    assert failed.status_code == 502 and failed.get_json()["type"] == "urn:linedesk:problem:send-failed"
    gmail.control.configure(fault_rate=0.0)
    assert kristina.post(f"/tickets/{number}/reply", {"text": "Later"},
                         headers={"Idempotency-Key": "k"}).status_code == 201
    assert len(in_sent(gmail)) == 1
