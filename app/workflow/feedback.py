"""The customer's rating: written once, by the customer, and never changed.

The service refuses a second rating and any rating given by an agent (a manager and an admin included);
the database refuses an UPDATE or DELETE of a feedback row too (triggers in the first migration), so no code
path and no SQL prompt can rewrite what the customer said.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.errors import Conflict, PermissionDenied, RuleViolation
from app.models import Agent, Feedback, Rating, Status, Ticket
from app.workflow.intake import IntakeActions

REQUESTED = "feedback_requested"  # the audit event kind of a feedback request


class FeedbackActions(IntakeActions):
    def record_feedback(self, ticket: Ticket, rating: Rating, comment: str | None = None, *,
                        actor: Agent | None = None) -> Feedback:
        """Store the customer's answer. `actor` is for refusing agents loudly: only the customer rates."""
        if actor is not None:
            raise PermissionDenied(f"only the customer can rate #{ticket.number}; {actor.email} cannot")
        if self.feedback_of(ticket) is not None:
            raise Conflict(f"#{ticket.number} has been rated already, and a rating is final")
        if ticket.status not in (Status.DONE, Status.COMPLETED):
            raise RuleViolation(f"#{ticket.number} is {ticket.status.value}; a rating is given after it is done")
        feedback = Feedback(ticket_id=ticket.id, rating=rating, comment=(comment or "").strip() or None,
                            created_at=self.now())
        self.session.add(feedback)
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"#{ticket.number} has been rated already, and a rating is final") from None
        self._event(ticket, "rated", None, to_value=rating, note=feedback.comment, actor_label="customer")
        if rating is Rating.NOT_SUBMITTED:
            self.set_flag(ticket, None, "phantom", note="the customer says they did not submit this request")
            head = ticket.line.head
            if head is not None:
                self.add_watcher(ticket, None, head, note="phantom request: the customer did not submit it")
                self._event(ticket, "alert", None, to_value=head.email,
                            note=f"#{ticket.number} is phantom: the customer says they did not submit it")
        if ticket.status is Status.DONE:
            self.complete(ticket, None, reason="rated by the customer")
        return feedback

    def note_feedback_request(self, ticket: Ticket, how: str) -> None:
        """The customer has been asked (or cannot be): `how` says by what — "email", "sms", "none: …". The
        event is also what makes a done ticket no longer due for a request (gmail_sync.feedback_request)."""
        self._event(ticket, REQUESTED, None, to_value=how[:300])

    def feedback_of(self, ticket: Ticket) -> Feedback | None:
        return self.session.scalar(select(Feedback).where(Feedback.ticket_id == ticket.id))
