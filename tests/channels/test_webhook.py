"""The generic inbound webhook: a token per integration, JSON in with clear errors, the ticket and its Gmail
thread, and answers POSTed back to the integration's reply_url (from the panel, and from the Gmail thread)."""

from __future__ import annotations

import base64

from sqlalchemy import select

from app.channels.service import pick_up_gmail_replies, reply
from app.db import transaction
from app.models import Channel, ChannelConversation, Customer, Message, Ticket
from tests.channels.conftest import FB_TOKEN, gmail_messages

URL = "/channels/webhook/facebook"


def body(**extra):
    return {"sender": {"id": "fb-1001", "name": "Olga", "email": "olga@example.com"}, "text": "The invoice is wrong",
            "message_id": "m-1", **extra}


def auth(token=FB_TOKEN):
    return {"Authorization": f"Bearer {token}"}


def test_the_webhook_needs_the_integrations_own_token(app):
    client = app.test_client()
    assert client.post(URL, json=body()).status_code == 401
    assert client.post(URL, json=body(), headers=auth("tg-secret-7f3a")).status_code == 401
    assert client.post("/channels/webhook/vk", json=body(), headers=auth()).status_code == 401  # not configured


def test_bad_bodies_get_an_error_naming_the_field(app):
    client = app.test_client()
    cases = [
        ("not json", "the body must be a JSON object"),
        ({"text": "hi"}, "sender.id is required"),
        ({"sender": {"id": "x"}, "text": ""}, "text is required"),
        ({"sender": {"id": "x"}, "text": 5}, "text must be a string"),
        ({"sender": {"id": "x"}, "text": "hi", "attachments": [{"filename": "a"}]}, "attachments[0] needs filename and data"),
        ({"sender": {"id": "x"}, "text": "hi", "attachments": [{"filename": "a", "data": "***"}]},
         "attachments[0].data is not base64"),
        ({"sender": {"id": "x", "email": "not-an-address"}, "text": "hi"}, "sender.email is not an email address"),
        ({"sender": {"id": "x", "phone": "12"}, "text": "hi"}, "phone"),
    ]
    for payload, error in cases:
        response = (client.post(URL, data=payload, headers={**auth(), "Content-Type": "application/json"})
                    if isinstance(payload, str) else client.post(URL, json=payload, headers=auth()))
        assert response.status_code == 400, payload
        assert error in response.get_json()["error"], (payload, response.get_json())


def test_a_message_becomes_a_ticket_in_gmail_and_answers_go_to_the_reply_url(app, Session, clock, gmail, bridge,
                                                                                desk, channel_settings):
    client = app.test_client()
    shot = base64.b64encode(b"\x89PNG fake").decode()
    first = client.post(URL, json=body(attachments=[{"filename": "shot.png", "content_type": "image/png", "data": shot}]),
                        headers=auth())
    assert first.status_code == 201, first.get_json()
    number = first.get_json()["ticket"]
    assert client.post(URL, json=body(), headers=auth()).get_json()["outcome"] == "duplicate"  # same message_id
    again = client.post(URL, json=body(text="Any news?", message_id="m-2"), headers=auth())
    assert again.status_code == 200 and again.get_json() == {"ticket": number, "outcome": "joined", "rule": None}
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.channel is Channel.CHAT
        assert session.scalar(select(Customer.name).where(Customer.id == ticket.customer_id)) == "Olga"
        conversation = session.scalar(select(ChannelConversation))
        assert (conversation.adapter, conversation.external_id) == ("webhook:facebook", "fb-1001")
        assert session.scalar(select(Message.attachments).order_by(Message.id).limit(1))[0]["filename"] == "shot.png"
    mirrored = gmail_messages(gmail)
    assert len(mirrored) == 2 and len({m["threadId"] for m in mirrored}) == 1
    assert "via Facebook" in mirrored[0]["mail"]["From"] and "support+webhook-facebook-" in mirrored[0]["mail"]["From"]

    # The file is in the panel, served from what the channel gave (no Gmail part to fetch).
    from tests.desk.conftest import sign_in

    with transaction(Session) as session:
        first_id = session.scalar(select(Message.id).order_by(Message.id).limit(1))
    agent = app.test_client()
    sign_in(agent, desk.kristina.id)
    assert "shot.png" in agent.get(f"/desk/tickets/{number}").get_data(as_text=True)
    download = agent.get(f"/desk/tickets/{number}/messages/{first_id}/attachments/0")
    assert download.status_code == 200 and download.data == b"\x89PNG fake"
    assert download.headers["Content-Disposition"].startswith("attachment")

    reply(Session, clock, number, "We have corrected the invoice.", desk.kristina.email,
          gmail=gmail.service(), settings=channel_settings)
    assert bridge.received == [(f"Bearer {FB_TOKEN}", {"conversation": "fb-1001", "sender": "fb-1001",
                                                        "text": "We have corrected the invoice.", "ticket": number})]
    assert "SENT" in gmail_messages(gmail)[0]["labelIds"]
    reply(Session, clock, number, "We have corrected the invoice.", desk.kristina.email,  # a double click
          gmail=gmail.service(), settings=channel_settings)
    assert pick_up_gmail_replies(Session, clock, settings=channel_settings) == 0  # nothing sent twice
    assert len(bridge.received) == 1


def test_an_answer_goes_where_the_customer_last_wrote(app, Session, clock, bridge, desk, channel_settings):
    from app.channels.service import answers_by_channel
    from app.models import Direction
    from app.workflow import CustomerRef, Inbound, Workflow

    with transaction(Session) as session:
        wf = Workflow(session, clock, via="test")
        number = wf.create_ticket(None, subject="Invoice", line=desk.l1, body="By mail first", mailbox=desk.mailbox,
                                  customer=CustomerRef("Olga", "olga@example.com")).number
    client = app.test_client()
    assert client.post(URL, json=body(), headers=auth()).get_json() == {"ticket": number, "outcome": "joined",
                                                                          "rule": None}
    with transaction(Session) as session:
        assert answers_by_channel(session, number)  # her last word came by Facebook
        ticket = Workflow(session, clock).ticket(number)
        Workflow(session, clock, via="test").receive(Inbound(
            channel=Channel.EMAIL, subject="Re: Invoice", body_text="And by mail again", sent_at=clock.now(),
            from_email="olga@example.com", mailbox=session.merge(desk.mailbox), ticket=ticket))
        assert session.scalar(select(Message.direction).order_by(Message.id.desc()).limit(1)) is Direction.IN
        assert not answers_by_channel(session, number)  # now by mail
