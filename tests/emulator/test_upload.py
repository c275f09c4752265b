"""Media upload for send/insert/import, the way google-api-python-client sends it (media, multipart, resumable)."""

from __future__ import annotations

import base64
import io
import os

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from tests.emulator.conftest import CUSTOMER, SUPPORT, b64, import_mail, make_mail


def _media(raw: bytes, *, resumable: bool = False, chunksize: int = 1024 * 1024) -> MediaIoBaseUpload:
    return MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822", resumable=resumable, chunksize=chunksize)


def _raw_of(gmail, message_id: str) -> bytes:
    got = gmail.users().messages().get(userId="me", id=message_id, format="raw").execute()
    return base64.urlsafe_b64decode(got["raw"])


def test_send_10mb_message_by_multipart_upload(gmail):
    blob = os.urandom(7 * 1024 * 1024)  # ~9.5 MB once base64-encoded in the MIME message
    raw = make_mail("Big report", sender=SUPPORT, to=CUSTOMER, attachment=blob, message_id="<big@coolxost.com>")
    assert len(raw) > 9 * 1024 * 1024
    sent = gmail.users().messages().send(userId="me", body={}, media_body=_media(raw)).execute()
    assert sent["labelIds"] == ["SENT"]
    assert _raw_of(gmail, sent["id"]) == raw


def test_simple_media_upload_keeps_bytes(gmail):
    raw = make_mail("Simple", sender=SUPPORT, to=CUSTOMER, body="line\r\nwith crlf\r\n", message_id="<s@coolxost.com>")
    sent = gmail.users().messages().send(userId="me", media_body=_media(raw)).execute()
    assert _raw_of(gmail, sent["id"]) == raw


def test_resumable_upload_in_chunks_with_thread_metadata(gmail):
    original = import_mail(gmail, make_mail("Logs", message_id="<logs@example.org>"))
    raw = make_mail("Re: Logs", sender=SUPPORT, to=CUSTOMER, in_reply_to="<logs@example.org>",
                    references="<logs@example.org>", attachment=os.urandom(600 * 1024), message_id="<r@coolxost.com>")
    request = gmail.users().messages().send(userId="me", body={"threadId": original["threadId"]},
                                            media_body=_media(raw, resumable=True, chunksize=256 * 1024))
    response = None
    chunks = 0
    while response is None:
        _, response = request.next_chunk()
        chunks += 1
    assert chunks >= 3
    assert response["threadId"] == original["threadId"]
    assert _raw_of(gmail, response["id"]) == raw


def test_import_and_insert_uploads(gmail):
    raw = make_mail("Uploaded")
    imported = gmail.users().messages().import_(userId="me", body={"labelIds": ["INBOX"]},
                                                media_body=_media(raw)).execute()
    assert set(imported["labelIds"]) == {"INBOX", "UNREAD"}
    inserted = gmail.users().messages().insert(userId="me", media_body=_media(raw)).execute()
    assert "labelIds" not in inserted
    assert _raw_of(gmail, inserted["id"]) == raw


def test_send_over_35_mb_is_refused(gmail):
    # The client itself refuses media over the document's maxSize, so send it as `raw` JSON.
    raw = make_mail("Too big", sender=SUPPORT, to=CUSTOMER) + b"x" * (35 * 1024 * 1024)
    with pytest.raises(HttpError) as info:
        gmail.users().messages().send(userId="me", body={"raw": b64(raw)}).execute()
    assert info.value.status_code in (400, 413)
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 0
