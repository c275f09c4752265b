"""`linedesk sync --once` end to end: the configured database, the local Gmail through GMAIL_API_ENDPOINT."""

from __future__ import annotations

from click.testing import CliRunner

from app.cli import main
from app.models import Ticket
from gmail_emulator.seed import seed_mailbox
from tests.conftest import T0
from tests.sync.conftest import SUPPORT, count, deliver, mail


def test_sync_once_backfills_then_polls(db_url, desk, gmail, Session):
    seed_mailbox(gmail.service(), SUPPORT, T0)
    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url, "GMAIL_QUOTA_UNITS_PER_S": "0"}
    first = CliRunner().invoke(main, ["sync", "--once"], env=env)
    assert first.exit_code == 0, first.output
    assert "backfill → incremental" in first.output and "66/66" in first.output
    tickets = count(Session, Ticket)
    assert tickets > 20
    deliver(gmail, mail("New problem", sender="zed@example.org"))
    second = CliRunner().invoke(main, ["sync", "--once", "--mailbox", SUPPORT], env=env)
    assert second.exit_code == 0 and "1 new" in second.output, second.output
    assert count(Session, Ticket) == tickets + 1


def test_sync_of_an_unknown_mailbox_is_a_message_not_a_traceback(db_url, desk, gmail):
    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url}
    result = CliRunner().invoke(main, ["sync", "--once", "--mailbox", "nobody@example.org"], env=env)
    assert result.exit_code == 1 and "no mailbox nobody@example.org" in result.output
