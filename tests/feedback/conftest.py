"""Feedback fixtures: the local Gmail, a committed desk, a ticket that came by mail and was marked done, the app
(for the page the links open), and helpers reading the feedback request back from the local Gmail's SENT."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.feedback.links import FeedbackLinks
from app.models import Channel, HelpdeskSetting, Mailbox
from app.web import runtime
from app.workflow import Inbound, Workflow
from gmail_sync.credentials import build_gmail_service
from tests.factories import make_desk

SUPPORT = "support@coolxost.com"
SECRET = "feedback-test-secret"
PUBLIC = "https://desk.coolxost.example"


@pytest.fixture
def desk(Session):
    with Session() as session:
        desk = make_desk(session)
        session.add(HelpdeskSetting(key="name", value="CoolXost support"))
        session.commit()
        return desk


@pytest.fixture
def app(db_url, tmp_path, clock) -> Iterator[Flask]:
    app = create_app(Settings(database_url=db_url, secret_key=SECRET, instance_dir=tmp_path, testing=True,
                              public_url=PUBLIC), clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


@pytest.fixture
def links(clock) -> FeedbackLinks:
    return FeedbackLinks(SECRET, clock, base_url=PUBLIC)


@pytest.fixture
def mailer(gmail):
    return lambda address: build_gmail_service(gmail.url, None, address)


def mail_in(Session, clock, gmail, *, sender: str = "ivan@example.com", n: int = 1) -> int:
    """A customer's mail in the local Gmail, received as the sync receives it: a new ticket in its thread."""
    raw = (f"From: Ivan <{sender}>\r\nTo: {SUPPORT}\r\nSubject: Site down {n}\r\nMessage-ID: <m{n}.{sender}>\r\n\r\n"
           "The site does not open\r\n").encode()
    put = gmail.service().users().messages().insert(
        userId="me", body={"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": ["INBOX"]}).execute()
    with Session() as session:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.address == SUPPORT))
        mailbox.join_active_ticket = False
        result = Workflow(session, clock, via="sync").receive(Inbound(
            channel=Channel.EMAIL, subject=f"Site down {n}", body_text="The site does not open", sent_at=clock.now(),
            from_email=sender, from_name="Ivan", mailbox=mailbox, provider_message_id=put["id"],
            provider_thread_id=put["threadId"], rfc822_message_id=f"<m{n}.{sender}>"))
        session.commit()
        return result.ticket.number


def finish(Session, clock, number: int, agent: str = "kristina@coolxost.com",
           problem: str = "The site <b>does not</b> open", resolution: str = "Restarted the web server") -> None:
    from app.directory import agent_by_email

    with Session() as session:
        wf = Workflow(session, clock, via="test")
        ticket = wf.ticket(number)
        kristina = agent_by_email(session, agent)
        wf.claim(ticket, kristina)
        wf.mark_done(ticket, kristina, problem, resolution)
        session.commit()


def sent_mail(gmail) -> list[tuple[dict, EmailMessage]]:
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q="in:sent").execute().get("messages", [])
    out = []
    for m in listed:
        got = service.users().messages().get(userId="me", id=m["id"], format="raw").execute()
        out.append((got, message_from_bytes(base64.urlsafe_b64decode(got["raw"]), policy=default_policy)))
    return out


def links_of(mail: EmailMessage) -> list[str]:
    """The three links of the plain-text part, in order: satisfied, not satisfied, not submitted."""
    text = mail.get_body(("plain",)).get_content()
    return re.findall(rf"{re.escape(PUBLIC)}/feedback/\S+", text)


def path_of(url: str) -> str:
    return url.removeprefix(PUBLIC)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)
