"""The sync runner against the local Gmail: backfill, incremental, outbound from Gmail, restarts, resync."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Message, Ticket, TicketThread
from app.models.mail import MailboxSync
from gmail_emulator.seed import seed_mailbox, seed_mails
from gmail_sync.noise import classify
from gmail_sync.parse import parse_mail
from gmail_sync.runner import INCREMENTAL, InvalidPush, handle_push
from tests.conftest import T0
from tests.sync.conftest import (
    SUPPORT,
    count,
    deliver,
    fill,
    inbox_ids,
    mail,
    stored_ids,
)


def _seed_expectations() -> tuple[int, int]:
    """(tickets, INBOX messages stored) the seed mailbox should give: one ticket per human customer (a
    customer's later thread joins their active ticket), bounces dropped, auto-replies kept on their thread."""
    customers, stored = set(), 0
    threads_with_human: set[str] = set()
    for seed in seed_mails(T0):
        if seed.direction != "in":
            continue
        parsed = parse_mail(seed.raw)
        noise = classify(parsed, own_addresses=[SUPPORT])
        if not noise.automatic:
            customers.add(parsed.from_email)
            threads_with_human.add(seed.thread_key)
            stored += 1
        elif seed.thread_key in threads_with_human:
            stored += 1
    return len(customers), stored


def test_backfill_of_the_seed_mailbox_makes_one_ticket_per_conversation(make_runner, gmail, Session):
    seed_mailbox(gmail.service(), SUPPORT, T0)
    report = make_runner().sync_once()

    tickets, inbound = _seed_expectations()
    assert report.states == ["backfill", "incremental"]
    assert count(Session, Ticket) == tickets
    with transaction(Session) as session:
        messages = session.scalars(select(Message)).all()
        assert sum(1 for m in messages if m.direction.value == "in") == inbound
        assert all(m.ticket.first_response_at is not None for m in messages if m.direction.value == "out")
        links = session.scalars(select(TicketThread)).all()
        per_thread = {(m.provider_thread_id, m.ticket_id) for m in messages}
        assert len({thread for thread, _ in per_thread}) == len(per_thread)  # a thread is in one ticket
        assert len(links) == len({thread for thread, _ in per_thread})
        sync = session.scalars(select(MailboxSync)).one()
        assert sync.state == INCREMENTAL and sync.history_id
    assert Counter(stored_ids(Session)).most_common(1)[0][1] == 1


def test_incremental_picks_up_new_mail_and_a_reply_joins_its_ticket(make_runner, gmail, Session):
    runner = make_runner()
    runner.sync_once()
    first = deliver(gmail, mail("Server down", message_id="<q1@example.org>"))
    report = runner.sync_once()
    assert report.outcomes == {"new": 1}
    reply = deliver(gmail, mail("Re: Server down", body="Still down!", message_id="<q2@example.org>",
                                in_reply_to="<q1@example.org>"))
    assert reply["threadId"] == first["threadId"]
    assert runner.sync_once().outcomes == {"joined": 1}
    with transaction(Session) as session:
        session.scalars(select(Ticket)).one()
        messages = session.scalars(select(Message).order_by(Message.id)).all()
        assert [m.body_text.strip() for m in messages] == ["Hi there", "Still down!"]
        assert messages[1].visible_text is not None


def test_an_agents_reply_sent_from_gmail_is_the_first_response(make_runner, gmail, Session):
    runner = make_runner()
    runner.sync_once()
    first = deliver(gmail, mail("Invoice", message_id="<inv@example.org>"))
    runner.sync_once()
    answer = mail("Re: Invoice", sender=SUPPORT, to="alice@example.org", body="Here it is.",
                  in_reply_to="<inv@example.org>")
    gmail.service().users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(answer).decode(), "threadId": first["threadId"]}).execute()
    assert runner.sync_once().outcomes == {"outbound": 1}
    with transaction(Session) as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.first_response_at is not None
        messages = session.scalars(select(Message).order_by(Message.id)).all()
        assert [m.direction.value for m in messages] == ["in", "out"]


def test_spam_trash_and_our_own_mail_never_make_tickets(make_runner, gmail, Session):
    runner = make_runner()
    runner.sync_once()
    deliver(gmail, mail("Cheap pills", sender="spam@example.net"), labels=["SPAM"])
    trashed = deliver(gmail, mail("Old", sender="bob@example.net"))
    gmail.service().users().messages().trash(userId="me", id=trashed["id"]).execute()
    deliver(gmail, mail("Note to self", sender=SUPPORT))
    deliver(gmail, mail("Out of office", sender="carol@example.net", headers={"Auto-Submitted": "auto-replied"}))
    runner.sync_once()
    assert count(Session, Ticket) == 0


def test_an_idle_poll_is_one_history_list_call(make_runner, gmail):
    fill(gmail, 5)
    runner = make_runner()
    runner.sync_once()
    gmail.control.reset(stats=True)
    assert runner.sync_once().fetched == 0
    stats = gmail.control.stats()
    assert stats["calls"] == {"gmail.users.history.list": 1} and stats["batches"] == 0


@pytest.mark.parametrize("crash_after", [1, 30, 75])
def test_a_restart_at_any_moment_stores_every_message_exactly_once(make_runner, gmail, Session, crash_after):
    fill(gmail, 60)
    seen = 0

    class Crash(Exception):
        pass

    def crash(_message) -> None:
        nonlocal seen
        seen += 1
        if seen == crash_after:
            raise Crash()

    with pytest.raises(Crash) if crash_after <= 60 else _nothing():
        make_runner(on_message=crash).sync_once()
    fill(gmail, 20, prefix="later")  # arrives while the sync is down
    with pytest.raises(Crash) if 60 < crash_after else _nothing():
        make_runner(on_message=crash).sync_once()
    make_runner().sync_once()
    stored = stored_ids(Session)
    assert sorted(stored) == sorted(inbox_ids(gmail))


def test_a_stale_history_id_resyncs_and_adds_only_what_is_missing(make_runner, gmail, Session):
    fill(gmail, 10)
    runner = make_runner()
    runner.sync_once()
    fill(gmail, 7, prefix="missed")
    gmail.control.expire_history()
    gmail.control.reset(stats=True)
    report = runner.sync_once()
    assert report.states == ["incremental", "resync", "incremental"]
    assert report.outcomes == {"joined": 7}  # c0…c6 already have active tickets
    assert gmail.control.stats()["calls"]["gmail.users.messages.get"] == 7
    assert sorted(stored_ids(Session)) == sorted(inbox_ids(gmail))
    gmail.control.reset(stats=True)
    runner.sync_once()
    assert gmail.control.stats()["calls"] == {"gmail.users.history.list": 1}


def test_handle_push_decodes_and_validates_the_pubsub_body():
    data = base64.urlsafe_b64encode(json.dumps({"emailAddress": "Support@CoolXost.com", "historyId": 9}).encode())
    assert handle_push({"message": {"data": data.decode().rstrip("="), "messageId": "1"}}) == SUPPORT
    for bad in ({}, {"message": {"data": "!!"}}, {"message": {"data": base64.b64encode(b'{"historyId": 1}').decode()}},
                {"message": {"data": base64.b64encode(b'{"emailAddress": "x", "historyId": 1}').decode()}}):
        with pytest.raises(InvalidPush):
            handle_push(bad)


def _nothing():
    from contextlib import nullcontext

    return nullcontext()
