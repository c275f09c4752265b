"""Add-on fixtures: the app configured for the add-on, Google's keys served locally, and a client that sends
events the way Google does and validates every answer against tests/addon/card_schema.json.

`addon("kristina").post("/addon/action", params={"do": "claim", "number": 1001})` signs a service-account
token for the Authorization header and a user ID token for kristina@coolxost.com, exactly as Google would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from flask import Flask

from app import create_app
from app.config import Settings
from app.web import runtime
from app.workflow import CustomerRef, Workflow
from tests.factories import make_desk
from tests.google_keys import LocalGoogle

AUDIENCE = "https://linedesk.example.com/addon"
SERVICE_ACCOUNT = "service-123456@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
SCHEMA = json.loads((Path(__file__).parent / "card_schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Every card any test received, by kind, for the test that checks every kind was produced.
SEEN_KINDS: set[str] = set()


@pytest.fixture(scope="session")
def google() -> Iterator[LocalGoogle]:
    with LocalGoogle() as google:
        yield google


@pytest.fixture
def app(db_url, tmp_path, clock, google) -> Iterator[Flask]:
    settings = Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True,
                        addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                        google_certs_url=google.certs_url)
    app = create_app(settings, clock=clock)
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
    def make(email: str = "ivan@example.com", subject: str = "Site is down", line: str = "l1", **gmail: str) -> int:
        from app.directory import line_by_slug
        from app.models import Direction, Message, TicketThread

        with Session() as session:
            wf = Workflow(session, clock, via="test")
            ticket = wf.create_ticket(None, subject=subject, line=line_by_slug(session, line), body="It does not open",
                                      customer=CustomerRef("Ivan", email))
            if "message_id" in gmail:
                mailbox = session.merge(desk.mailbox)
                session.add(TicketThread(ticket_id=ticket.id, mailbox_id=mailbox.id, provider_thread_id=gmail["thread_id"]))
                session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=ticket.channel, subject=subject,
                                    body_text="hello", body_html="<p>hello</p>", mailbox_id=mailbox.id,
                                    provider_message_id=gmail["message_id"], provider_thread_id=gmail["thread_id"],
                                    sent_at=clock.now(), created_at=clock.now()))
            number = ticket.number
            session.commit()
            return number
    return make


@dataclass
class AddonClient:
    app: Flask
    google: LocalGoogle
    email: str | None
    service_account: str = SERVICE_ACCOUNT
    audience: str = AUDIENCE
    responses: list[Any] = field(default_factory=list)

    def event(self, params: dict[str, Any] | None = None, form: dict[str, str] | None = None,
              gmail: dict[str, str] | None = None, user_token: str | None = None) -> dict[str, Any]:
        common: dict[str, Any] = {"hostApp": "GMAIL", "timeZone": {"id": "Europe/Moscow", "offset": 10_800_000}}
        if params:
            common["parameters"] = {k: str(v) for k, v in params.items()}
        if form:
            common["formInputs"] = {k: {"stringInputs": {"value": [v]}} for k, v in form.items()}
        token = user_token if user_token is not None else self.google.sign(aud=self.audience, email=self.email)
        event: dict[str, Any] = {"commonEventObject": common, "authorizationEventObject": {"userIdToken": token}}
        if gmail:
            event["gmail"] = gmail
        return event

    def post(self, path: str, *, headers: dict[str, str] | None = None, body: Any = None, **event: Any):
        token = self.google.sign(aud=self.audience, email=self.service_account)
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        response = self.app.test_client().post(path, json=body if body is not None else self.event(**event),
                                               headers=all_headers)
        if response.status_code == 200:
            check_card_response(response.get_json())
        return response


def check_card_response(payload: Any) -> None:
    VALIDATOR.validate(payload)
    SEEN_KINDS.add(card_of(payload)["header"]["title"].split(" ")[0])


def card_of(payload: dict[str, Any]) -> dict[str, Any]:
    action = payload.get("renderActions", payload)["action"]
    navigation = action["navigations"][0]
    return navigation.get("updateCard") or navigation["pushCard"]


def texts(card: dict[str, Any]) -> str:
    """Everything a person reads on the card, as one string."""
    return json.dumps(card, ensure_ascii=False)


@pytest.fixture
def addon(app, google, desk):
    def make(name: str | None = "kristina", **kwargs: Any) -> AddonClient:
        email = name if name is None or "@" in name else f"{name}@coolxost.com"
        return AddonClient(app, google, email, **kwargs)
    return make
