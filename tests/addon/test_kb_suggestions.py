"""The sidebar card suggests articles, canned responses and a category for the ticket (app/kb/suggest.py); one
click sends an article's link into the customer's thread (through the outbox, as the agent, via addon), sends a
suggested canned response, or sets the suggested category. The web panel's "Send link" does the same via web."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.directory import line_by_slug
from app.kb import service
from app.models import Agent, CannedResponse, Category, Direction, Message, Ticket, TicketEvent
from app.workflow import CustomerRef, Workflow
from tests.addon.conftest import AUDIENCE, SERVICE_ACCOUNT, card_of, texts
from tests.desk.conftest import sign_in
from tests.desk.test_canned_and_collision import SUPPORT, mail_ticket  # noqa: F401  (a fixture)

PUBLIC = "https://help.coolxost.example"
T = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(make_app, google, gmail):  # the add-on's app, reading the local Gmail
    return make_app(public_url=PUBLIC, addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                    google_certs_url=google.certs_url, gmail_api_endpoint=gmail.url)


@pytest.fixture
def knowledge(Session, clock, desk):
    """An article and a canned response about sites that are down, one about invoices; earlier DNS-category tickets."""
    with Session() as session:
        writer = session.scalar(select(Agent).where(Agent.email == "kristina@coolxost.com"))
        site = service.save(session, T, writer, service.Draft(title="My site is down", category="Hosting",
                                                              body="A site that is down: check the error log first."))
        service.save(session, T, writer, service.Draft(title="Invoices", body="Download invoices in Billing."))
        l1 = line_by_slug(session, "l1")
        session.add_all([CannedResponse(line_id=l1.id, title="Site down checklist", body="We are checking your site.",
                                        updated_at=T),
                         CannedResponse(line_id=l1.id, title="Invoice copy", body="Your invoice.", updated_at=T)])
        wf = Workflow(session, clock, via="test")
        dns = session.scalar(select(Category).where(Category.name == "DNS"))
        for subject in ("site is down after DNS change", "my site is down", "site down, DNS?"):
            wf.create_ticket(None, subject=subject, line=l1, customer=CustomerRef("X", "x@example.com")).category = dns
        session.commit()
        return site.id


def test_the_card_suggests_and_one_click_sends_the_article_link(addon, mail_ticket, knowledge, Session, gmail):  # noqa: F811
    number = mail_ticket
    addon().post("/addon/action", params={"do": "claim", "number": number})
    card = card_of(addon().post("/addon/action", params={"do": "open", "number": number}).get_json())
    suggested = next(s for s in card["sections"] if s.get("header") == "Suggested")
    shown = texts(suggested)
    assert f"{PUBLIC}/kb/en/my-site-is-down" in shown and "Send “Site down checklist”" in shown
    assert "Invoices" not in shown and "Invoice copy" not in shown and "Set category: DNS" in shown

    payload = addon().post("/addon/action", params={"do": "send_article", "number": number,
                                                    "article": knowledge}).get_json()
    assert payload["renderActions"]["action"]["notification"]["text"] == "Link to “My site is down” sent to the customer"
    assert len(gmail.service().users().messages().list(userId="me", q="in:sent").execute()["messages"]) == 1
    with Session() as session:
        out = session.scalar(select(Message).where(Message.direction == Direction.OUT))
        assert f"{PUBLIC}/kb/en/my-site-is-down" in out.body_text and "Hello Ivan" in out.body_text
        assert session.execute(select(TicketEvent.via, TicketEvent.actor_label)
                               .where(TicketEvent.kind == "replied")).all() == [("addon", "kristina@coolxost.com")]

    set_category = addon().post("/addon/action", params={"do": "category", "number": number, "category": "DNS"},
                                form={"category": "Billing"}).get_json()  # the suggestion's value wins
    assert "Category set" in texts(set_category)
    with Session() as session:
        assert session.scalar(select(Ticket).where(Ticket.number == number)).category.name == "DNS"
    refused = addon("carl").post("/addon/action", params={"do": "send_article", "number": number,
                                                          "article": knowledge}).get_json()
    assert "may not see" in texts(refused)


def test_the_web_panel_sends_a_suggested_article_link(app, desk, mail_ticket, knowledge, Session, gmail):  # noqa: F811
    client = app.test_client()
    csrf = sign_in(client, desk.kristina.id)
    page = client.get(f"/desk/tickets/{mail_ticket}").get_data(as_text=True)
    assert 'data-action="send_article"' in page
    response = client.post(f"/desk/tickets/{mail_ticket}/send-article", data={"csrf_token": csrf, "article": knowledge})
    assert response.status_code == 303
    assert "Link to “My site is down” sent" in client.get(f"/desk/tickets/{mail_ticket}").get_data(as_text=True)
    with Session() as session:
        assert session.execute(select(TicketEvent.via).where(TicketEvent.kind == "replied")).scalars().all() == ["web"]
    assert client.post(f"/desk/tickets/{mail_ticket}/send-article", data={"article": knowledge}).status_code == 400
