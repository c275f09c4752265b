"""The label scheme, pure: names, colours, wanted labels, INBOX and the difference. No database, no Gmail."""

from __future__ import annotations

import pytest

from app.models.enums import Priority, Status
from gmail_emulator.labels import PALETTE
from labels.scheme import (
    FLAGS,
    INBOX,
    LabelScheme,
    TicketLabelState,
    inbox_wanted,
    safe_level,
)

SCHEME = LabelScheme()


def state(**kwargs: object) -> TicketLabelState:
    values: dict[str, object] = {"status": Status.NEW, "line": "1st line", "priority": Priority.NORMAL}
    values.update(kwargs)
    return TicketLabelState(**values)  # type: ignore[arg-type]


def test_names_follow_the_scheme() -> None:
    assert SCHEME.status(Status.IN_PROGRESS) == "Helpdesk/Status/In progress"
    assert SCHEME.line("2nd line") == "Helpdesk/Line/2nd line"
    assert SCHEME.priority(Priority.URGENT) == "Helpdesk/Priority/Urgent"
    assert SCHEME.agent("Lisa") == "Helpdesk/Agent/Lisa"
    assert [SCHEME.flag(f) for f in FLAGS] == ["Helpdesk/Overdue", "Helpdesk/Ignored", "Helpdesk/Development",
                                               "Helpdesk/Phantom"]
    assert LabelScheme("Support").status(Status.DONE) == "Support/Status/Done"
    with pytest.raises(ValueError):
        SCHEME.flag("sticky")


def test_line_and_agent_names_are_made_one_safe_level() -> None:
    assert safe_level("Sales/EMEA") == "Sales\u2215EMEA"
    assert safe_level("  Anna   Maria ") == "Anna Maria"
    assert safe_level(" / ") == "\u2215" and safe_level("   ") == "-"
    assert SCHEME.line("Sales/EMEA").count("/") == 2
    assert SCHEME.agent("a/b/c") == "Helpdesk/Agent/a\u2215b\u2215c"


def test_every_status_and_priority_has_a_palette_colour_and_nothing_else_does() -> None:
    for status in Status:
        background, text = SCHEME.colour(SCHEME.status(status)) or ("", "")
        assert background in PALETTE and text in PALETTE
    for priority in Priority:
        background, text = SCHEME.colour(SCHEME.priority(priority)) or ("", "")
        assert background in PALETTE and text in PALETTE
    assert len({SCHEME.colour(SCHEME.status(s)) for s in Status}) == len(Status)
    assert SCHEME.colour(SCHEME.line("1st line")) is None and SCHEME.colour(SCHEME.flag("overdue")) is None


def test_wanted_labels_hold_one_of_each_kind_and_the_flags() -> None:
    wanted = SCHEME.wanted_labels(state(status=Status.ASSIGNED, assignee="Lisa", flags=frozenset({"overdue"})))
    assert wanted == {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal",
                      "Helpdesk/Agent/Lisa", "Helpdesk/Overdue"}
    assert SCHEME.wanted_labels(state()) == {"Helpdesk/Status/New", "Helpdesk/Line/1st line",
                                             "Helpdesk/Priority/Normal"}


@pytest.mark.parametrize("status", list(Status))
def test_only_done_and_completed_leave_the_inbox(status: Status) -> None:
    assert inbox_wanted(status) is (status not in (Status.DONE, Status.COMPLETED))
    assert (INBOX in SCHEME.thread_labels(state(status=status))) is inbox_wanted(status)


def test_diff_touches_only_our_labels_and_inbox() -> None:
    current = {"INBOX", "UNREAD", "STARRED", "Label_99", "Customers/VIP", "Helpdesk/Status/New", "Helpdesk/Overdue",
               "Helpdesk/Line/1st line"}
    wanted = {"Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Agent/Lisa"}
    add, remove = SCHEME.diff(current, wanted)
    assert add == {"Helpdesk/Status/Assigned", "Helpdesk/Agent/Lisa"}
    assert remove == {"Helpdesk/Status/New", "Helpdesk/Overdue", "INBOX"}
    assert SCHEME.diff(current, wanted | {"INBOX", "Helpdesk/Status/New", "Helpdesk/Overdue"}) == (
        {"Helpdesk/Status/Assigned", "Helpdesk/Agent/Lisa"}, frozenset())


def test_diff_compares_names_as_gmail_does_case_insensitively() -> None:
    assert SCHEME.diff({"helpdesk/agent/lisa"}, {"Helpdesk/Agent/Lisa"}) == (frozenset(), frozenset())
    assert SCHEME.diff({"Helpdeskish/Foo"}, set()) == (frozenset(), frozenset())  # not under the prefix


def test_thread_diff_brings_every_message_to_the_same_labels() -> None:
    wanted = SCHEME.thread_labels(state(status=Status.ASSIGNED, assignee="Lisa"))
    old = ["INBOX", "UNREAD", "Helpdesk/Status/New", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal"]
    later = ["INBOX", "UNREAD"]  # arrived after the last push: no labels yet
    add, remove = SCHEME.thread_diff([old, later], wanted)
    assert add == wanted - {"INBOX"}
    assert remove == {"Helpdesk/Status/New"}


def test_thread_diff_handles_inbox_per_thread() -> None:
    active = SCHEME.thread_labels(state())
    ours = sorted(active - {"INBOX"})
    sent_reply = ["SENT", *ours]
    assert SCHEME.thread_diff([["INBOX", *ours], sent_reply], active) == (frozenset(), frozenset())
    assert SCHEME.thread_diff([ours, sent_reply], active) == ({"INBOX"}, frozenset())
    done = SCHEME.thread_labels(state(status=Status.DONE))
    add, remove = SCHEME.thread_diff([["INBOX", *ours], sent_reply], done)
    assert add == {"Helpdesk/Status/Done"} and remove == {"Helpdesk/Status/New", "INBOX"}
