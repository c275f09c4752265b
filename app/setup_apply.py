"""Make the database match a checked setup file, idempotently, and say what changed.

The file is the source of truth for agents, lines, mailboxes, categories and the helpdesk-wide settings. Each
record is matched on its natural key (agent email, line slug, mailbox address, category name), created when
missing and updated only where a value differs, so a second apply of the same file changes nothing and the
summary says so. What the file no longer lists is deactivated (`active = False`), never deleted: tickets,
messages and audit events still point at it; listing it again brings it back.

Two details worth knowing:
- An agent's `on_duty` changes during the working day; the file only sets it when it says so explicitly.
- Line names are unique too. A line renamed in the file first takes a temporary name, so two lines may swap
  names; a line dropped from the file releases its name (renamed "<name> (retired <slug>)") if the file gives
  that name to another line.

`apply_setup` only flushes; the caller commits (`setup apply`) or rolls back (`setup check`, a dry run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agent, Category, HelpdeskSetting, Line, Mailbox, Role
from app.setup_file import LineSpec, SetupSpec

KINDS = ("settings", "agents", "lines", "mailboxes", "categories")


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def record(self, changed: bool) -> None:
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deactivated


@dataclass
class ApplySummary:
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(tally.changes for tally in self.tallies.values())

    def lines(self) -> list[str]:
        rows = [
            f"{kind:<11} {t.created} created, {t.updated} updated, {t.unchanged} unchanged, {t.deactivated} deactivated"
            for kind, t in self.tallies.items()
        ]
        return rows + [f"note: {note}" for note in self.notes]


def known_agents(session: Session) -> dict[str, Role]:
    """The active agents already in the database (email -> role): a setup file may reference them."""
    return {agent.email: agent.role for agent in session.scalars(select(Agent).where(Agent.active.is_(True)))}


def apply_setup(session: Session, spec: SetupSpec) -> ApplySummary:
    summary = ApplySummary()
    _apply_settings(session, spec, summary.tallies["settings"])
    agents = _apply_agents(session, spec, summary.tallies["agents"])
    lines = _apply_lines(session, spec, agents, summary)
    _apply_mailboxes(session, spec, lines, summary)
    _apply_categories(session, spec, summary.tallies["categories"])
    session.flush()
    return summary


def _update(record: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _apply_settings(session: Session, spec: SetupSpec, tally: Tally) -> None:
    for key, value in spec.settings().items():
        row = session.get(HelpdeskSetting, key)
        if value is None:
            if row is not None:
                session.delete(row)
                tally.updated += 1
        elif row is None:
            session.add(HelpdeskSetting(key=key, value=value))
            tally.created += 1
        else:
            tally.record(_update(row, {"value": value}))


def _apply_agents(session: Session, spec: SetupSpec, tally: Tally) -> dict[str, Agent]:
    existing = {agent.email: agent for agent in session.scalars(select(Agent))}
    result: dict[str, Agent] = {}
    for wanted in spec.agents:
        values: dict[str, Any] = {"name": wanted.name, "role": wanted.role, "timezone": wanted.timezone, "active": True,
                                  "digest": ",".join(wanted.digest), "digest_at": wanted.digest_at}
        if wanted.on_duty is not None:
            values["on_duty"] = wanted.on_duty
        agent = existing.get(wanted.email)
        if agent is None:
            agent = Agent(email=wanted.email, **{"on_duty": True, **values})
            session.add(agent)
            tally.created += 1
        else:
            tally.record(_update(agent, values))
        result[wanted.email] = agent
    for email in spec.external_agents:
        result[email] = existing[email]
    for email, agent in existing.items():
        if email not in result and agent.active:
            agent.active = False
            tally.deactivated += 1
    return result


def _apply_lines(session: Session, spec: SetupSpec, agents: dict[str, Agent], summary: ApplySummary) -> dict[str, Line]:
    tally = summary.tallies["lines"]
    existing = {line.slug: line for line in session.scalars(select(Line))}
    _retire_lines(session, spec, existing, summary)
    result: dict[str, Line] = {}
    for wanted in spec.lines:
        line = existing.get(wanted.slug)
        if line is None:
            line = Line(slug=wanted.slug, **_line_values(wanted, agents))
            line.members = [agents[email] for email in wanted.members]
            session.add(line)
            tally.created += 1
        else:
            changed = _update(line, _line_values(wanted, agents))
            if {member.email for member in line.members} != set(wanted.members):
                line.members = [agents[email] for email in wanted.members]
                changed = True
            tally.record(changed)
        result[wanted.slug] = line
    return result


def _line_values(wanted: LineSpec, agents: dict[str, Agent]) -> dict[str, Any]:
    return {
        "name": wanted.name,
        "kind": wanted.kind,
        "head": agents[wanted.head] if wanted.head else None,
        "claim_within_s": wanted.claim_within_s,
        "start_within_s": wanted.start_within_s,
        "assign_strategy": wanted.assign,
        "calendar": wanted.calendar,
        "auto_answer": wanted.auto_answer,
        "auto_answer_threshold": wanted.auto_answer_threshold,
        "position": wanted.position,
        "active": True,
    }


def _retire_lines(session: Session, spec: SetupSpec, existing: dict[str, Line], summary: ApplySummary) -> None:
    """Deactivate the lines the file dropped, and clear the way for renames (line names are unique)."""
    wanted_names = {line.name for line in spec.lines}
    file_slugs = {line.slug for line in spec.lines}
    for slug, line in existing.items():
        if slug in file_slugs:
            continue
        if line.active:
            line.active = False
            summary.tallies["lines"].deactivated += 1
        if line.name in wanted_names:
            line.name = f"{line.name} (retired {slug})"[:200]
            summary.notes.append(f"line {slug!r} is not in the file; renamed {line.name!r} to free its name")
    renamed = [existing[w.slug] for w in spec.lines if w.slug in existing and existing[w.slug].name != w.name]
    for line in renamed:
        line.name = f"~renaming {line.slug}"
    if renamed:
        session.flush()


def _apply_mailboxes(session: Session, spec: SetupSpec, lines: dict[str, Line], summary: ApplySummary) -> None:
    tally = summary.tallies["mailboxes"]
    existing = {mailbox.address: mailbox for mailbox in session.scalars(select(Mailbox))}
    for wanted in spec.mailboxes:
        values = {"default_line": lines[wanted.default_line], "join_active_ticket": wanted.join_active_ticket}
        mailbox = existing.pop(wanted.address, None)
        if mailbox is None:
            session.add(Mailbox(address=wanted.address, **values))
            tally.created += 1
        else:
            tally.record(_update(mailbox, values))
    for address in sorted(existing):
        summary.notes.append(f"mailbox {address} is not in the file; left as it is (mailboxes have no active flag)")


def _apply_categories(session: Session, spec: SetupSpec, tally: Tally) -> None:
    existing = {category.name: category for category in session.scalars(select(Category))}
    for wanted in spec.categories:
        category = existing.pop(wanted.name, None)
        if category is None:
            session.add(Category(name=wanted.name, urgent=wanted.urgent, active=True))
            tally.created += 1
        else:
            tally.record(_update(category, {"urgent": wanted.urgent, "active": True}))
    for category in existing.values():
        if category.active:
            category.active = False
            tally.deactivated += 1
