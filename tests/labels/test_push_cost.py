"""What a ticket change costs in Gmail: one threads.modify (10 units) per thread when the threads are known to
carry the last push's labels; a read first when they might not (a message stored since, a ticket coming back into
the inbox). The pure rule (`LabelScheme.change_from`) first, then the local Gmail's counters."""

from __future__ import annotations

from app.models.enums import Priority, Status
from labels.gmail_labels import ensure_labels, push_due
from labels.scheme import LabelScheme, TicketLabelState
from tests.labels.helpers import calls, held_ticket, labels_on
from tests.labels.test_push import act, reply, thread_messages
from tests.sync.conftest import SUPPORT, connect

SCHEME = LabelScheme()
HELD = TicketLabelState(Status.ASSIGNED, "1st line", Priority.NORMAL, "Lisa")


def test_the_change_from_the_pushed_labels_needs_no_read() -> None:
    pushed = sorted(SCHEME.wanted_labels(HELD))
    started = TicketLabelState(Status.IN_PROGRESS, "1st line", Priority.NORMAL, "Lisa")
    assert SCHEME.change_from(pushed, started) == ({"Helpdesk/Status/In progress"}, {"Helpdesk/Status/Assigned"})
    assert SCHEME.change_from(pushed, HELD) == (frozenset(), frozenset())
    done = TicketLabelState(Status.DONE, "1st line", Priority.NORMAL, "Lisa")
    assert SCHEME.change_from(pushed, done) == ({"Helpdesk/Status/Done"}, {"Helpdesk/Status/Assigned", "INBOX"})
    reopened = TicketLabelState(Status.REOPENED, "1st line", Priority.NORMAL, "Lisa")
    assert SCHEME.change_from(sorted(SCHEME.wanted_labels(done)), reopened) is None  # back into the inbox: read
    assert SCHEME.change_from([], HELD) is None


def test_one_change_on_one_thread_is_one_threads_modify_and_ten_units(gmail, make_runner, Session, clock) -> None:
    _runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    api = connect(gmail)
    ensure_labels(api, SCHEME, [SCHEME.status(status) for status in Status])  # as `setup apply` leaves them
    gmail.control.reset()

    act(Session, clock, number, "start", "lisa@coolxost.com")
    assert push_due(api, Session, clock, SUPPORT) == 1

    stats = gmail.control.stats()
    assert stats["calls"] == {"gmail.users.threads.modify": 1, "gmail.users.labels.list": 1}
    assert stats["units"]["gmail.users.threads.modify"] == 10
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/In progress", "Helpdesk/Line/1st line",
                                            "Helpdesk/Priority/Normal", "Helpdesk/Agent/Lisa"}]

    act(Session, clock, number, "mark_done", "lisa@coolxost.com", problem="down", resolution="rebooted")
    gmail.control.reset()  # the reads above were the test's own
    push_due(api, Session, clock, SUPPORT)
    assert calls(gmail, "threads.get") == 0 and calls(gmail, "threads.modify") == 1
    assert all("INBOX" not in labels for labels in thread_messages(gmail, thread_id))


def test_a_message_stored_since_the_last_push_makes_the_push_read_first(gmail, make_runner, Session, clock) -> None:
    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    clock.advance(seconds=5)
    reply(gmail, thread_id)
    runner.sync_once()
    gmail.control.reset()

    push_due(connect(gmail), Session, clock, SUPPORT)

    assert calls(gmail, "threads.get") == 1 and calls(gmail, "threads.modify") == 1
    older, newer = labels_on(gmail, thread_id)
    assert older == newer == {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal",
                              "Helpdesk/Agent/Lisa"}
    assert number


def test_an_agents_changes_read_from_history_are_known_too() -> None:
    """Known: every message carried `pushed`; then an agent added Line/2nd line to some messages and removed
    Status/Assigned from some. After the transfer, one modify puts every message right."""
    pushed = sorted(SCHEME.wanted_labels(HELD))
    moved = TicketLabelState(Status.NEW, "2nd line", Priority.NORMAL)
    add, remove = SCHEME.change_from(pushed, moved, added=["Helpdesk/Line/2nd line", "Helpdesk/Line/Bogus"],
                                     removed=["Helpdesk/Status/Assigned"]) or ((), ())
    assert add == {"Helpdesk/Status/New", "Helpdesk/Line/2nd line"}  # onto the messages that lacked them
    assert remove == {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Agent/Lisa",
                      "Helpdesk/Line/Bogus"}
    # A refused removal: the label goes back onto the messages it was taken from.
    add, remove = SCHEME.change_from(pushed, HELD, removed=["Helpdesk/Status/Assigned"]) or ((), ())
    assert (add, remove) == ({"Helpdesk/Status/Assigned"}, frozenset())


def test_a_label_an_agent_put_on_one_message_moves_the_whole_thread_without_a_read(gmail, make_runner, Session,
                                                                                   clock) -> None:
    from tests.labels.helpers import label_id

    runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    clock.advance(seconds=5)
    reply(gmail, thread_id)
    runner.sync_once()
    push_due(connect(gmail), Session, clock, SUPPORT)  # the reply gets the labels (a read: it is new)
    newest = gmail.service().users().threads().get(userId="me", id=thread_id).execute()["messages"][-1]["id"]
    gmail.service().users().messages().modify(userId="me", id=newest, body={
        "addLabelIds": [label_id(gmail, "Helpdesk/Line/2nd line")]}).execute()
    gmail.control.reset()

    runner.sync_once()

    assert calls(gmail, "threads.get") == 0 and calls(gmail, "threads.modify") == 1
    assert labels_on(gmail, thread_id) == [{"Helpdesk/Status/New", "Helpdesk/Line/2nd line",
                                            "Helpdesk/Priority/Normal"}] * 2
    assert number


def test_an_open_conversation_an_agent_archived_stays_archived_through_later_changes(gmail, make_runner, Session,
                                                                                     clock) -> None:
    _runner, thread_id, number = held_ticket(gmail, make_runner, Session, clock)
    gmail.service().users().threads().modify(userId="me", id=thread_id,
                                             body={"removeLabelIds": ["INBOX"]}).execute()
    act(Session, clock, number, "start", "lisa@coolxost.com")
    push_due(connect(gmail), Session, clock, SUPPORT)
    [labels] = thread_messages(gmail, thread_id)
    assert "Helpdesk/Status/In progress" in labels and "INBOX" not in labels
