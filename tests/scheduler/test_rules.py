"""The pure plan: which timers a ticket should have in each state (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from scheduler.rules import Due, Policy, TicketState, is_due, plan, stamp

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
POLICY = Policy(first_response={"email": 3600, "chat": 120}, resolution={"urgent": 4 * 3600})
NEW = TicketState(status="new", assigned=False, channel="email", priority="normal", created_at=T0, line_entered_at=T0)


def rules(state: TicketState, policy: Policy = POLICY) -> dict[str, Due]:
    return {due.rule: due for due in plan(state, policy)}


def test_a_new_ticket_has_claim_and_first_response_timers():
    planned = rules(NEW)
    assert set(planned) == {"claim", "first_response_warn", "first_response"}
    assert planned["claim"].due_at == T0 + timedelta(seconds=40)
    assert planned["claim"].basis == stamp(T0)
    assert planned["first_response_warn"].due_at == T0 + timedelta(seconds=2880)
    assert planned["first_response"].due_at == T0 + timedelta(seconds=3600)


def test_an_assigned_ticket_waits_to_be_started():
    claimed = T0 + timedelta(seconds=10)
    planned = rules(replace(NEW, status="assigned", assigned=True, claimed_at=claimed))
    assert "claim" not in planned
    assert planned["start"] == Due("start", stamp(claimed), claimed + timedelta(seconds=900))


def test_started_answered_tickets_have_no_timers_without_a_resolution_target():
    state = replace(NEW, status="in_progress", assigned=True, claimed_at=T0, started_at=T0, first_response_at=T0)
    assert plan(state, POLICY) == set()


def test_priority_targets_and_the_stricter_one_wins():
    policy = replace(POLICY, first_response_priority={"urgent": 900})
    urgent = replace(NEW, priority="urgent")
    assert rules(urgent, policy)["first_response"].due_at == T0 + timedelta(seconds=900)
    assert rules(urgent, policy)["resolution"].due_at == T0 + timedelta(hours=4)
    assert rules(replace(urgent, channel="chat"), policy)["first_response"].due_at == T0 + timedelta(seconds=120)


def test_a_changed_target_is_a_new_timer():
    email, chat = rules(NEW)["first_response"], rules(replace(NEW, channel="chat"))["first_response"]
    assert email.key != chat.key


def test_claim_retries_after_an_attempt_that_found_nobody():
    attempt = T0 + timedelta(seconds=41)
    planned = rules(replace(NEW, claim_attempts=1, last_claim_at=attempt))
    assert planned["claim"] == Due("claim", f"{stamp(T0)}#2", attempt + timedelta(seconds=40))


def test_done_tickets_complete_two_days_later():
    done = T0 + timedelta(hours=1)
    planned = rules(replace(NEW, status="done", assigned=True, done_at=done))
    assert set(planned) == {"auto_complete"}
    assert planned["auto_complete"].due_at == done + timedelta(days=2)


def test_completed_tickets_have_nothing():
    assert plan(replace(NEW, status="completed", assigned=True), POLICY) == set()


def test_is_due_at_the_deadline_not_a_second_before():
    due = T0 + timedelta(seconds=40)
    assert not is_due(due, due - timedelta(seconds=1))
    assert is_due(due, due)
