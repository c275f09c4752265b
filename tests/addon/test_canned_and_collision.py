"""The sidebar answers with a line's canned response (into the customer's thread, once, via addon), and shows
who else has the ticket open."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.directory import line_by_slug
from app.models import CannedResponse, Direction, Message, TicketEvent
from tests.addon.conftest import AUDIENCE, SERVICE_ACCOUNT, card_of, texts
from tests.desk.test_canned_and_collision import SUPPORT, mail_ticket  # noqa: F401  (a fixture)


@pytest.fixture
def app(make_app, google, gmail):  # the add-on's app, reading the local Gmail
    return make_app(addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                    google_certs_url=google.certs_url, gmail_api_endpoint=gmail.url)


def _canned(Session, title="Fixed", body="Hello {customer_name}, {ticket_number} is fixed. {agent_name}") -> int:
    with Session() as session:
        row = CannedResponse(line_id=line_by_slug(session, "l1").id, title=title, body=body,
                             updated_at=datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
        session.add(row)
        session.commit()
        return row.id


def test_reply_with_a_canned_response_from_the_sidebar(addon, mail_ticket, Session, gmail):  # noqa: F811
    canned_id = _canned(Session)
    number = mail_ticket
    addon().post("/addon/action", params={"do": "claim", "number": number})
    card = card_of(addon().post("/addon/action", params={"do": "open", "number": number}).get_json())
    assert "Send reply" in texts(card) and "Fixed" in texts(card)
    payload = addon().post("/addon/action", params={"do": "reply", "number": number},
                           form={"canned": str(canned_id)}).get_json()
    assert payload["renderActions"]["action"]["notification"]["text"] == "Reply “Fixed” sent to the customer"
    assert len(gmail.service().users().messages().list(userId="me", q="in:sent").execute()["messages"]) == 1
    with Session() as session:
        out = session.scalar(select(Message).where(Message.direction == Direction.OUT))
        replied = session.execute(select(TicketEvent.via, TicketEvent.actor_label)
                                  .where(TicketEvent.kind == "replied")).all()
    assert out.body_text == f"Hello Ivan, #{number} is fixed. Kristina"
    assert replied == [("addon", "kristina@coolxost.com")]
    refused = addon("carl").post("/addon/action", params={"do": "reply", "number": number},
                                 form={"canned": str(canned_id)}).get_json()
    assert "may not see" in texts(refused)


def test_the_card_shows_who_else_has_the_ticket_open(addon, make_ticket, clock):
    number = make_ticket()
    addon("lisa").post("/addon/action", params={"do": "open", "number": number})
    card = card_of(addon("kristina").post("/addon/action", params={"do": "open", "number": number}).get_json())
    assert "<b>Lisa</b> is viewing this ticket" in texts(card)
    clock.advance(seconds=31)
    card = card_of(addon("kristina").post("/addon/action", params={"do": "open", "number": number}).get_json())
    assert "is viewing" not in texts(card)
