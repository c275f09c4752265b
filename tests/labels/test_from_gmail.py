"""Gmail → ticket against the local Gmail, on SQLite and PostgreSQL: an agent applies or removes one of our
labels in Gmail, the next sync step changes the ticket through the workflow ("via Gmail label"), refusals are
undone in Gmail with a note, two labels of a kind resolve to the later, our own pushes never loop, and a
Linedesk change and a Gmail change of the same moment resolve by history order with both in the audit."""

from __future__ import annotations

from sqlalchemy import update

from app.db import transaction
from app.models import Line, Priority, Status, Ticket
from labels.from_gmail import ACTOR, VIA
from labels.gmail_labels import push_due
from tests.labels.helpers import (
    audit,
    calls,
    held_ticket,
    in_gmail,
    labels_on,
    notes,
    ticket,
)
from tests.labels.test_push import act
from tests.sync.conftest import SUPPORT, connect

HELD = {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal", "Helpdesk/Agent/Lisa"}


def test_a_line_label_transfers_the_ticket_via_gmail_label(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    before = len(audit(Session, number))

    in_gmail(gmail, thread_id, add=["Helpdesk/Line/2nd line"])
    runner.sync_once()

    moved = ticket(Session, number)
    assert (moved.line.name, moved.status, moved.assignee_id) == ("2nd line", Status.NEW, None)
    [transfer] = [e for e in audit(Session, number)[before:] if e.kind == "transferred"]
    assert (transfer.via, transfer.actor_label, transfer.actor_id) == (VIA, ACTOR, None)
    assert "Helpdesk/Line/2nd line" in (transfer.note or "")
    # The same step put Gmail right: one Line label, the new status, no agent, on every message.
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/New", "Helpdesk/Line/2nd line",
                                            "Helpdesk/Priority/Normal"}]


def test_agent_status_and_priority_labels_assign_start_and_prioritise(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)

    in_gmail(gmail, thread_id, add=["Helpdesk/Agent/Kristina"])
    runner.sync_once()
    assert ticket(Session, number).assignee.name == "Kristina"
    in_gmail(gmail, thread_id, add=["Helpdesk/Status/In progress", "Helpdesk/Priority/Urgent"])
    runner.sync_once()

    now = ticket(Session, number)
    assert (now.status, now.priority, now.assignee.name) == (Status.IN_PROGRESS, Priority.URGENT, "Kristina")
    gmail_events = [(e.kind, e.to_value) for e in audit(Session, number) if e.via == VIA]
    assert gmail_events == [("assigned", "kristina@coolxost.com"), ("status", "in_progress"),
                            ("priority", "urgent")]
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/In progress", "Helpdesk/Line/1st line",
                                            "Helpdesk/Priority/Urgent", "Helpdesk/Agent/Kristina"}]


def test_removing_the_agent_label_releases_the_ticket(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    in_gmail(gmail, thread_id, remove=["Helpdesk/Agent/Lisa"])
    runner.sync_once()
    released = ticket(Session, number)
    assert (released.status, released.assignee_id) == (Status.NEW, None)
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/New", "Helpdesk/Line/1st line",
                                            "Helpdesk/Priority/Normal"}]


def test_done_without_the_two_fields_is_undone_in_gmail_with_a_note(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)

    in_gmail(gmail, thread_id, add=["Helpdesk/Status/Done"], remove=["INBOX"])
    runner.sync_once()

    assert ticket(Session, number).status is Status.ASSIGNED
    [note] = notes(Session, number)
    assert "Helpdesk/Status/Done" in note and "problem" in note and "resolution" in note
    [event] = [e for e in audit(Session, number) if e.kind == "note"]
    assert (event.via, event.actor_label) == (VIA, ACTOR)
    assert labels_on(gmail, thread_id) == [HELD]  # undone: Done gone, Assigned back
    from tests.labels.test_push import thread_messages
    assert all("INBOX" in labels for labels in thread_messages(gmail, thread_id))  # and back in the inbox

    # With both fields filled in Linedesk first, the same label closes the ticket and it leaves the inbox.
    with transaction(Session) as session:
        session.execute(update(Ticket).where(Ticket.number == number)
                        .values(problem="Server down", resolution="Rebooted it"))
    clock.advance(seconds=5)
    in_gmail(gmail, thread_id, add=["Helpdesk/Status/Done"])
    runner.sync_once()
    assert ticket(Session, number).status is Status.DONE
    [labels] = thread_messages(gmail, thread_id)
    assert "Helpdesk/Status/Done" in labels and "INBOX" not in labels


