"""Bad input gets Gmail's JSON error (4xx), never a 500, and leaves the mailbox as it was."""

from __future__ import annotations

import json

import httplib2
import pytest
from googleapiclient.errors import HttpError
from hypothesis import given, settings
from hypothesis import strategies as st

from gmail_emulator.testing import EmulatorServer
from tests.emulator.conftest import b64, import_mail, make_mail

AUTH = {"Authorization": "Bearer anything"}


def _raw_request(emulator, method, path, body=None, headers=None):
    response, content = httplib2.Http().request(emulator.url + path, method, body=body,
                                                headers={**AUTH, **(headers or {})})
    return response.status, json.loads(content) if content else None


def _assert_gmail_error(body, code):
    error = body["error"]
    assert error["code"] == code and error["message"] and error["status"]
    assert error["errors"][0]["reason"] and error["errors"][0]["domain"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"raw": 5}', b'{"raw": "@@@@"}', b'{"unknownField": 1}',
                                  b'{"raw": "QQ", "labelIds": "INBOX"}'])
def test_bad_bodies_are_400(emulator, body):
    status, error = _raw_request(emulator, "POST", "gmail/v1/users/me/messages/import", body,
                                 {"Content-Type": "application/json"})
    assert status == 400
    _assert_gmail_error(error, 400)


@pytest.mark.parametrize("path,code", [
    ("gmail/v1/users/me/messages/0123456789abcdef", 404),
    ("gmail/v1/users/me/messages/not-an-id!", 400),
    ("gmail/v1/users/me/threads/0123456789abcdef", 404),
    ("gmail/v1/users/me/messages?maxResults=lots", 400),
    ("gmail/v1/users/me/messages/0123456789abcdef?format=html", 400),
    ("gmail/v1/users/me/history", 400),
    ("gmail/v1/users/me/history?startHistoryId=1&pageToken=garbage", 404),
    ("gmail/v1/users/not-an-address/profile", 400),
    ("gmail/v1/users/me/nothing-here", 404),
])
def test_bad_reads(emulator, path, code):
    status, error = _raw_request(emulator, "GET", path)
    assert status == code
    _assert_gmail_error(error, code)


def test_method_not_allowed_is_json(emulator):
    status, error = _raw_request(emulator, "PATCH", "gmail/v1/users/me/profile")
    assert status == 405
    _assert_gmail_error(error, 405)


def test_bad_page_token_is_400(emulator, gmail):
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    with pytest.raises(HttpError) as info:
        gmail.users().history().list(userId="me", startHistoryId=start, pageToken="garbage").execute()
    assert info.value.status_code == 400
    with pytest.raises(HttpError) as info:
        gmail.users().messages().list(userId="me", pageToken="garbage").execute()
    assert info.value.status_code == 400


def test_bytes_that_are_no_message_are_400_and_store_nothing(gmail):
    with pytest.raises(HttpError) as info:
        gmail.users().messages().import_(userId="me", body={"raw": b64(b"   \r\n  ")}).execute()
    assert info.value.status_code == 400
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 0


def test_unknown_label_on_import_is_400_and_atomic(gmail):
    with pytest.raises(HttpError):
        import_mail(gmail, make_mail(), labels=["INBOX", "Label_77"])
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 0


def test_missing_or_wrong_token_is_401():
    with EmulatorServer(require_token="s3cret") as server:
        status, _ = _raw_request(server, "GET", "gmail/v1/users/me/profile")
        assert status == 401
        response, content = httplib2.Http().request(server.url + "gmail/v1/users/me/profile",
                                                    headers={"Authorization": "Bearer s3cret"})
        assert response.status == 200
        response, content = httplib2.Http().request(server.url + "gmail/v1/users/me/profile")
        assert response.status == 401
        _assert_gmail_error(json.loads(content), 401)


@pytest.fixture(scope="module")
def fuzz_gmail():
    """One emulator for all hypothesis examples (one per example would dominate the run time)."""
    with EmulatorServer() as server:
        yield server.service()


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(min_size=1, max_size=400), header=st.booleans())
def test_arbitrary_bytes_never_500(fuzz_gmail, raw, header):
    data = (b"Subject: fuzz\r\n" + raw) if header else raw
    try:
        result = fuzz_gmail.users().messages().import_(userId="me", body={"raw": b64(data)}).execute()
    except HttpError as exc:
        assert exc.status_code == 400
        return
    got = fuzz_gmail.users().messages().get(userId="me", id=result["id"], format="full").execute()
    assert got["id"] == result["id"]
    raw_back = fuzz_gmail.users().messages().get(userId="me", id=result["id"], format="raw").execute()["raw"]
    assert raw_back == b64(data)
