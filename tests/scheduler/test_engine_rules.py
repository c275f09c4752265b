"""Every rule fires at its deadline, not a second before, and does what the issue says (both backends)."""

from __future__ import annotations

from datetime import timedelta

from app.models import Channel, HelpdeskSetting, Priority, Rating, Status
from tests.core.conftest import events
from tests.scheduler.conftest import rules_fired, timers, utc


def test_creating_a_ticket_plans_its_claim_and_first_response_timers(new_ticket, session, clock):
    ticket = new_ticket()
    pending = {t.rule: t for t in timers(session, ticket, state="pending")}
    assert set(pending) == {"claim", "first_response_warn", "first_response"}
    assert pending["claim"].due_at.replace(tzinfo=None) == (clock.now() + timedelta(seconds=40)).replace(tzinfo=None)


def test_claim_fires_at_its_deadline_and_not_a_second_before(new_ticket, fire, clock, session, desk):
    ticket = new_ticket()
    clock.advance(seconds=39)
    assert fire() == []
    clock.advance(seconds=1)
    [firing] = fire()
    assert (firing.rule, firing.ticket_number) == ("claim", ticket.number)
    assert ticket.status is Status.ASSIGNED and ticket.assignee in (desk.kristina, desk.lisa)
    assert "assigned to" in firing.outcome
    [assigned] = events(session, ticket, "assigned")
    assert assigned.via == "scheduler" and assigned.actor_label == "system"
    assert timers(session, ticket, "claim")[0].state == "fired"


def test_a_claim_in_time_cancels_the_claim_timer(new_ticket, wf, fire, clock, session, desk):
    ticket = new_ticket()
    wf.claim(ticket, desk.lisa)
    session.commit()
    assert [t.state for t in timers(session, ticket, "claim")] == ["cancelled"]
    clock.advance(seconds=60)
    assert "claim" not in rules_fired(fire())


def test_random_assignment_spreads_over_on_duty_members(new_ticket, fire, clock, desk):
    tickets = [new_ticket() for _ in range(12)]
    clock.advance(seconds=40)
    fire(seed=7)
    assert {t.assignee.email for t in tickets} == {desk.kristina.email, desk.lisa.email}


def test_least_busy_assignment_picks_the_member_with_fewest_active_tickets(new_ticket, wf, fire, clock, session, desk):
    desk.l1.assign_strategy = "least_busy"
    for _ in range(2):
        wf.claim(new_ticket(), desk.kristina)
    session.commit()
    ticket = new_ticket()
    clock.advance(seconds=40)
    fire()
    assert ticket.assignee == desk.lisa


def test_off_duty_members_are_skipped(new_ticket, fire, clock, session, desk):
    desk.lisa.on_duty = False
    session.commit()
    tickets = [new_ticket() for _ in range(6)]
    clock.advance(seconds=40)
    fire(seed=3)
    assert {t.assignee.email for t in tickets} == {desk.kristina.email}


def test_nobody_on_duty_alerts_the_head_once_and_retries(new_ticket, fire, clock, session, desk):
    desk.kristina.on_duty = desk.lisa.on_duty = False
    session.commit()
    ticket = new_ticket()
    clock.advance(seconds=40)
    [firing] = fire()
    assert "nobody on duty" in firing.outcome and ticket.assignee is None and ticket.status is Status.NEW
    [alert] = events(session, ticket, "alert")
    assert alert.to_value == desk.anna.email
    [retry] = timers(session, ticket, "claim", "pending")
    assert retry.basis.endswith("#2")
    clock.advance(seconds=39)
    assert fire() == []
    clock.advance(seconds=1)
    assert "nobody on duty" in fire()[0].outcome  # the second attempt is silent
    assert len(events(session, ticket, "alert")) == 1
    desk.kristina.on_duty = True
    clock.advance(seconds=40)
    assert "assigned to kristina" in fire()[0].outcome
    assert ticket.assignee == desk.kristina


