"""The sync runner: one per mailbox, it mirrors the mailbox into tickets, every message exactly once.

States, stored in `mailbox_sync` (app/models/mail.py: `state`, `history_id`, `backfill_after`), so a restart
resumes where it stopped:

    (no row) ──connect──▶ BACKFILL ──INBOX (and SENT) since `after` filled──▶ INCREMENTAL ◀──────┐
                             │  getProfile first: history_id = the newest     │  history.list      │
                             │  id at START, so nothing between the backfill  │  from history_id   │
                             │  and the first incremental step is missed      │                    │
                             │                                       404: stale history id         │
                             │                                                ▼                    │
                             └──────── same fill, bounded ─────────────── RESYNC ──filled──────────┘
                                       (after = last_synced_at − margin; getProfile first, again)

- Fill (backfill and resync): messages.list of INBOX, then SENT, with `after:<epoch>` (ids only: 5 units per
  500), minus the ids already stored, oldest first; then messages.get(format=raw) in batches of ≤ 50 and one
  transaction per chunk of `batch_size` messages, written in bulk (`Workflow.receive_many`) while the next
  chunk is parsed and the one after it fetched (gmail_sync/pipeline.py). A restart lists again and fetches
  only what is missing — that is the whole resume protocol, so no page token needs to be trusted across a crash.
- Incremental: history.list from `history_id` (messageAdded, labelAdded/labelRemoved); the messages added to
  INBOX or SENT (or moved into INBOX) are fetched raw and written, and `history_id` advances in the SAME
  transaction as the messages it covers (per history page). A crash between two commits repeats only the
  uncommitted page, and a message already stored is skipped (unique (mailbox, Gmail message id)). An idle poll
  is exactly one history.list call. Straight after each page's commit, its changes to our labels act on the
  tickets (labels/from_gmail.py says why after, not inside, that transaction).
- Which mail: INBOX → `Workflow.receive` (automatic mail flagged by `noise.classify`, never opening a ticket);
  SENT or from our own address → `record_outbound` on the ticket of its thread (an agent answering straight
  from Gmail: the first response), or nothing when the thread is not a ticket; SPAM, TRASH and drafts ignored.
- Database sessions are short and never held across network I/O: fetch first, then open a session and write.

`SyncService` runs the runners of all mailboxes (poll loop) and holds each mailbox's quota limiter;
`handle_push` decodes a Pub/Sub push body into the address to sync.

Several sync processes: `SyncService` takes the mailbox's lease (gmail_sync/lease.py) before a step and
releases it after; a mailbox leased by another live process is skipped (`SyncReport.skipped`). Every writing
transaction of the step renews the lease as a fence (`MailboxRunner.fence`): a process that lost its lease
rolls back instead of committing. A process that dies holds its lease until it expires (SYNC_LEASE_SECONDS,
default 60), then the next process to reach the mailbox takes it over.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, as_utc
from app.db import transaction
from app.models import Channel, Mailbox, Message
from app.models.mail import MailboxSync
from app.workflow import Inbound, Outcome, Sent, Workflow
from gmail_sync.client import FetchedMessage, GmailApi, GmailError, HistoryExpired
from gmail_sync.lease import LeaseLost, Leases
from gmail_sync.noise import OWN, classify
from gmail_sync.parse import ParsedMail, parse_mail
from gmail_sync.pipeline import Parser, staged

log = logging.getLogger(__name__)

BACKFILL, INCREMENTAL, RESYNC = "backfill", "incremental", "resync"
IGNORED_LABELS = frozenset({"SPAM", "TRASH", "DRAFT"})
CONFLICT_TRIES = 3  # steps of one mailbox whose write lost a race with another sync process
_REPORTED = {"no_ticket": "own_no_ticket", "outbound": "outbound"}  # our own mail outside any ticket: never a ticket
Progress = Callable[[int, int], None]  # (messages done, messages to do)
MessageHook = Callable[[FetchedMessage], None]


class SyncError(Exception):
    """The sync of a mailbox could not run (not a Gmail failure: see gmail_sync.client for those)."""


class UnknownMailbox(SyncError):
    pass


class InvalidPush(SyncError, ValueError):
    """A push body that is not a Gmail notification."""


@dataclass(frozen=True)
class SyncOptions:
    backfill_days: int = 90
    resync_margin: timedelta = timedelta(hours=1)
    # Messages written per transaction (fetched in batches of ≤ 50 calls, the next chunk while this one is written).
    batch_size: int = 250
    # A fill of at least `parse_processes_from` messages is parsed by this many worker processes meanwhile
    # (gmail_sync/pipeline.py); a smaller one in-process, where starting a worker would cost more than it saves.
    parse_processes: int = 1
    parse_processes_from: int = 2000
    # Acknowledge new tickets (one reply with the number and the expected response time). Off for a backfill
    # whatever this says: customers who wrote weeks ago are not acknowledged on the day a mailbox is connected.
    acknowledge: bool = False
    # After each step, make the Gmail labels of changed tickets match their state (labels/gmail_labels.py).
    push_labels: bool = False


@dataclass
class SyncReport:
    """What one `sync_once` did, for the CLI, logs and tests."""

    mailbox: str
    states: list[str] = field(default_factory=list)
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    new_tickets: list[int] = field(default_factory=list)
    skipped: str | None = None  # why the mailbox was not synced this time (leased by another process)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass(frozen=True)
class _Cursor:
    state: str
    history_id: str | None
    after: datetime | None


class MailboxRunner:
    """The sync of one mailbox. `sync_once()` is the one step that push and poll both run."""

    def __init__(self, Session: sessionmaker[Session], api: GmailApi, address: str, clock: Clock,
                 options: SyncOptions | None = None, *, progress: Progress | None = None,
                 on_message: MessageHook | None = None, fence: Callable[[Session], None] | None = None) -> None:
        self.Session = Session
        self.api = api
        self.address = address
        self.clock = clock
        self.options = options or SyncOptions()
        self.progress = progress
        self.on_message = on_message  # called for each message inside its transaction (an observer)
        self.fence = fence  # called inside every writing transaction: raises (rolls it back) if we lost the mailbox

    # ----- the state machine -----------------------------------------------------------------------------
    def sync_once(self) -> SyncReport:
        report = SyncReport(self.address)
        cursor = self._start()
        if cursor.state in (BACKFILL, RESYNC):
            self._fill(cursor, report)
        try:
            self._incremental(report)
        except HistoryExpired:
            self._fill(self._begin_resync(), report)
            self._incremental(report)
        self._channel_replies()
        return report

    def _channel_replies(self) -> None:
        """Answers agents wrote in mirrored threads of Telegram (etc.) conversations go out through the channel;
        channel messages whose Gmail copy failed are mirrored now."""
        from app.channels.mirror import mirror_pending
        from app.channels.service import pick_up_gmail_replies

        try:
            mirror_pending(self.Session, self.clock,
                           gmail_for=lambda _s, mailbox: self.api.service if mailbox.address == self.address else None)
            pick_up_gmail_replies(self.Session, self.clock)
        except Exception as exc:  # noqa: BLE001 - a channel being down must not stop the mail sync
            log.warning("sync %s: channel answers not delivered yet: %s", self.address, exc)

    def _start(self) -> _Cursor:
        with transaction(self.Session) as session:
            cursor = self._cursor(session)
        if cursor.history_id is not None:
            return cursor
        start = str(self.api.profile()["historyId"])  # before listing: nothing in between is missed
        after = self.clock.now() - timedelta(days=self.options.backfill_days)
        with transaction(self.Session) as session:
            self._fenced(session)
            row = self.state_row(session)
            row.state, row.history_id, row.backfill_after = BACKFILL, start, after
        return _Cursor(BACKFILL, start, after)

    def _begin_resync(self) -> _Cursor:
        start = str(self.api.profile()["historyId"])
        with transaction(self.Session) as session:
            self._fenced(session)
            row = self.state_row(session)
            since = as_utc(row.last_synced_at) or self.clock.now() - timedelta(days=self.options.backfill_days)
            row.state, row.history_id = RESYNC, start
            row.backfill_after = since - self.options.resync_margin
            after = row.backfill_after
        log.warning("sync %s: history id expired, resync since %s", self.address, after.isoformat())
        return _Cursor(RESYNC, start, after)

    # ----- backfill and resync ---------------------------------------------------------------------------
    def _fill(self, cursor: _Cursor, report: SyncReport) -> None:
        report.states.append(cursor.state)
        after = cursor.after or self.clock.now() - timedelta(days=self.options.backfill_days)
        query = f"after:{int(after.timestamp())}"
        inbox = self.api.list_ids("INBOX", query)
        in_inbox = set(inbox)
        sent = [i for i in self.api.list_ids("SENT", query) if i not in in_inbox]
        todo = self._missing(list(reversed(inbox))) + self._missing(list(reversed(sent)))  # oldest first
        done = 0
        self._tell(done, len(todo))
        size = self.options.batch_size
        chunks = [todo[start:start + size] for start in range(0, len(todo), size)]
        new_tickets: list[int] = []
        options = self.options
        with Parser.for_fill(len(todo), processes=options.parse_processes, from_size=options.parse_processes_from
                             ) as parser, closing(staged(self.api.fetch_raw, chunks, parser,
                                                         name=f"fetch {self.address}")) as stages:
            for chunk, fetched, parsed in stages:  # chunk k is written while k+1 is parsed and k+2 fetched
                new_tickets += self._write(fetched, report, parsed=parsed)
                done += len(chunk)
                self._tell(done, len(todo))
        if cursor.state == RESYNC:  # a backfill acknowledges nothing: see SyncOptions.acknowledge
            self._acknowledge(new_tickets)
        with transaction(self.Session) as session:
            self._fenced(session)
            row = self.state_row(session)
            row.state, row.backfill_after, row.last_synced_at = INCREMENTAL, None, self.clock.now()

    # ----- incremental -----------------------------------------------------------------------------------
    def _incremental(self, report: SyncReport) -> None:
        report.states.append(INCREMENTAL)
        with transaction(self.Session) as session:
            start = self._cursor(session).history_id
        assert start is not None, "a mailbox in incremental state has a history id"
        token: str | None = None
        # Gmail → ticket (labels sit on top of the sync, so imported when used).
        from labels.from_gmail import GmailLabelChanges

        label_changes = GmailLabelChanges(self.Session, self.api, self.clock, self.address)
        while True:
            page = self.api.history_page(start, token)
            token = page.get("nextPageToken")
            records = page.get("history", [])
            if token:  # more to come: the cursor is the last record this page covers
                cursor = str(records[-1]["id"]) if records else None
            else:
                cursor = str(page["historyId"])
            ids = self._missing(_added(records))
            self._write(self.api.fetch_raw(ids) if ids else [], report, history_id=cursor, acknowledge=True)
            label_changes.apply(records)  # Gmail → ticket: agents' label changes, after the page's messages
            if not token:
                return

    # ----- writing ---------------------------------------------------------------------------------------
    def _write(self, fetched: list[FetchedMessage], report: SyncReport, *, history_id: str | None = None,
               acknowledge: bool = False, parsed: list[ParsedMail] | None = None) -> list[int]:
        """One transaction: the messages, then the cursor that covers them; then, outside it, the acks (when
        `acknowledge`). `parsed`: the messages already parsed (a fill's pipeline). Returns the numbers of the
        tickets the messages opened."""
        mails = parsed if parsed is not None else [parse_mail(m.raw) for m in fetched]  # outside the transaction
        parsed_pairs = list(zip(fetched, mails, strict=True))
        new_tickets: list[int] = []
        recipients: dict[int, str] = {}
        with transaction(self.Session) as session:
            self._fenced(session)
            workflow = Workflow(session, self.clock, via="sync")
            mailbox = self._mailbox(session)
            sorted_out = [self._sort(mailbox, message, mail) for message, mail in parsed_pairs]
            items = [item for item in sorted_out if not isinstance(item, str)]
            decided = iter(workflow.receive_many(mailbox, items) if items else [])
            for (message, _mail), item in zip(parsed_pairs, sorted_out, strict=True):
                outcome = Outcome(item) if isinstance(item, str) else next(decided)
                report.count(_REPORTED.get(outcome.outcome, outcome.outcome))
                if outcome.outcome == "new" and outcome.ticket_number is not None:
                    new_tickets.append(outcome.ticket_number)
                    recipients[outcome.ticket_number] = ",".join(_mail.headers.get(h, "") for h in _RECIPIENTS)
                report.fetched += 1
                if self.on_message is not None:
                    self.on_message(message)
            if acknowledge:  # new mail (not a backfill): the setup file's routing rules (app/channels/rules.py)
                from app.channels.rules import route_new_mail

                route_new_mail(session, workflow, recipients)
            row = self.state_row(session)
            if history_id is not None:
                row.history_id = history_id
            row.messages_synced += len(fetched)
            row.last_synced_at = self.clock.now()
            row.last_error = None
        report.new_tickets.extend(new_tickets)
        if acknowledge:
            self._acknowledge(new_tickets)
        return new_tickets

    def _acknowledge(self, numbers: list[int]) -> None:
        """Send the acks of new tickets (when the options say so). A failed ack stays pending in the outbox and
        is retried later; it never fails the sync, whose messages are already committed."""
        if not self.options.acknowledge:
            return
        from gmail_sync.acknowledge import acknowledge
        from gmail_sync.outbound import SendFailed

        for number in numbers:
            try:
                acknowledge(self.Session, self.clock, number, gmail=self.api.service)
            except SendFailed as exc:
                log.warning("sync %s: acknowledgement of #%s not sent yet: %s", self.address, number, exc)

    def _sort(self, mailbox: Mailbox, message: FetchedMessage, mail: ParsedMail) -> Inbound | Sent | str:
        """What the workflow gets for this message: an inbound mail, our own sent mail, or an outcome already
        known ("ignored", "own_automatic") when the workflow has nothing to do with it."""
        labels = set(message.label_ids)
        if labels & IGNORED_LABELS:
            return "ignored"
        if mail.headers.get("x-linedesk-mirror"):
            return "mirrored"  # a channel's message written into Gmail by app/channels/mirror.py: already stored
        noise = classify(mail, own_addresses=[mailbox.address])
        sent_at = mail.date or datetime.fromtimestamp(message.internal_date_ms / 1000, UTC)
        inbound = Inbound(
            channel=Channel.EMAIL, subject=mail.subject, body_text=mail.text, sent_at=sent_at,
            from_email=mail.from_email or None, from_name=mail.from_name, body_html=mail.html,
            attachments=[asdict(a) for a in mail.attachments], mailbox=mailbox, provider_message_id=message.id,
            provider_thread_id=message.thread_id, rfc822_message_id=mail.message_id, automatic=noise.automatic,
            visible_text=mail.visible_text, parse_problems=list(mail.problems),
        )
        if noise.kind == OWN or ("SENT" in labels and "INBOX" not in labels):
            if mail.headers.get("auto-submitted", "no").strip().lower() not in ("", "no"):
                return "own_automatic"  # our acknowledgement or feedback request: not an agent's answer
            return Sent(inbound)  # an agent answering straight from Gmail: recorded on the ticket of its thread
        if "INBOX" not in labels:
            return "ignored"
        return inbound

    # ----- state rows ------------------------------------------------------------------------------------
    def _missing(self, ids: list[str]) -> list[str]:
        """`ids` without those already stored for this mailbox, order kept."""
        stored: set[str] = set()
        with transaction(self.Session) as session:
            mailbox_id = self._mailbox(session).id
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                stored.update(session.scalars(select(Message.provider_message_id).where(
                    Message.mailbox_id == mailbox_id, Message.provider_message_id.in_(chunk))))
        return [i for i in dict.fromkeys(ids) if i not in stored]

    def _mailbox(self, session: Session) -> Mailbox:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == self.address))
        if mailbox is None:
            raise UnknownMailbox(f"no mailbox {self.address} in the setup")
        return mailbox

    def state_row(self, session: Session) -> MailboxSync:
        mailbox = self._mailbox(session)
        row = session.get(MailboxSync, mailbox.id)
        if row is None:
            row = MailboxSync(mailbox_id=mailbox.id, state=BACKFILL, messages_synced=0)
            session.add(row)
            session.flush()
        return row

    def _cursor(self, session: Session) -> _Cursor:
        row = self.state_row(session)
        return _Cursor(row.state, row.history_id, as_utc(row.backfill_after))

    def _fenced(self, session: Session) -> None:
        if self.fence is not None:
            self.fence(session)

    def _tell(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


_RECIPIENTS = ("to", "cc", "delivered-to")  # "the address written to", for the routing rules


def _added(records: Iterable[dict]) -> list[str]:
    """Ids of messages added to INBOX or SENT, or moved into INBOX, in history order, each once."""
    ids: list[str] = []
    for record in records:
        for item in record.get("messagesAdded", []):
            labels = set(item["message"].get("labelIds", []))
            if labels & {"INBOX", "SENT"} and not labels & IGNORED_LABELS:
                ids.append(item["message"]["id"])
        for item in record.get("labelsAdded", []):
            if "INBOX" in item.get("labelIds", []):
                ids.append(item["message"]["id"])
    return list(dict.fromkeys(ids))


def handle_push(payload: dict) -> str:
    """The mailbox address a Gmail Pub/Sub push names (`message.data`: base64url JSON emailAddress, historyId).
    Raises InvalidPush for anything else. The caller then runs the mailbox's `sync_once`."""
    try:
        data = payload["message"]["data"]
        decoded = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        address, history_id = decoded["emailAddress"], decoded["historyId"]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise InvalidPush(f"not a Gmail push notification: {exc}") from None
    if not isinstance(address, str) or "@" not in address or len(address) > 320:
        raise InvalidPush("emailAddress is not an email address")
    if not str(history_id).isdigit():
        raise InvalidPush("historyId is not a number")
    return address.strip().lower()


class SyncService:
    """The runners of all mailboxes. Each mailbox keeps its Gmail client and quota limiter across rounds (the
    limiter's adaptation is per mailbox); one thread drives them all (httplib2 is not thread-safe)."""

    def __init__(self, Session: sessionmaker[Session], clock: Clock, *,
                 connect: Callable[[str], GmailApi], options: SyncOptions | None = None,
                 leases: Leases | None = None) -> None:
        self.Session = Session
        self.clock = clock
        self.connect = connect
        self.options = options or SyncOptions()
        self.leases = leases  # None: this process assumes it is the only one syncing (tests, one-off tools)
        self._apis: dict[str, GmailApi] = {}
        self._rng = random.Random()

    def addresses(self) -> list[str]:
        with transaction(self.Session) as session:
            return list(session.scalars(select(Mailbox.address).order_by(Mailbox.id)))

    def api(self, address: str) -> GmailApi:
        if address not in self._apis:
            self._apis[address] = self.connect(address)
        return self._apis[address]

    def runner(self, address: str, *, progress: Progress | None = None) -> MailboxRunner:
        return MailboxRunner(self.Session, self.api(address), address, self.clock, self.options, progress=progress)

    def round_order(self, addresses: list[str]) -> list[str]:
        """The mailboxes from a random starting point: processes sharing them out do not all queue on the first."""
        if self.leases is None or not addresses:
            return addresses
        start = self._rng.randrange(len(addresses))
        return addresses[start:] + addresses[:start]

    def sync_once(self, address: str, *, progress: Progress | None = None) -> SyncReport:
        """One incremental step (or the backfill/resync it needs); errors are recorded on the mailbox, raised.
        With leases: skipped (`report.skipped`) when another process holds the mailbox's lease."""
        if self.leases is None:
            return self._step(address, progress, None)
        with transaction(self.Session) as session:
            mailbox = session.scalar(select(Mailbox).where(Mailbox.address == address))
            if mailbox is None:
                raise UnknownMailbox(f"no mailbox {address} in the setup")
            mailbox_id = mailbox.id
        leases = self.leases
        if not leases.take(mailbox_id):
            return SyncReport(address, skipped=f"leased by {leases.holder(mailbox_id) or 'another process'}")
        try:
            return self._step(address, progress, lambda session: leases.renew(session, mailbox_id))
        except LeaseLost as exc:
            log.warning("sync %s: %s; its step was rolled back", address, exc)
            return SyncReport(address, skipped=str(exc))
        finally:
            leases.release(mailbox_id)

    def _step(self, address: str, progress: Progress | None, fence: Callable[[Session], None] | None) -> SyncReport:
        try:
            report = self._run_with_retries(address, progress, fence)
            if self.options.push_labels:
                from labels.gmail_labels import push_due

                push_due(self.api(address), self.Session, self.clock, address)
            return report
        except (GmailError, SyncError) as exc:
            self._record_error(address, exc)
            raise

    def _run_with_retries(self, address: str, progress: Progress | None,
                          fence: Callable[[Session], None] | None) -> SyncReport:
        """The runner's step, again when a transaction lost a race with another process (two processes syncing
        different mailboxes both creating the same new customer: a unique violation on PostgreSQL; a deadlock or
        serialisation failure). Committed chunks stay; the step lists again and fetches only what is missing."""
        for attempt in range(1, CONFLICT_TRIES + 1):
            runner = self.runner(address, progress=progress)
            runner.fence = fence
            try:
                return runner.sync_once()
            except (IntegrityError, OperationalError) as exc:
                if attempt == CONFLICT_TRIES:
                    raise SyncError(f"conflicting writes, {attempt} tries: {type(exc.orig).__name__}") from exc
                log.warning("sync %s: a write conflicted with another process (%s), step again",
                            address, type(exc.orig).__name__)
        raise AssertionError("unreachable")

    def sync_all(self, *, progress_for: Callable[[str], Progress | None] | None = None
                 ) -> list[SyncReport | Exception]:
        """Every mailbox once; a failing mailbox does not stop the others (its error is in the result), and one
        leased by another process is skipped (its report's `skipped` says by whom)."""
        results: list[SyncReport | Exception] = []
        for address in self.round_order(self.addresses()):
            try:
                results.append(self.sync_once(address, progress=progress_for(address) if progress_for else None))
            except (GmailError, SyncError) as exc:
                log.error("sync %s failed: %s", address, exc)
                results.append(exc)
        return results

    def watch(self, address: str, topic: str) -> datetime:
        """users.watch for the mailbox's INBOX; stores and returns when the watch expires (renew daily)."""
        answer = self.api(address).watch(topic)
        expires = datetime.fromtimestamp(int(answer["expiration"]) / 1000, UTC)
        with transaction(self.Session) as session:
            runner = self.runner(address)
            runner.state_row(session).watch_expires_at = expires
        return expires

    def _record_error(self, address: str, exc: Exception) -> None:
        try:
            with transaction(self.Session) as session:
                self.runner(address).state_row(session).last_error = f"{type(exc).__name__}: {exc}"[:2000]
        except SyncError:
            pass
