"""Ticket → Gmail label push against the local Gmail, over real HTTP, on SQLite and PostgreSQL: every message of
every ticket thread carries exactly the ticket's labels, changes replace them, Done leaves the inbox, a reopened
ticket comes back, late messages are caught up, and an unchanged ticket costs no threads.modify.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from app.db import transaction
from app.models import Agent, Ticket, TicketThread
from app.models.enums import Status
from app.workflow import Workflow
from gmail_emulator.labels import PALETTE
from gmail_emulator.seed import seed_mailbox
from labels.gmail_labels import ensure_labels, push_due, push_ticket
from labels.scheme import LabelScheme
from tests.conftest import T0
from tests.sync.conftest import SUPPORT, connect, deliver, mail

SCHEME = LabelScheme("Helpdesk")
KINDS = ("Helpdesk/Status/", "Helpdesk/Line/", "Helpdesk/Priority/", "Helpdesk/Agent/")


def label_names(gmail: Any) -> dict[str, str]:
    labels = gmail.service().users().labels().list(userId="me").execute()["labels"]
    return {label["id"]: label["name"] for label in labels}


def thread_messages(gmail: Any, thread_id: str) -> list[set[str]]:
    """Each message's label names in the thread, read back through the API."""
    names = label_names(gmail)
    thread = gmail.service().users().threads().get(userId="me", id=thread_id, format="minimal").execute()
    return [{names[i] for i in message.get("labelIds", [])} for message in thread["messages"]]


def ticket_threads(Session: Any) -> dict[int, list[str]]:
    with transaction(Session) as session:
        rows = session.execute(select(Ticket.number, TicketThread.provider_thread_id).join(TicketThread.ticket))
        threads: dict[int, list[str]] = {}
        for number, thread_id in rows:
            threads.setdefault(number, []).append(thread_id)
        return threads


def ours(labels: set[str]) -> set[str]:
    return {name for name in labels if SCHEME.is_ours(name)}


def modify_calls(gmail: Any) -> int:
    return int(gmail.control.stats()["calls"].get("gmail.users.threads.modify", 0))


def act(Session: Any, clock: Any, number: int, action: str, agent_email: str, **kwargs: Any) -> None:
    """A workflow change a moment after the last one (the clock is frozen in tests)."""
    clock.advance(seconds=5)
    with transaction(Session) as session:
        workflow = Workflow(session, clock)
        agent = session.scalar(select(Agent).where(Agent.email == agent_email))
        getattr(workflow, action)(workflow.ticket(number), agent, **kwargs)


def open_ticket(gmail: Any, make_runner: Any) -> tuple[Any, str]:
    """A fresh customer mail synced into a ticket: (its runner, the thread id)."""
    delivered = deliver(gmail, mail("Server down", sender="zoe@example.org", message_id="<zoe-1@example.org>"))
    runner = make_runner()
    runner.sync_once()
    return runner, delivered["threadId"]


def reply(gmail: Any, thread_id: str) -> None:
    """The customer answers in the thread (Gmail threads it: threadId, In-Reply-To and subject agree)."""
    deliver(gmail, mail("Re: Server down", sender="zoe@example.org", message_id="<zoe-2@example.org>",
                        in_reply_to="<zoe-1@example.org>"), threadId=thread_id)


def number_of(Session: Any, thread_id: str) -> int:
    with transaction(Session) as session:
        return int(session.scalar(select(Ticket.number).join(TicketThread.ticket)
                                  .where(TicketThread.provider_thread_id == thread_id)))


def test_seed_mailbox_every_message_gets_exactly_its_ticket_labels(make_runner, gmail, Session, clock) -> None:
    seed_mailbox(gmail.service(), SUPPORT, T0)
    make_runner().sync_once()
    api = connect(gmail)

    pushed = push_due(api, Session, clock, SUPPORT)

    threads = ticket_threads(Session)
    assert pushed == len(threads) > 0
    with transaction(Session) as session:
        tickets = {t.number: t for t in session.scalars(select(Ticket))}
        for number, thread_ids in threads.items():
            ticket = tickets[number]
            wanted = {SCHEME.status(ticket.status), SCHEME.line(ticket.line.name), SCHEME.priority(ticket.priority)}
            for thread_id in thread_ids:
                for labels in thread_messages(gmail, thread_id):
                    assert ours(labels) == wanted
                    assert all(sum(n.startswith(kind) for n in labels) == (kind != "Helpdesk/Agent/") for kind in KINDS)
            assert ticket.labels_synced_at == ticket.updated_at


def test_labels_are_created_once_with_palette_colours(make_runner, gmail, Session, clock) -> None:
    seed_mailbox(gmail.service(), SUPPORT, T0)
    make_runner().sync_once()
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)
    created = gmail.control.stats()["calls"].get("gmail.users.labels.create", 0)

    labels = gmail.service().users().labels().list(userId="me").execute()["labels"]
    helpdesk = [label for label in labels if SCHEME.is_ours(label["name"])]
    assert created == len(helpdesk)
    assert len({label["name"].casefold() for label in helpdesk}) == len(helpdesk)
    for label in helpdesk:
        colour = SCHEME.colour(label["name"])
        if colour is None:
            assert "color" not in label
        else:
            assert label["color"] == {"backgroundColor": colour[0], "textColor": colour[1]}
            assert set(colour) <= PALETTE

    every = [SCHEME.status(s) for s in Status]
    ids = ensure_labels(api, SCHEME, every)
    again = ensure_labels(api, SCHEME, every)
    assert ids == again and len(set(ids.values())) == len(Status)
    stats = gmail.control.stats()["calls"]
    assert stats["gmail.users.labels.create"] == created + len([s for s in every if not any(
        label["name"] == s for label in helpdesk)])


