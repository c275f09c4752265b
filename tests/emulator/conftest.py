"""Fixtures for the emulator's tests: a fresh live emulator per test and a client bound to it.

`emulator` is an `EmulatorServer` on a free port (in memory, quotas and faults off); `gmail` is a
google-api-python-client service built for it. Everything goes over real HTTP through the real client.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from gmail_emulator.testing import EmulatorServer

SUPPORT = "support@coolxost.com"
CUSTOMER = "alice@example.org"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(address=SUPPORT, seed=1234) as server:
        yield server


@pytest.fixture
def gmail(emulator: EmulatorServer) -> Any:
    return emulator.service()


def make_mail(subject: str = "Hello", *, sender: str = CUSTOMER, to: str = SUPPORT, body: str = "Hi there",
              message_id: str | None = None, in_reply_to: str | None = None, references: str | None = None,
              date: str | None = "Mon, 23 Nov 2026 09:00:00 +0000", attachment: bytes | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date:
        msg["Date"] = date
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="data.bin")
    return msg.as_bytes()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


def import_mail(gmail: Any, raw: bytes, *, labels: list[str] | None = None, user: str = "me",
                **body: Any) -> dict[str, Any]:
    payload = {"raw": b64(raw), "labelIds": ["INBOX"] if labels is None else labels, **body}
    result: dict[str, Any] = gmail.users().messages().import_(userId=user, body=payload).execute()
    return result
