"""The label scheme: from a ticket's state to the Gmail label names it wants, and from a thread's current labels
to the smallest change that makes them right. Pure: no database, no Gmail, so every rule is tested alone.

Names (prefix from the setup file, default "Helpdesk"):
    <prefix>/Status/<New | Assigned | In progress | Waiting | Done | Completed | Reopened>
    <prefix>/Line/<line name>      <prefix>/Priority/<Low | Normal | High | Urgent>      <prefix>/Agent/<agent name>
    <prefix>/Overdue  <prefix>/Ignored  <prefix>/Development  <prefix>/Phantom
A ticket wants exactly one Status, one Line and one Priority label, at most one Agent label, and its flags.

Line and agent names are made safe before they become one level of a label name: Gmail nests on "/", so a "/"
inside a name is replaced by "∕" (U+2215 DIVISION SLASH, which looks the same but does not nest), and runs of
whitespace become one space with none at the ends (Gmail refuses blank or padded levels). An empty name becomes "-".

Only labels under the prefix, and INBOX, are ever touched: an agent's own labels, STARRED, UNREAD… are left alone.
Gmail compares label names case-insensitively, and so does `diff`. INBOX is thread-level, as Gmail shows it:
a thread that should be in the inbox and has a message there is left as it is (our replies, SENT only, are not
pushed into the inbox); one that should not be loses INBOX on every message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from app.models.enums import Priority, Status

INBOX = "INBOX"
FLAGS = ("overdue", "ignored", "development", "phantom")  # Ticket.flag_<name>
STATUS_NAMES: dict[Status, str] = {
    Status.NEW: "New", Status.ASSIGNED: "Assigned", Status.IN_PROGRESS: "In progress", Status.WAITING: "Waiting",
    Status.DONE: "Done", Status.COMPLETED: "Completed", Status.REOPENED: "Reopened",
}
PRIORITY_NAMES: dict[Priority, str] = {
    Priority.LOW: "Low", Priority.NORMAL: "Normal", Priority.HIGH: "High", Priority.URGENT: "Urgent",
}
# Gmail's fixed palette only (background, text); Gmail refuses any other value.
WHITE, BLACK = "#ffffff", "#000000"
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.NEW: ("#4a86e8", WHITE), Status.ASSIGNED: ("#a479e2", WHITE), Status.IN_PROGRESS: ("#ffad47", BLACK),
    Status.WAITING: ("#fad165", BLACK), Status.DONE: ("#16a766", WHITE), Status.COMPLETED: ("#999999", WHITE),
    Status.REOPENED: ("#fb4c2f", WHITE),
}
PRIORITY_COLOURS: dict[Priority, tuple[str, str]] = {
    Priority.LOW: ("#cccccc", BLACK), Priority.NORMAL: ("#c9daf8", BLACK), Priority.HIGH: ("#ffbc6b", BLACK),
    Priority.URGENT: ("#cc3a21", WHITE),
}
LEAVES_INBOX = frozenset({Status.DONE, Status.COMPLETED})


@dataclass(frozen=True)
class TicketLabelState:
    """What of a ticket shows in Gmail."""

    status: Status
    line: str
    priority: Priority
    assignee: str | None = None
    flags: frozenset[str] = field(default_factory=frozenset)  # names from FLAGS


def safe_level(name: str) -> str:
    """`name` as one level of a label name: no "/" (replaced by "∕"), no padding, never empty."""
    return " ".join(name.replace("/", "\u2215").split()) or "-"


def inbox_wanted(status: Status) -> bool:
    """Done and Completed tickets leave the inbox; every other status (Reopened too) is in it."""
    return status not in LEAVES_INBOX


class LabelScheme:
    """The label names and colours under one prefix."""

    def __init__(self, prefix: str = "Helpdesk") -> None:
        self.prefix = "/".join(safe_level(part) for part in prefix.split("/"))
        self._ours = self.prefix.casefold() + "/"

    def status(self, status: Status) -> str:
        return f"{self.prefix}/Status/{STATUS_NAMES[status]}"

    def line(self, name: str) -> str:
        return f"{self.prefix}/Line/{safe_level(name)}"

    def priority(self, priority: Priority) -> str:
        return f"{self.prefix}/Priority/{PRIORITY_NAMES[priority]}"

    def agent(self, name: str) -> str:
        return f"{self.prefix}/Agent/{safe_level(name)}"

    def flag(self, flag: str) -> str:
        if flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r}")
        return f"{self.prefix}/{flag.capitalize()}"

    def is_ours(self, name: str) -> bool:
        return name.casefold().startswith(self._ours)

    def colour(self, name: str) -> tuple[str, str] | None:
        """(backgroundColor, textColor) for a status or priority label; None for the others."""
        for status, colour in STATUS_COLOURS.items():
            if self.status(status).casefold() == name.casefold():
                return colour
        for priority, colour in PRIORITY_COLOURS.items():
            if self.priority(priority).casefold() == name.casefold():
                return colour
        return None

    def wanted_labels(self, state: TicketLabelState) -> frozenset[str]:
        """Exactly one Status, Line and Priority label, at most one Agent label, and the flags."""
        names = {self.status(state.status), self.line(state.line), self.priority(state.priority)}
        if state.assignee is not None:
            names.add(self.agent(state.assignee))
        names.update(self.flag(flag) for flag in state.flags)
        return frozenset(names)

    def thread_labels(self, state: TicketLabelState) -> frozenset[str]:
        """`wanted_labels`, plus INBOX when the status keeps the ticket in the inbox."""
        wanted = self.wanted_labels(state)
        return wanted | {INBOX} if inbox_wanted(state.status) else wanted

    def diff(self, current: Iterable[str], wanted: Collection[str]) -> tuple[frozenset[str], frozenset[str]]:
        """(add, remove) turning `current` into `wanted` for our labels and INBOX; other labels are ignored.
        Names compare case-insensitively, as Gmail's do; `add` holds the names as `wanted` spells them."""
        managed = [name for name in current if self.is_ours(name) or name == INBOX]
        have = {name.casefold() for name in managed}
        want = {name.casefold() for name in wanted}
        add = frozenset(name for name in wanted if name.casefold() not in have)
        remove = frozenset(name for name in managed if name.casefold() not in want)
        return add, remove

    def thread_diff(self, messages: Iterable[Collection[str]], wanted: Collection[str]
                    ) -> tuple[frozenset[str], frozenset[str]]:
        """(add, remove) for one threads.modify after which every message carries exactly `wanted`'s Linedesk
        labels; INBOX is added only when no message is in the inbox, and removed from all when unwanted."""
        ours_wanted = [name for name in wanted if name != INBOX]
        add: set[str] = set()
        remove: set[str] = set()
        in_inbox = False
        for labels in messages:
            in_inbox = in_inbox or INBOX in labels
            message_add, message_remove = self.diff([n for n in labels if n != INBOX], ours_wanted)
            add |= message_add
            remove |= message_remove
        if INBOX in wanted and not in_inbox:
            add.add(INBOX)
        elif INBOX not in wanted and in_inbox:
            remove.add(INBOX)
        return frozenset(add), frozenset(remove)

    def change_from(self, pushed: Collection[str], state: TicketLabelState, *, added: Iterable[str] = (),
                    removed: Iterable[str] = ()) -> tuple[frozenset[str], frozenset[str]] | None:
        """(add, remove) for one threads.modify, without reading the thread first, when every message of it
        carried exactly `pushed` (the labels the last push left) and nothing else of ours, except for labels
        `added` to or `removed` from some of its messages since (an agent's changes, read from history); None
        when only a read can tell: `pushed` names no status, or the ticket comes back into the inbox (INBOX is
        added only to a thread with no message there). A ticket leaving the inbox loses INBOX on every message."""
        before = next((status for status in Status if self.status(status).casefold()
                       in {name.casefold() for name in pushed}), None)
        if before is None or (inbox_wanted(state.status) and not inbox_wanted(before)):
            return None
        wanted = self.wanted_labels(state)
        gone = {name.casefold() for name in removed}
        surely = [name for name in pushed if self.is_ours(name) and name.casefold() not in gone]
        maybe = [name for name in [*pushed, *added] if self.is_ours(name)]
        add, remove = self.diff(surely, wanted)[0], self.diff(maybe, wanted)[1]
        if inbox_wanted(before) and not inbox_wanted(state.status):
            remove = remove | {INBOX}
        return add, remove
