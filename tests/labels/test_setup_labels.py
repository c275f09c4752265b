"""`setup apply` makes the labels: created in each mailbox's Gmail (the local one), renamed in place when a line
or agent is renamed, removed when retired; with Gmail unreachable the apply still succeeds and says so. The rename
plan itself is pure and tested alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import select

from app.cli import main
from app.db import transaction
from app.models import Ticket
from labels.scheme import LabelScheme
from labels.setup_labels import NamesSnapshot, Rename, changes
from tests.labels.helpers import calls, label_id
from tests.labels.test_push import label_names
from tests.sync.conftest import SUPPORT

SETUP = """\
[helpdesk]
name = "Test desk"
timezone = "Europe/Moscow"

[[mailboxes]]
address = "support@coolxost.com"

[[agents]]
email = "anna@coolxost.com"
name = "Anna"
role = "manager"

[[agents]]
email = "kris@coolxost.com"
name = "Kris"

[[lines]]
slug = "l1"
name = "1st line"
head = "anna@coolxost.com"
members = ["kris@coolxost.com"]

[[lines]]
slug = "l2"
name = "2nd line"
"""


def snap(lines: dict[str, tuple[str, bool]], agents: dict[str, tuple[str, bool]] | None = None,
         prefix: str = "Helpdesk") -> NamesSnapshot:
    return NamesSnapshot(prefix, lines, agents or {})


def test_renames_removals_and_moves_are_planned_from_before_and_after() -> None:
    before = snap({"l1": ("1st line", True), "l2": ("2nd line", True), "vip": ("VIP", True)},
                  {"a@x": ("Anna", True), "k@x": ("Kris", True)})
    after = snap({"l1": ("First line", True), "l2": ("2nd line", True), "vip": ("VIP (retired vip)", False)},
                 {"a@x": ("Anna", True), "k@x": ("Kris", False)})
    planned = changes(before, after)
    assert planned.renames == [Rename("Helpdesk/Line/1st line", "Helpdesk/Line/First line", "line", "l1")]
    assert planned.removals == ["Helpdesk/Line/VIP", "Helpdesk/Agent/Kris"]
    assert planned.moved == [] and planned.prefix is None


def test_a_name_still_used_is_moved_not_renamed_or_removed() -> None:
    """Two lines swap names; a retired line's name goes to a new one; two agents share a name."""
    before = snap({"a": ("Sales", True), "b": ("Support", True), "c": ("VIP", True)},
                  {"1@x": ("Anna", True), "2@x": ("Anna", True)})
    after = snap({"a": ("Support", True), "b": ("Sales", True), "c": ("VIP (retired c)", False), "d": ("VIP", True)},
                 {"1@x": ("Anna K", True), "2@x": ("Anna", True)})
    planned = changes(before, after)
    assert planned.renames == [] and planned.removals == []
    assert [(m.kind, m.key) for m in planned.moved] == [("line", "a"), ("line", "b"), ("agent", "1@x")]


def test_a_new_prefix_renames_everything_under_the_old_one() -> None:
    planned = changes(snap({"l1": ("1st line", True)}), snap({"l1": ("1st line", True)}, prefix="Support"))
    assert planned.prefix == ("Helpdesk", "Support")


def apply(db_url: str, endpoint: str, text: str, tmp_path: Path) -> Result:
    path = tmp_path / "setup.toml"
    path.write_text(text, encoding="utf-8")
    env = {"DATABASE_URL": db_url, "GMAIL_API_ENDPOINT": endpoint, "GMAIL_QUOTA_UNITS_PER_S": "0"}
    return CliRunner().invoke(main, ["setup", "apply", str(path)], env=env)


