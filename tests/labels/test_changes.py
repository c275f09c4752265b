"""Gmail → ticket, pure: which label changes become which workflow actions, refusals and notes. No database,
no Gmail (labels.changes)."""

from __future__ import annotations

from app.models.enums import Priority, Status
from labels.changes import Action, LabelChange, ParsedLabel, last_changes, parse, plan
from labels.scheme import LabelScheme, TicketLabelState

SCHEME = LabelScheme()
HELD = TicketLabelState(Status.ASSIGNED, "1st line", Priority.NORMAL, "Lisa")
HELD_LABELS = sorted(SCHEME.wanted_labels(HELD))


def added(name: str, at: int = 10) -> LabelChange:
    return LabelChange(at, name, True)


def removed(name: str, at: int = 10) -> LabelChange:
    return LabelChange(at, name, False)


def test_labels_under_the_prefix_are_read_back_by_kind() -> None:
    assert parse(SCHEME, "Helpdesk/Line/2nd line") == ParsedLabel("line", "2nd line")
    assert parse(SCHEME, "helpdesk/status/in PROGRESS") == ParsedLabel("status", "in PROGRESS")
    assert parse(SCHEME, "Helpdesk/Agent/Lisa") == ParsedLabel("agent", "Lisa")
    assert parse(SCHEME, "Helpdesk/Priority/Urgent") == ParsedLabel("priority", "Urgent")
    assert parse(SCHEME, "Helpdesk/Overdue") == ParsedLabel("flag", "overdue")
    assert parse(SCHEME, "Helpdesk/Status/Sleeping") == ParsedLabel("unknown", "Status/Sleeping")
    assert parse(SCHEME, "Helpdesk/Misc") == ParsedLabel("unknown", "Misc")
    assert parse(SCHEME, "Customers/VIP") is None and parse(SCHEME, "INBOX") is None


def test_each_kind_maps_to_its_workflow_action() -> None:
    asked = plan(SCHEME, [added("Helpdesk/Line/2nd line")], HELD, HELD_LABELS)
    assert asked.actions == [Action("transfer", "2nd line", "Helpdesk/Line/2nd line")]
    asked = plan(SCHEME, [added("Helpdesk/Agent/Kristina")], HELD, HELD_LABELS)
    assert asked.actions == [Action("assign", "Kristina", "Helpdesk/Agent/Kristina")]
    asked = plan(SCHEME, [added("Helpdesk/Status/In progress")], HELD, HELD_LABELS)
    assert asked.actions == [Action("status", Status.IN_PROGRESS, "Helpdesk/Status/In progress")]
    asked = plan(SCHEME, [added("Helpdesk/Status/Done")], HELD, HELD_LABELS)
    assert asked.actions == [Action("status", Status.DONE, "Helpdesk/Status/Done")]
    asked = plan(SCHEME, [added("Helpdesk/Priority/Urgent")], HELD, HELD_LABELS)
    assert asked.actions == [Action("priority", Priority.URGENT, "Helpdesk/Priority/Urgent")]
    asked = plan(SCHEME, [removed("Helpdesk/Agent/Lisa")], HELD, HELD_LABELS)
    assert asked.actions == [Action("release", None, "Helpdesk/Agent/Lisa")]


def test_our_own_push_coming_back_changes_nothing() -> None:
    """A push adds the state's labels and removes the others: read back, each matches the ticket already."""
    echo = [added(name, 20) for name in HELD_LABELS] + [removed("Helpdesk/Status/New", 21)]
    assert not plan(SCHEME, echo, HELD, HELD_LABELS).touched
    assert not plan(SCHEME, echo, HELD, None).touched


def test_the_echo_of_an_older_push_is_not_taken_for_an_agent() -> None:
    """Pushed as Assigned, then started in Linedesk before the echo was read: the echo changes nothing."""
    started = TicketLabelState(Status.IN_PROGRESS, "1st line", Priority.NORMAL, "Lisa")
    echo = [added("Helpdesk/Status/Assigned", 20), added("Helpdesk/Agent/Lisa", 20), removed("Helpdesk/Status/New", 21)]
    assert not plan(SCHEME, echo, started, HELD_LABELS).touched


def test_a_label_applied_to_every_message_counts_once_and_toggling_changes_nothing() -> None:
    many = [added("Helpdesk/Line/2nd line", at) for at in (10, 11, 12)]
    assert plan(SCHEME, many, HELD, HELD_LABELS).actions == [Action("transfer", "2nd line", "Helpdesk/Line/2nd line")]
    toggled = [added("Helpdesk/Priority/High", 10), removed("Helpdesk/Priority/High", 11)]
    assert not plan(SCHEME, toggled, HELD, HELD_LABELS).touched
    assert [c.history_id for c in last_changes(many)] == [12]


def test_two_labels_of_one_kind_the_later_wins_with_a_note() -> None:
    asked = plan(SCHEME, [added("Helpdesk/Line/Commercial", 30), added("Helpdesk/Line/2nd line", 12)], HELD,
                 HELD_LABELS)
    assert asked.actions == [Action("transfer", "Commercial", "Helpdesk/Line/Commercial")]
    assert asked.notes == [("2 line labels were applied in Gmail at once (Helpdesk/Line/2nd line, "
                            "Helpdesk/Line/Commercial): Helpdesk/Line/Commercial, applied last, wins")]