def test_claim_done_and_reopen_move_labels_and_inbox(make_runner, gmail, Session, clock) -> None:
    runner, thread_id = open_ticket(gmail, make_runner)
    number = number_of(Session, thread_id)
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)
    assert ours(thread_messages(gmail, thread_id)[0]) == {
        "Helpdesk/Status/New", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal"}

    act(Session, clock, number, "claim", "lisa@coolxost.com")
    assert push_due(api, Session, clock, SUPPORT) == 1
    [labels] = thread_messages(gmail, thread_id)
    assert ours(labels) == {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal",
                            "Helpdesk/Agent/Lisa"}
    assert "INBOX" in labels

    act(Session, clock, number, "mark_done", "lisa@coolxost.com", problem="server down", resolution="rebooted")
    push_due(api, Session, clock, SUPPORT)
    [labels] = thread_messages(gmail, thread_id)
    assert "Helpdesk/Status/Done" in labels and "Helpdesk/Status/Assigned" not in labels
    assert "INBOX" not in labels

    # The customer answers in the thread: the ticket reopens, and the new message is labelled too.
    clock.advance(seconds=5)
    reply(gmail, thread_id)
    runner.sync_once()
    assert len(thread_messages(gmail, thread_id)) == 2
    # Someone archives the new message in Gmail before the push: the reopened thread is still brought back.
    newest = gmail.service().users().threads().get(userId="me", id=thread_id).execute()["messages"][-1]["id"]
    gmail.service().users().messages().modify(userId="me", id=newest, body={"removeLabelIds": ["INBOX"]}).execute()
    assert not any("INBOX" in labels for labels in thread_messages(gmail, thread_id))

    push_due(api, Session, clock, SUPPORT)
    for labels in thread_messages(gmail, thread_id):
        assert ours(labels) == {"Helpdesk/Status/Reopened", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal",
                                "Helpdesk/Agent/Lisa"}
        assert "INBOX" in labels


def test_an_active_thread_already_in_the_inbox_keeps_its_other_messages_out(make_runner, gmail, Session, clock
                                                                           ) -> None:
    """INBOX is thread-level: one message in the inbox is enough, the others are not pushed into it."""
    runner, thread_id = open_ticket(gmail, make_runner)
    clock.advance(seconds=5)
    reply(gmail, thread_id)
    runner.sync_once()
    first = gmail.service().users().threads().get(userId="me", id=thread_id).execute()["messages"][0]["id"]
    gmail.service().users().messages().modify(userId="me", id=first, body={"removeLabelIds": ["INBOX"]}).execute()

    push_due(connect(gmail), Session, clock, SUPPORT)
    older, newer = thread_messages(gmail, thread_id)
    assert "INBOX" not in older and "INBOX" in newer
    assert ours(older) == ours(newer) == {"Helpdesk/Status/New", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal"}


def test_a_message_arriving_later_gets_the_labels_on_the_next_push(make_runner, gmail, Session, clock) -> None:
    runner, thread_id = open_ticket(gmail, make_runner)
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)

    clock.advance(seconds=5)
    reply(gmail, thread_id)
    runner.sync_once()
    older, newer = thread_messages(gmail, thread_id)
    assert ours(newer) == set() and ours(older)  # Gmail does not inherit labels

    assert push_due(api, Session, clock, SUPPORT) == 1
    older, newer = thread_messages(gmail, thread_id)
    assert ours(newer) == ours(older) == {"Helpdesk/Status/New", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal"}


def test_nothing_changed_means_no_threads_modify(make_runner, gmail, Session, clock) -> None:
    seed_mailbox(gmail.service(), SUPPORT, T0)
    make_runner().sync_once()
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)
    before = gmail.control.stats()["calls"]

    assert push_due(api, Session, clock, SUPPORT) == 0
    assert gmail.control.stats()["calls"] == before  # not even a read: nothing was due

    number = next(iter(ticket_threads(Session)))
    assert push_ticket(api, Session, clock, number) == 0  # forced: reads the threads, modifies none
    assert modify_calls(gmail) == before["gmail.users.threads.modify"]


def test_one_change_costs_one_threads_modify(make_runner, gmail, Session, clock) -> None:
    _, thread_id = open_ticket(gmail, make_runner)
    number = number_of(Session, thread_id)
    api = connect(gmail)
    push_due(api, Session, clock, SUPPORT)
    before = modify_calls(gmail)

    act(Session, clock, number, "claim", "kristina@coolxost.com")
    push_due(api, Session, clock, SUPPORT)
    assert modify_calls(gmail) == before + 1
    calls = Counter(gmail.control.stats()["calls"])
    assert calls["gmail.users.labels.create"] == 3 + 2  # New, 1st line, Normal; then Assigned and Agent/Kristina
    assert calls["gmail.users.labels.list"] == 2  # once per push_due run


def test_the_sync_step_pushes_labels_when_asked(Session, desk, gmail, clock):
    """Production wiring (`gmail_sync.wiring`) turns the push on: one sync step leaves threads labelled."""
    from gmail_sync.runner import SyncOptions, SyncService

    deliver(gmail, mail("Mail server rejects our SPF", sender="olga@example.org", message_id="<spf@example.org>"))
    service = SyncService(Session, clock, connect=lambda _address: connect(gmail),
                          options=SyncOptions(push_labels=True))
    service.sync_once(SUPPORT)
    with Session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket.labels_synced_at is not None
    labelled = gmail.service().users().messages().list(userId=SUPPORT, q="label:helpdesk-status-new").execute()
    assert labelled.get("resultSizeEstimate", 0) == 1
