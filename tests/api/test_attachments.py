"""Attachments: listed with the conversation, their bytes fetched from the local Gmail on demand, served as a
download whatever the sender claimed, and clear 404s for what is not there."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.models import Message
from gmail_sync.client import GmailApi
from gmail_sync.runner import MailboxRunner

SUPPORT = "support@coolxost.com"
PDF = b"%PDF-1.4\n\x00\xff\xfe binary report \x80\x81" * 40
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
HTML_TRAP = b"<html><script>alert(document.cookie)</script></html>"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


RAW = (
    f"From: Ivan <ivan@example.com>\r\nTo: {SUPPORT}\r\nSubject: Invoice attached\r\n"
    "Message-ID: <att1@example.com>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    '--outer\r\nContent-Type: multipart/related; boundary="inner"\r\n\r\n'
    '--inner\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n<p>See <img src="cid:logo@x"></p>\r\n'
    "--inner\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    f"{b64(PNG)}\r\n--inner--\r\n"
    '--outer\r\nContent-Type: application/pdf; name="счёт.pdf"\r\n'
    'Content-Disposition: attachment; filename*=UTF-8\'\'%D1%81%D1%87%D1%91%D1%82.pdf\r\n'
    f"Content-Transfer-Encoding: base64\r\n\r\n{b64(PDF)}\r\n"
    '--outer\r\nContent-Type: text/html; name="page.html"\r\nContent-Disposition: attachment; filename="page.html"\r\n'
    f"Content-Transfer-Encoding: base64\r\n\r\n{b64(HTML_TRAP)}\r\n"
    "--outer--\r\n"
).encode()


@pytest.fixture
def app(make_app, gmail):  # the app, pointed at the local Gmail
    return make_app(gmail_api_endpoint=gmail.url)


@pytest.fixture
def synced(Session, clock, gmail, desk):
    """The mail, put in the local Gmail's INBOX and brought in by the sync: (ticket number, Gmail message id)."""
    put = gmail.service().users().messages().insert(
        userId="me", body={"raw": base64.urlsafe_b64encode(RAW).decode(), "labelIds": ["INBOX"]}).execute()
    report = MailboxRunner(Session, GmailApi.connect(SUPPORT, gmail.url), SUPPORT, clock).sync_once()
    assert len(report.new_tickets) == 1
    return report.new_tickets[0], put["id"]


def test_attachments_are_listed_and_downloaded_from_gmail(api_client, synced, Session):
    number, _ = synced
    kristina = api_client("kristina")
    listed = kristina.get(f"/tickets/{number}/messages")
    assert listed.status_code == 200
    [message] = listed.get_json()["messages"]
    by_name = {a["filename"]: a for a in message["attachments"]}
    assert set(by_name) == {"", "счёт.pdf", "page.html"}
    logo = next(a for a in message["attachments"] if a["content_id"])
    assert logo["inline"] and logo["content_type"] == "image/png" and logo["size"] == len(PNG)
    assert by_name["счёт.pdf"]["size"] == len(PDF) and not by_name["счёт.pdf"]["inline"]

    pdf = kristina.get(f"/tickets/{number}/messages/{message['id']}/attachments/{by_name['счёт.pdf']['index']}")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82.pdf" in pdf.headers["Content-Disposition"]
    assert pdf.headers["X-Linedesk-Content-Type"] == "application/pdf"
    image = kristina.get(f"/tickets/{number}/messages/{message['id']}/attachments/{logo['index']}")
    assert image.data == PNG


def test_an_html_attachment_is_a_download_never_a_page_of_ours(api_client, synced):
    number, _ = synced
    kristina = api_client("kristina")
    [message] = kristina.get(f"/tickets/{number}/messages").get_json()["messages"]
    index = next(a["index"] for a in message["attachments"] if a["filename"] == "page.html")
    page = kristina.get(f"/tickets/{number}/messages/{message['id']}/attachments/{index}")
    assert page.data == HTML_TRAP
    assert page.mimetype == "application/octet-stream" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in page.headers["Content-Security-Policy"]


def test_what_is_not_there_is_a_clear_404_and_others_lines_a_403(api_client, synced, gmail, Session):
    number, gmail_id = synced
    kristina = api_client("kristina")
    [message] = kristina.get(f"/tickets/{number}/messages").get_json()["messages"]
    url = f"/tickets/{number}/messages/{message['id']}/attachments"
    missing = kristina.get(f"{url}/9")
    assert missing.status_code == 404 and "has no attachment 9" in missing.get_json()["detail"]
    assert kristina.get(f"/tickets/{number}/messages/99999/attachments/0").status_code == 404
    assert api_client("carl").get(f"{url}/0").status_code == 403
    gmail.service().users().messages().delete(userId="me", id=gmail_id).execute()
    gone = kristina.get(f"{url}/1")
    assert gone.status_code == 404 and "no longer in Gmail" in gone.get_json()["detail"]


def test_gmail_down_is_a_502(api_client, synced, gmail):
    number, _ = synced
    kristina = api_client("kristina")
    [message] = kristina.get(f"/tickets/{number}/messages").get_json()["messages"]
    gmail.control.configure(fault_rate=1.0, fault_kinds=["500"])
    try:
        failed = kristina.get(f"/tickets/{number}/messages/{message['id']}/attachments/1")
    finally:
        gmail.control.configure(fault_rate=0.0)
    assert failed.status_code == 502 and "Gmail" in failed.get_json()["detail"]


def test_stored_attachments_carry_gmail_part_ids(Session, synced):
    with Session() as session:
        [message] = session.scalars(select(Message)).all()
    assert all(a["part_id"] for a in message.attachments)
    assert sorted(a["part_id"] for a in message.attachments) == ["0.1", "1", "2"]
