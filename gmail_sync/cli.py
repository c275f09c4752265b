"""`linedesk sync`: run the Gmail sync from the command line, once or as a polling loop.

    linedesk sync --once [--mailbox ADDRESS]            one step for every mailbox (or one); exit 1 if any failed
    linedesk sync --loop [--interval 10] [--mailbox A]  poll forever (the fallback to push); Ctrl-C/SIGTERM stops it
    linedesk sync --watch [--mailbox A]                 start Gmail push now: users.watch to GMAIL_PUSH_TOPIC
                                                        (the scheduler renews it daily)

The database comes from DATABASE_URL, Gmail from GMAIL_API_ENDPOINT (unset: Google, with the credentials
stored by `linedesk mailbox connect`), the per-mailbox quota from GMAIL_QUOTA_UNITS_PER_S (default 250; 0 = no
limiter). Any number of these processes may run at once, on any hosts: each mailbox step holds the mailbox's
lease (gmail_sync/lease.py, SYNC_LEASE_SECONDS, default 60), a mailbox leased by another process is skipped for
the round, and the loop re-reads the mailboxes every round, from a random starting point.

A backfill shows a progress bar. Errors are messages and an exit code here, never tracebacks; this is the only
place in gmail_sync that exits.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

import click

from gmail_sync.quota import DEFAULT_UNITS_PER_S


@click.command("sync", help="Mirror the mailboxes' Gmail into tickets: --once, or --loop every --interval seconds.")
@click.option("--once", "mode", flag_value="once", default=True, help="One sync step per mailbox, then exit.")
@click.option("--loop", "mode", flag_value="loop", help="Poll every --interval seconds until stopped.")
@click.option("--watch", "mode", flag_value="watch", help="Ask Gmail to push changes to GMAIL_PUSH_TOPIC, then exit.")
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds between polls.")
@click.option("--mailbox", "address", default=None, help="Only this mailbox address.")
def sync_command(mode: str, interval: float, address: str | None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service, engine = _service()
    try:
        addresses = [address] if address else service.addresses()
        if not addresses:
            raise click.ClickException("no mailboxes in the setup: add one with `linedesk setup apply`")
        if mode == "watch":
            _watch(service, addresses)
            return
        if mode == "once":
            if _round(service, addresses, progress=True):
                raise SystemExit(1)
            return
        signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C: the current step rolls back, its lease is freed
        while True:
            started = time.monotonic()
            _round(service, service.round_order([address] if address else service.addresses()), progress=False)
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        click.echo("sync stopped")
    finally:
        engine.dispose()


def _round(service: Any, addresses: list[str], *, progress: bool) -> int:
    from gmail_sync.client import GmailError
    from gmail_sync.runner import SyncError

    failed = 0
    for address in addresses:
        try:
            report = service.sync_once(address, progress=ProgressBar(address) if progress else None)
        except (GmailError, SyncError) as exc:
            failed += 1
            click.echo(f"{address}: sync failed: {exc}", err=True)
            continue
        if report.skipped:
            if progress:
                click.echo(f"{address}: skipped, {report.skipped}")
            continue
        if report.fetched or progress:
            outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing new"
            click.echo(f"{address}: {' → '.join(report.states)}: {outcomes}")
    return failed


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _watch(service: Any, addresses: list[str]) -> None:
    from gmail_sync.client import GmailError

    topic = os.environ.get("GMAIL_PUSH_TOPIC")
    if not topic:
        raise click.ClickException("GMAIL_PUSH_TOPIC is not set: projects/PROJECT/topics/TOPIC")
    for address in addresses:
        try:
            click.echo(f"{address}: push to {topic} until {service.watch(address, topic).isoformat()}")
        except GmailError as exc:
            raise click.ClickException(f"{address}: watch failed: {exc}") from None


class ProgressBar:
    """A one-line \\r progress display for a backfill, a resync or a reconcile (only when there is work)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        width = 30
        filled = width * done // total
        click.echo(f"\r{self.address} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}", nl=done >= total)


def _service() -> tuple[Any, Any]:
    from app.clock import SystemClock
    from app.config import ConfigError, Settings
    from app.db import make_engine, session_factory
    from gmail_sync.wiring import sync_service

    try:
        settings = Settings.from_env()
        units = float(os.environ.get("GMAIL_QUOTA_UNITS_PER_S", DEFAULT_UNITS_PER_S))
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(f"bad setting: {exc}") from None
    engine = make_engine(settings.database_url)
    Session = session_factory(engine)
    return sync_service(Session, SystemClock(), settings.gmail_api_endpoint, units or None,
                        lease_s=settings.sync_lease_s), engine
