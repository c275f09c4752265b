"""The label list follows the setup: `setup apply` creates the labels, renames them when a line or agent is
renamed, and removes a retired one — in each mailbox, as an edge step after the database commit.

Why renames and not create-new-and-delete-old: a label renamed in place (labels.patch) keeps its id, so every
message that carries it shows the new name at once, with no thread touched. When the old name cannot simply be
renamed (another active line or agent still uses it — two lines swapping names, two agents sharing one — or the
new name exists already, or Gmail is not reachable now), the new label is created instead and the tickets of that
line or agent are marked due (`labels_synced_at` NULL), so the next sync step's push moves their messages over.

A retired (deactivated) line or agent loses its label (labels.delete removes it from every message too), unless
an active one now has that name. A changed prefix renames every label under the old prefix.

`snapshot` reads what the labels are made of (prefix, lines, agents) before and after the apply; `changes` is the
pure difference; `apply_to_gmail` is the edge. Gmail not reachable is never an error of `setup apply`: it says so,
and the next sync or `linedesk labels reconcile` makes the labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.models import Agent, Line, Priority, Status, Ticket
from gmail_sync.client import GmailApi, GmailRequestError
from labels.gmail_labels import LabelDirectory, ensure_labels, label_prefix
from labels.scheme import FLAGS, LabelScheme


@dataclass(frozen=True)
class NamesSnapshot:
    """What the label names are made of: the prefix, each line (slug) and agent (email) with name and active."""

    prefix: str
    lines: dict[str, tuple[str, bool]]
    agents: dict[str, tuple[str, bool]]


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    kind: str  # line or agent
    key: str  # slug or email: whose tickets to mark due when the rename cannot be done in place


@dataclass
class SetupLabelChanges:
    prefix: tuple[str, str] | None = None  # (old, new) when the prefix changed
    renames: list[Rename] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    moved: list[Rename] = field(default_factory=list)  # cannot be renamed in place: create new, push tickets


@dataclass
class SetupLabelReport:
    created: int = 0
    renamed: int = 0
    removed: int = 0
    tickets_due: int = 0


def snapshot(session: Session) -> NamesSnapshot:
    return NamesSnapshot(
        label_prefix(session),
        {line.slug: (line.name, line.active) for line in session.scalars(select(Line))},
        {agent.email: (agent.name, agent.active) for agent in session.scalars(select(Agent))},
    )


def wanted_names(snap: NamesSnapshot) -> list[str]:
    """Every label the setup calls for: statuses, priorities, flags, and each active line and agent."""
    scheme = LabelScheme(snap.prefix)
    names = [scheme.status(s) for s in Status] + [scheme.priority(p) for p in Priority]
    names += [scheme.flag(f) for f in FLAGS]
    names += [scheme.line(name) for name, active in snap.lines.values() if active]
    names += [scheme.agent(name) for name, active in snap.agents.values() if active]
    return list(dict.fromkeys(names))


def changes(before: NamesSnapshot, after: NamesSnapshot) -> SetupLabelChanges:
    """Renames and removals turning `before`'s labels into `after`'s (names in the new prefix). Pure."""
    result = SetupLabelChanges(prefix=(before.prefix, after.prefix) if before.prefix != after.prefix else None)
    scheme = LabelScheme(after.prefix)
    still_wanted = {name.casefold() for name in wanted_names(after)}
    for kind, old_side, new_side, make in (("line", before.lines, after.lines, scheme.line),
                                           ("agent", before.agents, after.agents, scheme.agent)):
        for key, (old_name, was_active) in old_side.items():
            new_name, is_active = new_side.get(key, (old_name, False))
            old_label, new_label = make(old_name), make(new_name)
            if not was_active or old_label.casefold() == new_label.casefold() and is_active:
                continue
            if not is_active:
                if old_label.casefold() not in still_wanted:
                    result.removals.append(old_label)
            elif old_label.casefold() in still_wanted:
                result.moved.append(Rename(old_label, new_label, kind, key))
            else:
                result.renames.append(Rename(old_label, new_label, kind, key))
    return result


def apply_to_gmail(api: GmailApi, Session: sessionmaker[Session], after: NamesSnapshot,
                   planned: SetupLabelChanges) -> SetupLabelReport:
    """Rename, remove and create the mailbox's labels; mark due the tickets whose labels must move."""
    report = SetupLabelReport()
    directory = LabelDirectory.read(api)
    if planned.prefix is not None:
        _rename_prefix(api, directory, *planned.prefix, report)
    moved = list(planned.moved)
    for rename in planned.renames:
        label_id = directory.ids.get(rename.old.casefold())
        if label_id is None or rename.new.casefold() in directory.ids:
            moved.append(rename)
            continue
        _rename(api, directory, label_id, rename.new)
        report.renamed += 1
    for name in planned.removals:
        label_id = directory.ids.pop(name.casefold(), None)
        if label_id is not None:
            api.delete_label(label_id)
            directory.names.pop(label_id, None)
            report.removed += 1
    before = len(directory.ids)
    ensure_labels(api, LabelScheme(after.prefix), wanted_names(after), directory)
    report.created = len(directory.ids) - before
    report.tickets_due = mark_due(Session, moved)
    return report


def mark_due(Session: sessionmaker[Session], moved: list[Rename]) -> int:
    """The tickets of these lines and agents are pushed again at the next sync step; returns how many."""
    slugs = [r.key for r in moved if r.kind == "line"]
    emails = [r.key for r in moved if r.kind == "agent"]
    if not slugs and not emails:
        return 0
    with transaction(Session) as session:
        lines = select(Line.id).where(Line.slug.in_(slugs))
        agents = select(Agent.id).where(Agent.email.in_(emails))
        result = session.execute(update(Ticket).where(or_(Ticket.line_id.in_(lines), Ticket.assignee_id.in_(agents)))
                                 .values(labels_synced_at=None).execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def _rename_prefix(api: GmailApi, directory: LabelDirectory, old: str, new: str, report: SetupLabelReport) -> None:
    old_scheme = LabelScheme(old)
    for label_id, name in list(directory.names.items()):
        if old_scheme.is_ours(name):
            target = LabelScheme(new).prefix + name[len(old_scheme.prefix):]
            if target.casefold() not in directory.ids:
                _rename(api, directory, label_id, target)
                report.renamed += 1


def _rename(api: GmailApi, directory: LabelDirectory, label_id: str, name: str) -> None:
    try:
        label = api.rename_label(label_id, name)
    except GmailRequestError as exc:
        if exc.status not in (404, 409):  # gone, or the name taken meanwhile: `ensure_labels` creates it
            raise
        directory.refresh()
        return
    old = directory.names.get(label_id)
    if old is not None:
        directory.ids.pop(old.casefold(), None)
    directory.ids[str(label["name"]).casefold()] = label_id
    directory.names[label_id] = str(label["name"])
