"""Routing rules as data: `[[routing]]` in the setup file, checked with key paths and lines, stored by apply, and
tried in order on a new channel ticket — VIP to the personal manager, keywords, the address written to, the
form's choice — each explained in the audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.channels.rules import SETTING, Facts, Rule, first_match
from app.db import transaction
from app.models import Customer, CustomerEmail, HelpdeskSetting, Ticket, TicketEvent
from app.setup_file import SetupInvalid, parse_setup
from tests.channels.conftest import FB_TOKEN
from tests.setup.conftest import SMALL, apply_text  # noqa: F401 - the fixture

RULES = """
[[routing]]
name = "VIP to their manager"
when = { vip = true }
personal_manager = true

[[routing]]
name = "invoices"
when = { keywords = ["invoice", "счёт"] }
line = "l2"
category = "Billing"
priority = "high"

[[routing]]
name = "technical choice"
when = { choice = "technical" }
line = "l2"
"""


def test_rules_are_read_in_order_and_stored_by_apply(session, apply_text):  # noqa: F811
    spec = parse_setup(SMALL + RULES)
    assert [r.name for r in spec.routing] == ["VIP to their manager", "invoices", "technical choice"]
    assert spec.routing[1].when == {"keywords": ["invoice", "счёт"]} and spec.routing[1].priority == "high"
    apply_text(SMALL + RULES)
    stored = session.get(HelpdeskSetting, SETTING).value
    assert [r["name"] for r in stored] == ["VIP to their manager", "invoices", "technical choice"]
    apply_text(SMALL)  # rules removed from the file: the defaults apply again
    assert session.get(HelpdeskSetting, SETTING) is None


def test_mistakes_are_reported_with_key_path_and_line():
    bad = RULES.replace('line = "l2"\ncategory', 'line = "l9"\ncategory').replace('"technical" }', '"techy" }')
    bad += '\n[[routing]]\nname = "empty"\nwhen = { colour = "red" }\n'
    with pytest.raises(SetupInvalid) as caught:
        parse_setup(SMALL + bad)
    problems = {p.path: (p.message, p.line) for p in caught.value.problems}
    assert "'l9' is not a line of this file" in problems["routing[1].line"][0]
    assert "'techy' is not one of: technical | not_technical | commercial" in problems["routing[2].when.choice"][0]
    assert "routing[3].when.colour" in problems
    assert "does nothing" in problems["routing[3]"][0]
    text = (SMALL + bad).splitlines()
    assert 'line = "l9"' in text[problems["routing[1].line"][1] - 1]


def test_the_first_matching_rule_wins():
    rules = [Rule("sales", {"address": "sales@coolxost.com"}, "commercial"), Rule("tech", {"choice": "technical"}, "l2")]
    assert first_match(rules, Facts(choice="technical", address="sales@coolxost.com")).name == "sales"
    assert first_match(rules, Facts(choice="technical")).name == "tech"
    assert first_match(rules, Facts(choice="not_technical")) is None


def test_channel_tickets_are_routed_by_the_stored_rules_and_the_audit_says_why(app, Session, desk):
    rules = [r.as_setting() for r in parse_setup(SMALL + RULES).routing]
    rules.append(Rule("sales address", {"address": "sales@coolxost.com"}, "commercial").as_setting())
    with transaction(Session) as session:
        session.add(HelpdeskSetting(key=SETTING, value=rules))
        vip = Customer(name="Vera", vip=True, personal_manager_id=desk.bob.id, created_at=desk_now(session))
        session.add(vip)
        session.flush()
        session.add(CustomerEmail(customer_id=vip.id, email="vera@example.com"))
    client = app.test_client()

    def send(sender, text, **extra):
        body = {"sender": {"id": sender, "email": f"{sender}@example.com"}, "text": text, **extra}
        response = client.post("/channels/webhook/facebook", json=body, headers={"Authorization": f"Bearer {FB_TOKEN}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    assert send("vera", "Please call me")["rule"] == "VIP to their manager"
    assert send("oleg", "Wrong invoice for November")["rule"] == "invoices"
    assert send("inna", "Prices?", to="sales@coolxost.com")["rule"] == "sales address"
    assert send("petr", "Hello")["rule"] is None
    with transaction(Session) as session:
        tickets = {t.customer.emails[0].email.split("@")[0]: t for t in session.scalars(select(Ticket))}
        assert (tickets["vera"].line.slug, tickets["vera"].assignee.email) == ("l2", desk.bob.email)
        assert (tickets["oleg"].line.slug, tickets["oleg"].category.name, tickets["oleg"].priority.value) == (
            "l2", "Billing", "high")
        assert tickets["inna"].line.slug == "commercial" and tickets["petr"].line.slug == "l1"
        notes = set(session.scalars(select(TicketEvent.note).where(TicketEvent.kind == "routed")))
        assert notes == {"routed to 2nd line by rule 'VIP to their manager'", "routed to 2nd line by rule 'invoices'",
                         "routed to Commercial by rule 'sales address'"}


def desk_now(session):
    from tests.conftest import T0

    return T0


def test_new_mail_is_routed_by_the_rules_with_the_address_it_was_written_to(Session, clock, gmail, desk):
    from gmail_sync.client import GmailApi
    from gmail_sync.runner import MailboxRunner, SyncOptions
    from tests.channels.conftest import SUPPORT
    from tests.sync.conftest import deliver, mail

    rules = [Rule("sales address", {"address": "sales@coolxost.com"}, "commercial", priority="high").as_setting()]
    with transaction(Session) as session:
        session.add(HelpdeskSetting(key=SETTING, value=rules))
    runner = MailboxRunner(Session, GmailApi.connect(SUPPORT, gmail.url), SUPPORT, clock, SyncOptions())
    runner.sync_once()  # connected: new mail from now on
    deliver(gmail, mail("Prices for 10 servers", sender="buyer@example.org", to="sales@coolxost.com"))
    deliver(gmail, mail("Site down", sender="ivan@example.org"))
    runner.sync_once()
    with transaction(Session) as session:
        lines = {t.subject: (t.line.slug, t.priority.value) for t in session.scalars(select(Ticket))}
        assert lines == {"Prices for 10 servers": ("commercial", "high"), "Site down": ("l1", "normal")}
        assert session.scalar(select(TicketEvent.note).where(TicketEvent.kind == "routed")) == \
            "routed to Commercial by rule 'sales address'"