def test_not_started_in_time_the_head_watches_is_told_and_the_ticket_stays_ignored(new_ticket, wf, fire, clock,
                                                                                     session, desk):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    session.commit()
    clock.advance(seconds=899)
    assert "start" not in rules_fired(fire())
    clock.advance(seconds=1)
    assert "start" in rules_fired(fire())
    assert desk.anna in ticket.watchers and ticket.flag_ignored
    assert [e.to_value for e in events(session, ticket, "alert")] == [desk.anna.email]
    wf.start(ticket, desk.kristina)
    session.commit()
    session.expire_all()
    assert ticket.status is Status.IN_PROGRESS and ticket.flag_ignored  # the mark stays for the statistics


def test_the_start_rule_applies_to_the_development_line_too(new_ticket, fire, clock, desk):
    ticket = new_ticket(line=desk.dev)
    clock.advance(seconds=40)
    fire()
    assert ticket.assignee == desk.dmitry
    clock.advance(seconds=900)
    fire()
    assert ticket.flag_ignored and desk.boris in ticket.watchers


def test_first_response_by_channel_warns_at_80_percent_then_marks_overdue(new_ticket, wf, fire, clock, session, desk):
    email, chat = new_ticket(), new_ticket(channel=Channel.CHAT)
    for ticket in (email, chat):
        wf.claim(ticket, desk.kristina)
        wf.start(ticket, desk.kristina)
    session.commit()
    clock.advance(seconds=95)
    assert fire() == []
    clock.advance(seconds=1)
    assert rules_fired(fire()) == ["first_response_warn"]  # chat: 80 % of 2 min
    [warning] = events(session, chat, "warning")
    assert warning.to_value == desk.kristina.email
    clock.advance(seconds=23)
    assert fire() == [] and not chat.flag_overdue
    clock.advance(seconds=1)  # 120 s
    assert rules_fired(fire(), chat.number) == ["first_response"] and chat.flag_overdue
    clock.advance(seconds=2880 - 121)
    assert fire() == []
    clock.advance(seconds=1)
    assert rules_fired(fire(), email.number) == ["first_response_warn"]
    clock.advance(seconds=719)
    assert fire() == [] and not email.flag_overdue
    clock.advance(seconds=1)  # 3600 s
    assert rules_fired(fire(), email.number) == ["first_response"] and email.flag_overdue


def test_an_answer_in_time_cancels_the_first_response_timers(new_ticket, wf, fire, clock, session, desk):
    ticket = new_ticket()
    wf.claim(ticket, desk.kristina)
    wf.record_outbound(ticket, desk.kristina, body_text="Looking into it")
    session.commit()
    assert {t.state for t in timers(session, ticket) if t.rule.startswith("first_response")} == {"cancelled"}
    clock.advance(hours=2)
    assert not any(r.startswith("first_response") for r in rules_fired(fire()))
    assert not ticket.flag_overdue


def test_first_response_by_priority_and_a_priority_change_moves_the_deadline(new_ticket, wf, fire, clock, session,
                                                                              desk):
    session.add(HelpdeskSetting(key="first_response_priority", value={"urgent": 900}))
    session.commit()
    urgent = new_ticket(priority=Priority.URGENT)
    later = new_ticket()
    wf.claim(later, desk.lisa)
    wf.set_priority(later, desk.lisa, Priority.URGENT)
    session.commit()
    assert [t.state for t in timers(session, later, "first_response")] == ["cancelled", "pending"]
    clock.advance(seconds=899)
    assert "first_response" not in rules_fired(fire())
    clock.advance(seconds=1)
    assert sorted(f.ticket_number for f in fire() if f.rule == "first_response") == sorted([urgent.number, later.number])
    assert urgent.flag_overdue and later.flag_overdue


def test_resolution_target_by_priority(new_ticket, wf, fire, clock, session, desk):
    session.add(HelpdeskSetting(key="resolution", value={"high": 8 * 3600}))
    session.commit()
    ticket = new_ticket(priority=Priority.HIGH)
    wf.claim(ticket, desk.lisa)
    wf.start(ticket, desk.lisa)
    wf.record_outbound(ticket, desk.lisa, body_text="On it")
    session.commit()
    clock.advance(hours=8, seconds=-1)
    assert rules_fired(fire()) == ["resolution_warn"]
    assert not ticket.flag_overdue
    clock.advance(seconds=1)
    assert rules_fired(fire()) == ["resolution"] and ticket.flag_overdue


