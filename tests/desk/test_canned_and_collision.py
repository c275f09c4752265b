"""Canned responses (managed per line on the web, sent into the customer's thread from both panels) and the
collision notice (who else has the ticket open, or is writing)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.models import CannedResponse, Channel, Direction, Mailbox, Message, TicketEvent
from app.panel.canned import render
from app.workflow import Inbound, Workflow

SUPPORT = "support@coolxost.com"


@pytest.fixture
def app(make_app, gmail):  # the app, pointed at the local Gmail
    return make_app(gmail_api_endpoint=gmail.url)


@pytest.fixture
def mail_ticket(Session, clock, gmail, desk) -> int:
    raw = (f"From: Ivan <ivan@example.com>\r\nTo: {SUPPORT}\r\nSubject: Site is down\r\n"
           "Message-ID: <q1@example.com>\r\n\r\nHelp\r\n").encode()
    put = gmail.service().users().messages().insert(
        userId="me", body={"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": ["INBOX"]}).execute()
    with Session() as session:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == SUPPORT))
        result = Workflow(session, clock, via="sync").receive(Inbound(
            channel=Channel.EMAIL, subject="Site is down", body_text="Help", sent_at=clock.now(),
            from_email="ivan@example.com", from_name="Ivan", mailbox=mailbox, provider_message_id=put["id"],
            provider_thread_id=put["threadId"], rfc822_message_id="<q1@example.com>"))
        session.commit()
        return result.ticket.number


def _save(client, csrf, slug="l1", **form):
    response = client.post(f"/desk/canned/{slug}", data={"csrf_token": csrf, **form})
    assert response.status_code == 303
    return client.get("/desk/canned").get_data(as_text=True)


def test_placeholders_are_filled_and_nothing_else_is_interpreted():
    text = render("Hello {customer_name}, {ticket_number} is fixed. {agent_name} {0.__class__} {unknown}",
                  customer_name="Ivan", ticket_number=1042, agent_name="Kristina")
    assert text == "Hello Ivan, #1042 is fixed. Kristina {0.__class__} {unknown}"


def test_the_head_manages_a_lines_canned_responses_and_agents_only_read_them(signed_in, Session):
    anna, a = signed_in("anna")
    page = _save(anna, a, title="Fixed", body="Hello {customer_name}, it works again.")
    assert "Canned response saved" in page
    assert "Not saved" in _save(anna, a, title="Fixed", body="again")  # one title per line
    kristina, k = signed_in("kristina")
    assert "Not saved: only the head of 1st line" in _save(kristina, k, title="Mine", body="x")
    page = kristina.get("/desk/canned").get_data(as_text=True)
    assert "Fixed" in page and 'name="title"' not in page.split('data-line="l1"')[1].split("</section>")[0]
    with Session() as session:
        canned = session.scalar(select(CannedResponse))
    assert "Canned response removed" in _save(anna, a, id=canned.id, delete="1")
    assert kristina.post("/desk/canned/l1", data={"title": "x", "body": "y"}).status_code == 400  # no CSRF


def test_a_canned_reply_from_the_web_goes_into_the_customers_thread(signed_in, mail_ticket, gmail, Session):
    anna, a = signed_in("anna")
    _save(anna, a, title="Fixed", body="Hello {customer_name}, {ticket_number} works again. {agent_name}")
    kristina, k = signed_in("kristina")
    kristina.post(f"/desk/tickets/{mail_ticket}/claim", data={"csrf_token": k})
    page = kristina.get(f"/desk/tickets/{mail_ticket}").get_data(as_text=True)
    canned_id = page.split('name="canned"')[1].split('value="')[1].split('"')[0]
    response = kristina.post(f"/desk/tickets/{mail_ticket}/reply", data={"csrf_token": k, "canned": canned_id})
    assert "sent to the customer" in kristina.get(response.headers["Location"]).get_data(as_text=True)
    sent = gmail.service().users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    assert len(sent) == 1
    with Session() as session:
        out = session.scalar(select(Message).where(Message.direction == Direction.OUT))
        replied = session.execute(select(TicketEvent.via, TicketEvent.actor_label)
                                  .where(TicketEvent.kind == "replied")).all()
    assert out.body_text == f"Hello Ivan, #{mail_ticket} works again. Kristina"
    assert replied == [("web", "kristina@coolxost.com")]
    bad = kristina.post(f"/desk/tickets/{mail_ticket}/reply", data={"csrf_token": k, "canned": "999"})
    assert "Not sent" in kristina.get(bad.headers["Location"]).get_data(as_text=True)


def test_others_viewing_or_replying_are_shown(signed_in, make_ticket, clock):
    number = make_ticket()
    kristina, _ = signed_in("kristina")
    lisa, _ = signed_in("lisa")
    kristina.get(f"/desk/tickets/{number}")
    page = lisa.get(f"/desk/tickets/{number}").get_data(as_text=True)
    assert "Kristina is viewing this ticket" in page
    assert kristina.get(f"/desk/tickets/{number}.json").get_json()["others"] == [{"name": "Lisa", "replying": False}]
    lisa.get(f"/desk/tickets/{number}.json?replying=1")
    assert kristina.get(f"/desk/tickets/{number}.json").get_json()["others"] == [{"name": "Lisa", "replying": True}]
    clock.advance(seconds=31)
    kristina.get(f"/desk/tickets/{number}.json")
    assert lisa.get(f"/desk/tickets/{number}.json").get_json()["others"] == [{"name": "Kristina", "replying": False}]
    clock.advance(seconds=31)
    assert lisa.get(f"/desk/tickets/{number}.json").get_json()["others"] == []
