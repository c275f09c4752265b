""""Create ticket" on an opened message of the support mailbox makes the ticket of that message — customer,
subject, text, Gmail thread — through the intake rules, and later mail of the conversation joins it."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.models import Message, Priority, Ticket, TicketEvent, TicketThread
from gmail_sync.client import GmailApi
from gmail_sync.runner import MailboxRunner
from tests.addon.conftest import AUDIENCE, SERVICE_ACCOUNT, card_of, texts

SUPPORT = "support@coolxost.com"


@pytest.fixture
def app(make_app, google, gmail):  # the add-on's app, reading the local Gmail
    return make_app(addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                    google_certs_url=google.certs_url, gmail_api_endpoint=gmail.url)


def put(gmail, raw: str, labels: list[str], thread_id: str | None = None) -> dict:
    body = {"raw": base64.urlsafe_b64encode(raw.encode()).decode(), "labelIds": labels}
    if thread_id:
        body["threadId"] = thread_id
    return gmail.service().users().messages().insert(userId="me", body=body).execute()


RAW = ("From: Nina <nina@example.com>\r\nTo: support@coolxost.com\r\nSubject: Invoice <b>42</b> is wrong\r\n"
       "Message-ID: <n1@example.com>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nThe total is twice too big.\r\n")


def test_create_ticket_makes_the_ticket_of_the_opened_message(addon, gmail, Session, clock):
    # A message of the support mailbox that no ticket holds yet (the sync has not run, or left it out).
    opened = put(gmail, RAW, ["INBOX"])
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": opened["id"],
                                                            "threadId": opened["threadId"]}).get_json())
    assert card["header"]["title"] == "Not a ticket"
    assert "From nina@example.com: Invoice &lt;b&gt;42&lt;/b&gt; is wrong" in texts(card)  # escaped
    assert '"subject"' not in texts(card)  # nothing to type: the message is the ticket

    payload = addon().post("/addon/action", params={"do": "create", "message": opened["id"],
                                                    "thread": opened["threadId"]},
                           form={"line": "l1", "priority": "high"}).get_json()
    number = int(card_of(payload)["header"]["title"].split()[0][1:])
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.subject, ticket.priority, ticket.line.slug) == ("Invoice <b>42</b> is wrong", Priority.HIGH, "l1")
        assert ticket.customer.emails[0].email == "nina@example.com"
        [message] = session.scalars(select(Message).where(Message.ticket_id == ticket.id)).all()
        assert message.provider_message_id == opened["id"] and "twice too big" in message.body_text
        assert session.scalar(select(TicketThread.provider_thread_id).where(TicketThread.ticket_id == ticket.id)) \
            == opened["threadId"]
        opened_by = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                             TicketEvent.kind == "opened_from_mail"))
        assert opened_by.actor_label == "kristina@coolxost.com" and opened_by.via == "addon"

    # The customer writes again in the thread: the sync joins it to the ticket made from the sidebar.
    put(gmail, RAW.replace("<n1@", "<n2@").replace("Subject: ", "In-Reply-To: <n1@example.com>\r\nSubject: Re: ")
        .replace("twice too big", "still wrong"), ["INBOX"], opened["threadId"])
    MailboxRunner(Session, GmailApi.connect(SUPPORT, gmail.url), SUPPORT, clock).sync_once()
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert session.scalar(select(Ticket.id).where(Ticket.number != number, Ticket.subject.like("%Invoice%"))) is None
        bodies = sorted(session.scalars(select(Message.body_text).where(Message.ticket_id == ticket.id)))
        assert len(bodies) == 2 and any("still wrong" in b for b in bodies)


def test_a_message_no_support_mailbox_holds_is_opened_from_what_the_agent_types(addon, Session):
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": "not-ours", "threadId": "t"}).get_json())
    assert '"subject"' in texts(card)
    payload = addon().post("/addon/action", params={"do": "create", "message": "not-ours", "thread": "t"},
                           form={"line": "l1", "priority": "normal", "subject": "Phone call",
                                 "customer_email": "olga@example.com"}).get_json()
    number = int(card_of(payload)["header"]["title"].split()[0][1:])
    with Session() as session:
        assert session.scalar(select(Ticket.subject).where(Ticket.number == number)) == "Phone call"
