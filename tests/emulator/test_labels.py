"""Labels: the system set, user labels' naming and colour rules, and labels living on messages."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.emulator.conftest import import_mail, make_mail

SYSTEM = {"INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "TRASH", "SPAM", "CHAT", "CATEGORY_PERSONAL",
          "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS"}


def _create(gmail, name, **extra):
    return gmail.users().labels().create(userId="me", body={"name": name, **extra}).execute()


def _error(call) -> HttpError:
    with pytest.raises(HttpError) as info:
        call.execute()
    return info.value


def test_system_labels_exist_and_are_typed_system(gmail):
    found = {label["id"]: label for label in gmail.users().labels().list(userId="me").execute()["labels"]}
    assert SYSTEM <= set(found)
    assert all(found[label_id]["type"] == "system" for label_id in SYSTEM)


def test_user_labels_nest_and_get_label_ids(gmail):
    parent = _create(gmail, "Helpdesk")
    child = _create(gmail, "Helpdesk/Line/1st line")
    assert parent["id"].startswith("Label_") and child["id"] != parent["id"]
    assert child["type"] == "user" and child["name"] == "Helpdesk/Line/1st line"
    assert child["labelListVisibility"] == "labelShow" and child["messageListVisibility"] == "show"


@pytest.mark.parametrize("name", ["INBOX", "inbox", "Sent", "Drafts", "Trash", "Muted", "SPAM", "", " ", "a//b",
                                  "trailing/", " padded"])
def test_reserved_or_malformed_names_are_invalid(gmail, name):
    error = _error(gmail.users().labels().create(userId="me", body={"name": name}))
    assert error.status_code == 400
    assert error.reason == "Invalid label name"


def test_names_are_unique_case_insensitively(gmail):
    _create(gmail, "Billing")
    error = _error(gmail.users().labels().create(userId="me", body={"name": "BILLING"}))
    assert error.status_code == 409
    assert "exists or conflicts" in error.reason


def test_colours_only_from_the_palette_and_both_required(gmail):
    label = _create(gmail, "Urgent", color={"backgroundColor": "#fb4c2f", "textColor": "#ffffff"})
    assert label["color"] == {"backgroundColor": "#fb4c2f", "textColor": "#ffffff"}
    for color in ({"backgroundColor": "#123456", "textColor": "#ffffff"}, {"backgroundColor": "#fb4c2f"}):
        error = _error(gmail.users().labels().create(userId="me", body={"name": "Other", "color": color}))
        assert error.status_code == 400


def test_patch_changes_only_given_fields_and_update_replaces(gmail):
    label = _create(gmail, "Waiting", color={"backgroundColor": "#16a766", "textColor": "#000000"})
    patched = gmail.users().labels().patch(userId="me", id=label["id"], body={"name": "Waiting/Customer"}).execute()
    assert patched["name"] == "Waiting/Customer" and patched["color"]["backgroundColor"] == "#16a766"
    updated = gmail.users().labels().update(
        userId="me", id=label["id"],
        body={"name": "Pending", "labelListVisibility": "labelHide", "messageListVisibility": "hide"}).execute()
    assert updated["name"] == "Pending" and "color" not in updated
    assert updated["labelListVisibility"] == "labelHide"


def test_system_labels_cannot_be_renamed_or_deleted(gmail):
    assert _error(gmail.users().labels().patch(userId="me", id="INBOX", body={"name": "Box"})).status_code == 400
    assert _error(gmail.users().labels().delete(userId="me", id="INBOX")).status_code == 400


def test_unknown_label_is_404(gmail):
    assert _error(gmail.users().labels().get(userId="me", id="Label_999")).status_code == 404


def test_labels_live_on_messages_and_counts_follow(gmail):
    label = _create(gmail, "Tickets")
    first = import_mail(gmail, make_mail("One"))
    import_mail(gmail, make_mail("Two"))
    gmail.users().messages().modify(userId="me", id=first["id"], body={"addLabelIds": [label["id"]]}).execute()
    got = gmail.users().labels().get(userId="me", id=label["id"]).execute()
    assert (got["messagesTotal"], got["messagesUnread"], got["threadsTotal"], got["threadsUnread"]) == (1, 1, 1, 1)
    inbox = gmail.users().labels().get(userId="me", id="INBOX").execute()
    assert inbox["messagesTotal"] == 2
    gmail.users().labels().delete(userId="me", id=label["id"]).execute()
    message = gmail.users().messages().get(userId="me", id=first["id"], format="minimal").execute()
    assert label["id"] not in message["labelIds"]


@pytest.mark.parametrize("label_id", ["SENT", "DRAFT"])
def test_sent_and_draft_cannot_be_applied_by_hand(gmail, label_id):
    message = import_mail(gmail, make_mail())
    error = _error(gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": [label_id]}))
    assert error.status_code == 400


def test_modify_with_unknown_label_is_400_and_changes_nothing(gmail):
    message = import_mail(gmail, make_mail())
    error = _error(gmail.users().messages().modify(
        userId="me", id=message["id"], body={"addLabelIds": ["STARRED", "Label_404"]}))
    assert error.status_code == 400
    after = gmail.users().messages().get(userId="me", id=message["id"], format="minimal").execute()
    assert "STARRED" not in after["labelIds"]
