"""A sweep fires its due timers in batches, one transaction each: the batch must do exactly what firing one
timer per transaction does (the original protocol), and a failing action must cost nothing but speed."""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from app.models import Agent, Ticket, TicketEvent
from app.models.timers import TicketTimer
from scheduler import engine
from scheduler.timers import load_targets, prime_targets


def _scenario(wf, desk, new_ticket, session) -> dict[str, Ticket]:
    """One ticket per situation the rules act on."""
    tickets = {
        "unclaimed-1": new_ticket(), "unclaimed-2": new_ticket(), "unclaimed-3": new_ticket(),
        "nobody-on-duty": new_ticket(line=desk.commercial),
        "held-not-started": new_ticket(), "started-unanswered": new_ticket(), "done-unrated": new_ticket(),
    }
    wf.assign(tickets["held-not-started"], desk.anna, desk.kristina)
    wf.start(tickets["started-unanswered"], desk.lisa)
    wf.start(tickets["done-unrated"], desk.kristina)
    wf.mark_done(tickets["done-unrated"], desk.kristina, "site down", "restarted it")
    session.commit()
    return tickets


def _picture(session, ticket: Ticket) -> dict:
    """What the rules did to one ticket, with its number (which differs between the two runs) left out."""
    session.refresh(ticket)
    unnumbered = lambda text: re.sub(r"#\d+", "#N", text or "")  # noqa: E731
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.via == "scheduler")
                             .order_by(TicketEvent.id))
    timers = session.scalars(select(TicketTimer).where(TicketTimer.ticket_id == ticket.id))
    return {
        "ticket": (ticket.status, ticket.assignee.email if ticket.assignee else None, ticket.flag_ignored,
                   ticket.flag_overdue, ticket.completed_at, [w.email for w in ticket.watchers], ticket.updated_at),
        "events": [(e.kind, e.actor_label, e.from_value, e.to_value, unnumbered(e.note), e.data, e.at) for e in events],
        "timers": sorted((t.rule, t.basis, t.due_at, t.state, t.fired_at, unnumbered(t.outcome)) for t in timers),
    }


def test_a_batch_does_exactly_what_one_timer_per_transaction_does(wf, desk, new_ticket, session, Session, clock):
    carl = session.get(Agent, desk.carl.id)
    carl.on_duty = False  # the commercial line has nobody on duty: its head is told, the claim retried
    session.commit()
    one, many = _scenario(wf, desk, new_ticket, session), _scenario(wf, desk, new_ticket, session)
    clock.advance(days=3)
    with Session() as reader:
        due = engine.due_timers(reader, clock.now(), 1000)
        targets = load_targets(reader)
    ids = {name: {t.id for t in group.values()} for name, group in (("one", one), ("many", many))}
    due_one = [t for t in due if t.ticket_id in ids["one"]]
    due_many = [t for t in due if t.ticket_id in ids["many"]]
    assert len(due_one) == len(due_many) >= 12

    rng_one, rng_many = random.Random(5), random.Random(5)
    for timer in due_one:  # the original protocol: one timer, one transaction
        with Session() as s:
            prime_targets(s, targets)
            assert engine._fire_safely(s, clock, timer, owner="one", rng=rng_one) is not None
            s.commit()
    fired = engine._fire_batch(Session, clock, due_many, targets, owner="many", rng=rng_many)
    assert len(fired) == len(due_many)
    session.expire_all()
    for name in one:
        expected, got = _picture(session, one[name]), _picture(session, many[name])
        # fired_by names the sweeper; everything else must match
        assert got["ticket"] == expected["ticket"], name
        assert got["events"] == expected["events"], name
        assert got["timers"] == expected["timers"], name


def test_a_batch_with_a_failing_action_is_fired_again_one_by_one(wf, desk, new_ticket, session, Session, clock,
                                                                   monkeypatch):
    """The failing batch leaves no trace (its transaction rolled back); the retry one timer per transaction
    marks the bad timer failed and fires the rest, each once."""
    tickets = [new_ticket() for _ in range(6)]
    doomed = tickets[2].id
    real = engine.ACTIONS["claim"]

    def flaky(wf_, ticket, timer, rng):
        if ticket.id == doomed:
            raise RuntimeError("this one is broken")
        return real(wf_, ticket, timer, rng)

    monkeypatch.setitem(engine.ACTIONS, "claim", flaky)
    clock.advance(hours=2)
    session.commit()
    firings = engine.sweep_all(Session, clock, owner="t", rng=random.Random(1))
    session.expire_all()
    by_ticket = {(f.ticket_number, f.rule): f.outcome for f in firings}
    assert by_ticket[(tickets[2].number, "claim")].startswith("error: RuntimeError: this one is broken")
    states = dict(session.execute(select(TicketTimer.ticket_id, TicketTimer.state)
                                  .where(TicketTimer.rule == "claim")).all())
    assert states[doomed] == "failed" and all(states[t.id] == "fired" for t in tickets if t.id != doomed)
    assigned = session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "assigned")).all()
    assert sorted(assigned) == sorted(t.id for t in tickets if t.id != doomed)  # once each, none for the bad one
