"""Messages: insert/import/send, the four formats, raw round trip, attachments, listing, trash and delete."""

from __future__ import annotations

import base64

import pytest
from googleapiclient.errors import HttpError

from tests.emulator.conftest import SUPPORT, b64, import_mail, make_mail

DATE_MS = 1795424400000  # Mon, 23 Nov 2026 09:00:00 +0000


def _get(gmail, message_id, fmt="full", **kw):
    return gmail.users().messages().get(userId="me", id=message_id, format=fmt, **kw).execute()


def test_ids_are_16_hex_digits_and_thread_is_first_message(gmail):
    message = import_mail(gmail, make_mail())
    assert len(message["id"]) == 16 and int(message["id"], 16) > 0
    assert message["threadId"] == message["id"]


def test_import_into_inbox_adds_unread_and_takes_date_header(gmail):
    message = import_mail(gmail, make_mail())
    got = _get(gmail, message["id"], "minimal")
    assert set(got["labelIds"]) == {"INBOX", "UNREAD"}
    assert got["internalDate"] == str(DATE_MS)
    assert "payload" not in got and got["snippet"] == "Hi there"


def test_insert_defaults_to_arrival_time(gmail):
    raw = b64(make_mail())
    message = gmail.users().messages().insert(userId="me", body={"raw": raw, "labelIds": ["INBOX"]}).execute()
    got = _get(gmail, message["id"], "minimal")
    assert got["labelIds"] == ["INBOX"]
    assert int(got["internalDate"]) > DATE_MS


def test_raw_round_trips_byte_for_byte(gmail):
    raw = make_mail("Ünïcødé", body="Grüße\r\nline two\r\n", attachment=bytes(range(256)))
    message = import_mail(gmail, raw)
    got = _get(gmail, message["id"], "raw")
    assert base64.urlsafe_b64decode(got["raw"]) == raw
    assert "payload" not in got


def test_metadata_format_filters_headers(gmail):
    message = import_mail(gmail, make_mail("Subject line"))
    got = _get(gmail, message["id"], "metadata", metadataHeaders=["Subject", "From"])
    names = {h["name"] for h in got["payload"]["headers"]}
    assert names == {"Subject", "From"}
    assert "parts" not in got["payload"]


def test_full_format_has_mime_tree_and_attachment_by_id(gmail):
    blob = b"\x00\x01binary attachment" * 100
    message = import_mail(gmail, make_mail(attachment=blob))
    payload = _get(gmail, message["id"])["payload"]
    assert payload["mimeType"] == "multipart/mixed"
    text, attachment = payload["parts"]
    assert base64.urlsafe_b64decode(text["body"]["data"]) == b"Hi there\n"
    assert attachment["filename"] == "data.bin" and attachment["body"]["size"] == len(blob)
    got = gmail.users().messages().attachments().get(
        userId="me", messageId=message["id"], id=attachment["body"]["attachmentId"]).execute()
    assert base64.urlsafe_b64decode(got["data"]) == blob and got["size"] == len(blob)


def test_send_adds_sent_and_message_id(gmail):
    raw = make_mail("Question", sender=SUPPORT, to="bob@example.net", date=None)
    sent = gmail.users().messages().send(userId="me", body={"raw": b64(raw)}).execute()
    assert sent["labelIds"] == ["SENT"]
    headers = {h["name"].lower(): h["value"] for h in _get(gmail, sent["id"], "metadata")["payload"]["headers"]}
    assert headers["message-id"].endswith("@mail.gmail.com>") and "date" in headers


def test_send_without_recipients_is_400(gmail):
    raw = b"From: support@coolxost.com\r\nSubject: nobody\r\n\r\nhello\r\n"
    with pytest.raises(HttpError) as info:
        gmail.users().messages().send(userId="me", body={"raw": b64(raw)}).execute()
    assert info.value.status_code == 400


