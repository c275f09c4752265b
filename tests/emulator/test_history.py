"""history.list: records for every change, increasing ids with gaps, filters, paging, and the 404 horizon."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.emulator.conftest import import_mail, make_mail


def _start(gmail) -> int:
    return int(gmail.users().getProfile(userId="me").execute()["historyId"])


def _history(gmail, start, **kw):
    return gmail.users().history().list(userId="me", startHistoryId=start, **kw).execute()


def test_every_change_is_recorded_in_increasing_order(gmail):
    start = _start(gmail)
    message = import_mail(gmail, make_mail())
    gmail.users().messages().modify(userId="me", id=message["id"], body={"removeLabelIds": ["UNREAD"]}).execute()
    gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["STARRED"]}).execute()
    gmail.users().messages().delete(userId="me", id=message["id"]).execute()
    response = _history(gmail, start)
    records = response["history"]
    kinds = [next(k for k in r if k not in ("id", "messages")) for r in records]
    assert kinds == ["messagesAdded", "labelsRemoved", "labelsAdded", "messagesDeleted"]
    ids = [int(r["id"]) for r in records]
    assert ids == sorted(ids) and ids[0] > start
    assert response["historyId"] == str(ids[-1]) == str(_start(gmail))
    assert records[1]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    assert records[2]["labelsAdded"][0]["message"]["labelIds"] == ["INBOX", "STARRED"]
    assert all(r["messages"] == [{"id": message["id"], "threadId": message["threadId"]}] for r in records)


def test_no_op_modify_records_nothing(gmail):
    message = import_mail(gmail, make_mail())
    start = _start(gmail)
    gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["INBOX"]}).execute()
    assert "history" not in _history(gmail, start)


def test_message_history_id_tracks_its_last_change(gmail):
    message = import_mail(gmail, make_mail())
    before = gmail.users().messages().get(userId="me", id=message["id"], format="minimal").execute()["historyId"]
    gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["STARRED"]}).execute()
    after = gmail.users().messages().get(userId="me", id=message["id"], format="minimal").execute()["historyId"]
    assert int(after) > int(before) and after == str(_start(gmail))


def test_filters_by_type_and_label_and_pages(gmail):
    start = _start(gmail)
    ids = [import_mail(gmail, make_mail(f"m{n}"))["id"] for n in range(5)]
    gmail.users().messages().modify(userId="me", id=ids[0], body={"addLabelIds": ["STARRED"]}).execute()
    added = _history(gmail, start, historyTypes=["messageAdded"])
    assert len(added["history"]) == 5 and all("messagesAdded" in r for r in added["history"])
    starred = _history(gmail, start, labelId="STARRED")
    assert [r["labelsAdded"][0]["message"]["id"] for r in starred["history"]] == [ids[0]]
    seen, token = [], None
    while True:
        page = _history(gmail, start, maxResults=2, pageToken=token)
        seen.extend(r["id"] for r in page.get("history", []))
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(seen) == 6 and seen == sorted(seen, key=int)


def test_start_before_horizon_is_404(emulator, gmail):
    start = _start(gmail)
    import_mail(gmail, make_mail())
    emulator.control.expire_history()
    with pytest.raises(HttpError) as info:
        _history(gmail, start)
    assert info.value.status_code == 404
    fresh = _start(gmail)
    import_mail(gmail, make_mail("after"))
    assert len(_history(gmail, fresh)["history"]) == 1


def test_max_age_horizon_uses_the_clock():
    from gmail_emulator.testing import EmulatorServer

    now = [1_800_000_000.0]
    with EmulatorServer(clock=lambda: now[0], history_max_age_s=3600) as server:
        gmail = server.service()
        start = _start(gmail)
        import_mail(gmail, make_mail())
        assert len(_history(gmail, start)["history"]) == 1
        now[0] += 7200
        with pytest.raises(HttpError) as info:
            _history(gmail, start)
        assert info.value.status_code == 404


def test_future_start_gives_empty_history_and_current_id(gmail):
    current = _start(gmail)
    assert _history(gmail, current + 1000) == {"historyId": str(current)}
