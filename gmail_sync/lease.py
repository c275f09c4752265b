"""Per-mailbox sync leases: several sync processes (on one host or many) share the mailboxes out, and a mailbox
is synced by one process at a time.

Why a lease row and not a PostgreSQL advisory lock: it works the same on SQLite and PostgreSQL, it survives a
connection pool (an advisory lock lives on one connection), it is visible (`mailbox_sync.lease_owner` says who
is syncing what), and it expires by itself when its holder dies — a crashed host holds no connection to drop.

The protocol, on `mailbox_sync` (app/models/mail.py: `lease_owner`, `lease_expires_at`):

- take:    UPDATE mailbox_sync SET lease_owner = :me, lease_expires_at = :now + ttl
           WHERE mailbox_id = :id AND (lease_owner IS NULL OR lease_owner = :me OR lease_expires_at < :now)
           One row changed: the mailbox is ours for `ttl`. None: another process holds it — skip the mailbox
           this round. (The row is inserted first if the mailbox has never been synced; a racing insert by
           another process is harmless.) The UPDATE is atomic on both backends: PostgreSQL re-checks the WHERE
           after waiting for a concurrent writer's row lock, SQLite takes the write lock at BEGIN (app/db.py).
- renew:   UPDATE … SET lease_expires_at = :now + ttl WHERE mailbox_id = :id AND lease_owner = :me,
           run INSIDE every transaction that writes the mailbox's messages and cursor (MailboxRunner._write),
           so the lease is a fence: if it was lost (we stalled past `ttl` and another process took it over),
           the renewal changes no row, `LeaseLost` is raised and the whole transaction rolls back — a process
           that lost its mailbox never commits anything for it.
- release: UPDATE … SET lease_owner = NULL, lease_expires_at = NULL WHERE mailbox_id = :id AND lease_owner = :me
           at the end of the mailbox's step (`SyncService.sync_once`), successful or not. A process that dies
           (SIGKILL, lost host) does not release: its mailbox is taken over by the next process whose round
           comes after `lease_expires_at` — within `ttl` plus one poll interval.

Sharing out: a lease is held only while a step runs and each process walks the mailboxes from a different,
random starting point each round, so N processes spread the mailboxes among themselves instead of queueing
behind one another. Times come from the injected clock; the processes' clocks are assumed to agree to well
under `ttl` (NTP), which is why `ttl` is tens of seconds, not milliseconds.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, as_utc
from app.db import transaction
from app.models.mail import MailboxSync

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 60.0


class LeaseLost(Exception):
    """Another process took the mailbox over while we were syncing it: our transaction is rolled back."""


def default_owner() -> str:
    """Who holds a lease: host and process (unique among live processes, readable in the table)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Leases:
    """The leases one process takes, renews and releases (see the module docstring for the protocol)."""

    Session: sessionmaker[Session]
    clock: Clock
    owner: str
    ttl: timedelta = timedelta(seconds=DEFAULT_TTL_S)

    def take(self, mailbox_id: int) -> bool:
        """Take (or extend) the lease of a mailbox; False when another process holds it."""
        self._ensure_row(mailbox_id)
        with transaction(self.Session) as session:
            now = self.clock.now()
            before = session.execute(select(MailboxSync.lease_owner, MailboxSync.lease_expires_at)
                                     .where(MailboxSync.mailbox_id == mailbox_id)).one()
            taken = session.execute(
                update(MailboxSync)
                .where(MailboxSync.mailbox_id == mailbox_id,
                       or_(MailboxSync.lease_owner.is_(None), MailboxSync.lease_owner == self.owner,
                           MailboxSync.lease_expires_at < now))
                .values(lease_owner=self.owner, lease_expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)).rowcount == 1
        if taken and before.lease_owner not in (None, self.owner):
            log.warning("sync lease of mailbox %s taken over from %s (expired %s)", mailbox_id, before.lease_owner,
                        as_utc(before.lease_expires_at))
        return taken

    def renew(self, session: Session, mailbox_id: int) -> None:
        """Extend our lease inside the caller's transaction; LeaseLost (the caller rolls back) if it is not ours."""
        renewed = session.execute(
            update(MailboxSync)
            .where(MailboxSync.mailbox_id == mailbox_id, MailboxSync.lease_owner == self.owner)
            .values(lease_expires_at=self.clock.now() + self.ttl)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not renewed:
            raise LeaseLost(f"the sync lease of mailbox {mailbox_id} is no longer held by {self.owner}")

    def release(self, mailbox_id: int) -> None:
        with transaction(self.Session) as session:
            session.execute(update(MailboxSync)
                            .where(MailboxSync.mailbox_id == mailbox_id, MailboxSync.lease_owner == self.owner)
                            .values(lease_owner=None, lease_expires_at=None)
                            .execution_options(synchronize_session=False))

    def holder(self, mailbox_id: int) -> str | None:
        """Who holds the mailbox's lease now (None: nobody, or an expired lease)."""
        with transaction(self.Session) as session:
            row = session.execute(select(MailboxSync.lease_owner, MailboxSync.lease_expires_at)
                                  .where(MailboxSync.mailbox_id == mailbox_id)).one_or_none()
        if row is None or row.lease_owner is None or as_utc(row.lease_expires_at) < self.clock.now():
            return None
        return row.lease_owner

    def _ensure_row(self, mailbox_id: int) -> None:
        with transaction(self.Session) as session:
            if session.get(MailboxSync, mailbox_id) is not None:
                return
        try:
            with transaction(self.Session) as session:
                session.add(MailboxSync(mailbox_id=mailbox_id, state="backfill", messages_synced=0))
        except IntegrityError:
            pass  # another process inserted it meanwhile: the row is there, which is all we need
