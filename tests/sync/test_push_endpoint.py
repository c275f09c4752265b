"""Gmail's Pub/Sub push: verified when configured, then the same incremental step as polling."""

import base64
import json

import pytest
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.models import Ticket
from tests.google_keys import LocalGoogle
from tests.sync.conftest import SUPPORT, deliver, mail

AUDIENCE = "https://linedesk.example.com/gmail/push"
PUSHER = "gmail-push@linedesk-project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def google():
    with LocalGoogle() as google:
        yield google


def push_body(address: str = SUPPORT, history_id: int = 12345) -> dict:
    data = base64.urlsafe_b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode())
    return {"message": {"data": data.decode(), "messageId": "1", "publishTime": "2026-11-23T09:00:00Z"},
            "subscription": "projects/p/subscriptions/gmail"}


@pytest.fixture
def client_for(db_url, tmp_path, clock, gmail, google, desk):
    apps = []

    def make(**overrides):
        settings = Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True,
                            gmail_api_endpoint=gmail.url, gmail_quota_units_per_s=None,
                            google_certs_url=google.certs_url, **overrides)
        apps.append(create_app(settings, clock=clock))
        return apps[-1].test_client()
    yield make
    for app in apps:
        app.extensions["linedesk"].engine.dispose()


def tickets(Session) -> list[str]:
    with Session() as session:
        return list(session.scalars(select(Ticket.subject).order_by(Ticket.number)))


def test_a_verified_push_syncs_the_mailbox(client_for, google, gmail, Session):
    client = client_for(push_audience=AUDIENCE, push_service_accounts=frozenset({PUSHER}))
    deliver(gmail, mail("Our VPS does not boot"))
    token = google.sign(aud=AUDIENCE, email=PUSHER)
    response = client.post("/gmail/push", json=push_body(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert tickets(Session) == ["Our VPS does not boot"]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
])
def test_an_unverified_push_is_refused_and_syncs_nothing(client_for, gmail, Session, headers):
    client = client_for(push_audience=AUDIENCE, push_service_accounts=frozenset({PUSHER}))
    deliver(gmail, mail("Should wait for a verified push"))
    response = client.post("/gmail/push", json=push_body(), headers=headers)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert tickets(Session) == []


def test_a_push_signed_for_someone_else_is_refused(client_for, google, gmail, Session):
    client = client_for(push_audience=AUDIENCE, push_service_accounts=frozenset({PUSHER}))
    deliver(gmail, mail("Hello"))
    token = google.sign(aud=AUDIENCE, email="someone@evil.example.com")
    response = client.post("/gmail/push", json=push_body(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "not to an expected account" in response.get_json()["detail"]
    assert tickets(Session) == []


def test_without_an_audience_configured_pushes_are_taken_as_they_come(client_for, gmail, Session):
    deliver(gmail, mail("Local demo push"))
    assert client_for().post("/gmail/push", json=push_body()).status_code == 204
    assert tickets(Session) == ["Local demo push"]


def test_a_malformed_push_is_400(client_for):
    response = client_for().post("/gmail/push", json={"message": {"data": "%%%"}})
    assert response.status_code == 400 and "not a Gmail push" in response.get_json()["detail"]


def test_a_push_for_a_mailbox_we_do_not_serve_is_acknowledged(client_for, Session):
    assert client_for().post("/gmail/push", json=push_body("stranger@example.com")).status_code == 204
    assert tickets(Session) == []


def test_gmail_down_answers_503_so_pubsub_retries(client_for, gmail):
    gmail.control.configure(fault_rate=1.0)
    response = client_for().post("/gmail/push", json=push_body())
    assert response.status_code == 503


def test_push_audience_without_accounts_is_a_config_error():
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="PUSH_SERVICE_ACCOUNTS"):
        Settings.from_env({"PUSH_AUDIENCE": AUDIENCE})


def test_a_push_for_a_mailbox_another_sync_process_holds_is_acknowledged_and_left_to_it(client_for, gmail, Session,
                                                                                        clock, desk):
    from datetime import timedelta

    from gmail_sync.lease import Leases

    client = client_for()
    deliver(gmail, mail("Busy mailbox"))
    other = Leases(Session, clock, "sync-host:42", timedelta(seconds=60))
    assert other.take(desk.mailbox.id)
    assert client.post("/gmail/push", json=push_body()).status_code == 204
    assert tickets(Session) == []  # the holder's next poll reads it
    other.release(desk.mailbox.id)
    assert client.post("/gmail/push", json=push_body()).status_code == 204
    assert tickets(Session) == ["Busy mailbox"]
