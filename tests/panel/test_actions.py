"""The actions a panel offers are exactly the ones the workflow allows.

For tickets in many states and every agent of the test desk, each action is tried for real in a savepoint
(rolled back after): an offered action must succeed, a withheld one must be refused (or change nothing).
"""

from __future__ import annotations

import pytest

from app.domain.errors import DomainError
from app.models import Line, Status, TicketEvent
from app.panel.actions import ACTION_NAMES
from app.panel.model import load_panel, load_ticket
from app.workflow import CustomerRef

AGENTS = ("anna", "kristina", "lisa", "boris", "bob", "dmitry", "carl", "admin")


def _states(wf, desk, session, new_ticket):
    """One ticket per state worth telling apart."""
    made = {}
    made["new"] = new_ticket()
    made["assigned"] = new_ticket(email="a@example.com")
    wf.claim(made["assigned"], desk.kristina)
    made["in_progress"] = new_ticket(email="b@example.com")
    wf.start(made["in_progress"], desk.kristina)
    made["waiting"] = new_ticket(email="c@example.com")
    wf.start(made["waiting"], desk.lisa)
    wf.wait(made["waiting"], desk.lisa)
    made["transferred"] = new_ticket(email="d@example.com")
    wf.start(made["transferred"], desk.kristina)
    wf.transfer(made["transferred"], desk.kristina, desk.l2, "server side")
    made["taken_in_l2"] = new_ticket(email="e@example.com")
    wf.start(made["taken_in_l2"], desk.kristina)
    wf.transfer(made["taken_in_l2"], desk.kristina, desk.l2, "server side")
    wf.claim(made["taken_in_l2"], desk.bob)
    wf.add_watcher(made["taken_in_l2"], None, desk.carl)
    made["done"] = new_ticket(email="f@example.com")
    wf.start(made["done"], desk.kristina)
    wf.mark_done(made["done"], desk.kristina, "p", "r")
    made["completed"] = new_ticket(email="g@example.com")
    wf.start(made["completed"], desk.kristina)
    wf.mark_done(made["completed"], desk.kristina, "p", "r")
    wf.complete(made["completed"], None, reason="rated")
    made["task"] = wf.create_ticket(desk.kristina, subject="wish", line=desk.wishes,
                                    customer=CustomerRef("Ivan", "h@example.com"))
    session.commit()
    return {name: t.number for name, t in made.items()}


def _try(wf, session, desk, agent, number, action, panel) -> bool | None:
    """True: done; False: refused; None: accepted but changed nothing."""
    ticket = load_ticket(session, number)
    events_before = session.query(TicketEvent).filter_by(ticket_id=ticket.id).count()
    other_line = session.query(Line).filter(Line.id != ticket.line_id, Line.active.is_(True)).first()
    offered = [c.value for c in panel.actions.assign_to]
    people = ([getattr(desk, email.split("@")[0]) for email in offered]
              or [m for m in ticket.line.members if m.id != ticket.assignee_id] or [desk.anna])
    run = {
        "claim": lambda: wf.claim(ticket, agent),
        "assign": lambda: wf.assign(ticket, agent, people[0]),
        "start": lambda: wf.start(ticket, agent),
        "priority": lambda: wf.set_priority(ticket, agent, "high"),
        "category": lambda: wf.set_category(ticket, agent, "Billing"),
        "transfer": lambda: wf.transfer(ticket, agent, other_line, "a note"),
        "pass_back": lambda: wf.pass_back(ticket, agent, "a note"),
        "subtask": lambda: wf.open_subtask(ticket, agent, "a note"),
        "note": lambda: wf.add_note(ticket, agent, "a note"),
        "done": lambda: wf.mark_done(ticket, agent, "problem", "resolution"),
    }[action]
    savepoint = session.begin_nested()
    try:
        run()
        session.flush()
        changed = session.query(TicketEvent).filter_by(ticket_id=ticket.id).count() != events_before
        return True if changed else None
    except DomainError:
        return False
    finally:
        savepoint.rollback()
        session.expire_all()


@pytest.mark.parametrize("state", ["new", "assigned", "in_progress", "waiting", "transferred", "taken_in_l2", "done",
                                   "completed", "task"])
def test_offered_actions_are_exactly_the_allowed_ones(wf, desk, session, clock, new_ticket, state):
    number = _states(wf, desk, session, new_ticket)[state]
    mismatches = []
    for name in AGENTS:
        agent = getattr(desk, name)
        try:
            panel = load_panel(session, clock, agent, number)
        except DomainError:
            continue  # cannot see it: no panel, no actions
        offered = panel.actions.offered()
        for action in ACTION_NAMES:
            outcome = _try(wf, session, desk, agent, number, action, panel)
            if (action in offered) != bool(outcome) and not (action not in offered and outcome is None):
                mismatches.append((name, action, "offered" if action in offered else "withheld", outcome))
    assert not mismatches, mismatches


def test_the_holder_of_a_ticket_sees_done_and_a_colleague_does_not(wf, desk, session, clock, new_ticket):
    ticket = new_ticket()
    wf.start(ticket, desk.kristina)
    session.commit()
    assert "done" in load_panel(session, clock, desk.kristina, ticket.number).actions.offered()
    assert "done" not in load_panel(session, clock, desk.lisa, ticket.number).actions.offered()
    assert load_panel(session, clock, desk.lisa, ticket.number).actions.offered() >= {"note", "transfer"}
    assert Status.IN_PROGRESS.value == load_panel(session, clock, desk.lisa, ticket.number).status
