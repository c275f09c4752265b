"""Automatic answers end to end against the local Gmail: a new ticket on a line that answers automatically gets
the best article in its acknowledgement (read back from SENT) with a signed "this solved it" link; the link's page
closes the ticket as answered automatically only on its POST; a later mail from the customer reopens it; a
question no article answers, and a line that has not opted in, get the plain acknowledgement; every automatic
answer says how to reach a person."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select, text

from app import create_app
from app.config import Settings
from app.directory import line_by_slug
from app.kb import service
from app.models import Agent, Line, Status, Ticket, TicketEvent
from app.web import runtime
from gmail_sync.runner import SyncOptions
from tests.desk.conftest import csrf_of
from tests.sync.conftest import deliver, mail

SECRET, PUBLIC = "auto-answer-secret", "https://help.coolxost.example"


@pytest.fixture
def app(db_url, tmp_path, clock):
    app = create_app(Settings(database_url=db_url, secret_key=SECRET, instance_dir=tmp_path, testing=True,
                              public_url=PUBLIC), clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


@pytest.fixture
def kb_ready(Session, desk, clock, monkeypatch):
    """Line l1 answers automatically (threshold 0.6); two articles; the sync process's PUBLIC_URL and SECRET_KEY."""
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    with Session() as session:
        line = line_by_slug(session, "l1")
        line.auto_answer, line.auto_answer_threshold = True, 0.6
        writer = session.scalar(select(Agent).where(Agent.email == "kristina@coolxost.com"))
        for title, body in (("Resetting your control panel password",
                             "Forgot the password? Open the sign-in page and press **Forgot password**; we mail a "
                             "link to choose a new password."),
                            ("Adding DNS records", "Open the DNS zone and add an A, CNAME or MX record.")):
            service.save(session, clock.now(), writer, service.Draft(title=title, body=body, category="Access"))
        session.commit()


def sent_messages(gmail):
    service_ = gmail.service()
    listed = service_.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    raws = [service_.users().messages().get(userId="me", id=m["id"], format="raw").execute() for m in listed]
    return [(raw, message_from_bytes(base64.urlsafe_b64decode(raw["raw"]), policy=default_policy)) for raw in raws]


def ticket_of(Session, number):
    with Session() as session:
        return session.scalar(select(Ticket).where(Ticket.number == number))


def test_the_ack_answers_and_the_click_closes_the_ticket_and_a_reply_reopens_it(make_runner, gmail, Session, app,
                                                                                 kb_ready):
    runner = make_runner(options=SyncOptions(acknowledge=True))
    runner.sync_once()
    arrived = deliver(gmail, mail("Forgot my password", sender="olga@example.org", message_id="<pw-1@example.org>",
                                  body="Hello, I forgot my password and cannot sign in to the control panel. Olga"))
    [number] = runner.sync_once().new_tickets

    [(raw, ack)] = sent_messages(gmail)
    assert raw["threadId"] == arrived["threadId"]
    text = ack.get_body(("plain",)).get_content()
    assert "This may answer your question" in text and "Resetting your control panel password" in text
    assert f"{PUBLIC}/kb/en/resetting-your-control-panel-password" in text
    assert "a person from our team will answer" in text  # no dead end
    html = ack.get_body(("html",)).get_content()
    assert "This solved it" in html
    [solved] = re.findall(rf"{re.escape(PUBLIC)}/kb/answer/\S+", text)
    with Session() as session:
        offered = session.scalar(select(TicketEvent).where(TicketEvent.kind == "auto_answer_offered"))
        assert offered.to_value == "Resetting your control panel password" and offered.data["confidence"] >= 0.6
    assert ticket_of(Session, number).status is Status.NEW  # with the line as usual until the customer clicks

    client = app.test_client()
    path = solved.removeprefix(PUBLIC)
    page = client.get(path)
    assert page.status_code == 200 and "close my request" in page.get_data(as_text=True)
    assert ticket_of(Session, number).status is Status.NEW  # opening the link (a mail scanner) changes nothing
    tampered = client.get(path.replace("/answer/", "/answer/x"))
    assert tampered.status_code == 400
    done = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert done.status_code == 200 and f"#{number} is closed" in done.get_data(as_text=True)
    ticket = ticket_of(Session, number)
    assert ticket.status is Status.DONE and "Answered automatically" in ticket.resolution
    with Session() as session:
        kinds = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)).all()
        assert "answered_automatically" in kinds
    again = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert again.status_code == 409

    deliver(gmail, mail("Re: Forgot my password", sender="olga@example.org", message_id="<pw-2@example.org>",
                        in_reply_to="<pw-1@example.org>", body="The link did not come, actually."),
            threadId=arrived["threadId"])
    runner.sync_once()
    assert ticket_of(Session, number).status is Status.REOPENED


def test_no_article_sure_enough_or_a_line_not_opted_in_gets_the_plain_ack(make_runner, gmail, Session, kb_ready):
    runner = make_runner(options=SyncOptions(acknowledge=True))
    runner.sync_once()
    deliver(gmail, mail("Contract question", sender="ivan@example.org", message_id="<c-1@example.org>",
                        body="Can we sign the yearly contract on paper?"))
    runner.sync_once()  # l1 answers automatically, but no article is sure enough
    with Session() as session:
        line_by_slug(session, "l1").auto_answer = False  # the line has not opted in
        session.commit()
    deliver(gmail, mail("Password", sender="anna@example.org", message_id="<p-1@example.org>",
                        body="I forgot my password for the control panel"))
    runner.sync_once()
    texts = [m.get_body(("plain",)).get_content() for _, m in sent_messages(gmail)]
    assert len(texts) == 2 and all("may answer your question" not in t for t in texts)
    with Session() as session:
        assert session.scalar(select(TicketEvent).where(TicketEvent.kind == "auto_answer_offered")) is None


def test_automatic_answers_are_off_by_default(Session, desk):
    with Session() as session:
        assert {line.auto_answer for line in session.scalars(select(Line))} == {False}


def test_a_broken_search_costs_the_answer_not_the_acknowledgement(make_runner, gmail, Session, kb_ready, db_url):
    sqlite = db_url.startswith("sqlite")
    with Session() as session:  # break the index for real: SQLite's copy is this test's own; PostgreSQL's is restored
        session.execute(text("DROP TABLE kb_articles_fts" if sqlite else
                             "ALTER TABLE kb_articles RENAME COLUMN search_vector TO search_vector_broken"))
        session.commit()
    try:
        runner = make_runner(options=SyncOptions(acknowledge=True))
        runner.sync_once()
        deliver(gmail, mail("Forgot my password", sender="olga@example.org", message_id="<pw-9@example.org>",
                            body="I forgot my password for the control panel"))
        runner.sync_once()
    finally:
        if not sqlite:
            with Session() as session:
                session.execute(text("ALTER TABLE kb_articles RENAME COLUMN search_vector_broken TO search_vector"))
                session.commit()
    [(_, ack)] = sent_messages(gmail)
    assert "may answer your question" not in ack.get_body(("plain",)).get_content()
