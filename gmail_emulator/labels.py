"""Gmail labels: the fixed system set, user labels, and the rules Gmail enforces on them.

System labels (INBOX, SENT, …, CATEGORY_*) exist in every mailbox from the start and can be neither created,
renamed nor deleted. User labels get ids `Label_<n>`, nest with `/` ("Helpdesk/Line/1st line"), have names
unique case-insensitively (a clash is 409 "Label name exists or conflicts"), may not reuse a reserved name
(400 "Invalid label name"), and take colours only from Gmail's fixed palette, background and text together.
Labels live on messages (table message_labels); a label's counts are computed from there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from gmail_emulator.errors import ApiError, invalid_argument, not_found

_HIDDEN = {"messageListVisibility": "hide", "labelListVisibility": "labelHide"}
SYSTEM_LABELS: dict[str, dict[str, str]] = {
    "CHAT": _HIDDEN,
    "SENT": {},
    "INBOX": {},
    "IMPORTANT": _HIDDEN,
    "TRASH": _HIDDEN,
    "DRAFT": _HIDDEN,
    "SPAM": _HIDDEN,
    "CATEGORY_FORUMS": _HIDDEN,
    "CATEGORY_UPDATES": _HIDDEN,
    "CATEGORY_PERSONAL": _HIDDEN,
    "CATEGORY_PROMOTIONS": _HIDDEN,
    "CATEGORY_SOCIAL": _HIDDEN,
    "STARRED": {},
    "UNREAD": {},
}
NOT_APPLICABLE_BY_HAND = frozenset({"SENT", "DRAFT"})
RESERVED_NAMES = frozenset(
    name.casefold()
    for name in [*SYSTEM_LABELS, "Inbox", "Sent", "Sent Mail", "Drafts", "Draft", "Trash", "Spam", "Starred",
                 "Important", "Unread", "Chat", "Chats", "Muted", "All Mail", "Snoozed", "Scheduled", "Outbox",
                 "Bin", "Social", "Updates", "Forums", "Promotions", "Personal"]
)
PALETTE = frozenset("""
#000000 #434343 #666666 #999999 #cccccc #efefef #f3f3f3 #ffffff #fb4c2f #ffad47 #fad165 #16a766 #43d692
#4a86e8 #a479e2 #f691b3 #f6c5be #ffe6c7 #fef1d1 #b9e4d0 #c6f3de #c9daf8 #e4d7f5 #fcdee8 #efa093 #ffd6a2
#fce8b3 #89d3b2 #a0eac9 #a4c2f4 #d0bcf1 #fbc8d9 #e66550 #ffbc6b #fcda83 #44b984 #68dfa9 #6d9eeb #b694e8
#f7a7c0 #cc3a21 #eaa041 #f2c960 #149e60 #3dc789 #3c78d8 #8e63ce #e07798 #ac2b16 #cf8933 #d5ae49 #0b804b
#2a9c68 #285bac #653e9b #b65775 #822111 #a46a21 #aa8831 #076239 #1a764d #1c4587 #41236d #83334c #464646
#e7e7e7 #0d3472 #b6cff5 #0d3b44 #98d7e4 #3d188e #e3d7ff #711a36 #fbd3e0 #8a1c0a #f2b2a8 #7a2e0b #ffc8af
#7a4706 #ffdeb5 #594c05 #fbe983 #684e07 #fdedc1 #0b4f30 #b3efd3 #04502e #a2dcc1 #c2c2c2 #4986e7 #2da2bb
#b99aff #994a64 #f691b2 #ff7537 #ffad46 #662e37 #ebdbde #cca6ac #094228 #42d692 #16a765
""".split())
LABEL_LIST_VISIBILITY = ("labelShow", "labelShowIfUnread", "labelHide")
MESSAGE_LIST_VISIBILITY = ("show", "hide")
MAX_USER_LABELS = 10_000


def install_system_labels(conn: sqlite3.Connection, mailbox: str) -> None:
    for label_id, visibility in SYSTEM_LABELS.items():
        conn.execute(
            "INSERT INTO labels (mailbox, id, name, type, label_list_visibility, message_list_visibility) "
            "VALUES (?, ?, ?, 'system', ?, ?)",
            (mailbox, label_id, label_id, visibility.get("labelListVisibility"),
             visibility.get("messageListVisibility")),
        )


def resource(row: sqlite3.Row, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """The Label resource as Gmail returns it; counts only from labels.get."""
    label: dict[str, Any] = {"id": row["id"], "name": row["name"]}
    if row["message_list_visibility"]:
        label["messageListVisibility"] = row["message_list_visibility"]
    if row["label_list_visibility"]:
        label["labelListVisibility"] = row["label_list_visibility"]
    if row["background_color"]:
        label["color"] = {"backgroundColor": row["background_color"], "textColor": row["text_color"]}
    label["type"] = row["type"]
    if counts is not None:
        label.update(counts)
    return label


def list_labels(conn: sqlite3.Connection, mailbox: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM labels WHERE mailbox = ? ORDER BY rowid", (mailbox,)).fetchall()
    return [resource(row) for row in rows]


def get_row(conn: sqlite3.Connection, mailbox: str, label_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM labels WHERE mailbox = ? AND id = ?", (mailbox, label_id)).fetchone()
    if row is None:
        raise not_found()
    return row


def counts(conn: sqlite3.Connection, mailbox: str, label_id: str) -> dict[str, int]:
    row = conn.execute(
        """SELECT COUNT(*) AS mt, COUNT(DISTINCT m.thread_id) AS tt,
                  SUM(u.label_id IS NOT NULL) AS mu, COUNT(DISTINCT CASE WHEN u.label_id IS NOT NULL
                  THEN m.thread_id END) AS tu
           FROM message_labels l JOIN messages m ON m.mailbox = l.mailbox AND m.id = l.message_id
           LEFT JOIN message_labels u ON u.mailbox = l.mailbox AND u.message_id = l.message_id
                AND u.label_id = 'UNREAD'
           WHERE l.mailbox = ? AND l.label_id = ?""",
        (mailbox, label_id),
    ).fetchone()
    return {"messagesTotal": row["mt"], "messagesUnread": row["mu"] or 0, "threadsTotal": row["tt"],
            "threadsUnread": row["tu"]}


def create(conn: sqlite3.Connection, mailbox: str, body: dict[str, Any]) -> dict[str, Any]:
    fields = _validated(conn, mailbox, body, current=None)
    number = conn.execute("SELECT next_label FROM mailboxes WHERE address = ?", (mailbox,)).fetchone()[0]
    if conn.execute("SELECT COUNT(*) FROM labels WHERE mailbox = ? AND type = 'user'", (mailbox,)).fetchone()[0] \
            >= MAX_USER_LABELS:
        raise invalid_argument("Too many labels")
    conn.execute("UPDATE mailboxes SET next_label = next_label + 1 WHERE address = ?", (mailbox,))
    label_id = f"Label_{number}"
    conn.execute(
        "INSERT INTO labels (mailbox, id, name, type, label_list_visibility, message_list_visibility, "
        "background_color, text_color) VALUES (?, ?, ?, 'user', ?, ?, ?, ?)",
        (mailbox, label_id, fields["name"], fields["llv"], fields["mlv"], fields["bg"], fields["fg"]),
    )
    return resource(get_row(conn, mailbox, label_id))


def update(conn: sqlite3.Connection, mailbox: str, label_id: str, body: dict[str, Any], *, patch: bool
           ) -> dict[str, Any]:
    row = get_row(conn, mailbox, label_id)
    if "id" in body and body["id"] != label_id:
        raise invalid_argument("Invalid label id in request body")
    if row["type"] == "system":
        raise invalid_argument("Invalid update request")
    if patch:
        merged: dict[str, Any] = {"name": row["name"], "labelListVisibility": row["label_list_visibility"],
                                  "messageListVisibility": row["message_list_visibility"]}
        if row["background_color"]:
            merged["color"] = {"backgroundColor": row["background_color"], "textColor": row["text_color"]}
        merged.update({k: v for k, v in body.items() if v is not None})
        body = merged
    fields = _validated(conn, mailbox, body, current=label_id)
    conn.execute(
        "UPDATE labels SET name = ?, label_list_visibility = ?, message_list_visibility = ?, "
        "background_color = ?, text_color = ? WHERE mailbox = ? AND id = ?",
        (fields["name"], fields["llv"], fields["mlv"], fields["bg"], fields["fg"], mailbox, label_id),
    )
    return resource(get_row(conn, mailbox, label_id))


def delete(conn: sqlite3.Connection, mailbox: str, label_id: str) -> None:
    row = get_row(conn, mailbox, label_id)
    if row["type"] == "system":
        raise invalid_argument("Invalid delete request")
    conn.execute("DELETE FROM message_labels WHERE mailbox = ? AND label_id = ?", (mailbox, label_id))
    conn.execute("DELETE FROM labels WHERE mailbox = ? AND id = ?", (mailbox, label_id))


def check_applicable(conn: sqlite3.Connection, mailbox: str, label_ids: list[str], *, by_hand: bool) -> None:
    """Refuse unknown labels, and SENT/DRAFT when a client tries to apply them itself (modify)."""
    for label_id in label_ids:
        if not isinstance(label_id, str):
            raise invalid_argument("Invalid label id")
        if by_hand and label_id in NOT_APPLICABLE_BY_HAND:
            raise invalid_argument(f"Invalid label: {label_id}")
        exists = conn.execute("SELECT 1 FROM labels WHERE mailbox = ? AND id = ?", (mailbox, label_id)).fetchone()
        if exists is None:
            raise invalid_argument(f"Invalid label: {label_id}")


def _validated(conn: sqlite3.Connection, mailbox: str, body: dict[str, Any], current: str | None
               ) -> dict[str, str | None]:
    name = body.get("name")
    if not isinstance(name, str) or not _valid_name(name):
        raise invalid_argument("Invalid label name")
    clash = conn.execute(
        "SELECT id FROM labels WHERE mailbox = ? AND lower(name) = lower(?) AND id IS NOT ?", (mailbox, name, current)
    ).fetchone()
    if clash is not None:
        raise ApiError(409, "Label name exists or conflicts", "aborted")
    llv = body.get("labelListVisibility") or "labelShow"
    mlv = body.get("messageListVisibility") or "show"
    if llv not in LABEL_LIST_VISIBILITY:
        raise invalid_argument(f"Invalid value for labelListVisibility: {llv}")
    if mlv not in MESSAGE_LIST_VISIBILITY:
        raise invalid_argument(f"Invalid value for messageListVisibility: {mlv}")
    bg, fg = _colour(body.get("color"))
    return {"name": name, "llv": llv, "mlv": mlv, "bg": bg, "fg": fg}


def _valid_name(name: str) -> bool:
    if not name.strip() or name != name.strip() or name.casefold() in RESERVED_NAMES:
        return False
    parts = name.split("/")
    return all(part.strip() for part in parts)


def _colour(color: Any) -> tuple[str | None, str | None]:
    if color is None or color == {}:
        return None, None
    if not isinstance(color, dict):
        raise invalid_argument("Invalid label color")
    bg, fg = color.get("backgroundColor"), color.get("textColor")
    for role, value in (("backgroundColor", bg), ("textColor", fg)):
        if not isinstance(value, str) or value.lower() not in PALETTE:
            raise invalid_argument(f"Label color {role} {value} is not on the allowed color palette")
    return bg.lower(), fg.lower()
