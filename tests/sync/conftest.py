"""Fixtures for the sync runner's tests: a live local Gmail, a committed CoolXost desk, and a runner joining them.

Everything goes over real HTTP through google-api-python-client (built by `gmail_sync.client`), against
SQLite and PostgreSQL (`db_url`). Backoff waits are shortened so fault tests do not sleep for long.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.models import Message
from gmail_emulator.testing import EmulatorServer
from gmail_sync.client import GmailApi
from gmail_sync.quota import Backoff, Limiter
from gmail_sync.runner import MailboxRunner, SyncOptions
from tests.factories import make_desk

SUPPORT = "support@coolxost.com"


@pytest.fixture
def gmail() -> Iterator[EmulatorServer]:
    with EmulatorServer(address=SUPPORT, seed=1234) as server:
        yield server


@pytest.fixture
def desk(Session) -> Any:
    with transaction(Session) as session:
        return make_desk(session)


def connect(gmail: EmulatorServer, *, units_per_s: float | None = None, tries: int = 12) -> GmailApi:
    backoff = Backoff(base_s=0.005, cap_s=0.1, tries=tries, rng=random.Random(7))
    return GmailApi.connect(SUPPORT, gmail.url, limiter=Limiter(units_per_s), backoff=backoff)


@pytest.fixture
def make_runner(Session, desk, gmail, clock):
    def make(**kwargs: Any) -> MailboxRunner:
        api = kwargs.pop("api", None) or connect(gmail)
        return MailboxRunner(Session, api, SUPPORT, clock, kwargs.pop("options", SyncOptions()), **kwargs)
    return make


def mail(subject: str = "Hello", *, sender: str = "alice@example.org", to: str = SUPPORT, body: str = "Hi there",
         message_id: str | None = None, in_reply_to: str | None = None, headers: dict[str, str] | None = None
         ) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def deliver(gmail: EmulatorServer, raw: bytes, labels: list[str] | None = None, **body: Any) -> dict[str, Any]:
    """A mail arriving in the mailbox, through the API (users.messages.import)."""
    payload = {"raw": base64.urlsafe_b64encode(raw).decode(), "labelIds": labels or ["INBOX", "UNREAD"], **body}
    result: dict[str, Any] = gmail.service().users().messages().import_(userId="me", body=payload).execute()
    return result


def fill(gmail: EmulatorServer, count: int, *, customers: int = 97, prefix: str = "bulk") -> list[str]:
    """`count` INBOX messages stored straight into the local Gmail (setup, fast), each its own thread."""
    store = gmail.emulator.store
    address = store.resolve("me")
    with gmail.emulator.db.tx():
        return [store.add_message(address, mail(f"{prefix} {n}", sender=f"c{n % customers}@example.org",
                                                message_id=f"<{prefix}-{n}@example.org>"),
                                  label_ids=["INBOX", "UNREAD"], thread_id=None, date_source="dateHeader")
                for n in range(count)]


def inbox_ids(gmail: EmulatorServer) -> set[str]:
    ids: set[str] = set()
    messages, token = gmail.service().users().messages(), None
    while True:
        page = messages.list(userId="me", labelIds=["INBOX"], maxResults=500, pageToken=token).execute()
        ids.update(m["id"] for m in page.get("messages", []))
        token = page.get("nextPageToken")
        if not token:
            return ids


def stored_ids(Session) -> list[str]:
    with transaction(Session) as session:
        return list(session.scalars(select(Message.provider_message_id).where(
            Message.provider_message_id.is_not(None))))


def count(Session, model: Any) -> int:
    with transaction(Session) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
