"""`linedesk labels reconcile` against the local Gmail with its faults and quota on, after labels were deleted,
renamed and mixed up by hand in Gmail: every ticket's threads carry exactly their labels again, stray labels
under the prefix are gone, and nothing of it loops back through the sync."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.db import transaction
from app.models import Ticket, TicketEvent
from gmail_emulator.seed import seed_mailbox
from labels.gmail_labels import label_state, push_due
from labels.reconcile import reconcile
from labels.scheme import LabelScheme
from tests.conftest import T0
from tests.labels.helpers import calls, in_gmail, label_id
from tests.labels.test_push import label_names, ours, thread_messages, ticket_threads
from tests.sync.conftest import SUPPORT, connect

SCHEME = LabelScheme()


def seeded(gmail: Any, make_runner: Any, Session: Any, clock: Any) -> Any:
    seed_mailbox(gmail.service(), SUPPORT, T0)
    runner = make_runner()
    runner.sync_once()
    push_due(connect(gmail), Session, clock, SUPPORT)
    return runner


def mess_up_by_hand(gmail: Any) -> None:
    """What agents do to labels in Gmail's settings: delete one, rename one, stick a made-up one on a thread."""
    users = gmail.service().users()
    users.labels().delete(userId="me", id=label_id(gmail, "Helpdesk/Line/1st line")).execute()
    users.labels().patch(userId="me", id=label_id(gmail, "Helpdesk/Status/New"),
                         body={"name": "Helpdesk/Status/Fresh"}).execute()
    thread = users.threads().list(userId="me", maxResults=1).execute()["threads"][0]["id"]
    in_gmail(gmail, thread, add=["Helpdesk/Line/Bogus"])


def assert_every_ticket_labelled(gmail: Any, Session: Any) -> None:
    threads = ticket_threads(Session)
    with transaction(Session) as session:
        tickets = {t.number: t for t in session.scalars(select(Ticket))}
        for number, thread_ids in threads.items():
            ticket = tickets[number]
            wanted = set(SCHEME.wanted_labels(label_state(ticket)))
            for thread_id in thread_ids:
                for labels in thread_messages(gmail, thread_id):
                    assert ours(labels) == wanted, (number, labels)


def test_reconcile_cli_repairs_hand_made_damage_with_faults_and_quota_on(gmail, make_runner, Session, clock, db_url
                                                                         ) -> None:
    seeded(gmail, make_runner, Session, clock)
    mess_up_by_hand(gmail)
    gmail.control.configure(fault_rate=0.15, fault_kinds=["500", "503", "drop"], quota_units_per_s=400.0)
    gmail.control.reset()

    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url, "GMAIL_QUOTA_UNITS_PER_S": "400"}
    result = CliRunner().invoke(main, ["labels", "reconcile", "--mailbox", SUPPORT], env=env)

    assert result.exit_code == 0, result.output
    tickets = len(ticket_threads(Session))
    assert f"{tickets}/{tickets}" in result.output and f"{SUPPORT}: {tickets} tickets" in result.output
    assert "removed Helpdesk/Line/Bogus, Helpdesk/Status/Fresh" in result.output
    stats = gmail.control.stats()
    assert sum(stats["faults"].values()) > 0  # the faults really happened, and were ridden out
    assert stats["batches"] > 0  # threads read and fixed in batches, not one call each
    gmail.control.configure(fault_rate=0.0, quota_units_per_s=None)
    names = set(label_names(gmail).values())
    assert "Helpdesk/Line/1st line" in names and not names & {"Helpdesk/Status/Fresh", "Helpdesk/Line/Bogus"}
    assert_every_ticket_labelled(gmail, Session)


def test_reconcile_twice_fixes_nothing_the_second_time_and_its_echo_changes_nothing(gmail, make_runner, Session,
                                                                                     clock) -> None:
    runner = seeded(gmail, make_runner, Session, clock)
    mess_up_by_hand(gmail)
    api = connect(gmail)
    first = reconcile(api, Session, clock, SUPPORT)
    assert first.threads_modified > 0 and first.labels_created > 0  # 1st line again, and the setup's others
    modified = calls(gmail, "threads.modify")

    second = reconcile(api, Session, clock, SUPPORT)
    assert (second.threads_modified, second.labels_created, second.labels_removed) == (0, 0, [])
    assert calls(gmail, "threads.modify") == modified
    events = event_count(Session)
    runner.sync_once()  # reads the echo of the repair: no ticket changes
    assert event_count(Session) == events
    assert calls(gmail, "threads.modify") == modified


def event_count(Session: Any) -> int:
    with transaction(Session) as session:
        return int(session.scalar(select(func.count()).select_from(TicketEvent)) or 0)


def test_reconcile_of_an_unknown_mailbox_is_a_message(db_url, desk, gmail) -> None:
    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url}
    result = CliRunner().invoke(main, ["labels", "reconcile", "--mailbox", "nobody@example.org"], env=env)
    assert result.exit_code == 1 and "no mailbox nobody@example.org" in result.output
