"""Claim, assign, start, priority and category: who may, and what it records."""

import pytest

from app.domain.errors import Conflict, PermissionDenied, RuleViolation, TransitionError
from app.models import Priority, Status
from tests.core.conftest import events


def test_numbers_are_sequential_from_1001(new_ticket):
    assert [new_ticket(email=f"c{i}@example.com").number for i in range(3)] == [1001, 1002, 1003]


def test_first_member_to_claim_becomes_responsible(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    session.commit()
    assert ticket.assignee_id == desk.kristina.id and ticket.status is Status.ASSIGNED
    assert ticket.claimed_at is not None
    with pytest.raises(Conflict, match="already held by Kristina"):
        wf.claim(ticket, desk.lisa)


def test_claiming_again_by_the_holder_is_harmless(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    wf.claim(ticket, desk.kristina)
    session.commit()
    assert len(events(session, ticket, "claimed")) == 1


def test_only_members_of_the_line_can_claim(wf, desk, new_ticket):
    ticket = new_ticket()
    with pytest.raises(PermissionDenied, match="bob@coolxost.com is not a member of 1st line"):
        wf.claim(ticket, desk.bob)
    assert ticket.assignee_id is None


def test_head_of_the_line_can_claim(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.claim(ticket, desk.anna)
    assert ticket.assignee_id == desk.anna.id


def test_assign_by_member_or_manager_to_a_member(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.assign(ticket, desk.kristina, desk.lisa)
    assert ticket.assignee_id == desk.lisa.id
    wf.assign(ticket, desk.boris, desk.kristina)  # a manager of another line may reassign
    session.commit()
    reassign = events(session, ticket, "assigned")[-1]
    assert (reassign.from_value, reassign.to_value, reassign.actor_label) == (
        "lisa@coolxost.com", "kristina@coolxost.com", "boris@coolxost.com")


def test_an_outsider_cannot_assign(wf, desk, new_ticket):
    with pytest.raises(PermissionDenied, match="neither a manager nor a member"):
        wf.assign(new_ticket(), desk.bob, desk.kristina)


def test_cannot_assign_to_someone_outside_the_line(wf, desk, new_ticket):
    with pytest.raises(RuleViolation, match="Bob is not a member of 1st line"):
        wf.assign(new_ticket(), desk.anna, desk.bob)


def test_start_by_a_member_claims_first(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.start(ticket, desk.lisa)
    assert ticket.status is Status.IN_PROGRESS and ticket.assignee_id == desk.lisa.id
    assert ticket.started_at is not None


def test_only_the_holder_or_a_manager_starts(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    with pytest.raises(PermissionDenied, match="held by Kristina"):
        wf.start(ticket, desk.lisa)
    wf.start(ticket, desk.anna)
    assert ticket.status is Status.IN_PROGRESS


def test_waiting_and_back(wf, desk, new_ticket):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    wf.wait(ticket, desk.kristina)
    assert ticket.status is Status.WAITING
    wf.start(ticket, desk.kristina)
    assert ticket.status is Status.IN_PROGRESS


def test_waiting_a_new_ticket_is_refused(wf, desk, new_ticket):
    with pytest.raises(TransitionError, match="cannot go from new to waiting"):
        wf.wait(new_ticket(), desk.kristina)


def test_urgent_category_makes_the_ticket_urgent(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.set_category(ticket, desk.kristina, "Billing")
    assert ticket.priority is Priority.NORMAL
    wf.set_category(ticket, desk.kristina, "No connectivity")
    session.commit()
    assert ticket.priority is Priority.URGENT
    assert events(session, ticket, "priority")[-1].note == "category No connectivity is urgent"


def test_priority_change_is_audited(wf, desk, new_ticket, session):
    ticket = new_ticket()
    wf.set_priority(ticket, desk.kristina, Priority.HIGH)
    session.commit()
    event = events(session, ticket, "priority")[0]
    assert (event.from_value, event.to_value, event.via) == ("normal", "high", "test")


def test_outsider_cannot_change_priority(wf, desk, new_ticket):
    with pytest.raises(PermissionDenied):
        wf.set_priority(new_ticket(), desk.carl, Priority.LOW)


def test_a_refused_action_writes_nothing(wf, desk, new_ticket, session):
    ticket = new_ticket()
    before = len(events(session, ticket))
    with pytest.raises(PermissionDenied):
        wf.claim(ticket, desk.bob)
    session.rollback()
    assert len(events(session, ticket)) == before


def test_change_and_event_share_one_transaction(wf, desk, new_ticket, session, Session):
    ticket = new_ticket()
    ticket_id = ticket.id
    wf.set_priority(ticket, desk.kristina, Priority.HIGH)
    session.rollback()
    session.close()
    with Session() as other:
        from app.models import Ticket

        stored = other.get(Ticket, ticket_id)
        assert stored.priority is Priority.NORMAL
        assert not [e for e in events(other, stored) if e.kind == "priority"]


def test_agents_open_tickets_by_hand_in_their_own_lines_and_task_channels(wf, desk):
    wf.create_ticket(desk.kristina, subject="Phone call: site down", line=desk.l1)
    wf.create_ticket(desk.kristina, subject="Wish: dark mode", line=desk.devtasks)
    wf.create_ticket(desk.anna, subject="Manager anywhere", line=desk.l2)
    with pytest.raises(PermissionDenied, match="not a member of 2nd line and cannot open tickets there"):
        wf.create_ticket(desk.kristina, subject="Not my line", line=desk.l2)


def test_reopen_is_not_set_by_hand(wf, desk, new_ticket):
    from app.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="reopens by itself when the customer writes"):
        wf.set_status(new_ticket(), desk.kristina, Status.REOPENED)
