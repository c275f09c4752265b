"""Ticket → Gmail: make every message of a ticket's threads carry exactly the labels of the ticket's state.

Protocol (one ticket):
1. a short transaction reads the ticket's label state, its thread ids in this mailbox and its `updated_at`;
2. with no session open, the labels are made to exist (`ensure_labels`: labels.list once per run, labels.create
   for the missing ones, status and priority with their palette colours), each thread is read
   (threads.get format=minimal: every message's label ids), and one threads.modify per thread applies the
   difference (`LabelScheme.thread_diff`) — none when the thread is already right. Messages that arrived since
   the last push lack the labels (Gmail does not inherit them) and so are caught by the same difference.
   Known threads skip the read: when no message was stored since the last push, every message carries exactly
   `labels_pushed`, so the change from those to the new state (`LabelScheme.change_from`) goes out as one
   threads.modify per thread — 10 units for a change, instead of 20 (a ticket coming back into the inbox still
   reads first). After an agent's own label changes, read from history, the push knows those too;
3. a short transaction sets `labels_synced_at` to the `updated_at` read in step 1, only moving it forward, and
   `labels_pushed` to the label names just written: when those changes come back through Gmail's history,
   `labels.changes` knows them for our own echo, not an agent's doing. A ticket changed meanwhile stays due (its
   `updated_at` is later) and is pushed again next time.

`push_due` finds the tickets whose push is due (`labels_synced_at` NULL or behind `updated_at`; index
ix_tickets_labels_due) and pushes each; the sync loop calls it after each `sync_once`. A push is idempotent: a
second one with nothing changed modifies nothing (and, its threads known, reads nothing either).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.models import HelpdeskSetting, Mailbox, Message, Ticket, TicketThread
from gmail_sync.client import GmailApi, GmailRequestError
from labels.scheme import FLAGS, LabelScheme, TicketLabelState

log = logging.getLogger(__name__)
DEFAULT_PREFIX = "Helpdesk"


@dataclass
class LabelDirectory:
    """The mailbox's labels, read once (labels.list) and grown as labels are created. Names are keyed
    case-insensitively, as Gmail compares them."""

    api: GmailApi
    ids: dict[str, str] = field(default_factory=dict)  # casefolded name -> id
    names: dict[str, str] = field(default_factory=dict)  # id -> name

    @classmethod
    def read(cls, api: GmailApi) -> LabelDirectory:
        directory = cls(api)
        directory.refresh()
        return directory

    def refresh(self) -> None:
        labels = self.api.list_labels()
        self.ids = {label["name"].casefold(): label["id"] for label in labels}
        self.names = {label["id"]: label["name"] for label in labels}

    def ensure(self, name: str, colour: tuple[str, str] | None) -> str:
        """The id of label `name`, created (with `colour`) when the mailbox lacks it."""
        found = self.ids.get(name.casefold())
        if found is not None:
            return found
        try:
            label = self.api.create_label(name, colour)
        except GmailRequestError as exc:
            if exc.status != 409:  # 409: created meanwhile by someone else; read it back
                raise
            self.refresh()
            return self.ids[name.casefold()]
        self.ids[name.casefold()] = label["id"]
        self.names[label["id"]] = label["name"]
        return str(label["id"])


def ensure_labels(api: GmailApi, scheme: LabelScheme, names: Iterable[str],
                  directory: LabelDirectory | None = None) -> dict[str, str]:
    """{name: label id} for `names`, creating the missing labels (status and priority ones coloured)."""
    directory = directory or LabelDirectory.read(api)
    return {name: directory.ensure(name, scheme.colour(name)) for name in names}


@dataclass(frozen=True)
class TicketSnapshot:
    """What a push needs of a ticket, read in one short transaction."""

    number: int
    state: TicketLabelState
    thread_ids: tuple[str, ...]
    updated_at: datetime
    prefix: str
    pushed: tuple[str, ...] | None = None  # the labels the last push left, when nothing came in since


def label_state(ticket: Ticket) -> TicketLabelState:
    flags = frozenset(flag for flag in FLAGS if getattr(ticket, f"flag_{flag}"))
    return TicketLabelState(status=ticket.status, line=ticket.line.name, priority=ticket.priority,
                            assignee=ticket.assignee.name if ticket.assignee else None, flags=flags)


def label_prefix(session: Session) -> str:
    setting = session.get(HelpdeskSetting, "label_prefix")
    return str(setting.value) if setting is not None and setting.value else DEFAULT_PREFIX


def snapshot(session: Session, mailbox_address: str, ticket_number: int) -> TicketSnapshot | None:
    ticket = session.scalar(select(Ticket).where(Ticket.number == ticket_number).options(
        selectinload(Ticket.line), selectinload(Ticket.assignee)))
    if ticket is None:
        return None
    thread_ids = session.scalars(
        select(TicketThread.provider_thread_id).join(Mailbox, Mailbox.id == TicketThread.mailbox_id)
        .where(TicketThread.ticket_id == ticket.id, Mailbox.address == mailbox_address)
        .order_by(TicketThread.id))
    return TicketSnapshot(ticket.number, label_state(ticket), tuple(thread_ids), ticket.updated_at,
                          label_prefix(session), _known_labels(session, ticket))


def _known_labels(session: Session, ticket: Ticket) -> tuple[str, ...] | None:
    """What the threads carry without reading them: the last push's labels, unless a message was stored after
    the state that push wrote (a new message, or a new thread, lacks them: Gmail does not inherit labels). A
    message and the ticket change it brings share one timestamp, so a message stored at `labels_synced_at` itself
    was in its thread when that push read it."""
    if ticket.labels_pushed is None or ticket.labels_synced_at is None:
        return None
    since = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id,
                                                    Message.created_at > ticket.labels_synced_at).limit(1))
    return None if since is not None else tuple(ticket.labels_pushed)


def push_ticket(api: GmailApi, session_factory: sessionmaker[Session], clock: Clock, ticket_number: int, *,
                directory: LabelDirectory | None = None, read: bool = False,
                seen: tuple[Collection[str], Collection[str]] = ((), ())) -> int:
    """Make every message of the ticket's threads in `api`'s mailbox carry exactly its labels; then mark the
    ticket's labels synced as of the state read. Returns the number of threads modified (0: all were right).

    When the threads are known to carry exactly the last push's labels (no message stored since), the change
    from those to the new state is applied without reading the threads: one threads.modify per thread and
    change. `seen`: (added, removed) label names an agent changed on some of the threads' messages since the last
    push, as read from history (labels.from_gmail); `read=True` reads the threads anyway.
    `clock` is unused for now (the sync mark is the ticket's own `updated_at`); it keeps the call uniform."""
    with transaction(session_factory) as session:
        snap = snapshot(session, api.user_id, ticket_number)
    if snap is None:
        return 0
    modified = 0
    scheme = LabelScheme(snap.prefix)
    known = None if read or snap.pushed is None else scheme.change_from(snap.pushed, snap.state, added=seen[0],
                                                                         removed=seen[1])
    if snap.thread_ids and known is not None:
        if known[0] or known[1]:
            directory = directory or LabelDirectory.read(api)
            modified = _push_known(api, scheme, directory, snap.thread_ids, *known)
    elif snap.thread_ids:
        wanted = scheme.thread_labels(snap.state)
        directory = directory or LabelDirectory.read(api)
        ensure_labels(api, scheme, sorted(wanted), directory)
        modified = sum(_push_thread(api, scheme, directory, thread_id, wanted) for thread_id in snap.thread_ids)
    mark_synced(session_factory, snap, sorted(scheme.wanted_labels(snap.state)))
    return modified


def _push_known(api: GmailApi, scheme: LabelScheme, directory: LabelDirectory, thread_ids: tuple[str, ...],
                add: frozenset[str], remove: frozenset[str]) -> int:
    """One threads.modify per thread from the known labels; a label to remove that no longer exists is gone
    from the messages already. A thread gone from Gmail (404) is skipped."""
    add_ids = sorted(ensure_labels(api, scheme, sorted(add), directory).values())
    remove_ids = sorted(directory.ids[name.casefold()] for name in remove if name.casefold() in directory.ids)
    modified = 0
    for thread_id in thread_ids:
        try:
            api.modify_thread(thread_id, add_ids, remove_ids)
        except GmailRequestError as exc:
            if exc.status != 404:
                raise
            continue
        modified += 1
    return modified


def _push_thread(api: GmailApi, scheme: LabelScheme, directory: LabelDirectory, thread_id: str,
                 wanted: frozenset[str]) -> bool:
    change = thread_change(scheme, directory, api.thread_label_ids(thread_id), wanted)
    if change is None:
        return False
    api.modify_thread(thread_id, *change)
    return True


def thread_change(scheme: LabelScheme, directory: LabelDirectory, messages: list[list[str]] | None,
                  wanted: frozenset[str]) -> tuple[list[str], list[str]] | None:
    """(label ids to add, to remove) making a thread whose messages carry `messages` (label ids) carry `wanted`;
    None when it is right already or gone."""
    if not messages:
        return None  # deleted in Gmail: nothing to label
    if any(label_id not in directory.names for labels in messages for label_id in labels):
        directory.refresh()  # a label made since the directory was read (by an agent, or another worker)
    named = [[directory.names.get(label_id, "") for label_id in labels] for labels in messages]
    add, remove = scheme.thread_diff(named, wanted)
    if not add and not remove:
        return None
    return [directory.ids[name.casefold()] for name in add], [directory.ids[name.casefold()] for name in remove]


def mark_synced(session_factory: sessionmaker[Session], snap: TicketSnapshot, pushed: list[str]) -> None:
    """`labels_synced_at` forward to the pushed state's `updated_at`, and the names written (`labels_pushed`)."""
    with transaction(session_factory) as session:
        session.execute(
            update(Ticket)
            .where(Ticket.number == snap.number,
                   or_(Ticket.labels_synced_at.is_(None), Ticket.labels_synced_at <= snap.updated_at))
            .values(labels_synced_at=snap.updated_at, labels_pushed=pushed)
            .execution_options(synchronize_session=False))


def due_tickets(session: Session, mailbox_address: str, limit: int) -> list[int]:
    """Numbers of the mailbox's tickets whose labels are behind their state, oldest change first."""
    return list(session.scalars(
        select(Ticket.number).join(Mailbox, Mailbox.id == Ticket.mailbox_id)
        .where(Mailbox.address == mailbox_address,
               or_(Ticket.labels_synced_at.is_(None), Ticket.labels_synced_at < Ticket.updated_at))
        .order_by(Ticket.updated_at, Ticket.id).limit(limit)))


def push_due(api: GmailApi, session_factory: sessionmaker[Session], clock: Clock, mailbox_address: str,
             limit: int = 200) -> int:
    """Push the labels of up to `limit` due tickets of the mailbox; returns how many were pushed. A ticket Gmail
    refuses (GmailRequestError) is logged and left due; GmailUnavailable ends the run (the next one resumes)."""
    with transaction(session_factory) as session:
        numbers = due_tickets(session, mailbox_address, limit)
    if not numbers:
        return 0
    directory = LabelDirectory.read(api)
    pushed = 0
    for number in numbers:
        try:
            push_ticket(api, session_factory, clock, number, directory=directory)
        except GmailRequestError as exc:
            log.warning("labels %s: push of #%s refused: %s", mailbox_address, number, exc)
            continue
        pushed += 1
    return pushed
