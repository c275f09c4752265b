"""Many messages of one mailbox at once: the intake rules of `intake.py`, at a handful of statements per chunk.

Why this exists: a backfill, a resync or an import brings thousands of messages. Through `receive` each costs
about twenty statements and four flushes (customer, ticket, thread link, message, audit events, timers), so a
mailbox of 50,000 mails takes minutes. Here a chunk is read with four queries and written with one INSERT per
table, while the rules stay exactly those of `receive` and `record_outbound` — the tests run the same mail
through both paths and compare every row.

How a chunk goes:
1. Read what the rules need, for the whole chunk: the stored provider ids (duplicates), the tickets of the
   chunk's threads, the customers of its senders and their newest active tickets, the agents.
2. Decide each message in order against that picture, which the decisions keep up to date (a ticket opened by
   the first mail of a conversation is found by the second, in the same chunk).
3. Write: new customers, new tickets (numbers from one counter UPDATE), thread links, messages, audit events,
   timers (`scheduler.timers.replan_many`), and the touched tickets' `updated_at`/`first_response_at`.
The rare cases that change a ticket's state on arrival — a message that reopens a done ticket or opens a
follow-up of a completed one, a sender known by phone, a line that cannot take tickets — are handed to the
one-message path (`receive`) after writing what was decided before them; the picture is then read again.

Nothing here commits: the caller's transaction covers the chunk, as it covers one message elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from app.directory import normalise_email
from app.domain.errors import InvalidInput
from app.models import (
    ACTIVE_STATUSES, Agent, Channel, Counter, Customer, CustomerEmail, Direction, Line, Mailbox, Message, Priority,
    Status, Ticket, TicketEvent, TicketThread,
)

if TYPE_CHECKING:
    from app.workflow import Inbound, Workflow


@dataclass(frozen=True)
class Sent:
    """A message the mailbox itself sent (an agent answering straight from Gmail; Sent mail in an import).
    `match_agent`: the author is the agent whose address sent it, when there is one."""

    mail: Inbound
    match_agent: bool = True


@dataclass(frozen=True)
class Outcome:
    """What became of one message: "new", "joined", "reopened", "follow_up", "duplicate", "dropped" (inbound),
    "outbound", "no_ticket" (sent mail outside any ticket), "duplicate"."""

    outcome: str
    ticket_id: int | None = None
    ticket_number: int | None = None
    reason: str = ""


TICKET_COLUMNS = (
    Ticket.id, Ticket.number, Ticket.status, Ticket.customer_id, Ticket.parent_id, Ticket.line_id, Ticket.channel,
    Ticket.priority, Ticket.created_at, Ticket.line_entered_at, Ticket.assignee_id, Ticket.claimed_at,
    Ticket.started_at, Ticket.first_response_at, Ticket.done_at,
)


@dataclass(eq=False)
class _Ticket:
    """A ticket as the chunk sees it: read from the database, or opened by the chunk (id None until written)."""

    id: int | None
    number: int | None
    status: Status
    customer: _Customer | None
    parent_id: int | None
    line_id: int
    channel: Channel
    priority: Priority
    created_at: datetime
    line_entered_at: datetime
    assignee_id: int | None = None
    claimed_at: datetime | None = None
    started_at: datetime | None = None
    first_response_at: datetime | None = None
    done_at: datetime | None = None
    new: bool = False
    subject: str = ""
    touched: bool = False  # gets a new updated_at
    answered: bool = False  # its first response was set by this chunk: its timers change


@dataclass(eq=False)
class _Customer:
    id: int | None
    email: str
    name: str = ""
    rename: bool = False  # an existing customer without a name gets the sender's


@dataclass
class _Picture:
    """What the rules read, for one chunk, kept current as messages are decided."""

    stored: set[str]
    threads: dict[str, _Ticket]  # provider thread id → ticket
    customers: dict[str, _Customer]  # email → customer
    active: dict[int, _Ticket]  # id(customer) → its newest active top-level ticket
    agents: dict[str, Agent]
    new_links: list[tuple[_Ticket, str]] = field(default_factory=list)
    messages: list[tuple[_Ticket, dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[_Ticket, dict[str, Any]]] = field(default_factory=list)
    results: list[tuple[str, _Ticket | None, str]] = field(default_factory=list)

    def tickets(self) -> list[_Ticket]:
        seen: dict[int, _Ticket] = {}
        for ticket, _ in [*self.messages, *self.events]:
            seen.setdefault(id(ticket), ticket)
        return list(seen.values())


class BulkIntake:
    """`Workflow.receive_many`: see the module docstring."""

    def __init__(self, workflow: Workflow, mailbox: Mailbox) -> None:
        self.wf = workflow
        self.session = workflow.session
        self.mailbox = mailbox
        self._lines: dict[int, Line] = {}
        self._defaults: dict[str, Line | None] = {}

    def run(self, items: Sequence[Inbound | Sent]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        start = 0
        while start < len(items):
            rest = items[start:]
            picture = self._read(rest)
            stop = self._decide(picture, rest)
            outcomes.extend(self._write(picture))
            if stop is None:
                break
            outcomes.append(self._one_by_one(rest[stop]))
            start += stop + 1
        return outcomes

    # ----- 1. read ---------------------------------------------------------------------------------------
    def _read(self, items: Sequence[Inbound | Sent]) -> _Picture:
        mails = [item.mail if isinstance(item, Sent) else item for item in items]
        session, mailbox = self.session, self.mailbox
        ids = [m.provider_message_id for m in mails if m.provider_message_id]
        stored = set(session.scalars(select(Message.provider_message_id).where(
            Message.mailbox_id == mailbox.id, Message.provider_message_id.in_(ids)))) if ids else set()
        customers = self._customers({_email(i) for i in items if not isinstance(i, Sent)})
        tickets: dict[int, _Ticket] = {}
        by_customer_id = {c.id: c for c in customers.values()}

        def ticket_of(row: Any) -> _Ticket:
            if row.id not in tickets:
                tickets[row.id] = _Ticket(
                    id=row.id, number=row.number, status=row.status, customer=by_customer_id.get(row.customer_id),
                    parent_id=row.parent_id, line_id=row.line_id, channel=row.channel, priority=row.priority,
                    created_at=row.created_at, line_entered_at=row.line_entered_at, assignee_id=row.assignee_id,
                    claimed_at=row.claimed_at, started_at=row.started_at, first_response_at=row.first_response_at,
                    done_at=row.done_at)
            return tickets[row.id]

        thread_ids = list({m.provider_thread_id for m in mails if m.provider_thread_id})
        threads: dict[str, _Ticket] = {}
        if thread_ids:
            rows = session.execute(select(TicketThread.provider_thread_id, *TICKET_COLUMNS)
                                   .join(Ticket, Ticket.id == TicketThread.ticket_id)
                                   .where(TicketThread.mailbox_id == mailbox.id,
                                          TicketThread.provider_thread_id.in_(thread_ids)))
            threads = {row.provider_thread_id: ticket_of(row) for row in rows}
        active: dict[int, _Ticket] = {}
        known = [c.id for c in customers.values() if c.id is not None]
        if known and mailbox.join_active_ticket:
            rows = session.execute(select(*TICKET_COLUMNS).where(
                Ticket.customer_id.in_(known), Ticket.status.in_(ACTIVE_STATUSES), Ticket.parent_id.is_(None),
            ).order_by(Ticket.created_at.desc(), Ticket.id.desc()))
            for row in rows:
                customer = by_customer_id[row.customer_id]
                active.setdefault(id(customer), ticket_of(row))
        senders = {m.from_email.strip().lower() for m in mails if m.from_email}
        agents = {a.email: a for a in session.scalars(select(Agent).where(Agent.email.in_(senders)))} if any(
            isinstance(i, Sent) and i.match_agent for i in items) else {}
        return _Picture(stored, threads, customers, active, agents)

    def _customers(self, emails: set[str | None]) -> dict[str, _Customer]:
        wanted = sorted(e for e in emails if e)
        if not wanted:
            return {}
        rows = self.session.execute(select(CustomerEmail.email, Customer.id, Customer.name)
                                    .join(Customer, Customer.id == CustomerEmail.customer_id)
                                    .where(CustomerEmail.email.in_(wanted)))
        found = {row.email: _Customer(row.id, row.email, row.name) for row in rows}
        # Two addresses of one customer are one customer here too.
        by_id: dict[int, _Customer] = {}
        return {email: by_id.setdefault(c.id, c) for email, c in found.items() if c.id is not None}

    # ----- 2. decide -------------------------------------------------------------------------------------
    def _decide(self, picture: _Picture, items: Sequence[Inbound | Sent]) -> int | None:
        """Decide messages in order; the index of the first one the one-message path must take, or None."""
        for index, item in enumerate(items):
            mail = item.mail if isinstance(item, Sent) else item
            pid = mail.provider_message_id
            if pid and pid in picture.stored:
                ticket = picture.threads.get(mail.provider_thread_id or "")
                picture.results.append(("duplicate", ticket, "already stored"))
                continue
            decided = self._sent(picture, item) if isinstance(item, Sent) else self._inbound(picture, item)
            if not decided:
                return index
            if pid:
                picture.stored.add(pid)
        return None

    def _inbound(self, picture: _Picture, mail: Inbound) -> bool:
        if mail.from_phone or mail.mailbox is None or not mail.provider_thread_id:
            return False
        customer = None
        if mail.from_email:
            try:
                email = normalise_email(mail.from_email)
            except InvalidInput:
                return False  # the one-message path says what is wrong with it
            customer = picture.customers.get(email)
            if customer is None:
                customer = picture.customers[email] = _Customer(None, email, mail.from_name or email)
            elif mail.from_name and not customer.name:
                customer.name, customer.rename = mail.from_name, True
        ticket = picture.threads.get(mail.provider_thread_id)
        outcome = "joined"
        if ticket is None and customer is not None and self.mailbox.join_active_ticket:
            ticket = picture.active.get(id(customer))
        if ticket is None:
            if mail.automatic:
                picture.results.append(("dropped", None, "automatic mail does not open a ticket"))
                return True
            line = mail.line or self._default_line()
            if line is None or not line.active:
                return False
            ticket = self._open(mail, line, customer)
            if customer is not None:
                picture.active[id(customer)] = ticket
            outcome = "new"
            created = self._event_row("created", actor_label="customer", to_value=line.slug,
                                      channel=mail.channel.value, parent=None, follow_up_of=None)
            picture.events.append((ticket, created))
        elif ticket.status in (Status.DONE, Status.COMPLETED) and not mail.automatic:
            return False  # reopens or opens a follow-up: the ticket's state changes, one message at a time
        self._link(picture, ticket, mail.provider_thread_id)
        picture.messages.append((ticket, self._message_row(mail, Direction.IN, customer=customer)))
        picture.events.append((ticket, self._event_row("message", actor_label="customer", channel=mail.channel.value,
                                                       automatic=mail.automatic)))
        picture.results.append((outcome, ticket, ""))
        return True

    def _sent(self, picture: _Picture, item: Sent) -> bool:
        mail = item.mail
        ticket = picture.threads.get(mail.provider_thread_id or "")
        if ticket is None:
            picture.results.append(("no_ticket", None, "sent mail outside any ticket"))
            return True
        agent = picture.agents.get((mail.from_email or "").strip().lower()) if item.match_agent else None
        row = self._message_row(mail, Direction.OUT, agent=agent)
        picture.messages.append((ticket, row))
        if ticket.first_response_at is None:
            ticket.first_response_at, ticket.answered = row["sent_at"], True
        event = self._event_row("replied", actor=agent, actor_label="mailbox")
        picture.events.append((ticket, event))
        picture.results.append(("outbound", ticket, ""))
        return True

    def _open(self, mail: Inbound, line: Line, customer: _Customer | None) -> _Ticket:
        now = self.wf.now()
        self._lines[line.id] = line
        return _Ticket(id=None, number=None, status=Status.NEW, customer=customer, parent_id=None, line_id=line.id,
                       channel=mail.channel, priority=Priority.NORMAL, created_at=now, line_entered_at=now, new=True,
                       subject=(mail.subject or "").strip()[:998])

    @staticmethod
    def _link(picture: _Picture, ticket: _Ticket, thread_id: str) -> None:
        if picture.threads.get(thread_id) is not ticket:
            picture.threads[thread_id] = ticket
            picture.new_links.append((ticket, thread_id))

    def _message_row(self, mail: Inbound, direction: Direction, *, customer: _Customer | None = None,
                     agent: Agent | None = None) -> dict[str, Any]:
        return {
            "direction": direction, "channel": mail.channel, "author_agent_id": agent.id if agent else None,
            "author_customer_id": customer, "from_address": mail.from_email or mail.from_phone,
            "subject": (mail.subject or "")[:998], "body_text": mail.body_text or "", "body_html": mail.body_html,
            "attachments": list(mail.attachments), "mailbox_id": self.mailbox.id,
            "provider_message_id": mail.provider_message_id, "provider_thread_id": mail.provider_thread_id,
            "rfc822_message_id": mail.rfc822_message_id, "automatic": mail.automatic,
            "sent_at": mail.sent_at or self.wf.now(), "visible_text": mail.visible_text,
            "parse_problems": list(mail.parse_problems) or None, "created_at": self.wf.now(),
        }

    def _event_row(self, kind: str, *, actor: Agent | None = None, actor_label: str | None = None,
                   to_value: str | None = None, **data: Any) -> dict[str, Any]:
        return {"at": self.wf.now(), "actor_id": actor.id if actor else None,
                "actor_label": actor.email if actor else (actor_label or "system"), "kind": kind,
                "from_value": None, "to_value": to_value, "note": None, "via": self.wf.via, "data": data}

    # ----- 3. write --------------------------------------------------------------------------------------
    def _write(self, picture: _Picture) -> list[Outcome]:
        from scheduler.timers import Snapshot, replan_many

        session, now = self.session, self.wf.now()
        self._write_customers(picture)
        new = [t for t in picture.tickets() if t.new]
        if new:
            last = session.execute(update(Counter).where(Counter.name == "ticket_number")
                                   .values(value=Counter.value + len(new)).returning(Counter.value)).scalar_one()
            for offset, ticket in enumerate(new):
                ticket.number = int(last) - len(new) + 1 + offset
            rows = [{"number": t.number, "subject": t.subject, "channel": t.channel, "mailbox_id": self.mailbox.id,
                     "customer_id": t.customer.id if t.customer else None, "line_id": t.line_id, "status": t.status,
                     "priority": t.priority, "created_at": t.created_at, "updated_at": now,
                     "line_entered_at": t.line_entered_at, "first_response_at": t.first_response_at} for t in new]
            # RETURNING without asking for parameter order (SQLite would insert row by row): numbers are unique.
            ids = dict(session.execute(insert(Ticket).returning(Ticket.number, Ticket.id), rows).all())
            for ticket in new:
                ticket.id = ids[ticket.number]
        if picture.new_links:
            session.execute(insert(TicketThread), [
                {"ticket_id": t.id, "mailbox_id": self.mailbox.id, "provider_thread_id": thread}
                for t, thread in picture.new_links])
        # render_nulls: every row gets the same columns, so the rows go in one statement (the ORM would otherwise
        # split them wherever a None moves, and mixed rows — "created" then "message" — go one by one).
        if picture.messages:
            session.execute(insert(Message).execution_options(render_nulls=True), [
                {**row, "ticket_id": t.id, "author_customer_id": row["author_customer_id"].id
                 if row["author_customer_id"] is not None else None} for t, row in picture.messages])
        if picture.events:
            session.execute(insert(TicketEvent).execution_options(render_nulls=True),
                            [{**row, "ticket_id": t.id} for t, row in picture.events])
        old = [t for t in picture.tickets() if not t.new]
        if old:
            session.execute(update(Ticket).where(Ticket.id.in_([t.id for t in old])).values(updated_at=now)
                            .execution_options(synchronize_session=False))
        answered = [t for t in old if t.answered]
        for ticket in answered:  # a first response set on a ticket that had none; the conditional keeps a race honest
            session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.first_response_at.is_(None))
                            .values(first_response_at=ticket.first_response_at)
                            .execution_options(synchronize_session=False))
        replan_many(session, [Snapshot.of(t, self._line(t.line_id)) for t in [*new, *answered]])
        session.expire_all()  # ORM objects read before these statements must not be trusted after them
        return [Outcome(outcome, t.id if t else None, t.number if t else None, reason)
                for outcome, t, reason in picture.results]

    def _write_customers(self, picture: _Picture) -> None:
        unique = list({id(c): c for c in picture.customers.values()}.values())
        created = [c for c in unique if c.id is None]
        if created:
            # RETURNING in any order (SQLite would insert row by row for ordered RETURNING): new customers with
            # the same name are identical rows, so whichever id goes to whichever of them is right.
            rows = self.session.execute(insert(Customer).returning(Customer.name, Customer.id),
                                        [{"name": c.name, "created_at": self.wf.now()} for c in created]).all()
            by_name: dict[str, list[int]] = {}
            for name, customer_id in rows:
                by_name.setdefault(name, []).append(customer_id)
            for customer in created:
                customer.id = by_name[customer.name].pop()
            self.session.execute(insert(CustomerEmail), [{"customer_id": c.id, "email": c.email} for c in created])
        for customer in unique:
            if customer.rename:
                self.session.execute(update(Customer).where(Customer.id == customer.id, Customer.name == "")
                                     .values(name=customer.name).execution_options(synchronize_session=False))

    def _default_line(self) -> Line | None:
        if "default" not in self._defaults:
            self._defaults["default"] = self.mailbox.default_line or self.wf.first_line()
        return self._defaults["default"]

    def _line(self, line_id: int) -> Line:
        if line_id not in self._lines:
            line = self.session.get(Line, line_id)
            assert line is not None
            self._lines[line_id] = line
        return self._lines[line_id]

    # ----- the one-message path --------------------------------------------------------------------------
    def _one_by_one(self, item: Inbound | Sent) -> Outcome:
        if isinstance(item, Sent):  # only an inbound message ever needs it; kept total for safety
            raise TypeError("sent mail is always decided in bulk")
        result = self.wf.receive(item)
        self.session.flush()
        return Outcome(result.outcome, result.ticket.id if result.ticket else None,
                       result.ticket.number if result.ticket else None, result.reason)


def _email(mail: Inbound) -> str | None:
    try:
        return normalise_email(mail.from_email) if mail.from_email else None
    except InvalidInput:
        return None
