"""Routing rules as data: which line, category, priority (and personal manager) a new ticket gets, and why.

In the setup file, tried in order, the first rule whose every condition holds wins:

    [[routing]]
    name = "VIP to their manager"
    when = { vip = true }
    personal_manager = true          # assign to the customer's personal manager (in the manager's line)

    [[routing]]
    name = "technical choice"
    when = { choice = "technical" }  # the form's or the Telegram keyboard's choice
    line = "l2"

    [[routing]]
    name = "sales address"
    when = { address = "sales@coolxost.com", keywords = ["invoice", "price"] }
    line = "commercial"
    category = "Billing"
    priority = "high"

Conditions (`when`): `choice`, `address` (written to), `keywords` (any of them, case-insensitive, in the
subject or text), `company` (the customer's), `vip`, `channel`. The result is explained in the audit:
"routed to 2nd line by rule 'technical choice'". With no `[[routing]]` at all, the three choices of the
telecom case apply: technical → the second support line, not_technical → the first, commercial → the first
commercial line. `read_rules` checks a file's rules with key paths (app/setup_file.py calls it);
`apply_rules` runs them on a new channel ticket through the workflow, `route_new_mail` on the sync's new mail
tickets (with the mail's To/Cc/Delivered-To as the address written to) when the file has rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.models import Agent, Channel, HelpdeskSetting, Line, LineKind, Message, Priority, Ticket

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.channels.service import Incoming
    from app.setup_check import Checker, Entry
    from app.workflow import Workflow

SETTING = "routing_rules"
CHOICES = ("technical", "not_technical", "commercial")
_RULE = {"name": True, "when": True, "line": False, "category": False, "priority": False, "personal_manager": False}
_WHEN = {"choice": False, "address": False, "keywords": False, "company": False, "vip": False, "channel": False}


@dataclass(frozen=True)
class Rule:
    name: str
    when: dict[str, Any]
    line: str | None = None
    category: str | None = None
    priority: str | None = None
    personal_manager: bool = False

    def as_setting(self) -> dict[str, Any]:
        return {"name": self.name, "when": self.when, "line": self.line, "category": self.category,
                "priority": self.priority, "personal_manager": self.personal_manager}


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one new ticket."""

    choice: str | None = None
    address: str | None = None
    text: str = ""
    company: str | None = None
    vip: bool = False
    channel: str | None = None
    addresses: tuple[str, ...] = ()  # a mail's To/Cc/Delivered-To: any of them is "the address written to"
    extra: dict[str, Any] = field(default_factory=dict)


def matches(rule: Rule, facts: Facts) -> bool:
    when = rule.when
    if "choice" in when and (facts.choice or "") != when["choice"]:
        return False
    if "address" in when and str(when["address"]).lower() not in {(facts.address or "").lower(), *facts.addresses}:
        return False
    if "keywords" in when and not any(k.lower() in facts.text.lower() for k in when["keywords"]):
        return False
    if "company" in when and (facts.company or "").strip().lower() != str(when["company"]).strip().lower():
        return False
    if "vip" in when and facts.vip != bool(when["vip"]):
        return False
    return not ("channel" in when and facts.channel != when["channel"])


def first_match(rules: list[Rule], facts: Facts) -> Rule | None:
    return next((rule for rule in rules if matches(rule, facts)), None)


# ----- the setup file ------------------------------------------------------------------------------------------
def read_rules(checker: Checker, data: dict[str, Any], lines: list[str], categories: list[str]) -> tuple[Rule, ...]:
    """The `[[routing]]` tables of a setup file, every mistake recorded with its key path."""
    from app.setup_check import Entry

    rules = []
    for entry in checker.entries(data, "routing"):
        if checker.table(entry.table, entry.path, _RULE) is None:
            continue
        when = _read_when(checker, entry)
        line = checker.text(entry, "line", max_len=64)
        if line is not None and line not in lines:
            checker.fail(f"{entry.path}.line", f"{line!r} is not a line of this file (lines: {', '.join(lines)})")
        category = checker.text(entry, "category", max_len=200)
        if category is not None and category not in categories:
            checker.fail(f"{entry.path}.category", f"{category!r} is not a category of this file")
        priority = checker.choice(entry, "priority", Priority, Priority.NORMAL) if "priority" in entry.table else None
        manager = checker.flag(entry, "personal_manager", default=False)
        if not (line or category or priority or manager):
            checker.fail(entry.path, "does nothing: give it a line, category, priority or personal_manager = true")
        rules.append(Rule(checker.text(Entry(entry.path, entry.table), "name", max_len=100) or "", when, line,
                          category, priority.value if priority else None, bool(manager)))
    checker.unique("routing", "name", [r.name for r in rules])
    return tuple(rules)


