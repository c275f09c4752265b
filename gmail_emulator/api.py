"""One function per Gmail API method, keyed by the discovery document's method id.

Each handler receives a `Call` — the resolved mailbox, path variables, query parameters, the checked JSON body,
and for /upload/ requests the uploaded message bytes — and returns the JSON response (None = 204 No Content).
Handlers stay thin: decoding is `params`, behaviour is `store`/`listing`/`history`/`push`/`sending`, shape is
`render`. Limits: a message is at most 35 MB for send and 50 MB for insert/import (Gmail's documented sizes).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from gmail_emulator import history, labels, listing, params, render, sending
from gmail_emulator.errors import invalid_argument
from gmail_emulator.push import PushNotifier
from gmail_emulator.store import Store, check_id

SEND_LIMIT = 35 * 1024 * 1024
INSERT_LIMIT = 50 * 1024 * 1024
MAX_BATCH_IDS = 1000


@dataclass
class Call:
    store: Store
    push: PushNotifier
    address: str
    path: dict[str, str]
    query: MultiDict[str, str]
    body: dict[str, Any]
    media: bytes | None = None


Handler = Callable[[Call], Any]
HANDLERS: dict[str, Handler] = {}


def method(method_id: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[f"gmail.users.{method_id}"] = fn
        return fn
    return register


# -- profile, watch ------------------------------------------------------------------------------------------
@method("getProfile")
def get_profile(c: Call) -> Any:
    return c.store.profile(c.address)


@method("watch")
def watch(c: Call) -> Any:
    return c.push.watch(c.address, c.body)


@method("stop")
def stop(c: Call) -> Any:
    c.push.stop(c.address)


@method("history.list")
def history_list(c: Call) -> Any:
    start = params.get_int(c.query, "startHistoryId")
    if start is None:
        raise invalid_argument("startHistoryId is required")
    types = c.query.getlist("historyTypes")
    for kind in types:
        if kind not in history.HISTORY_TYPES:
            raise invalid_argument(f"Invalid historyTypes value: {kind}")
    max_age = c.store.config.history_max_age_s
    with c.store.db.tx() as conn:
        if max_age is not None:
            history.prune(conn, c.address, older_than=c.store.clock() - max_age)
        return history.list_history(conn, c.address, start=start, types=types or None,
                                    label_id=c.query.get("labelId"), max_results=params.max_results(c.query),
                                    page_token=c.query.get("pageToken"))


# -- labels --------------------------------------------------------------------------------------------------
@method("labels.list")
def labels_list(c: Call) -> Any:
    with c.store.db.tx() as conn:
        return {"labels": labels.list_labels(conn, c.address)}


@method("labels.get")
def labels_get(c: Call) -> Any:
    with c.store.db.tx() as conn:
        row = labels.get_row(conn, c.address, c.path["id"])
        return labels.resource(row, labels.counts(conn, c.address, row["id"]))


@method("labels.create")
def labels_create(c: Call) -> Any:
    with c.store.db.tx() as conn:
        return labels.create(conn, c.address, c.body)


@method("labels.update")
def labels_update(c: Call) -> Any:
    with c.store.db.tx() as conn:
        return labels.update(conn, c.address, c.path["id"], c.body, patch=False)


@method("labels.patch")
def labels_patch(c: Call) -> Any:
    with c.store.db.tx() as conn:
        return labels.update(conn, c.address, c.path["id"], c.body, patch=True)


@method("labels.delete")
def labels_delete(c: Call) -> Any:
    with c.store.db.tx() as conn:
        labels.delete(conn, c.address, c.path["id"])


# -- messages ------------------------------------------------------------------------------------------------
def _list_args(c: Call) -> dict[str, Any]:
    return {"label_ids": c.query.getlist("labelIds"), "q": c.query.get("q"),
            "include_spam_trash": params.get_bool(c.query, "includeSpamTrash"),
            "max_results": params.max_results(c.query), "page_token": c.query.get("pageToken")}


@method("messages.list")
def messages_list(c: Call) -> Any:
    return listing.list_messages(c.store, c.address, **_list_args(c))


def _message(c: Call, message_id: str, fmt: str = "full", headers: list[str] | None = None) -> dict[str, Any]:
    with c.store.db.tx() as conn:
        row = c.store.message_row(conn, c.address, message_id)
        return render.message(c.store, conn, c.address, row, fmt, headers)


def _label_view(c: Call, message_id: str) -> dict[str, Any]:
    """What modify/trash/untrash return: id, threadId, labelIds."""
    full = _message(c, message_id, "minimal")
    return {key: full[key] for key in ("id", "threadId", "labelIds") if key in full}


@method("messages.get")
def messages_get(c: Call) -> Any:
    fmt = params.get_enum(c.query, "format", render.MESSAGE_FORMATS, "full")
    return _message(c, c.path["id"], fmt, c.query.getlist("metadataHeaders"))


def _raw(c: Call, limit: int) -> bytes:
    raw = c.media if c.media is not None else params.decode_raw(c.body.get("raw"))
    if len(raw) > limit:
        raise invalid_argument(f"Request payload size exceeds the limit: {limit} bytes.")
    return raw


def _thread_id(c: Call) -> str | None:
    thread_id = c.body.get("threadId")
    if thread_id is not None and not isinstance(thread_id, str):
        raise invalid_argument("Invalid thread_id value")
    return thread_id or None


@method("messages.insert")
def messages_insert(c: Call) -> Any:
    source = params.get_enum(c.query, "internalDateSource", ("receivedTime", "dateHeader"), "receivedTime")
    params.get_bool(c.query, "deleted")
    message_id = c.store.add_message(c.address, _raw(c, INSERT_LIMIT), label_ids=params.string_list(c.body, "labelIds"),
                                     thread_id=_thread_id(c), date_source=source)
    return _label_view(c, message_id)


@method("messages.import")
def messages_import(c: Call) -> Any:
    source = params.get_enum(c.query, "internalDateSource", ("receivedTime", "dateHeader"), "dateHeader")
    for flag in ("deleted", "neverMarkSpam", "processForCalendar"):
        params.get_bool(c.query, flag)
    wanted = params.string_list(c.body, "labelIds")
    if "INBOX" in wanted and "UNREAD" not in wanted:
        wanted = [*wanted, "UNREAD"]
    message_id = c.store.add_message(c.address, _raw(c, INSERT_LIMIT), label_ids=wanted, thread_id=_thread_id(c),
                                     date_source=source)
    return _label_view(c, message_id)


@method("messages.send")
def messages_send(c: Call) -> Any:
    message_id = sending.send(c.store, c.address, _raw(c, SEND_LIMIT), _thread_id(c))
    return _label_view(c, message_id)


@method("messages.modify")
def messages_modify(c: Call) -> Any:
    c.store.modify(c.address, [c.path["id"]], params.string_list(c.body, "addLabelIds"),
                   params.string_list(c.body, "removeLabelIds"))
    return _label_view(c, c.path["id"])


def _batch_ids(c: Call) -> list[str]:
    ids = params.string_list(c.body, "ids")
    if len(ids) > MAX_BATCH_IDS:
        raise invalid_argument(f"Too many ids: at most {MAX_BATCH_IDS}")
    for message_id in ids:
        check_id(message_id)
    return ids


@method("messages.batchModify")
def messages_batch_modify(c: Call) -> Any:
    c.store.modify(c.address, _batch_ids(c), params.string_list(c.body, "addLabelIds"),
                   params.string_list(c.body, "removeLabelIds"), missing_ok=True)


@method("messages.batchDelete")
def messages_batch_delete(c: Call) -> Any:
    c.store.delete(c.address, _batch_ids(c), missing_ok=True)


@method("messages.trash")
def messages_trash(c: Call) -> Any:
    c.store.trash(c.address, [c.path["id"]])
    return _label_view(c, c.path["id"])


@method("messages.untrash")
def messages_untrash(c: Call) -> Any:
    c.store.untrash(c.address, [c.path["id"]])
    return _label_view(c, c.path["id"])


@method("messages.delete")
def messages_delete(c: Call) -> Any:
    c.store.delete(c.address, [c.path["id"]])


@method("messages.attachments.get")
def attachments_get(c: Call) -> Any:
    with c.store.db.tx() as conn:
        row = c.store.message_row(conn, c.address, c.path["messageId"])
        parsed = c.store.parsed(c.address, row)
    data = parsed.attachments.get(c.path["id"])
    if data is None:
        raise invalid_argument("Invalid attachment token")
    return {"size": len(data), "data": base64.urlsafe_b64encode(data).decode("ascii")}


# -- threads -------------------------------------------------------------------------------------------------
@method("threads.list")
def threads_list(c: Call) -> Any:
    return listing.list_threads(c.store, c.address, **_list_args(c))


def _thread_ids(c: Call) -> list[str]:
    with c.store.db.tx() as conn:
        return c.store.thread_message_ids(conn, c.address, c.path["id"])


def _thread_label_view(c: Call) -> dict[str, Any]:
    return {"id": c.path["id"], "messages": [_label_view(c, mid) for mid in _thread_ids(c)]}


@method("threads.get")
def threads_get(c: Call) -> Any:
    fmt = params.get_enum(c.query, "format", render.THREAD_FORMATS, "full")
    with c.store.db.tx() as conn:
        return render.thread(c.store, conn, c.address, c.path["id"], fmt, c.query.getlist("metadataHeaders"))


@method("threads.modify")
def threads_modify(c: Call) -> Any:
    c.store.modify(c.address, _thread_ids(c), params.string_list(c.body, "addLabelIds"),
                   params.string_list(c.body, "removeLabelIds"))
    return _thread_label_view(c)


@method("threads.trash")
def threads_trash(c: Call) -> Any:
    c.store.trash(c.address, _thread_ids(c))
    return _thread_label_view(c)


@method("threads.untrash")
def threads_untrash(c: Call) -> Any:
    c.store.untrash(c.address, _thread_ids(c))
    return _thread_label_view(c)


@method("threads.delete")
def threads_delete(c: Call) -> Any:
    c.store.delete(c.address, _thread_ids(c))
