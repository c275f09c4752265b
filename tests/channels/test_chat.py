"""The site chat over HTTP: a dialogue key per dialogue, the visitor known by email or by a signed customer id,
a ticket in the chat channel and the first line, long-poll events both ways, the agent's conversation page
(answer, and a new email ticket from selected messages), the Gmail thread."""

from __future__ import annotations

from sqlalchemy import select

from app.channels.chat import sign_customer
from app.db import transaction
from app.models import Channel, Customer, CustomerEmail, Message, Ticket
from tests.channels.conftest import gmail_messages
from tests.desk.conftest import sign_in


def start(client, **who):
    response = client.post("/channels/chat/start", json=who)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def say(client, dialogue, text, **who):
    return client.post(f"/channels/chat/{dialogue['dialogue']}/messages",
                       json={"key": dialogue["key"], "text": text, **who})


def events(client, dialogue, after=0, wait=0.5):
    response = client.get(f"/channels/chat/{dialogue['dialogue']}/events", query_string={
        "key": dialogue["key"], "identity": dialogue["identity"], "after": after, "wait": wait})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["messages"]


def test_identity_and_keys_are_checked(app, channel_settings):
    client = app.test_client()
    assert client.post("/channels/chat/start", json={}).status_code == 400
    assert client.post("/channels/chat/start", json={"email": "nope"}).status_code == 400
    assert client.post("/channels/chat/start", json={"customer": "C-1.forged"}).status_code == 400
    assert client.options("/channels/chat/start").status_code == 204
    dialogue = start(client, email="ivan@example.com")
    assert say(client, {**dialogue, "key": "0" * 64}, "hi", email="ivan@example.com").status_code == 403
    assert say(client, dialogue, "hi", email="someone-else@example.com").status_code == 403  # key is bound to the visitor
    assert say(client, dialogue, "  ", email="ivan@example.com").status_code == 400
    bad = client.get(f"/channels/chat/{dialogue['dialogue']}/events", query_string={"key": "x", "identity": "email:a@b.c"})
    assert bad.status_code == 403


def test_a_dialogue_in_the_queue_answered_from_the_panel_and_split_into_an_email_ticket(app, Session, desk, gmail,
                                                                                       channel_settings):
    visitor, agent = app.test_client(), app.test_client()
    dialogue = start(visitor, email="ivan@example.com", name="Ivan")
    first = say(visitor, dialogue, "Hi! My mail stopped working", email="ivan@example.com", name="Ivan", id="w-1")
    number = first.get_json()["ticket"]
    assert say(visitor, dialogue, "Hi! My mail stopped working", email="ivan@example.com", id="w-1"
               ).get_json()["outcome"] == "duplicate"
    say(visitor, dialogue, "And the site is slow too", email="ivan@example.com", id="w-2")
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.channel, ticket.line.slug, ticket.customer.name) == (Channel.CHAT, "l1", "Ivan")
    seen = events(visitor, dialogue)
    assert [(m["from"], m["text"]) for m in seen] == [("visitor", "Hi! My mail stopped working"),
                                                       ("visitor", "And the site is slow too")]

    csrf = sign_in(agent, desk.kristina.id)
    queue = agent.get("/desk/queues").get_data(as_text=True)
    assert f'data-number="{number}"' in queue
    page = agent.get(f"/desk/tickets/{number}").get_data(as_text=True)
    assert f"/desk/conversation/{number}" in page
    assert agent.post(f"/desk/conversation/{number}/reply", data={"text": "Hello Ivan, <checking> now"}).status_code == 400
    agent.post(f"/desk/conversation/{number}/reply", data={"text": "Hello Ivan, <checking> now", "csrf_token": csrf})
    answer = events(visitor, dialogue, after=seen[-1]["id"])
    assert [(m["from"], m["name"], m["text"]) for m in answer] == [("agent", "Kristina", "Hello Ivan, <checking> now")]
    conversation = agent.get(f"/desk/conversation/{number}").get_data(as_text=True)
    assert "Hello Ivan, &lt;checking&gt; now" in conversation
    threads = {m["threadId"] for m in gmail_messages(gmail)}
    assert len(gmail_messages(gmail)) == 3 and len(threads) == 1

    with transaction(Session) as session:
        mail_msg = session.scalar(select(Message.id).where(Message.body_text == "Hi! My mail stopped working"))
    split = agent.post(f"/desk/conversation/{number}/split", data={"message": [mail_msg], "csrf_token": csrf})
    assert split.status_code == 303
    with transaction(Session) as session:
        new = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert new.number != number and new.channel is Channel.EMAIL and new.customer.emails[0].email == "ivan@example.com"
        body = session.scalar(select(Message.body_text).where(Message.ticket_id == new.id))
        assert body == "Customer: Hi! My mail stopped working"
    assert split.headers["Location"].endswith(f"/desk/tickets/{new.number}")


def test_a_signed_customer_id_from_the_site_finds_the_customer(app, Session, desk, channel_settings, clock):
    with transaction(Session) as session:
        vera = Customer(name="Vera Corp", contract="C-2041", company="Vera LLC", created_at=clock.now())
        session.add(vera)
        session.flush()
        session.add(CustomerEmail(customer_id=vera.id, email="it@vera.example"))
    client = app.test_client()
    signed = sign_customer(channel_settings.site_secret, "C-2041")
    dialogue = start(client, customer=signed)
    assert dialogue["identity"] == "customer:C-2041"
    number = say(client, dialogue, "Hello", customer=signed).get_json()["ticket"]
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.customer.contract, ticket.customer.company) == ("C-2041", "Vera LLC")
