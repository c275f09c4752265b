"""`linedesk labels reconcile [--mailbox ADDRESS]`, and the label step of `linedesk setup apply`.

The database comes from DATABASE_URL, Gmail from GMAIL_API_ENDPOINT (unset: Google, with the credentials stored
by `linedesk mailbox connect`), the per-mailbox quota from GMAIL_QUOTA_UNITS_PER_S — the same connection the sync
uses (gmail_sync.wiring). Errors are messages and exit code 1, never tracebacks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli_support import database, load_settings

if TYPE_CHECKING:
    from labels.setup_labels import NamesSnapshot

SETUP_TRIES = 3  # `setup apply` does not wait long for an unreachable Gmail: the next sync makes the labels


@click.group("labels", help="Ticket state as Gmail labels.")
def labels_group() -> None:
    pass


@labels_group.command("reconcile", help="Rewrite every ticket's Gmail labels from the database (after labels were "
                      "deleted or renamed in Gmail): batched, within the quota, with a progress bar.")
@click.option("--mailbox", "address", default=None, help="Only this mailbox address.")
def reconcile_command(address: str | None) -> None:
    from app.clock import SystemClock
    from app.models import Mailbox
    from gmail_sync.cli import ProgressBar
    from gmail_sync.client import GmailError
    from gmail_sync.wiring import connector
    from labels.reconcile import reconcile

    settings = load_settings()
    failed = 0
    with database() as Session:
        with Session() as session:
            known = list(session.scalars(select(Mailbox.address).order_by(Mailbox.id)))
        if address is not None and address not in known:
            raise click.ClickException(f"no mailbox {address} in the setup")
        addresses = [address] if address else known
        if not addresses:
            raise click.ClickException("no mailboxes in the setup: add one with `linedesk setup apply`")
        connect = connector(Session, settings.gmail_api_endpoint, settings.gmail_quota_units_per_s)
        for each in addresses:
            try:
                report = reconcile(connect(each), Session, SystemClock(), each, progress=ProgressBar(each))
            except GmailError as exc:
                failed += 1
                click.echo(f"{each}: reconcile stopped: {exc}; run it again to finish", err=True)
                continue
            click.echo(report.line())
    if failed:
        raise SystemExit(1)

def setup_step(Session: sessionmaker[Session], before: NamesSnapshot, after: NamesSnapshot) -> list[str]:
    """After `setup apply` committed: make each mailbox's labels follow the setup. Never fails the apply: an
    unreachable Gmail is reported, and the tickets whose labels must move are marked due for the next sync."""
    from app.models import Mailbox
    from gmail_sync.client import GmailError
    from gmail_sync.quota import Backoff
    from gmail_sync.wiring import connector
    from labels.setup_labels import apply_to_gmail, changes, mark_due

    settings = load_settings()
    planned = changes(before, after)
    connect = connector(Session, settings.gmail_api_endpoint, settings.gmail_quota_units_per_s,
                        backoff=Backoff(base_s=0.2, cap_s=1.0, tries=SETUP_TRIES))
    with Session() as session:
        addresses = list(session.scalars(select(Mailbox.address).order_by(Mailbox.id)))
    lines: list[str] = []
    for address in addresses:
        try:
            report = apply_to_gmail(connect(address), Session, after, planned)
        except GmailError as exc:
            due = mark_due(Session, planned.renames + planned.moved)
            lines.append(f"Gmail labels of {address}: Gmail not reachable ({exc}); the labels will be made by the next "
                         f"sync or `linedesk labels reconcile`" + (f" ({due} tickets due)" if due else ""))
            continue
        lines.append(f"Gmail labels of {address}: {report.created} created, {report.renamed} renamed, "
                     f"{report.removed} removed" + (f", {report.tickets_due} tickets to relabel"
                                                     if report.tickets_due else ""))
    return lines
