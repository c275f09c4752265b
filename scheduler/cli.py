"""`linedesk rules run` (one sweep as of a given moment) and `linedesk scheduler run` (the long-running jobs).

Both are thin: they read the settings, build an engine, and call `scheduler.engine` / `scheduler.runner`.
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import datetime
from typing import Any

import click


@click.group("rules", help="The response-time rules (claim, start, first response, resolution, auto-complete).")
def rules_group() -> None:
    pass


@rules_group.command("run", help="Fire every rule due as of --now (default: the real clock) and print what was done.")
@click.option("--now", "now_text", metavar="ISO8601", help="The moment to evaluate at, with an offset, "
              "e.g. 2026-11-23T10:00:00+03:00.")
@click.option("--dry-run", is_flag=True, help="Only print what would fire; change nothing.")
@click.option("--seed", type=int, default=None, help="Seed for the random auto-assignment (reproducible runs).")
def rules_run(now_text: str | None, dry_run: bool, seed: int | None) -> None:
    from app.clock import FrozenClock, SystemClock
    from scheduler.engine import sweep_all
    from scheduler.runner import default_owner

    clock = FrozenClock(_parse_now(now_text)) if now_text else SystemClock()
    sessions, engine = _sessions()
    try:
        firings = sweep_all(sessions, clock, owner=default_owner(), dry_run=dry_run, rng=random.Random(seed))
    finally:
        engine.dispose()
    for firing in firings:
        click.echo(firing.line())
    click.echo(f"{len(firings)} timer(s) {'due' if dry_run else 'fired'} as of {clock.now().isoformat()}")


@click.group("scheduler", help="The long-running scheduler (APScheduler).")
def scheduler_group() -> None:
    pass


@scheduler_group.command("run", help="Sweep due rules every --interval seconds until stopped (Ctrl-C, SIGTERM).")
@click.option("--interval", default=1.0, show_default=True, type=float, help="Seconds between sweeps.")
@click.option("--for-seconds", "duration", type=float, default=None, help="Stop after this many seconds.")
def scheduler_run(interval: float, duration: float | None) -> None:
    from app.clock import SystemClock
    from scheduler.runner import SchedulerRunner

    sessions, engine = _sessions()
    topic = os.environ.get("GMAIL_PUSH_TOPIC") or None
    from scheduler.mailing import gmail_mailer

    from gmail_sync.smtp import SmtpConfigError

    try:
        mailer = gmail_mailer(sessions)
    except SmtpConfigError as exc:
        raise click.ClickException(f"SMTP_URL: {exc}") from None
    runner = SchedulerRunner(sessions, SystemClock(), interval=interval, watcher=_watcher(sessions) if topic else None,
                             topic=topic, mailer=mailer, feedback_links=_feedback_links(),
                             feedback_mailer=_customer_mailer(sessions), sms=_sms())
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    runner.start()
    click.echo(f"scheduler running as {runner.owner}: jobs {', '.join(j.id for j in runner.jobs())}")
    started = time.monotonic()
    try:
        while not stopping["now"] and (duration is None or time.monotonic() - started < duration):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        engine.dispose()
    for firing in runner.fired:
        click.echo(firing.line())
    click.echo(f"{len(runner.fired)} timer(s) fired")


def _feedback_links() -> Any:
    """Signed feedback links need the public address (PUBLIC_URL); without it no feedback requests are sent."""
    from app.clock import SystemClock
    from app.cli_support import load_settings
    from app.feedback.links import FeedbackLinks

    settings = load_settings()
    if not settings.public_url:
        click.echo("PUBLIC_URL is not set: no feedback requests (their links need the address customers reach)")
        return None
    return FeedbackLinks(settings.secret_key, SystemClock(), base_url=settings.public_url)


def _customer_mailer(sessions: Any) -> Any:
    """Mail to customers goes into their Gmail thread: a Gmail client per mailbox (never SMTP_URL's server)."""
    from app.cli_support import load_settings
    from gmail_sync.wiring import connector

    settings = load_settings()
    connect = connector(sessions, settings.gmail_api_endpoint, settings.gmail_quota_units_per_s)
    return lambda address: connect(address).service


def _sms() -> Any:
    from app.feedback.sms import gateway_from_env

    try:
        return gateway_from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 moment", param_hint="--now") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. 2026-11-23T10:00:00+03:00", param_hint="--now")
    return moment


def _sessions() -> tuple[Any, Any]:
    from app.cli_support import load_settings
    from app.db import make_engine, session_factory

    engine = make_engine(load_settings().database_url)
    return session_factory(engine), engine


def _watcher(sessions: Any) -> Any:
    """The Gmail sync service, for the daily watch renewal (push needs a watch renewed at least weekly)."""
    from app.clock import SystemClock
    from app.config import Settings
    from gmail_sync.wiring import sync_service

    settings = Settings.from_env()
    return sync_service(sessions, SystemClock(), settings.gmail_api_endpoint, settings.gmail_quota_units_per_s)
