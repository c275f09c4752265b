"""Threading: Gmail's rule for joining a thread (threadId + References/In-Reply-To + matching Subject)."""

from __future__ import annotations

from tests.emulator.conftest import CUSTOMER, SUPPORT, b64, import_mail, make_mail

ORIGINAL_ID = "<first@example.org>"


def _original(gmail):
    return import_mail(gmail, make_mail("Printer broken", message_id=ORIGINAL_ID))


def _send(gmail, raw, thread_id=None):
    body = {"raw": b64(raw)}
    if thread_id:
        body["threadId"] = thread_id
    return gmail.users().messages().send(userId="me", body=body).execute()


def _reply(subject="Re: Printer broken", *, refs=ORIGINAL_ID):
    return make_mail(subject, sender=SUPPORT, to=CUSTOMER, in_reply_to=refs, references=refs)


def test_reply_with_thread_id_references_and_subject_joins(gmail):
    original = _original(gmail)
    reply = _send(gmail, _reply(), original["threadId"])
    assert reply["threadId"] == original["threadId"]
    thread = gmail.users().threads().get(userId="me", id=original["threadId"], format="minimal").execute()
    assert [m["id"] for m in thread["messages"]] == [original["id"], reply["id"]]


def test_thread_id_with_other_subject_starts_new_thread(gmail):
    original = _original(gmail)
    reply = _send(gmail, _reply("Something else entirely"), original["threadId"])
    assert reply["threadId"] != original["threadId"]


def test_thread_id_without_references_starts_new_thread(gmail):
    original = _original(gmail)
    raw = make_mail("Re: Printer broken", sender=SUPPORT, to=CUSTOMER)
    assert _send(gmail, raw, original["threadId"])["threadId"] != original["threadId"]


def test_incoming_reply_without_thread_id_joins_by_references(gmail):
    original = _original(gmail)
    follow_up = import_mail(gmail, make_mail("RE: Printer broken", message_id="<second@example.org>",
                                             in_reply_to=ORIGINAL_ID, references=ORIGINAL_ID))
    assert follow_up["threadId"] == original["threadId"]
    third = import_mail(gmail, make_mail("Fwd: Re: Printer broken", references=f"{ORIGINAL_ID} <second@example.org>"))
    assert third["threadId"] == original["threadId"]


def test_reference_with_different_subject_starts_new_thread(gmail):
    original = _original(gmail)
    other = import_mail(gmail, make_mail("New question", in_reply_to=ORIGINAL_ID, references=ORIGINAL_ID))
    assert other["threadId"] != original["threadId"]


def test_thread_labels_are_union_and_modify_touches_present_messages_only(gmail):
    original = _original(gmail)
    thread_id = original["threadId"]
    gmail.users().threads().modify(userId="me", id=thread_id, body={"addLabelIds": ["STARRED"]}).execute()
    later = import_mail(gmail, make_mail("Re: Printer broken", in_reply_to=ORIGINAL_ID, references=ORIGINAL_ID))
    assert later["threadId"] == thread_id
    thread = gmail.users().threads().get(userId="me", id=thread_id, format="minimal").execute()
    labels = {m["id"]: set(m.get("labelIds", [])) for m in thread["messages"]}
    assert "STARRED" in labels[original["id"]] and "STARRED" not in labels[later["id"]]
    listed = gmail.users().threads().list(userId="me", labelIds=["STARRED"]).execute()
    assert [t["id"] for t in listed["threads"]] == [thread_id]


def test_thread_trash_untrash_delete(gmail):
    original = _original(gmail)
    import_mail(gmail, make_mail("Re: Printer broken", in_reply_to=ORIGINAL_ID, references=ORIGINAL_ID))
    trashed = gmail.users().threads().trash(userId="me", id=original["threadId"]).execute()
    assert all("TRASH" in m["labelIds"] for m in trashed["messages"])
    assert gmail.users().threads().list(userId="me").execute()["resultSizeEstimate"] == 0
    gmail.users().threads().untrash(userId="me", id=original["threadId"]).execute()
    assert gmail.users().threads().list(userId="me").execute()["resultSizeEstimate"] == 1
    gmail.users().threads().delete(userId="me", id=original["threadId"]).execute()
    assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] == 0