def test_send_delivers_to_other_local_mailboxes(emulator, gmail):
    gmail.users().getProfile(userId="bob@example.net").execute()  # bob's mailbox exists now
    raw = make_mail("Hi Bob", sender=SUPPORT, to="bob@example.net")
    gmail.users().messages().send(userId="me", body={"raw": b64(raw)}).execute()
    inbox = gmail.users().messages().list(userId="bob@example.net", labelIds=["INBOX"]).execute()
    assert inbox["resultSizeEstimate"] == 1
    got = gmail.users().messages().get(userId="bob@example.net", id=inbox["messages"][0]["id"]).execute()
    assert set(got["labelIds"]) == {"INBOX", "UNREAD"}


def test_list_filters_by_labels_and_query_and_pages(gmail):
    ids = [import_mail(gmail, make_mail(f"Subject {n}", date=f"Mon, 23 Nov 2026 09:{n:02d}:00 +0000"))["id"]
           for n in range(7)]
    gmail.users().messages().modify(userId="me", id=ids[0], body={"addLabelIds": ["STARRED"]}).execute()
    starred = gmail.users().messages().list(userId="me", labelIds=["STARRED", "INBOX"]).execute()
    assert [m["id"] for m in starred["messages"]] == [ids[0]]
    seen, token = [], None
    while True:
        page = gmail.users().messages().list(userId="me", maxResults=3, pageToken=token).execute()
        seen.extend(m["id"] for m in page["messages"])
        assert page["resultSizeEstimate"] == 7
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == list(reversed(ids))  # newest first
    found = gmail.users().messages().list(userId="me", q="from:alice subject:3").execute()
    assert ids[3] in [m["id"] for m in found["messages"]]


def test_empty_list_has_no_messages_key(gmail):
    assert gmail.users().messages().list(userId="me").execute() == {"resultSizeEstimate": 0}


def test_trash_hides_from_list_untrash_restores_delete_is_permanent(gmail):
    message = import_mail(gmail, make_mail())
    trashed = gmail.users().messages().trash(userId="me", id=message["id"]).execute()
    assert "TRASH" in trashed["labelIds"]
    assert gmail.users().messages().list(userId="me").execute()["resultSizeEstimate"] == 0
    assert gmail.users().messages().list(userId="me", includeSpamTrash=True).execute()["resultSizeEstimate"] == 1
    untrashed = gmail.users().messages().untrash(userId="me", id=message["id"]).execute()
    assert "TRASH" not in untrashed["labelIds"]
    gmail.users().messages().delete(userId="me", id=message["id"]).execute()
    with pytest.raises(HttpError) as info:
        _get(gmail, message["id"])
    assert info.value.status_code == 404


def test_batch_modify_and_batch_delete(gmail):
    ids = [import_mail(gmail, make_mail(f"m{n}"))["id"] for n in range(3)]
    gmail.users().messages().batchModify(
        userId="me", body={"ids": ids, "addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}).execute()
    for message_id in ids:
        assert set(_get(gmail, message_id, "minimal")["labelIds"]) == {"INBOX", "STARRED"}
    gmail.users().messages().batchDelete(userId="me", body={"ids": ids[:2]}).execute()
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 1


def test_profile_counts(gmail):
    import_mail(gmail, make_mail("a"))
    import_mail(gmail, make_mail("b"))
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == SUPPORT
    assert (profile["messagesTotal"], profile["threadsTotal"]) == (2, 2)
    assert int(profile["historyId"]) > 0


def test_each_address_is_its_own_mailbox(gmail):
    import_mail(gmail, make_mail(), user="other@coolxost.com")
    assert gmail.users().getProfile(userId="other@coolxost.com").execute()["messagesTotal"] == 1
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 0


def test_me_follows_the_token_user(emulator):
    service = emulator.service(user="agent@coolxost.com")
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "agent@coolxost.com"


def test_partial_response_with_fields(gmail):
    message = import_mail(gmail, make_mail())
    listed = gmail.users().messages().list(userId="me", fields="messages(id),resultSizeEstimate").execute()
    assert listed == {"messages": [{"id": message["id"]}], "resultSizeEstimate": 1}
    got = gmail.users().messages().get(userId="me", id=message["id"], fields="id,payload/headers").execute()
    assert set(got) == {"id", "payload"} and set(got["payload"]) == {"headers"}
    with pytest.raises(HttpError) as info:
        gmail.users().messages().list(userId="me", fields="messages(id").execute()
    assert info.value.status_code == 400
