"""Repair: rewrite every ticket's labels in one mailbox from the database.

For when Gmail and Linedesk disagree for reasons history cannot tell: someone deleted or renamed our labels in
Gmail (a deleted label vanishes from its messages without a history record), a setup change happened while
Gmail was unreachable, labels were pushed by an older version. Steps:
1. labels.list once; every label the setup calls for is created when missing (`setup_labels.wanted_names`);
2. the mailbox's tickets, in chunks the quota allows in one burst: their state read in one short transaction,
   their threads read in one batch (threads.get format=minimal), the ones that differ fixed in one batch
   (threads.modify with the difference only), each ticket marked synced (`labels_synced_at`, `labels_pushed`);
3. labels under our prefix that neither the setup nor any ticket wants any more (renamed by hand, retired, a
   typo of an agent's) are deleted.
Quota-aware through the client's limiter (each batch's units are spent before it goes out) and backoff (quota
refusals, 5xx and dropped connections retried); `progress(done, total)` after each chunk. Safe to run while the
sync runs: it writes what the database says, and the echo of its writes changes nothing (labels.changes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.models import Mailbox, Ticket, TicketThread
from gmail_sync.client import MAX_BATCH, GmailApi
from labels.gmail_batch import Modify, modify_threads, read_threads
from labels.gmail_labels import (
    LabelDirectory,
    ensure_labels,
    mark_synced,
    snapshot,
    thread_change,
)
from labels.scheme import LabelScheme
from labels.setup_labels import snapshot as names_snapshot
from labels.setup_labels import wanted_names

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass
class ReconcileReport:
    mailbox: str
    tickets: int = 0
    threads_modified: int = 0
    labels_created: int = 0
    labels_removed: list[str] = field(default_factory=list)

    def line(self) -> str:
        removed = f", removed {', '.join(self.labels_removed)}" if self.labels_removed else ""
        return (f"{self.mailbox}: {self.tickets} tickets, {self.threads_modified} threads fixed, "
                f"{self.labels_created} labels created{removed}")


def reconcile(api: GmailApi, Session: sessionmaker[Session], clock: Clock, address: str, *,
              progress: Progress | None = None) -> ReconcileReport:
    report = ReconcileReport(address)
    with transaction(Session) as session:
        names = names_snapshot(session)
        numbers = list(session.scalars(
            select(Ticket.number).join(TicketThread, TicketThread.ticket_id == Ticket.id)
            .join(Mailbox, Mailbox.id == TicketThread.mailbox_id).where(Mailbox.address == address)
            .distinct().order_by(Ticket.number)))
    scheme = LabelScheme(names.prefix)
    directory = LabelDirectory.read(api)
    known = len(directory.ids)
    setup = wanted_names(names)
    ensure_labels(api, scheme, setup, directory)
    wanted_anywhere = {name.casefold() for name in setup}
    size = api.limiter.calls_per_burst("threads.get", MAX_BATCH)
    _tell(progress, 0, len(numbers))
    for start in range(0, len(numbers), size):
        chunk = numbers[start:start + size]
        wanted_anywhere |= _reconcile_chunk(api, Session, scheme, directory, address, chunk, report)
        _tell(progress, start + len(chunk), len(numbers))
    report.labels_created = len(directory.ids) - known
    _remove_strays(api, scheme, directory, wanted_anywhere, report)
    return report


def _reconcile_chunk(api: GmailApi, Session: sessionmaker[Session], scheme: LabelScheme,
                     directory: LabelDirectory, address: str, numbers: list[int], report: ReconcileReport
                     ) -> set[str]:
    with transaction(Session) as session:
        snaps = [snap for snap in (snapshot(session, address, n) for n in numbers) if snap is not None]
    wanted = {snap.number: scheme.thread_labels(snap.state) for snap in snaps}
    used = {name.casefold() for names in wanted.values() for name in names}
    ensure_labels(api, scheme, sorted({n for names in wanted.values() for n in names}), directory)
    threads = read_threads(api, [t for snap in snaps for t in snap.thread_ids])
    changes: list[Modify] = []
    for snap in snaps:
        for thread_id in snap.thread_ids:
            change = thread_change(scheme, directory, threads.get(thread_id), wanted[snap.number])
            if change is not None:
                changes.append((thread_id, *change))
    modify_threads(api, changes)
    for snap in snaps:
        mark_synced(Session, snap, sorted(scheme.wanted_labels(snap.state)))
    report.tickets += len(snaps)
    report.threads_modified += len(changes)
    return used


def _remove_strays(api: GmailApi, scheme: LabelScheme, directory: LabelDirectory, wanted: set[str],
                   report: ReconcileReport) -> None:
    for label_id, name in sorted(directory.names.items(), key=lambda item: item[1]):
        if scheme.is_ours(name) and name.casefold() not in wanted:
            api.delete_label(label_id)
            report.labels_removed.append(name)


def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