def _read_when(checker: Checker, entry: Entry) -> dict[str, Any]:
    from app.setup_check import Entry as E

    path = f"{entry.path}.when"
    table = checker.table(entry.table.get("when"), path, _WHEN)
    if table is None:
        return {}
    if not table:
        checker.fail(path, "needs at least one condition: " + " | ".join(_WHEN))
    when = E(path, table)
    out: dict[str, Any] = {}
    for key in ("choice", "address", "company", "channel"):
        value = checker.text(when, key, max_len=320)
        if value is not None:
            out[key] = value.lower() if key == "address" else value
    if "choice" in out and out["choice"] not in CHOICES:
        checker.fail(f"{path}.choice", f"{out['choice']!r} is not one of: {' | '.join(CHOICES)}")
    if "channel" in out and out["channel"] not in [c.value for c in Channel]:
        checker.fail(f"{path}.channel", f"{out['channel']!r} is not one of: {' | '.join(c.value for c in Channel)}")
    if "vip" in table:
        out["vip"] = checker.flag(when, "vip", default=False)
    if "keywords" in table:
        words = table["keywords"]
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            checker.fail(f"{path}.keywords", 'must be a list of words such as ["invoice", "price"]')
        else:
            out["keywords"] = [w.strip() for w in words]
    return out


# ----- applying them -------------------------------------------------------------------------------------------
def stored_rules(session: Session) -> list[Rule]:
    row = session.get(HelpdeskSetting, SETTING)
    if row is None or not row.value:
        return _default_rules(session)
    return [Rule(r["name"], dict(r.get("when") or {}), r.get("line"), r.get("category"), r.get("priority"),
                 bool(r.get("personal_manager"))) for r in row.value]


def _default_rules(session: Session) -> list[Rule]:
    support = list(session.scalars(select(Line.slug).where(Line.kind == LineKind.SUPPORT, Line.active.is_(True))
                                   .order_by(Line.position, Line.id)))
    commercial = session.scalar(select(Line.slug).where(Line.kind == LineKind.COMMERCIAL, Line.active.is_(True))
                                .order_by(Line.position, Line.id).limit(1))
    rules = [Rule("VIP to their manager", {"vip": True}, personal_manager=True)]
    if len(support) > 1:
        rules.append(Rule("technical choice", {"choice": "technical"}, support[1]))
    if support:
        rules.append(Rule("not technical choice", {"choice": "not_technical"}, support[0]))
    if commercial:
        rules.append(Rule("commercial choice", {"choice": "commercial"}, commercial))
    return rules


def apply_rules(session: Session, wf: Workflow, ticket: Ticket, incoming: Incoming, channel: Channel) -> str | None:
    """Route a new ticket by the first matching rule, through the workflow; returns the rule's name."""
    customer = ticket.customer
    facts = Facts(choice=incoming.choice, address=incoming.address, text=f"{ticket.subject}\n{incoming.text}",
                  company=customer.company if customer else None, vip=bool(customer and customer.vip),
                  channel=channel.value)
    rule = first_match(stored_rules(session), facts)
    if rule is None:
        return None
    return route(session, wf, ticket, rule)


def route(session: Session, wf: Workflow, ticket: Ticket, rule: Rule) -> str:
    target = session.scalar(select(Line).where(Line.slug == rule.line, Line.active.is_(True))) if rule.line else None
    manager: Agent | None = ticket.customer.personal_manager if rule.personal_manager and ticket.customer else None
    if manager is not None and manager.active and target is None and not wf.is_on_line(manager, ticket.line):
        target = _line_of(session, manager)
    if target is not None and target.id != ticket.line_id:
        wf._enter_line(ticket, target, assignee=None)
    wf._event(ticket, "routed", None, to_value=ticket.line.slug, note=f"routed to {ticket.line.name} by rule '{rule.name}'",
              rule=rule.name)
    if rule.category:
        wf.set_category(ticket, None, rule.category)
    if rule.priority:
        wf.set_priority(ticket, None, Priority(rule.priority), note=f"rule '{rule.name}'")
    if manager is not None and manager.active and wf.is_on_line(manager, ticket.line):
        wf.assign(ticket, None, manager)
    return rule.name


def _line_of(session: Session, agent: Agent) -> Line | None:
    lines = session.scalars(select(Line).where(Line.active.is_(True)).order_by(Line.position, Line.id))
    return next((line for line in lines if line.head_id == agent.id or line.has_member(agent)), None)


def route_new_mail(session: Session, wf: Workflow, opened: dict[int, str]) -> None:
    """The sync's new mail tickets (number -> the mail's recipient headers), routed by the setup file's rules —
    only when the file has some: without `[[routing]]` mail stays in its mailbox's default line, as before."""
    import re

    row = session.get(HelpdeskSetting, SETTING)
    if row is None or not row.value or not opened:
        return
    rules = stored_rules(session)
    for ticket in session.scalars(select(Ticket).where(Ticket.number.in_(list(opened)))):
        first = ticket.subject
        text = session.scalar(select(Message.body_text).where(Message.ticket_id == ticket.id).order_by(Message.id)
                              .limit(1)) or ""
        customer = ticket.customer
        addresses = tuple(a.lower() for a in re.findall(r"[\w.+'-]+@[\w.-]+", opened[ticket.number]))
        facts = Facts(text=f"{first}\n{text}", company=customer.company if customer else None,
                      vip=bool(customer and customer.vip), channel=ticket.channel.value, addresses=addresses)
        rule = first_match(rules, facts)
        if rule is not None:
            route(session, wf, ticket, rule)
