"""Transfers between lines, pass back, development subtasks and task channels."""

from datetime import timedelta

import pytest

from app.domain.errors import InvalidInput, RuleViolation
from app.models import Channel, Priority, Status
from tests.core.conftest import events


def test_transfer_offers_the_ticket_to_the_new_line_and_records_the_route(wf, desk, new_ticket, session, clock):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    clock.advance(minutes=5)
    wf.transfer(ticket, desk.kristina, desk.l2, "DNS zone looks broken", priority=Priority.HIGH)
    session.commit()
    assert (ticket.line_id, ticket.status, ticket.assignee_id) == (desk.l2.id, Status.NEW, None)
    assert ticket.priority is Priority.HIGH and ticket.line_entered_at == clock.now()
    transfer = events(session, ticket, "transferred")[0]
    assert (transfer.actor_label, transfer.from_value, transfer.to_value, transfer.note, transfer.at) == (
        "kristina@coolxost.com", "l1", "l2", "DNS zone looks broken", clock.now())
    clock.advance(minutes=1)
    wf.claim(ticket, desk.bob)
    session.commit()
    accepted = events(session, ticket, "transfer_accepted")
    assert [(a.actor_label, a.data["transfer_event"]) for a in accepted] == [("bob@coolxost.com", transfer.id)]


def test_transfer_needs_a_note_and_another_line(wf, desk, new_ticket):
    ticket = new_ticket()
    with pytest.raises(InvalidInput, match="needs a note"):
        wf.transfer(ticket, desk.kristina, desk.l2, "  ")
    with pytest.raises(RuleViolation, match="already in 1st line"):
        wf.transfer(ticket, desk.kristina, desk.l1, "x")


def test_pass_back_goes_to_the_agent_who_passed_it(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    wf.transfer(ticket, desk.kristina, desk.l2, "needs a technician")
    wf.start(ticket, desk.bob)
    wf.pass_back(ticket, desk.bob, "Restarted nginx, the site is up")
    session.commit()
    assert (ticket.line_id, ticket.assignee_id, ticket.status) == (desk.l1.id, desk.kristina.id, Status.ASSIGNED)
    back = events(session, ticket, "passed_back")[0]
    assert (back.from_value, back.to_value, back.data["to_agent"]) == ("l2", "l1", "kristina@coolxost.com")


def test_pass_back_to_the_line_when_the_passer_is_off_duty(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    wf.transfer(ticket, desk.kristina, desk.l2, "needs a technician")
    wf.start(ticket, desk.bob)
    desk.kristina.on_duty = False
    wf.pass_back(ticket, desk.bob, "fixed")
    assert (ticket.line_id, ticket.assignee_id, ticket.status) == (desk.l1.id, None, Status.NEW)


def test_pass_back_needs_a_previous_transfer(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    with pytest.raises(RuleViolation, match="nowhere to pass it back to"):
        wf.pass_back(ticket, desk.kristina, "done")


def test_development_subtask(wf, desk, new_ticket, session):
    parent = new_ticket()
    wf.start(parent, desk.kristina)
    child = wf.open_subtask(parent, desk.kristina, "Panel shows a 500 on the DNS page")
    session.commit()
    assert child.parent_id == parent.id and child.line_id == desk.dev.id and child.status is Status.NEW
    assert child.customer_id == parent.customer_id
    assert parent.status is Status.IN_PROGRESS and parent.assignee_id == desk.kristina.id
    assert parent.flag_development
    passed = events(session, parent, "passed_to_development")[0]
    assert (passed.actor_label, passed.data["child"]) == ("kristina@coolxost.com", child.number)
    wf.start(child, desk.dmitry)
    wf.mark_done(child, desk.dmitry, "500 on the DNS page", "Fixed the template")
    session.commit()
    told = events(session, parent, "subtask_done")
    assert [(t.data["child"], t.data["notify"]) for t in told] == [(child.number, "kristina@coolxost.com")]
    assert parent.status is Status.IN_PROGRESS


def test_task_channel_round_trip_prompts_the_first_line(wf, desk, new_ticket, session, clock):
    wish = new_ticket(line=desk.wishes, subject="Please add two-factor login", channel=Channel.TASK)
    wf.start(wish, desk.lisa)
    deadline = clock.now() + timedelta(days=14)
    wf.transfer(wish, desk.lisa, desk.devtasks, "Customers keep asking", priority=Priority.HIGH, deadline=deadline)
    assert (wish.line_id, wish.priority, wish.deadline) == (desk.devtasks.id, Priority.HIGH, deadline)
    wf.start(wish, desk.dmitry)
    wf.pass_back(wish, desk.dmitry, "Two-factor login shipped in 4.2")
    session.commit()
    assert wish.line_id == desk.wishes.id
    prompt = events(session, wish, "customer_update_due")
    assert [(p.to_value, p.note) for p in prompt] == [("l1", "Tell the customer: Two-factor login shipped in 4.2")]