def test_a_line_the_ticket_may_not_go_to_is_refused_and_undone(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    with transaction(Session) as session:
        session.execute(update(Line).where(Line.slug == "commercial").values(active=False))

    in_gmail(gmail, thread_id, add=["Helpdesk/Line/Commercial"])
    runner.sync_once()
    in_gmail(gmail, thread_id, add=["Helpdesk/Line/Nowhere"])
    runner.sync_once()

    assert ticket(Session, number).line.name == "1st line"
    retired, unknown = notes(Session, number)
    assert "Helpdesk/Line/Commercial" in retired and "retired" in retired
    assert "Helpdesk/Line/Nowhere" in unknown and "no line is called Nowhere" in unknown
    assert labels_on(gmail, thread_id) == [HELD]


def test_two_lines_at_once_the_later_wins_with_a_note(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    in_gmail(gmail, thread_id, add=["Helpdesk/Line/Commercial"])
    in_gmail(gmail, thread_id, add=["Helpdesk/Line/2nd line"])
    runner.sync_once()

    assert ticket(Session, number).line.name == "2nd line"
    assert any("Helpdesk/Line/2nd line, applied last, wins" in note for note in notes(Session, number))
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/New", "Helpdesk/Line/2nd line",
                                            "Helpdesk/Priority/Normal"}]


def test_our_own_pushes_coming_back_change_nothing(gmail, make_runner, Session, clock) -> None:
    """Push, then sync: no audit event, no further threads.modify — also when the ticket changed again in
    Linedesk before the echo of the first push was read."""
    runner, _thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    events, modified = len(audit(Session, number)), calls(gmail, "threads.modify")
    runner.sync_once()
    runner.sync_once()
    assert (len(audit(Session, number)), calls(gmail, "threads.modify")) == (events, modified)

    act(Session, clock, number, "start", "lisa@coolxost.com")
    push_due(connect(gmail), Session, clock, SUPPORT)
    act(Session, clock, number, "wait", "lisa@coolxost.com")  # changed again; not pushed yet
    events, modified = len(audit(Session, number)), calls(gmail, "threads.modify")
    runner.sync_once()  # reads the echo of the In progress push while the ticket is Waiting
    assert (len(audit(Session, number)), calls(gmail, "threads.modify")) == (events, modified)
    assert ticket(Session, number).status is Status.WAITING


def test_a_linedesk_change_and_a_gmail_change_at_once_resolve_by_history_order(gmail, make_runner, Session, clock
                                                                               ) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)

    # The same moment: urgent in the sidebar (not pushed yet), Low applied in Gmail. The sidebar's change
    # enters Gmail's history when it is pushed, after the label: it is the later one and wins.
    act(Session, clock, number, "set_priority", "lisa@coolxost.com", priority=Priority.URGENT)
    in_gmail(gmail, thread_id, add=["Helpdesk/Priority/Low"])
    runner.sync_once()
    push_due(connect(gmail), Session, clock, SUPPORT)
    assert ticket(Session, number).priority is Priority.URGENT
    trail = [(e.kind, e.via) for e in audit(Session, number)]
    assert ("priority", "api") in trail and ("note", VIA) in trail
    assert "Helpdesk/Priority/Low" in notes(Session, number)[-1]
    assert "later change wins" in notes(Session, number)[-1]
    assert labels_on(gmail, thread_id) == [HELD - {"Helpdesk/Priority/Normal"} | {"Helpdesk/Priority/Urgent"}]

    # After that push, a label applied in Gmail is the later change and wins.
    in_gmail(gmail, thread_id, add=["Helpdesk/Priority/Low"])
    runner.sync_once()
    assert ticket(Session, number).priority is Priority.LOW
    assert [(e.kind, e.via, e.to_value) for e in audit(Session, number)][-1] == ("priority", VIA, "low")


def test_labels_on_threads_that_are_not_tickets_and_other_labels_are_ignored(gmail, make_runner, Session, clock
                                                                            ) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    events = len(audit(Session, number))
    in_gmail(gmail, thread_id, add=["Customers/VIP", "STARRED"], remove=["UNREAD"])
    runner.sync_once()
    assert len(audit(Session, number)) == events
