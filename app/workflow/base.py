"""What every workflow action shares: the session, the clock, who acts and through which surface,
the audit trail and the permission checks.

The workflow never commits: the surface that called it owns the transaction, so a change and its audit event
are always written together or not at all (`app.db.transaction`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.clock import Clock
from app.domain.errors import NotFound, PermissionDenied
from app.models import Agent, Counter, Line, Ticket, TicketEvent

SYSTEM = "system"


class WorkflowBase:
    def __init__(self, session: Session, clock: Clock, *, via: str = "api", system_actor: str = SYSTEM,
                 batched: bool = False) -> None:
        self.session = session
        self.clock = clock
        self.via = via
        # Many actions in one transaction (the scheduler fires due timers in batches): events are not flushed one
        # by one but together, at the caller's flush or the next query, and their tickets replanned together.
        self.batched = batched
        self._arrivals: dict[int, Any] = {}  # ticket id → the event it arrived in its line by (read ahead)
        # Who the audit names when no agent acts: "system", or the surface itself ("gmail" for a label applied in
        # Gmail, where nobody knows which agent applied it).
        self.system_actor = system_actor

    # ----- lookups ---------------------------------------------------------------------------------------
    def ticket(self, number: int) -> Ticket:
        ticket = self.session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise NotFound(f"no ticket #{number}")
        return ticket

    def now(self) -> datetime:
        return self.clock.now()

    def _next_number(self) -> int:
        # One UPDATE … RETURNING: the row lock makes numbers unique and gap-free under concurrency.
        number = self.session.execute(
            update(Counter).where(Counter.name == "ticket_number").values(value=Counter.value + 1)
            .returning(Counter.value)
        ).scalar_one()
        return int(number)

    # ----- audit -----------------------------------------------------------------------------------------
    def _event(
        self,
        ticket: Ticket,
        kind: str,
        actor: Agent | None,
        *,
        from_value: object = None,
        to_value: object = None,
        note: str | None = None,
        actor_label: str | None = None,
        **data: Any,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            at=self.now(),
            actor_id=actor.id if actor else None,
            actor_label=actor.email if actor else (actor_label or self.system_actor),
            kind=kind,
            from_value=_text(from_value),
            to_value=_text(to_value),
            note=note,
            via=self.via,
            data=data,
        )
        self.session.add(event)
        ticket.updated_at = event.at
        # The ticket's rule timers follow its state: replanned at this flush and at any later one.
        from scheduler.timers import mark

        mark(self.session, ticket)
        # Flush so foreign keys follow relationship changes (ticket.line = …) before anyone reads line_id. A batched
        # caller fires only actions that read no foreign key after setting its relationship (scheduler.engine).
        if not self.batched:
            self.session.flush()
        return event

    # ----- permissions -----------------------------------------------------------------------------------
    @staticmethod
    def is_on_line(agent: Agent, line: Line) -> bool:
        return line.has_member(agent) or line.head_id == agent.id

    def can_view(self, agent: Agent, ticket: Ticket) -> bool:
        return (
            agent.is_manager
            or self.is_on_line(agent, ticket.line)
            or ticket.assignee_id == agent.id
            or any(w.id == agent.id for w in ticket.watchers)
        )

    def require_view(self, agent: Agent, ticket: Ticket) -> None:
        if not self.can_view(agent, ticket):
            raise PermissionDenied(f"{agent.email} may not see #{ticket.number}: not a member of {ticket.line.name}")

    def require_work(self, agent: Agent | None, ticket: Ticket) -> None:
        """The actor works on this ticket: a manager, the assignee, or a member or head of its line."""
        if agent is None:
            return
        if not agent.active:
            raise PermissionDenied(f"{agent.email} is deactivated")
        if agent.is_manager or ticket.assignee_id == agent.id or self.is_on_line(agent, ticket.line):
            return
        raise PermissionDenied(f"{agent.email} is not a member of {ticket.line.name}, where #{ticket.number} is")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)
