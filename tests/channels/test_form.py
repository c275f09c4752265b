"""The website form over HTTP: the signed form token, errors next to their fields, the honeypot, the per-IP limit,
the routing choice, the Gmail thread, the acknowledgement mailed, and an answer by mail to the address given."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from app.db import transaction
from app.models import Channel, ChannelConversation, OutboxMail, Ticket
from tests.channels.conftest import gmail_messages, text_of

GOOD = {"name": "Ivan Petrov", "email": "ivan@example.com", "message": "DNS does not resolve since 9:00",
        "choice": "technical"}


def token(client):
    page = client.get("/channels/form")
    assert page.status_code == 200 and "frame-ancestors *" in page.headers["Content-Security-Policy"]
    return re.search(r'name="form_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def submit(client, ip="203.0.113.5", **fields):
    data = {**GOOD, "form_token": token(client), **fields}
    return client.post("/channels/form", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": ip})


def tickets(Session):
    with transaction(Session) as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_errors_are_shown_next_to_their_fields_and_what_was_typed_is_kept(app, Session):
    client = app.test_client()
    response = submit(client, name="", email="not-an-address", message="<b>hi</b>", choice="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-name">Please tell us your name.' in page
    assert 'id="error-email">This is not an email address.' in page
    assert 'id="error-choice">Please choose what fits you best.' in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page  # escaped, kept
    none = submit(client, email="", phone="")
    assert 'id="error-email">Please give an email address or a phone number.' in none.get_data(as_text=True)
    assert submit(client, phone="12").status_code == 422
    assert tickets(Session) == 0


def test_a_forged_or_stale_form_is_refused(app, Session, clock):
    client = app.test_client()
    response = client.post("/channels/form", data={**GOOD, "form_token": "1700000000.abc"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.post("/channels/form", data=GOOD).status_code == 400
    assert tickets(Session) == 0


def test_the_honeypot_and_the_per_ip_limit_hold_spam_back(app, Session):
    client = app.test_client()
    trap = submit(client, website="http://spam.example")
    assert trap.status_code == 200 and "Thank you" in trap.get_data(as_text=True)
    assert tickets(Session) == 0
    for n in range(3):  # the limit in the test settings: 3 per IP per hour
        assert submit(client, email=f"c{n}@example.com").status_code == 201
    limited = submit(client, email="c9@example.com")
    assert limited.status_code == 429 and "Too many messages" in limited.get_data(as_text=True)
    assert submit(client, ip="198.51.100.7", email="other@example.com").status_code == 201
    assert tickets(Session) == 4


def test_a_submission_becomes_a_routed_ticket_in_gmail_and_is_acknowledged_by_mail(app, Session, clock, gmail, desk):
    client = app.test_client()
    files = {"attachments": [(io.BytesIO(b"ping output"), "ping.txt", "text/plain")]}
    response = client.post("/channels/form", data={**GOOD, "form_token": token(client), **files},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 201, page
    number = int(re.search(r"Your request is #(\d+)", page).group(1))
    assert "sent a confirmation to your email" in page
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.channel, ticket.line.slug) == (Channel.WEB_FORM, "l2")  # "I am technical" → 2nd line
        assert session.scalar(select(ChannelConversation.reply_email)) == "ivan@example.com"
    messages = gmail_messages(gmail)
    mirror = next(m for m in messages if m["mail"]["X-Linedesk-Mirror"])
    ack = next(m for m in messages if not m["mail"]["X-Linedesk-Mirror"])
    assert "ivan@example.com" in mirror["mail"]["From"] and "DNS does not resolve" in text_of(mirror["mail"])
    assert [a.get_filename() for a in mirror["mail"].iter_attachments()] == ["ping.txt"]
    assert ack["threadId"] == mirror["threadId"] and "SENT" in ack["labelIds"]
    assert ack["mail"]["To"] == "ivan@example.com" and f"#{number}" in (ack["mail"]["Subject"] + text_of(ack["mail"]))

    # An agent's answer goes by mail to the address given, in the same Gmail thread.
    from gmail_sync.outbound import reply

    reply(Session, clock, number, "Your DNS zone is fixed.", desk.bob.email, gmail=gmail.service(), via="test")
    with transaction(Session) as session:
        sent = session.scalar(select(OutboxMail).where(OutboxMail.kind == "reply"))
        assert (sent.to_address, sent.state, sent.provider_thread_id) == ("ivan@example.com", "sent", mirror["threadId"])


def test_phone_only_is_called_back_and_choices_route_to_their_lines(app, Session, gmail):
    client = app.test_client()
    page = submit(client, email="", phone="+7 900 123-45-67", choice="commercial").get_data(as_text=True)
    assert "We will call you back" in page
    assert submit(client, email="b@example.com", choice="not_technical").status_code == 201
    with transaction(Session) as session:
        lines = [t.line.slug for t in session.scalars(select(Ticket).order_by(Ticket.id))]
        assert lines == ["commercial", "l1"]
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 1  # one ack: the one with an address


def test_the_address_in_the_embed_url_routes_by_the_rules(app, Session, gmail):
    from app.channels.rules import SETTING, Rule
    from app.models import HelpdeskSetting

    with transaction(Session) as session:
        session.add(HelpdeskSetting(key=SETTING, value=[
            Rule("sales form", {"address": "sales@coolxost.com"}, "commercial").as_setting()]))
    client = app.test_client()
    page = client.get("/channels/form?to=sales@coolxost.com").get_data(as_text=True)
    assert 'name="to" value="sales@coolxost.com"' in page
    assert 'name="to"' not in client.get("/channels/form?to=<script>").get_data(as_text=True)
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    assert client.post("/channels/form", data={**GOOD, "form_token": form_token, "to": "sales@coolxost.com"}
                       ).status_code == 201
    with transaction(Session) as session:
        assert session.scalar(select(Ticket)).line.slug == "commercial"


def test_behind_proxies_the_client_ip_is_the_one_our_proxy_appended(app):
    from app.channels.form import client_ip

    forged = {"X-Forwarded-For": "1.1.1.1, 203.0.113.9, 10.0.0.2"}  # client-forged, the client, our load balancer
    with app.test_request_context("/channels/form", headers=forged, environ_base={"REMOTE_ADDR": "10.0.0.3"}):
        assert client_ip(0) == "10.0.0.3"
        assert client_ip(2) == "203.0.113.9"
        assert client_ip(5) == "10.0.0.3"  # fewer entries than proxies: not behind them after all