def test_removing_the_only_status_line_or_priority_is_refused() -> None:
    for name in ("Helpdesk/Status/Assigned", "Helpdesk/Line/1st line", "Helpdesk/Priority/Normal"):
        asked = plan(SCHEME, [removed(name)], HELD, HELD_LABELS)
        assert not asked.actions and [r.label for r in asked.refused] == [name]
        assert "a ticket always has one" in asked.refused[0].reason
    replaced = plan(SCHEME, [removed("Helpdesk/Status/Assigned", 10), added("Helpdesk/Status/Waiting", 11)], HELD,
                    HELD_LABELS)
    assert replaced.actions == [Action("status", Status.WAITING, "Helpdesk/Status/Waiting")] and not replaced.refused


def test_flags_unknown_labels_and_the_helpdesks_own_statuses_are_refused() -> None:
    asked = plan(SCHEME, [added("Helpdesk/Overdue"), added("Helpdesk/Misc"), added("Helpdesk/Status/Completed"),
                          added("Helpdesk/Priority/Meh")], HELD, HELD_LABELS)
    assert not asked.actions
    reasons = {r.label: r.reason for r in asked.refused}
    assert "set by the helpdesk's rules" in reasons["Helpdesk/Overdue"]
    assert reasons["Helpdesk/Misc"] == reasons["Helpdesk/Priority/Meh"] == "it is not a label Linedesk knows"
    assert "completes by itself" in reasons["Helpdesk/Status/Completed"]
    flagged = TicketLabelState(Status.ASSIGNED, "1st line", Priority.NORMAL, "Lisa", frozenset({"overdue"}))
    cleared = plan(SCHEME, [removed("Helpdesk/Overdue")], flagged, sorted(SCHEME.wanted_labels(flagged)))
    assert [r.label for r in cleared.refused] == ["Helpdesk/Overdue"]
    assert not plan(SCHEME, [removed("Helpdesk/Misc")], HELD, HELD_LABELS).touched  # a stray label going: fine


def test_assigned_needs_an_agent_label_and_implied_statuses_are_dropped() -> None:
    alone = plan(SCHEME, [added("Helpdesk/Status/In progress", 5)],
                 TicketLabelState(Status.NEW, "1st line", Priority.NORMAL), None)
    assert alone.actions == [Action("status", Status.IN_PROGRESS, "Helpdesk/Status/In progress")]
    new = TicketLabelState(Status.NEW, "1st line", Priority.NORMAL)
    assigned = plan(SCHEME, [added("Helpdesk/Status/Assigned")], new, sorted(SCHEME.wanted_labels(new)))
    assert "comes with an Agent label" in assigned.refused[0].reason
    both = plan(SCHEME, [added("Helpdesk/Status/Assigned", 1), added("Helpdesk/Agent/Lisa", 2),
                         added("Helpdesk/Priority/High", 3)], new, sorted(SCHEME.wanted_labels(new)))
    assert [a.kind for a in both.actions] == ["assign", "priority"] and not both.refused
    moved = plan(SCHEME, [added("Helpdesk/Status/New", 1), added("Helpdesk/Line/2nd line", 2)], HELD, HELD_LABELS)
    assert [a.kind for a in moved.actions] == ["transfer"]


def test_actions_run_line_agent_status_priority() -> None:
    asked = plan(SCHEME, [added("Helpdesk/Priority/High", 1), added("Helpdesk/Status/In progress", 2),
                          added("Helpdesk/Agent/Bob", 3), added("Helpdesk/Line/2nd line", 4)], HELD, HELD_LABELS)
    assert [a.kind for a in asked.actions] == ["transfer", "assign", "status", "priority"]


def test_a_change_made_in_linedesk_since_the_last_push_wins_over_the_same_kind_in_gmail() -> None:
    """Pushed as 1st line; transferred in Linedesk to 2nd line (not pushed yet); meanwhile an agent applies
    Commercial in Gmail. Linedesk's change enters Gmail's history when pushed, after the label: it wins."""
    now = TicketLabelState(Status.NEW, "2nd line", Priority.NORMAL)
    asked = plan(SCHEME, [added("Helpdesk/Line/Commercial"), added("Helpdesk/Priority/High")], now, HELD_LABELS)
    assert [r.label for r in asked.refused] == ["Helpdesk/Line/Commercial"]
    assert "changed in Linedesk (now 2nd line)" in asked.refused[0].reason
    assert asked.actions == [Action("priority", Priority.HIGH, "Helpdesk/Priority/High")]  # another kind: applied
    # Once that push has happened, the same label read later is the later change and is applied.
    after = plan(SCHEME, [added("Helpdesk/Line/Commercial")], now, sorted(SCHEME.wanted_labels(now)))
    assert after.actions == [Action("transfer", "Commercial", "Helpdesk/Line/Commercial")]


def test_other_prefixes_and_other_labels_are_ignored() -> None:
    support = LabelScheme("Support")
    assert not plan(support, [added("Helpdesk/Line/2nd line")], HELD, None).touched
    assert not plan(SCHEME, [added("Customers/VIP"), removed("INBOX")], HELD, HELD_LABELS).touched


def test_labels_pushed_under_an_old_prefix_count_as_unknown() -> None:
    """After the prefix changed (labels renamed in place), what the last push wrote is under the old prefix."""
    support = LabelScheme("Support")
    asked = plan(support, [added("Support/Line/2nd line")], HELD, HELD_LABELS)
    assert asked.actions == [Action("transfer", "2nd line", "Support/Line/2nd line")] and not asked.refused

