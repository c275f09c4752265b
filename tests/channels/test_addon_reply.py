"""From the Gmail sidebar: an agent opens the mirrored thread of a Telegram dialogue, the add-on finds its ticket,
and a reply sent from the card goes out through the Bot API (never by mail)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.config import Settings
from app.db import transaction
from app.models import CannedResponse, OutboxMail
from app.web import runtime
from tests.addon.conftest import AUDIENCE, SERVICE_ACCOUNT, addon, card_of, google, texts  # noqa: F401 - fixtures
from tests.channels.conftest import SECRET, gmail_messages


@pytest.fixture
def app(db_url, tmp_path, clock, google, gmail, desk, channel_settings) -> Iterator[Flask]:  # noqa: F811
    settings = Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True,
                        addon_audience=AUDIENCE, addon_service_accounts=frozenset({SERVICE_ACCOUNT}),
                        google_certs_url=google.certs_url, gmail_api_endpoint=gmail.url,
                        extra={"channels": channel_settings})
    app = create_app(settings, clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


def test_a_reply_from_the_sidebar_goes_out_through_telegram(app, addon, Session, gmail, bot, desk):  # noqa: F811
    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 777, "type": "private"},
                                          "from": {"id": 777, "first_name": "Ivan"}, "text": "Is my VPS down?"}}
    number = app.test_client().post("/channels/telegram/webhook", json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).get_json()["ticket"]
    [mirrored] = gmail_messages(gmail)
    with transaction(Session) as session:
        canned = CannedResponse(line_id=desk.l1.id, title="Checking", body="Hello {customer_name}, checking now.",
                                updated_at=datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
        session.add(canned)
        session.flush()
        canned_id = canned.id
    opened = addon().post("/addon/contextual", gmail={"messageId": mirrored["id"], "threadId": mirrored["threadId"]})
    assert f"#{number}" in texts(card_of(opened.get_json()))
    addon().post("/addon/action", params={"do": "claim", "number": number})
    payload = addon().post("/addon/action", params={"do": "reply", "number": number},
                           form={"canned": str(canned_id)}).get_json()
    assert "sent" in payload["renderActions"]["action"]["notification"]["text"]
    # A Telegram user is no customer record (no address or phone), so the canned text greets "customer".
    assert bot.sent()[-1] == {"chat_id": 777, "text": "Hello customer, checking now."}
    with transaction(Session) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0
