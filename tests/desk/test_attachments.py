"""Attachments on the web panel: linked from the conversation, fetched from the local Gmail on demand and served
as a download; not for agents of other lines."""

from __future__ import annotations

import base64

import pytest

from gmail_sync.client import GmailApi
from gmail_sync.runner import MailboxRunner
from tests.api.test_attachments import PDF, RAW, SUPPORT


@pytest.fixture
def app(make_app, gmail):  # the app, pointed at the local Gmail
    return make_app(gmail_api_endpoint=gmail.url)


def test_an_attachment_downloads_from_the_ticket_page(signed_in, Session, clock, gmail, desk):
    gmail.service().users().messages().insert(
        userId="me", body={"raw": base64.urlsafe_b64encode(RAW).decode(), "labelIds": ["INBOX"]}).execute()
    [number] = MailboxRunner(Session, GmailApi.connect(SUPPORT, gmail.url), SUPPORT, clock).sync_once().new_tickets
    client, _ = signed_in("kristina")
    page = client.get(f"/desk/tickets/{number}").get_data(as_text=True)
    link = next(part.split('"')[0] for part in page.split('href="')[1:] if "/attachments/" in part and
                "счёт.pdf" in part.split("</a>")[0])
    response = client.get(link)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    outsider, _ = signed_in("carl")
    assert outsider.get(link).status_code == 403
    assert client.get(link.rsplit("/", 1)[0] + "/9").status_code == 404
