"""Issue 5: what a ticket change costs in Gmail calls and quota units, read from the local Gmail's own counters.

A desk of TICKETS customer tickets (one thread each), synced from the local Gmail and labelled, with the label
list made as `setup apply` makes it. Then, each measured on its own (counters reset before):
- Linedesk → Gmail, one change (a claim in Linedesk) on a one-thread ticket, then the sync step's push:
  Gmail calls and units. Target: one threads.modify, 10 units.
- The same for a round of TICKETS changes pushed together (the labels.list of the round is shared): per change.
- The echo: the next sync step reads our own modifications back from history and changes nothing.
- Gmail → ticket: an agent applies `Line/2nd line` in Gmail; the sync step transfers the ticket and puts the
  thread's labels right (the agent's own threads.modify is not counted: it is the agent's quota... the same
  mailbox's, but not our doing).
- `labels reconcile` over the whole mailbox when everything is right already, and after every Line label was
  deleted by hand: units per ticket.
SQLite, in-process local Gmail (no quota, no faults: this counts calls, it does not time them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FrozenClock
from app.db import make_engine, session_factory, transaction
from app.migrate import upgrade
from app.models import Agent, Line, LineKind, Mailbox, Ticket, TicketThread
from app.workflow import Workflow
from benchmarks.common import Figure
from gmail_emulator.testing import EmulatorServer
from gmail_sync.client import GmailApi
from gmail_sync.quota import Limiter
from gmail_sync.runner import MailboxRunner
from labels.gmail_labels import ensure_labels, push_due
from labels.reconcile import reconcile
from labels.scheme import LabelScheme
from labels.setup_labels import snapshot, wanted_names

ADDRESS = "support@coolxost.com"
TICKETS = 50


def run(args: Any = None) -> list[Figure]:
    with _desk() as (gmail, Session, clock, runner, api):
        numbers = _numbers(Session)
        one = _measure(gmail, lambda: _claim_and_push(Session, clock, api, numbers[:1]))
        echo = _measure(gmail, runner.sync_once)
        round_ = _measure(gmail, lambda: _claim_and_push(Session, clock, api, numbers[1:]))
        runner.sync_once()
        thread = _thread_of(Session, numbers[0])
        _apply_in_gmail(gmail, thread, "Helpdesk/Line/2nd line")
        from_gmail = _measure(gmail, runner.sync_once)
        right = _measure(gmail, lambda: reconcile(api, Session, clock, ADDRESS))
        _delete_line_labels(gmail)
        repair = _measure(gmail, lambda: reconcile(api, Session, clock, ADDRESS))
    per_change = len(numbers) - 1
    return [
        Figure("labels: one change, one thread → Gmail: calls", one.calls, "calls", one.detail),
        Figure("labels: one change, one thread → Gmail: units", one.units, "units",
               "target: one threads.modify, 10 units"),
        Figure(f"labels: a round of {per_change} changes → Gmail: units per change", round_.units / per_change,
               "units", f"{round_.detail}; one labels.list per round"),
        Figure("labels: the echo of our push, read by the next sync: calls", echo.calls, "calls",
               f"{echo.detail}; {echo.units} units; no ticket change, no modify"),
        Figure("labels: Line/2nd line applied in Gmail → transfer: calls", from_gmail.calls, "calls",
               from_gmail.detail),
        Figure("labels: Line/2nd line applied in Gmail → transfer: units", from_gmail.units, "units"),
        Figure(f"labels: reconcile, {len(numbers)} tickets already right: units per ticket",
               right.units / len(numbers), "units", right.detail),
        Figure("labels: reconcile after Line labels deleted by hand: units per ticket", repair.units / len(numbers),
               "units", repair.detail),
    ]


class Counted:
    def __init__(self, stats: dict[str, Any]) -> None:
        calls: dict[str, int] = {k.removeprefix("gmail.users."): v for k, v in stats["calls"].items()}
        self.calls = sum(calls.values())
        self.units = int(stats["total_units"])
        self.detail = ", ".join(f"{name} {count}" for name, count in sorted(calls.items())) or "no calls"


def _measure(gmail: EmulatorServer, action: Any) -> Counted:
    gmail.control.reset()
    action()
    return Counted(gmail.control.stats())


@contextmanager
def _desk() -> Iterator[tuple[EmulatorServer, sessionmaker[Session], FrozenClock, MailboxRunner, GmailApi]]:
    from datetime import UTC, datetime

    clock = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as directory, EmulatorServer(address=ADDRESS, seed=5) as gmail:
        url = f"sqlite:///{Path(directory) / 'labels.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        Session = session_factory(engine)
        with transaction(Session) as session:
            lisa, bob = Agent(email="lisa@coolxost.com", name="Lisa"), Agent(email="bob@coolxost.com", name="Bob")
            first = Line(slug="l1", name="1st line", kind=LineKind.SUPPORT, position=1, members=[lisa])
            second = Line(slug="l2", name="2nd line", kind=LineKind.SUPPORT, position=2, members=[bob])
            session.add_all([lisa, bob, first, second, Mailbox(address=ADDRESS, default_line=first)])
        _fill(gmail)
        api = GmailApi.connect(ADDRESS, gmail.url, limiter=Limiter(None))
        runner = MailboxRunner(Session, api, ADDRESS, clock)
        runner.sync_once()
        with transaction(Session) as session:
            ensure_labels(api, LabelScheme(), wanted_names(snapshot(session)))  # as `setup apply` does
        push_due(api, Session, clock, ADDRESS)
        runner.sync_once()
        try:
            yield gmail, Session, clock, runner, api
        finally:
            engine.dispose()


def _fill(gmail: EmulatorServer) -> None:
    from email.message import EmailMessage

    store = gmail.emulator.store
    address = store.resolve("me")
    with gmail.emulator.db.tx():
        for n in range(TICKETS):
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = f"c{n}@example.org", ADDRESS, f"Problem {n}"
            mail["Message-ID"], mail["Date"] = f"<p{n}@example.org>", "Mon, 23 Nov 2026 08:00:00 +0000"
            mail.set_content("It does not work.")
            store.add_message(address, mail.as_bytes(), label_ids=["INBOX", "UNREAD"], thread_id=None,
                              date_source="dateHeader")


def _numbers(Session: sessionmaker[Session]) -> list[int]:
    with transaction(Session) as session:
        return list(session.scalars(select(Ticket.number).order_by(Ticket.number)))


def _claim_and_push(Session: sessionmaker[Session], clock: FrozenClock, api: GmailApi, numbers: list[int]) -> None:
    clock.advance(seconds=5)
    with transaction(Session) as session:
        workflow = Workflow(session, clock)
        lisa = session.scalar(select(Agent).where(Agent.email == "lisa@coolxost.com"))
        for number in numbers:
            workflow.claim(workflow.ticket(number), lisa)
    push_due(api, Session, clock, ADDRESS)


def _thread_of(Session: sessionmaker[Session], number: int) -> str:
    with transaction(Session) as session:
        return str(session.scalar(select(TicketThread.provider_thread_id).join(Ticket, Ticket.id == TicketThread.ticket_id)
                                  .where(Ticket.number == number)))


def _apply_in_gmail(gmail: EmulatorServer, thread_id: str, name: str) -> None:
    users = gmail.service().users()
    label = next(lb for lb in users.labels().list(userId="me").execute()["labels"] if lb["name"] == name)
    users.threads().modify(userId="me", id=thread_id, body={"addLabelIds": [label["id"]]}).execute()


def _delete_line_labels(gmail: EmulatorServer) -> None:
    users = gmail.service().users()
    for label in users.labels().list(userId="me").execute()["labels"]:
        if label["name"].startswith("Helpdesk/Line/"):
            users.labels().delete(userId="me", id=label["id"]).execute()
