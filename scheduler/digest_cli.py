"""`linedesk digest send`: one manager's digest on demand, through the same exactly-once path as the cron job."""

from __future__ import annotations

import click


@click.group("digest", help="Managers' digest mails (daily, weekly).")
def digest_group() -> None:
    pass


@digest_group.command("send", help="Send a manager's digest for the last complete day or week, unless it was sent.")
@click.option("--manager", "email", required=True, metavar="EMAIL", help="The manager (an agent's email).")
@click.option("--period", type=click.Choice(["day", "week"]), default="day", show_default=True)
@click.option("--now", "now_text", metavar="ISO8601", help="Send as of this moment, with an offset, "
              "e.g. 2026-11-24T08:00:00+03:00 (default: the real clock).")
def digest_send(email: str, period: str, now_text: str | None) -> None:
    from app.clock import FrozenClock, SystemClock
    from app.domain.errors import DomainError
    from gmail_sync.smtp import SmtpConfigError
    from scheduler.cli import _parse_now, _sessions
    from scheduler.digest import send_digest
    from scheduler.mailing import gmail_mailer
    from scheduler.runner import default_owner

    clock = FrozenClock(_parse_now(now_text)) if now_text else SystemClock()
    sessions, engine = _sessions()
    try:
        mailer = gmail_mailer(sessions)
        if mailer is None:
            raise click.ClickException("there is no support mailbox to send from: add one to the setup file")
        result = send_digest(sessions, clock, email, period, mailer=mailer, owner=default_owner())
    except (DomainError, SmtpConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"{result.key} ({result.period.title()}): {result.outcome}")
    if result.outcome.startswith(("will retry", "failed", "not sent")):
        raise SystemExit(1)
