"""Phone: the caller's number finds the customer (contract, company, VIP) before the agent asks, and one more
click logs the call as a phone ticket — routed by the rules (a VIP to the personal manager), claimed by the agent
who took it when it is in their line, mirrored into Gmail."""

from __future__ import annotations

from sqlalchemy import select

from app.db import transaction
from app.models import Channel, Customer, CustomerPhone, Ticket, TicketEvent
from tests.channels.conftest import gmail_messages
from tests.desk.conftest import sign_in


def add_customer(Session, clock, desk, *, vip=False):
    with transaction(Session) as session:
        customer = Customer(name="Oleg Smirnov", contract="C-7781", company="Smirnov & Sons", vip=vip,
                            personal_manager_id=desk.bob.id if vip else None, created_at=clock.now())
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone="+79001234567"))


def test_the_number_finds_the_customer_and_one_click_logs_the_call(app, Session, clock, desk, gmail):
    add_customer(Session, clock, desk)
    client = app.test_client()
    csrf = sign_in(client, desk.kristina.id)
    page = client.get("/desk/call", query_string={"phone": "8 (900) 123-45-67"}).get_data(as_text=True)  # screen-pop
    assert 'data-field="contract">C-7781' in page and 'data-field="company">Smirnov &amp; Sons' in page
    assert 'data-field="vip"' not in page
    response = client.post("/desk/call", data={"phone": "+79001234567", "note": "Cannot log in to the panel",
                                               "csrf_token": csrf})
    assert response.status_code == 303
    number = int(response.headers["Location"].rsplit("/", 1)[1])
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.channel, ticket.customer.contract, ticket.line.slug) == (Channel.PHONE, "C-7781", "l1")
        assert ticket.assignee.email == desk.kristina.email  # the agent who took the call
    again = client.get("/desk/call", query_string={"phone": "+79001234567"}).get_data(as_text=True)
    assert f"#{number}" in again  # the open ticket is shown next time they call
    [mirrored] = gmail_messages(gmail)
    assert mirrored["mail"]["X-Linedesk-Mirror"] == "phone" and "via Phone" in mirrored["mail"]["From"]


def test_a_vip_call_goes_to_the_personal_manager_and_bad_numbers_are_named(app, Session, clock, desk):
    add_customer(Session, clock, desk, vip=True)
    client = app.test_client()
    csrf = sign_in(client, desk.kristina.id)
    page = client.get("/desk/call", query_string={"phone": "+79001234567"}).get_data(as_text=True)
    assert "personal manager Bob" in page
    number = int(client.post("/desk/call", data={"phone": "+79001234567", "csrf_token": csrf}
                             ).headers["Location"].rsplit("/", 1)[1])
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert (ticket.line.slug, ticket.assignee.email) == ("l2", desk.bob.email)
        assert session.scalar(select(TicketEvent.note).where(TicketEvent.kind == "routed")) == \
            "routed to 2nd line by rule 'VIP to their manager'"
    bad = client.get("/desk/call", query_string={"phone": "12"}).get_data(as_text=True)
    assert "is not a phone number" in bad
    assert client.post("/desk/call", data={"phone": "+79001234567"}).status_code == 400  # CSRF
    unknown = client.get("/desk/call", query_string={"phone": "+79007654321"}).get_data(as_text=True)
    assert "is not a known customer" in unknown


def test_a_caller_without_an_address_is_not_answered_in_writing(app, Session, clock, desk):
    client = app.test_client()
    csrf = sign_in(client, desk.kristina.id)
    number = int(client.post("/desk/call", data={"phone": "+79005550011", "csrf_token": csrf}
                             ).headers["Location"].rsplit("/", 1)[1])
    page = client.post(f"/desk/conversation/{number}/reply", data={"text": "We fixed it", "csrf_token": csrf},
                       follow_redirects=True).get_data(as_text=True)
    assert "Not sent: #%d came by phone without an email address: call them back" % number in page