def test_setup_apply_creates_renames_and_removes_the_labels(db_url, engine, gmail, Session, tmp_path) -> None:
    first = apply(db_url, gmail.url, SETUP, tmp_path)
    assert first.exit_code == 0, first.output
    names = set(label_names(gmail).values())
    scheme = LabelScheme()
    assert {"Helpdesk/Line/1st line", "Helpdesk/Line/2nd line", "Helpdesk/Agent/Anna", "Helpdesk/Agent/Kris",
            "Helpdesk/Status/In progress", "Helpdesk/Priority/Urgent", "Helpdesk/Overdue"} <= names
    assert len([n for n in names if scheme.is_ours(n)]) == 7 + 4 + 4 + 2 + 2
    assert f"Gmail labels of {SUPPORT}: 19 created, 0 renamed, 0 removed" in first.output

    second_line = label_id(gmail, "Helpdesk/Line/2nd line")
    renamed = SETUP.replace('name = "2nd line"', 'name = "Technicians/Linux"').replace(
        '[[agents]]\nemail = "kris@coolxost.com"\nname = "Kris"\n\n', "").replace(
        'members = ["kris@coolxost.com"]', "members = []")
    second = apply(db_url, gmail.url, renamed, tmp_path)
    assert second.exit_code == 0, second.output
    names = set(label_names(gmail).values())
    assert label_names(gmail)[second_line] == "Helpdesk/Line/Technicians\u2215Linux"  # same id: renamed in place
    assert "Helpdesk/Line/2nd line" not in names and "Helpdesk/Agent/Kris" not in names
    assert calls(gmail, "labels.patch") == 1 and calls(gmail, "labels.delete") == 1
    assert f"Gmail labels of {SUPPORT}: 0 created, 1 renamed, 1 removed" in second.output

    third = apply(db_url, gmail.url, renamed, tmp_path)
    assert f"Gmail labels of {SUPPORT}: 0 created, 0 renamed, 0 removed" in third.output


def test_gmail_unreachable_setup_apply_still_succeeds_and_marks_tickets_due(db_url, gmail, Session, clock, tmp_path
                                                                           ) -> None:
    assert apply(db_url, gmail.url, SETUP, tmp_path).exit_code == 0
    _a_ticket_in(Session, clock, "l2")

    result = apply(db_url, "http://127.0.0.1:9/", SETUP.replace('name = "2nd line"', 'name = "Second line"'),
                   tmp_path)

    assert result.exit_code == 0, result.output
    assert "lines       0 created, 1 updated" in result.output
    assert "Gmail not reachable" in result.output and "next sync or `linedesk labels reconcile`" in result.output
    assert "(1 tickets due)" in result.output
    with transaction(Session) as session:
        assert session.scalar(select(Ticket.labels_synced_at)) is None


def _a_ticket_in(Session: Any, clock: Any, slug: str) -> None:
    from app.models import Line, Mailbox
    from app.workflow import Workflow

    with transaction(Session) as session:
        workflow = Workflow(session, clock)
        line = session.scalar(select(Line).where(Line.slug == slug))
        ticket = workflow.create_ticket(None, subject="Disk full", line=line,
                                        mailbox=session.scalar(select(Mailbox)))
        ticket.labels_synced_at = ticket.updated_at


def test_a_new_prefix_renames_every_label_in_place(db_url, gmail, Session, tmp_path) -> None:
    assert apply(db_url, gmail.url, SETUP, tmp_path).exit_code == 0
    before = {name: ident for ident, name in label_names(gmail).items() if name.startswith("Helpdesk/")}

    result = apply(db_url, gmail.url, SETUP.replace('timezone = "Europe/Moscow"\n',
                                                    'timezone = "Europe/Moscow"\nlabel_prefix = "Support"\n', 1),
                   tmp_path)

    assert result.exit_code == 0, result.output
    after = label_names(gmail)
    assert not [name for name in after.values() if name.startswith("Helpdesk/")]
    for name, ident in before.items():
        assert after[ident] == "Support/" + name.removeprefix("Helpdesk/")
    assert f"Gmail labels of {SUPPORT}: 0 created, {len(before)} renamed, 0 removed" in result.output

