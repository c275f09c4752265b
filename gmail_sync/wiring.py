"""Building a ready `SyncService` from settings: the one place the CLI, the push endpoint and the demo share.

Each mailbox's Gmail client gets its credentials from `gmail_sync.credentials` (read in a short session) —
or none for the local Gmail — and its own quota limiter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.db import transaction
from app.models import Mailbox
from gmail_sync.client import CredentialsMissing, GmailApi
from gmail_sync.lease import DEFAULT_TTL_S, Leases, default_owner
from gmail_sync.quota import Backoff, Limiter
from gmail_sync.runner import SyncOptions, SyncService


def connector(Session: sessionmaker[Session], endpoint: str | None, units_per_s: float | None,
              backoff: Backoff | None = None) -> Callable[[str], GmailApi]:
    """Address -> its Gmail client. `backoff`: how long to keep trying (the default, for the sync; a one-off
    command such as `setup apply` gives up sooner)."""
    def stored(address: str) -> Any:
        from gmail_sync import credentials

        with transaction(Session) as session:
            mailbox = session.scalar(select(Mailbox).where(Mailbox.address == address))
            try:
                return credentials.credentials_for(session, mailbox) if mailbox is not None else None
            except credentials.CredentialsError as exc:
                raise CredentialsMissing(str(exc)) from None

    return lambda address: GmailApi.connect(address, endpoint, limiter=Limiter(units_per_s), backoff=backoff,
                                            stored=stored)


def sync_service(Session: sessionmaker[Session], clock: Clock, endpoint: str | None,  # noqa: N803
                 units_per_s: float | None, options: SyncOptions | None = None, *,
                 lease_s: float = DEFAULT_TTL_S, owner: str | None = None) -> SyncService:
    """The service every long-running caller uses: mailbox leases on (gmail_sync/lease.py), so any number of
    sync processes and push handlers can run side by side; `lease_s` is SYNC_LEASE_SECONDS."""
    options = options or SyncOptions(acknowledge=True, push_labels=True)
    leases = Leases(Session, clock, owner or default_owner(), timedelta(seconds=lease_s))
    return SyncService(Session, clock, connect=connector(Session, endpoint, units_per_s), options=options,
                       leases=leases)
