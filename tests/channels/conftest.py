"""Channel fixtures: the local Gmail, the local Telegram Bot API, the CoolXost desk and the app wired to them.

Everything over real HTTP: the app (Flask's test client) calls the Bot API server and the local Gmail through
their clients; the tests read what reached Gmail through the Gmail API and what reached Telegram from the Bot
API server's record. SQLite and PostgreSQL (`db_url`).
"""

from __future__ import annotations

import base64
import email
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.channels.base import ChannelSettings
from app.config import Settings
from app.db import transaction
from app.web import runtime
from gmail_emulator.testing import EmulatorServer
from tests.channels.bot_api import BotApiServer
from tests.factories import make_desk

SUPPORT = "support@coolxost.com"
SECRET = "tg-secret-7f3a"
FB_TOKEN = "fb-token-12ab"


@pytest.fixture
def gmail() -> Iterator[EmulatorServer]:
    with EmulatorServer(address=SUPPORT, seed=99) as server:
        yield server


@pytest.fixture
def bot() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


@pytest.fixture
def bridge() -> Iterator[BotApiServer]:
    """Stands in for a Facebook bridge: records what the generic webhook adapter POSTs to its reply_url."""
    from tests.channels.reply_sink import ReplySink

    with ReplySink() as sink:
        yield sink


@pytest.fixture
def desk(Session):
    with transaction(Session) as session:
        return make_desk(session)


@pytest.fixture
def channel_settings(bot, bridge) -> ChannelSettings:
    return ChannelSettings(telegram_token=bot.token, telegram_api=bot.url, telegram_secret=SECRET,
                           webhooks={"facebook": {"token": FB_TOKEN, "reply_url": bridge.url + "/send"}},
                           site_secret="site-secret", form_per_ip_per_hour=3)


@pytest.fixture
def app(db_url, tmp_path, clock, gmail, desk, channel_settings) -> Iterator[Flask]:
    app = create_app(Settings(database_url=db_url, secret_key="t", instance_dir=tmp_path, testing=True,
                              gmail_api_endpoint=gmail.url, extra={"channels": channel_settings}), clock=clock)
    yield app
    with app.app_context():
        runtime().engine.dispose()


def gmail_messages(gmail: EmulatorServer, query: str = "") -> list[dict[str, Any]]:
    """Every message in the mailbox (newest first), as {"id", "threadId", "labelIds", "mail"} (parsed)."""
    service = gmail.service()
    listed = service.users().messages().list(userId="me", q=query, maxResults=500, includeSpamTrash=False).execute()
    out = []
    for item in listed.get("messages", []):
        full = service.users().messages().get(userId="me", id=item["id"], format="raw").execute()
        raw = base64.urlsafe_b64decode(full["raw"])
        out.append({"id": full["id"], "threadId": full["threadId"], "labelIds": full.get("labelIds", []),
                    "mail": email.message_from_bytes(raw, policy=policy.default)})
    return out


def text_of(mail: Any) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()
