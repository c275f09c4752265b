"""The batch endpoint, driven by googleapiclient's own BatchHttpRequest."""

from __future__ import annotations

import httplib2
import pytest
from googleapiclient.errors import HttpError

from tests.emulator.conftest import import_mail, make_mail


def _collect():
    results: dict[str, tuple] = {}

    def callback(request_id, response, exception):
        results[request_id] = (response, exception)

    return results, callback


def test_batch_of_gets_returns_each_response_in_order(emulator, gmail):
    ids = [import_mail(gmail, make_mail(f"m{n}"))["id"] for n in range(50)]
    results, callback = _collect()
    batch = emulator.batch(callback)
    for message_id in ids:
        batch.add(gmail.users().messages().get(userId="me", id=message_id, format="full"), request_id=message_id)
    batch.execute()
    assert set(results) == set(ids)
    assert all(exc is None and resp["id"] == rid for rid, (resp, exc) in results.items())


def test_part_errors_are_per_part(emulator, gmail):
    message = import_mail(gmail, make_mail())
    results, callback = _collect()
    batch = emulator.batch(callback)
    batch.add(gmail.users().messages().get(userId="me", id=message["id"]), request_id="ok")
    batch.add(gmail.users().messages().get(userId="me", id="0000000000000bad"), request_id="missing")
    batch.add(gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["STARRED"]}),
              request_id="modify")
    batch.add(gmail.users().messages().delete(userId="me", id="0000000000000bad"), request_id="delete")
    batch.add(gmail.users().messages().trash(userId="me", id=message["id"]), request_id="trash")
    batch.add(gmail.users().messages().delete(userId="me", id=message["id"]), request_id="deleted")
    batch.execute()
    assert results["deleted"] == ("", None) or results["deleted"][1] is None
    assert "TRASH" in results["trash"][0]["labelIds"]
    assert results["ok"][1] is None
    assert isinstance(results["missing"][1], HttpError) and results["missing"][1].status_code == 404
    assert "STARRED" in results["modify"][0]["labelIds"]
    assert results["delete"][1].status_code == 404


def test_each_part_is_counted_and_charged(emulator, gmail):
    message = import_mail(gmail, make_mail())
    emulator.control.reset()
    batch = emulator.batch()
    for _ in range(10):
        batch.add(gmail.users().messages().get(userId="me", id=message["id"]))
    batch.execute()
    stats = emulator.control.stats()
    assert stats["calls"]["gmail.users.messages.get"] == 10
    assert stats["units"]["gmail.users.messages.get"] == 50
    assert stats["batches"] == 1


def test_more_than_100_parts_is_400(emulator, gmail):
    batch = emulator.batch()
    for _ in range(101):
        batch.add(gmail.users().labels().list(userId="me"))
    with pytest.raises(HttpError) as info:
        batch.execute()
    assert info.value.status_code == 400


def test_batch_at_the_gmail_v1_path_and_garbage_body(emulator):
    http = httplib2.Http()
    headers = {"Authorization": "Bearer t", "Content-Type": "multipart/mixed; boundary=xyz"}
    response, content = http.request(emulator.url + "batch/gmail/v1", "POST", body=b"--xyz--\r\n", headers=headers)
    assert response.status == 400 and b'"error"' in content
    response, _ = http.request(emulator.url + "batch", "POST", body=b"{}",
                               headers={"Authorization": "Bearer t", "Content-Type": "application/json"})
    assert response.status == 400


def test_batch_parts_addressed_by_the_mailbox_address(emulator, gmail):
    """Linedesk calls Gmail with the address as userId; in a batch part it arrives percent-encoded."""
    message = import_mail(gmail, make_mail())
    results, callback = _collect()
    batch = emulator.batch(callback)
    batch.add(gmail.users().messages().get(userId=emulator.address, id=message["id"], format="minimal"),
              request_id="by-address")
    batch.add(gmail.users().getProfile(userId=emulator.address), request_id="profile")
    batch.execute()
    assert results["by-address"][1] is None and results["by-address"][0]["id"] == message["id"]
    assert results["profile"][0]["emailAddress"] == emulator.address
