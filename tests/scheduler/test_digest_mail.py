"""The managers' digest: sent through the local Gmail over real HTTP, read back as raw MIME (plain text, HTML, the
charts by cid), exactly once however often and by however many processes it is sent; a Gmail failure leaves it
pending and the next run sends it; `linedesk digest send`; the periods."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from datetime import datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.clock import FrozenClock
from app.models import Agent, Mailing, OutboxMail
from app.reports import render_chart
from app.reports.charts import Words
from app.reports.figures import figures
from gmail_emulator.testing import EmulatorServer
from scheduler.digest import CHART_CID, charts_of, duration, last_period, send_digest
from tests.scheduler.test_report_figures import END, START, period_desk  # noqa: F401 - the hand-computed desk

SUPPORT = "support@coolxost.com"
MANAGER = "anna@coolxost.com"
TUESDAY_8 = datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def gmail():
    with EmulatorServer(address=SUPPORT, seed=7) as server:
        yield server


@pytest.fixture
def mailer(gmail):
    return lambda address: gmail.service()


def sent(gmail) -> list:
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    raws = [service.users().messages().get(userId="me", id=m["id"], format="raw").execute()["raw"] for m in listed]
    return [message_from_bytes(base64.urlsafe_b64decode(raw), policy=default_policy) for raw in raws]


def test_the_digest_arrives_with_text_html_and_the_chart(Session, session, period_desk, gmail, mailer):  # noqa: F811
    result = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=mailer, owner="test")

    assert result.outcome == "sent" and result.key == f"digest:{MANAGER}:day:2026-11-23"
    [mail] = sent(gmail)
    assert (mail["From"], mail["To"]) == (SUPPORT, MANAGER)
    assert mail["Subject"] == "Linedesk: daily digest, Monday 2026-11-23"
    assert mail["Auto-Submitted"] == "auto-replied"
    text = mail.get_body(("plain",)).get_content()
    assert "Tickets: 6 new, 4 solved, 4 open" in text
    assert "First response (median / p90): 15 min / 27 min over 4 ticket(s)" in text
    assert "Targets missed: 1 first response, 1 resolution; 2 overdue" in text
    assert "Ignored: 1    Phantom: 1" in text
    assert "Busiest hour: Monday 09:00–10:00 (3 new)" in text
    assert "Billing" in text and "Kristina" in text
    html = mail.get_body(("html",)).get_content()
    assert f'src="cid:{CHART_CID}"' in html and "<td>1st line</td>" in html
    related = next(part for part in mail.walk() if part.get_content_type() == "multipart/related")
    images = {part["Content-ID"]: part.get_content() for part in related.iter_parts()
              if part.get_content_type() == "image/png"}
    specs = charts_of(figures(session, START, END), Words.for_lang("en"))
    assert list(images) == ["<lines-chart@linedesk>", "<agents-chart@linedesk>", f"<{CHART_CID}>"]
    assert list(images.values()) == [render_chart.png(spec) for spec in specs]  # deterministic: the same bytes
    for cid in images:
        assert f'src="cid:{cid[1:-1]}"' in html


def test_a_second_run_and_a_second_process_send_nothing_more(Session, period_desk, gmail, mailer):  # noqa: F811
    clock = FrozenClock(TUESDAY_8)
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def run(owner: str) -> None:
        barrier.wait()
        outcomes.append(send_digest(Session, clock, MANAGER, "day", mailer=mailer, owner=owner).outcome)

    threads = [threading.Thread(target=run, args=(f"p{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("sent") == 1 and set(outcomes) <= {"sent", "busy", "already sent"}
    assert send_digest(Session, clock, MANAGER, "day", mailer=mailer, owner="later").outcome == "already sent"
    assert len(sent(gmail)) == 1
    with Session() as session:
        assert session.scalar(select(Mailing.state)) == "sent"
        assert session.scalar(select(OutboxMail.state)) == "sent"


def test_a_failing_gmail_leaves_the_digest_pending_and_the_next_run_sends_it(Session, period_desk, gmail,  # noqa: F811
                                                                             mailer):
    clock = FrozenClock(TUESDAY_8)
    gmail.control.configure(fault_rate=1.0, fault_kinds=["503"])
    first = send_digest(Session, clock, MANAGER, "day", mailer=mailer, owner="test")
    assert first.outcome.startswith("will retry")
    with Session() as session:
        mailing = session.scalar(select(Mailing))
        assert (mailing.state, mailing.lease_until, mailing.attempts) == ("pending", None, 1)
        assert "503" in mailing.last_error
    gmail.control.configure(fault_rate=0.0)
    assert send_digest(Session, clock, MANAGER, "day", mailer=mailer, owner="test").outcome == "sent"
    assert len(sent(gmail)) == 1


def test_the_weekly_digest_covers_the_previous_monday_to_monday(Session, period_desk, gmail, mailer):  # noqa: F811
    result = send_digest(Session, FrozenClock(datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Europe/Moscow"))),
                         MANAGER, "week", mailer=mailer, owner="test")
    assert result.key == f"digest:{MANAGER}:week:2026-11-23" and result.outcome == "sent"
    [mail] = sent(gmail)
    assert mail["Subject"] == "Linedesk: weekly digest, week of 2026-11-23 to 2026-11-29"
    assert "Tickets: 7 new, 4 solved, 5 open" in mail.get_body(("plain",)).get_content()  # #7 (Tuesday) too


def test_the_managers_own_time_zone_sets_the_day(Session, session, period_desk, gmail, mailer):  # noqa: F811
    session.scalar(select(Agent).where(Agent.email == MANAGER)).timezone = "America/New_York"
    session.commit()
    # 08:00 Tuesday in Moscow is 00:00 Tuesday in New York: the last complete day there is Monday too, but
    # Monday New York time, [05:00Z, 05:00Z): #1 to #7 (#7 at 21:00Z is still Monday afternoon there).
    result = send_digest(Session, FrozenClock(TUESDAY_8), MANAGER, "day", mailer=mailer, owner="test")
    assert result.period.start == datetime(2026, 11, 23, tzinfo=ZoneInfo("America/New_York"))
    text = sent(gmail)[0].get_body(("plain",)).get_content()
    assert "Tickets: 7 new, 4 solved, 5 open" in text and "(America/New_York)" not in text  # the desk's load zone


def test_last_period():
    zone = "Europe/Moscow"
    day = last_period("day", datetime(2026, 11, 23, 21, 30, tzinfo=ZoneInfo("UTC")), zone)  # 00:30 Tue in Moscow
    assert (day.first_day.isoformat(), day.end - day.start) == ("2026-11-23", day.end - day.start)
    week = last_period("week", datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("UTC")), zone)
    assert (week.first_day.isoformat(), (week.end - week.start).days) == ("2026-11-16", 7)
    with pytest.raises(ValueError):
        last_period("month", TUESDAY_8, zone)


def test_durations_read_like_people_write_them():
    assert [duration(s) for s in (None, 42, 900, 3900, 93600)] == ["–", "42 s", "15 min", "1 h 05 min", "1 d 2 h"]


def test_the_cli_sends_once_and_says_so(db_url, period_desk, gmail):  # noqa: F811
    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url}
    args = ["digest", "send", "--manager", MANAGER, "--period", "day", "--now", "2026-11-24T08:00:00+03:00"]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"digest:{MANAGER}:day:2026-11-23 (Monday 2026-11-23): sent"
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 0 and again.output.strip().endswith(": already sent")
    assert len(sent(gmail)) == 1
    unknown = CliRunner().invoke(main, ["digest", "send", "--manager", "nobody@example.com"], env=env)
    assert unknown.exit_code == 1 and "no agent nobody@example.com" in unknown.output
    naive = CliRunner().invoke(main, [*args[:-1], "2026-11-24T08:00:00"], env=env)
    assert naive.exit_code == 2 and "offset" in naive.output


def test_two_processes_sending_the_same_digest_send_one_mail(db_url, period_desk, gmail):  # noqa: F811
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": gmail.url, "PYTHONPATH": str(root)}
    args = [sys.executable, "-m", "app.cli", "digest", "send", "--manager", MANAGER, "--now",
            "2026-11-24T08:00:00+03:00"]
    processes = [subprocess.Popen(args, cwd=root, env=env, text=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    outcomes = sorted(out.strip().rsplit(": ", 1)[1] for out, _ in outputs)
    assert outcomes in (["busy", "sent"], ["already sent", "sent"]), outputs
    assert len(sent(gmail)) == 1
