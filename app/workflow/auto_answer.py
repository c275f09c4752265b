"""Automatic answers: an article offered in a new ticket's acknowledgement, and the customer's "this solved it".

`offer_automatic_answer` records on the ticket which article the acknowledgement carried (event
`auto_answer_offered`, by "system"); it changes nothing else — the ticket stays new in its line, offered to
every agent as usual, so no click (or a reply) leaves the customer with a person exactly as without it.

`answer_automatically` is the click: accepted only for the article that was offered, while the ticket is active
and no agent has answered the customer (once a person is on it, their answer is the one that counts). The ticket
becomes **done** — not completed — with problem and resolution filled in and an `answered_automatically` event,
so the usual life of a done ticket follows: a new mail from the customer reopens it (counted in the reports as
"reopened after an automatic answer"), and with no mail it completes like any other done ticket.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from app.domain.errors import Conflict, NotFound, RuleViolation
from app.models import ACTIVE_STATUSES, Direction, Message, Status, Ticket, TicketEvent
from app.workflow.base import WorkflowBase

OFFERED, ANSWERED = "auto_answer_offered", "answered_automatically"


class AutoAnswerActions(WorkflowBase):
    def offer_automatic_answer(self, ticket: Ticket, article_id: int, title: str, confidence: float) -> None:
        self._event(ticket, OFFERED, None, to_value=title[:300], article=article_id, confidence=confidence)

    def offered_article(self, ticket: Ticket) -> int | None:
        event = self.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                              TicketEvent.kind == OFFERED).order_by(TicketEvent.id.desc()))
        return int(event.data["article"]) if event is not None and event.data.get("article") else None

    def answer_automatically(self, ticket: Ticket, article_id: int) -> Ticket:
        """The customer says the offered article solved it: the ticket is done, by the customer."""
        if self.offered_article(ticket) != article_id:
            raise NotFound(f"#{ticket.number} was not offered that article")
        if ticket.status not in ACTIVE_STATUSES:
            raise Conflict(f"#{ticket.number} is {ticket.status.value} already")
        answered = self.session.scalar(select(exists().where(
            Message.ticket_id == ticket.id, Message.direction == Direction.OUT, Message.author_agent_id.is_not(None))))
        if answered:
            raise RuleViolation(f"an agent has answered #{ticket.number} already; their answer counts")
        title = self.session.scalar(select(TicketEvent.to_value).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == OFFERED).order_by(TicketEvent.id.desc())) or ""
        previous, now = ticket.status, self.now()
        ticket.status, ticket.done_at = Status.DONE, now
        ticket.problem = ticket.problem or (ticket.subject or "(no subject)")
        ticket.resolution = f"Answered automatically by the article “{title}”; the customer said it solved the problem."
        self._event(ticket, "status", None, from_value=previous, to_value=Status.DONE, actor_label="customer",
                    answered_automatically=True)
        self._event(ticket, ANSWERED, None, to_value=title, actor_label="customer", article=article_id)
        return ticket
