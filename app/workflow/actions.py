"""Ticket actions agents take: create, claim, assign, start, priority, category, deadline, notes, done.

Line movements (transfer, pass back, subtasks) live in `routing.py`; mail in and out in `intake.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from app.directory import category_by_name, find_or_create_customer
from app.domain.errors import Conflict, InvalidInput, MissingFields, PermissionDenied, RuleViolation
from app.domain.statuses import check_transition
from app.models import (
    Agent, Channel, Direction, Line, Mailbox, Message, Note, Priority, Status, Ticket, TicketEvent,
)
from app.workflow.base import WorkflowBase

CLAIMABLE = (Status.NEW, Status.REOPENED)
ARRIVALS = ("transferred", "passed_back", "transfer_accepted")  # the events that say how a ticket came to its line


@dataclass(frozen=True)
class CustomerRef:
    name: str = ""
    email: str | None = None
    phone: str | None = None


class TicketActions(WorkflowBase):
    # ----- creation --------------------------------------------------------------------------------------
    def create_ticket(
        self,
        actor: Agent | None,
        *,
        subject: str,
        line: Line,
        channel: Channel = Channel.EMAIL,
        body: str = "",
        customer: CustomerRef | None = None,
        mailbox: Mailbox | None = None,
        priority: Priority = Priority.NORMAL,
        parent: Ticket | None = None,
        follow_up_of: Ticket | None = None,
        deadline: datetime | None = None,
    ) -> Ticket:
        """A new ticket, offered to the whole of `line`.

        By hand, an agent opens tickets in their own lines and in task channels (a customer's wish); a manager
        anywhere. A subtask is opened in the development line by whoever works the parent.
        """
        if actor is not None and parent is None:
            self._require_may_open_in(actor, line)
        if not line.active:
            raise RuleViolation(f"line {line.name} is retired and takes no tickets")
        now = self.now()
        found = None
        if customer and (customer.email or customer.phone):
            found = find_or_create_customer(
                self.session, now, email=customer.email, phone=customer.phone, name=customer.name,
                region=self.phone_region(),
            )
        ticket = Ticket(
            number=self._next_number(), subject=(subject or "").strip()[:998], channel=channel, line=line,
            mailbox=mailbox, customer=found, status=Status.NEW, priority=priority, created_at=now,
            updated_at=now, line_entered_at=now, parent=parent, follow_up_of=follow_up_of, deadline=deadline,
        )
        self.session.add(ticket)
        self.session.flush()
        if body.strip():
            self.session.add(Message(
                ticket_id=ticket.id, direction=Direction.IN, channel=channel, author_customer_id=ticket.customer_id,
                author_agent_id=actor.id if actor and not found else None, subject=ticket.subject,
                body_text=body, sent_at=now, created_at=now, mailbox_id=mailbox.id if mailbox else None,
            ))
        self._event(ticket, "created", actor, to_value=line.slug, actor_label="customer" if actor is None else None,
                    channel=channel.value, parent=parent.number if parent else None,
                    follow_up_of=follow_up_of.number if follow_up_of else None)
        return ticket

    def _require_may_open_in(self, actor: Agent, line: Line) -> None:
        from app.models import LineKind

        if actor.is_manager or line.kind is LineKind.TASK or self.is_on_line(actor, line):
            return
        raise PermissionDenied(f"{actor.email} is not a member of {line.name} and cannot open tickets there")

    def phone_region(self) -> str | None:
        from app.models import HelpdeskSetting

        setting = self.session.get(HelpdeskSetting, "phone_region")
        return setting.value if setting else None

    # ----- claim and assign ------------------------------------------------------------------------------
    def claim(self, ticket: Ticket, agent: Agent) -> Ticket:
        """The first member of the ticket's line to claim it becomes responsible; everyone after gets Conflict.

        Race-safe by construction: one conditional UPDATE, which only one transaction can win on either
        backend (PostgreSQL re-checks the WHERE after the winner commits; SQLite serialises writers).
        """
        if not agent.active or not self.is_on_line(agent, ticket.line):
            raise PermissionDenied(f"{agent.email} is not a member of {ticket.line.name} and cannot claim #{ticket.number}")
        if ticket.assignee_id == agent.id and ticket.status is not Status.NEW:
            return ticket
        now = self.now()
        self.session.flush()  # pending changes (a transfer just made) must be in the row we compare against
        won = self.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None), Ticket.status.in_(CLAIMABLE),
                   Ticket.line_id == ticket.line_id)
            .values(assignee_id=agent.id, status=Status.ASSIGNED, claimed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        self.session.refresh(ticket)
        if won != 1:
            holder = ticket.assignee.name if ticket.assignee else None
            if holder:
                raise Conflict(f"#{ticket.number} is already held by {holder}", assignee=ticket.assignee.email)
            raise Conflict(f"#{ticket.number} cannot be claimed: it is {ticket.status.value}")
        self._event(ticket, "claimed", agent, to_value=agent.email)
        self._accept_pending_transfer(ticket, agent)
        return ticket

    def assign(self, ticket: Ticket, actor: Agent | None, assignee: Agent) -> Ticket:
        if actor is not None and not (actor.is_manager or self.is_on_line(actor, ticket.line)):
            raise PermissionDenied(f"{actor.email} is neither a manager nor a member of {ticket.line.name}")
        if not assignee.active or not self.is_on_line(assignee, ticket.line):
            raise RuleViolation(f"{assignee.name} is not a member of {ticket.line.name}; transfer the ticket first")
        previous = ticket.assignee
        if previous is not None and previous.id == assignee.id:
            return ticket
        check_transition(ticket.number, ticket.status, Status.ASSIGNED)
        now = self.now()
        ticket.assignee = assignee
        ticket.status = Status.ASSIGNED
        ticket.claimed_at = now
        ticket.started_at = None
        self._event(ticket, "assigned", actor, from_value=previous.email if previous else None,
                    to_value=assignee.email)
        self._accept_pending_transfer(ticket, assignee)
        return ticket

    def _accept_pending_transfer(self, ticket: Ticket, agent: Agent) -> None:
        arrival = self.last_arrival(ticket)
        if arrival is not None:
            accepted = self._event(ticket, "transfer_accepted", agent, to_value=agent.email, transfer_event=arrival.id)
            if ticket.id in self._arrivals:
                self._arrivals[ticket.id] = accepted

    def prime_arrivals(self, ticket_ids: Collection[int]) -> None:
        """Read ahead, for a batch of tickets about to be assigned, the last event each arrived by: one query
        instead of one per assignment (scheduler.engine). Kept current as the batch accepts transfers."""
        from sqlalchemy import select

        ids = list(ticket_ids)
        latest: dict[int, TicketEvent] = {}
        for event in self.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ids),
                                                                    TicketEvent.kind.in_(ARRIVALS))
                                          .order_by(TicketEvent.ticket_id, TicketEvent.id.desc())):
            latest.setdefault(event.ticket_id, event)
        self._arrivals.update({ticket_id: latest.get(ticket_id) for ticket_id in ids})

    def last_arrival(self, ticket: Ticket) -> TicketEvent | None:
        """The transfer or pass-back that brought the ticket into its current line, unless already accepted."""
        from sqlalchemy import select

        if ticket.id in self._arrivals:  # read ahead for a batch (prime_arrivals)
            primed = self._arrivals[ticket.id]
            events = [primed] if primed is not None else []
        else:
            events = self.session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(ARRIVALS))
                .order_by(TicketEvent.id.desc()).limit(1)
            ).all()
        if not events or events[0].kind == "transfer_accepted":
            return None
        return events[0] if events[0].to_value == ticket.line.slug else None

    # ----- status ----------------------------------------------------------------------------------------
    def start(self, ticket: Ticket, actor: Agent | None) -> Ticket:
        """In progress. A line member starting an unclaimed ticket claims it on the way. Without an agent (a
        label applied in Gmail) only a held ticket starts: nobody is there to claim it."""
        if ticket.assignee_id is None and ticket.status in CLAIMABLE:
            if actor is None:
                raise PermissionDenied(f"nobody holds #{ticket.number}: claim or assign it before starting it")
            self.claim(ticket, actor)
        if actor is not None and ticket.assignee_id != actor.id and not actor.is_manager:
            holder = ticket.assignee.name if ticket.assignee else "nobody"
            raise PermissionDenied(f"#{ticket.number} is held by {holder}; only they or a manager can start it")
        self._move(ticket, actor, Status.IN_PROGRESS)
        if ticket.started_at is None:
            ticket.started_at = self.now()
        return ticket

    def wait(self, ticket: Ticket, actor: Agent | None) -> Ticket:
        self.require_work(actor, ticket)
        self._move(ticket, actor, Status.WAITING)
        return ticket

    def release(self, ticket: Ticket, actor: Agent | None) -> Ticket:
        """Give the ticket back to its line unassigned (offered to everyone again)."""
        self.require_work(actor, ticket)
        if actor is not None and ticket.assignee_id != actor.id and not actor.is_manager:
            raise PermissionDenied(f"only the assignee or a manager can release #{ticket.number}")
        self._move(ticket, actor, Status.NEW)
        ticket.assignee = None
        ticket.claimed_at = ticket.started_at = None
        ticket.line_entered_at = self.now()
        return ticket

    def set_status(self, ticket: Ticket, actor: Agent, status: Status) -> Ticket:
        if status is Status.IN_PROGRESS:
            return self.start(ticket, actor)
        if status is Status.WAITING:
            return self.wait(ticket, actor)
        if status is Status.NEW:
            return self.release(ticket, actor)
        if status is Status.COMPLETED:
            if not actor.is_manager:
                raise PermissionDenied("only a manager completes a ticket by hand; it completes itself otherwise")
            return self.complete(ticket, actor, reason="completed by hand")
        if status is Status.REOPENED:
            raise InvalidInput(f"#{ticket.number} reopens by itself when the customer writes again")
        if status is Status.DONE:
            raise MissingFields("done needs the problem in the customer's words and what was done: use /done",
                                ["problem", "resolution"])
        raise InvalidInput(f"status {status.value} is set by claim or assign, not directly")

    def _move(self, ticket: Ticket, actor: Agent | None, target: Status, **data: object) -> None:
        check_transition(ticket.number, ticket.status, target)
        previous = ticket.status
        ticket.status = target
        self._event(ticket, "status", actor, from_value=previous, to_value=target, **data)

    # ----- attributes ------------------------------------------------------------------------------------
    def set_priority(self, ticket: Ticket, actor: Agent | None, priority: Priority, *, note: str | None = None) -> Ticket:
        self.require_work(actor, ticket)
        self._change_priority(ticket, actor, priority, note)
        return ticket

    def _change_priority(self, ticket: Ticket, actor: Agent | None, priority: Priority, note: str | None) -> None:
        if ticket.priority is not priority:
            self._event(ticket, "priority", actor, from_value=ticket.priority, to_value=priority, note=note)
            ticket.priority = priority

    def set_category(self, ticket: Ticket, actor: Agent | None, name: str | None) -> Ticket:
        """Set the category; an urgent category makes the ticket urgent."""
        self.require_work(actor, ticket)
        category = category_by_name(self.session, name) if name else None
        previous = ticket.category.name if ticket.category else None
        if previous != (category.name if category else None):
            ticket.category = category
            self._event(ticket, "category", actor, from_value=previous, to_value=category.name if category else None)
        if category is not None and category.urgent:
            self._change_priority(ticket, actor, Priority.URGENT, f"category {category.name} is urgent")
        return ticket

    def set_deadline(self, ticket: Ticket, actor: Agent | None, deadline: datetime | None) -> Ticket:
        self.require_work(actor, ticket)
        self._change_deadline(ticket, actor, deadline)
        return ticket

    def _change_deadline(self, ticket: Ticket, actor: Agent | None, deadline: datetime | None) -> None:
        if deadline is not None and deadline.tzinfo is None:
            raise InvalidInput("a deadline needs a time zone, e.g. 2026-11-25T18:00:00+03:00")
        self._event(ticket, "deadline", actor, from_value=ticket.deadline.isoformat() if ticket.deadline else None,
                    to_value=deadline.isoformat() if deadline else None)
        ticket.deadline = deadline

    def add_watcher(self, ticket: Ticket, actor: Agent | None, watcher: Agent, *, note: str | None = None) -> Ticket:
        if all(w.id != watcher.id for w in ticket.watchers):
            ticket.watchers.append(watcher)
            self._event(ticket, "watcher_added", actor, to_value=watcher.email, note=note)
        return ticket

    def add_note(self, ticket: Ticket, actor: Agent | None, text: str) -> Note:
        """An internal note; `actor` None is the system (or the surface) writing it, e.g. why a Gmail label
        change was refused."""
        if actor is not None and not any(w.id == actor.id for w in ticket.watchers):
            self.require_work(actor, ticket)
        if not (text or "").strip():
            raise InvalidInput("a note needs some text")
        note = Note(ticket_id=ticket.id, author_id=actor.id if actor else None, text=text.strip(),
                    created_at=self.now())
        self.session.add(note)
        self._event(ticket, "note", actor, note=text.strip())
        return note

    def set_flag(self, ticket: Ticket, actor: Agent | None, flag: str, value: bool = True, *, note: str | None = None) -> Ticket:
        """Raise or clear a flag (ignored, development, phantom, overdue); the scheduler and feedback use it."""
        attribute = f"flag_{flag}"
        if not hasattr(Ticket, attribute):
            raise InvalidInput(f"unknown flag {flag!r}")
        if getattr(ticket, attribute) != value:
            setattr(ticket, attribute, value)
            self._event(ticket, "flag", actor, from_value=flag if not value else None, to_value=flag if value else None,
                        note=note, flag=flag, value=value)
        return ticket

    # ----- done and completed ----------------------------------------------------------------------------
    def mark_done(self, ticket: Ticket, actor: Agent | None, problem: str | None, resolution: str | None) -> Ticket:
        """Done needs both fields: what the customer's problem was, in their words, and what was done."""
        if actor is not None and ticket.assignee_id != actor.id and not actor.is_manager:
            self.require_work(actor, ticket)
            if ticket.assignee_id is not None:
                raise PermissionDenied(f"#{ticket.number} is held by {ticket.assignee.name}; only they or a manager can close it")
        missing = [name for name, value in (("problem", problem), ("resolution", resolution)) if not (value or "").strip()]
        if missing:
            labels = {"problem": "the problem in the customer's words (problem)", "resolution": "what was done (resolution)"}
            raise MissingFields("done needs " + " and ".join(labels[m] for m in missing), missing)
        self._move(ticket, actor, Status.DONE)
        ticket.problem, ticket.resolution = problem.strip(), resolution.strip()
        ticket.done_at = self.now()
        if ticket.parent is not None:
            parent = ticket.parent
            self._event(parent, "subtask_done", actor, to_value=str(ticket.number), note=resolution.strip(),
                        child=ticket.number, notify=parent.assignee.email if parent.assignee else None)
        return ticket

    def complete(self, ticket: Ticket, actor: Agent | None, *, reason: str) -> Ticket:
        self._move(ticket, actor, Status.COMPLETED, reason=reason)
        ticket.completed_at = self.now()
        return ticket
