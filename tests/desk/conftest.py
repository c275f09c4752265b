"""Web panel fixtures: the app in test mode (dev sign-in on), the desk, and a signed-in browser-like client."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import Settings
from app.web import runtime
from app.workflow import CustomerRef, Workflow
from tests.factories import make_desk


@pytest.fixture
def app(db_url, tmp_path, clock) -> Iterator[Flask]:
    app = create_app(Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True), clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


@pytest.fixture
def desk(Session):
    with Session() as session:
        desk = make_desk(session)
        session.commit()
        return desk


@pytest.fixture
def make_ticket(Session, clock, desk):
    def make(email: str = "ivan@example.com", subject: str = "Site is down", line: str = "l1", html: str | None = None) -> int:
        from app.directory import line_by_slug
        from app.models import Direction, Message

        with Session() as session:
            wf = Workflow(session, clock, via="test")
            ticket = wf.create_ticket(None, subject=subject, line=line_by_slug(session, line), body="It does not open",
                                      customer=CustomerRef("Ivan", email))
            if html is not None:
                session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=ticket.channel, subject=subject,
                                    body_text="text", body_html=html, sent_at=clock.now(), created_at=clock.now()))
            number = ticket.number
            session.commit()
            return number
    return make


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: FlaskClient, agent_id: int) -> str:
    page = client.get("/desk/signin").get_data(as_text=True)
    response = client.post("/desk/signin", data={"agent": agent_id, "csrf_token": csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client.get("/desk/queues").get_data(as_text=True))


@pytest.fixture
def signed_in(app, desk):
    """`client, csrf = signed_in("kristina")`."""
    def make(name: str) -> tuple[FlaskClient, str]:
        client = app.test_client()
        return client, sign_in(client, getattr(desk, name).id)
    return make
