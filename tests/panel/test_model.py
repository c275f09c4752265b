"""The panel model: what it shows, who may see it, and that it costs the same queries however long the history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import NotFound, PermissionDenied
from app.models import Customer, Direction, Message
from app.panel.model import load_panel
from app.workflow import CustomerRef


def _grow_history(wf, desk, session, clock, ticket, rounds):
    """Messages (with attachments), notes, events, transfers and earlier tickets of the same customer."""
    for i in range(rounds):
        clock.advance(minutes=1)
        session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=ticket.channel, subject="more",
                            body_text=f"text {i}", body_html=f"<p>html {i}</p>", sent_at=clock.now(),
                            created_at=clock.now(), attachments=[{"filename": f"f{i}.txt", "size": 3}]))
        wf.add_note(ticket, desk.kristina, f"note {i}")
        wf.set_priority(ticket, desk.kristina, ("high", "normal")[i % 2])
        old = wf.create_ticket(None, subject=f"old {i}", line=desk.l1, customer=CustomerRef("Ivan", "ivan@example.com"))
        wf.claim(old, desk.lisa)
    wf.transfer(ticket, desk.kristina, desk.l2, "needs the server team")
    wf.pass_back(ticket, desk.boris, "fixed the server")
    session.commit()


def test_panel_costs_a_constant_number_of_queries(wf, desk, session, Session, clock, new_ticket, count_queries):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    session.commit()

    def cost() -> int:
        with Session() as fresh, count_queries() as statements:
            agent = fresh.get(type(desk.kristina), desk.kristina.id)
            statements.clear()
            panel = load_panel(fresh, clock, agent, ticket.number)
        return len(statements), panel

    short, before = cost()
    _grow_history(wf, desk, session, clock, ticket, 3)
    longer, middle = cost()
    _grow_history(wf, desk, session, clock, ticket, 12)
    longest, after = cost()
    assert short == longer == longest, (short, longer, longest)
    assert short <= 15
    assert len(after.messages) > len(middle.messages) > len(before.messages)
    assert len(after.events) > len(middle.events) and len(after.customer.earlier) == 10


def test_panel_shows_the_ticket_customer_targets_and_conversation(wf, desk, session, clock, new_ticket):
    ticket = new_ticket()
    customer = session.get(Customer, ticket.customer_id)
    customer.vip, customer.company, customer.contract, customer.personal_manager = True, "Acme", "C-42", desk.carl
    earlier = wf.create_ticket(None, subject="Old question", line=desk.l1, customer=CustomerRef("Ivan", "ivan@example.com"))
    hidden = wf.create_ticket(None, subject="Sales talk", line=desk.commercial,
                              customer=CustomerRef("Ivan", "ivan@example.com"))
    wf.claim(ticket, desk.kristina)
    wf.set_category(ticket, desk.kristina, "DNS")
    wf.add_note(ticket, desk.kristina, "called the customer")
    session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=ticket.channel, subject="s",
                        body_text="plain", body_html="<p>clean</p>", sent_at=clock.now(), created_at=clock.now(),
                        attachments=[{"filename": "log.txt", "content_type": "text/plain", "size": 12}]))
    session.commit()
    clock.advance(minutes=10)
    panel = load_panel(session, clock, desk.kristina, ticket.number)
    assert (panel.number, panel.status, panel.line, panel.assignee, panel.priority, panel.category) == (
        ticket.number, "assigned", "1st line", "Kristina", "normal", "DNS")
    assert panel.customer.vip and panel.customer.company == "Acme" and panel.customer.contract == "C-42"
    assert panel.customer.personal_manager == "Carl <carl@coolxost.com>"
    # the commercial line's ticket is not Kristina's to see, so it is not listed
    assert [e.number for e in panel.customer.earlier] == [earlier.number]
    assert hidden.number not in [e.number for e in panel.customer.earlier]
    assert [n.text for n in panel.notes] == ["called the customer"]
    assert [e.kind for e in panel.events][:2] == ["created", "claimed"]
    html = [m for m in panel.messages if m.html]
    assert html[0].html == "<p>clean</p>" and html[0].attachments[0].filename == "log.txt"
    first_response = [t for t in panel.targets if t.rule == "first_response"]
    assert first_response and first_response[0].seconds_left == 3600 - 600
    assert "claim" in panel.actions.offered() or panel.actions.done


def test_a_missed_target_shows_as_negative_time_left(wf, desk, session, clock, new_ticket):
    ticket = new_ticket()
    clock.advance(timedelta(hours=2))
    panel = load_panel(session, clock, desk.kristina, ticket.number)
    assert [t.seconds_left for t in panel.targets if t.rule == "first_response"] == [-3600]


def test_an_agent_of_another_line_cannot_load_the_panel(desk, session, clock, new_ticket):
    ticket = new_ticket()
    with pytest.raises(PermissionDenied):
        load_panel(session, clock, desk.carl, ticket.number)
    with pytest.raises(NotFound):
        load_panel(session, clock, desk.kristina, 999_999)


def test_flags_are_listed(wf, desk, session, clock, new_ticket):
    ticket = new_ticket()
    wf.set_flag(ticket, None, "overdue")
    session.commit()
    assert load_panel(session, clock, desk.anna, ticket.number).flags == ["overdue"]


def test_reply_is_offered_with_a_canned_response_to_who_works_a_mail_ticket(wf, desk, session, clock, new_ticket):
    from app.models import CannedResponse

    by_mail = new_ticket()
    by_phone = wf.create_ticket(desk.kristina, subject="Call", line=desk.l1)
    session.commit()
    assert "reply" not in load_panel(session, clock, desk.kristina, by_mail.number).actions.offered()  # none yet
    session.add(CannedResponse(line_id=desk.l1.id, title="Hi", body="Hello", updated_at=clock.now()))
    session.add(CannedResponse(line_id=desk.l2.id, title="Other line", body="x", updated_at=clock.now()))
    session.commit()
    mine = load_panel(session, clock, desk.kristina, by_mail.number).actions
    assert [c.label for c in mine.replies] == ["Hi"]
    assert "reply" not in load_panel(session, clock, desk.kristina, by_phone.number).actions.offered()  # no mailbox
    wf.add_watcher(by_mail, None, desk.carl)
    session.commit()
    assert "reply" not in load_panel(session, clock, desk.carl, by_mail.number).actions.offered()  # only watches
