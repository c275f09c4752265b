"""Digests by SMTP (`SMTP_URL`) instead of Gmail: the same mail, through a real SMTP conversation with a local
server; 4xx answers leave it pending for the next run, 5xx fail it for good; the password never shows."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.clock import FrozenClock
from app.models import Mailing, OutboxMail
from gmail_sync.smtp import SmtpConfigError, SmtpTransport
from scheduler.digest import CHART_CID, send_digest
from tests.scheduler.test_digest_mail import MANAGER, SUPPORT, TUESDAY_8
from tests.scheduler.test_report_figures import period_desk  # noqa: F401 - the hand-computed desk
from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp():
    with SmtpServer(require_auth=("linedesk", "s3cret")) as server:
        yield server


def transport(smtp: SmtpServer) -> SmtpTransport:
    return SmtpTransport.from_url(f"smtp://linedesk:env:SMTP_PASSWORD@127.0.0.1:{smtp.port}",
                                  {"SMTP_PASSWORD": "s3cret"})


def test_the_digest_goes_out_by_smtp(Session, period_desk, smtp):  # noqa: F811
    via = transport(smtp)
    result = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=lambda _a: via, owner="t")
    assert result.outcome == "sent"
    [received] = smtp.received
    assert (received.sender, received.recipients) == (SUPPORT, [MANAGER])
    mail = message_from_bytes(received.data, policy=default_policy)
    assert mail["Subject"] == "Linedesk: daily digest, Monday 2026-11-23"
    assert "Tickets: 6 new" in mail.get_body(("plain",)).get_content()
    assert f'src="cid:{CHART_CID}"' in mail.get_body(("html",)).get_content()
    again = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=lambda _a: via, owner="t")
    assert again.outcome == "already sent" and len(smtp.received) == 1
    with Session() as session:
        row = session.scalar(select(OutboxMail))
        assert row.state == "sent" and row.provider_message_id.startswith("smtp:")


@pytest.mark.parametrize("answer, outcome, state", [("451 4.3.0 try again later", "will retry", "pending"),
                                                    ("550 5.1.1 no such mailbox", "failed", "failed")])
def test_a_refusing_server(Session, period_desk, smtp, answer, outcome, state):  # noqa: F811
    smtp.refuse_with = answer
    via = transport(smtp)
    result = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=lambda _a: via, owner="t")
    assert result.outcome.startswith(outcome) and answer.split()[0] in result.outcome
    with Session() as session:
        assert session.scalar(select(Mailing.state)) == state
    if state == "pending":
        smtp.refuse_with = None
        assert send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=lambda _a: via,
                           owner="t").outcome == "sent"
        assert len(smtp.received) == 1


def test_bad_credentials_fail_for_good_and_the_password_never_shows(Session, period_desk, smtp):  # noqa: F811
    via = SmtpTransport.from_url(f"smtp://linedesk:wrong-password-123@127.0.0.1:{smtp.port}")
    result = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=lambda _a: via, owner="t")
    assert result.outcome.startswith("failed") and "535" in result.outcome
    assert "wrong-password-123" not in result.outcome and "wrong-password-123" not in repr(via)
    with Session() as session:
        assert "wrong-password-123" not in (session.scalar(select(Mailing.last_error)) or "")


@pytest.mark.parametrize("url, says", [("http://host", "smtp:// or smtps://"), ("smtp://", "no host"),
                                       ("smtp://u:env:NOPE@host", "NOPE, which is unset"),
                                       ("smtp://host:port", "not a number")])
def test_a_bad_smtp_url_says_what_is_wrong(url, says):
    with pytest.raises(SmtpConfigError, match=says):
        SmtpTransport.from_url(url, {})


def test_the_cli_sends_by_smtp_when_smtp_url_is_set(db_url, period_desk, smtp):  # noqa: F811
    env = {"DATABASE_URL": db_url, "SMTP_URL": f"smtp://linedesk:s3cret@127.0.0.1:{smtp.port}"}
    args = ["digest", "send", "--manager", MANAGER, "--period", "day", "--now", "2026-11-24T08:00:00+03:00"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(": sent") and len(smtp.received) == 1


def test_the_cli_refuses_a_bad_smtp_url_saying_why(db_url, period_desk):  # noqa: F811
    env = {"DATABASE_URL": db_url, "SMTP_URL": "smtp://u:env:SMTP_PASSWORD_UNSET@mail.example.com"}
    result = CliRunner().invoke(main, ["digest", "send", "--manager", MANAGER], env=env)
    assert result.exit_code == 1 and "SMTP_PASSWORD_UNSET, which is unset" in result.output