def test_a_ticket_arriving_on_saturday_is_due_on_monday(new_ticket, fire, clock, session, desk):
    desk.l1.calendar = {"timezone": "Europe/Moscow",
                        "hours": {d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
    session.commit()
    clock.set(utc("2026-11-28T12:00:00+03:00"))  # Saturday
    ticket = new_ticket()
    due = {t.rule: t.due_at.replace(tzinfo=None) for t in timers(session, ticket)}
    assert due["claim"] == utc("2026-11-30T06:00:40")  # Monday 09:00:40 Moscow
    assert due["first_response"] == utc("2026-11-30T07:00:00")  # Monday 10:00 Moscow
    clock.set(utc("2026-11-30T08:59:59+03:00"))
    assert fire() == []
    clock.set(utc("2026-11-30T09:00:40+03:00"))
    assert rules_fired(fire()) == ["claim"]


def test_a_holiday_is_skipped(new_ticket, session, clock, desk):
    desk.l1.calendar = {"timezone": "Europe/Moscow", "holidays": ["2026-11-30"],
                        "hours": {d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
    session.commit()
    clock.set(utc("2026-11-28T12:00:00+03:00"))
    ticket = new_ticket()
    [first_response] = timers(session, ticket, "first_response")
    assert first_response.due_at.replace(tzinfo=None) == utc("2026-12-01T07:00:00")  # Tuesday 10:00 Moscow


def _done(wf, session, ticket, desk):
    wf.claim(ticket, desk.lisa)
    wf.record_outbound(ticket, desk.lisa, body_text="Fixed")
    wf.mark_done(ticket, desk.lisa, "site down", "restarted nginx")
    session.commit()


def test_a_done_ticket_without_rating_completes_two_days_later(new_ticket, wf, fire, clock, session, desk):
    ticket = new_ticket()
    _done(wf, session, ticket, desk)
    clock.advance(days=2, seconds=-1)
    assert "auto_complete" not in rules_fired(fire())
    clock.advance(seconds=1)
    [firing] = [f for f in fire() if f.rule == "auto_complete"]
    assert firing.outcome == "completed: no rating within 2 days"
    assert ticket.status is Status.COMPLETED
    [completed] = [e for e in events(session, ticket, "status") if e.to_value == "completed"]
    assert completed.data["reason"] == "no rating within 2 days"


def test_a_rated_ticket_is_not_auto_completed(new_ticket, wf, fire, clock, session, desk):
    ticket = new_ticket()
    _done(wf, session, ticket, desk)
    wf.record_feedback(ticket, Rating.SATISFIED)
    session.commit()
    assert [t.state for t in timers(session, ticket, "auto_complete")] == ["cancelled"]
    clock.advance(days=3)
    assert "auto_complete" not in rules_fired(fire())


def test_a_reopened_ticket_loses_its_auto_complete(wf, clock, session, desk):
    from app.workflow import Inbound

    def mail(message_id: str):
        return Inbound(channel=Channel.EMAIL, subject="Site down", body_text="help", sent_at=clock.now(),
                       from_email="ivan@example.com", mailbox=desk.mailbox, provider_thread_id="t1",
                       provider_message_id=message_id)

    ticket = wf.receive(mail("m1")).ticket
    session.commit()
    _done(wf, session, ticket, desk)
    assert [t.state for t in timers(session, ticket, "auto_complete")] == ["pending"]
    assert wf.receive(mail("m2")).outcome == "reopened"
    session.commit()
    assert [t.state for t in timers(session, ticket, "auto_complete")] == ["cancelled"]


def test_a_transfer_starts_a_claim_timer_in_the_new_line_and_cancels_the_old(new_ticket, wf, fire, clock, session,
                                                                              desk):
    ticket = new_ticket()
    clock.advance(seconds=20)
    wf.transfer(ticket, desk.anna, desk.l2, "needs a technician")
    session.commit()
    old, new = timers(session, ticket, "claim")
    assert (old.state, new.state) == ("cancelled", "pending")
    assert new.due_at.replace(tzinfo=None) == (clock.now() + timedelta(seconds=40)).replace(tzinfo=None)
    clock.advance(seconds=40)
    fire()
    assert ticket.assignee == desk.bob
