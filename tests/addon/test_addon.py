"""The Gmail add-on over HTTP: verified calls only, the agent's queues, the ticket of the opened message, and
every action through the workflow. Every answer is validated against card_schema.json by the client."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.directory import agent_by_email
from app.models import Direction, Message, Status, Ticket, TicketEvent
from app.workflow import Workflow
from tests.addon.conftest import AUDIENCE, card_of, texts


def _ticket(Session, number):
    with Session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        session.expunge_all()
        return ticket


def _events(Session, number):
    with Session() as session:
        return session.scalars(select(TicketEvent.kind).join(Ticket).where(Ticket.number == number)
                               .order_by(TicketEvent.id)).all()


# ----- the descriptor --------------------------------------------------------------------------------------------
def test_descriptor_points_the_triggers_at_our_endpoints():
    result = CliRunner().invoke(main, ["addon", "descriptor", "--base-url", "https://ld.example.com/"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["addOns"]["common"]["homepageTrigger"]["runFunction"] == "https://ld.example.com/addon/homepage"
    trigger = data["addOns"]["gmail"]["contextualTriggers"][0]
    assert trigger == {"unconditional": {}, "onTriggerFunction": "https://ld.example.com/addon/contextual"}
    assert data["addOns"]["httpOptions"]["authorizationHeader"] == "SYSTEM_ID_TOKEN"
    assert "https://www.googleapis.com/auth/gmail.addons.current.message.readonly" in data["oauthScopes"]


def test_descriptor_refuses_a_url_google_cannot_call():
    result = CliRunner().invoke(main, ["addon", "descriptor", "--base-url", "http://ld.example.com"])
    assert result.exit_code != 0 and "https" in result.output


# ----- verification ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tamper", ["no header", "other audience", "other service account", "other key", "not bearer"])
def test_a_call_not_from_our_add_on_is_refused_and_changes_nothing(addon, google, make_ticket, Session, tamper):
    number = make_ticket()
    client = addon()
    headers = {
        "no header": {"Authorization": ""},
        "other audience": {"Authorization": "Bearer " + google.sign(aud="https://x.example.com", email=client.service_account)},
        "other service account": {"Authorization": "Bearer " + google.sign(aud=AUDIENCE, email="evil@example.com")},
        "other key": {"Authorization": "Bearer " + google.sign(aud=AUDIENCE, email=client.service_account, key=google.other_key)},
        "not bearer": {"Authorization": "Basic abc"},
    }[tamper]
    response = client.post("/addon/action", headers=headers, params={"do": "claim", "number": number})
    assert response.status_code == 401
    assert _ticket(Session, number).status is Status.NEW


@pytest.mark.parametrize("tamper", ["missing", "forged", "other audience", "unverified email"])
def test_the_user_token_must_verify_too(addon, google, make_ticket, Session, tamper):
    number = make_ticket()
    client = addon()
    token = {
        "missing": "",
        "forged": google.sign(aud=AUDIENCE, email="kristina@coolxost.com", key=google.other_key),
        "other audience": google.sign(aud="https://other.example.com", email="kristina@coolxost.com"),
        "unverified email": google.sign(aud=AUDIENCE, email="kristina@coolxost.com", email_verified=False),
    }[tamper]
    response = client.post("/addon/action", params={"do": "claim", "number": number}, user_token=token)
    assert response.status_code == 401
    assert _ticket(Session, number).status is Status.NEW


def test_an_unknown_user_gets_a_card_saying_so_and_nothing_changes(addon, make_ticket, Session):
    number = make_ticket()
    response = addon("stranger@example.com").post("/addon/action", params={"do": "claim", "number": number})
    assert response.status_code == 200
    card = card_of(response.get_json())
    assert card["header"]["title"] == "Not a Linedesk agent" and "stranger@example.com" in texts(card)
    assert _ticket(Session, number).status is Status.NEW and _events(Session, number) == ["created"]


def test_without_configuration_every_call_is_refused(app, addon, make_ticket):
    from dataclasses import replace

    from app.web import runtime

    with app.app_context():
        rt = runtime()
        rt.settings = replace(rt.settings, addon_audience=None)
    assert addon().post("/addon/homepage").status_code == 401


# ----- homepage and contextual -----------------------------------------------------------------------------------
def test_homepage_lists_the_agents_queues(addon, make_ticket, clock):
    number = make_ticket(subject="Mail bounces")
    clock.advance(minutes=3)
    response = addon().post("/addon/homepage")
    payload = response.get_json()
    assert "pushCard" in payload["action"]["navigations"][0]
    text = texts(card_of(payload))
    assert f"#{number} · 1st line · waiting 3 min" in text and "Mail bounces" in text


def test_homepage_search_finds_by_number_email_and_subject(addon, make_ticket):
    number = make_ticket(subject="Mail bounces", email="olga@example.com")
    make_ticket(subject="Other", email="petr@example.com")
    for query in (f"#{number}", "olga@example.com", "bounces"):
        card = card_of(addon().post("/addon/action", params={"do": "search"}, form={"search": query}).get_json())
        found = [s for s in card["sections"] if s.get("header", "").startswith("Found")][0]
        assert len(found["widgets"]) == 1 and f"#{number}" in texts(found), query


def test_contextual_shows_the_ticket_of_the_opened_message(addon, make_ticket):
    number = make_ticket(message_id="gm-1", thread_id="th-1")
    by_message = card_of(addon().post("/addon/contextual", gmail={"messageId": "gm-1", "threadId": "x"}).get_json())
    by_thread = card_of(addon().post("/addon/contextual", gmail={"messageId": "gm-new", "threadId": "th-1"}).get_json())
    assert by_message["header"]["title"].startswith(f"#{number} ") and by_thread == by_message
    assert "Claim" in texts(by_message) and "Ivan" in texts(by_message)


def test_a_message_that_is_no_ticket_offers_create_ticket(addon, Session):
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": "m-x", "threadId": "t-x"}).get_json())
    assert card["header"]["title"] == "Not a ticket"
    lines = [w["selectionInput"] for s in card["sections"] for w in s["widgets"] if "selectionInput" in w]
    assert [i["value"] for i in lines[0]["items"]] == ["l1", "wishes", "devtasks"]  # her line, task lines
    response = addon().post("/addon/action", params={"do": "create", "message": "m-x", "thread": "t-x"},
                            form={"subject": "Phone call: DNS", "customer_email": "nina@example.com", "line": "l1",
                                  "priority": "high"})
    payload = response.get_json()
    created = card_of(payload)
    assert "created" in payload["renderActions"]["action"]["notification"]["text"]
    number = int(created["header"]["title"].split()[0][1:])
    ticket = _ticket(Session, number)
    assert (ticket.subject, ticket.priority.value, ticket.status) == ("Phone call: DNS", "high", Status.NEW)


def test_a_ticket_of_another_line_is_not_shown(addon, make_ticket):
    number = make_ticket(line="commercial", message_id="gm-9", thread_id="th-9")
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": "gm-9", "threadId": "th-9"}).get_json())
    assert "Sales" not in texts(card) and "Ivan" not in texts(card) and "may not see" in texts(card)
    response = addon().post("/addon/action", params={"do": "claim", "number": number})
    assert "Not done" in texts(response.get_json())


# ----- actions ---------------------------------------------------------------------------------------------------
def _act(addon, who, do, number, **form):
    payload = addon(who).post("/addon/action", params={"do": do, "number": number}, form=form or None).get_json()
    return payload["renderActions"]["action"].get("notification", {}).get("text", ""), card_of(payload)


def test_the_whole_route_of_a_ticket_through_the_sidebar(addon, make_ticket, Session):
    number = make_ticket()
    assert _act(addon, "kristina", "claim", number)[0] == f"#{number} is yours"
    _act(addon, "kristina", "priority", number, priority="high")
    _act(addon, "kristina", "category", number, category="No connectivity")
    _act(addon, "kristina", "start", number)
    _act(addon, "kristina", "note", number, note="checked the zone")
    note, card = _act(addon, "kristina", "transfer", number, line="l2", transfer_note="the server is down")
    assert note == f"#{number} transferred to 2nd line" and "Claim" not in texts(card)
    _act(addon, "bob", "claim", number)
    note, _ = _act(addon, "bob", "subtask", number, subtask_note="fix the monitoring")
    assert note.startswith("Subtask #")
    note, _ = _act(addon, "bob", "pass_back", number, pass_back_note="restarted the server")
    assert note == f"#{number} passed back"
    note, card = _act(addon, "kristina", "done", number, problem="Site is down")
    assert note.startswith("Not done: done needs what was done")
    note, card = _act(addon, "kristina", "done", number, problem="Site is down", resolution="Restarted")
    assert note == f"#{number} is done"
    ticket = _ticket(Session, number)
    assert (ticket.status, ticket.priority.value, ticket.problem) == (Status.DONE, "urgent", "Site is down")
    kinds = _events(Session, number)
    for kind in ("claimed", "priority", "category", "status", "note", "transferred", "passed_to_development",
                 "passed_back", "transfer_accepted"):
        assert kind in kinds, kind
    with Session() as session:
        vias = set(session.scalars(select(TicketEvent.via).join(Ticket).where(Ticket.number == number)))
    assert vias == {"test", "addon"}


def test_assign_to_a_colleague(addon, make_ticket, Session):
    number = make_ticket()
    note, card = _act(addon, "anna", "assign", number, assignee="lisa@coolxost.com")
    assert note == f"#{number} assigned to Lisa" and _ticket(Session, number).status is Status.ASSIGNED


def test_a_refused_action_changes_nothing_and_says_why(addon, make_ticket, Session):
    number = make_ticket()
    _act(addon, "kristina", "claim", number)
    note, card = _act(addon, "lisa", "claim", number)
    assert note == f"Not done: #{number} is already held by Kristina"
    note, _ = _act(addon, "kristina", "transfer", number, line="l2")
    assert note == "Not done: a note for the next line is needed"
    assert _events(Session, number) == ["created", "claimed"]


def test_unknown_buttons_and_numbers_are_refused(addon):
    for params in ({"do": "explode", "number": "1"}, {"do": "claim", "number": "x"}, {"do": "claim"}):
        card = card_of(addon().post("/addon/action", params=params).get_json())
        assert "not one Linedesk knows" in texts(card)


# ----- what a card shows -----------------------------------------------------------------------------------------
def test_text_from_people_is_escaped(addon, make_ticket, Session, clock):
    number = make_ticket(subject='<a href="https://evil.example.com">click</a>', message_id="gm-e", thread_id="th-e")
    _act(addon, "kristina", "claim", number)
    _act(addon, "kristina", "note", number, note="<b>bold</b> <script>x</script>")
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": "gm-e"}).get_json())
    text = texts(card)
    assert "<a href" not in text and "&lt;a href=" in text
    assert "<script>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_a_long_history_stays_within_the_card_limits(addon, make_ticket, Session, clock):
    number = make_ticket(message_id="gm-l", thread_id="th-l")
    with Session() as session:
        wf = Workflow(session, clock, via="test")
        ticket = wf.ticket(number)
        kristina = agent_by_email(session, "kristina@coolxost.com")
        wf.claim(ticket, kristina)
        for i in range(150):
            wf.add_note(ticket, kristina, f"note {i}")
            session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=ticket.channel, subject="s",
                                body_text="x" * 3000, sent_at=clock.now(), created_at=clock.now()))
        session.commit()
    card = card_of(addon().post("/addon/contextual", gmail={"messageId": "gm-l"}).get_json())
    assert all(len(s["widgets"]) <= 100 for s in card["sections"])  # the schema checks it too
    assert "note 149" in texts(card) and "note 0\"" not in texts(card)


def test_an_audience_without_a_service_account_is_a_config_error():
    from app.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="ADDON_SERVICE_ACCOUNTS"):
        Settings.from_env({"ADDON_AUDIENCE": AUDIENCE})
    settings = Settings.from_env({"ADDON_AUDIENCE": AUDIENCE, "ADDON_SERVICE_ACCOUNTS": "A@x.com, b@y.com"})
    assert settings.addon_service_accounts == {"a@x.com", "b@y.com"}
