"""Moving tickets between lines: transfer with a note, pass back to the agent who passed it, development subtasks.

The audit trail is the memory of a ticket's route: a transfer event records who passed it, from which line to
which, and the note; the claim or assignment in the new line records who accepted it; pass back reads the
route to find where (and to whom) a solved ticket returns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.directory import line_by_slug
from app.domain.errors import InvalidInput, NotFound, RuleViolation, TransitionError
from app.models import ACTIVE_STATUSES, Agent, Channel, Line, LineKind, Note, Priority, Status, Ticket, TicketEvent
from app.workflow.actions import TicketActions


class RoutingActions(TicketActions):
    def transfer(
        self,
        ticket: Ticket,
        actor: Agent | None,
        line: Line,
        note: str,
        *,
        priority: Priority | None = None,
        deadline: datetime | None = None,
    ) -> Ticket:
        """Hand the ticket to another line, where it is offered to every member again."""
        self.require_work(actor, ticket)
        if not (note or "").strip():
            raise InvalidInput("a transfer needs a note for the next line")
        if ticket.status not in ACTIVE_STATUSES:
            raise TransitionError(f"#{ticket.number} is {ticket.status.value}; only an open ticket can be transferred")
        if line.id == ticket.line_id:
            raise RuleViolation(f"#{ticket.number} is already in {line.name}")
        if not line.active:
            raise RuleViolation(f"line {line.name} is retired and takes no tickets")
        origin = ticket.line
        self._enter_line(ticket, line, assignee=None)
        self._event(ticket, "transferred", actor, from_value=origin.slug, to_value=line.slug, note=note.strip(),
                    from_line=origin.name, to_line=line.name)
        self.session.add(Note(ticket_id=ticket.id, author_id=actor.id if actor else None, created_at=self.now(),
                              text=f"Transferred from {origin.name} to {line.name}: {note.strip()}"))
        if priority is not None:
            self._change_priority(ticket, actor, priority, "set on transfer")
        if deadline is not None:
            self._change_deadline(ticket, actor, deadline)
        return ticket

    def pass_back(self, ticket: Ticket, actor: Agent, note: str) -> Ticket:
        """Return a solved ticket to the line it came from, to the agent who passed it if on duty.

        That agent answers the customer. A ticket that returns to a task channel prompts the first line to tell
        the customer what became of their wish.
        """
        self.require_work(actor, ticket)
        if not (note or "").strip():
            raise InvalidInput("passing back needs a note saying what was found or done")
        arrival = self._arrival_transfer(ticket)
        if arrival is None:
            raise RuleViolation(f"#{ticket.number} was not passed to {ticket.line.name} by another line; "
                                "there is nowhere to pass it back to")
        if ticket.status not in ACTIVE_STATUSES:
            raise TransitionError(f"#{ticket.number} is {ticket.status.value}; only an open ticket can be passed back")
        try:
            origin = line_by_slug(self.session, arrival.from_value or "")
        except NotFound:
            raise RuleViolation(f"the line #{ticket.number} came from ({arrival.from_value}) no longer exists") from None
        passer = arrival.actor
        takes_it = passer is not None and passer.active and passer.on_duty and self.is_on_line(passer, origin)
        current = ticket.line
        self._enter_line(ticket, origin, assignee=passer if takes_it else None)
        self._event(ticket, "passed_back", actor, from_value=current.slug, to_value=origin.slug, note=note.strip(),
                    to_agent=passer.email if takes_it else None, from_line=current.name, to_line=origin.name)
        self.session.add(Note(ticket_id=ticket.id, author_id=actor.id, created_at=self.now(),
                              text=f"Passed back from {current.name}: {note.strip()}"))
        if origin.kind is LineKind.TASK and ticket.customer_id is not None:
            first = self.first_line()
            self._event(ticket, "customer_update_due", actor, to_value=first.slug if first else None,
                        note=f"Tell the customer: {note.strip()}")
        return ticket

    def open_subtask(self, ticket: Ticket, actor: Agent, note: str, *, line: Line | None = None) -> Ticket:
        """A linked child ticket in the development line; the parent stays open with its assignee."""
        self.require_work(actor, ticket)
        if not (note or "").strip():
            raise InvalidInput("a development subtask needs a note saying what to do")
        if ticket.status not in ACTIVE_STATUSES:
            raise TransitionError(f"#{ticket.number} is {ticket.status.value}; open a subtask on an open ticket")
        target = line or self.session.scalar(
            select(Line).where(Line.kind == LineKind.DEVELOPMENT, Line.active.is_(True)).order_by(Line.position, Line.id)
        )
        if target is None:
            raise RuleViolation("there is no development line to pass the subtask to")
        child = self.create_ticket(actor, subject=f"#{ticket.number}: {ticket.subject}", line=target,
                                   channel=Channel.TASK, priority=ticket.priority, parent=ticket, mailbox=ticket.mailbox)
        child.customer = ticket.customer
        child.problem = note.strip()
        self.session.add(Note(ticket_id=child.id, author_id=actor.id, created_at=self.now(), text=note.strip()))
        ticket.flag_development = True
        self._event(ticket, "passed_to_development", actor, to_value=target.slug, note=note.strip(), child=child.number)
        return child

    # ----- helpers ---------------------------------------------------------------------------------------
    def _enter_line(self, ticket: Ticket, line: Line, *, assignee: Agent | None) -> None:
        now = self.now()
        ticket.line = line
        ticket.line_entered_at = now
        ticket.assignee = assignee
        ticket.status = Status.ASSIGNED if assignee else Status.NEW
        ticket.claimed_at = now if assignee else None
        ticket.started_at = None
        self.session.flush()

    def _arrival_transfer(self, ticket: Ticket) -> TicketEvent | None:
        return self.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "transferred",
                                      TicketEvent.to_value == ticket.line.slug)
            .order_by(TicketEvent.id.desc()).limit(1)
        ).first()

    def first_line(self) -> Line | None:
        return self.session.scalar(
            select(Line).where(Line.kind == LineKind.SUPPORT, Line.active.is_(True)).order_by(Line.position, Line.id)
        )
